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
from .saliency import ImportanceMap, importance_map as _importance_map_of_pixels

__version__ = "0.1.0"


def importance_map(image, **options) -> ImportanceMap:
    """The importance map of an image (path, bytes, PIL image or array): float32 (H, W) in [0, 1]."""
    loaded = image if isinstance(image, LoadedImage) else load_image(image)
    return _importance_map_of_pixels(loaded.pixels, **options)


def decode(data: bytes):
    """Decode a compressed file's bytes (any format roicodec writes) to an RGB uint8 array with Pillow."""
    from .codecs.pillow_jpeg import decode as _decode
    from .imageio import register_format_plugins

    register_format_plugins()
    return _decode(data)


__all__ = [
    "CompressionResult",
    "ImportanceMap",
    "InputError",
    "LoadedImage",
    "OptionError",
    "RoicodecError",
    "compress",
    "decode",
    "importance_map",
    "load_image",
    "__version__",
]
