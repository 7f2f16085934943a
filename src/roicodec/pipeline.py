"""The whole job for one image: pixels -> importance map -> quality plan -> the bytes of one file, in
any registered codec, through any registered region strategy.

Each stage is a plain function of the previous one's output (see docs/DESIGN.md's data flow); this module
only wires them together, applies the options' rules, and times the stages. It never asks which codec
or strategy it holds: they say what differs (codecs/, strategies/).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import defaults, qmap
from .codecs.base import Codec
from .codecs.registry import get_codec
from .errors import OptionError
from .imageio import LoadedImage, load_image, load_map
from .maps import ImportanceMap
from .options import CompressOptions, compress_options
from .ratecontrol import bpp_to_bytes, parse_size
from .strategies import Job, Strategy, get_strategy

#: Maps that may be masks, for which the "auto" plan looks at the map's shape: a map the caller
#: brings (a file, an array, the subject boxes) and the face detector's.
MASK_SOURCES = ("user", "faces")
FILLS = {"gray": (128, 128, 128), "black": (0, 0, 0), "white": (255, 255, 255)}


@dataclass
class CompressionResult:
    """The encoded file and what it took to make it."""

    data: bytes
    strategy: str
    width: int
    height: int
    plan: np.ndarray | None  # final per-block quality (None for uniform)
    quality: float  # mean quality over the image (uniform: the one quality)
    importance: ImportanceMap | None
    target_bytes: int | None
    encodes: int
    timings: dict[str, float] = field(default_factory=dict)
    codec: str = "jpeg"
    codec_options: dict = field(default_factory=dict)  # the codec's options, as checked (its weights, ...)

    @property
    def size_bytes(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        """The file extension this output takes (".jpg", ".webp", ...; HEVC writes ".heic")."""
        return get_codec(self.codec).extensions[0]

    @property
    def mime_type(self) -> str:
        """The output's media type ("image/jpeg", ...), for a web response."""
        return get_codec(self.codec).mime_type

    def save(self, path) -> Path:
        """Write the file atomically (all or nothing; parent folders created); returns the path."""
        from .imageio import write_atomic

        return write_atomic(path, self.data)

    @property
    def method(self) -> str:
        """The strategy, under its older name."""
        return self.strategy

    def __repr__(self) -> str:  # the bytes and the plan are large: say what they are
        return (f"CompressionResult({self.codec} {self.strategy}, {self.width}x{self.height}, "
                f"{self.size_bytes} bytes, {self.bpp:.3f} bpp, mean quality {self.quality:.1f}, "
                f"{self.encodes} encode{'s' if self.encodes != 1 else ''})")

    @property
    def bpp(self) -> float:
        return len(self.data) * 8.0 / (self.width * self.height)


