"""JPEG 2000 through Pillow's OpenJPEG, in rate mode.

OpenJPEG's dB mode aims at the whole image's PSNR: after a blend it spends bits to repair the
coarse background and drags the subject down with it (docs/DESIGN.md). The rate mode fixes the size
instead, so the 1-100 quality scale is mapped onto a compression rate: quality q -> bits per pixel
``MIN_BPP * 2 ** (q / HALVING)``, 0.05 bpp at q 1 to about 12 bpp at q 100 (an exponential
scale, as size is roughly exponential in a quality knob).
"""

from __future__ import annotations

from .base import Codec, pillow_save
from .registry import register

MIN_BPP = 0.05
HALVING = 12.6  # quality steps per doubling of the rate


def bits_per_pixel(quality: float) -> float:
    return MIN_BPP * 2.0 ** ((quality - 1.0) / HALVING)


def _options(quality: float) -> dict:
    ratio = 24.0 / bits_per_pixel(quality)  # OpenJPEG's rate: compression ratio against 24-bit RGB
    return {"quality_mode": "rates", "quality_layers": [max(1.0, ratio)], "irreversible": True,
            "no_jp2": False}


JPEG2000 = register(Codec(
    name="jpeg2000", label="JPEG 2000", extensions=(".jp2", ".j2k", ".jpx"),
    knob=f"rate: quality q -> {MIN_BPP} * 2^((q-1)/{HALVING}) bits per pixel (OpenJPEG rate mode, 9/7 wavelet)",
    default_strategy="prefilter",
    _encode=pillow_save("JPEG2000", _options),
    # Measured (BENCHMARKS.md, codecs): the wavelet coder loses little background to a light blur,
    # so 1.25 px keeps the background loss under 4 dB for about +1.5 dB in the subject.
    prefilter_sigma=1.25,
    mime_type="image/jp2",
))
