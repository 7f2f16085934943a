"""Time roicodec.metrics on one Kodak pair: kodim01 against its Pillow JPEG at quality 50.

    python benchmarks/bench_metrics.py [--runs 9] [--image kodim01] [--quality 50]

Prints the median and the fastest of ``--runs`` timings for all_metrics and for each public
metric function called on its own (RGB input, so each includes its own luma conversion).
Everything runs in one thread (numpy/scipy element-wise code, no BLAS), so the numbers hold for a
2-core machine as long as nothing else is competing for the core; the load average is printed.
Data: ``<repo>/../shared/data`` or ``$ROICODEC_SHARED_DATA``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from roicodec import metrics as M


def _shared_data_dir() -> Path:
    env = os.environ.get("ROICODEC_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def _load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _time(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--image", default="kodim01")
    p.add_argument("--quality", type=int, default=50)
    args = p.parse_args(argv)

    data = _shared_data_dir()
    ref_path = data / "kodak" / f"{args.image}.png"
    dist_path = data / "metric_reference" / "jpeg" / f"{args.image}_q{args.quality}.jpg"
    if not ref_path.is_file() or not dist_path.is_file():
        print(f"shared data not found ({ref_path}, {dist_path}); set ROICODEC_SHARED_DATA", file=sys.stderr)
        return 2
    ref, dist = _load_rgb(ref_path), _load_rgb(dist_path)

    cases = [
        ("all_metrics", lambda: M.all_metrics(ref, dist)),
        ("luma (x2)", lambda: (M.luma(ref), M.luma(dist))),
        ("mse / psnr", lambda: M.psnr(ref, dist)),
        ("ssim (scikit-image)", lambda: M.ssim(ref, dist)),
        ("ms_ssim", lambda: M.ms_ssim(ref, dist)),
        ("vifp", lambda: M.vifp(ref, dist)),
        ("psnr_hvs", lambda: M.psnr_hvs(ref, dist)),
        ("psnr_hvs_m", lambda: M.psnr_hvs_m(ref, dist)),
        ("psnr_rgb", lambda: M.psnr_rgb(ref, dist)),
    ]
    h, w = ref.shape[:2]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.image} vs q{args.quality} JPEG, {w}x{h}, {args.runs} runs, "
          f"{os.cpu_count()} CPUs, load average {load:.2f}")
    print(f"{'function':<22} {'median ms':>10} {'min ms':>8}")
    print("-" * 42)
    for name, fn in cases:
        med, best = _time(fn, args.runs)
        print(f"{name:<22} {med * 1e3:>10.1f} {best * 1e3:>8.1f}")
    print("-" * 42)
    print("all_metrics shares one luma conversion, takes SSIM from MS-SSIM's first scale and")
    print("computes PSNR-HVS and PSNR-HVS-M in one pass, so it costs less than the sum of the rows.")
    values = M.all_metrics(ref, dist, vqmt_variant=True)
    print("values (vqmt_variant=True): " + ", ".join(f"{k}={v:.6g}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
