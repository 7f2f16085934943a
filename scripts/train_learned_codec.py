"""Train the small learned codec that BENCHMARKS.md measures (CompressAI's zoo weights cannot be
downloaded here). The weights go to an ignored folder (out/learned/ by default); nothing is committed.

    python scripts/train_learned_codec.py --minutes 60          # -> out/learned/small-mbt2018-mean.pt
    roicodec compress photo.png --codec learned --weights out/learned/small-mbt2018-mean.pt

Training images: the 13 photographs and frames of the three videos in ../shared/data (never the
Kodak images, which the benchmarks measure on), random 128x128 crops, flipped half the time.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ROICODEC_SHARED_DATA", ROOT.parent / "shared" / "data"))


def training_images(shared: Path, every_nth_frame: int) -> list[np.ndarray]:
    """The photographs, and every n-th frame of the videos, as RGB arrays."""
    import av

    from roicodec import load_image

    images = [load_image(path).pixels for path in sorted((shared / "photos").glob("*.png"))]
    for video in sorted((shared / "video").glob("*.mp4")):
        with av.open(str(video)) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index % every_nth_frame == 0:
                    images.append(frame.to_ndarray(format="rgb24"))
    return images


def main() -> int:
    from roicodec.learned.training import CodecTrainOptions, train_codec

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget (default 60)")
    parser.add_argument("--architecture", default="mbt2018-mean", choices=("mbt2018-mean", "bmshj2018-hyperprior"))
    parser.add_argument("--channels", type=int, nargs=2, default=(64, 96), metavar=("N", "M"))
    parser.add_argument("--lmbda", type=float, default=0.013, help="rate-distortion trade-off (CompressAI's q4: 0.013)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--every-nth-frame", type=int, default=5)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    images = training_images(SHARED, args.every_nth_frame)
    pixels = sum(image.shape[0] * image.shape[1] for image in images)
    print(f"training on {len(images)} pictures ({pixels / 1e6:.0f} MP) from {SHARED}", file=sys.stderr)
    output = args.output or ROOT / "out" / "learned" / f"small-{args.architecture}.pt"
    options = CodecTrainOptions(
        architecture=args.architecture, channels=tuple(args.channels), lmbda=args.lmbda, crop=args.crop,
        batch=args.batch, minutes=args.minutes,
        description=(f"small {args.architecture} (N={args.channels[0]}, M={args.channels[1]}), lambda {args.lmbda}, "
                     f"trained {args.minutes:g} min on {args.threads} CPU threads, {args.batch}x{args.crop}px crops "
                     f"of the 13 shared photographs and every {args.every_nth_frame}th frame of the 3 shared videos"))

    def report(record: dict) -> None:
        print(f"step {record['step']:6d}  {record['minutes']:6.1f} min  loss {record['loss']:.4f}  "
              f"bpp {record['bpp']:.3f}  psnr {record['psnr']:.2f} dB", file=sys.stderr, flush=True)

    result = train_codec(images, output, options, progress=report)
    print(f"{result.steps} steps in {result.minutes:.1f} min: bpp {result.bpp:.3f}, PSNR {result.psnr:.2f} dB "
          f"(training crops) -> {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
