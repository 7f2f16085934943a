"""Codec names -> codecs. Each format module registers itself on import; this module imports them
all, so ``get_codec("webp")`` works without knowing where WebP lives."""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import OptionError
from .base import Codec

_CODECS: dict[str, Codec] = {}
#: The format modules, in the order `roicodec codecs` lists them.
FORMAT_MODULES = ("jpeg", "jpegli", "webp", "jpeg2000", "avif", "heic", "hevc", "jxl")


def register(codec: Codec) -> Codec:
    _CODECS[codec.name] = codec
    return codec


def _load_all() -> None:
    for module in FORMAT_MODULES:
        importlib.import_module(f"{__package__}.{module}")


def all_codecs() -> list[Codec]:
    """Every codec, in FORMAT_MODULES order (whatever order modules happened to be imported in)."""
    _load_all()
    ordered = [_CODECS[name] for name in FORMAT_MODULES if name in _CODECS]
    return ordered + [codec for codec in _CODECS.values() if codec not in ordered]


def get_codec(name: str) -> Codec:
    _load_all()
    key = name.strip().lower()
    aliases = {"jpg": "jpeg", "j2k": "jpeg2000", "jp2": "jpeg2000", "heif": "heic", "jpegxl": "jxl"}
    key = aliases.get(key, key)
    if key not in _CODECS:
        raise OptionError(f"unknown codec {name!r}; available: {', '.join(c.name for c in all_codecs())}")
    return _CODECS[key]


def codec_for_path(path: str | Path) -> Codec | None:
    """The codec whose extension the output path has, if any."""
    suffix = Path(path).suffix.lower()
    for codec in all_codecs():
        if suffix in codec.extensions:
            return codec
    return None
