"""Start-up and the default path's cost (issue 17).

1. Whole process, as a user runs it: ``roicodec compress kodim23.png -o x.jpg --target-size 30KB``
   against a one-line Pillow JPEG encode of the same image in a fresh Python process, and the
   start-up alone (the same command on a missing file: it stops at its input). Each command
   runs once to warm the disk cache, then ``--runs`` times under ``/usr/bin/time -v``: wall time and
   peak resident memory, min / median / max.
2. In process, over the Kodak images: the default path with a target size (map, plan, rate
   control) against one forward pass of the embedded network plus one uniform encode of the same
   image, and the encodes each target took.

    python benchmarks/bench_startup.py [--runs 7] [--images 24]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
TARGET = "30KB"


def timed_runs(command: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds and peak resident MiB of each run (after one warm-up run)."""
    walls, peaks = [], []
    for index in range(runs + 1):
        done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
        if done.returncode != 0 and "missing.png" not in command[2]:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        hours, minutes, seconds = (float(wall.group(1) or 0), float(wall.group(2)), float(wall.group(3)))
        if index:  # the first run warms the disk cache
            walls.append(hours * 3600 + minutes * 60 + seconds)
            peaks.append(int(peak.group(1)) / 1024)
    return walls, peaks


def spread(values: list[float], digits: int) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def whole_process(runs: int) -> None:
    image = DATA / "kodak" / "kodim23.png"
    roicodec = Path(sys.executable).with_name("roicodec")
    with tempfile.TemporaryDirectory() as folder:
        ours = [str(roicodec), "compress", str(image), "-o", f"{folder}/x.jpg", "--target-size", TARGET]
        pillow = [sys.executable, "-c", f"from PIL import Image; Image.open({str(image)!r}).save({folder + '/p.jpg'!r}, quality=75)"]
        print("| command | wall s (min / median / max) | peak MiB (min / median / max) |\n| --- | --- | --- |")
        # Everything before the work: the interpreter, the imports, option parsing (the input is missing).
        fixed = [str(roicodec), "compress", f"{folder}/missing.png", "-o", f"{folder}/m.jpg"]
        for label, command in ((f"roicodec compress kodim23.png --target-size {TARGET}", ours),
                               ("roicodec compress of a missing file (start-up only)", fixed),
                               ("Pillow JPEG, one line, fresh process", pillow)):
            walls, peaks = timed_runs(command, runs)
            print(f"| {label} | {spread(walls, 2)} | {spread(peaks, 0)} |")


def in_process(count: int) -> None:
    import numpy as np

    import roicodec
    from roicodec.codecs.registry import get_codec
    from roicodec.imageio import load_image
    from roicodec.saliency.inputs import EMBEDDED_MEAN, EMBEDDED_STD, network_input
    from roicodec.saliency.onnx_backbone import onnx_backbone

    backbone = onnx_backbone("efficientnet-lite0")
    if backbone is None:
        raise SystemExit("the ONNX path is not available here (onnxruntime, or a writable cache)")
    jpeg = get_codec("jpeg")
    paths = sorted((DATA / "kodak").glob("*.png"))[:count]
    roicodec.compress(load_image(paths[0]), target_size=TARGET)  # warm-up: the session, the detectors
    rows = []
    for path in paths:
        loaded = load_image(path)
        started = time.perf_counter()
        result = roicodec.compress(loaded, target_size=TARGET)
        ours = time.perf_counter() - started
        started = time.perf_counter()
        backbone.features_and_logits(network_input(loaded.pixels, EMBEDDED_MEAN, EMBEDDED_STD))
        jpeg.encode(loaded.pixels, 75)
        baseline = time.perf_counter() - started
        rows.append((path.stem, ours, baseline, result.encodes, result.timings))
    print("| image | default path s | forward + uniform encode s | ratio | encodes | map s | encode s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for stem, ours, baseline, encodes, timings in rows:
        print(f"| {stem} | {ours:.3f} | {baseline:.3f} | {ours / baseline:.1f} | {encodes} | "
              f"{timings.get('map', 0):.3f} | {timings.get('encode', 0):.3f} |")
    ratios = np.array([ours / baseline for _, ours, baseline, _, _ in rows])
    encodes = np.array([row[3] for row in rows])
    print(f"\nmedian ratio {np.median(ratios):.2f} (max {ratios.max():.2f}); encodes per target: mean "
          f"{encodes.mean():.2f}, max {encodes.max()}, distribution {np.bincount(encodes).tolist()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="counted runs of each whole-process command")
    parser.add_argument("--images", type=int, default=24, help="Kodak images for the in-process part")
    parser.add_argument("--skip-process", action="store_true", help="only the in-process part")
    args = parser.parse_args()
    if not args.skip_process:
        whole_process(args.runs)
        print()
    in_process(args.images)


if __name__ == "__main__":
    main()
