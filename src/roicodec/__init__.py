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


def decode(data: bytes):
    """Decode a compressed file's bytes (any format roicodec writes) to an RGB uint8 array with Pillow."""
    from .codecs.pillow_jpeg import decode as _decode
    from .imageio import register_format_plugins

    register_format_plugins()
    return _decode(data)


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
