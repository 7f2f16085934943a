"""The embedded backbone cut in two for training: a frozen trunk, run once per image and cached,
and a tunable tail (the last ``fine_tune`` blocks and the head convolution) that trains with the
new head. With ``fine_tune=0`` everything up to the feature maps is frozen and cached, so an epoch
costs only the head: minutes on a CPU for a few hundred images.

The split repeats EfficientNet-Lite's ``extract_features`` loop by hand because the package offers
no way to run part of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..errors import OptionError
from ..saliency.trained import Tail
from .dataset import load_rgb

#: Training input: the picture resized to this square (nothing cropped away, so an object near an
#: edge is still in view).
INPUT_SIDE = 224
BATCH = 16


class Trunk(nn.Module):
    """Stem and the first ``len(blocks) - fine_tune`` blocks."""

    def __init__(self, model: nn.Module, fine_tune: int):
        super().__init__()
        self.model, self.stop = model, len(model._blocks) - fine_tune

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        model = self.model
        x = model._swish(model._bn0(model._conv_stem(x)))
        for block in model._blocks[: self.stop]:
            x = block(x)
        return x


def split_backbone(model: nn.Module, fine_tune: int) -> tuple[Trunk, Tail]:
    blocks = len(model._blocks)
    if not 0 <= fine_tune <= blocks:
        raise OptionError(f"--fine-tune takes 0 to {blocks} blocks for this backbone, got {fine_tune}")
    return Trunk(model, fine_tune).eval(), Tail(model, fine_tune).eval()


def to_input(rgb: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    resized = np.asarray(Image.fromarray(rgb).resize((INPUT_SIDE, INPUT_SIDE), Image.Resampling.BICUBIC),
                         dtype=np.float32) / 255.0
    tensor = torch.from_numpy(resized).permute(2, 0, 1)
    return (tensor - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def cached_trunk_outputs(trunk: Trunk, paths: Sequence[Path], mean, std, *, flips: bool = True,
                         progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """Trunk outputs for every image (and, with ``flips``, its mirror image after it: a free
    augmentation), as float16 to halve the memory: (N or 2N, C, h, w)."""
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(paths), BATCH):
            batch = torch.stack([to_input(load_rgb(p), mean, std) for p in paths[start : start + BATCH]])
            if flips:
                batch = torch.stack([batch, batch.flip(-1)], dim=1).flatten(0, 1)
            outputs.append(trunk(batch).to(torch.float16))
            if progress:
                progress(min(start + BATCH, len(paths)), len(paths))
    return torch.cat(outputs)
