"""Pre-filter: smooth the background in proportion to its unimportance, then one uniform encode.

Any encoder spends fewer bits on smooth areas, so this turns a map into a per-region rate for
codecs that take no spatial map at all. The picture is mixed per pixel between itself and a
Gaussian-blurred copy. The mix follows the quality plan, as every other strategy does: nothing is
blurred where the plan is at its top, everything at its bottom. (Following the raw map instead
blurred part of the subject under a diffuse network map and cost it up to 2 dB; BENCHMARKS.md.)
"""

from __future__ import annotations

import numpy as np

from .base import Encoding, Job, Strategy, one_quality
from .blend import pixel_plan
from .registry import register

#: Blur of the least important pixels (pixels): enough to remove most texture JPEG-like codecs pay
#: for, little enough that the background stays recognisable. Codecs whose default strategy is the
#: prefilter carry their own measured blur (``Codec.prefilter_sigma``).
DEFAULT_SIGMA = 2.5


def keep_weights(block_quality: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) in [0, 1]: 1 where the plan is at its top quality, 0 at its bottom (a flat plan: 1)."""
    quality = pixel_plan(block_quality, height, width)
    kept = block_quality[block_quality > 0]  # cut-out blocks (0) are filled flat anyway
    if kept.size == 0:
        return np.ones((height, width), np.float32)
    low, high = float(np.min(kept)), float(np.max(kept))
    if high - low < 1e-6:
        return np.ones((height, width), np.float32)
    return np.clip((quality - low) / (high - low), 0.0, 1.0).astype(np.float32)


def prefiltered(rgb: np.ndarray, keep: np.ndarray, sigma: float = DEFAULT_SIGMA) -> np.ndarray:
    """``rgb`` with its unimportant regions smoothed; ``keep``: (H, W) in [0, 1], 1 = untouched."""
    if sigma <= 0:
        return rgb
    from scipy import ndimage  # here: its import (0.2 s) is paid only by the prefilter strategy

    pixels = rgb.astype(np.float32)
    blurred = ndimage.gaussian_filter(pixels, sigma=(sigma, sigma, 0))
    weight = np.clip(keep, 0.0, 1.0).astype(np.float32)[..., None]
    mixed = weight * pixels + (1.0 - weight) * blurred
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def prepare(job: Job) -> Encoding:
    height, width = job.rgb.shape[:2]
    codec_sigma = job.codec.prefilter_sigma if job.codec.prefilter_sigma is not None else DEFAULT_SIGMA
    sigma = codec_sigma if job.prefilter_sigma is None else job.prefilter_sigma
    smoothed = prefiltered(job.rgb, keep_weights(job.plan, height, width), sigma)
    # Fractional qualities where the encoder takes them: the size then follows the target closely.
    return one_quality(job, smoothed, integer=job.codec.integer_quality)


PREFILTER = register(Strategy(
    name="prefilter", summary="the background smoothed as the plan says, then one uniform encode", prepare=prepare))
