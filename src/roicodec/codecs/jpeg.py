"""JPEG: Pillow's libjpeg-turbo for uniform encodes; the native strategy is the adaptive per-block
quantiser (adaptive_jpeg.py), whose rate control this module declares."""

from __future__ import annotations

from dataclasses import fields

from .. import defaults, qmap
from ..ratecontrol import DEFAULT_TOLERANCE, fit_to_size
from .adaptive_jpeg import QUANTISERS, TABLES, AdaptiveJpegEncoder, AdaptiveJpegSettings, fine_quality
from .base import Codec, CodecOption, Native
from .jpeg_markers import add_metadata
from .pillow_jpeg import encode_uniform
from .registry import register

#: d log(bytes) / d stop of the adaptive encoder's step shift, before two encodes measure it: 0.29-0.48
#: between the first two encodes on the Kodak images at 22-60 kB (0.7 before, which fell short).
STEP_LOG_SLOPE = 0.45
#: Encodes before the adaptive JPEG's size search holds its table (a jump it cannot cross costs no more).
FIRST_SEARCH_ENCODES = 8
#: A secant step goes this far (in stops) past its guess, about 1 % in size: enough to bracket the
#: target, little enough to land near it (the generic 0.25 is 10 % in stops).
STEP_OVERSHOOT = 0.02
#: A secant step from far away goes this much further: the size flattens towards low rates, so the
#: step falls short (fewer encodes on the Kodak images at 22-60 kB: BENCHMARKS.md, start-up).
STEP_STRETCH = 0.15
#: A bracket this narrow (stops) whose two sizes still straddle the 1 % band holds a jump of the table
#: (about 1 % in size at the plans' slopes): the search holds the table instead of narrowing it further.
JUMP_BRACKET = 0.03

_TUNING = AdaptiveJpegSettings()
OPTIONS = (
    CodecOption("progressive", False, "write a progressive JPEG"),
    CodecOption("lambda_scale", _TUNING.lambda_scale, "native: weight of rate against distortion in each block's choices"),
    CodecOption("quantiser", _TUNING.quantiser, "native: rdo, or requantise (the first prototype)", QUANTISERS),
    CodecOption("tables", _TUNING.tables, "native: the file's tables, jpegli's or libjpeg's (ijg)", TABLES),
    CodecOption("max_fine_quality", _TUNING.max_fine_quality, "native: highest quality of the file's table"),
    CodecOption("low_frequency_weight", _TUNING.low_frequency_weight, "native: weight of the lowest AC coefficients' distortion"),
    CodecOption("chroma_distortion_weight", _TUNING.chroma_distortion_weight, "native: weight of chroma distortion against luma"),
)
assert {option.name for option in OPTIONS} == {f.name for f in fields(AdaptiveJpegSettings)}, "one option per setting"


def _encode(rgb, quality, *, icc_profile=None, exif=None, progressive=False, **native_only) -> bytes:
    return encode_uniform(rgb, quality, progressive=progressive, icc_profile=icc_profile, exif=exif)


def adaptive_encoding(job):
    """The adaptive quantiser as the native strategy: the plan moves by ratios of quantiser steps (its
    contrast is a ratio of steps at any rate), and a target is searched in two stages."""
    from ..strategies.base import Encoding

    settings = AdaptiveJpegSettings(**job.options)
    encoder = AdaptiveJpegEncoder(job.rgb, settings)
    plan, move = job.plan, qmap.step_shifted
    table = {"quality": None}  # None lets the file's table follow the plan

    def encode(stops: float) -> bytes:
        # Metadata inside the loop: the target counts the bytes of the file as written.
        return add_metadata(encoder.encode(move(plan, stops), table["quality"]), **job.metadata)

    def search(target: int):
        span = qmap.STEP_STOPS_SPAN
        fitted = fit_to_size(encode, target, -span, span, start=0.0, initial_slope=STEP_LOG_SLOPE,
                             max_encodes=FIRST_SEARCH_ENCODES, overshoot=STEP_OVERSHOOT, stretch=STEP_STRETCH,
                             min_bracket=JUMP_BRACKET)
        if len(fitted.data) >= target * (1 - DEFAULT_TOLERANCE):
            return fitted
        # The size jumped past the target as a fine table entry changed: search again with the table
        # held where the search ended, where the size follows the plan smoothly. The file there is the
        # same with the table held, so the search starts from it, at the slope measured so far.
        table["quality"] = fine_quality(move(plan, fitted.knob), settings.max_fine_quality)
        again = fit_to_size(encode, target, -span, span, start=fitted.knob, initial_slope=fitted.slope or STEP_LOG_SLOPE,
                            overshoot=STEP_OVERSHOOT, stretch=STEP_STRETCH, known={fitted.knob: fitted.data})
        best = again if len(again.data) > len(fitted.data) else fitted
        return type(fitted)(best.data, best.knob, fitted.encodes + again.encodes, target)

    return Encoding(encode=encode, low=-qmap.STEP_STOPS_SPAN, high=qmap.STEP_STOPS_SPAN,
                    plan_at=lambda stops: move(plan, stops), search=search)


JPEG = register(Codec(
    name="jpeg", label="JPEG", extensions=(".jpg", ".jpeg"),
    knob="libjpeg's quality scale; uniform: Pillow's libjpeg-turbo (IJG tables, fractional between integers); "
         "native (adaptive): jpegli's tables, each block's steps scaled as libjpeg scales quality; 4:2:0, optimised Huffman",
    default_strategy="native", _encode=_encode,
    native=Native(encoding=adaptive_encoding, moves_by_steps=True,
                  # 80 and 60 are libjpeg steps 2x apart (defaults.py says why).
                  default_plan=(defaults.PLAN, defaults.ROI_QUALITY, defaults.ADAPTIVE_BG_QUALITY)),
    options=OPTIONS,
    mime_type="image/jpeg",
    max_side=65500,  # libjpeg's JPEG_MAX_DIMENSION
))
