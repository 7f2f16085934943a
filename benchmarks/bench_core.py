"""Core benchmark: uniform JPEG vs blend vs adaptive JPEG at the size of a uniform JPEG.

For each Kodak image the reference is Pillow's JPEG at --reference-quality (default 50, optimised
Huffman tables); every other method is rate-controlled to the largest file not bigger than it
(within 1 %). Two settings:

  perfect  the map is the hand-drawn subject boxes, blurred by sigma 16 px (images with boxes only):
           how well a codec turns a map into subject quality;
  default  the embedded network's map, end to end (all images; subject/background on boxed ones).

Reports whole-image PSNR (luma, VQMT convention), SSIM, MS-SSIM, and RGB PSNR inside and outside the
boxes, as differences against the uniform JPEG; plus per-stage times with the model loaded once.

    python benchmarks/bench_core.py --out bench-out/core            # everything (about 2 minutes)
    python benchmarks/bench_core.py --images kodim04,kodim23 --settings default
    python benchmarks/bench_core.py --set photos --settings perfect,default   # the project's photo dev boxes
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import roicodec
from roicodec import defaults
from roicodec.evaluation import evaluate
from roicodec.codecs.adaptive_jpeg import DEFAULT_LAMBDA_SCALE
from roicodec.codecs.pillow_jpeg import decode, encode_uniform
from roicodec.imageio import load_image, write_atomic
from roicodec.roi import box_mask, perfect_map
from roicodec.pipeline import DEFAULT_BG_QUALITY, DEFAULT_PLAN, DEFAULT_ROI_QUALITY
from roicodec.saliency import importance_map, load_backbone

from dev_sets import DATA, SETS, image_set



def figures(rgb: np.ndarray, data: bytes, mask: np.ndarray | None) -> dict:
    """The columns of this benchmark, from the same evaluation `roicodec bench` uses."""
    row = evaluate(rgb, decode(data), size_bytes=len(data), mask=mask)
    if mask is not None:
        row["subject_psnr"] = row.pop("roi_psnr")
    return row


def run(args) -> list[dict]:
    torch.set_num_threads(1)
    folder, boxes = image_set(args.set)
    if args.images:
        names = args.images.split(",")
    elif args.boxed_only:
        names = sorted(Path(name).stem for name in boxes)
    else:
        names = sorted(p.stem for p in folder.glob("*.png"))
    load_backbone(args.backbone)  # once, outside the timings
    jpeg_options = {"lambda_scale": args.lambda_scale, "quantiser": args.quantiser}  # JPEG's codec options
    rows = []
    out_dir = Path(tempfile.mkdtemp(prefix="roicodec-bench-"))
    for name in names:
        path = folder / f"{name}.png"
        t0 = time.perf_counter()
        loaded = load_image(path)
        t_load = time.perf_counter() - t0
        rgb = loaded.pixels
        mask = box_mask(boxes[f"{name}.png"], rgb.shape[:2]) if f"{name}.png" in boxes else None
        reference = encode_uniform(rgb, args.reference_quality)
        target = len(reference)

        # The cost a compress is compared with: one forward pass + one uniform Pillow encode.
        t0 = time.perf_counter()
        default = importance_map(rgb, method=args.map_method, backbone=args.backbone, **args.map_option)
        t_map = time.perf_counter() - t0
        t0 = time.perf_counter()
        encode_uniform(rgb, args.reference_quality)
        t_uniform = time.perf_counter() - t0

        maps = {}
        if "perfect" in args.settings and mask is not None:
            maps["perfect"] = perfect_map(boxes[f"{name}.png"], rgb.shape[:2])
        if "default" in args.settings:
            maps["default"] = default
        base = {"image": name, "target_bytes": target}
        rows.append({**base, "setting": "reference", "method": "uniform", "quality": args.reference_quality,
                     **figures(rgb, reference, mask)})
        for setting, importance in maps.items():
            for method in args.methods.split(","):
                t0 = time.perf_counter()
                result = roicodec.compress(
                    loaded, method=method, target_size=target, importance=importance, plan=args.plan,
                    roi_quality=args.roi_quality, bg_quality=args.bg_quality, codec_options=jpeg_options,
                )
                write_atomic(out_dir / f"{name}-{setting}-{method}.jpg", result.data)
                t_total = time.perf_counter() - t0
                timings = dict(result.timings)
                timings["write"] = t_total - timings["total"]
                timings["load"] = t_load
                if setting == "default" and method != "uniform":
                    timings["map"] = t_map  # the map was computed once above, outside compress()
                timings["end_to_end"] = sum(timings.get(k, 0.0) for k in ("load", "map", "plan", "encode", "write"))
                timings["baseline_forward_plus_encode"] = t_map + t_uniform
                rows.append({**base, "setting": setting, "method": method, "quality": result.quality,
                             "encodes": result.encodes, "timings": timings, **figures(rgb, result.data, mask)})
        print(f"{name}: done", file=sys.stderr, flush=True)
    return rows


def summarise(rows: list[dict]) -> str:
    """Markdown: mean differences against the reference per (setting, method), and stage times."""
    reference = {r["image"]: r for r in rows if r["setting"] == "reference"}
    lines = [
        "| setting | method | images | bytes / target | Δ PSNR-Y | Δ SSIM | Δ MS-SSIM | Δ subject PSNR | Δ background PSNR | worst Δ subject (images losing) | encodes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups = sorted({(r["setting"], r["method"]) for r in rows if r["setting"] != "reference"})
    for setting, method in groups:
        group = [r for r in rows if (r["setting"], r["method"]) == (setting, method)]
        d = lambda key: np.mean([r[key] - reference[r["image"]][key] for r in group if key in r]) if any(key in r for r in group) else float("nan")
        ratio = np.mean([r["bytes"] / r["target_bytes"] for r in group])
        subject = [r["subject_psnr"] - reference[r["image"]]["subject_psnr"] for r in group if "subject_psnr" in r]
        worst = f"{min(subject):+.2f} ({sum(d < 0 for d in subject)})" if subject else "-"
        lines.append(
            f"| {setting} | {method} | {len(group)} | {ratio:.4f} | {d('psnr'):+.2f} | {d('ssim'):+.4f} | {d('ms_ssim'):+.4f} "
            f"| {d('subject_psnr'):+.2f} ({sum('subject_psnr' in r for r in group)}) | {d('background_psnr'):+.2f} | {worst} | {np.mean([r['encodes'] for r in group]):.1f} |"
        )
    timed = [r for r in rows if r.get("timings") and r["setting"] == "default" and r["method"] == "adaptive"]
    if timed:
        keys = ["load", "map", "plan", "encode", "write", "end_to_end", "baseline_forward_plus_encode"]
        lines += ["", "Stage times, default map, adaptive, target size (median over images, seconds):", "",
                  "| " + " | ".join(keys) + " | ratio |", "|" + " --- |" * (len(keys) + 1)]
        med = {k: float(np.median([r["timings"][k] for r in timed])) for k in keys}
        ratio = float(np.median([r["timings"]["end_to_end"] / r["timings"]["baseline_forward_plus_encode"] for r in timed]))
        lines.append("| " + " | ".join(f"{med[k]:.3f}" for k in keys) + f" | {ratio:.1f}x |")
    return "\n".join(lines)


def _map_option(text: str) -> tuple[str, object]:
    """'erase=2' -> ('erase', 2): numbers and booleans parsed, anything else kept as text."""
    name, _, value = text.partition("=")
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            pass
    return name, {"true": True, "false": False}.get(value.lower(), value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="kodak", help="image set and its subject boxes")
    parser.add_argument("--images", default="", help="comma-separated stems, e.g. kodim04,kodim23 (default: all of the set)")
    parser.add_argument("--boxed-only", action="store_true", help="only the images that have subject boxes")
    parser.add_argument("--settings", default="perfect,default")
    parser.add_argument("--methods", default="uniform,blend,adaptive")
    parser.add_argument("--reference-quality", type=int, default=50)
    parser.add_argument("--plan", default=DEFAULT_PLAN)
    parser.add_argument("--roi-quality", type=float, default=DEFAULT_ROI_QUALITY)
    parser.add_argument("--bg-quality", type=float, default=DEFAULT_BG_QUALITY)
    parser.add_argument("--lambda-scale", type=float, default=DEFAULT_LAMBDA_SCALE)
    parser.add_argument("--map-method", default=defaults.MAP_METHOD, help="map of the 'default' setting, e.g. fused, msroi or ensemble:...")
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--map-option", action="append", default=[], metavar="NAME=VALUE",
                        help="any other map option, e.g. erase=2, fusion=threshold, alpha=0.2 (repeatable)")
    parser.add_argument("--quantiser", default="rdo", help="adaptive JPEG quantiser: rdo or requantise")
    parser.add_argument("--out", type=Path, default=None, help="folder for results.json and summary.md")
    args = parser.parse_args()
    args.map_option = dict(_map_option(text) for text in args.map_option)
    if not (DATA / "kodak").is_dir():
        sys.exit(f"shared data not found at {DATA}; set ROICODEC_SHARED_DATA")
    rows = run(args)
    summary = summarise(rows)
    print(summary)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))
        (args.out / "summary.md").write_text(summary + "\n")


if __name__ == "__main__":
    main()
