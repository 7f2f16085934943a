"""A trained classifier file read as a backbone: what ``--model FILE`` gives the maps.

The file (written by ``roicodec train-classifier``, training/model_file.py) is a plain dict of
tensors, lists and strings, read with ``torch.load(weights_only=True)`` (no pickled code runs):
which embedded backbone, the class names, the head's kind and weights (heads.py), and the
fine-tuned blocks' weights when there are any. The ImageNet weights themselves are not in it: they
come from the embedded package, as for every map. Reading lives here, beside the other backbones,
so that the maps do not depend on the training code.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import nn

from ..errors import InputError
from .backbones import EMBEDDED_BACKBONES, EMBEDDED_MEAN, EMBEDDED_STD, Backbone, EfficientNetFeatures, embedded_network, freeze
from .heads import make_head, prediction_logits

FORMAT = "roicodec-classifier"
VERSION = 1


class Tail(nn.Module):
    """The remaining blocks and the head convolution: trunk output -> feature maps."""

    def __init__(self, model: nn.Module, fine_tune: int):
        super().__init__()
        self.start = len(model._blocks) - fine_tune
        self.blocks = nn.ModuleList(model._blocks[self.start :])
        self.conv_head, self.bn1, self.swish = model._conv_head, model._bn1, model._swish
        self.drop_connect = model._global_params.drop_connect_rate or 0.0
        self.total = len(model._blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for offset, block in enumerate(self.blocks):
            rate = self.drop_connect * (self.start + offset) / self.total
            x = block(x, drop_connect_rate=rate)
        return self.swish(self.bn1(self.conv_head(x)))

    def tunable_state(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.state_dict().items()}



class TrainedNetwork(nn.Module):
    """Embedded features -> the trained head's logits (ACoL: the mean of its two classifiers)."""

    def __init__(self, model: nn.Module, head: nn.Module):
        super().__init__()
        self.features = EfficientNetFeatures(model)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return prediction_logits(self.head(self.features(x)))


def read_model(path: str | Path) -> dict:
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: model file not found (train one with: roicodec train-classifier DATA_DIR -o {source.name})")
    try:
        content = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as error:  # not a torch file, truncated, or pickled code we refuse to run
        raise InputError(f"{source}: not a roicodec model file ({type(error).__name__})") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise InputError(f"{source}: not a roicodec model file (train one with roicodec train-classifier)")
    if content.get("version") != VERSION or content.get("backbone") not in EMBEDDED_BACKBONES:
        raise InputError(f"{source}: model file version {content.get('version')} / backbone "
                         f"{content.get('backbone')!r} is not one this roicodec reads")
    return content


def load_trained_backbone(path: str | Path) -> Backbone:
    """The backbone that a trained model file describes, loaded once per file version."""
    source = Path(path).resolve()
    stamp = source.stat().st_mtime_ns if source.is_file() else 0
    return _load(str(source), stamp)


@functools.lru_cache(maxsize=8)
def _load(path: str, _stamp: int) -> Backbone:
    content = read_model(path)
    model = embedded_network(content["backbone"])
    classes = tuple(content["classes"])
    head = make_head(content["head"], model._conv_head.out_channels, len(classes), content["threshold"])
    try:
        if content["fine_tune"]:
            Tail(model, content["fine_tune"]).load_state_dict(content["tail_state"])
        head.load_state_dict(content["head_state"])
    except (RuntimeError, KeyError) as error:
        raise InputError(f"{path}: damaged model file ({str(error).splitlines()[0][:120]})") from None
    network = freeze(TrainedNetwork(model, head))
    linear = content["head"] == "linear"
    return Backbone(f"{content['backbone']}:{Path(path).name}", network, network.features, EMBEDDED_MEAN,
                    EMBEDDED_STD, head=(head.fc.weight.detach(), head.fc.bias.detach()) if linear else None,
                    fc_layer=head.fc if linear else None, class_names=classes,
                    acol=None if linear else head)
