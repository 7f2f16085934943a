"""Image -> importance map: where a viewer looks, as a float32 (H, W) map in [0, 1].

``importance_map`` and ``working_importance_map`` (engine.py) load no network until a map needs
one, and the default maps need no torch (onnx_map.py); the names that live beside torch load it
when first read.
"""

from __future__ import annotations

from ..maps import ClassScore, ImportanceMap
from ..options import MapOptions, map_options
from .engine import importance_map, working_importance_map
from .inputs import BACKBONES, DEFAULT_BACKBONE, DEFAULT_SHORT_SIDE, EMBEDDED_BACKBONES, NAMED_BACKBONES
from .methods import MAP_METHODS, NETWORK_FREE_METHODS, TRAINED_METHODS

#: Public names whose modules import torch: name -> module, imported on first use.
_WITH_TORCH = {
    "Backbone": "backbones", "load_backbone": "backbones", "check_map_options": "importance",
}
#: Torch-free, but read rarely: imported on first use too.
_LATER = {"GROUPS": "classes", "parse_classes": "classes"}


def __getattr__(name: str):
    module = _WITH_TORCH.get(name) or _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "BACKBONES",
    "Backbone",
    "ClassScore",
    "DEFAULT_BACKBONE",
    "DEFAULT_SHORT_SIDE",
    "EMBEDDED_BACKBONES",
    "GROUPS",
    "ImportanceMap",
    "MAP_METHODS",
    "MapOptions",
    "NAMED_BACKBONES",
    "NETWORK_FREE_METHODS",
    "TRAINED_METHODS",
    "check_map_options",
    "importance_map",
    "load_backbone",
    "map_options",
    "parse_classes",
    "working_importance_map",
]
