"""Multi-class fusion: several classes' maps -> one map.

``weighted`` (the default): ReLU(sum_c p_c M_c), p the softmax probabilities, so the likely
classes dominate and the negative evidence of one class can cancel another's (for CAM on a
GAP + linear head this is one weighted sum of feature maps).
``threshold`` (the study's formula): M = ReLU(sum_c p_c ReLU(M_c - alpha) - beta) with each M_c
first scaled to a peak of 1 and the weights to a sum of 1, so alpha drops each class's weak
evidence and beta the fused map's floor; both are fractions of a peak.
"""

from __future__ import annotations

import torch

from ..errors import OptionError

FUSIONS = ("weighted", "threshold")


def fuse(maps: torch.Tensor, weights: torch.Tensor, *, fusion: str = "weighted", alpha: float = 0.0,
         beta: float = 0.0) -> torch.Tensor:
    """(K, h, w) class maps and (K,) weights -> one (h, w) map, non-negative."""
    if fusion not in FUSIONS:
        raise OptionError(f"unknown fusion {fusion!r}; available: {', '.join(FUSIONS)}")
    weights = weights.to(maps.dtype)
    if fusion == "weighted":
        return torch.relu(torch.einsum("k,khw->hw", weights, maps))
    if not 0.0 <= alpha < 1.0 or not 0.0 <= beta < 1.0:
        raise OptionError(f"alpha and beta are fractions of a peak in [0, 1), got {alpha:g} and {beta:g}")
    peaks = maps.flatten(1).amax(dim=1).clamp_min(1e-12)[:, None, None]
    per_class = torch.relu(maps / peaks - alpha)
    shares = weights / weights.sum().clamp_min(1e-12)
    return torch.relu(torch.einsum("k,khw->hw", shares, per_class) - beta)
