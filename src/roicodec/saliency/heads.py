"""Classifier heads on the backbone's last feature maps, both readable as class activation maps.

``linear``: global average pooling + one linear layer, the CAM head: a class's map is its weights
dotted with the feature maps.

``acol``: adversarial complementary learning (Zhang et al., CVPR 2018). Two classifiers share the
features; classifier A's map for the true class is normalised, the feature positions where it
passes ``threshold`` are erased, and classifier B learns from what is left, so it must find the
object's other parts. Both train with cross-entropy; the object's map is the maximum of the two.
Written here because no maintained package ships ACoL as a reusable head.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import defaults

HEADS = ("linear", "acol")
#: ACoL's erasing threshold on A's normalised map (defaults.py).
ACOL_THRESHOLD = defaults.ACOL_THRESHOLD


class LinearHead(nn.Module):
    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.fc = nn.Linear(channels, classes)

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        return (self.fc(features.mean(dim=(2, 3))),)

    def class_maps(self, features: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) features -> (len(indices), h, w) maps of the first image."""
        return torch.einsum("kc,chw->khw", self.fc.weight[indices], features[0])


def _peak_normalised(maps: torch.Tensor) -> torch.Tensor:
    """Per map: negative parts to 0, then divided by its maximum (an all-zero map stays zero)."""
    positive = torch.relu(maps)
    peak = positive.flatten(1).max(dim=1).values.clamp_min(1e-8)
    return positive / peak.view(-1, *([1] * (maps.dim() - 1)))


class ACoLHead(nn.Module):
    def __init__(self, channels: int, classes: int, threshold: float = ACOL_THRESHOLD):
        super().__init__()
        self.a = nn.Conv2d(channels, classes, kernel_size=1)
        self.b = nn.Conv2d(channels, classes, kernel_size=1)
        self.threshold = threshold

    def _erased(self, features: torch.Tensor, maps_a: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        chosen = maps_a[torch.arange(len(classes)), classes]  # (N, h, w)
        keep = (_peak_normalised(chosen) < self.threshold).to(features.dtype)
        return features * keep.unsqueeze(1)

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        """Logits of A and of B; B sees the features erased where A's map of the true class (at
        training) or of A's prediction (at inference) is strong."""
        maps_a = self.a(features)
        logits_a = maps_a.mean(dim=(2, 3))
        classes = labels if labels is not None else logits_a.argmax(dim=1)
        logits_b = self.b(self._erased(features, maps_a, classes)).mean(dim=(2, 3))
        return logits_a, logits_b

    def class_maps(self, features: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """ACoL's fused maps, max(A, B) after each is peak-normalised, for each class index."""
        single = features[:1]
        maps_a = self.a(single)[0]  # (K, h, w)
        fused = []
        for index in indices.tolist():
            erased = self._erased(single, maps_a.unsqueeze(0), torch.tensor([index]))
            map_b = self.b(erased)[0, index]
            fused.append(torch.maximum(_peak_normalised(maps_a[index : index + 1]),
                                       _peak_normalised(map_b.unsqueeze(0)))[0])
        return torch.stack(fused)


def make_head(kind: str, channels: int, classes: int, threshold: float = ACOL_THRESHOLD) -> nn.Module:
    if kind == "linear":
        return LinearHead(channels, classes)
    if kind == "acol":
        return ACoLHead(channels, classes, threshold)
    raise ValueError(f"unknown head {kind!r}; available: {', '.join(HEADS)}")


def prediction_logits(outputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """One set of logits from a head's outputs: ACoL averages its two classifiers."""
    return torch.stack(outputs).mean(dim=0)
