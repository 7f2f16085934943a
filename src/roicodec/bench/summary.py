"""Tables of a bench run: the study's layout per operating point, and BD-rate against uniform."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import numpy as np

#: The study's columns, then the region-of-interest ones.
TABLE_COLUMNS = [
    ("ratio", "Ratio", "{:.2f}"),
    ("bpp", "BPP", "{:.4f}"),
    ("mse", "MSE", "{:.2f}"),
    ("psnr", "PSNR", "{:.2f}"),
    ("ssim", "SSIM", "{:.4f}"),
    ("ms_ssim", "MS-SSIM", "{:.4f}"),
    ("roi_psnr", "ROI PSNR", "{:.2f}"),
    ("background_psnr", "BG PSNR", "{:.2f}"),
    ("weighted_psnr", "W-PSNR", "{:.2f}"),
    ("ssimulacra2", "SSIM2", "{:.2f}"),
    ("roi_ssimulacra2", "ROI SSIM2", "{:.2f}"),
    ("background_ssimulacra2", "BG SSIM2", "{:.2f}"),
]
#: Distortions BD-rate is computed on (dB scales), rate in bpp.
BD_METRICS = ("psnr", "ms_ssim_db", "roi_psnr", "weighted_psnr")


def _value(row: dict, key: str) -> float:
    value = row.get(key)
    return math.nan if value is None else float(value)


def label(row: dict) -> str:
    return row["method"] if row["map"] == "-" else f"{row['method']} / {row['map']}"


def _ordered_points(rows: list[dict]) -> list[str]:
    seen = []
    for row in rows:
        if row["point"] not in seen:
            seen.append(row["point"])
    return seen


def _table(rows: list[dict], columns) -> list[str]:
    """Rows of one Markdown table: the mean of each column per method / map."""
    out = ["| Method | " + " | ".join(c[1] for c in columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    by_label = defaultdict(list)
    for row in rows:
        by_label[label(row)].append(row)
    for name in sorted(by_label, key=lambda n: (n != "uniform", n)):
        cells = []
        for key, _, fmt in columns:
            values = [v for v in (_value(r, key) for r in by_label[name]) if math.isfinite(v)]
            cells.append(fmt.format(np.mean(values)) if values else "-")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out + [""]


def point_tables(rows: list[dict]) -> str:
    """Markdown tables per (codec, point), each a mean over one fixed set of images.

    First over every image, with the methods / maps that cover them all; then, where subject boxes
    exist for only some images, over those images alone with every method / map and the ROI columns.
    """
    whole_columns = [c for c in TABLE_COLUMNS if c[0] not in ("roi_psnr", "background_psnr", "roi_ssimulacra2",
                                                               "background_ssimulacra2")]
    out = []
    for codec in sorted({r["codec"] for r in rows}):
        for point in _ordered_points(rows):
            group = [r for r in rows if r["codec"] == codec and r["point"] == point]
            if not group:
                continue
            images = {r["image"] for r in group}
            coverage = defaultdict(set)
            for row in group:
                coverage[label(row)].add(row["image"])
            boxed = {r["image"] for r in group if math.isfinite(_value(r, "roi_psnr"))}
            full = [r for r in group if coverage[label(r)] == images]
            out.append(f"#### {codec}, point {point}: all {len(images)} images\n")
            out += _table(full, whole_columns if boxed != images else TABLE_COLUMNS)
            if boxed and boxed != images:
                subset = [r for r in group if r["image"] in boxed and coverage[label(r)] >= boxed]
                out.append(f"#### {codec}, point {point}: the {len(boxed)} images with subject boxes\n")
                out += _table(subset, TABLE_COLUMNS)
    return "\n".join(out)


def curve_bd(anchor: dict, test: dict, metric: str, rate: str = "bpp") -> tuple[float, float] | None:
    """BD-rate (%) and BD-quality (dB) of one image's ``test`` curve against its ``anchor`` curve
    (each: operating point -> row), pchip over their common points (``bjontegaard``). None with
    fewer than 3 common points, a missing value, or curves the package cannot compare."""
    import bjontegaard

    common = [p for p in anchor if p in test]
    if len(common) < 3:
        return None
    ra = [_value(anchor[p], rate) for p in common]
    da = [_value(anchor[p], metric) for p in common]
    rt = [_value(test[p], rate) for p in common]
    dt = [_value(test[p], metric) for p in common]
    if not all(math.isfinite(v) for v in ra + da + rt + dt):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return (bjontegaard.bd_rate(ra, da, rt, dt, method="pchip", min_overlap=0),
                    bjontegaard.bd_psnr(ra, da, rt, dt, method="pchip", min_overlap=0))
    except Exception:  # noqa: BLE001 - a non-monotone curve: leave this image out
        return None


def bd_rates(rows: list[dict]) -> list[dict]:
    """BD-rate (%) and BD-PSNR (dB) of each method / map against the same codec's uniform encode.

    Per image over the operating points (pchip, the ``bjontegaard`` package), then the mean over
    images. Needs at least 3 points; images where a curve is not monotone enough are skipped.
    """
    results = []
    curves = defaultdict(dict)
    for row in rows:
        curves[(row["codec"], label(row), row["image"])][row["point"]] = row
    for codec in sorted({r["codec"] for r in rows}):
        tests = sorted({label(r) for r in rows if r["codec"] == codec and r["method"] != "uniform"})
        for test in tests:
            for metric in BD_METRICS:
                pairs = [curve_bd(curves.get((codec, "uniform", image), {}), curves.get((codec, test, image), {}), metric)
                         for image in sorted({r["image"] for r in rows})]
                pairs = [pair for pair in pairs if pair is not None]
                if pairs:
                    results.append({"codec": codec, "method": test, "metric": metric, "images": len(pairs),
                                    "bd_rate_percent": float(np.mean([p[0] for p in pairs])),
                                    "bd_db": float(np.mean([p[1] for p in pairs]))})
    return results


def bd_table(results: list[dict]) -> str:
    if not results:
        return "BD-rate needs at least 3 operating points per image.\n"
    lines = ["| codec | method / map | distortion | images | BD-rate (%) | BD-quality (dB) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['codec']} | {r['method']} | {r['metric']} | {r['images']} | "
                     f"{r['bd_rate_percent']:+.2f} | {r['bd_db']:+.3f} |")
    return "\n".join(lines) + "\n"


def size_note(rows: list[dict]) -> str:
    """Which rows missed the equal-size band (then their comparison is not at equal size)."""
    missed = [r for r in rows if (r["method"] != "uniform" and not r.get("size_matched", True))
              or r.get("bytes", 0) is None]
    if not missed:
        return "Every row is within 1 % below its uniform anchor's size.\n\n"
    names = ", ".join(f"{r['image']} {r['point']} {label(r)} "
                      + (f"({r['bytes'] / r['target_bytes']:.3f})" if r.get("bytes") else "(cannot get this small)")
                      for r in missed[:10])
    more = f" and {len(missed) - 10} more" if len(missed) > 10 else ""
    return f"**{len(missed)} rows are not within 1 % below their anchor's size**: {names}{more}.\n\n"


def summary_markdown(rows: list[dict], bd: list[dict]) -> str:
    return (
        "### Tables (means over images; sizes matched to the uniform encode of each point)\n\n"
        + size_note(rows) +
        "PSNR: luma (VQMT). ROI PSNR / BG PSNR: RGB PSNR inside / outside the subject boxes; "
        "W-PSNR: RGB PSNR weighted by the boxes map (by the default map on images without boxes).\n\n"
        + point_tables(rows)
        + "\n### BD-rate against the uniform encode (negative = fewer bits for the same quality)\n\n"
        + bd_table(bd)
    )
