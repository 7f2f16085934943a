"""Uniform JPEG through Pillow: the baseline every region-of-interest method is compared against."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ..errors import OptionError
from .jpeg_tables import CHROMA_BASE, LUMA_BASE, scaled_table


def encode_uniform(
    rgb: np.ndarray,
    quality: float,
    *,
    progressive: bool = False,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> bytes:
    """One quality for the whole image; optimised Huffman tables and 4:2:0 chroma, as people use JPEG.

    A fractional quality writes the IJG tables in between two integer qualities (see
    :func:`scaled_table`), which lets rate control match a size closely; integers are libjpeg's own.
    """
    if not 1 <= quality <= 100:
        raise OptionError(f"JPEG quality must be between 1 and 100, got {quality:g}")
    options = {"optimize": True, "subsampling": "4:2:0", "progressive": progressive}
    if float(quality).is_integer():
        options["quality"] = int(quality)
    else:
        options["qtables"] = [scaled_table(LUMA_BASE, quality).ravel().tolist(),
                              scaled_table(CHROMA_BASE, quality).ravel().tolist()]
    if icc_profile:
        options["icc_profile"] = icc_profile
    if exif:
        options["exif"] = exif
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    """Decode any JPEG to RGB uint8 with Pillow (the independent standard decoder)."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))
