"""Uniform: the codec alone, one quality for the whole picture; the anchor every region strategy is
measured against. No map is made for it."""

from __future__ import annotations

from .base import Encoding, Job, Strategy, one_quality
from .registry import register


def prepare(job: Job) -> Encoding:
    return one_quality(job, job.rgb)


UNIFORM = register(Strategy(
    name="uniform", summary="the codec alone, one quality for the whole picture", prepare=prepare, uses_map=False))
