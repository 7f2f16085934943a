"""jpegli (Google's JPEG encoder, through ``pyjpegli``): standard JPEG files, better than libjpeg-turbo's
at equal size by 2-6 SSIMULACRA2 points at the q25-q75 sizes (BENCHMARKS.md, perceptual section).

Two uses: the uniform anchor a user would otherwise pick (``--codec jpegli``), and its quantisation
tables, which roicodec's adaptive JPEG encoder writes instead of the IJG tables
(:func:`quantisation_tables`). ``pyjpegli`` takes packed RGB and an integer quality and exposes
neither its tables nor its adaptive quantisation field, so the tables are read back from a tiny
encode (cached) rather than recomputed here.
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np
from PIL import Image

from ..errors import OptionError
from .base import Codec
from .jpeg_markers import add_metadata
from .registry import register


def _encode(rgb: np.ndarray, quality: float, *, icc_profile=None, exif=None) -> bytes:
    import pyjpegli

    height, width = rgb.shape[:2]
    data = pyjpegli.encode(np.ascontiguousarray(rgb, dtype=np.uint8).tobytes(), width, height, int(quality))
    return add_metadata(data, icc_profile=icc_profile, exif=exif)


@functools.lru_cache(maxsize=None)
def _integer_tables(quality: int) -> np.ndarray:
    """jpegli's (luma, chroma) tables at an integer quality, natural order, as written to its files."""
    import pyjpegli

    data = pyjpegli.encode(bytes(16 * 16 * 3), 16, 16, quality)
    with Image.open(io.BytesIO(data)) as image:
        tables = image.quantization
    if sorted(tables) != [0, 1]:
        raise OptionError(f"unexpected jpegli output: quantisation tables {sorted(tables)}")
    return np.stack([np.asarray(tables[0]), np.asarray(tables[1])]).reshape(2, 8, 8).astype(np.float64)


def quantisation_tables(quality: float) -> np.ndarray:
    """jpegli's tables for a quality in [1, 100], uint16 (2, 8, 8).

    Integer qualities give exactly jpegli's tables; fractional ones interpolate between the two
    neighbours, so a rate control that moves the quality sees the file size move smoothly.
    """
    if not 1 <= quality <= 100:
        raise OptionError(f"jpegli quality must be between 1 and 100, got {quality:g}")
    low = math.floor(quality)
    high = min(low + 1, 100)
    weight = quality - low
    tables = (1 - weight) * _integer_tables(low) + weight * _integer_tables(high)
    return np.clip(np.floor(tables + 0.5), 1, 255).astype(np.uint16)


JPEGLI = register(Codec(
    name="jpegli", label="JPEG (jpegli)", extensions=(".jpg", ".jpeg"),
    knob="jpegli quality 1-100 (integers), 4:2:0, its own adaptive quantisation",
    default_strategy="prefilter", _encode=_encode,
    requires=("pyjpegli",), install="pyjpegli", integer_quality=True,
    mime_type="image/jpeg",
    max_side=65500,  # as libjpeg
))
