"""Rate-distortion plots of a bench run (matplotlib, written as PNG files)."""

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


def rd_plots(rows: list[dict], folder: Path) -> list[Path]:
    """One PNG per codec and metric: mean bpp vs mean metric per operating point, a curve per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    points = _ordered_points(rows)
    for codec in sorted({r["codec"] for r in rows}):
        for metric, axis_label in PLOTTED.items():
            curves = defaultdict(lambda: defaultdict(list))
            for row in rows:
                if row["codec"] == codec and math.isfinite(_value(row, metric)):
                    curves[label(row)][row["point"]].append((_value(row, "bpp"), _value(row, metric)))
            if not curves:
                continue
            figure, axes = plt.subplots(figsize=(7, 5), dpi=110)
            for name in sorted(curves, key=lambda n: (n != "uniform", n)):
                xs, ys = [], []
                for point in points:
                    if point in curves[name]:
                        values = np.array(curves[name][point])
                        xs.append(values[:, 0].mean())
                        ys.append(values[:, 1].mean())
                style = "k--o" if name == "uniform" else "-o"
                axes.plot(xs, ys, style, label=name, linewidth=1.6, markersize=4)
            images = len({r["image"] for r in rows if r["codec"] == codec and math.isfinite(_value(r, metric))})
            axes.set_xlabel("rate (bits per pixel)")
            axes.set_ylabel(axis_label)
            axes.set_title(f"{codec}: {axis_label} vs rate, mean of {images} images")
            axes.grid(True, alpha=0.3)
            axes.legend(loc="lower right", fontsize=8)
            figure.tight_layout()
            path = folder / f"rd_{codec}_{metric}.png"
            figure.savefig(path)
            plt.close(figure)
            written.append(path)
    return written
