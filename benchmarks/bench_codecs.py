"""Every codec and region strategy at the sizes of uniform JPEG q25 / q50 / q75.

For each boxed Kodak image (../shared/data/kodak_subjects_dev.json) and each size: the codec's own
uniform encode is rate-controlled to the largest file within the JPEG's size, and every strategy
of that codec to the uniform encode's size (equal size, 1 %). Map: the perfect map (the boxes
blurred by sigma 16 px) or the default network map. Reports, as differences against the codec's
own uniform encode: subject and background RGB PSNR, whole-image PSNR-Y and MS-SSIM; and encode
time per image.

    python benchmarks/bench_codecs.py --map perfect --out bench-out/codecs-perfect
    python benchmarks/bench_codecs.py --map default --codecs hevc,webp --points 50
    python benchmarks/bench_codecs.py --strategies uniform,default   # each codec's default only

With three or more size points it adds BD-rates against each codec's own uniform encode and
against uniform JPEG (the reference JPEG is always measured, as the anchor).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

import roicodec
from roicodec.codecs.pillow_jpeg import encode_uniform
from roicodec.bench.summary import curve_bd
from roicodec.codecs.registry import all_codecs, get_codec
from roicodec.evaluation import evaluate
from roicodec.imageio import load_image
from roicodec.roi import box_mask, perfect_map
from roicodec.saliency import importance_map

from dev_sets import SETS, image_set



def run(args) -> list[dict]:
    torch.set_num_threads(1)
    folder, boxes = image_set(args.set)
    codecs = [get_codec(name) for name in args.codecs.split(",")] if args.codecs else all_codecs()
    rows = []
    for name in sorted(boxes):
        rgb = load_image(folder / name).pixels
        mask = box_mask(boxes[name], rgb.shape[:2])
        importance = perfect_map(boxes[name], rgb.shape[:2]) if args.map == "perfect" else importance_map(rgb)
        for point in (int(p) for p in args.points.split(",")):
            reference_jpeg = encode_uniform(rgb, point)
            jpeg_size = len(reference_jpeg)
            if "jpeg" not in [codec.name for codec in codecs]:  # the BD-rate anchor
                figures = evaluate(rgb, get_codec("jpeg").decode(reference_jpeg), size_bytes=jpeg_size, mask=mask)
                rows.append({"image": name, "point": point, "codec": "jpeg", "strategy": "uniform",
                             "target": jpeg_size, "seconds": 0.0, **figures})
            for codec in codecs:
                started = time.perf_counter()
                uniform = roicodec.compress(rgb, codec=codec, method="uniform", target_size=jpeg_size)
                results = {"uniform": (uniform, time.perf_counter() - started)}
                wanted = args.strategies.split(",") if args.strategies else codec.strategies
                wanted = [codec.default_strategy if w == "default" else w for w in wanted]
                for strategy in codec.strategies:
                    if strategy == "uniform" or strategy not in wanted:
                        continue
                    started = time.perf_counter()
                    result = roicodec.compress(rgb, codec=codec, method=strategy, target_size=uniform.size_bytes,
                                               importance=importance, **args.plan_options)
                    results[strategy] = (result, time.perf_counter() - started)
                for strategy, (result, seconds) in results.items():
                    figures = evaluate(rgb, codec.decode(result.data), size_bytes=result.size_bytes, mask=mask)
                    rows.append({"image": name, "point": point, "codec": codec.name, "strategy": strategy,
                                 "target": uniform.size_bytes, "seconds": seconds, **figures})
            print(f"{name} q{point}: done", file=sys.stderr, flush=True)
    return rows


def summarise(rows: list[dict]) -> str:
    reference = {(r["image"], r["point"], r["codec"]): r for r in rows if r["strategy"] == "uniform"}
    lines = ["| codec | strategy | size point | Δ subject PSNR | Δ background PSNR | Δ PSNR-Y | Δ MS-SSIM | bytes / uniform | s per encode |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    keys = sorted({(r["codec"], r["strategy"], r["point"]) for r in rows},
                  key=lambda k: ([c.name for c in all_codecs()].index(k[0]), k[1] != "uniform", k[1], k[2]))
    for codec, strategy, point in keys:
        group = [r for r in rows if (r["codec"], r["strategy"], r["point"]) == (codec, strategy, point)]
        ref = [reference[(r["image"], point, codec)] for r in group]
        delta = lambda key: np.mean([r[key] - b[key] for r, b in zip(group, ref)])
        ratio = np.mean([r["bytes"] / b["bytes"] for r, b in zip(group, ref)])
        seconds = np.median([r["seconds"] for r in group])
        if strategy == "uniform":
            lines.append(f"| {codec} | uniform | q{point} JPEG size | ({np.mean([r['roi_psnr'] for r in group]):.2f} dB) "
                         f"| ({np.mean([r['background_psnr'] for r in group]):.2f} dB) | ({np.mean([r['psnr'] for r in group]):.2f} dB) "
                         f"| ({np.mean([r['ms_ssim'] for r in group]):.4f}) | {np.mean([r['bytes'] for r in group]):.0f} B | {seconds:.2f} |")
        else:
            lines.append(f"| {codec} | {strategy} | q{point} JPEG size | {delta('roi_psnr'):+.2f} | {delta('background_psnr'):+.2f} "
                         f"| {delta('psnr'):+.2f} | {delta('ms_ssim'):+.4f} | {ratio:.4f} | {seconds:.2f} |")
    return "\n".join(lines)


def bd_summary(rows: list[dict]) -> str:
    """BD-rate (pchip over the size points, per image, then the mean) of every codec and strategy
    against the same codec's uniform encode and against uniform JPEG, on subject and whole PSNR."""
    curves: dict[tuple, dict[int, dict]] = {}
    for row in rows:
        curves.setdefault((row["codec"], row["strategy"], row["image"]), {})[row["point"]] = row

    def mean_bd(anchor_key, test_key, metric) -> str:
        pairs = [curve_bd(curves.get((*anchor_key, image), {}), curves.get((*test_key, image), {}), metric, rate="bytes")
                 for image in sorted({r["image"] for r in rows})]
        values = [pair[0] for pair in pairs if pair is not None and np.isfinite(pair[0])]  # no overlap: NaN
        return f"{np.mean(values):+.1f} % ({len(values)})" if values else "-"

    lines = ["| codec | strategy | BD-rate subject PSNR vs own uniform | BD-rate PSNR vs own uniform "
             "| BD-rate subject PSNR vs uniform JPEG | BD-rate PSNR vs uniform JPEG |",
             "| --- | --- | --- | --- | --- | --- |"]
    order = [c.name for c in all_codecs()]
    for codec, strategy in sorted({(r["codec"], r["strategy"]) for r in rows},
                                  key=lambda k: (order.index(k[0]), k[1] != "uniform", k[1])):
        if (codec, strategy) == ("jpeg", "uniform"):
            continue
        own = ("-", "-") if strategy == "uniform" else tuple(
            mean_bd((codec, "uniform"), (codec, strategy), metric) for metric in ("roi_psnr", "psnr"))
        jpeg = tuple(mean_bd(("jpeg", "uniform"), (codec, strategy), metric) for metric in ("roi_psnr", "psnr"))
        lines.append(f"| {codec} | {strategy} | {own[0]} | {own[1]} | {jpeg[0]} | {jpeg[1]} |")
    return "\n".join(lines) + "\n\nBD-rate: negative = fewer bytes for the same quality; (n) = images with a usable curve."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--map", choices=("perfect", "default"), default="perfect")
    parser.add_argument("--set", choices=sorted(SETS), default="kodak", help="image set and its subject boxes")
    parser.add_argument("--codecs", default="", help="comma-separated (default: all)")
    parser.add_argument("--points", default="25,50,75", help="JPEG qualities whose sizes are the targets")
    parser.add_argument("--strategies", default="",
                        help="comma-separated; 'default' = each codec's default strategy (default: each codec's all)")
    parser.add_argument("--plan", help="quality plan for the region strategies (default: compress's)")
    parser.add_argument("--roi-quality", type=float)
    parser.add_argument("--bg-quality", type=float)
    parser.add_argument("--prefilter-sigma", type=float, help="blur of the least important pixels (default: the codec's)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.plan_options = {k: v for k, v in (("plan", args.plan), ("roi_quality", args.roi_quality),
                                           ("bg_quality", args.bg_quality), ("prefilter_sigma", args.prefilter_sigma))
                         if v is not None}
    rows = run(args)
    summary = summarise(rows)
    if len({r["point"] for r in rows}) >= 3:
        summary += "\n\n" + bd_summary(rows)
    print(summary)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "rows.json").write_text(json.dumps(rows, indent=1))
        (args.out / "summary.md").write_text(summary + "\n")


if __name__ == "__main__":
    main()
