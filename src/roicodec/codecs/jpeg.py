"""JPEG: Pillow's libjpeg-turbo for uniform encodes; the per-block adaptive strategy lives in
adaptive_jpeg.py."""

from __future__ import annotations

from .base import Codec
from .pillow_jpeg import encode_uniform
from .registry import register


def _encode(rgb, quality, *, icc_profile=None, exif=None) -> bytes:
    return encode_uniform(rgb, quality, icc_profile=icc_profile, exif=exif)


JPEG = register(Codec(
    name="jpeg", label="JPEG", extensions=(".jpg", ".jpeg"),
    knob="libjpeg's quality scale; uniform: Pillow's libjpeg-turbo (IJG tables, fractional between integers); "
         "adaptive: jpegli's tables, each block's steps scaled as libjpeg scales quality; 4:2:0, optimised Huffman",
    strategies=("uniform", "blend", "prefilter", "adaptive"), default_strategy="adaptive", _encode=_encode,
    mime_type="image/jpeg",
    max_side=65500,  # libjpeg's JPEG_MAX_DIMENSION
))
