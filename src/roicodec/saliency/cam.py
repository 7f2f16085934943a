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
    height, width = rgb.shape[:2]
    with torch.inference_mode():
        activations = backbone.features(preprocess(rgb, backbone, short_side))
        probabilities = backbone.classify(activations).softmax(dim=1)[0]
        top_probabilities, top_indices = probabilities.topk(top_k)
        fused_weight = top_probabilities @ backbone.classifier_weight[top_indices]  # (C,)
        cam = torch.relu(torch.einsum("c,chw->hw", fused_weight, activations[0]))
        values = normalise(upsample_to(cam, height, width))
    names = imagenet_names()
    classes = tuple(
        ClassScore(int(i), names[int(i)], float(p)) for p, i in zip(top_probabilities, top_indices)
    )
    return ImportanceMap(values=values, classes=classes, method="fused", backbone=backbone.name)
