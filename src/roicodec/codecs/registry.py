"""Codec names -> codecs. Each format module registers itself on import; the registry imports them
all, so ``get_codec("webp")`` works without knowing where WebP lives."""

from __future__ import annotations

from pathlib import Path

from ..names import Registry
from .base import Codec

#: The format modules, in the order `roicodec codecs` lists them.
FORMAT_MODULES = ("jpeg", "jpegli", "webp", "jpeg2000", "avif", "heic", "hevc", "jxl", "learned")
CODECS = Registry("codec", __package__, FORMAT_MODULES,
                  aliases={"jpg": "jpeg", "j2k": "jpeg2000", "jp2": "jpeg2000", "heif": "heic", "jpegxl": "jxl"})


register = CODECS.register
all_codecs = CODECS.all  # in FORMAT_MODULES order, whatever order the modules were imported in
get_codec = CODECS.get


def check_shared_options(shared: dict, codecs=None) -> None:
    """Codec options given once for several codecs (a bench grid, the studio): each must be one that
    some of them declares, with a value it takes."""
    from ..errors import OptionError

    codecs = list(codecs) if codecs is not None else all_codecs()
    declared = {option.name for codec in codecs for option in codec.options}
    stray = sorted(set(shared) - declared)
    if stray:
        raise OptionError(f"no codec here takes option {', '.join(stray)} "
                          f"({', '.join(c.name for c in codecs)} take: {', '.join(sorted(declared)) or 'none'})")
    for codec in codecs:
        codec.check_options(codec.own_options(shared))


def codec_for_path(path: str | Path) -> Codec | None:
    """The codec whose extension the output path has, if any."""
    suffix = Path(path).suffix.lower()
    for codec in all_codecs():
        if suffix in codec.extensions:
            return codec
    return None
