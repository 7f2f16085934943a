"""How well importance maps cover the hand-drawn subjects of the Kodak images.

For each boxed image (../shared/data/kodak_subjects_dev.json): the lift (share of map energy inside
the boxes / the boxes' share of the area; 1 = a flat map), the pointing game (is the hottest pixel
inside a box) and the time to make the map (models loaded beforehand, one torch thread). Rows:
every map method on the embedded default backbone, the other embedded backbones and their
ensemble, the fusion, erasing and smoothing options, the network-free maps, and the perfect map
(the boxes blurred) as the ceiling. The named backbones (VGG16, ResNet50, ViT) need ImageNet
weights this offline machine cannot download: pass --weights-dir with <name>.pth files to add them.

    python benchmarks/bench_maps.py [--only TEXT,TEXT] [--weights-dir DIR] [--set kodak|photos|both]

--set photos uses ../shared/data/photos with the project's own dev boxes
(benchmarks/data/photo_subjects_dev.json); both prints each set and the two together.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from roicodec.imageio import load_image
from roicodec.roi import box_mask, lift, perfect_map, pointing_hit
from roicodec.saliency import EMBEDDED_BACKBONES, NAMED_BACKBONES, importance_map, load_backbone

from dev_sets import image_set


METHODS = ["cam", "msroi", "gradcam", "gradcam++", "xgradcam", "layercam", "hirescam", "eigencam",
           "eigengradcam", "ablationcam"]
VARIANTS = {
    "subject (default: people + objects + centre)": {},
    "objects (CAM x principal component, GrabCut extent)": dict(method="objects"),
    "people (BlazeFace, head and shoulders)": dict(method="people"),
    "people (Haar cascade, head and shoulders)": dict(method="people", face_detector="haar"),
    "fused top-5 (the default until now)": dict(method="fused"),
    **{name: dict(method=name) for name in METHODS},
    "scorecam (top-1, short side 112: one pass per channel and class)": dict(method="scorecam", top_k=1, short_side=112),
    "fused, EfficientNet-Lite1": dict(backbone="efficientnet-lite1"),
    "fused, EfficientNet-Lite2": dict(backbone="efficientnet-lite2"),
    "ensemble fused Lite0 + Lite1 + Lite2": dict(
        method="ensemble:fused@efficientnet-lite0+fused@efficientnet-lite1+fused@efficientnet-lite2"),
    "ensemble fused + eigencam": dict(method="ensemble:fused+eigencam"),
    "fused top-1": dict(top_k=1),
    "fused top-10": dict(top_k=10),
    "fused, threshold fusion alpha 0.2": dict(fusion="threshold", alpha=0.2),
    "fused, threshold fusion alpha 0.2 beta 0.1": dict(fusion="threshold", alpha=0.2, beta=0.1),
    "fused, erase 1 round": dict(erase=1),
    "fused, erase 2 rounds": dict(erase=2),
    "gradcam, aug-smooth": dict(method="gradcam", aug_smooth=True),
    "gradcam, eigen-smooth": dict(method="gradcam", eigen_smooth=True),
    "fused, eigen-smooth": dict(eigen_smooth=True),
    "eigencam, erase 1 round": dict(method="eigencam", erase=1),
    "spectral residual (no network)": dict(method="spectral"),
    "faces (Haar cascade)": dict(method="faces"),
    "ensemble fused + faces": dict(method="ensemble:fused+faces"),
}


def _named_variants(weights_dir: Path | None) -> dict:
    if weights_dir is None:
        return {}
    found = {}
    for name in NAMED_BACKBONES:
        path = weights_dir / f"{name}.pth"
        if path.is_file():
            found[f"gradcam, {name}"] = dict(method="gradcam", backbone=name, weights=str(path))
            found[f"eigencam, {name}"] = dict(method="eigencam", backbone=name, weights=str(path))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="Only rows whose label contains one of these comma-separated texts.")
    parser.add_argument("--weights-dir", type=Path, help="Folder of <backbone>.pth ImageNet weights (named backbones).")
    parser.add_argument("--set", choices=["kodak", "photos", "both"], default="kodak", help="Image set(s) and their boxes.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    boxes, images, groups = {}, {}, {}
    for set_name in (("kodak", "photos") if args.set == "both" else (args.set,)):
        folder, found = image_set(set_name)
        boxes.update(found)
        for name in sorted(found):
            images[name] = load_image(folder / name).pixels
            groups[name] = set_name
    for name in EMBEDDED_BACKBONES:
        load_backbone(name)
    masks = {name: box_mask(boxes[name], rgb.shape[:2]) for name, rgb in images.items()}
    sets = sorted(set(groups.values()))
    lift_columns = " | ".join(f"lift {s}" for s in sets) if len(sets) > 1 else ""
    print(f"| map | mean lift | {lift_columns + ' | ' if lift_columns else ''}pointing game | ms per image | misses |")
    print("| --- | --- |" + " --- |" * (len(sets) if len(sets) > 1 else 0) + " --- | --- | --- |")
    rows = {"perfect map (boxes, blur 16 px)": lambda name, rgb: perfect_map(boxes[name], rgb.shape[:2])}
    variants = {**VARIANTS, **_named_variants(args.weights_dir)}
    rows.update({label: (lambda name, rgb, o=options: importance_map(rgb, **o).values)
                 for label, options in variants.items()})
    wanted = [text for text in (args.only or "").split(",") if text]
    rows = {label: make for label, make in rows.items() if not wanted or any(text in label for text in wanted)}
    for label, make in rows.items():
        lifts, hits, misses, times = {}, 0, [], []
        importance_map(next(iter(images.values()))[:64, :64], **variants.get(label, {}))  # warm-up: imports
        for name, rgb in images.items():
            started = time.perf_counter()
            values = make(name, rgb)
            times.append(time.perf_counter() - started)
            lifts[name] = lift(values, masks[name])
            if pointing_hit(values, masks[name]):
                hits += 1
            else:
                misses.append(Path(name).stem)
        per_set = "".join(f"{np.nanmean([v for n, v in lifts.items() if groups[n] == s]):.2f} | " for s in sets) \
            if len(sets) > 1 else ""
        print(f"| {label} | {np.nanmean(list(lifts.values())):.2f} | {per_set}{hits}/{len(images)} | "
              f"{1000 * np.median(times):.0f} | {', '.join(misses) or '-'} |", flush=True)


if __name__ == "__main__":
    main()
