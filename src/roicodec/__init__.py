"""roicodec: region-of-interest image compression.

A classification network says where the subject is (an importance map); the map becomes a quality
plan; a standard codec spends the bits where the plan says. Every output opens in ordinary software.

    >>> import roicodec
    >>> result = roicodec.compress("photo.png", target_size="40KB")
    >>> result.save("photo" + result.extension)
"""

from .errors import InputError, OptionError, RoicodecError
from .imageio import LoadedImage, load_image
from .pipeline import CompressionResult, compress
from .maps import ImportanceMap
from .options import CompressOptions, MapOptions

__version__ = "0.1.0"


def __getattr__(name: str):
    """``importance_map`` loads the networks (torch): imported when first used, not with the package."""
    if name == "importance_map":
        from .saliency import importance_map

        return importance_map
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def decode(source, *, weights: str | None = None):
    """Decode a file roicodec wrote (its bytes, or a path) to an RGB uint8 array: the standard formats
    with Pillow, the learned codec's files with their model (``weights``: the checkpoint they were made
    with, when that is not CompressAI's zoo and this process has not loaded it)."""
    from pathlib import Path

    from .codecs.pillow_jpeg import decode as _decode
    from .imageio import register_format_plugins
    from .learned.container import is_learned_file

    if isinstance(source, (str, Path)):
        try:
            source = Path(source).read_bytes()
        except OSError as error:
            raise InputError(f"{source}: cannot read ({error.strerror or error})") from None
    if is_learned_file(source):
        from .learned.coder import decode as decode_learned

        return decode_learned(bytes(source), weights).rgb
    register_format_plugins()
    try:
        return _decode(bytes(source))
    except Exception as error:  # Pillow raises many types on garbage: one line
        raise InputError(f"cannot decode: {str(error).splitlines()[0] if str(error) else type(error).__name__}") from None


__all__ = [
    "CompressOptions",
    "CompressionResult",
    "ImportanceMap",
    "InputError",
    "LoadedImage",
    "MapOptions",
    "OptionError",
    "RoicodecError",
    "compress",
    "decode",
    "importance_map",
    "load_image",
    "__version__",
]
