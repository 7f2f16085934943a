"""The ``--report`` text: what the output costs and keeps, next to uniform encodes of the same size
(the same codec's, Pillow's libjpeg-turbo JPEG and jpegli's: what a user would pick instead)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .codecs.registry import get_codec
from .errors import OptionError
from .evaluation import DEFAULT_ROI_THRESHOLD, evaluate, roi_mask_from_map
from .ratecontrol import fit_to_size

#: The uniform encoders every report shows beside the codec's own: Pillow's JPEG and jpegli.
ANCHOR_CODECS = ("jpeg", "jpegli")


def same_size_uniform(rgb: np.ndarray, size_bytes: int, codec=None, options: dict | None = None
                      ) -> tuple[bytes, int] | None:
    """The largest uniform encode (integer quality; JPEG unless ``codec``, with its ``options``) not
    bigger than ``size_bytes``, or None if none fits."""
    codec = codec or get_codec("jpeg")
    try:
        fitted = fit_to_size(lambda q: codec.encode(rgb, int(q), options=options), size_bytes, 1, 100, integer=True)
    except OptionError:
        return None
    return fitted.data, int(fitted.knob)


def anchor_codecs(codec) -> list:
    """The codec itself, then the JPEG anchors, each once, those this machine can encode."""
    chosen = dict.fromkeys([codec, *(get_codec(name) for name in ANCHOR_CODECS)])
    return [c for c in chosen if c.missing() is None]


def subject_mask(result, height: int, width: int, boxes=None) -> tuple[np.ndarray | None, str]:
    """Where the report's subject columns look, and how to say it: the boxes, else the map's region."""
    from .roi import box_mask

    if boxes is not None:
        mask = box_mask(boxes, (height, width))
        return mask, f"subject = the {len(boxes)} given box(es), {mask.mean():.0%} of the picture"
    if result.importance is None:
        return None, ""
    mask = roi_mask_from_map(result.importance.values, DEFAULT_ROI_THRESHOLD)
    return mask, f"subject = the map's region (map >= {DEFAULT_ROI_THRESHOLD:g}), {mask.mean():.0%} of the picture"


LABEL_WIDTH = 33


def _number(value: float, width: int, digits: int) -> str:
    return f"{'n/a':>{width}}" if value is None or math.isnan(value) else f"{value:{width}.{digits}f}"


def compression_report(rgb: np.ndarray, result, source: Path, output: Path, boxes=None) -> str:
    """Size and quality of ``result`` and of same-size uniform anchors; PSNR and SSIMULACRA2 over the
    whole picture, the subject and the background (``boxes``, else the map's region)."""
    height, width = rgb.shape[:2]
    raw = height * width * 3  # bytes of the decoded RGB picture
    codec = get_codec(result.codec)
    name = f"{codec.name} {result.strategy}"
    rows = [("roicodec " + name, result.data, f"mean q {result.quality:.1f}", codec)]
    for other in anchor_codecs(codec):
        uniform = same_size_uniform(rgb, result.size_bytes, other, result.codec_options if other is codec else None)
        label = f"uniform {other.label}, same size"
        rows.append((label, uniform[0], f"q {uniform[1]}", other) if uniform else (label, None, "cannot get this small", other))
    mask, where = subject_mask(result, height, width, boxes)
    if mask is not None and (not mask.any() or mask.all()):
        mask, where = None, where + ": no subject/background split"
    lines = [
        f"{source} -> {output}  ({width}x{height}, raw RGB {raw} bytes)",
        f"{'':{LABEL_WIDTH}} {'bytes':>7} {'bpp':>6} {'PSNR-Y':>7} {'SSIM':>6} {'MS-SSIM':>7} "
        f"{'PSNR-subj':>9} {'SSIM2':>6} {'subj':>6} {'backg':>6}  setting",
    ]
    for label, data, setting, used in rows:
        if data is None:
            lines.append(f"{label:{LABEL_WIDTH}} {'':>7} {'':>6}  {setting}")
            continue
        f = evaluate(rgb, used.decode(data), size_bytes=len(data), mask=mask)
        lines.append(
            f"{label:{LABEL_WIDTH}} {len(data):7d} {f['bpp']:6.3f} {_number(f['psnr'], 7, 2)} {_number(f['ssim'], 6, 4)}"
            f" {_number(f['ms_ssim'], 7, 4)} {_number(f.get('roi_psnr'), 9, 2)} {_number(f['ssimulacra2'], 6, 1)}"
            f" {_number(f.get('roi_ssimulacra2'), 6, 1)} {_number(f.get('background_ssimulacra2'), 6, 1)}  {setting}"
        )
    lines.append("PSNR-Y: luma, whole picture; PSNR-subj: RGB inside the subject; SSIM2: SSIMULACRA2 "
                 "(100 identical, 90 visually lossless, 70 high, 50 medium, 30 low), whole / subject / background")
    if where:
        lines.append(where)
    if result.target_bytes is not None:
        lines.append(f"target {result.target_bytes} bytes, reached {result.size_bytes} after {result.encodes} encodes")
    if result.importance is not None and result.importance.classes:
        top = ", ".join(f"{c.name} {c.probability:.0%}" for c in result.importance.classes[:3])
        cues = ", ".join(f"{name} {share:.0%}" for name, share in result.importance.cues)
        lines.append(f"map: {result.importance.method} ({result.importance.backbone}); top classes: {top}"
                     + (f"; cues: {cues}" if cues else ""))
    return "\n".join(lines)
