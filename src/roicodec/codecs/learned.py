"""The learned codec: CompressAI's hyperprior models, with the plan as a gain on the latent
(roicodec/learned/). Its files are roicodec's own container (learned/container.py): ``roicodec
decode`` and ``roicodec.decode`` read them, and Pillow does once this module is imported (the codec
registry imports it). torch and CompressAI load when it first encodes or decodes."""

from __future__ import annotations

import numpy as np

from ..learned import pillow_plugin
from ..learned.models import ARCHITECTURES, DEFAULT_ARCHITECTURE, DEFAULT_ZOO_QUALITY
from .base import Codec, CodecOption, Native
from .registry import register

pillow_plugin.register()  # Pillow (and so roicodec's loader, metrics and report) opens these files

OPTIONS = (
    CodecOption("model", DEFAULT_ARCHITECTURE, "the architecture (--learned-model)", choices=tuple(ARCHITECTURES)),
    CodecOption("model_quality", DEFAULT_ZOO_QUALITY,
                "CompressAI's zoo weights of this quality, 1-8 (--learned-quality); ignored with weights"),
    CodecOption("weights", "", "a checkpoint file instead of the zoo's weights (--learned-weights)", reads_file=True),
)


def _model(model: str, model_quality: int, weights: str):
    from ..learned.models import load

    return load(model, int(model_quality), weights or None)


def _encode_uniform(rgb: np.ndarray, quality: float, *, icc_profile=None, exif=None, model=DEFAULT_ARCHITECTURE,
                    model_quality=DEFAULT_ZOO_QUALITY, weights="") -> bytes:
    from ..learned import coder, gain

    levels = gain.uniform_levels(quality, *rgb.shape[:2])
    return coder.encode(_model(model, model_quality, weights), rgb, levels, icc_profile=icc_profile, exif=exif)


def _encode_plan(rgb: np.ndarray, plan: np.ndarray, *, icc_profile=None, exif=None, model=DEFAULT_ARCHITECTURE,
                 model_quality=DEFAULT_ZOO_QUALITY, weights="") -> bytes:
    from ..learned import coder, gain

    levels = gain.plan_levels(plan, *rgb.shape[:2])
    return coder.encode(_model(model, model_quality, weights), rgb, levels, icc_profile=icc_profile, exif=exif)


LEARNED = register(Codec(
    name="learned", label="CompressAI", extensions=(".rlc",),
    knob="a gain on the model's latent, 2^((q - 75) / 25): 75 is the model as trained, every 25 doubles or "
         "halves the quantiser's resolution; native: one gain per 16x16 pixels, from the plan",
    default_strategy="native",
    _encode=_encode_uniform,
    requires=("compressai",), install="compressai (bash scripts/setup.sh installs it)",
    pillow_plugins=(),  # registered above, without loading CompressAI
    native=Native(encode=_encode_plan),
    # 80/65, gains 1.5x apart: with the default map the subject's SSIMULACRA2 at equal size stays above
    # the uniform file's at three rates, where 80/50 and 80/30 lost it (BENCHMARKS.md, learned codec).
    default_plan=("auto", 80.0, 65.0),
    options=OPTIONS,
    mime_type="application/x-roicodec-learned",
))
