"""The importance map: the value every stage after the network passes on (the plan, the report, the
studio, the evaluation). Kept apart from the networks that make it, and free of torch, so that the
stages that only read a map never load them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import resample


@dataclass(frozen=True)
class ClassScore:
    """One class that drove the map."""

    index: int
    name: str
    probability: float


@dataclass(frozen=True)
class ImportanceMap:
    """An importance map at the image's own size, float32 in [0, 1], and what produced it.

    ``suppressed`` marks the pixels of classes the user asked to let go (``--suppress``): the plan
    gives them the lowest quality, or a flat fill.
    """

    values: np.ndarray
    classes: tuple[ClassScore, ...]
    method: str
    backbone: str
    suppressed: np.ndarray | None = None
    #: Each cue's share of the map's mass, for maps made of several (the subject map): (("people", 0.41), ...).
    cues: tuple[tuple[str, float], ...] = ()

    def resized(self, height: int, width: int) -> "ImportanceMap":
        """This map at another size (bilinear; a suppressed region where its resized share reaches
        one half); itself when the size is already right."""
        if self.values.shape == (height, width):
            return self
        suppressed = None
        if self.suppressed is not None:
            suppressed = resample.bilinear(self.suppressed.astype(np.float32), height, width) >= 0.5
        return replace(self, values=resample.bilinear(self.values, height, width), suppressed=suppressed)

    def __repr__(self) -> str:  # the values are an image-sized array: say what they are, not all of them
        height, width = self.values.shape
        classes = ", ".join(c.name for c in self.classes[:3])
        return (f"ImportanceMap({width}x{height}, method={self.method!r}, backbone={self.backbone!r}, "
                f"classes=[{classes}{', ...' if len(self.classes) > 3 else ''}])")


def normalise(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] as float32; a flat map becomes all ones (everything equally important)."""
    values = values.astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if not np.isfinite(low) or not np.isfinite(high) or high - low < 1e-12:
        return np.ones_like(values, dtype=np.float32)
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32)
