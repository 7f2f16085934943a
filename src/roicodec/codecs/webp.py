"""WebP (lossy) through Pillow's libwebp."""

from __future__ import annotations

from .base import Codec, pillow_save
from .registry import register

#: libwebp's speed/quality trade-off, 0-6; 4 is its default, 6 is slower for a little less size.
METHOD = 4

WEBP = register(Codec(
    name="webp", label="WebP", extensions=(".webp",),
    knob=f"libwebp quality 1-100 (method {METHOD})",
    strategies=("uniform", "blend", "prefilter"), default_strategy="prefilter",
    _encode=pillow_save("WEBP", lambda q: {"quality": float(q), "method": METHOD}),
))
