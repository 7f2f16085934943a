"""The quality plan as latent gains: what the learned codec's 1-100 scale means.

A quality q stands for a gain of 2 ** ((q - 75) / 25) on the latent: 75 (the default quality) is the
model as trained, every 25 above doubles the quantiser's resolution, every 25 below halves it. Gains
travel in the file as levels, whole 1/32 stops (int8: -128 .. 127), so encoder and decoder compute
the very same float gains. A plan of 8x8 blocks becomes one level per latent position (16x16
pixels): the mean of the 2x2 blocks' log-gains. The fraction between two levels is spread by an
ordered (Bayer) dither, so the file's size moves smoothly with the quality and rate control can
land within a fraction of a per cent of a target.
"""

from __future__ import annotations

import numpy as np

NEUTRAL_QUALITY = 75.0
QUALITY_PER_STOP = 25.0
LEVELS_PER_STOP = 32
#: The latent's stride: one latent position per 16x16 pixels (four stride-2 layers).
LATENT_STRIDE = 16
#: The models' input sides are multiples of 64 (six stride-2 layers down to the hyperprior).
PAD_MULTIPLE = 64
#: A plan's 0 (a flat fill): the coarsest level the file holds (1/16 of the trained resolution).
FLAT_LEVEL = -128


#: Bayer's 4x4 ordered-dither thresholds, in (0, 1).
_BAYER = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16


def _dithered(levels: np.ndarray) -> np.ndarray:
    """Fractional levels (rows, cols) -> whole int8 levels whose local mean keeps the fraction."""
    rows, cols = levels.shape
    thresholds = np.tile(_BAYER, (-(-rows // 4), -(-cols // 4)))[:rows, :cols]
    return np.clip(np.floor(levels + thresholds), -128, 127).astype(np.int8)


def quality_stops(quality: np.ndarray | float) -> np.ndarray:
    """Qualities (1-100; 0 = flat) -> log2 gains."""
    q = np.asarray(quality, dtype=np.float64)
    return np.where(q <= 0, FLAT_LEVEL / LEVELS_PER_STOP, (q - NEUTRAL_QUALITY) / QUALITY_PER_STOP)


def level_to_gain(levels: np.ndarray) -> np.ndarray:
    """int8 levels -> float32 gains, the same on every machine (powers of two of exact fractions)."""
    return np.exp2(np.asarray(levels, dtype=np.float64) / LEVELS_PER_STOP).astype(np.float32)


def latent_shape(height: int, width: int) -> tuple[int, int]:
    """The latent's rows and columns for a picture of this size (padded to PAD_MULTIPLE)."""
    return (-(-height // PAD_MULTIPLE) * PAD_MULTIPLE // LATENT_STRIDE,
            -(-width // PAD_MULTIPLE) * PAD_MULTIPLE // LATENT_STRIDE)


def plan_levels(plan: np.ndarray, height: int, width: int) -> np.ndarray:
    """A plan of 8x8 blocks (1-100, 0 = flat) -> one int8 level per latent position.

    Each latent position covers 2x2 blocks; it takes the mean of their log-gains (a flat block counts
    as the flat level). Positions in the padding repeat the nearest block.
    """
    rows, cols = latent_shape(height, width)
    stops = quality_stops(plan)
    padded = np.pad(stops, ((0, max(0, 2 * rows - stops.shape[0])), (0, max(0, 2 * cols - stops.shape[1]))),
                    mode="edge")[: 2 * rows, : 2 * cols]
    return _dithered(padded.reshape(rows, 2, cols, 2).mean(axis=(1, 3)) * LEVELS_PER_STOP)


def uniform_levels(quality: float, height: int, width: int) -> np.ndarray:
    return _dithered(np.full(latent_shape(height, width), float(quality_stops(quality)) * LEVELS_PER_STOP))
