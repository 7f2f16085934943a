"""The full set of figures for one compressed image: whole-image metrics, size, and ROI variants.

Shared by ``roicodec metrics``, ``roicodec bench`` and the benchmarks, so every table is computed
the same way.
"""

from __future__ import annotations

import math

import numpy as np

from . import metrics, perceptual
from .errors import InputError

#: Map value from which a pixel counts as region of interest when a map (not boxes) defines it.
DEFAULT_ROI_THRESHOLD = 0.5


def roi_mask_from_map(importance: np.ndarray, threshold: float = DEFAULT_ROI_THRESHOLD) -> np.ndarray:
    """Pixels whose map value is at least ``threshold``."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError(f"ROI threshold must be in [0, 1], got {threshold:g}")
    return np.asarray(importance) >= threshold


def evaluate(
    reference: np.ndarray,
    decoded: np.ndarray,
    *,
    size_bytes: int | None = None,
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    vqmt_variant: bool = False,
) -> dict[str, float]:
    """Every metric of ``decoded`` against ``reference`` (RGB uint8, same shape).

    Whole-image metrics on luma (VQMT conventions); ``psnr_rgb``, ``roi_psnr`` (inside ``mask``),
    ``background_psnr`` (outside) and ``weighted_psnr`` (``weights`` per pixel) on R, G, B samples;
    ``ssimulacra2`` on RGB, with ``roi_ssimulacra2``/``background_ssimulacra2`` for a mask (see
    :mod:`roicodec.perceptual`; about 0.6 s per Kodak picture, 1.5 s with a mask).
    A metric that cannot be computed for this image (e.g. MS-SSIM below 176 px) is NaN.
    """
    if reference.shape != decoded.shape:
        raise InputError(f"images differ in size: {reference.shape[1]}x{reference.shape[0]} "
                         f"vs {decoded.shape[1]}x{decoded.shape[0]}")
    height, width = reference.shape[:2]
    try:
        figures = metrics.all_metrics(reference, decoded, vqmt_variant=vqmt_variant)
    except metrics.MetricInputError:
        # Too small for the multi-scale metrics: keep what every size allows.
        figures = {key: math.nan for key in ("ssim", "ms_ssim", "ms_ssim_db", "vifp")}
        figures.update(mse=metrics.mse(reference, decoded), psnr=metrics.psnr(reference, decoded),
                       psnr_hvs=math.nan, psnr_hvs_m=math.nan)
        if min(height, width) >= 8:  # PSNR-HVS works on whole 8x8 blocks
            figures.update(psnr_hvs=metrics.psnr_hvs(reference, decoded), psnr_hvs_m=metrics.psnr_hvs_m(reference, decoded))
        if min(height, width) >= 11:
            figures["ssim"] = metrics.ssim(reference, decoded)
    figures["psnr_rgb"] = metrics.psnr_rgb(reference, decoded)
    figures.update(perceptual.region_scores(reference, decoded, mask))
    if size_bytes is not None:
        figures["bytes"] = float(size_bytes)
        figures["bpp"] = size_bytes * 8.0 / (height * width)
        figures["ratio"] = height * width * 3 / size_bytes
    if mask is not None:
        figures["roi_fraction"] = float(mask.mean())
        figures["roi_psnr"] = metrics.roi_psnr(reference, decoded, mask) if mask.any() else math.nan
        figures["background_psnr"] = metrics.background_psnr(reference, decoded, mask) if not mask.all() else math.nan
    if weights is not None:
        figures["weighted_psnr"] = metrics.weighted_psnr(reference, decoded, weights)
    return figures


#: Labels and formats for printing, in table order.
LABELS = {
    "bytes": ("bytes", "{:.0f}"),
    "bpp": ("bpp", "{:.4f}"),
    "ratio": ("ratio", "{:.2f}"),
    "mse": ("MSE", "{:.3f}"),
    "psnr": ("PSNR (dB)", "{:.4f}"),
    "ssim": ("SSIM", "{:.5f}"),
    "ms_ssim": ("MS-SSIM", "{:.5f}"),
    "ms_ssim_db": ("MS-SSIM (dB)", "{:.3f}"),
    "vifp": ("VIFp", "{:.5f}"),
    "psnr_hvs": ("PSNR-HVS (dB)", "{:.4f}"),
    "psnr_hvs_m": ("PSNR-HVS-M (dB)", "{:.4f}"),
    "psnr_rgb": ("PSNR RGB (dB)", "{:.4f}"),
    "ssimulacra2": ("SSIMULACRA2", "{:.2f}"),
    "roi_fraction": ("ROI share of area", "{:.3f}"),
    "roi_psnr": ("ROI PSNR RGB (dB)", "{:.4f}"),
    "background_psnr": ("background PSNR RGB (dB)", "{:.4f}"),
    "weighted_psnr": ("saliency-weighted PSNR (dB)", "{:.4f}"),
    "roi_ssimulacra2": ("ROI SSIMULACRA2", "{:.2f}"),
    "background_ssimulacra2": ("background SSIMULACRA2", "{:.2f}"),
}


def format_figures(figures: dict[str, float]) -> str:
    """Aligned ``label  value`` lines."""
    width = max(len(LABELS[k][0]) for k in figures if k in LABELS)
    lines = []
    for key, (label, fmt) in LABELS.items():
        if key in figures:
            value = figures[key]
            text = "n/a" if isinstance(value, float) and math.isnan(value) else fmt.format(value)
            lines.append(f"{label:<{width}}  {text}")
    return "\n".join(lines)
