"""A picture through an ffmpeg encoder (PyAV) with a quantiser offset per region: the way x265,
x264 and libvpx take a spatial quality plan.

ffmpeg's encoders read per-region offsets from a frame's "regions of interest" side data. PyAV
exposes frame side data read-only, so the offsets go in through the ``addroi`` filter instead, one
filter per rectangle (docs/DESIGN.md). The plan's blocks are turned into whole-step offsets by ordered
dithering and merged into as few rectangles as possible. Written here because no library turns a
quality map into ffmpeg ROI rectangles.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..errors import InputError

#: Ordered-dither thresholds (4x4 Bayer matrix), in (0, 1).
_BAYER = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16

#: RGB -> YUV as the HEIF and WebP decoders undo it: BT.601, limited range.
TO_YUV = "out_color_matrix=bt601:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int"


def unit_means(block_values: np.ndarray, unit_blocks: int) -> np.ndarray:
    """8x8-block values averaged to the encoder's larger units (edge blocks repeated to fill)."""
    rows, cols = block_values.shape
    padded = np.pad(block_values, ((0, (-rows) % unit_blocks), (0, (-cols) % unit_blocks)), mode="edge")
    shape = (padded.shape[0] // unit_blocks, unit_blocks, padded.shape[1] // unit_blocks, unit_blocks)
    return padded.reshape(shape).mean(axis=(1, 3))


def dither_to_levels(values: np.ndarray, levels: Sequence[float] | None = None) -> np.ndarray:
    """Each value rounded to one of its two neighbouring ``levels`` (default: the whole numbers) by
    ordered dithering: it rounds up where its fraction of the gap passes a fixed 4x4 threshold.

    Encoders take whole quantiser steps only (about 10 % of the size each). Dithered, a region's
    mean follows the plan continuously, and as the plan moves a sixteenth of a region flips at a
    time, so the file size stays smooth and rate control can land close to a target."""
    rows, cols = values.shape
    thresholds = np.tile(_BAYER, (rows // 4 + 1, cols // 4 + 1))[:rows, :cols]
    if levels is None:
        floor = np.floor(values)
        return (floor + (values - floor > thresholds)).astype(int)
    steps = np.asarray(sorted(set(levels)), dtype=float)
    if len(steps) == 1:
        return np.full(values.shape, int(steps[0]))
    clipped = np.clip(values, steps[0], steps[-1])
    upper = np.clip(np.searchsorted(steps, clipped, side="right"), 1, len(steps) - 1)
    low, high = steps[upper - 1], steps[upper]
    fraction = (clipped - low) / np.where(high > low, high - low, 1.0)
    return np.where(fraction > thresholds, high, low).astype(int)


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


def offset_rectangles(offsets: np.ndarray, unit: int) -> list[tuple[int, int, int, int, int]]:
    """Whole-step offsets per unit -> (x, y, w, h, offset) pixel rectangles, zero offsets left out."""
    return [(x * unit, y * unit, w * unit, h * unit, value)
            for x, y, w, h, value in merge_rectangles(offsets) if value != 0]


def roi_graph(width: int, height: int, time_base: Fraction, regions=(), offset_range: int = 51,
              offset_bias: float = 0.0, convert: str | None = TO_YUV):
    """A configured ffmpeg filter graph: RGB frames in, one ``addroi`` per (x, y, w, h, offset)
    pixel rectangle (offsets in the encoder's whole quantiser steps; ``offset_range`` is the step
    count that ffmpeg's ``qoffset`` of 1 stands for: x265 and x264 51, libvpx 63, which truncates
    ``qoffset x 63``, so ``offset_bias`` keeps it off the boundary), ``convert`` (a ``scale``
    filter's options, None: ffmpeg's default conversion), yuv420p out."""
    import av

    graph = av.filter.Graph()
    last = graph.add_buffer(width=width, height=height, format="rgb24", time_base=time_base)
    for x, y, w, h, offset in regions:
        w, h = min(w, width - x), min(h, height - y)
        if w <= 0 or h <= 0:
            continue
        biased = offset + (offset_bias if offset > 0 else -offset_bias)
        node = graph.add("addroi", f"x={x}:y={y}:w={w}:h={h}:qoffset={biased:.4f}/{offset_range}")
        last.link_to(node)
        last = node
    if convert is not None:
        scale = graph.add("scale", convert)
        last.link_to(scale)
        last = scale
    pixels = graph.add("format", "yuv420p")
    last.link_to(pixels)
    sink = graph.add("buffersink")
    pixels.link_to(sink)
    graph.configure()
    return graph


def encode_picture(rgb: np.ndarray, encoder: str, options: dict[str, str], regions=(),
                   offset_range: int = 51, offset_bias: float = 0.0) -> list[bytes]:
    """One RGB picture through ffmpeg's ``encoder`` as a single intra frame; the packets' bytes.
    ``regions`` and the offsets as for :func:`roi_graph`."""
    import av

    height, width = rgb.shape[:2]
    context = av.CodecContext.create(encoder, "w")
    context.width, context.height, context.pix_fmt = width, height, "yuv420p"
    context.time_base = Fraction(1, 25)
    context.options = options
    graph = roi_graph(width, height, context.time_base, regions, offset_range, offset_bias)
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    frame.pts, frame.time_base = 0, context.time_base
    graph.push(frame)
    try:
        packets = list(context.encode(graph.pull())) + list(context.encode(None))
    except av.FFmpegError as error:  # x265 refuses pictures below its minimum size, among others
        raise InputError(f"{encoder} cannot encode this {width}x{height} picture ({error.strerror or error})") from None
    return [bytes(packet) for packet in packets]


def even_sides(rgb: np.ndarray) -> np.ndarray:
    """4:2:0 needs even sides: odd ones get one replicated edge row/column (the container crops it)."""
    height, width = rgb.shape[:2]
    return np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
