"""Batch throughput: the 24 Kodak images with 1 and 2 worker processes (default options).

    python benchmarks/bench_batch.py                 # about 1 minute
    python benchmarks/bench_batch.py --workers 1,2,4 --repeat 3

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

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rates = {}
    for workers in (int(w) for w in args.workers.split(",")):
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                summary = run_batch(DATA / "kodak", out, BatchOptions(workers=workers), resume=False)
            assert summary.done == 24 and not summary.failed
            runs.append(summary.rate)
        rates[workers] = statistics.median(runs)
        print(f"{workers} worker(s): {rates[workers]:.2f} images/s (median of {args.repeat}; "
              f"runs {', '.join(f'{r:.2f}' for r in runs)})", flush=True)
    first = min(rates)
    for workers, rate in rates.items():
        if workers != first:
            print(f"{workers} workers / {first}: {rate / rates[first]:.2f}x")


if __name__ == "__main__":
    main()
