"""Image -> importance map: where a viewer looks, as a float32 (H, W) map in [0, 1]."""

from __future__ import annotations

from ..maps import ClassScore, ImportanceMap
from ..options import MapOptions, map_options
from .backbones import (BACKBONES, DEFAULT_BACKBONE, DEFAULT_SHORT_SIDE, EMBEDDED_BACKBONES, NAMED_BACKBONES,
                        Backbone, load_backbone)
from .classes import GROUPS, parse_classes
from .importance import (MAP_METHODS, NETWORK_FREE_METHODS, TRAINED_METHODS, check_map_options, importance_map,
                         working_importance_map)

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
