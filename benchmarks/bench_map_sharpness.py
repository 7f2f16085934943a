"""How sharp each kind of map is, by the rule the ``auto`` plan uses (qmap.is_sharp): the share
of 8x8 blocks whose mean importance lies strictly between 0.1 and 0.9, per image.

    python benchmarks/bench_map_sharpness.py                        # boxes and default maps, 8 boxed images
    python benchmarks/bench_map_sharpness.py --methods eigencam,spectral --all-images

Masks (the blurred subject boxes) sit low, network maps high; ``qmap.SHARP_MAP_MIDDLE`` (0.35) is
the line between them.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from roicodec import qmap
from roicodec.imageio import load_image
from roicodec.roi import perfect_map
from roicodec.saliency import importance_map

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def middle_share(values) -> float:
    blocks = qmap.block_means(values)
    return float(((blocks > 0.1) & (blocks < 0.9)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="boxes,fused", help="boxes, or map methods (fused is the default map)")
    parser.add_argument("--all-images", action="store_true", help="all 24 Kodak images (boxes: the 8 boxed ones)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    boxes = json.loads((DATA / "kodak_subjects_dev.json").read_text())
    boxes.pop("_about", None)
    names = sorted(p.name for p in (DATA / "kodak").glob("kodim*.png")) if args.all_images else sorted(boxes)
    for method in args.methods.split(","):
        shares = []
        for name in names:
            rgb = load_image(DATA / "kodak" / name).pixels
            if method == "boxes":
                if name not in boxes:
                    continue
                values = perfect_map(boxes[name], rgb.shape[:2])
            else:
                values = importance_map(rgb, method=method).values
            shares.append(middle_share(values))
        print(f"{method}: {min(shares):.2f}-{max(shares):.2f} over {len(shares)} images "
              f"({', '.join(f'{v:.2f}' for v in shares)})", flush=True)


if __name__ == "__main__":
    main()
