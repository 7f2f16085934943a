"""Where a learned model stands against the standard codecs, all uniform: the mean figures at each
operating point and the BD-rate of the learned codec against each other codec, from a `roicodec
bench` folder made with several codecs and the uniform method, e.g.

    roicodec bench ../shared/data/kodak -o bench-out/learned-vs-standard --codecs learned,jpeg,webp \\
        --methods uniform --bpp 0.2,0.4,0.8 --learned-weights out/learned/small-mbt2018-mean.pt
    python benchmarks/learned_vs_standard.py bench-out/learned-vs-standard

BD-rate: per image over the points (pchip, the ``bjontegaard`` package, as bench's own table), then
the mean over images; negative = the learned codec needs fewer bits for the same quality.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from roicodec.bench.summary import curve_bd

METRICS = (("psnr", "PSNR-Y (dB)"), ("ms_ssim_db", "MS-SSIM (dB)"), ("ssimulacra2", "SSIMULACRA2"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--learned", default="learned")
    args = parser.parse_args()
    rows = [r for r in json.loads((args.folder / "rows.json").read_text()) if r["method"] == "uniform"]
    codecs = sorted({r["codec"] for r in rows}, key=lambda c: (c != args.learned, c))
    points = sorted({r["point"] for r in rows}, key=lambda p: float(p.rstrip("bpq") or 0))
    print("Means over the images every codec reached at the point.\n")
    print("| point | codec | images | bpp | " + " | ".join(name for _, name in METRICS) + " |")
    print("| --- | --- | --- | --- | " + " | ".join("---" for _ in METRICS) + " |")
    for point in points:
        # The images every codec reached at this point (a codec's smallest file may be larger).
        reached = set.intersection(*({r["image"] for r in rows if r["codec"] == codec and r["point"] == point
                                      and r.get("bpp")} for codec in codecs))
        for codec in codecs:
            chosen = [r for r in rows if r["codec"] == codec and r["point"] == point and r["image"] in reached]
            means = [np.mean([r[key] for r in chosen if _finite(r.get(key))]) for key, _ in METRICS]
            print(f"| {point} | {codec} | {len(chosen)} | {np.mean([r['bpp'] for r in chosen]):.3f} | "
                  + " | ".join(f"{m:.2f}" for m in means) + " |")
    curves = defaultdict(dict)
    for row in rows:
        curves[(row["codec"], row["image"])][row["point"]] = row
    images = sorted({r["image"] for r in rows})
    print("\n| learned against | distortion | images | BD-rate (%) | BD-quality |")
    print("| --- | --- | --- | --- | --- |")
    for anchor in codecs[1:]:
        for key, name in METRICS:
            pairs = [curve_bd(curves[(anchor, image)], curves[(args.learned, image)], key) for image in images]
            # Curves whose qualities do not overlap have no BD-rate (the package gives NaN): left out.
            pairs = [p for p in pairs if p is not None and all(math.isfinite(v) for v in p)]
            if pairs:
                print(f"| {anchor} | {name} | {len(pairs)} | {np.mean([p[0] for p in pairs]):+.1f} | "
                      f"{np.mean([p[1] for p in pairs]):+.2f} |")


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


if __name__ == "__main__":
    main()
