"""What a codec is to roicodec: a quality knob, an encoder, the standard decoder, the options it
takes, and, when the encoder takes a per-block plan, its native quantiser. Adding a format is one
module that builds a :class:`Codec` and registers it (see registry.py). Which region strategies a
codec takes is the strategies' to say (strategies/).

Every codec speaks one quality scale, 1-100, higher = better, so quality plans, rate control and
blending work the same for all; a codec whose own knob is different (JPEG 2000's compression rate)
maps the scale onto it and says how in ``knob``.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import InputError, OptionError

#: The kinds a codec option may have, and how a command line's text becomes each.
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


@dataclass(frozen=True)
class CodecOption:
    """One option a codec takes besides its quality (JPEG's ``progressive``, ...)."""

    name: str
    default: bool | int | float | str
    help: str
    choices: tuple[str, ...] = ()
    reads_file: bool = False  # the value names a file the encoder reads (never an output's path)

    def parse(self, value) -> bool | int | float | str:
        """``value`` (or its command-line text) as this option's kind, or OptionError."""
        kind = type(self.default)
        try:
            if kind is bool:
                if isinstance(value, str):
                    if value.strip().lower() not in _TRUE + _FALSE:
                        raise ValueError
                    return value.strip().lower() in _TRUE
                return bool(value)
            parsed = kind(value)
        except (TypeError, ValueError):
            raise OptionError(f"option {self.name} takes {_KIND_NAMES[kind]}, got {value!r}") from None
        if self.choices and parsed not in self.choices:
            raise OptionError(f"option {self.name} takes one of {', '.join(self.choices)}, got {value!r}")
        if kind is float and not math.isfinite(parsed):
            raise OptionError(f"option {self.name} takes a finite number, got {value!r}")
        if self.reads_file and parsed and not Path(parsed).is_file():
            raise InputError(f"{parsed}: file not found (option {self.name})")
        return parsed


@dataclass(frozen=True)
class Native:
    """The encoder's own per-block quantiser: the ``native`` strategy for this codec.

    ``encode(rgb, plan, *, icc_profile, exif, **options)`` encodes a whole plan (8x8 blocks, 1-100);
    a quantiser with a rate control of its own gives ``encoding(job)`` instead (strategies/base.py).
    ``default_plan``: (plan, top, bottom) measured for it, when it differs from the codec's.
    ``moves_by_steps``: rate control moves the plan by ratios of quantiser steps (qmap.step_shifted).
    """

    encode: Callable[..., bytes] | None = field(default=None, repr=False)
    encoding: Callable | None = field(default=None, repr=False)
    default_plan: tuple[str, float, float] | None = None
    moves_by_steps: bool = False


@dataclass(frozen=True)
class Codec:
    """One output format."""

    name: str
    label: str
    extensions: tuple[str, ...]
    knob: str  # what the 1-100 quality means for this encoder
    default_strategy: str
    _encode: Callable[..., bytes] = field(repr=False)
    requires: tuple[str, ...] = ()  # importable modules the encoder needs
    install: str = ""  # what to pip install when they are missing
    min_quality: float = 1.0
    max_quality: float = 100.0
    integer_quality: bool = False  # the encoder only takes whole numbers
    default_plan: tuple[str, float, float] | None = None
    """(plan, top quality, bottom quality) measured best for this codec; None: the global defaults."""
    prefilter_sigma: float | None = None
    """The ``prefilter`` strategy's blur of the least important pixels, measured per codec (None: the
    strategy's default)."""
    native: Native | None = None
    """The encoder's own per-block quantiser, when it takes a plan (the ``native`` strategy)."""
    options: tuple[CodecOption, ...] = ()
    """Options besides the quality, handed to the encoders as keywords (``--codec-option NAME=VALUE``)."""
    mime_type: str = "application/octet-stream"
    """The file's media type, for a web page or an HTTP response."""
    max_side: int | None = None
    """The longest side the format (or its encoder or standard decoder) takes, in pixels; None: no limit
    below the pixel limit."""
    pillow_plugins: tuple[str, ...] | None = None
    """The modules that let Pillow open the format (imported, or called, before a decode); None: those
    in ``requires``; () when the codec's own module registers it."""

    @property
    def plugins(self) -> tuple[str, ...]:
        return self.requires if self.pillow_plugins is None else self.pillow_plugins

    @property
    def strategies(self) -> tuple[str, ...]:
        """The region strategies that take this codec, from the strategy registry."""
        from ..strategies import all_strategies

        return tuple(s.name for s in all_strategies() if s.applies(self))

    def own_options(self, shared: dict) -> dict:
        """Those of ``shared`` (one option list for several codecs: a bench grid, the studio) that
        this codec declares."""
        declared = {option.name for option in self.options}
        return {name: value for name, value in shared.items() if name in declared}

    def check_options(self, given: dict | None) -> dict:
        """Every declared option, given values parsed (command-line text too), the rest at their
        defaults; an option this codec does not declare is an OptionError."""
        given = dict(given or {})
        declared = {option.name: option for option in self.options}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            takes = ", ".join(declared) or "none"
            raise OptionError(f"{self.label} has no option {', '.join(unknown)}; it takes: {takes}")
        return {name: option.parse(given[name]) if name in given else option.default
                for name, option in declared.items()}

    def missing(self) -> str | None:
        """None when this machine can encode the format, else a one-line reason with the fix. The
        modules are found, not imported: listing the codecs loads no encoder (CompressAI loads torch)."""
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):  # a parent package that fails, or a module set to None
                found = False
            if not found:
                return f"{self.label} needs {module}: pip install {self.install or module}"
        return None

    def check_available(self) -> None:
        reason = self.missing()
        if reason:
            raise OptionError(reason)

    def check_size(self, height: int, width: int) -> None:
        """Refuse, before any work, a picture the format cannot hold."""
        if self.max_side is not None and max(height, width) > self.max_side:
            roomy = ", ".join(c.name for c in _registered() if c.max_side is None and c.missing() is None)
            raise InputError(f"{self.label} takes at most {self.max_side} px a side; this picture is "
                             f"{width}x{height} (codecs without that limit: {roomy})")

    def encode(self, rgb: np.ndarray, quality: float, *, icc_profile: bytes | None = None,
               exif: bytes | None = None, options: dict | None = None) -> bytes:
        """Encode an RGB uint8 image at one quality (1-100) for the whole picture; ``options``: the
        codec's declared ones (see :meth:`check_options`)."""
        self.check_available()
        if not self.min_quality <= quality <= self.max_quality:
            raise OptionError(f"{self.label} quality must be between {self.min_quality:g} and "
                              f"{self.max_quality:g}, got {quality:g}")
        if self.integer_quality:
            quality = round(quality)
        self.check_size(*rgb.shape[:2])
        try:
            return self._encode(rgb, quality, icc_profile=icc_profile, exif=exif, **(options or {}))
        except (OSError, ValueError, RuntimeError) as error:  # the encoder refused this picture
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{self.label} cannot encode this {rgb.shape[1]}x{rgb.shape[0]} picture: "
                             f"{message}") from None

    def decode(self, data: bytes) -> np.ndarray:
        """The standard decoder (Pillow or its plugin) -> RGB uint8."""
        self.check_available()
        for module in self.plugins:
            _register_plugin(module)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return np.asarray(image.convert("RGB"))
        except Exception as error:
            raise InputError(f"cannot decode {self.label}: {error}") from None


def _registered() -> list["Codec"]:
    from .registry import all_codecs

    return all_codecs()


def register_decoders(codecs) -> None:
    """Let Pillow open every format these codecs write (their plugins register on import or call)."""
    for codec in codecs:
        if codec.missing() is None:
            for module in codec.plugins:
                _register_plugin(module)


def _register_plugin(module: str) -> None:
    """Plugins that register with Pillow on import or through a call."""
    imported = importlib.import_module(module)
    if module == "pillow_heif":
        imported.register_heif_opener()


def pillow_save(format_name: str, options: Callable[[float], dict], plugin: str | None = None):
    """An encoder that saves through Pillow (or a plugin registered with it)."""

    def encode(rgb: np.ndarray, quality: float, *, icc_profile=None, exif=None) -> bytes:
        if plugin:
            _register_plugin(plugin)
        extra = {}
        if icc_profile:
            extra["icc_profile"] = icc_profile
        if exif:
            extra["exif"] = exif
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format_name, **options(quality), **extra)
        return buffer.getvalue()

    return encode
