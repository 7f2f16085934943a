"""AVIF (AV1 still image) through Pillow's libavif."""

from __future__ import annotations

from .base import Codec, pillow_save
from .registry import register

#: libavif's encoder speed, 0 (slowest) to 10; 6 is Pillow's default.
SPEED = 6

AVIF = register(Codec(
    name="avif", label="AVIF", extensions=(".avif",),
    knob=f"libavif quality 1-100 (speed {SPEED}, 4:2:0)", integer_quality=True,
    default_strategy="prefilter",
    _encode=pillow_save("AVIF", lambda q: {"quality": int(q), "speed": SPEED, "subsampling": "4:2:0"}),
    # Measured (BENCHMARKS.md, codecs): as JPEG XL, a light blur is all the background can pay for.
    prefilter_sigma=0.6,
    mime_type="image/avif",
    max_side=32768,  # libavif's decoder refuses larger
))
