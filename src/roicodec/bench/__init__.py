"""``roicodec bench``: compare methods and maps at equal file size over a folder of images.

    >>> from roicodec.bench import BenchSpec, run
    >>> run(BenchSpec(dataset=Path("kodak"), out=Path("bench-out"), boxes=Path("boxes.json")))

Writes rows.jsonl (the resumable journal), rows.csv, rows.json, summary.md (the study's table
layout plus ROI columns, and BD-rate against the uniform codec), bd_rate.json and plots/rd_*.png.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from .grid import MAPS, BenchSpec, count_tasks, json_safe, run_grid
from .plots import rd_plots
from .summary import bd_rates, summary_markdown

__all__ = ["BenchSpec", "MAPS", "count_tasks", "run", "write_outputs"]


def write_outputs(rows: list[dict], out: Path) -> dict[str, Path]:
    """CSV, JSON, Markdown summary with BD-rate, and plots, from finished rows."""
    out = Path(out)
    columns = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    paths = {"csv": out / "rows.csv", "json": out / "rows.json", "summary": out / "summary.md",
             "bd": out / "bd_rate.json"}
    with open(paths["csv"], "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(json_safe(r) for r in rows)
    paths["json"].write_text(json.dumps([json_safe(r) for r in rows], indent=1))
    bd = bd_rates(rows)
    paths["bd"].write_text(json.dumps(bd, indent=1))
    paths["summary"].write_text(summary_markdown(rows, bd))
    for plot in rd_plots(rows, out / "plots"):
        paths[plot.stem] = plot
    return paths


def run(spec: BenchSpec, on_row: Callable[[dict, bool], None] | None = None) -> tuple[list[dict], dict[str, Path]]:
    """Run (or resume) the grid, then write every output. Returns the rows and the files written."""
    rows = run_grid(spec, on_row)
    return rows, write_outputs(rows, spec.out)
