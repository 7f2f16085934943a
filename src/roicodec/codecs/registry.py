"""Codec names -> codecs. Each format module registers itself on import; the registry imports them
all, so ``get_codec("webp")`` works without knowing where WebP lives."""

from __future__ import annotations

from pathlib import Path

from ..names import Registry
from .base import Codec

#: The format modules, in the order `roicodec codecs` lists them.
FORMAT_MODULES = ("jpeg", "jpegli", "webp", "jpeg2000", "avif", "heic", "hevc", "jxl")
CODECS = Registry("codec", __package__, FORMAT_MODULES,
                  aliases={"jpg": "jpeg", "j2k": "jpeg2000", "jp2": "jpeg2000", "heif": "heic", "jpegxl": "jxl"})


register = CODECS.register
all_codecs = CODECS.all  # in FORMAT_MODULES order, whatever order the modules were imported in
get_codec = CODECS.get


def codec_for_path(path: str | Path) -> Codec | None:
    """The codec whose extension the output path has, if any."""
    suffix = Path(path).suffix.lower()
    for codec in all_codecs():
        if suffix in codec.extensions:
            return codec
    return None
