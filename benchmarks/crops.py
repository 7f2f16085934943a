"""Side-by-side crops at equal size: the original, the best uniform JPEG and roicodec's JPEG, enlarged.

At each target (repeat --target-size for a low, a middle and a high rate) the files are the
largest that fit: the uniform ones by each anchor encoder's quality search (jpegli unless --anchor
says otherwise; repeat it for several, ``same`` is the codec's own uniform), the roicodec one by its
own rate control, default settings (``--codec`` and ``-O NAME=VALUE`` for another codec, e.g.
``--codec learned -O weights=out/learned/small-mbt2018-mean.pt --anchor same --anchor jpegli``). Each crop is enlarged
with nearest neighbour so the blocks stay visible; labels name the file, its size, and the crop's
RGB PSNR and SSIMULACRA2.

    python benchmarks/crops.py ../shared/data/kodak/kodim23.png --target-size 30KB \\
        --crop 430,130,190,150 --crop 90,190,190,150 -o docs/images/kodim23_30KB_crops.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import roicodec
from roicodec.codecs.registry import get_codec
from roicodec.imageio import load_image
from roicodec.perceptual import ssimulacra2
from roicodec.ratecontrol import parse_size
from roicodec.report import same_size_uniform

LABEL_HEIGHT = 18


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0 ** 2 / mse) if mse > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", type=Path)
    parser.add_argument("--target-size", action="append", required=True, help="e.g. 30KB (repeatable: one band per rate)")
    parser.add_argument("--crop", action="append", required=True, help="x,y,width,height (repeatable)")
    parser.add_argument("--anchor", action="append", help="uniform encoder to compare with (jpegli, jpeg, same; "
                        "repeatable; default jpegli)")
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("-O", dest="codec_option", action="append", default=[], help="NAME=VALUE, the codec's option")
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    rgb = load_image(args.image).pixels
    options = dict(text.split("=", 1) for text in args.codec_option)
    anchors = [(get_codec(args.codec), options) if name == "same" else (get_codec(name), None)
               for name in args.anchor or ["jpegli"]]
    rows = []
    for size_text in args.target_size:
        ours = roicodec.compress(rgb, codec=args.codec, codec_options=options, target_size=parse_size(size_text))
        versions = [("original", rgb, None)]
        for anchor, anchor_options in anchors:
            made = same_size_uniform(rgb, ours.size_bytes, anchor, anchor_options)
            if made is None:
                raise SystemExit(f"{anchor.label} cannot make a file of {ours.size_bytes} bytes or less; raise {size_text}")
            uniform_bytes, uniform_quality = made
            versions.append((f"{anchor.label} q{uniform_quality}", roicodec.decode(uniform_bytes), len(uniform_bytes)))
            print(f"{size_text}: {anchor.label} {len(uniform_bytes)} B (q{uniform_quality})")
        versions.append(("roicodec", roicodec.decode(ours.data), ours.size_bytes))
        print(f"{size_text}: roicodec {ours.size_bytes} B")
        for text in args.crop:
            x, y, w, h = (int(v) for v in text.split(","))
            rows.append(_row(rgb, versions, x, y, w, h, args.scale))
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows) + 8 * (len(rows) - 1)), "white")
    top = 0
    for row in rows:
        sheet.paste(row, (0, top))
        top += row.height + 8
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output, optimize=True)
    print(f"{args.output}: {len(rows)} rows")


def _row(rgb, versions, x, y, w, h, scale) -> Image.Image:
    tiles = []
    for label, pixels, size in versions:
        crop = pixels[y:y + h, x:x + w]
        tile = Image.fromarray(crop).resize((w * scale, h * scale), Image.Resampling.NEAREST)
        canvas = Image.new("RGB", (tile.width, tile.height + LABEL_HEIGHT), "white")
        canvas.paste(tile, (0, LABEL_HEIGHT))
        original = rgb[y:y + h, x:x + w]
        note = label if size is None else (f"{label}: {size} B, crop PSNR {psnr(original, crop):.2f} dB, "
                                           f"SSIMULACRA2 {ssimulacra2(original, crop):.1f}")
        ImageDraw.Draw(canvas).text((4, 3), note, fill="black")
        tiles.append(canvas)
    row = Image.new("RGB", (sum(t.width for t in tiles) + 8 * (len(tiles) - 1), tiles[0].height), "white")
    left = 0
    for tile in tiles:
        row.paste(tile, (left, 0))
        left += tile.width + 8
    return row


if __name__ == "__main__":
    main()
