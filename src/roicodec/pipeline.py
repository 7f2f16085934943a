"""The whole job for one image: pixels -> importance map -> quality plan -> the bytes of a standard file.

Each stage is a plain function of the previous one's output (see docs/DESIGN.md's data flow); this module
only wires them together, applies the options' rules, and times the stages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import defaults, qmap
from .codecs.adaptive_jpeg import AdaptiveJpegEncoder, AdaptiveJpegSettings, fine_quality
from .codecs.base import Codec
from .codecs.blend import BlendEncoder
from .codecs.prefilter import keep_weights, prefiltered
from .codecs.registry import get_codec
from .codecs.jpeg_markers import add_metadata
from .codecs.pillow_jpeg import encode_uniform
from .errors import OptionError
from .imageio import LoadedImage, load_image, load_map
from .ratecontrol import DEFAULT_TOLERANCE, bpp_to_bytes, fit_to_size, parse_size
from .saliency import ImportanceMap, MapOptions
from .saliency.importance import working_importance_map

METHODS = ("adaptive", "native", "blend", "prefilter", "uniform")
#: Maps that may be masks, for which the "auto" plan looks at the map's shape: a map the caller
#: brings (a file, an array, the subject boxes) and the face detector's.
MASK_SOURCES = ("user", "faces")
DEFAULT_METHOD = defaults.METHOD
DEFAULT_PLAN = defaults.PLAN
DEFAULT_QUALITY = defaults.QUALITY
DEFAULT_ROI_QUALITY = defaults.ROI_QUALITY
DEFAULT_BG_QUALITY = defaults.BG_QUALITY
#: d log(bytes) / d stop of the adaptive encoder's step shift, before two encodes measure it.
STEP_LOG_SLOPE = 0.7
#: Encodes before the adaptive JPEG's size search holds its table (a jump it cannot cross costs no more).
FIRST_SEARCH_ENCODES = 8
FILLS = {"gray": (128, 128, 128), "black": (0, 0, 0), "white": (255, 255, 255)}


@dataclass
class CompressionResult:
    """The encoded file and what it took to make it."""

    data: bytes
    method: str
    width: int
    height: int
    plan: np.ndarray | None  # final per-block quality (None for uniform)
    quality: float  # mean quality over the image (uniform: the one quality)
    importance: ImportanceMap | None
    target_bytes: int | None
    encodes: int
    timings: dict[str, float] = field(default_factory=dict)
    codec: str = "jpeg"

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

    def __repr__(self) -> str:  # the bytes and the plan are large: say what they are
        return (f"CompressionResult({self.codec} {self.method}, {self.width}x{self.height}, "
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


def compress(
    image,
    *,
    codec: str | Codec = "jpeg",
    method: str | None = None,
    quality: float | None = None,
    target_size: int | str | None = None,
    target_bpp: float | None = None,
    roi_quality: float | None = None,
    bg_quality: float | None = None,
    plan: str | None = None,
    threshold: float = 0.5,
    entropy_boost: float = 0.0,
    importance=None,
    map_options: MapOptions | None = None,
    fill: str | None = None,
    progressive: bool = False,
    background=(255, 255, 255),
    settings: AdaptiveJpegSettings | None = None,
    prefilter_sigma: float | None = None,
) -> CompressionResult:
    """Compress one image to a standard file that spends its bits where the importance map is hot.

    ``codec``: a registered codec name (jpeg, jpegli, webp, jpeg2000, avif, heic, hevc, jxl) or a :class:`Codec`;
    ``method``: its region strategy (default: the codec's measured default).

    ``image``: a path, bytes, PIL image, numpy array or :class:`LoadedImage`. ``importance``: None (a
    network's map, as ``map_options`` say), an :class:`ImportanceMap`, an (H, W) array in [0, 1] or a
    map image path. ``fill``: the colour of cut-out regions (default gray) and, when given, of the
    regions of suppressed classes (otherwise they get the lowest quality).
    ``quality`` sets the mean quality; ``target_size``/``target_bpp`` pick the largest output that fits.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    loaded = image if isinstance(image, LoadedImage) else load_image(image, background=background)
    rgb = loaded.pixels
    height, width = rgb.shape[:2]
    timings["load"] = time.perf_counter() - started
    codec = codec if isinstance(codec, Codec) else get_codec(codec)
    codec.check_available()
    codec.check_size(height, width)
    method = method or (DEFAULT_METHOD if codec.name == "jpeg" else codec.default_strategy)
    if method not in METHODS:
        raise OptionError(f"unknown method {method!r}; available: {', '.join(METHODS)}")
    if method not in codec.strategies:
        raise OptionError(f"{codec.label} has no {method!r} strategy; it supports {', '.join(codec.strategies)}")
    if quality is not None and not 1 <= quality <= 100:
        raise OptionError(f"quality must be between 1 and 100, got {quality:g}")
    target = target_bytes(quality, target_size, target_bpp, height, width)
    metadata = {"icc_profile": loaded.icc_profile, "exif": loaded.exif}

    if method == "uniform":
        return _compress_uniform(codec, rgb, quality, target, progressive, metadata, timings, started)

    step = time.perf_counter()
    importance = _as_importance(importance, rgb)
    if importance is None:
        # At its working size: the full-size map (4 bytes a pixel) is built after the file is written.
        importance = working_importance_map(rgb, map_options)
    timings["map"] = time.perf_counter() - step

    step = time.perf_counter()
    explicit_range = roi_quality is not None or bg_quality is not None
    # The codec's measured plan, unless the caller chose one (JPEG: the global defaults).
    own_plan, own_high, own_low = codec.default_plan or (
        DEFAULT_PLAN, DEFAULT_ROI_QUALITY, defaults.ADAPTIVE_BG_QUALITY if method == "adaptive" else DEFAULT_BG_QUALITY)
    plan = plan or own_plan
    if plan == "auto" and importance.method not in MASK_SOURCES:
        plan = "quantile"  # a network's map ranks blocks; only a mask says object or background
    q_high = own_high if roi_quality is None else float(roi_quality)
    q_low = own_low if bg_quality is None else float(bg_quality)
    blocks = qmap.block_means(importance.values, size=(height, width))
    base_plan = qmap.make_plan(plan, blocks, q_low, q_high, threshold)
    if entropy_boost:
        from .metrics import luma

        base_plan = qmap.entropy_boost(base_plan, qmap.block_entropy(luma(rgb)), entropy_boost)
    weights = qmap.block_pixel_counts((height, width))
    cut = qmap.cutout_mask(base_plan)
    if importance.suppressed is not None:
        away = qmap.block_means(importance.suppressed.astype(np.float32), size=(height, width), at_least=0.5) >= 0.5
        base_plan = np.where(away, float(np.min(base_plan)), base_plan)
        if fill is not None:
            cut = cut | away
    if cut.any():
        rgb = _fill_cutout(rgb, cut, parse_fill(fill or defaults.FILL, rgb))
    # The adaptive JPEG encoder's plan moves by step ratios (its contrast is a ratio of steps at any
    # rate); the other strategies' plans move by qualities.
    move = qmap.step_shifted if method == "adaptive" else qmap.shifted
    if target is None and (quality is not None or not explicit_range):
        base_plan = qmap.shift_to_mean(base_plan, DEFAULT_QUALITY if quality is None else quality, weights, move)
    timings["plan"] = time.perf_counter() - step

    if method == "prefilter":
        sigma = codec.prefilter_sigma if prefilter_sigma is None else prefilter_sigma
        smoothed = prefiltered(rgb, keep_weights(base_plan, height, width), sigma)
        # Fractional qualities where the encoder takes them: the size then follows the target closely.
        result = _compress_uniform(codec, smoothed, quality, target, progressive, metadata, timings, started,
                                   integer=codec.integer_quality)
        result.method, result.importance = "prefilter", importance.resized(height, width)
        return result

    step = time.perf_counter()
    table_quality = None  # adaptive JPEG: None lets the file's table follow the plan
    if method == "adaptive":
        settings = settings or AdaptiveJpegSettings(progressive=progressive)
        encoder = AdaptiveJpegEncoder(rgb, settings)

        def encode(offset: float) -> bytes:
            # Metadata inside the loop: the target counts the bytes of the file as written.
            return add_metadata(encoder.encode(move(base_plan, offset), table_quality), **metadata)

    elif method == "native":

        def encode(offset: float) -> bytes:
            return codec.native(rgb, qmap.shifted(base_plan, offset))

    elif codec.name == "jpeg":
        blender = BlendEncoder(rgb, progressive=progressive)

        def encode(offset: float) -> bytes:
            return add_metadata(blender.encode(qmap.shifted(base_plan, offset)), **metadata)

    else:
        blender = BlendEncoder(rgb, codec=codec, metadata=metadata)

        def encode(offset: float) -> bytes:
            return blender.encode(qmap.shifted(base_plan, offset))

    if target is None:
        data, offset, encodes = encode(0.0), 0.0, 1
    elif move is qmap.step_shifted:
        fitted = fit_to_size(encode, target, -qmap.STEP_STOPS_SPAN, qmap.STEP_STOPS_SPAN, start=0.0,
                             initial_slope=STEP_LOG_SLOPE, max_encodes=FIRST_SEARCH_ENCODES)
        encodes = fitted.encodes
        if len(fitted.data) < target * (1 - DEFAULT_TOLERANCE):
            # The size jumped past the target as a fine table entry changed: search again with the
            # table held where the search ended, where the size follows the plan smoothly.
            table_quality = fine_quality(move(base_plan, fitted.knob), settings.max_fine_quality)
            again = fit_to_size(encode, target, -qmap.STEP_STOPS_SPAN, qmap.STEP_STOPS_SPAN, start=fitted.knob,
                                initial_slope=STEP_LOG_SLOPE)
            encodes += again.encodes
            if len(again.data) > len(fitted.data):
                fitted = again
        data, offset = fitted.data, fitted.knob
    else:
        span = qmap.MAX_QUALITY - qmap.MIN_QUALITY
        fitted = fit_to_size(
            encode, target, -float(np.max(base_plan)) - 1, span - float(np.min(base_plan)), start=0.0
        )
        data, offset, encodes = fitted.data, fitted.knob, fitted.encodes
    final_plan = move(base_plan, offset)
    timings["encode"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    return CompressionResult(
        data=data,
        method=method,
        width=width,
        height=height,
        plan=final_plan,
        quality=qmap.mean_quality(final_plan, weights),
        importance=importance.resized(height, width),
        target_bytes=target,
        encodes=encodes,
        timings=timings,
        codec=codec.name,
    )


def _fill_cutout(rgb: np.ndarray, cut_blocks: np.ndarray, colour) -> np.ndarray:
    height, width = rgb.shape[:2]
    pixel_mask = np.kron(cut_blocks, np.ones((qmap.BLOCK, qmap.BLOCK), dtype=bool))[:height, :width]
    out = rgb.copy()
    out[pixel_mask] = colour
    return out


def _compress_uniform(codec, rgb, quality, target, progressive, metadata, timings, started,
                      integer: bool = True) -> CompressionResult:
    """One quality for the whole picture; with a target, the largest quality that fits (an integer
    one, as users set it, unless ``integer`` is False)."""
    step = time.perf_counter()

    def encode(q: float) -> bytes:
        q = int(q) if integer else q
        if codec.name == "jpeg":
            return encode_uniform(rgb, q, progressive=progressive, **metadata)
        return codec.encode(rgb, q, **metadata)

    if target is None:
        chosen = DEFAULT_QUALITY if quality is None else quality
        data, encodes = encode(round(chosen)), 1
        chosen = float(round(chosen))
    else:
        fitted = fit_to_size(encode, target, 1, 100, integer=integer)
        data, chosen, encodes = fitted.data, fitted.knob, fitted.encodes
    timings["encode"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    height, width = rgb.shape[:2]
    return CompressionResult(data, "uniform", width, height, None, float(chosen), None, target, encodes, timings,
                             codec=codec.name)
