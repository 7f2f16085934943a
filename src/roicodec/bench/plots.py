"""Rate-distortion plots of a bench run (matplotlib, written as PNG files).

Every curve of one figure is a mean over the same images: a figure over all images shows the
methods / maps that cover them all; where some (the "boxes" map) cover only the images with subject
boxes, a second figure (``*_common.png``) shows every curve over those common images.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from .summary import _ordered_points, _value, label

PLOTTED = {
    "psnr": "PSNR, luma (dB)",
    "ms_ssim_db": "MS-SSIM (dB)",
    "roi_psnr": "ROI PSNR, RGB, inside the boxes (dB)",
    "background_psnr": "background PSNR, RGB (dB)",
}


def _figure(rows: list[dict], codec: str, metric: str, images: set[str], names: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 5), dpi=110)
    for name in sorted(names, key=lambda n: (n != "uniform", n)):
        xs, ys = [], []
        for point in _ordered_points(rows):
            values = [(_value(r, "bpp"), _value(r, metric)) for r in rows
                      if label(r) == name and r["point"] == point and r["image"] in images]
            if values:
                xs.append(np.mean([v[0] for v in values]))
                ys.append(np.mean([v[1] for v in values]))
        axes.plot(xs, ys, "k--o" if name == "uniform" else "-o", label=name, linewidth=1.6, markersize=4)
    axes.set_xlabel("rate (bits per pixel)")
    axes.set_ylabel(PLOTTED[metric])
    count = f"{len(images)} image" + ("s" if len(images) != 1 else "")
    axes.set_title(f"{codec}: {PLOTTED[metric]} vs rate, mean of {count}")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def rd_plots(rows: list[dict], folder: Path) -> list[Path]:
    """PNG files: per codec and metric, mean bpp vs mean metric per operating point, a curve per method."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for codec in sorted({r["codec"] for r in rows}):
        for metric in PLOTTED:
            coverage = defaultdict(set)
            for row in rows:
                if row["codec"] == codec and math.isfinite(_value(row, metric)):
                    coverage[label(row)].add(row["image"])
            if not coverage:
                continue
            images = set().union(*coverage.values())
            full = [name for name, covered in coverage.items() if covered == images]
            if full:
                written.append(_figure(rows, codec, metric, images, full, folder / f"rd_{codec}_{metric}.png"))
            if len(full) < len(coverage):
                common = set.intersection(*coverage.values())
                if common:
                    written.append(_figure(rows, codec, metric, common, list(coverage),
                                           folder / f"rd_{codec}_{metric}_common.png"))
    return written
