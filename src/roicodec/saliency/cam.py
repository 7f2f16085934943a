"""Class activation maps fused over the most probable classes.

For a GAP + linear head the class activation map of class k is ``W[k] . A`` (A: the last feature
maps). Grad-CAM, HiResCAM and XGrad-CAM give the same map for such a head, and a softmax-weighted
fusion of the top-k classes is one weighted sum: ReLU((sum_k p_k W[k]) . A). So the default map
needs one forward pass and no gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import OptionError
from .backbones import DEFAULT_SHORT_SIDE, Backbone, load_backbone, preprocess
from .classes import imagenet_names


@dataclass(frozen=True)
class ClassScore:
    """One class that drove the map."""

    index: int
    name: str
    probability: float


@dataclass(frozen=True)
class ImportanceMap:
    """An importance map at the image's own size, float32 in [0, 1], and what produced it."""

    values: np.ndarray
    classes: tuple[ClassScore, ...]
    method: str
    backbone: str


def upsample_to(small: torch.Tensor, height: int, width: int) -> np.ndarray:
    """Bilinear upsampling of an (h, w) map to the full image (aligned to the whole frame, no crop)."""
    full = F.interpolate(small[None, None], size=(height, width), mode="bilinear", align_corners=False)
    return full[0, 0].numpy()


def normalise(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] as float32; a flat map becomes all ones (everything equally important)."""
    values = values.astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if not np.isfinite(low) or not np.isfinite(high) or high - low < 1e-12:
        return np.ones_like(values, dtype=np.float32)
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32)


def _forward(rgb: np.ndarray, backbone: Backbone, short_side: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Last feature maps (C, h, w) and class probabilities (1000,) of one image."""
    activations = backbone.features(preprocess(rgb, backbone, short_side))
    return activations[0], backbone.classify(activations).softmax(dim=1)[0]


def _result(cam: torch.Tensor, probabilities, indices, rgb: np.ndarray, method: str, backbone: Backbone):
    names = imagenet_names()
    classes = tuple(ClassScore(int(i), names[int(i)], float(probabilities[i])) for i in indices)
    values = normalise(upsample_to(cam, *rgb.shape[:2]))
    return ImportanceMap(values=values, classes=classes, method=method, backbone=backbone.name)


def fused_cam(
    rgb: np.ndarray,
    *,
    backbone: Backbone | None = None,
    top_k: int = 5,
    short_side: int = DEFAULT_SHORT_SIDE,
) -> ImportanceMap:
    """Softmax-weighted CAM of the ``top_k`` most probable ImageNet classes, at the image's size."""
    if not 1 <= top_k <= 1000:
        raise OptionError(f"top-k must be between 1 and 1000, got {top_k}")
    backbone = backbone or load_backbone()
    with torch.inference_mode():
        activations, probabilities = _forward(rgb, backbone, short_side)
        top_probabilities, top_indices = probabilities.topk(top_k)
        fused_weight = top_probabilities @ backbone.classifier_weight[top_indices]  # (C,)
        cam = torch.relu(torch.einsum("c,chw->hw", fused_weight, activations))
        return _result(cam, probabilities, top_indices, rgb, "fused", backbone)


#: MSROI's rule: every class at least this probable takes part (the most probable one always does).
MSROI_THRESHOLD = 0.05


def msroi_cam(
    rgb: np.ndarray,
    *,
    backbone: Backbone | None = None,
    threshold: float = MSROI_THRESHOLD,
    short_side: int = DEFAULT_SHORT_SIDE,
) -> ImportanceMap:
    """MSROI-style multi-class map: the plain sum of the CAMs of every class above ``threshold``.

    Unlike :func:`fused_cam` the classes are not weighted by their probability, so a second object
    with a lower score gets as much of the map as the first.
    """
    if not 0.0 <= threshold <= 1.0:
        raise OptionError(f"MSROI threshold must be in [0, 1], got {threshold:g}")
    backbone = backbone or load_backbone()
    with torch.inference_mode():
        activations, probabilities = _forward(rgb, backbone, short_side)
        order = torch.argsort(probabilities, descending=True)
        chosen = order[: max(1, int((probabilities >= threshold).sum()))]
        summed_weight = backbone.classifier_weight[chosen].sum(dim=0)
        cam = torch.relu(torch.einsum("c,chw->hw", summed_weight, activations))
        return _result(cam, probabilities, chosen, rgb, "msroi", backbone)
