"""Region-of-interest video against the uniform encode at equal bitrate, on the shared clips.

For each clip: the uniform x264 encode at CRF 23 sets the bitrate; the ROI encode (maps every 5th
frame) is asked for that bitrate (--target-bitrate), and so is a uniform encode, so both are
rate-controlled the same way. Reports the bitrates reached, whole-frame PSNR and PSNR inside the
map's top 20 % (the mask video's white region, from the ROI run's maps), the mask video's size
against the colour video, and end-to-end frames per second (decode, maps, encode, mux; one torch
thread, as the command line uses, and no mask video).

    python benchmarks/bench_video.py                      # all three clips
    python benchmarks/bench_video.py --clips bikes --codec h265
    python benchmarks/bench_video.py --clips bikes --short-side 224    # the stills' network input
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
import torch

from roicodec import defaults
from roicodec.saliency import MapOptions
from roicodec.video import VideoOptions, compress_video
from roicodec.defaults import VIDEO_SHORT_SIDE

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def psnrs(source: Path, encoded: Path, mask: Path) -> tuple[float, float]:
    """Mean over frames of whole-frame RGB PSNR and of the PSNR inside the mask's white region."""
    whole, inside = [], []
    with av.open(str(source)) as a, av.open(str(encoded)) as b, av.open(str(mask)) as m:
        for ref, out, region in zip(a.decode(video=0), b.decode(video=0), m.decode(video=0)):
            ref = ref.to_ndarray(format="rgb24").astype(np.float64)
            error = (out.to_ndarray(format="rgb24").astype(np.float64) - ref) ** 2
            white = region.to_ndarray(format="gray") > 128
            whole.append(10 * np.log10(255.0**2 / error.mean()))
            inside.append(10 * np.log10(255.0**2 / error[white].mean()))
    return float(np.mean(whole)), float(np.mean(inside))


def run(clip: Path, codec: str, work: Path, short_side: int) -> dict:
    maps = MapOptions(method=defaults.VIDEO_MAP_METHOD, short_side=short_side)
    anchor = compress_video(clip, work / "anchor.mp4", VideoOptions(codec=codec, uniform=True))
    bitrate = int(anchor.bitrate)
    roi = compress_video(clip, work / "roi.mp4", VideoOptions(codec=codec, target_bitrate=bitrate, map_options=maps,
                                                               mask_video=work / "mask.mp4"))
    # Speed as a user runs it: the same encode without the extra mask video.
    timed = compress_video(clip, work / "timed.mp4", VideoOptions(codec=codec, target_bitrate=bitrate, map_options=maps))
    uniform = compress_video(clip, work / "uniform.mp4", VideoOptions(codec=codec, target_bitrate=bitrate, uniform=True))
    roi_whole, roi_inside = psnrs(clip, work / "roi.mp4", work / "mask.mp4")
    uni_whole, uni_inside = psnrs(clip, work / "uniform.mp4", work / "mask.mp4")
    return {"clip": clip.name, "size": f"{roi.width}x{roi.height}", "frames": roi.frames, "fps": roi.fps,
            "target_kbps": bitrate / 1000, "roi_kbps": roi.bitrate / 1000, "uniform_kbps": uniform.bitrate / 1000,
            "roi_psnr": roi_whole, "uniform_psnr": uni_whole, "roi_top20_psnr": roi_inside,
            "uniform_top20_psnr": uni_inside, "mask_bytes": roi.mask_bytes, "roi_bytes": roi.bytes,
            "roi_speed": timed.speed, "uniform_speed": uniform.speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", default="bikes,carphone_pristine,bigbuckbunny")
    parser.add_argument("--codec", default="h264", choices=("h264", "h265"))
    parser.add_argument("--short-side", type=int, default=VIDEO_SHORT_SIDE, help="the network's input for the maps")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the command line: x264/x265 take the other core
    rows = []
    for name in args.clips.split(","):
        with tempfile.TemporaryDirectory() as work:
            rows.append(run(DATA / "video" / f"{name}.mp4", args.codec, Path(work), args.short_side))
        print(f"{name}: done", file=sys.stderr, flush=True)
    lines = ["| clip | size, frames | bitrate asked / ROI / uniform (kbit/s) | PSNR ROI / uniform | top-20 % PSNR ROI / uniform "
             "| mask video / colour video | fps ROI / uniform (frame rate) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['size']}, {r['frames']} | {r['target_kbps']:.0f} / {r['roi_kbps']:.0f} / "
                     f"{r['uniform_kbps']:.0f} | {r['roi_psnr']:.2f} / {r['uniform_psnr']:.2f} | "
                     f"{r['roi_top20_psnr']:.2f} / {r['uniform_top20_psnr']:.2f} | {r['mask_bytes'] / r['roi_bytes']:.1%} "
                     f"| {r['roi_speed']:.1f} / {r['uniform_speed']:.1f} ({r['fps']:g}) |")
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "rows.json").write_text(json.dumps(rows, indent=1))
        (args.out / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
