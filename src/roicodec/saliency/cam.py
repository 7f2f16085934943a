"""Class activation maps read straight off a GAP + linear head.

For a global-average-pooling + linear head the class activation map of class k is ``W[k] . A``
(A: the last feature maps). That is CAM's definition and one einsum, so it is written here rather
than taken from a library, whose hooks would add nothing. Grad-CAM, HiResCAM and XGrad-CAM give the
same map for such a head (tests check it against pytorch-grad-cam), which makes the default map one
forward pass with no gradients.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import OptionError
from .backbones import Backbone


def upsample(small: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear upsampling of (..., h, w) maps, aligned to the whole frame (no crop)."""
    shape = small.shape
    flat = small.reshape(-1, 1, *shape[-2:]).float()
    full = F.interpolate(flat, size=(height, width), mode="bilinear", align_corners=False)
    return full.reshape(*shape[:-2], height, width)


def upsample_to(small: torch.Tensor, height: int, width: int) -> np.ndarray:
    """An (h, w) map at the full image size, as a numpy array."""
    return upsample(small, height, width).numpy()


def require_head(backbone: Backbone) -> None:
    """Stop with a clear message where CAM is undefined (no GAP + linear head after the target layer)."""
    if backbone.head is None:
        raise OptionError(
            f"cam needs a network whose target layer feeds global average pooling and one linear layer; "
            f"{backbone.name} with this target layer has none: use gradcam"
        )


def head_class_maps(backbone: Backbone, activations: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """CAM of each class in ``indices``: (K, h, w) from (1, C, h, w) target-layer maps."""
    require_head(backbone)
    weight, _ = backbone.head
    return torch.einsum("kc,chw->khw", weight[indices], activations[0])
