"""One studio request, start to finish: the map, the roicodec file, the uniform file of the same
size, both decoded and measured (whole picture, subject, background). The same library calls as
``roicodec compress --report``, so the page shows what the command line writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import defaults
from ..codecs.registry import all_codecs, get_codec
from ..errors import OptionError
from ..evaluation import DEFAULT_ROI_THRESHOLD, evaluate, roi_mask_from_map
from ..overlay import overlay_png
from ..options import CompressOptions, MapOptions
from ..pipeline import compress
from ..report import anchor_codecs, same_size_uniform
from ..saliency import (BACKBONES, GROUPS, MAP_METHODS, NETWORK_FREE_METHODS, TRAINED_METHODS, ImportanceMap,
                        check_map_options, parse_classes, working_importance_map)
from .workspace import Upload, write_png

#: Methods the page offers: all but those that need a trained model file.
STUDIO_MAP_METHODS = tuple(m for m in MAP_METHODS if m not in TRAINED_METHODS)
#: Score-CAM runs one forward pass per channel and class: at the default input it takes many minutes
#: on a CPU, so the studio runs it as the map benchmark does (top class, short side 112).
MAP_OVERRIDES = {"scorecam": {"top_k": 1, "short_side": 112}}
#: What the page says next to the slow methods: Ablation-CAM from BENCHMARKS.md (importance maps),
#: Score-CAM as the studio runs it on kodim23 (2-core CPU).
SLOW_METHODS = {"ablationcam": "about 20 s", "scorecam": "about 80 s"}
TARGETS = {
    "quality": (1.0, 100.0),  # mean quality over the picture, the codec's 1-100 scale
    "size": (1.0, 100_000.0),  # KB (1000 bytes), the largest file that fits
    "bpp": (0.01, 24.0),  # bits per pixel, the largest file that fits
}
#: Where the page starts: 0.75 bits per pixel. At the API's default (mean quality 75) a detailed photo
#: takes 1.5-2 bpp and the uniform file of the same size looks the same as roicodec's (SSIMULACRA2
#: +0.6 and +0.7 on kodim01 and kodim05). At 0.75 bpp uniform JPEG falls to q 19-69 on Kodak (kodim05,
#: 01, 15, 23: SSIMULACRA2 33-73, low to high) and roicodec's file scores 3.5-9.6 higher, so the
#: difference shows; and every picture starts at the same rate, the axis codecs are compared on.
#: (The API keeps its own default, which clients that send only a value rely on.)
PAGE_TARGET = {"target": "bpp", "value": 0.75}
#: The importance map's overlay: its colormap, and the colours of the page's colour bar (11 stops).
OVERLAY_COLORMAP = "inferno"
OVERLAY_OPACITY = 0.55
LEGEND_STOPS = 11
#: The figures the page's table shows, in its order.
SHOWN_METRICS = ("psnr", "ssim", "ms_ssim", "vifp", "psnr_hvs_m", "psnr_rgb", "ssimulacra2", "roi_psnr",
                 "roi_ssimulacra2", "background_psnr", "background_ssimulacra2", "weighted_psnr")

Progress = Callable[[str, float], None]
MAX_CLASS_TEXT = 300


_MAP, _COMPRESS = MapOptions(), CompressOptions()


@dataclass(frozen=True)
class StudioRequest:
    """What the page's controls say; the defaults are the API's (options.py)."""

    map_method: str = _MAP.method
    backbone: str = _MAP.backbone
    codec: str = _COMPRESS.codec
    strategy: str = "default"  # "default": the codec's measured default strategy
    target: str = "quality"
    value: float = defaults.QUALITY
    classes: str = ""  # the classes that drive the map (names, groups, indices); "": the top 5
    suppress: str = ""  # classes to let go: their regions get the lowest quality

    def __post_init__(self) -> None:
        if self.map_method not in STUDIO_MAP_METHODS:
            raise OptionError(f"unknown map method {self.map_method!r}; available: {', '.join(STUDIO_MAP_METHODS)}")
        if self.backbone not in BACKBONES:
            raise OptionError(f"unknown backbone {self.backbone!r}; available: {', '.join(BACKBONES)}")
        get_codec(self.codec)  # its own error names the codecs (whether it is installed is asked later)
        if self.strategy != "default":
            from ..strategies import get_strategy

            if not get_strategy(self.strategy).applies(get_codec(self.codec)):
                codec = get_codec(self.codec)
                raise OptionError(f"{codec.label} has no {self.strategy!r} strategy; it takes "
                                  f"{', '.join(codec.strategies)}")
        if self.target not in TARGETS:
            raise OptionError(f"unknown target {self.target!r}; use quality, size or bpp")
        for name, text in (("classes", self.classes), ("suppress", self.suppress)):
            if len(text) > MAX_CLASS_TEXT:
                raise OptionError(f"{name}: at most {MAX_CLASS_TEXT} characters")
            if text.strip():
                parse_classes(text)  # an unknown name is refused now, with the library's hint
        check_map_options(self.map_options())  # the map's own rules (suppress needs classes, ...), not restated here
        low, high = TARGETS[self.target]
        if not (math.isfinite(self.value) and low <= self.value <= high):
            raise OptionError(f"{self.target} must be between {low:g} and {high:g}, got {self.value:g}")

    @property
    def map_key(self) -> tuple[str, ...]:
        return self.map_method, self.backbone, self.classes.strip(), self.suppress.strip()

    def map_options(self) -> MapOptions:
        return MapOptions(method=self.map_method, backbone=self.backbone, classes=self.classes.strip() or None,
                          suppress=self.suppress.strip() or None, **MAP_OVERRIDES.get(self.map_method, {}))

    def compress_options(self, codec_options: dict | None = None) -> CompressOptions:
        """The page's codec, strategy and target as the API's options (the map comes separately: the
        studio caches it per picture); ``codec_options``: the studio's, of which the codec takes its own."""
        if self.target == "quality":
            target = {"quality": self.value}
        elif self.target == "size":
            target = {"target_size": max(1, round(self.value * 1000))}
        else:
            target = {"target_bpp": self.value}
        return CompressOptions(codec=self.codec, strategy=None if self.strategy == "default" else self.strategy,
                               map=self.map_options(), codec_options=get_codec(self.codec).own_options(codec_options or {}),
                               **target)


