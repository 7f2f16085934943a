"""HEVC stills with a real per-region quality: x265 through ffmpeg (PyAV), the quality plan handed
to the encoder as ``addroi`` regions (per-block QP offsets), the frame stored in a HEIF file - the
study's BPG, in a container every HEIF reader opens.

The plan's 8x8 qualities are averaged to x265's 16x16 blocks and turned into QP offsets against
the plan's top quality; equal neighbours are merged into rectangles, one ``addroi`` filter each
(frame side data is read-only in PyAV, the filter graph is the way in; DESIGN.md).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .base import Codec
from .heif_container import heif_from_hevc
from .registry import register

#: Quality 1-100 -> x265 CRF: 0.51 CRF per quality step, q 100 = CRF 0 (near lossless), q 1 = 50.5.
CRF_PER_QUALITY = 0.51
MAX_QP = 51
#: x265's adaptive-quantisation block (and ffmpeg's ROI granularity for it).
UNIT = 16
PRESET = "medium"


def crf_for(quality: float) -> float:
    return float(np.clip((100.0 - quality) * CRF_PER_QUALITY, 0.0, MAX_QP))


def unit_qps(block_quality: np.ndarray, block: int = 8) -> np.ndarray:
    """The plan's 8x8 qualities averaged to x265's 16x16 units, as (fractional) QPs."""
    per = UNIT // block
    rows, cols = block_quality.shape
    padded = np.pad(block_quality, ((0, (-rows) % per), (0, (-cols) % per)), mode="edge")
    units = padded.reshape(padded.shape[0] // per, per, padded.shape[1] // per, per).mean(axis=(1, 3))
    return np.vectorize(crf_for)(units)


#: Ordered-dither thresholds (4x4 Bayer matrix), in (0, 1).
_BAYER = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16


def whole_qps(qps: np.ndarray) -> np.ndarray:
    """Round fractional QPs to whole ones by ordered dithering: a unit rounds up where its fraction
    passes a fixed 4x4 threshold pattern. The encoder only takes whole QP steps (about 10 % of the
    size each); dithered, a region's mean QP follows the plan continuously, and as the plan moves a
    sixteenth of a region flips at a time, so the file size stays smooth and rate control can land
    within 1 % of a target."""
    rows, cols = qps.shape
    thresholds = np.tile(_BAYER, (rows // 4 + 1, cols // 4 + 1))[:rows, :cols]
    floor = np.floor(qps)
    return (floor + (qps - floor > thresholds)).astype(int)


def merge_rectangles(values: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """(x, y, w, h, value) in units: runs of equal values per row, merged with identical runs below."""
    open_runs: dict[tuple[int, int, int], int] = {}  # (x0, x1, value) -> first row
    done = []
    for y, row in enumerate(values):
        runs, x = set(), 0
        while x < len(row):
            end = x + 1
            while end < len(row) and row[end] == row[x]:
                end += 1
            runs.add((x, end, int(row[x])))
            x = end
        for key in [k for k in open_runs if k not in runs]:
            done.append((key, open_runs.pop(key), y))
        for key in runs:
            open_runs.setdefault(key, y)
    done += [(key, start, len(values)) for key, start in open_runs.items()]
    return [(x0, start, x1 - x0, stop - start, value) for (x0, x1, value), start, stop in done]


def plan_regions(block_quality: np.ndarray, block: int = 8) -> tuple[float, list[tuple[int, int, int, int, int]]]:
    """The CRF and the (x, y, w, h, qp_offset) pixel rectangles that carry a plan: the CRF (x265
    takes it fractional, and its rate factor is smooth in it) is the plan's lowest QP, every other
    unit gets its difference in whole QP steps."""
    qps = whole_qps(unit_qps(block_quality, block))
    base = int(qps.min())
    offsets = qps - base
    return float(base), [(x * UNIT, y * UNIT, w * UNIT, h * UNIT, value)
                  for x, y, w, h, value in merge_rectangles(offsets) if value != 0]


def encode_hevc(rgb: np.ndarray, crf: float, regions=(), preset: str = PRESET) -> bytes:
    """One intra frame as an Annex-B HEVC stream; ``regions`` as from :func:`plan_regions`."""
    import av

    height, width = rgb.shape[:2]
    context = av.CodecContext.create("libx265", "w")
    context.width, context.height, context.pix_fmt = width, height, "yuv420p"
    context.time_base = Fraction(1, 25)
    context.options = {"crf": f"{crf:.3f}", "preset": preset,
                       "x265-params": "log-level=error:keyint=1:info=0:repeat-headers=0"}
    graph = av.filter.Graph()
    last = graph.add_buffer(width=width, height=height, format="rgb24", time_base=context.time_base)
    for x, y, w, h, offset in regions:
        w, h = min(w, width - x), min(h, height - y)
        if w <= 0 or h <= 0:
            continue
        node = graph.add("addroi", f"x={x}:y={y}:w={w}:h={h}:qoffset={offset}/{MAX_QP}")
        last.link_to(node)
        last = node
    # BT.601 limited range, as the HEIF colour box below says.
    convert = graph.add("scale", "out_color_matrix=bt601:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int")
    last.link_to(convert)
    pixels = graph.add("format", "yuv420p")
    convert.link_to(pixels)
    sink = graph.add("buffersink")
    pixels.link_to(sink)
    graph.configure()
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    frame.pts, frame.time_base = 0, context.time_base
    graph.push(frame)
    packets = list(context.encode(graph.pull())) + list(context.encode(None))
    return b"".join(bytes(packet) for packet in packets)


def _even(rgb: np.ndarray) -> np.ndarray:
    """4:2:0 needs even sides: odd ones get one replicated edge row/column (the HEIF crop removes it)."""
    height, width = rgb.shape[:2]
    return np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def _heif(rgb: np.ndarray, crf: float, regions=()) -> bytes:
    height, width = rgb.shape[:2]
    padded = _even(rgb)
    stream = encode_hevc(padded, crf, regions)
    return heif_from_hevc(stream, padded.shape[1], padded.shape[0], crop=(width, height))


def _encode(rgb, quality, *, icc_profile=None, exif=None) -> bytes:
    return _heif(rgb, crf_for(quality))


def encode_native(rgb: np.ndarray, block_quality: np.ndarray) -> bytes:
    """The whole plan in one encode: CRF of the plan's top quality, lower blocks get higher QP."""
    crf, regions = plan_regions(np.clip(block_quality, 1.0, 100.0))
    return _heif(rgb, crf, regions)


HEVC = register(Codec(
    name="hevc", label="HEVC (HEIF)", extensions=(".heic",),
    knob=f"x265 CRF = 0.51 x (100 - q), preset {PRESET}; native: per-16x16 QP offsets (ffmpeg addroi); HEIF file",
    strategies=("uniform", "native", "blend", "prefilter"), default_strategy="native",
    _encode=_encode, requires=("av", "pillow_heif"), install="av pillow-heif",
    native=encode_native,
    # Measured on the 8 boxed Kodak images with the perfect map (BENCHMARKS.md, codecs section):
    # x265's QP offsets bite harder than JPEG's adaptive quantiser, so a gentler, two-level plan.
    default_plan=("two-level", 69.0, 41.0),
))

