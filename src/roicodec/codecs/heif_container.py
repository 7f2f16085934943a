"""Wrap one HEVC intra frame (an Annex-B bitstream, as x265 writes it) in a HEIF file.

Written by hand because no maintained Python package muxes an existing HEVC bitstream into HEIF:
pillow-heif/libheif only encode pixels themselves (so no per-region quality reaches x265), and
ffmpeg has no HEIF muxer. The file holds what ISO/IEC 23008-12 asks of a single coded image and
what HEIF readers (libheif, Apple, Windows) check: ``ftyp`` (heic, mif1), ``meta`` with ``hdlr``
'pict', ``pitm``, ``iinf``/``infe`` (item type 'hvc1'), ``iloc``, ``iprp`` holding the ``hvcC``
decoder configuration (built from the stream's VPS/SPS/PPS), ``ispe`` (size), ``colr`` (nclx, and a
second ``colr`` of type 'prof' for an ICC profile), and ``mdat`` with the slices as length-prefixed NAL units.
"""

from __future__ import annotations

import struct

from ..errors import InputError

NAL_VPS, NAL_SPS, NAL_PPS = 32, 33, 34
_PARAMETER_SETS = (NAL_VPS, NAL_SPS, NAL_PPS)
_SEI = (39, 40)


def split_annex_b(stream: bytes) -> list[bytes]:
    """NAL units of an Annex-B stream (start codes 00 00 01 / 00 00 00 01 removed)."""
    units, start, i, n = [], None, 0, len(stream)
    while i + 3 <= n:
        if stream[i] == 0 and stream[i + 1] == 0 and stream[i + 2] == 1:
            if start is not None:
                units.append(stream[start:i].rstrip(b"\x00"))
            i += 3
            start = i
        else:
            i += 1
    if start is not None:
        units.append(stream[start:])
    return [u for u in units if u]


def nal_type(unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F


def _rbsp(unit: bytes) -> bytes:
    """Payload without the 2-byte header and without emulation-prevention bytes (00 00 03 -> 00 00)."""
    out, zeros = bytearray(), 0
    for byte in unit[2:]:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _profile_tier_level(sps: bytes) -> bytes:
    """The 12 bytes of general profile, compatibility flags, constraint flags and level: they are
    byte-aligned right after the SPS's first byte (VPS id, sub-layers, nesting flag)."""
    payload = _rbsp(sps)
    if len(payload) < 13:
        raise InputError("HEVC stream: SPS too short")
    return payload[1:13]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _hvcc(vps: bytes, sps: bytes, pps: bytes, chroma_format: int, bit_depth: int) -> bytes:
    ptl = _profile_tier_level(sps)
    record = bytearray([1])  # configurationVersion
    record += ptl[:1] + ptl[1:5] + ptl[5:11] + ptl[11:12]  # profile byte, compatibility, constraints, level
    record += struct.pack(">H", 0xF000)  # reserved + min_spatial_segmentation_idc 0
    record += bytes([0xFC])  # reserved + parallelismType 0
    record += bytes([0xFC | chroma_format])
    record += bytes([0xF8 | (bit_depth - 8)])  # luma
    record += bytes([0xF8 | (bit_depth - 8)])  # chroma
    record += struct.pack(">H", 0)  # avgFrameRate
    # constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
    record += bytes([(0 << 6) | (1 << 3) | (1 << 2) | 3])
    record += bytes([3])  # numOfArrays
    for unit in (vps, sps, pps):
        record += bytes([0x80 | nal_type(unit)])  # array_completeness 1
        record += struct.pack(">HH", 1, len(unit)) + unit
    return _box(b"hvcC", bytes(record))


def _clap(coded: tuple[int, int], shown: tuple[int, int]) -> bytes:
    """Clean aperture: show the top-left ``shown`` pixels of a ``coded`` picture (offsets are
    measured from the centre, as fractions)."""
    (coded_w, coded_h), (shown_w, shown_h) = coded, shown
    return _box(b"clap", struct.pack(">IIIIiIiI", shown_w, 1, shown_h, 1, shown_w - coded_w, 2, shown_h - coded_h, 2))


def heif_from_hevc(stream: bytes, width: int, height: int, *, crop: tuple[int, int] | None = None,
                   chroma_format: int = 1, bit_depth: int = 8, full_range: bool = False,
                   icc_profile: bytes | None = None) -> bytes:
    """A HEIF ('heic') file holding the single HEVC intra picture of ``stream`` (coded at
    ``width`` x ``height``; ``crop``: the size shown, when the coded picture was padded;
    ``icc_profile``: the picture's colour profile)."""
    units = split_annex_b(stream)
    found = {t: next((u for u in units if nal_type(u) == t), None) for t in _PARAMETER_SETS}
    if any(unit is None for unit in found.values()):
        raise InputError("HEVC stream lacks a VPS, SPS or PPS")
    slices = [u for u in units if nal_type(u) not in _PARAMETER_SETS and nal_type(u) not in _SEI]
    if not slices:
        raise InputError("HEVC stream holds no picture")
    coded = b"".join(struct.pack(">I", len(u)) + u for u in slices)

    ftyp = _box(b"ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic")
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I", 0) + b"pict" + b"\x00" * 12 + b"\x00")
    pitm = _full_box(b"pitm", 0, 0, struct.pack(">H", 1))
    infe = _full_box(b"infe", 2, 0, struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00")
    iinf = _full_box(b"iinf", 0, 0, struct.pack(">H", 1) + infe)
    colr = _box(b"colr", b"nclx" + struct.pack(">HHHB", 1, 13, 6, 0x80 if full_range else 0))  # BT.709/sRGB/BT.601
    ispe = _full_box(b"ispe", 0, 0, struct.pack(">II", width, height))
    properties = _hvcc(found[NAL_VPS], found[NAL_SPS], found[NAL_PPS], chroma_format, bit_depth) + ispe + colr
    associations = [0x81, 0x02, 0x03]  # 1-based property indices; hvcC essential
    if icc_profile:
        properties += _box(b"colr", b"prof" + icc_profile)
        associations.append(len(associations) + 1)
    if crop is not None and tuple(crop) != (width, height):
        properties += _clap((width, height), tuple(crop))
        associations.append(0x80 | (len(associations) + 1))  # transformative properties come last, essential
    ipco = _box(b"ipco", properties)
    ipma = _full_box(b"ipma", 0, 0, struct.pack(">IHB", 1, 1, len(associations)) + bytes(associations))
    iprp = _box(b"iprp", ipco + ipma)

    def iloc(offset: int) -> bytes:
        # version 0, offset_size 4, length_size 4, base_offset_size 0; one item, one extent
        return _full_box(b"iloc", 0, 0, bytes([0x44, 0x00]) + struct.pack(">HHHHII", 1, 1, 0, 1, offset, len(coded)))

    def meta(offset: int) -> bytes:
        return _full_box(b"meta", 0, 0, hdlr + pitm + iloc(offset) + iinf + iprp)

    head_length = len(ftyp) + len(meta(0)) + 8  # the mdat header precedes the coded data
    return ftyp + meta(head_length) + _box(b"mdat", coded)
