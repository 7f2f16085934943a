"""The entry point of the maps: the size a map is made at, and which engine makes it.

The head methods of the embedded backbones (the default map among them) run through ONNX Runtime
(onnx_map.py) when it is installed and its cache can be written, so the default path never imports
torch; every other map, and those when ONNX cannot be used, is torch's (importance.py). Both make the
same map (tests hold them within 1e-4 a pixel). ``ROICODEC_MAP_ENGINE=torch`` forces torch.
"""

from __future__ import annotations

import os

import numpy as np

from ..imageio import rgb_pixels
from ..maps import ImportanceMap
from ..options import MapOptions, map_options

#: Maps of larger pictures are made on a copy scaled down to this many pixels, then resized: every
#: cue already works at a fraction of this (the network at a 224 px short side, GrabCut at 160 px,
#: BlazeFace at 128-192 px per tile), and a full-size pass cost about 50 bytes a pixel (9000x9000:
#: 4.4 GB and 80 s; here, for 100 megapixels, 1.4 s; BENCHMARKS.md, memory).
MAP_WORK_PIXELS = 2_100_000
#: "auto" (ONNX where it can), or "torch".
ENGINES = ("auto", "torch")


def importance_map(image, options: MapOptions | None = None, **changes) -> ImportanceMap:
    """The importance map of an image: float32 (H, W) in [0, 1] at the image's size.

    ``image``: an RGB uint8 array, a :class:`LoadedImage`, or anything :func:`load_image` reads (a
    path, bytes, a PIL image). ``importance_map(image)`` gives the default;
    ``importance_map(image, method="gradcam", classes="dog")`` or ``importance_map(image, MapOptions(...))``
    anything else.
    """
    rgb = rgb_pixels(image)
    height, width = rgb.shape[:2]
    return working_importance_map(rgb, options, **changes).resized(height, width)


def work_size(height: int, width: int) -> tuple[int, int]:
    """The size a map is made at: the picture's own, or, above MAP_WORK_PIXELS, a copy scaled down to it."""
    if height * width <= MAP_WORK_PIXELS:
        return height, width
    scale = (MAP_WORK_PIXELS / (height * width)) ** 0.5
    return max(1, round(height * scale)), max(1, round(width * scale))


def working_importance_map(image, options: MapOptions | None = None, **changes) -> ImportanceMap:
    """:func:`importance_map` at :func:`work_size`, not yet resized to the picture (the pipeline plans
    from it and builds the full-size map once the file is written)."""
    rgb = rgb_pixels(image)
    options = map_options(options, **changes)
    height, width = rgb.shape[:2]
    small = work_size(height, width)
    if small != (height, width):
        import cv2

        rgb = cv2.resize(np.ascontiguousarray(rgb), (small[1], small[0]), interpolation=cv2.INTER_AREA)
    return map_at_own_size(rgb, options)


def map_at_own_size(rgb: np.ndarray, options: MapOptions) -> ImportanceMap:
    """The map of ``rgb`` at its own size, by the engine that can make it fastest."""
    engine = os.environ.get("ROICODEC_MAP_ENGINE", "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        from ..errors import OptionError

        raise OptionError(f"ROICODEC_MAP_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "auto":
        from .onnx_map import onnx_map, takes

        if takes(options):
            from .onnx_backbone import onnx_backbone

            backbone = onnx_backbone(options.backbone)
            if backbone is not None:
                return onnx_map(rgb, options, backbone)
    from .importance import torch_map

    return torch_map(rgb, options)
