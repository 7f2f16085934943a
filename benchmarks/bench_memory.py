"""Peak memory of whole processes on pictures of every shape: `roicodec compress` with the default map
(1xN strips to the largest picture allowed) and one studio comparison.

Each case runs in a fresh process; its peak resident memory is the kernel's figure for that child
(``os.wait4``'s ``ru_maxrss``, what ``/usr/bin/time -v`` reports). The pictures are made here from a
Kodak photo scaled to each shape; ``--noise`` adds Gaussian noise, which fills the DCT blocks (the
worst case for the adaptive encoder's working arrays).

    python benchmarks/bench_memory.py                      # all cases, a table on stdout
    python benchmarks/bench_memory.py --cases 9000x9000 --json bench-out/memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "kodak" / "kodim23.png"
#: width x height; the last three are the largest allowed (100 megapixels, the default pixel limit).
COMPRESS_CASES = ("1000x1", "1x1000", "65500x1", "1x65500", "4000x16", "16x4000", "9000x9000",
                  "10000x10000", "65500x1526", "1526x65500")
#: The studio's default pixel limit (StudioSettings.max_pixels): 3000x2000.
STUDIO_CASES = ("3000x2000",)
GIB = 2**30


def make_picture(shape: str, folder: Path, noise: float) -> Path:
    """The picture, made in a child process: a parent that held it would lend the children it starts
    its own resident pages (a forked child's peak counts them), inflating every figure."""
    path = folder / f"{shape}{'-noise' if noise else ''}.png"
    subprocess.run([sys.executable, __file__, "--make", shape, str(path), str(noise)], check=True)
    return path


def _make(shape: str, path: Path, noise: float) -> None:
    width, height = (int(side) for side in shape.split("x"))
    with Image.open(SOURCE) as source:
        picture = source.convert("RGB").resize((width, height), Image.BILINEAR)
    if noise:
        pixels = np.asarray(picture, dtype=np.float32)
        pixels += np.random.default_rng(0).normal(0.0, noise, pixels.shape).astype(np.float32)
        picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    picture.save(path, compress_level=1)


def measure(command: list[str]) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak resident GiB, last line of output) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = output.strip().splitlines()
    return child.returncode, time.perf_counter() - started, usage.ru_maxrss * 1024 / GIB, lines[-1] if lines else ""


STUDIO_JOB = """
import sys
from pathlib import Path
from roicodec.imageio import load_image
from roicodec.studio.comparison import MapCache, StudioRequest, run_comparison, PAGE_TARGET
from roicodec.studio.settings import StudioSettings
from roicodec.studio.workspace import Workspace
workspace = Workspace(StudioSettings())
try:
    upload = workspace.add(load_image(sys.argv[1]), "picture.png", Path(sys.argv[1]).stat().st_size)
    folder = workspace.root / "job"
    folder.mkdir()
    request = StudioRequest(target=PAGE_TARGET["target"], value=PAGE_TARGET["value"])
    result = run_comparison(upload, request, folder, MapCache(), lambda stage, share: None)
    print(result["files"]["result"]["bytes"], "bytes", result["seconds"])
finally:
    workspace.close()
"""


def main() -> None:
    if sys.argv[1:2] == ["--make"]:
        _make(sys.argv[2], Path(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="*", help="compress cases (WxH); default: all")
    parser.add_argument("--studio-cases", nargs="*", default=list(STUDIO_CASES))
    parser.add_argument("--noise", type=float, default=0.0, help="Gaussian noise sigma added to every picture")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    roicodec = [sys.executable, "-m", "roicodec"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="roicodec-memory-") as temp:
        folder = Path(temp)
        jobs = [("compress", c) for c in (args.cases if args.cases is not None else COMPRESS_CASES)]
        jobs += [("studio job", c) for c in args.studio_cases]
        print(f"{'what':<11} {'picture':>12} {'MP':>6} {'peak GiB':>9} {'seconds':>8}  rc  output", flush=True)
        for kind, shape in jobs:
            picture = make_picture(shape, folder, args.noise)
            if kind == "compress":
                command = roicodec + ["compress", str(picture), "-o", str(folder / "out.jpg")]
            else:
                command = [sys.executable, "-c", STUDIO_JOB, str(picture)]
            code, seconds, peak, last = measure(command)
            width, height = (int(side) for side in shape.split("x"))
            row = {"what": kind, "picture": shape, "megapixels": round(width * height / 1e6, 2), "noise": args.noise,
                   "peak_gib": round(peak, 3), "seconds": round(seconds, 1), "exit_code": code, "output": last}
            rows.append(row)
            print(f"{kind:<11} {shape:>12} {row['megapixels']:>6} {peak:>9.2f} {seconds:>8.1f} {code:>3}  {last[:70]}",
                  flush=True)
            picture.unlink()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
