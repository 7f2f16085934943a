"""Image -> importance map: where a viewer looks, as a float32 (H, W) map in [0, 1]."""

from __future__ import annotations

from ..errors import OptionError
from .backbones import DEFAULT_BACKBONE, DEFAULT_SHORT_SIDE, EMBEDDED_BACKBONES, Backbone, load_backbone
from .cam import ClassScore, ImportanceMap, fused_cam, msroi_cam
from .gradcams import OWN_METHODS, TORCHCAM_METHODS, cam_family_map
from .fusion import PREFIX as ENSEMBLE_PREFIX
from .fusion import mean_of, parse_members

#: Map methods by name; ``ensemble:a+b`` combines them (see fusion.py).
MAP_METHODS = ("fused", "msroi", *TORCHCAM_METHODS, *OWN_METHODS)


def importance_map(rgb, *, method: str = "fused", backbone: str = DEFAULT_BACKBONE, top_k: int = 5,
                   short_side: int = DEFAULT_SHORT_SIDE) -> ImportanceMap:
    """The importance map of an RGB uint8 image with the named method (or ``ensemble:...`` spec)."""
    if method.startswith(ENSEMBLE_PREFIX):
        members = parse_members(method, backbone)
        return mean_of([importance_map(rgb, method=m, backbone=b, top_k=top_k, short_side=short_side)
                        for m, b in members], method)
    if method not in MAP_METHODS:
        raise OptionError(f"unknown map method {method!r}; available: {', '.join(MAP_METHODS)}, "
                          f"or ensemble:a+b (members: method or method@backbone)")
    net = load_backbone(backbone)
    if method == "msroi":
        return msroi_cam(rgb, backbone=net, short_side=short_side)
    if method == "fused":
        return fused_cam(rgb, backbone=net, top_k=top_k, short_side=short_side)
    return cam_family_map(rgb, method, backbone=net, top_k=top_k, short_side=short_side)


__all__ = [
    "Backbone",
    "ClassScore",
    "DEFAULT_BACKBONE",
    "DEFAULT_SHORT_SIDE",
    "EMBEDDED_BACKBONES",
    "ImportanceMap",
    "MAP_METHODS",
    "importance_map",
    "load_backbone",
]
