"""The ``--report`` text: what the output costs and keeps, next to a plain JPEG of the same size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .codecs.pillow_jpeg import decode, encode_uniform
from .errors import OptionError
from .evaluation import evaluate
from .ratecontrol import fit_to_size


def same_size_uniform(rgb: np.ndarray, size_bytes: int) -> tuple[bytes, int] | None:
    """The largest uniform JPEG (integer quality) not bigger than ``size_bytes``, or None if none fits."""
    try:
        fitted = fit_to_size(lambda q: encode_uniform(rgb, int(q)), size_bytes, 1, 100, integer=True)
    except OptionError:
        return None
    return fitted.data, int(fitted.knob)


def compression_report(rgb: np.ndarray, result, source: Path, output: Path) -> str:
    height, width = rgb.shape[:2]
    raw = height * width * 3  # bytes of the decoded RGB picture
    rows = [("roicodec " + result.method, result.data, f"mean q {result.quality:.1f}")]
    uniform = same_size_uniform(rgb, result.size_bytes)
    if uniform is not None:
        rows.append(("uniform JPEG, same size", uniform[0], f"q {uniform[1]}"))
    lines = [
        f"{source} -> {output}  ({width}x{height}, raw RGB {raw} bytes)",
        f"{'':26} {'bytes':>8} {'bpp':>7} {'ratio':>7} {'PSNR-Y':>8} {'SSIM':>7} {'MS-SSIM':>8}  setting",
    ]
    for label, data, setting in rows:
        f = evaluate(rgb, decode(data), size_bytes=len(data))
        lines.append(
            f"{label:26} {len(data):8d} {f['bpp']:7.3f} {f['ratio']:6.1f}x"
            f" {f['psnr']:8.2f} {f['ssim']:7.4f} {f['ms_ssim']:8.4f}  {setting}"
        )
    if result.target_bytes is not None:
        lines.append(f"target {result.target_bytes} bytes, reached {result.size_bytes} after {result.encodes} encodes")
    if result.importance is not None and result.importance.classes:
        top = ", ".join(f"{c.name} {c.probability:.0%}" for c in result.importance.classes[:3])
        lines.append(f"map: {result.importance.method} ({result.importance.backbone}); top classes: {top}")
    return "\n".join(lines)
