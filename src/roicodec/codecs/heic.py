"""HEIC (HEVC still image in a HEIF file): uniform through pillow-heif's libheif and x265; native
region quality through the x265 path of hevc.py, which writes the same kind of file."""

from __future__ import annotations

from .base import Codec, pillow_save
from .hevc import HEVC
from .registry import register

HEIC = register(Codec(
    name="heic", label="HEIC", extensions=(".heic", ".heif"),
    knob="libheif/x265 quality 1-100 (4:2:0); native: as the hevc codec", integer_quality=True,
    default_strategy="native",
    _encode=pillow_save("HEIF", lambda q: {"quality": int(q), "chroma": 420}, plugin="pillow_heif"),
    requires=("pillow_heif", "av"), install="pillow-heif av",
    native=HEVC.native,
    # As the hevc codec (steps 2x apart, chosen by SSIMULACRA2; BENCHMARKS.md, perceptual section).
    default_plan=("auto", 69.0, 57.0),
    mime_type="image/heic",
))
