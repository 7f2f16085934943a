"""Blend (MSROI, Prakash et al.): several uniform encodes, pixels picked by the plan, one final encode.

Two faults of the original are fixed: the plan is aligned to the full image (MSROI resized a centre
crop), and the size compared is that of the final file (the only one a user stores).
"""

from __future__ import annotations

import numpy as np

from .. import resample
from .base import Encoding, Job, Strategy, plan_offsets
from .registry import register

DEFAULT_LEVELS = 5


def pixel_plan(block_quality: np.ndarray, height: int, width: int, block: int = 8) -> np.ndarray:
    """Per-pixel quality: the block plan upsampled bilinearly, so level borders follow the map."""
    rows, cols = block_quality.shape
    return resample.bilinear(np.asarray(block_quality, dtype=np.float32), rows * block, cols * block)[:height, :width]


def level_qualities(block_quality: np.ndarray, levels: int = DEFAULT_LEVELS) -> np.ndarray:
    """The qualities the picture is encoded at: the plan's own values when it has at most ``levels``
    of them (quantile and two-level plans), else ``levels`` qualities spread evenly over its range.

    Fractional, so that rate control, which moves the whole plan, changes every level smoothly; and
    a stepped plan uses its steps, since levels between them would flip whole regions from one
    level to the next at a single offset and make the file size jump.
    """
    clipped = np.clip(block_quality, 1.0, 100.0)
    distinct = np.unique(np.round(clipped, 3))
    if len(distinct) <= levels:
        return distinct
    return np.unique(np.round(np.linspace(float(clipped.min()), float(clipped.max()), levels), 3))


class BlendEncoder:
    """Encodes one picture for many plans (rate control), keeping the decoded levels it has made.

    ``codec``: any codec of the registry; its own decoder makes the levels. ``metadata`` goes into the
    final file only; ``options`` (the codec's) into every encode.
    """

    def __init__(self, rgb: np.ndarray, codec, levels: int = DEFAULT_LEVELS, metadata: dict | None = None,
                 options: dict | None = None):
        self.rgb = rgb
        self.levels = levels
        self.codec = codec
        self.metadata = metadata or {}
        self.options = options or {}
        self._decoded: dict[float, np.ndarray] = {}

    def _encode(self, rgb: np.ndarray, quality: float, **metadata) -> bytes:
        return self.codec.encode(rgb, quality, **metadata, options=self.options)

    def _level_image(self, quality: float) -> np.ndarray:
        if quality not in self._decoded:
            self._decoded[quality] = self.codec.decode(self._encode(self.rgb, quality))
        return self._decoded[quality]

    def composite(self, block_quality: np.ndarray) -> tuple[np.ndarray, float]:
        """The blended picture and the quality of its final encode: the plan's highest value.

        Decoded levels are cached (a plan seen again costs no encode); the final encode takes the
        plan's top, so file size follows the plan smoothly.
        """
        height, width = self.rgb.shape[:2]
        qualities = level_qualities(block_quality, self.levels)
        per_pixel = pixel_plan(block_quality, height, width)
        nearest = np.abs(per_pixel[..., None] - qualities[None, None, :]).argmin(axis=-1)
        out = np.empty_like(self.rgb)
        for index, quality in enumerate(qualities):
            where = nearest == index
            out[where] = self._level_image(float(quality))[where]
        return out, float(np.clip(np.max(block_quality), 1.0, 100.0))

    def encode(self, block_quality: np.ndarray) -> bytes:
        picture, final_quality = self.composite(block_quality)
        if self.codec.integer_quality:
            final_quality = float(np.ceil(final_quality))
        return self._encode(picture, final_quality, **self.metadata)


def prepare(job: Job) -> Encoding:
    return plan_offsets(job, BlendEncoder(job.rgb, job.codec, metadata=dict(job.metadata), options=dict(job.options)).encode)


BLEND = register(Strategy(name="blend", summary="MSROI: uniform encodes mixed per pixel by the plan, then one final encode",
                          prepare=prepare))
