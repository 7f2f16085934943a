"""Perceptual quality at equal size: roicodec against the uniform encoders a user would pick instead.

For each image with subject boxes and each rate (the size of Pillow's JPEG at q10, q25, q50, q75),
every file is the largest that fits that size:

  JPEG   Pillow (libjpeg-turbo) uniform, jpegli uniform, and roicodec's default (adaptive JPEG) with
         the default map and with the perfect map (the boxes, blurred);
  WebP   libwebp uniform, and roicodec's default WebP strategy (native) with both maps;
  HEIC   libheif/x265 uniform, and roicodec's default HEIC strategy (native) with both maps.

Scores: SSIMULACRA2 (the ``ssimulacra2`` package) of the whole picture, of the subject (each box
cropped and scored alone, area-weighted) and of the background (the subject restored from the
original), as ``roicodec.perceptual`` defines them (boxes that touch are scored as one region);
RGB PSNR inside and outside the boxes. The tables give roicodec minus each uniform
encoder, mean over images, with the worst image; a uniform encoder that cannot make a file that
small is left out of that comparison (jpegli's smallest file is larger than Pillow's q10 one).

    python benchmarks/bench_perceptual.py --out bench-out/perceptual                 # everything
    python benchmarks/bench_perceptual.py --codecs jpeg --rates 25 --set photos --jobs 2
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from dev_sets import image_set

RATES = (10, 25, 50, 75)
CODECS = ("jpeg", "webp", "heic")
#: The uniform encoders each codec's roicodec file is compared with.
ANCHORS = {"jpeg": ("jpeg", "jpegli"), "webp": ("webp",), "heic": ("heic",)}
MAPS = ("default", "perfect")


def scores(reference: np.ndarray, decoded: np.ndarray, mask: np.ndarray) -> dict:
    from roicodec import metrics, perceptual

    perceived = perceptual.region_scores(reference, decoded, mask)
    return {
        "whole": perceived["ssimulacra2"],
        "subject": perceived["roi_ssimulacra2"],
        "background": perceived["background_ssimulacra2"],
        "subject_psnr": metrics.roi_psnr(reference, decoded, mask),
        "background_psnr": metrics.background_psnr(reference, decoded, mask),
    }


def one_image(task: tuple) -> list[dict]:
    """Every row of one image: each rate x codec x (anchors, roicodec with each map)."""
    import torch

    import roicodec
    from roicodec.codecs.pillow_jpeg import encode_uniform
    from roicodec.codecs.registry import get_codec
    from roicodec.imageio import load_image
    from roicodec.report import same_size_uniform
    from roicodec.roi import box_mask, perfect_map
    from roicodec.saliency import importance_map

    torch.set_num_threads(1)
    path, boxes, rates, codecs, plan_ends, jpeg_settings = task
    rgb = load_image(path).pixels
    mask = box_mask(boxes, rgb.shape[:2])
    maps = {"default": importance_map(rgb), "perfect": perfect_map(boxes, rgb.shape[:2])}
    rows = []
    for rate in rates:
        target = len(encode_uniform(rgb, rate))
        for codec_name in codecs:
            codec = get_codec(codec_name)
            for anchor_name in ANCHORS[codec_name]:
                anchor = get_codec(anchor_name)
                made = same_size_uniform(rgb, target, anchor)
                row = {"image": path.stem, "rate": rate, "target": target, "codec": codec_name,
                       "file": f"uniform {anchor_name}"}
                if made is None:
                    rows.append({**row, "bytes": None})
                    continue
                rows.append({**row, "bytes": len(made[0]), "quality": made[1],
                             **scores(rgb, anchor.decode(made[0]), mask)})
            for map_name in MAPS:
                row = {"image": path.stem, "rate": rate, "target": target, "codec": codec_name,
                       "file": f"roicodec {map_name}"}
                try:
                    extra = {"codec_options": jpeg_settings} if codec_name == "jpeg" else {}
                    result = roicodec.compress(rgb, codec=codec, importance=maps[map_name], target_size=target,
                                               **plan_ends, **extra)
                except roicodec.RoicodecError as error:
                    rows.append({**row, "bytes": None, "error": str(error)})
                    continue
                rows.append({**row, "bytes": result.size_bytes, "quality": result.quality,
                             **scores(rgb, codec.decode(result.data), mask)})
    print(f"{path.stem}: done", file=sys.stderr, flush=True)
    return rows


def differences(rows: list[dict], codec: str, rate: int, map_name: str, anchor: str) -> dict | None:
    """Mean (and worst) of roicodec minus the anchor over the images where both exist."""
    ours = {r["image"]: r for r in rows if r["codec"] == codec and r["rate"] == rate
            and r["file"] == f"roicodec {map_name}" and r["bytes"]}
    theirs = {r["image"]: r for r in rows if r["codec"] == codec and r["rate"] == rate
              and r["file"] == f"uniform {anchor}" and r["bytes"]}
    common = sorted(set(ours) & set(theirs))
    if not common:
        return None
    out = {"images": len(common)}
    for key in ("subject", "whole", "background", "subject_psnr", "background_psnr"):
        values = [ours[i][key] - theirs[i][key] for i in common]
        out[key], out[key + "_worst"] = float(np.mean(values)), float(np.min(values))
    out["anchor_whole"] = float(np.mean([theirs[i]["whole"] for i in common]))
    out["anchor_subject"] = float(np.mean([theirs[i]["subject"] for i in common]))
    return out


def table(rows: list[dict], set_name: str) -> str:
    lines = [f"#### {set_name}: roicodec minus the uniform file of equal size (mean over images, worst in brackets)\n",
             "| codec | rate (size of) | map | against | images | uniform's whole / subject | subject SSIM2 | whole SSIM2 "
             "| background SSIM2 | subject PSNR (dB) | background PSNR (dB) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for codec in CODECS:
        for rate in RATES:
            for map_name in MAPS:
                for anchor in ANCHORS[codec]:
                    d = differences(rows, codec, rate, map_name, anchor)
                    if d is None:
                        if any(r["codec"] == codec and r["rate"] == rate for r in rows):
                            lines.append(f"| {codec} | JPEG q{rate} | {map_name} | {anchor} | 0 | cannot make a file "
                                         "this small | | | | | |")
                        continue
                    lines.append(
                        f"| {codec} | JPEG q{rate} | {map_name} | {anchor} | {d['images']} | "
                        f"{d['anchor_whole']:.1f} / {d['anchor_subject']:.1f} | "
                        f"{d['subject']:+.1f} ({d['subject_worst']:+.1f}) | {d['whole']:+.1f} ({d['whole_worst']:+.1f}) | "
                        f"{d['background']:+.1f} ({d['background_worst']:+.1f}) | "
                        f"{d['subject_psnr']:+.2f} ({d['subject_psnr_worst']:+.2f}) | "
                        f"{d['background_psnr']:+.2f} ({d['background_psnr_worst']:+.2f}) |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("kodak", "photos", "both"), default="both")
    parser.add_argument("--rates", default=",".join(map(str, RATES)), help="Pillow JPEG qualities whose sizes are the targets")
    parser.add_argument("--codecs", default=",".join(CODECS))
    parser.add_argument("--images", default="", help="comma-separated stems (default: every image with boxes)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--roi-quality", type=float, help="the plan's top (default: each codec's own)")
    parser.add_argument("--bg-quality", type=float, help="the plan's bottom (default: each codec's own)")
    parser.add_argument("--tables", help="adaptive JPEG's tables: jpegli (default) or ijg")
    parser.add_argument("--lambda-scale", type=float, help="adaptive JPEG's Lagrange multiplier scale")
    parser.add_argument("--low-frequency-weight", type=float, help="adaptive JPEG's weight of the lowest frequencies")
    parser.add_argument("--out", type=Path, default=Path("bench-out/perceptual"))
    args = parser.parse_args()
    rates = tuple(int(r) for r in args.rates.split(","))
    codecs = tuple(args.codecs.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    report = []
    for set_name in (("kodak", "photos") if args.set == "both" else (args.set,)):
        folder, boxes = image_set(set_name)
        plan_ends = {key: value for key, value in (("roi_quality", args.roi_quality), ("bg_quality", args.bg_quality))
                     if value is not None}
        jpeg_settings = {key: value for key, value in (("tables", args.tables), ("lambda_scale", args.lambda_scale),
                                                       ("low_frequency_weight", args.low_frequency_weight))
                         if value is not None}
        tasks = [(folder / name, boxes[name], rates, codecs, plan_ends, jpeg_settings) for name in sorted(boxes)
                 if not args.images or Path(name).stem in args.images.split(",")]
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = [row for image_rows in pool.map(one_image, tasks) for row in image_rows]
        (args.out / f"rows_{set_name}.json").write_text(json.dumps(rows, indent=1))
        report.append(table(rows, set_name))
    text = "\n".join(report)
    (args.out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
