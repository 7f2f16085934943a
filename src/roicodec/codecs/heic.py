"""HEIC (HEVC still image in a HEIF file) through pillow-heif's libheif and x265."""

from __future__ import annotations

from .base import Codec, pillow_save
from .registry import register

HEIC = register(Codec(
    name="heic", label="HEIC", extensions=(".heic", ".heif"),
    knob="libheif/x265 quality 1-100 (4:2:0)", integer_quality=True,
    strategies=("uniform", "blend", "prefilter"), default_strategy="prefilter",
    _encode=pillow_save("HEIF", lambda q: {"quality": int(q), "chroma": 420}, plugin="pillow_heif"),
    requires=("pillow_heif",), install="pillow-heif",
))
