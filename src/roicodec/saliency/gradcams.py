"""The CAM family on the embedded backbones: torchcam's extractors, plus Eigen-CAM, HiResCAM and
Ablation-CAM, which torchcam lacks (pytorch-grad-cam has them but imports torchvision, which does
not install beside this project's torch; see DESIGN.md).

Every class-specific method is fused over the top-k classes the same way as the default map:
ReLU(sum_k p_k CAM_k) with p the softmax probabilities, then upsampled over the whole frame and
normalised. For a GAP + linear head, CAM, Grad-CAM and HiResCAM give the same map up to scale
(the tests check it); the others differ.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..errors import OptionError
from .backbones import DEFAULT_SHORT_SIDE, Backbone, load_backbone, preprocess
from .cam import ImportanceMap, _result

TORCHCAM_METHODS = {
    "cam": "CAM",
    "gradcam": "GradCAM",
    "gradcam++": "GradCAMpp",
    "xgradcam": "XGradCAM",
    "layercam": "LayerCAM",
    "scorecam": "ScoreCAM",
}
GRADIENT_METHODS = ("gradcam", "gradcam++", "xgradcam", "layercam")  # one backward pass per class
OWN_METHODS = ("hirescam", "ablationcam", "eigencam")
#: Score-CAM runs one forward pass per feature channel (1280 here) and class: batch them.
SCORECAM_BATCH = 64


class _Features(nn.Module):
    """The backbone's last feature maps as one module, so extractors can hook its output."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.net = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.extract_features(x)


class _Classifier(nn.Module):
    """features -> global average pooling -> ``fc``: a model whose feature maps torchcam can hook."""

    def __init__(self, backbone: Backbone):
        super().__init__()
        self.features = _Features(backbone.model)
        self.fc = backbone.model._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))


@functools.lru_cache(maxsize=None)
def _classifier(backbone: Backbone) -> _Classifier:
    return _Classifier(backbone).eval()


def _top_classes(scores: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    probabilities = scores.detach().softmax(dim=1)[0]
    top_p, top_i = probabilities.topk(top_k)
    return probabilities, top_p, top_i


def _torchcam(method: str, rgb: np.ndarray, backbone: Backbone, top_k: int, short_side: int) -> ImportanceMap:
    import torchcam.methods as extractors

    classifier = _classifier(backbone)
    batch = preprocess(rgb, backbone, short_side).requires_grad_(True)
    options = {"target_layer": "features", "input_shape": tuple(batch.shape[1:])}
    if method == "cam":
        options["fc_layer"] = classifier.fc  # by object: it is also registered inside the backbone
    if method == "scorecam":
        options["batch_size"] = SCORECAM_BATCH
    with getattr(extractors, TORCHCAM_METHODS[method])(classifier, **options) as extractor:
        with torch.enable_grad():
            scores = classifier(batch)
            probabilities, top_p, top_i = _top_classes(scores, top_k)
            backward = {"retain_graph": True} if method in GRADIENT_METHODS else {}
            cams = [extractor(int(c), scores, normalized=False, **backward)[0][0].detach() for c in top_i]
    fused = torch.relu(sum(p * cam for p, cam in zip(top_p, cams)))
    return _result(fused, probabilities, top_i, rgb, method, backbone)


def _per_class(rgb: np.ndarray, backbone: Backbone, top_k: int, short_side: int,
               class_map: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor], method: str) -> ImportanceMap:
    """Fuse a hand-written per-class map over the top-k classes."""
    with torch.enable_grad():
        activations = backbone.features(preprocess(rgb, backbone, short_side)).detach().requires_grad_(True)
        scores = backbone.classify(activations)
        probabilities, top_p, top_i = _top_classes(scores, top_k)
        fused = torch.relu(sum(p * class_map(activations, scores, int(c)) for p, c in zip(top_p, top_i)))
    return _result(fused.detach(), probabilities, top_i, rgb, method, backbone)


def _hirescam(activations: torch.Tensor, scores: torch.Tensor, c: int) -> torch.Tensor:
    """HiResCAM: the gradient times the activation, element by element, summed over channels."""
    (gradient,) = torch.autograd.grad(scores[0, c], activations, retain_graph=True)
    return (gradient * activations)[0].sum(dim=0)


def _ablationcam(backbone: Backbone) -> Callable:
    def class_map(activations: torch.Tensor, scores: torch.Tensor, c: int) -> torch.Tensor:
        """Ablation-CAM: channel weight = relative drop of the class score when that channel is zeroed.

        The ablation is run for real, all channels at once: each row of a batch zeroes one channel
        and goes through the rest of the network again - here global average pooling and the
        linear head, so the batch holds pooled features (C x C) rather than C copies of the maps.
        """
        with torch.no_grad():
            features = activations.detach()[0]
            pooled = features.mean(dim=(1, 2))
            ablated = pooled.unsqueeze(0).repeat(len(pooled), 1)
            ablated.fill_diagonal_(0.0)
            ablated_scores = ablated @ backbone.classifier_weight[c] + backbone.classifier_bias[c]
            score = scores[0, c].detach()
            weights = (score - ablated_scores) / score.abs().clamp_min(1e-6)
            return torch.einsum("c,chw->hw", weights, features)

    return class_map


def _eigencam(rgb: np.ndarray, backbone: Backbone, short_side: int) -> ImportanceMap:
    """Eigen-CAM: the feature maps projected on their first principal component (class-agnostic)."""
    with torch.inference_mode():
        activations = backbone.features(preprocess(rgb, backbone, short_side))[0]
        probabilities, top_p, top_i = _top_classes(backbone.classify(activations[None]), 1)
        channels, height, width = activations.shape
        samples = activations.reshape(channels, -1).T  # (h*w, C)
        centred = samples - samples.mean(dim=0)
        _, _, right = torch.linalg.svd(centred, full_matrices=False)
        projection = (samples @ right[0]).reshape(height, width)
        if torch.corrcoef(torch.stack([projection.ravel(), samples.mean(dim=1)]))[0, 1] < 0:
            projection = -projection  # the SVD's sign is arbitrary: point it where activation is high
        return _result(torch.relu(projection), probabilities, top_i, rgb, "eigencam", backbone)


def cam_family_map(rgb: np.ndarray, method: str, *, backbone: Backbone | None = None, top_k: int = 5,
                   short_side: int = DEFAULT_SHORT_SIDE) -> ImportanceMap:
    """The named CAM-family map of ``rgb``, at the image's size, in [0, 1]."""
    if not 1 <= top_k <= 1000:
        raise OptionError(f"top-k must be between 1 and 1000, got {top_k}")
    backbone = backbone or load_backbone()
    if method in TORCHCAM_METHODS:
        return _torchcam(method, rgb, backbone, top_k, short_side)
    if method == "hirescam":
        return _per_class(rgb, backbone, top_k, short_side, _hirescam, method)
    if method == "ablationcam":
        return _per_class(rgb, backbone, top_k, short_side, _ablationcam(backbone), method)
    if method == "eigencam":
        return _eigencam(rgb, backbone, short_side)
    raise OptionError(f"unknown CAM method {method!r}")
