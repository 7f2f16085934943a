"""A heatmap of the importance map over the photo, for people to judge a map by eye."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def overlay_png(rgb: np.ndarray, importance: np.ndarray, opacity: float = 0.55, colormap: str = "inferno") -> bytes:
    """PNG bytes: the photo blended with a perceptually uniform colormap of the map."""
    from matplotlib import colormaps

    heat = colormaps[colormap](np.clip(importance, 0.0, 1.0))[..., :3] * 255.0
    blended = (1.0 - opacity) * rgb.astype(np.float64) + opacity * heat
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(blended), 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()
