"""Pre-filter: smooth the background in proportion to its unimportance, then one uniform encode.

Any encoder spends fewer bits on smooth areas, so this turns a map into a per-region rate for
codecs that take no spatial map at all. The picture is mixed per pixel between itself and a
Gaussian-blurred copy: weight 1 - importance on the blurred copy, so the subject stays untouched
and the least important pixels are fully smoothed.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Blur of the least important pixels (pixels): enough to remove most texture JPEG-like codecs pay
#: for, little enough that the background stays recognisable. Codecs whose default strategy is the
#: prefilter carry their own measured blur (``Codec.prefilter_sigma``).
DEFAULT_SIGMA = 2.5


def prefiltered(rgb: np.ndarray, importance: np.ndarray, sigma: float = DEFAULT_SIGMA) -> np.ndarray:
    """``rgb`` with its unimportant regions smoothed; ``importance``: (H, W) in [0, 1]."""
    if sigma <= 0:
        return rgb
    pixels = rgb.astype(np.float32)
    blurred = ndimage.gaussian_filter(pixels, sigma=(sigma, sigma, 0))
    keep = np.clip(importance, 0.0, 1.0).astype(np.float32)[..., None]
    mixed = keep * pixels + (1.0 - keep) * blurred
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