def studio_options(settings) -> dict:
    """What the page needs to build its controls."""
    starting = {**asdict(StudioRequest()), **PAGE_TARGET}
    return {
        "map_methods": list(STUDIO_MAP_METHODS),
        "slow_methods": SLOW_METHODS,
        "class_groups": sorted(GROUPS),
        "backbones": list(BACKBONES),
        "codecs": [
            {"name": c.name, "label": c.label, "strategies": list(c.strategies), "default_strategy": c.default_strategy,
             "missing": c.missing()}
            for c in all_codecs()
        ],
        "targets": {name: {"min": low, "max": high} for name, (low, high) in TARGETS.items()},
        "defaults": starting,
        "limits": {"max_upload_bytes": settings.max_upload_bytes, "max_pixels": settings.max_pixels},
        "roi_threshold": DEFAULT_ROI_THRESHOLD,
        "overlay": {"colormap": OVERLAY_COLORMAP, "opacity": OVERLAY_OPACITY, "stops": _colormap_stops()},
    }


def _colormap_stops() -> list[list[int]]:
    """The overlay's colormap as evenly spaced RGB stops, for the page's colour bar."""
    from matplotlib import colormaps

    colours = colormaps[OVERLAY_COLORMAP](np.linspace(0.0, 1.0, LEGEND_STOPS))[:, :3]
    return np.rint(colours * 255).astype(int).tolist()


class MapCache:
    """Maps by (upload, method, backbone), so changing the codec or target does not recompute them.

    Each network is loaded once and shared by all threads, and its maps hook into it (the target
    layer's activations), so one network computes one map at a time; maps of different networks, and
    the network-free ones, run side by side. A few recent maps stay in memory.
    """

    def __init__(self, size: int = 8):
        self._maps: OrderedDict[tuple, ImportanceMap] = OrderedDict()
        self._size = size
        self._networks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, upload: Upload, rgb: np.ndarray, request: StudioRequest) -> ImportanceMap:
        key = (upload.id, *request.map_key)
        cached = self._cached(key)  # a cached map does not wait behind another map of its network
        if cached is not None:
            return cached
        with self._network_lock(request):
            cached = self._cached(key)  # made by another thread while this one waited
            if cached is not None:
                return cached
            # At its working size (a few megapixels at most): the cache's memory does not grow with
            # the pictures; each job resizes the map it uses.
            found = working_importance_map(rgb, request.map_options())
            with self._lock:
                self._maps[key] = found
                while len(self._maps) > self._size:
                    self._maps.popitem(last=False)
            return found

    def _cached(self, key: tuple) -> ImportanceMap | None:
        with self._lock:
            if key in self._maps:
                self._maps.move_to_end(key)
            return self._maps.get(key)

    def _network_lock(self, request: StudioRequest):
        if request.map_method in NETWORK_FREE_METHODS:
            return contextlib.nullcontext()
        with self._lock:
            return self._networks.setdefault(request.backbone, threading.Lock())

    def forget(self, upload_id: str) -> None:
        with self._lock:
            for key in [k for k in self._maps if k[0] == upload_id]:
                del self._maps[key]


