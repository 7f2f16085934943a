"""What a region strategy is to roicodec: a way to make a codec spend its bits by region.

A strategy takes one job (the codec, the pixels, the plan, the image's metadata, the codec's
options) and returns an :class:`Encoding`: the ``encode(knob)`` that rate control drives, the
knob's range, and what the knob means. The pipeline makes the plan before and drives the search
after; it never asks which strategy or which codec it holds. Adding a strategy is one module that
builds a :class:`Strategy` and registers it (registry.py; docs/DESIGN.md says how).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import defaults, qmap
from ..ratecontrol import RateResult, fit_to_size

if TYPE_CHECKING:
    from ..codecs.base import Codec


@dataclass(frozen=True)
class Job:
    """One picture to encode, as a strategy receives it."""

    codec: "Codec"
    rgb: np.ndarray  # uint8 (H, W, 3), cut-out blocks already filled
    plan: np.ndarray | None  # the base plan, one quality per 8x8 block (None for strategies without a map)
    metadata: Mapping[str, bytes | None]  # icc_profile, exif: every strategy writes them into the file
    options: Mapping[str, object]  # the codec's declared options, checked, defaults filled in
    quality: float | None = None  # the mean quality asked for (None: the default), for knobs that are one quality
    prefilter_sigma: float | None = None


@dataclass(frozen=True)
class Encoding:
    """What rate control drives: the bytes at a knob, the knob's range, and what it means.

    Without a target the file is ``encode(default)``. ``plan_at(knob)`` is the plan the file was made
    with (None: the knob is one quality for the whole picture). A strategy whose size needs a search
    of its own (JPEG's native quantiser) gives ``search``.
    """

    encode: Callable[[float], bytes]
    low: float
    high: float
    default: float = 0.0
    start: float | None = 0.0
    integer: bool = False
    plan_at: Callable[[float], np.ndarray] | None = None
    search: Callable[[int], RateResult] | None = field(default=None, repr=False)

    def fit(self, target: int) -> RateResult:
        """The largest file that fits ``target`` bytes."""
        if self.search is not None:
            return self.search(target)
        return fit_to_size(self.encode, target, self.low, self.high, start=self.start, integer=self.integer)


def codec_plan(codec: "Codec") -> tuple[str, float, float]:
    """(plan, top quality, bottom quality): the codec's measured plan, else the global defaults."""
    return codec.default_plan or (defaults.PLAN, defaults.ROI_QUALITY, defaults.BG_QUALITY)


@dataclass(frozen=True)
class Strategy:
    """One region strategy.

    ``summary``: one line for the help and `roicodec codecs`. ``applies``: whether a codec can take
    it (default: every codec, through its uniform encoder). ``uses_map``: False for a strategy that
    needs no map and no plan (uniform). ``plan``: the codec's default (plan, top, bottom) under this
    strategy; ``moves``: how rate control moves the plan (by qualities, or JPEG's native by step
    ratios).
    """

    name: str
    summary: str
    prepare: Callable[[Job], Encoding] = field(repr=False)
    applies: Callable[["Codec"], bool] = field(default=lambda codec: True, repr=False)
    uses_map: bool = True
    aliases: tuple[str, ...] = ()
    plan: Callable[["Codec"], tuple[str, float, float]] = field(default=codec_plan, repr=False)
    moves: Callable[["Codec"], Callable[[np.ndarray, float], np.ndarray]] = field(
        default=lambda codec: qmap.shifted, repr=False)


def plan_offsets(job: Job, encode_plan: Callable[[np.ndarray], bytes]) -> Encoding:
    """The encoding of a strategy that encodes a whole plan: the knob is an offset in quality added to
    the plan, wide enough to reach every quality from the plan's lowest and highest blocks."""
    plan = job.plan
    span = qmap.MAX_QUALITY - qmap.MIN_QUALITY
    return Encoding(
        encode=lambda offset: encode_plan(qmap.shifted(plan, offset)),
        low=-float(np.max(plan)) - 1,
        high=span - float(np.min(plan)),
        plan_at=lambda offset: qmap.shifted(plan, offset),
    )


def one_quality(job: Job, rgb: np.ndarray, integer: bool = True) -> Encoding:
    """The encoding of a strategy whose knob is one quality for the whole picture (uniform, prefilter):
    whole qualities, as users set them, unless ``integer`` is False."""

    def encode(quality: float) -> bytes:
        return job.codec.encode(rgb, int(quality) if integer else quality, **job.metadata, options=job.options)

    asked = defaults.QUALITY if job.quality is None else job.quality
    # The default as a whole number, as a user types it (encoders may tell 75 from 75.0).
    return Encoding(encode=encode, low=1, high=100, default=round(asked), start=None, integer=integer)
