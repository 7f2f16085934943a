"""Batch throughput: the 24 Kodak images with 1 and 2 worker processes and with Ray on this
machine (default compress options).

    python benchmarks/bench_batch.py                 # about 3 minutes
    python benchmarks/bench_batch.py --runs local:1,local:2,local:4 --repeat 3

Each run starts from an empty output folder and counts everything a user waits for: starting the
worker processes, loading the network in each, compressing, writing, measuring and the manifest.
The whole-process timings of the command line are in BENCHMARKS.md (``/usr/bin/time -v roicodec
batch ... --no-resume``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from roicodec.batch import BatchOptions, run_batch
from roicodec.batch.ray_engine import run_batch_ray

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="local:1,local:2,ray:2", help="engine:workers, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rates = {}
    for spec in args.runs.split(","):
        engine, workers = spec.split(":")
        runner = run_batch_ray if engine == "ray" else run_batch
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                summary = runner(DATA / "kodak", out, BatchOptions(workers=int(workers)), resume=False)
            assert summary.done == 24 and not summary.failed
            runs.append(summary.rate)
        rates[spec] = statistics.median(runs)
        print(f"{engine}, {workers} worker(s): {rates[spec]:.2f} images/s (median of {args.repeat}; "
              f"runs {', '.join(f'{r:.2f}' for r in runs)})", flush=True)
    if "local:1" in rates:
        for spec, rate in rates.items():
            if spec != "local:1":
                print(f"{spec} / local:1: {rate / rates['local:1']:.2f}x")


if __name__ == "__main__":
    main()
