"""Maps over time: each new map (one per chunk of frames) is blended into the running one, so the
region of interest moves steadily and the quality does not flicker from one map to the next."""

from __future__ import annotations

import numpy as np

from ..errors import OptionError


class TemporalSmoother:
    """``add(map)`` -> the smoothed map: the first as is, then ``smoothing x old + (1 - smoothing) x new``."""

    def __init__(self, smoothing: float = 0.5):
        if not 0.0 <= smoothing < 1.0:
            raise OptionError(f"--smoothing must be in [0, 1), got {smoothing:g}")
        self.smoothing = smoothing
        self.current: np.ndarray | None = None
        self.count = 0

    def add(self, fresh: np.ndarray) -> np.ndarray:
        fresh = fresh.astype(np.float32)
        self.count += 1
        if self.current is None or self.current.shape != fresh.shape:
            self.current = fresh
        else:
            self.current = self.smoothing * self.current + (1.0 - self.smoothing) * fresh
        return self.current