def run_comparison(upload: Upload, request: StudioRequest, folder: Path, maps: MapCache, progress: Progress,
                   codec_options: dict | None = None) -> dict:
    """Make and measure the files of one request in ``folder``; the page's result as a dict.
    ``codec_options``: the studio's (StudioSettings.codec_options)."""
    loaded = upload.image()
    rgb = loaded.pixels
    codec = get_codec(request.codec)
    codec.check_available()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    progress("computing the importance map", 0.05)
    importance = maps.get(upload, rgb, request).resized(*rgb.shape[:2])
    overlay = upload.folder / f"overlay-{hashlib.sha256(repr(request.map_key).encode()).hexdigest()[:16]}.png"
    if not overlay.exists():
        overlay.write_bytes(overlay_png(rgb, importance.values, opacity=OVERLAY_OPACITY, colormap=OVERLAY_COLORMAP))
    lap("map")

    progress(f"encoding {codec.label} ({request.target} {request.value:g})", 0.25)
    options = request.compress_options(codec_options)
    result = compress(loaded, options, importance=importance)
    (folder / "result.bin").write_bytes(result.data)
    lap("encode")

    progress("encoding the uniform file of the same size", 0.5)
    uniform = same_size_uniform(rgb, result.size_bytes, codec, result.codec_options)
    if uniform is not None:
        (folder / "uniform.bin").write_bytes(uniform[0])
    # The other uniform encoders a user would pick instead (jpegli beside Pillow's JPEG): numbers only.
    others = [other for other in anchor_codecs(codec) if other is not codec]
    made = {other.name: same_size_uniform(rgb, result.size_bytes, other) for other in others}
    lap("uniform")

    progress("measuring", 0.75)
    mask = roi_mask_from_map(importance.values)
    files = {"result": _measured(rgb, codec, result.data, mask, importance.values, folder / "result.png",
                                 quality=round(result.quality, 2), strategy=result.strategy)}
    if uniform is not None:
        files["uniform"] = _measured(rgb, codec, uniform[0], mask, importance.values, folder / "uniform.png",
                                     quality=uniform[1], strategy="uniform")
    anchors = []
    for other in others:
        anchor = {"name": other.name, "label": other.label}
        if made[other.name] is None:
            anchor["missing"] = f"no uniform {other.label} file is as small as {result.size_bytes} bytes"
        else:
            data, quality = made[other.name]
            anchor.update(_measured(rgb, other, data, mask, importance.values, None, quality=quality, strategy="uniform"))
        anchors.append(anchor)
    lap("measure")
    progress("done", 1.0)
    return {
        "codec": {"name": codec.name, "label": codec.label, "extension": codec.extensions[0],
                  "mime_type": codec.mime_type},
        "request": asdict(request),
        "map": {
            "method": importance.method,
            "backbone": importance.backbone,
            "classes": [{"name": c.name, "probability": round(float(c.probability), 4)} for c in importance.classes[:5]],
            "cues": [{"name": name, "share": round(float(share), 4)} for name, share in importance.cues],
            "roi_fraction": round(float(mask.mean()), 4),
            "overlay": overlay.name,
        },
        "original": {"bytes": upload.upload_bytes, "width": upload.width, "height": upload.height,
                     "raw_bytes": upload.width * upload.height * 3},
        "target_bytes": result.target_bytes,
        "files": files,
        "anchors": anchors,
        "seconds": seconds,
        "uniform_missing": None if uniform is not None else
        f"no uniform {codec.label} file is as small as {result.size_bytes} bytes",
    }


def _measured(rgb, codec, data: bytes, mask, weights, preview: Path | None, **described) -> dict:
    decoded = codec.decode(data)
    if preview is not None:  # the page shows the result and the codec's uniform file, not the other anchors
        write_png(preview, decoded)
    figures = evaluate(rgb, decoded, size_bytes=len(data), mask=mask, weights=weights)
    shown = {k: (None if math.isnan(figures[k]) else round(figures[k], 4)) for k in SHOWN_METRICS if k in figures}
    return {"bytes": len(data), "bpp": round(figures["bpp"], 4), "ratio": round(figures["ratio"], 2),
            "metrics": shown, **described}
