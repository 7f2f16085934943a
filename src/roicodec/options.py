"""What decides an output besides the picture: the map's options and the compression's, as two frozen
values with their defaults in one place (defaults.py holds the measured numbers).

The API, the command line, batch, bench, the studio and video all build these values and hand them
on; none keeps a copy of a default or a loose dict of keywords. Kept free of torch and of the
registries, so building or pickling options (batch sends them to its workers) loads no encoder and
no network; the registries check the names when the options are used (pipeline.check_options).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from . import defaults


@dataclass(frozen=True)
class MapOptions:
    """Everything that decides an importance map (see saliency.importance for the names)."""

    method: str = defaults.MAP_METHOD  # the map method: subject, fused, gradcam, ...
    backbone: str = defaults.BACKBONE
    classes: str | None = None  # None: the top-k by softmax
    top_k: int = defaults.TOP_K
    suppress: str | None = None
    fusion: str = "weighted"
    alpha: float = 0.0
    beta: float = 0.0
    aug_smooth: bool = False
    eigen_smooth: bool = False
    erase: int = 0
    weights: str | None = None
    target_layer: str | None = None
    short_side: int = defaults.SHORT_SIDE
    model: str | None = None  # a trained classifier file (roicodec train-classifier); replaces backbone
    face_detector: str = defaults.FACE_DETECTOR  # the people cue's detector (people.py)


def map_options(options: MapOptions | None = None, **changes) -> MapOptions:
    """``options`` (or the defaults) with ``changes``; unknown names are an error."""
    return _changed(MapOptions, options, changes, "map option")


@dataclass(frozen=True)
class CompressOptions:
    """Everything that decides a compressed file besides the picture and its map.

    None means "the codec's or the strategy's own": the strategy (JPEG: native, the adaptive
    quantiser), the plan and its two ends. ``quality`` is the mean quality (default 75) unless a
    target size or bpp is given. ``codec_options`` are those the codec declares (`roicodec codecs`),
    e.g. JPEG's ``progressive``.
    """

    codec: str = "jpeg"
    strategy: str | None = None
    quality: float | None = None
    target_size: int | str | None = None
    target_bpp: float | None = None
    plan: str | None = None
    roi_quality: float | None = None
    bg_quality: float | None = None
    threshold: float = 0.5
    entropy_boost: float = 0.0
    fill: str | None = None  # cut-outs (default gray) and, when given, suppressed classes
    codec_options: dict = field(default_factory=dict)
    prefilter_sigma: float | None = None  # the prefilter strategy's blur; None: the codec's measured one
    background: tuple[int, int, int] = (255, 255, 255)  # what transparent pixels are laid on
    map: MapOptions = field(default_factory=MapOptions)

    def __post_init__(self):
        # A copy: the caller's dict may change later, and the value is frozen.
        object.__setattr__(self, "codec_options", dict(self.codec_options))

    def files_read(self) -> list[str]:
        """The files these options read besides the picture: the map network's weights, a trained
        classifier, a codec's file options (the learned codec's weights). No output may replace one."""
        from .codecs.registry import get_codec

        named = [self.map.weights, self.map.model]
        named += [self.codec_options.get(option.name) for option in get_codec(self.codec).options
                  if option.reads_file]
        return [str(path) for path in named if path]


#: Older keyword names the API still takes: ``method`` was the strategy, before "method" also named
#: the map method; ``map_options`` is ``map``; ``progressive`` is one of JPEG's codec options.
_RENAMED = {"method": "strategy", "map_options": "map"}


def compress_options(options: CompressOptions | None = None, **changes) -> CompressOptions:
    """``options`` (or the defaults) with ``changes``: the fields' names, or the older ones above."""
    for old, new in _RENAMED.items():
        if old in changes:
            if new in changes:
                raise TypeError(f"give {new}= or {old}=, not both")
            changes[new] = changes.pop(old)
    if changes.get("map") is None:
        changes.pop("map", None)
    if changes.pop("progressive", False):  # False is every codec's default: nothing to say then
        base = changes.get("codec_options", (options or CompressOptions()).codec_options)
        changes["codec_options"] = {**base, "progressive": True}
    return _changed(CompressOptions, options, changes, "compress option")


def _changed(kind, options, changes: dict, what: str):
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise TypeError(f"unknown {what}(s): {', '.join(unknown)}")
    return replace(options or kind(), **changes)
