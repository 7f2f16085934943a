"""The IJG quantisation tables and libjpeg's quality scaling.

Written here because jpeglib's ``qf_to_qt`` returned wrong tables when tried (see docs/DESIGN.md) and the
scaling must match what Pillow/libjpeg do, so that "quality 50" means the same thing everywhere.
"""

from __future__ import annotations

import numpy as np

# ITU-T T.81 Annex K, tables K.1 and K.2, in natural (row-major) order.
LUMA_BASE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.int32,
)
CHROMA_BASE = np.array(
    [
        [17, 18, 24, 47, 99, 99, 99, 99],
        [18, 21, 26, 66, 99, 99, 99, 99],
        [24, 26, 56, 99, 99, 99, 99, 99],
        [47, 66, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
    ],
    dtype=np.int32,
)


def quality_scale(quality: float | np.ndarray) -> np.ndarray:
    """libjpeg's ``jpeg_quality_scaling``: quality 1-100 to a percentage of the base table.

    Accepts fractional qualities (the plan is continuous); at integers it equals libjpeg exactly.
    """
    q = np.clip(np.asarray(quality, dtype=np.float64), 1.0, 100.0)
    return np.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q)


def quality_for_scale(scale: float | np.ndarray) -> np.ndarray:
    """Inverse of :func:`quality_scale`: the (fractional) quality whose scale this is, in [1, 100];
    scales below 1 (quality 100 is 0) count as 1."""
    scale = np.maximum(np.asarray(scale, dtype=np.float64), 1.0)
    return np.clip(np.where(scale >= 100.0, 5000.0 / scale, (200.0 - scale) / 2.0), 1.0, 100.0)


def scaled_table(base: np.ndarray, quality: float) -> np.ndarray:
    """The baseline table for a quality (steps clipped to 1..255).

    At integer qualities this is exactly the table libjpeg writes ((base * scale + 50) // 100 with an
    integer scale). Fractional qualities give the tables in between: their entries change one at a
    time as the quality moves, so file size follows quality smoothly instead of in 1-quality jumps.
    """
    scale = float(quality_scale(quality))
    if float(quality).is_integer():
        scale = float(int(scale))  # libjpeg's integer percentage
    return np.clip(np.floor(base * scale / 100.0 + 0.5), 1, 255).astype(np.uint16)


def _zigzag_order() -> np.ndarray:
    """Indices into a flattened 8x8 block, in JPEG zig-zag order."""
    order = sorted(
        ((r, c) for r in range(8) for c in range(8)),
        key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]),
    )
    return np.array([r * 8 + c for r, c in order], dtype=np.intp)


ZIGZAG = _zigzag_order()
