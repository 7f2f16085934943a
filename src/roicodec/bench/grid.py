"""Run the comparison grid: every image x operating point x method x map, sizes matched to uniform.

At each operating point the uniform encode of the codec is the anchor: at a quality point it is the
uniform file at that quality, at a bpp point the largest uniform file within that bpp. Every other
method is rate-controlled to the anchor's size (within 1 % below it), so each comparison is at
equal file size. Rows are appended to ``rows.jsonl`` as they are made: an interrupted run resumes
where it stopped.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from ..codecs.registry import all_codecs, check_shared_options, get_codec
from ..errors import OptionError, TargetTooSmall
from ..evaluation import evaluate
from ..imageio import IMAGE_SUFFIXES, LoadedImage, load_image
from ..options import CompressOptions, MapOptions
from ..pipeline import compress
from ..roi import box_mask, boxes_for, load_boxes_file, perfect_map
from ..saliency import BACKBONES, DEFAULT_BACKBONE, MAP_METHODS, importance_map
from ..saliency.ensemble import PREFIX as ENSEMBLE_PREFIX
from ..saliency.ensemble import parse_members
from ..strategies import all_strategies, get_strategy

#: "default": the compress default map; "boxes": the subject boxes blurred (images with boxes only);
#: besides these, any map method, optionally @backbone ("msroi", "fused@efficientnet-lite2") or an
#: ensemble spec ("ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2").
MAPS = ("default", "boxes")
#: Uniform encoders a user would pick instead, rated at the codec's anchor size (the largest file not
#: bigger): method name -> (codec it belongs with, encoder). Rows with map "-" like the uniform ones.
SAME_SIZE_ANCHORS = {"jpegli-uniform": ("jpeg", "jpegli")}


def _method_and_backbone(name: str) -> tuple[str, str]:
    """'msroi@efficientnet-lite2' -> ('msroi', 'efficientnet-lite2'); no @ means the default backbone."""
    method, _, backbone = name.partition("@")
    return method, backbone or DEFAULT_BACKBONE


def check_map_name(name: str) -> None:
    """Refuse a map name that is neither a fixed one nor a valid map method spec."""
    if name in MAPS:
        return
    members = (parse_members(name, DEFAULT_BACKBONE) if name.startswith(ENSEMBLE_PREFIX)
               else [_method_and_backbone(name)])
    for method, backbone in members:
        if method not in MAP_METHODS or backbone not in BACKBONES:
            raise OptionError(f"unknown map {name!r}; use default, boxes, a method ({', '.join(MAP_METHODS)}) "
                              f"optionally @backbone ({', '.join(BACKBONES)}), or ensemble:a+b")
ROWS_FILE = "rows.jsonl"
#: The settings that shape every row without being in its key (compress options, map options, the
#: boxes file): a resumed run must have the same, or its rows would mix two experiments.
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class BenchSpec:
    """What to run. ``points`` are uniform qualities; ``bpp`` bits-per-pixel targets (one of the two)."""

    dataset: Path
    out: Path
    codecs: tuple[str, ...] = ("jpeg",)
    methods: tuple[str, ...] = ("uniform", "blend", "native")
    maps: tuple[str, ...] = ("default",)
    points: tuple[int, ...] | None = (25, 50, 75)
    bpp: tuple[float, ...] | None = None
    boxes: Path | None = None
    images: tuple[str, ...] | None = None
    #: What every file gets besides its codec, strategy and size (the plan, codec options, the map's
    #: options: the "default" map is ``options.map``, a named map changes its method and backbone).
    options: CompressOptions = field(default_factory=CompressOptions)

    def validate(self) -> None:
        if not Path(self.dataset).is_dir():
            raise OptionError(f"{self.dataset}: not a folder of images")
        strategies = [name for s in all_strategies() for name in (s.name, *s.aliases)]
        for name, chosen, allowed in (("codec", self.codecs, tuple(c.name for c in all_codecs())),
                                      ("method", self.methods, (*strategies, "default"))):
            unknown = [c for c in chosen if c not in allowed]
            if unknown or not chosen:
                raise OptionError(f"unknown {name} {', '.join(unknown) or '(none)'}; available: {', '.join(allowed)}")
        if not self.maps:
            raise OptionError("no map given; use default, boxes or a map method")
        for name in self.maps:
            check_map_name(name)
        if (self.points is None) == (self.bpp is None):
            raise OptionError("give either quality points or bpp points")
        if self.points is not None and not all(1 <= p <= 100 for p in self.points):
            raise OptionError("quality points must be between 1 and 100")
        if self.bpp is not None and not all(b > 0 and math.isfinite(b) for b in self.bpp):
            raise OptionError("bpp points must be positive")
        if "boxes" in self.maps and self.boxes is None:
            raise OptionError("the 'boxes' map needs --boxes")
        check_shared_options(self.options.codec_options, [get_codec(name) for name in self.codecs])

    def options_for(self, codec: str, **changes) -> CompressOptions:
        """The bench's options for one codec: the codec options it declares (a grid of several codecs
        shares one -O list), and ``changes``."""
        own = get_codec(codec).own_options(self.options.codec_options)
        return replace(self.options, codec=codec, codec_options=own, **changes)

    @property
    def point_labels(self) -> list[tuple[str, float]]:
        if self.points is not None:
            return [(f"q{p}", float(p)) for p in self.points]
        return [(f"{b:g}bpp", float(b)) for b in self.bpp]


def find_images(spec: BenchSpec) -> list[Path]:
    """Image files of the dataset folder (not recursive), sorted, optionally filtered by stem."""
    files = sorted(p for p in Path(spec.dataset).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if spec.images:
        wanted = set(spec.images)
        files = [p for p in files if p.stem in wanted or p.name in wanted]
        missing = wanted - {p.stem for p in files} - {p.name for p in files}
        if missing:
            raise OptionError(f"not in {spec.dataset}: {', '.join(sorted(missing))}")
    if not files:
        raise OptionError(f"{spec.dataset}: no images found")
    return files


def row_key(row: dict) -> tuple:
    return (row["image"], row["codec"], row["method"], row["map"], row["point"])


def load_done(out: Path) -> dict[tuple, dict]:
    """Rows already computed by an earlier (possibly interrupted) run; a torn last line is ignored."""
    done = {}
    path = out / ROWS_FILE
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[row_key(row)] = row
    return done


def _tasks(spec: BenchSpec, images: list[Path], boxes) -> Iterator[tuple[Path, str, str, str, str, float]]:
    for path in images:
        has_boxes = boxes is not None and boxes_for(boxes, path.name) is not None
        for codec in spec.codecs:
            # "default": the codec's own default strategy (native for JPEG and HEVC, prefilter for AVIF, ...).
            # Canonical names: "adaptive" and "default" may name the same strategy, which runs once.
            methods = dict.fromkeys(get_strategy(get_codec(codec).default_strategy if m == "default" else m).name
                                    for m in spec.methods)
            for label, value in spec.point_labels:
                for method in methods:
                    if not get_strategy(method).applies(get_codec(codec)):
                        continue  # e.g. native needs an encoder that takes a plan
                    for map_name in (["-"] if not get_strategy(method).uses_map else spec.maps):
                        if map_name == "boxes" and not has_boxes:
                            continue
                        yield path, codec, method, map_name, label, value
                    if method == "uniform":  # after the uniform row: its size is the anchors' target
                        for anchor, (owner, _) in SAME_SIZE_ANCHORS.items():
                            if owner == codec:
                                yield path, codec, anchor, "-", label, value


def count_tasks(spec: BenchSpec) -> int:
    boxes = load_boxes_file(spec.boxes) if spec.boxes else None
    return sum(1 for _ in _tasks(spec, find_images(spec), boxes))


class _ImageContext:
    """Everything computed once per image: pixels, maps, the ROI mask and the uniform anchors."""

    def __init__(self, path: Path, boxes, options: CompressOptions):
        self.path = path
        self.map_options = options.map
        self.loaded: LoadedImage = load_image(path, background=options.background)
        rgb = self.loaded.pixels
        self.boxes = boxes_for(boxes, path.name) if boxes is not None else None
        self.mask = box_mask(self.boxes, rgb.shape[:2]) if self.boxes else None
        self._maps: dict[str, np.ndarray] = {}
        self.anchors: dict[tuple[str, str], int] = {}

    def importance(self, name: str) -> np.ndarray:
        if name not in self._maps:
            rgb = self.loaded.pixels
            if name == "default":
                self._maps[name] = importance_map(rgb, self.map_options).values
            elif name == "boxes":
                self._maps[name] = perfect_map(self.boxes, rgb.shape[:2])
            elif name.startswith(ENSEMBLE_PREFIX):
                self._maps[name] = importance_map(rgb, self.map_options, method=name).values
            else:
                method, backbone = _method_and_backbone(name)
                self._maps[name] = importance_map(rgb, self.map_options, method=method, backbone=backbone).values
        return self._maps[name]

    @property
    def weights(self) -> np.ndarray:
        """Weights of the saliency-weighted PSNR: the boxes map where there are boxes, else the default map."""
        return self.importance("boxes" if self.boxes else "default")


def _compress_row(spec: BenchSpec, context: _ImageContext, codec: str, method: str, map_name: str,
                  label: str, value: float) -> dict:
    rgb = context.loaded.pixels
    started = time.perf_counter()
    if method in SAME_SIZE_ANCHORS:
        return _anchor_row(context, codec, method, label, started)
    if method == "uniform":
        point = {"quality": value} if spec.points is not None else {"target_bpp": value}
        try:
            result = compress(context.loaded, spec.options_for(codec, strategy="uniform", **point))
        except TargetTooSmall:  # this codec cannot make a file this small: a row that says so, and on
            context.anchors[(codec, label)] = None
            return _unreached_row(context, codec, method, map_name, label, None, started)
        context.anchors[(codec, label)] = result.size_bytes
    else:
        target = context.anchors[(codec, label)]
        if target is None:
            return _unreached_row(context, codec, method, map_name, label, None, started)
        result = compress(context.loaded, spec.options_for(codec, strategy=method, target_size=target),
                          importance=context.importance(map_name))
    seconds = time.perf_counter() - started
    figures = evaluate(rgb, get_codec(codec).decode(result.data), size_bytes=result.size_bytes, mask=context.mask,
                       weights=context.weights)
    return {
        "image": context.path.stem, "codec": codec, "method": method, "map": map_name, "point": label,
        "target_bytes": context.anchors[(codec, label)], "quality": result.quality, "encodes": result.encodes,
        "seconds": seconds, "size_matched": size_matched(result.size_bytes, context.anchors[(codec, label)]),
        **figures,
    }


def _unreached_row(context: _ImageContext, codec: str, method: str, map_name: str, label: str,
                   target: int | None, started: float) -> dict:
    """A point this codec cannot reach (its uniform file cannot be that small): no figures."""
    return {"image": context.path.stem, "codec": codec, "method": method, "map": map_name, "point": label,
            "target_bytes": target, "encodes": None, "seconds": time.perf_counter() - started, "quality": None,
            "size_matched": False, "bytes": None, "bpp": None}


def _anchor_row(context: _ImageContext, codec: str, method: str, label: str, started: float) -> dict:
    """The same-size uniform file of another encoder (jpegli beside Pillow's JPEG); NaN figures and
    ``size_matched`` False when that encoder cannot make a file this small."""
    from ..report import same_size_uniform

    rgb = context.loaded.pixels
    target = context.anchors[(codec, label)]
    if target is None:
        return _unreached_row(context, codec, method, "-", label, None, started)
    encoder = get_codec(SAME_SIZE_ANCHORS[method][1])
    made = same_size_uniform(rgb, target, encoder)
    row = {"image": context.path.stem, "codec": codec, "method": method, "map": "-", "point": label,
           "target_bytes": target, "encodes": None, "seconds": time.perf_counter() - started}
    if made is None:
        return _unreached_row(context, codec, method, "-", label, target, started)
    data, quality = made
    figures = evaluate(rgb, encoder.decode(data), size_bytes=len(data), mask=context.mask, weights=context.weights)
    return {**row, "quality": float(quality), "size_matched": size_matched(len(data), target), **figures}


#: "Equal size" in docs/DESIGN.md: at most the anchor's bytes and within 1 % of them.
SIZE_TOLERANCE = 0.01


def size_matched(size_bytes: int, target_bytes: int) -> bool:
    return target_bytes * (1 - SIZE_TOLERANCE) <= size_bytes <= target_bytes


def run_grid(spec: BenchSpec, on_row: Callable[[dict, bool], None] | None = None) -> list[dict]:
    """Compute (or resume) every row of the grid; ``on_row(row, was_cached)`` reports progress."""
    spec.validate()
    out = Path(spec.out)
    out.mkdir(parents=True, exist_ok=True)
    boxes = load_boxes_file(spec.boxes) if spec.boxes else None
    done = load_done(out)
    _check_same_settings(out, spec, resuming=bool(done))
    rows = []
    context = None
    with open(out / ROWS_FILE, "a") as journal:
        for path, codec, method, map_name, label, value in _tasks(spec, find_images(spec), boxes):
            key = (path.stem, codec, method, map_name, label)
            if key in done:
                row = done[key]
                if method == "uniform":
                    # The anchor of a resumed point: its size is in the journal.
                    if context is None or context.path != path:
                        context = _ImageContext(path, boxes, spec.options)
                    context.anchors[(codec, label)] = None if row["bytes"] is None else int(row["bytes"])
                rows.append(row)
                if on_row:
                    on_row(row, True)
                continue
            if context is None or context.path != path:
                context = _ImageContext(path, boxes, spec.options)
            row = _compress_row(spec, context, codec, method, map_name, label, value)
            journal.write(json.dumps(json_safe(row)) + "\n")
            journal.flush()
            rows.append(row)
            if on_row:
                on_row(row, False)
    return rows


def _check_same_settings(out: Path, spec: BenchSpec, resuming: bool) -> None:
    settings = json.loads(json.dumps({
        "options": _changed_fields(replace(spec.options, map=MapOptions()), CompressOptions()),
        "map_changes": _changed_fields(spec.options.map, MapOptions()),
        "boxes": str(Path(spec.boxes).resolve()) if spec.boxes else None,
    }, default=str, sort_keys=True))
    path = out / SETTINGS_FILE
    if resuming and path.exists():
        recorded = json.loads(path.read_text())
        if recorded != settings:
            changed = ", ".join(k for k in settings if recorded.get(k) != settings[k])
            raise OptionError(f"{out} holds rows made with other settings ({changed}); "
                              "use another output folder, or delete it to start again")
    path.write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")


def _changed_fields(value, default) -> dict:
    """The fields that differ from the defaults (what a run's settings file records)."""
    return {f.name: getattr(value, f.name) for f in fields(value) if getattr(value, f.name) != getattr(default, f.name)}


def json_safe(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
