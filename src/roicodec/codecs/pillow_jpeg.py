"""Uniform JPEG through Pillow: the baseline every region-of-interest method is compared against."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ..errors import OptionError


def encode_uniform(
    rgb: np.ndarray,
    quality: int,
    *,
    progressive: bool = False,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> bytes:
    """One quality for the whole image; optimised Huffman tables and 4:2:0 chroma, as people use JPEG."""
    if not 1 <= int(quality) <= 100:
        raise OptionError(f"JPEG quality must be between 1 and 100, got {quality}")
    options = {"quality": int(quality), "optimize": True, "subsampling": "4:2:0", "progressive": progressive}
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
