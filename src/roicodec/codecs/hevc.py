"""HEVC stills with a real per-region quality: x265 through ffmpeg (PyAV), the quality plan handed
to the encoder as ``addroi`` regions (per-block QP offsets), the frame stored in a HEIF file - the
study's BPG, in a container every HEIF reader opens.

The plan's 8x8 qualities are averaged to x265's 16x16 blocks and turned into QP offsets against
the plan's top quality; equal neighbours are merged into rectangles, one ``addroi`` filter each
(frame side data is read-only in PyAV, the filter graph is the way in; docs/DESIGN.md).
"""

from __future__ import annotations

import numpy as np

from .base import Codec, Native
from .heif_container import heif_from_hevc
from .region_qp import dither_to_levels, encode_picture, even_sides, offset_rectangles, unit_means
from .registry import register

#: Quality 1-100 -> x265 CRF: 0.51 CRF per quality step, q 100 = CRF 0 (near lossless), q 1 = 50.5.
CRF_PER_QUALITY = 0.51
MAX_QP = 51
#: x265's adaptive-quantisation block (and ffmpeg's ROI granularity for it).
UNIT = 16
PRESET = "medium"


def crf_for(quality: float) -> float:
    return float(np.clip((100.0 - quality) * CRF_PER_QUALITY, 0.0, MAX_QP))


def unit_qps(block_quality: np.ndarray, block: int = 8) -> np.ndarray:
    """The plan's 8x8 qualities averaged to x265's 16x16 units, as (fractional) QPs."""
    return np.vectorize(crf_for)(unit_means(block_quality, UNIT // block))


def plan_regions(block_quality: np.ndarray, block: int = 8) -> tuple[float, list[tuple[int, int, int, int, int]]]:
    """The CRF and the (x, y, w, h, qp_offset) pixel rectangles that carry a plan: the CRF (x265
    takes it fractional, and its rate factor is smooth in it) is the plan's lowest QP, every other
    unit gets its difference in whole QP steps."""
    qps = dither_to_levels(unit_qps(block_quality, block))
    base = int(qps.min())
    return float(base), offset_rectangles(qps - base, UNIT)


def encode_hevc(rgb: np.ndarray, crf: float, regions=(), preset: str = PRESET) -> bytes:
    """One intra frame as an Annex-B HEVC stream; ``regions`` as from :func:`plan_regions`."""
    options = {"crf": f"{crf:.3f}", "preset": preset,
               "x265-params": "log-level=error:keyint=1:info=0:repeat-headers=0"}
    return b"".join(encode_picture(rgb, "libx265", options, regions, offset_range=MAX_QP))


def _heif(rgb: np.ndarray, crf: float, regions=(), icc_profile: bytes | None = None) -> bytes:
    height, width = rgb.shape[:2]
    padded = even_sides(rgb)
    stream = encode_hevc(padded, crf, regions)
    return heif_from_hevc(stream, padded.shape[1], padded.shape[0], crop=(width, height), icc_profile=icc_profile)


def _encode(rgb, quality, *, icc_profile=None, exif=None) -> bytes:
    return _heif(rgb, crf_for(quality), icc_profile=icc_profile)


def encode_native(rgb: np.ndarray, block_quality: np.ndarray, *, icc_profile: bytes | None = None,
                  exif: bytes | None = None) -> bytes:
    """The whole plan in one encode: CRF of the plan's top quality, lower blocks get higher QP. The
    colour profile is kept; EXIF is not (heif_container.py writes no EXIF item)."""
    crf, regions = plan_regions(np.clip(block_quality, 1.0, 100.0))
    return _heif(rgb, crf, regions, icc_profile=icc_profile)


HEVC = register(Codec(
    name="hevc", label="HEVC (HEIF)", extensions=(".heic",),
    knob=f"x265 CRF = 0.51 x (100 - q), preset {PRESET}; native: per-16x16 QP offsets (ffmpeg addroi); HEIF file",
    default_strategy="native",
    _encode=_encode, requires=("av", "pillow_heif"), install="av pillow-heif",
    native=Native(encode=encode_native),
    # A 12-quality gap is 6 QP, steps 2x apart, as JPEG's adaptive default: by SSIMULACRA2 at equal
    # size a wider gap (the PSNR-chosen 69/41) lost 10-45 points on the whole picture and, with the
    # network's map, on the subject too (BENCHMARKS.md, perceptual section).
    default_plan=("auto", 69.0, 57.0),
    mime_type="image/heic",
))

