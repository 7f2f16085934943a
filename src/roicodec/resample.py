"""Bilinear resizing of importance maps, a band of rows at a time.

A map is made at a working size (``saliency.engine.MAP_WORK_PIXELS``) and the picture can be a
hundred times larger. The full-size map costs 4 bytes a pixel, so the pipeline plans from bands of
it and builds the whole only once the file is written; both read the same rows from here, so the
plan is exactly the block means of the map the result carries.

Written by hand because the band form is the point: OpenCV's and torch's resizers take the whole
output at once. The sampling is theirs (half-pixel centres, edges clamped: ``cv2.INTER_LINEAR``,
``torch`` ``align_corners=False``).
"""

from __future__ import annotations

import numpy as np

#: Output pixels per band (8 MB of float32, whatever the width).
BAND_PIXELS = 2_000_000


def _axis(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices (low, high) and the high one's weight for each output position."""
    source = (np.arange(size_out, dtype=np.float64) + 0.5) * (size_in / size_out) - 0.5
    source = np.clip(source, 0.0, size_in - 1)
    low = np.floor(source).astype(np.intp)
    high = np.minimum(low + 1, size_in - 1)
    return low, high, (source - low).astype(np.float32)


def band_rows(height: int, width: int, multiple: int = 1) -> int:
    """Rows per band for an output ``width`` wide: about BAND_PIXELS, a multiple of ``multiple``."""
    rows = max(1, BAND_PIXELS // max(1, width))
    return max(multiple, rows // multiple * multiple)


def bilinear_rows(values: np.ndarray, height: int, width: int, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of ``values`` (h, w) resized to (height, width), float32."""
    values = np.asarray(values, dtype=np.float32)
    low_rows, high_rows, row_weight = _axis(values.shape[0], height)
    low_cols, high_cols, col_weight = _axis(values.shape[1], width)
    low_rows, high_rows, row_weight = low_rows[start:stop], high_rows[start:stop], row_weight[start:stop, None]
    needed = np.unique(np.concatenate([low_rows, high_rows]))
    source_rows = values[needed]
    across = source_rows[:, low_cols] * (1 - col_weight) + source_rows[:, high_cols] * col_weight
    position = np.searchsorted(needed, low_rows), np.searchsorted(needed, high_rows)
    return across[position[0]] * (1 - row_weight) + across[position[1]] * row_weight


def bilinear(values: np.ndarray, height: int, width: int) -> np.ndarray:
    """``values`` (h, w) resized to (height, width), float32; the same array when the size is already right."""
    if values.shape == (height, width):
        return values
    out = np.empty((height, width), dtype=np.float32)
    step = band_rows(height, width)
    for start in range(0, height, step):
        out[start:start + step] = bilinear_rows(values, height, width, start, min(height, start + step))
    return out
