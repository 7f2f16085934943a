"""Native: the encoder's own per-block quantiser takes the plan (JPEG's adaptive RDO quantiser,
WebP's VP8 segments, HEVC's per-block QP offsets). The codec declares it (``Codec.native``); this
module only turns it into a strategy."""

from __future__ import annotations

from .. import qmap
from .base import Encoding, Job, Strategy, codec_plan, plan_offsets
from .registry import register


def prepare(job: Job) -> Encoding:
    native = job.codec.native
    if native.encoding is not None:  # a coding with a rate control of its own
        return native.encoding(job)
    return plan_offsets(job, lambda plan: native.encode(job.rgb, plan, **job.metadata, **job.options))


NATIVE = register(Strategy(
    name="native", summary="the encoder's own per-block quantiser (JPEG: the adaptive RDO quantiser)",
    prepare=prepare, applies=lambda codec: codec.native is not None, aliases=("adaptive",),
    plan=lambda codec: codec.native.default_plan or codec_plan(codec),
    moves=lambda codec: qmap.step_shifted if codec.native.moves_by_steps else qmap.shifted,
))
