"""Image -> importance map: where a viewer looks, as a float32 (H, W) map in [0, 1]."""

from .backbones import DEFAULT_BACKBONE, DEFAULT_SHORT_SIDE, Backbone, load_backbone
from .cam import ClassScore, ImportanceMap, fused_cam

MAP_METHODS = ("fused",)


def importance_map(rgb, *, method: str = "fused", backbone: str = DEFAULT_BACKBONE, top_k: int = 5,
                   short_side: int = DEFAULT_SHORT_SIDE) -> ImportanceMap:
    """The importance map of an RGB uint8 image with the named method."""
    from ..errors import OptionError

    if method not in MAP_METHODS:
        raise OptionError(f"unknown map method {method!r}; available: {', '.join(MAP_METHODS)}")
    return fused_cam(rgb, backbone=load_backbone(backbone), top_k=top_k, short_side=short_side)


__all__ = [
    "Backbone",
    "ClassScore",
    "DEFAULT_BACKBONE",
    "DEFAULT_SHORT_SIDE",
    "ImportanceMap",
    "MAP_METHODS",
    "importance_map",
    "load_backbone",
]
