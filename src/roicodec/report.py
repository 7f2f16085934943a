"""The ``--report`` text: what the output costs and keeps, next to uniform encodes of the same size
(the same codec, and JPEG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .codecs.registry import get_codec
from .errors import OptionError
from .evaluation import evaluate
from .ratecontrol import fit_to_size


def same_size_uniform(rgb: np.ndarray, size_bytes: int, codec=None) -> tuple[bytes, int] | None:
    """The largest uniform encode (integer quality; JPEG unless ``codec``) not bigger than ``size_bytes``,
    or None if none fits."""
    codec = codec or get_codec("jpeg")
    try:
        fitted = fit_to_size(lambda q: codec.encode(rgb, int(q)), size_bytes, 1, 100, integer=True)
    except OptionError:
        return None
    return fitted.data, int(fitted.knob)


LABEL_WIDTH = 31


def compression_report(rgb: np.ndarray, result, source: Path, output: Path) -> str:
    height, width = rgb.shape[:2]
    raw = height * width * 3  # bytes of the decoded RGB picture
    codec = get_codec(result.codec)
    jpeg = get_codec("jpeg")
    name = result.method if codec.name == "jpeg" else f"{codec.name} {result.method}"
    rows = [("roicodec " + name, result.data, f"mean q {result.quality:.1f}", codec)]
    for other in dict.fromkeys([codec, jpeg]):
        uniform = same_size_uniform(rgb, result.size_bytes, other)
        if uniform is not None:
            rows.append((f"uniform {other.label}, same size", uniform[0], f"q {uniform[1]}", other))
    lines = [
        f"{source} -> {output}  ({width}x{height}, raw RGB {raw} bytes)",
        f"{'':{LABEL_WIDTH}} {'bytes':>8} {'bpp':>7} {'ratio':>7} {'PSNR-Y':>8} {'SSIM':>7} {'MS-SSIM':>8}  setting",
    ]
    for label, data, setting, used in rows:
        f = evaluate(rgb, used.decode(data), size_bytes=len(data))
        lines.append(
            f"{label:{LABEL_WIDTH}} {len(data):8d} {f['bpp']:7.3f} {f['ratio']:6.1f}x"
            f" {f['psnr']:8.2f} {f['ssim']:7.4f} {f['ms_ssim']:8.4f}  {setting}"
        )
    if result.target_bytes is not None:
        lines.append(f"target {result.target_bytes} bytes, reached {result.size_bytes} after {result.encodes} encodes")
    if result.importance is not None and result.importance.classes:
        top = ", ".join(f"{c.name} {c.probability:.0%}" for c in result.importance.classes[:3])
        cues = ", ".join(f"{name} {share:.0%}" for name, share in result.importance.cues)
        lines.append(f"map: {result.importance.method} ({result.importance.backbone}); top classes: {top}"
                     + (f"; cues: {cues}" if cues else ""))
    return "\n".join(lines)
