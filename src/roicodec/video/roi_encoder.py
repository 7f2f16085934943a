"""One x264 / x265 encoder for a whole video, fed through an ``addroi`` filter graph that is
rebuilt whenever the region map changes (ffmpeg's filters take their regions when built)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .. import qmap
from ..codecs.region_qp import dither_to_levels, offset_rectangles, roi_graph, unit_means
from ..errors import OptionError
from .options import ENCODERS

DEFAULT_CRF = {"h264": 23.0, "h265": 28.0}
#: QP per quality step, as for HEVC stills (codecs/hevc.py).
QP_PER_QUALITY = 0.51
#: Both encoders' ROI granularity through ffmpeg (x264's macroblock, x265's AQ block).
UNIT = 16
QP_RANGE = 51


def qp_offsets(importance: np.ndarray, plan: str, roi_quality: float, bg_quality: float,
               threshold: float = 0.5) -> np.ndarray:
    """Per-16x16 whole QP offsets around zero: the map as a quality plan (qmap), each unit's quality
    against the plan's mean turned into QP (0.51 per step), dithered to whole steps. The mean
    offset is about zero, so the rate stays near what --crf or --target-bitrate asks for."""
    blocks = qmap.block_means(importance)
    quality = qmap.make_plan(plan, blocks, bg_quality, roi_quality, threshold)
    units = unit_means(quality, UNIT // qmap.BLOCK)
    return dither_to_levels((float(units.mean()) - units) * QP_PER_QUALITY)


class RoiVideoEncoder:
    def __init__(self, stream, width: int, height: int, time_base: Fraction):
        self.stream, self.width, self.height, self.time_base = stream, width, height, time_base
        self.graph = roi_graph(width, height, time_base, (), QP_RANGE, convert=None)

    def set_offsets(self, offsets: np.ndarray) -> None:
        """Whole QP offsets per 16x16 unit: a fresh graph carrying them as rectangles."""
        self.graph = roi_graph(self.width, self.height, self.time_base, offset_rectangles(offsets, UNIT), QP_RANGE,
                               convert=None)

    def encode(self, rgb: np.ndarray, pts: int | None) -> list:
        """One RGB frame (its timestamp in the input stream's time base) -> the packets given back."""
        import av

        source = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        source.pts, source.time_base = pts, self.time_base
        self.graph.push(source)
        return list(self.stream.encode(self.graph.pull()))

    def flush(self) -> list:
        return list(self.stream.encode(None))


def check_codec(codec: str) -> str:
    if codec not in ENCODERS:
        raise OptionError(f"unknown video codec {codec!r}; available: {', '.join(ENCODERS)}")
    return ENCODERS[codec]
