"""JPEG XL through pillow-jxl-plugin (libjxl)."""

from __future__ import annotations

from .base import Codec, pillow_save
from .registry import register

#: libjxl effort 1 (fast) to 9; 7 is its default.
EFFORT = 7

JXL = register(Codec(
    name="jxl", label="JPEG XL", extensions=(".jxl",),
    knob=f"libjxl quality 1-100 (effort {EFFORT})",
    default_strategy="prefilter",
    _encode=pillow_save("JXL", lambda q: {"quality": float(q), "effort": EFFORT, "lossless": False}, plugin="pillow_jxl"),
    requires=("pillow_jxl",), install="pillow-jxl-plugin",
    # Measured (BENCHMARKS.md, codecs): libjxl is efficient on texture, so blurring it costs much
    # background PSNR per subject dB; 0.75 px is about the most that keeps the loss near 4 dB.
    prefilter_sigma=0.75,
    mime_type="image/jxl",
))
