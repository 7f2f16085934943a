"""The learned codec's file: one self-checking container, documented here and in docs/DESIGN.md.

All integers are big-endian.

    offset  size  field
    0       8     magic b"\\x89RLC\\r\\n\\x1a\\n" (PNG's trick: 8-bit, line-ending and EOF checks)
    8       1     version (1)
    9       1     flags: bit 0 an ICC profile follows the strings, bit 1 EXIF does
    10      1     n, the architecture name's length; then n bytes of ASCII (e.g. "mbt2018-mean")
    .       1     the zoo quality 1-8, or 0 for weights from a file
    .       8     the weights' fingerprint (learned/models.py); a decoder refuses other weights
    .       4+4   height, width in pixels
    .       4     length of the gain levels, then zlib(int8, one per latent position, row-major;
                  rows x cols = ceil(h / 64) * 4 x ceil(w / 64) * 4); level k is a gain of 2^(k / 32)
    .       4     length of the hyperprior's string (z), then the string
    .       2     the number of latent bands; then for each: 4 bytes length and the band's string
                  (the latent's rows coded in bands, so memory stays bounded on large pictures)
    .       4+n   the ICC profile, when flag bit 0
    .       4+n   EXIF, when flag bit 1
    end-4   4     CRC-32 of everything before it
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

MAGIC = b"\x89RLC\r\n\x1a\n"
VERSION = 1
_ICC, _EXIF = 1, 2


@dataclass(frozen=True)
class LearnedFile:
    architecture: str
    quality: int
    fingerprint: bytes
    height: int
    width: int
    levels: np.ndarray  # int8 (rows, cols)
    z_string: bytes
    y_strings: tuple[bytes, ...]
    icc_profile: bytes | None = None
    exif: bytes | None = None


def is_learned_file(data: bytes) -> bool:
    return bytes(data[: len(MAGIC)]) == MAGIC


def pack(file: LearnedFile) -> bytes:
    name = file.architecture.encode("ascii")
    flags = (_ICC if file.icc_profile else 0) | (_EXIF if file.exif else 0)
    levels = zlib.compress(np.ascontiguousarray(file.levels, dtype=np.int8).tobytes(), 9)
    parts = [MAGIC, struct.pack(">BBB", VERSION, flags, len(name)), name,
             struct.pack(">B8sII", file.quality, file.fingerprint, file.height, file.width),
             _chunk(levels), _chunk(file.z_string), struct.pack(">H", len(file.y_strings))]
    parts += [_chunk(string) for string in file.y_strings]
    if file.icc_profile:
        parts.append(_chunk(file.icc_profile))
    if file.exif:
        parts.append(_chunk(file.exif))
    body = b"".join(parts)
    return body + struct.pack(">I", zlib.crc32(body))


def unpack(data: bytes, rows_cols) -> LearnedFile:
    """The file's fields, or InputError naming what is wrong. ``rows_cols(height, width)`` gives the
    latent's shape, so the levels can be checked against the picture's size."""
    data = bytes(data)
    if not is_learned_file(data):
        raise InputError("not a roicodec learned-codec file (its first bytes are not the RLC signature)")
    if len(data) < len(MAGIC) + 8 or struct.unpack(">I", data[-4:])[0] != zlib.crc32(data[:-4]):
        raise InputError("the learned-codec file is damaged or truncated (its checksum does not match)")
    reader = _Reader(data[:-4])
    reader.take(len(MAGIC))
    version, flags, name_length = struct.unpack(">BBB", reader.take(3))
    if version != VERSION:
        raise InputError(f"learned-codec file version {version}; this roicodec reads version {VERSION}")
    try:
        architecture = reader.take(name_length).decode("ascii")
    except UnicodeDecodeError:
        raise InputError("the learned-codec file is damaged (its model name is not text)") from None
    quality, fingerprint, height, width = struct.unpack(">B8sII", reader.take(17))
    if height == 0 or width == 0:
        raise InputError("the learned-codec file is damaged (its picture has no pixels)")
    rows, cols = rows_cols(height, width)
    try:
        levels = np.frombuffer(zlib.decompress(reader.chunk(), bufsize=rows * cols), dtype=np.int8)
    except zlib.error:
        raise InputError("the learned-codec file is damaged (its gain levels do not unpack)") from None
    if levels.size != rows * cols:
        raise InputError("the learned-codec file is damaged (its gain levels do not fit the picture)")
    z_string = reader.chunk()
    bands = struct.unpack(">H", reader.take(2))[0]
    y_strings = tuple(reader.chunk() for _ in range(bands))
    icc = reader.chunk() if flags & _ICC else None
    exif = reader.chunk() if flags & _EXIF else None
    if not reader.done():
        raise InputError("the learned-codec file is damaged (bytes left over after its last field)")
    return LearnedFile(architecture, quality, fingerprint, height, width, levels.reshape(rows, cols).copy(),
                       z_string, y_strings, icc, exif)


def _chunk(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + bytes(data)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise InputError("the learned-codec file is damaged or truncated (a field runs past its end)")
        piece = self.data[self.at: self.at + count]
        self.at += count
        return piece

    def chunk(self) -> bytes:
        return self.take(struct.unpack(">I", self.take(4))[0])

    def done(self) -> bool:
        return self.at == len(self.data)
