"""WebP (lossy): uniform through Pillow's libwebp; native region quality through libvpx.

A lossy WebP file is one VP8 key frame in a RIFF container. libwebp takes no spatial map, but
VP8 itself has four segments with their own quantiser, and libvpx's VP8 encoder sets them from a
region map (ffmpeg's ``addroi``, see region_qp.py). So ``native`` encodes the plan as a VP8 key
frame with libvpx and writes it into the RIFF container here (a header, the frame's chunk and, for
a colour profile or EXIF, the extended format's VP8X, ICCP and EXIF chunks; no library writes a
WebP around a foreign VP8 frame). libwebp, Pillow and browsers open it.
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import OptionError
from .base import Codec, Native, pillow_save
from .region_qp import dither_to_levels, encode_picture, offset_rectangles, unit_means
from .registry import register

#: libwebp's speed/quality trade-off, 0-6; 4 is its default, 6 is slower for a little less size.
METHOD = 4
#: VP8's quantiser index as libvpx takes it (0-63), and its macroblock.
VP8_MAX_Q = 63
UNIT = 16
#: VP8 frames carry 14-bit sides.
MAX_SIDE = 16383
#: libvpx at its best: the still picture is one frame, so speed matters little.
LIBVPX_OPTIONS = {"deadline": "best", "cpu-used": "0", "auto-alt-ref": "0", "lag-in-frames": "0",
                  "static-thresh": "0", "b": "100M"}


def vp8_q(quality: float) -> float:
    """Quality 1-100 -> libvpx quantiser 0-63 (q 100 -> 0, q 1 -> 62.4), fractional."""
    return float(np.clip((100.0 - quality) * VP8_MAX_Q / 100.0, 0.0, VP8_MAX_Q))


def segment_levels(unit_q: np.ndarray, segments: int = 4) -> list[int]:
    """At most ``segments`` whole quantisers spanning the plan: VP8 has four segments per frame."""
    low, high = int(np.floor(unit_q.min())), int(np.ceil(unit_q.max()))
    if high - low < segments:
        return list(range(low, high + 1))
    return sorted({int(round(v)) for v in np.linspace(low, high, segments)})


def plan_segments(block_quality: np.ndarray, block: int = 8) -> tuple[int, list[tuple[int, int, int, int, int]]]:
    """The base quantiser and the (x, y, w, h, offset) rectangles that carry a plan in VP8's four
    segments: each macroblock's quantiser is dithered between the two nearest segment levels."""
    unit_q = np.vectorize(vp8_q)(unit_means(np.clip(block_quality, 1.0, 100.0), UNIT // block))
    levels = segment_levels(unit_q)
    q = dither_to_levels(unit_q, levels)
    base = int(q.min())
    return base, offset_rectangles(q - base, UNIT)


#: VP8X flags (the WebP container specification): a colour profile, EXIF.
_ICC_FLAG, _EXIF_FLAG = 0x20, 0x08


def _chunk(kind: bytes, payload: bytes) -> bytes:
    """A RIFF chunk, padded to an even length."""
    return kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def webp_from_vp8(frame: bytes, width: int | None = None, height: int | None = None, *,
                  icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """A lossy WebP file: RIFF header, 'WEBP', the 'VP8 ' chunk; with a profile or EXIF, the extended
    format (VP8X with the canvas size, ICCP before the frame, EXIF after it)."""
    chunks = _chunk(b"VP8 ", frame)
    if icc_profile or exif:
        flags = (_ICC_FLAG if icc_profile else 0) | (_EXIF_FLAG if exif else 0)
        canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks = (_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + canvas)
                  + (_chunk(b"ICCP", icc_profile) if icc_profile else b"") + chunks
                  + (_chunk(b"EXIF", exif) if exif else b""))
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def encode_vp8(rgb: np.ndarray, base_q: int, regions=()) -> bytes:
    """One VP8 key frame from libvpx at quantiser ``base_q`` plus the regions' offsets."""
    height, width = rgb.shape[:2]
    if max(height, width) > MAX_SIDE:
        raise OptionError(f"WebP sides are at most {MAX_SIDE} pixels, got {width}x{height}")
    options = dict(LIBVPX_OPTIONS, qmin=str(base_q), qmax=str(base_q))
    packets = encode_picture(rgb, "libvpx", options, regions, offset_range=VP8_MAX_Q, offset_bias=0.25)
    if len(packets) != 1:
        raise RuntimeError(f"libvpx gave {len(packets)} packets for one still picture")
    return packets[0]


def encode_native(rgb: np.ndarray, block_quality: np.ndarray, *, icc_profile: bytes | None = None,
                  exif: bytes | None = None) -> bytes:
    base, regions = plan_segments(block_quality)
    height, width = rgb.shape[:2]
    return webp_from_vp8(encode_vp8(rgb, base, regions), width, height, icc_profile=icc_profile, exif=exif)


WEBP = register(Codec(
    name="webp", label="WebP", extensions=(".webp",),
    knob=f"libwebp quality 1-100 (method {METHOD}); native: libvpx VP8 quantiser 0.63 x (100 - q), "
         "four segments",
    default_strategy="native",
    _encode=pillow_save("WEBP", lambda q: {"quality": float(q), "method": METHOD}),
    native=Native(encode=encode_native),
    # 80/60 instead of the global 80/30: by SSIMULACRA2 at equal size the wider gap lost 10-16 points
    # on the whole picture and, with the network's map, on the subject too (BENCHMARKS.md, perceptual).
    default_plan=("auto", 80.0, 60.0),
    mime_type="image/webp",
    max_side=16383,  # the format's 14-bit sizes
))