def parse_fill(text: str, rgb: np.ndarray) -> tuple[int, int, int]:
    """'gray', 'black', 'white', 'mean' (the image's mean colour) or '#rrggbb'."""
    name = text.strip().lower()
    if name in FILLS:
        return FILLS[name]
    if name == "mean":
        return tuple(int(v) for v in np.rint(rgb.reshape(-1, 3).mean(axis=0)))
    if name.startswith("#") and len(name) == 7:
        try:
            return tuple(int(name[i : i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            pass
    raise OptionError(f"unknown fill {text!r}; use gray, black, white, mean or #rrggbb")


def target_bytes(quality, target_size, target_bpp, height: int, width: int) -> int | None:
    """The byte target of these options for a picture of this size (None: a quality instead), or
    OptionError for a conflict or a target of the wrong form."""
    if (target_size is not None or target_bpp is not None) and quality is not None:
        raise OptionError("give either a quality or a target size/bpp, not both")
    if target_size is not None and target_bpp is not None:
        raise OptionError("give either a target size or a target bpp, not both")
    if target_size is not None:
        return parse_size(target_size) if isinstance(target_size, str) else int(target_size)
    if target_bpp is not None:
        return bpp_to_bytes(float(target_bpp), height, width)
    return None


def _as_importance(importance, rgb: np.ndarray) -> ImportanceMap | None:
    if importance is None or isinstance(importance, ImportanceMap):
        return importance
    values = load_map(importance, rgb.shape[:2])
    return ImportanceMap(values=values, classes=(), method="user", backbone="")


def resolve(options: CompressOptions) -> tuple[Codec, Strategy, dict]:
    """The codec, the strategy and the codec's options these options name, checked; OptionError for
    an unknown name, a strategy the codec does not take, or a quality out of range."""
    codec = options.codec if isinstance(options.codec, Codec) else get_codec(options.codec)
    codec.check_available()
    strategy = get_strategy(options.strategy or codec.default_strategy)
    if not strategy.applies(codec):
        raise OptionError(f"{codec.label} has no {strategy.name!r} strategy; it takes {', '.join(codec.strategies)}")
    if options.quality is not None and not 1 <= options.quality <= 100:
        raise OptionError(f"quality must be between 1 and 100, got {options.quality:g}")
    return codec, strategy, codec.check_options(options.codec_options)


def compress(image, options: CompressOptions | None = None, *, importance=None, **changes) -> CompressionResult:
    """Compress one image to a standard file that spends its bits where the importance map is hot.

    ``image``: a path, bytes, PIL image, numpy array or :class:`LoadedImage`. ``options``: a
    :class:`CompressOptions`; keywords change single fields (``compress(image, codec="webp",
    target_size="40KB")``). ``importance``: None (a network's map, as ``options.map`` says), an
    :class:`ImportanceMap`, an (H, W) array in [0, 1] or a map image path.
    """
    options = compress_options(options, **changes)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    loaded = image if isinstance(image, LoadedImage) else load_image(image, background=options.background)
    rgb = loaded.pixels
    height, width = rgb.shape[:2]
    timings["load"] = time.perf_counter() - started
    codec, strategy, codec_options = resolve(options)
    codec.check_size(height, width)
    target = target_bytes(options.quality, options.target_size, options.target_bpp, height, width)
    metadata = {"icc_profile": loaded.icc_profile, "exif": loaded.exif}

    plan = None
    if strategy.uses_map:
        step = time.perf_counter()
        importance = _as_importance(importance, rgb)
        if importance is None:
            from .saliency import working_importance_map  # here: a map brought along loads no network

            # At its working size: the full-size map (4 bytes a pixel) is built after the file is written.
            importance = working_importance_map(rgb, options.map)
        timings["map"] = time.perf_counter() - step
        step = time.perf_counter()
        plan, rgb = _plan(rgb, importance, options, target, codec, strategy)
        timings["plan"] = time.perf_counter() - step
    else:
        importance = None

    step = time.perf_counter()
    encoding = strategy.prepare(Job(codec=codec, rgb=rgb, plan=plan, metadata=metadata, options=codec_options,
                                    quality=options.quality, prefilter_sigma=options.prefilter_sigma))
    if target is None:
        knob, encodes = encoding.default, 1
        data = encoding.encode(knob)
    else:
        fitted = encoding.fit(target)
        data, knob, encodes = fitted.data, fitted.knob, fitted.encodes
    timings["encode"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    final_plan = None if encoding.plan_at is None else encoding.plan_at(knob)
    quality = float(knob) if final_plan is None else qmap.mean_quality(final_plan, qmap.block_pixel_counts((height, width)))
    return CompressionResult(
        data=data,
        strategy=strategy.name,
        width=width,
        height=height,
        plan=final_plan,
        quality=quality,
        importance=None if importance is None else importance.resized(height, width),
        target_bytes=target,
        encodes=encodes,
        timings=timings,
        codec=codec.name,
        codec_options=codec_options,
    )


def _plan(rgb: np.ndarray, importance: ImportanceMap, options: CompressOptions, target: int | None, codec: Codec,
          strategy: Strategy) -> tuple[np.ndarray, np.ndarray]:
    """The base plan (one quality per 8x8 block) and the pixels with cut-out blocks filled."""
    height, width = rgb.shape[:2]
    own_plan, own_high, own_low = strategy.plan(codec)  # the codec's measured plan under this strategy
    kind = options.plan or own_plan
    if kind == "auto" and importance.method not in MASK_SOURCES:
        kind = "quantile"  # a network's map ranks blocks; only a mask says object or background
    q_high = own_high if options.roi_quality is None else float(options.roi_quality)
    q_low = own_low if options.bg_quality is None else float(options.bg_quality)
    blocks = qmap.block_means(importance.values, size=(height, width))
    plan = qmap.make_plan(kind, blocks, q_low, q_high, options.threshold)
    if options.entropy_boost:
        from .metrics import luma

        plan = qmap.entropy_boost(plan, qmap.block_entropy(luma(rgb)), options.entropy_boost)
    cut = qmap.cutout_mask(plan)
    if importance.suppressed is not None:
        away = qmap.block_means(importance.suppressed.astype(np.float32), size=(height, width), at_least=0.5) >= 0.5
        plan = np.where(away, float(np.min(plan)), plan)
        if options.fill is not None:
            cut = cut | away
    if cut.any():
        rgb = _fill_cutout(rgb, cut, parse_fill(options.fill or defaults.FILL, rgb))
    explicit_range = options.roi_quality is not None or options.bg_quality is not None
    if target is None and (options.quality is not None or not explicit_range):
        mean = defaults.QUALITY if options.quality is None else options.quality
        plan = qmap.shift_to_mean(plan, mean, qmap.block_pixel_counts((height, width)), strategy.moves(codec))
    return plan, rgb


def _fill_cutout(rgb: np.ndarray, cut_blocks: np.ndarray, colour) -> np.ndarray:
    height, width = rgb.shape[:2]
    pixel_mask = np.kron(cut_blocks, np.ones((qmap.BLOCK, qmap.BLOCK), dtype=bool))[:height, :width]
    out = rgb.copy()
    out[pixel_mask] = colour
    return out
