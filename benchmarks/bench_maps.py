"""How well importance maps cover the hand-drawn subjects of the Kodak images.

For each boxed image (../shared/data/kodak_subjects_dev.json): the lift (share of map energy inside
the boxes / the boxes' share of the area; 1 = a flat map), the pointing game (is the hottest pixel
inside a box) and the time to make the map (models loaded beforehand). The maps available today:
fused CAM on the three embedded backbones, at several input sizes and numbers of classes, their
ensemble, MSROI's class sum, the CAM family (all fused over the top 5 classes; Score-CAM is left
out: one forward pass per channel and class, about 5 minutes per image here), and the perfect map
(the boxes blurred) as the ceiling.

    python benchmarks/bench_maps.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from roicodec.imageio import load_image
from roicodec.roi import box_mask, lift, perfect_map, pointing_hit
from roicodec.saliency import MAP_METHODS, importance_map, load_backbone

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))

#: The CAM family, each fused over the top 5 classes (Score-CAM is left out: minutes per image).
CAM_FAMILY = {name: dict(method=name) for name in MAP_METHODS if name not in ("fused", "msroi", "scorecam")}

VARIANTS = {
    "fused top-5, short side 224 (default)": dict(top_k=5, short_side=224),
    "fused, EfficientNet-Lite1": dict(backbone="efficientnet-lite1"),
    "fused, EfficientNet-Lite2": dict(backbone="efficientnet-lite2"),
    "ensemble fused Lite1 + Lite2": dict(method="ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2"),
    "msroi (classes above 5 %, summed)": dict(method="msroi"),
    **CAM_FAMILY,
    "fused top-1, short side 224": dict(top_k=1, short_side=224),
    "fused top-10, short side 224": dict(top_k=10, short_side=224),
    "fused top-5, short side 320": dict(top_k=5, short_side=320),
    "fused top-5, short side 448": dict(top_k=5, short_side=448),
}


def main() -> None:
    torch.set_num_threads(1)
    boxes = json.loads((DATA / "kodak_subjects_dev.json").read_text())
    boxes.pop("_about", None)
    for name in ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"):
        load_backbone(name)
    images = {name: load_image(DATA / "kodak" / name).pixels for name in sorted(boxes)}
    masks = {name: box_mask(boxes[name], rgb.shape[:2]) for name, rgb in images.items()}
    print("| map | mean lift | pointing game | ms per image | misses |")
    print("| --- | --- | --- | --- | --- |")
    rows = {"perfect map (boxes, blur 16 px)": lambda name, rgb: perfect_map(boxes[name], rgb.shape[:2])}
    rows.update({label: (lambda name, rgb, o=options: importance_map(rgb, **o).values)
                 for label, options in VARIANTS.items()})
    for label, make in rows.items():
        lifts, hits, misses, times = [], 0, [], []
        for name, rgb in images.items():
            started = time.perf_counter()
            values = make(name, rgb)
            times.append(time.perf_counter() - started)
            lifts.append(lift(values, masks[name]))
            if pointing_hit(values, masks[name]):
                hits += 1
            else:
                misses.append(Path(name).stem)
        print(f"| {label} | {np.mean(lifts):.2f} | {hits}/{len(images)} | {1000 * np.median(times):.0f} | "
              f"{', '.join(misses) or '-'} |")


if __name__ == "__main__":
    main()
