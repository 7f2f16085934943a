"""Erasing refinement (adversarial erasing, as in ACoL and Hide-and-Seek): a classifier's map
covers the most discriminative part of an object (a dog's head); hide that part from the network
and the map of the same classes moves to the rest of the object. N rounds, merged by maximum.

The erasing happens in the input: the hot region is set to the network's mean colour (zero after
normalisation), and what was erased stays erased in later rounds.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ..errors import OptionError

#: A pixel is "found" when its map is at least this fraction of the peak (ACoL's delta).
ERASE_THRESHOLD = 0.6
MAX_ROUNDS = 5


def _peak_one(values: torch.Tensor) -> torch.Tensor:
    return values / values.max().clamp_min(1e-12)


def erase_refine(map_of: Callable[[torch.Tensor], torch.Tensor], batch: torch.Tensor, rounds: int,
                 threshold: float = ERASE_THRESHOLD) -> torch.Tensor:
    """``map_of(batch)`` -> (h, w) map; returns the max-merge of it over ``rounds`` erasing rounds."""
    if not 0 <= rounds <= MAX_ROUNDS:
        raise OptionError(f"--erase takes 0 to {MAX_ROUNDS} rounds, got {rounds}")
    merged = _peak_one(map_of(batch))
    current = merged
    erased = batch.clone()
    for _ in range(rounds):
        found = F.interpolate(current[None, None], size=batch.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
        erased[:, :, found >= threshold] = 0.0
        current = _peak_one(map_of(erased))
        merged = torch.maximum(merged, F.interpolate(current[None, None], size=merged.shape, mode="bilinear",
                                                     align_corners=False)[0, 0])
    return merged
