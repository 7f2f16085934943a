"""Add ICC and EXIF segments to a JPEG byte stream that was written without them.

libjpeg (through jpeglib) writes coefficients but takes no metadata, and Pillow cannot add segments
without re-encoding the pixels; splicing APP1/APP2 segments after the header is the standard way
(ICC.1 Annex B.4 for the chunked ICC_PROFILE segments), so it is done by hand here.
"""

from __future__ import annotations

import struct

from ..errors import InputError

_SOI = b"\xff\xd8"
_MAX_SEGMENT_PAYLOAD = 65533  # 65535 minus the two length bytes
_ICC_HEADER = b"ICC_PROFILE\x00"
_ICC_CHUNK = _MAX_SEGMENT_PAYLOAD - len(_ICC_HEADER) - 2


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _after_app0(data: bytes) -> int:
    """Offset just past SOI and a JFIF APP0 segment if there is one (APP1 Exif must follow them)."""
    if not data.startswith(_SOI):
        raise InputError("internal: encoder output is not a JPEG stream")
    offset = 2
    if data[offset : offset + 2] == b"\xff\xe0":
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length
    return offset


def add_metadata(data: bytes, *, icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """The same JPEG with an EXIF APP1 and ICC APP2 segments inserted after the header."""
    segments = b""
    if exif:
        payload = exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif
        if len(payload) > _MAX_SEGMENT_PAYLOAD:
            raise InputError(f"EXIF block of {len(payload)} bytes does not fit one JPEG segment")
        segments += _segment(0xE1, payload)
    if icc_profile:
        chunks = [icc_profile[i : i + _ICC_CHUNK] for i in range(0, len(icc_profile), _ICC_CHUNK)]
        if len(chunks) > 255:
            raise InputError("ICC profile too large to embed in a JPEG")
        for number, chunk in enumerate(chunks, start=1):
            segments += _segment(0xE2, _ICC_HEADER + bytes([number, len(chunks)]) + chunk)
    if not segments:
        return data
    cut = _after_app0(data)
    return data[:cut] + segments + data[cut:]
