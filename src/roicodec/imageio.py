"""Safe image input and output: every picture enters roicodec as upright 8-bit RGB, and no write can
destroy the input.

Loading policy (:func:`load_image`):

- Sources: a path, the bytes of an image file, a PIL image (its current frame) or a numpy array
  ((H, W), (H, W, 1), (H, W, 3) or (H, W, 4); uint8, uint16, or float in [0, 1]).
- Multi-frame files (GIF, TIFF, APNG, MPO): the first frame is taken; the others are ignored.
- EXIF orientation is applied (``ImageOps.exif_transpose``), so arrays are upright as viewers show
  them; the kept EXIF says Orientation = 1, so the output is not rotated a second time. An EXIF
  block Pillow cannot parse is dropped rather than costing the pixels.
- Modes: RGB as is. L, 1, P, YCbCr, HSV, ... through Pillow's ``convert("RGB")``. Alpha (RGBA, LA,
  PA, P or L/RGB with a ``transparency`` entry) is composited over ``background`` at 8 bits:
  ``round((c * a + bg * (255 - a)) / 255)``.
- 16-bit data (I;16*, and mode I, which Pillow uses for some 16-bit files; clipped to 0..65535) is
  scaled with rounding, ``round(v * 255 / 65535)``, not truncated. Mode F follows Pillow's own scale
  (0..255, as ``convert("L")`` reads it), clipped and rounded. Float arrays are in [0, 1].
- CMYK: through LittleCMS to sRGB when it carries a usable ICC profile, else Pillow's plain
  ``convert("RGB")``. LAB: through LittleCMS. Both then carry no profile: the pixels are sRGB.
- ICC: only a profile whose colour space is RGB is carried into the output; a grey or CMYK profile
  must not be attached to RGB pixels.
- Size: width * height > ``max_pixels`` is refused from the header, before any pixel is decoded.
  Pillow's own global ``Image.MAX_IMAGE_PIXELS`` still applies as a second guard (its error becomes
  an :class:`InputError`; raise it too for huge images); its warning is silenced because
  ``max_pixels`` decides. Zero-sized images are refused.
- Truncated data is an error even where other code turned on ``ImageFile.LOAD_TRUNCATED_IMAGES``:
  the switch is process-wide, so it is turned off only while a roicodec decode runs.
- Every unusable input raises :class:`InputError` with one line, ``"<name>: <what is wrong>"``.

Writing policy (:func:`write_atomic`, :func:`save_map_png16`): a temporary file in the target's
directory, fsync, ``os.replace``; the target is never half written, a write that would replace a
protected (input) file is refused, missing parent directories are created (an output location is
the caller's choice), and a new file gets the usual ``0o666 & ~umask`` mode instead of tempfile's
0o600.
"""

from __future__ import annotations

import ctypes
import io
import os
import stat
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from roicodec.errors import InputError, OptionError, RoicodecError

#: File names picked up wherever a folder of pictures is read (batch, bench, train-classifier): the
#: formats load_image reads, including every one roicodec writes (case-insensitive).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".ppm", ".pgm", ".gif",
                  ".heic", ".heif", ".avif", ".jxl", ".jp2", ".j2k")
DEFAULT_MAX_PIXELS = 100_000_000  # guard against decompression bombs; configurable per call

PathLike = Union[str, "os.PathLike[str]"]
ImageSource = Union[PathLike, bytes, bytearray, memoryview, BinaryIO, Image.Image, np.ndarray]

_ORIENTATION = 0x0112
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_CMS_MODES = frozenset({"CMYK", "LAB"})
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601, the weights of Pillow's convert("L")
_MAP_TOLERANCE = 1e-6  # float maps may overshoot [0, 1] by rounding noise


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """An image ready for the pipeline, with the metadata an output must carry over."""

    pixels: np.ndarray = field(repr=False)  # (H, W, 3) uint8 RGB, C-contiguous, upright
    icc_profile: bytes | None = field(repr=False)  # the source's RGB ICC profile, for the output
    exif: bytes | None = field(repr=False)  # EXIF with Orientation reset to 1
    source_mode: str  # PIL mode of the source, e.g. "RGBA", "P", "I;16", "CMYK"
    source_format: str | None  # e.g. "PNG", "JPEG"; None for arrays and new PIL images
    path: Path | None

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def size_pixels(self) -> int:
        return self.height * self.width


# --------------------------------------------------------------------------------------------
# Loading


def load_image(
    source: ImageSource,
    *,
    background: tuple[int, int, int] = (255, 255, 255),
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> LoadedImage:
    """Load any supported source as upright 8-bit RGB; see the module docstring for the policy."""
    bg = _check_background(background)
    _check_max_pixels(max_pixels)
    name, path = _describe(source)
    if isinstance(source, np.ndarray):
        pixels, mode = _array_to_rgb(source, bg, name, max_pixels)
        return LoadedImage(pixels, None, None, mode, None, None)
    decoded = _decode(source, name, max_pixels)
    pixels, icc = _pil_to_rgb(decoded.image, decoded.icc_profile, bg, name)
    return LoadedImage(
        np.ascontiguousarray(pixels), icc, decoded.exif, decoded.mode, decoded.format, path
    )


def rgb_pixels(image) -> np.ndarray:
    """The RGB uint8 pixels of a :class:`LoadedImage`, an RGB uint8 array (as it is), or anything
    :func:`load_image` reads."""
    if isinstance(image, LoadedImage):
        return image.pixels
    if isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3:
        return image
    return load_image(image).pixels


def load_map(source: ImageSource, shape: tuple[int, int]) -> np.ndarray:
    """Load a user's importance map as float32 in [0, 1], resized (bilinear) to ``shape`` (H, W).

    8-bit data is divided by 255, 16-bit by 65535, colour is reduced to BT.601 luminance and alpha
    is ignored. A map of another size is stretched over the whole image, not centre-cropped.
    """
    height, width = _check_shape(shape)
    name, _ = _describe(source)
    if isinstance(source, np.ndarray):
        values = _array_to_unit(source, name)
    else:
        values = _pil_to_unit(_decode(source, name, DEFAULT_MAX_PIXELS).image, name)
    if values.shape != (height, width):
        resized = Image.fromarray(values.astype(np.float32)).resize(
            (width, height), Image.Resampling.BILINEAR
        )
        values = np.asarray(resized)
    return np.ascontiguousarray(np.clip(values, 0.0, 1.0), dtype=np.float32)


@dataclass(frozen=True)
class _Decoded:
    image: Image.Image  # pixels loaded, orientation applied
    mode: str
    format: str | None
    icc_profile: bytes | None
    exif: bytes | None


def _decode(source: ImageSource, name: str, max_pixels: int | None) -> _Decoded:
    """Open, check the size, decode strictly and orient; the input file is closed afterwards."""
    if isinstance(source, Image.Image):
        return _decode_opened(source, name, max_pixels)
    with _open_stream(source, name) as stream:
        with _open_image(stream, name) as image:
            return _decode_opened(image, name, max_pixels)


def _describe(source: object) -> tuple[str, Path | None]:
    """The name that error messages use, and the path if the source has one."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source), Path(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>", None
    if isinstance(source, Image.Image):
        filename = getattr(source, "filename", "")
        return (str(filename), Path(filename)) if filename else ("<PIL image>", None)
    if isinstance(source, np.ndarray):
        return "<array>", None
    if hasattr(source, "read"):  # an open binary file, a BytesIO, an upload's stream
        return str(getattr(source, "name", "") or "<file object>"), None
    raise TypeError(
        "image source must be a path, bytes, a binary file object, a PIL image or a numpy array, "
        f"got {type(source).__name__}"
    )


def _open_stream(source: PathLike | bytes | bytearray | memoryview, name: str) -> BinaryIO:
    """A readable binary stream, with one-line errors for what the file system reports."""
    if hasattr(source, "read"):
        try:
            data = source.read()
        except UnicodeDecodeError:
            data = ""
        except OSError as error:
            raise InputError(f"{name}: cannot read ({error})") from None
        if isinstance(data, str):
            raise InputError(f"{name}: opened in text mode; open it with 'rb'")
        source = data
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise InputError(f"{name}: empty (0 bytes)")
        return io.BytesIO(data)
    with suppress(OSError):
        kind = os.stat(source).st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
            # Opening a pipe blocks until something writes to it; a device may never end.
            raise InputError(f"{name}: not a regular file (a pipe, device or socket)")
    try:
        stream = open(source, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not an image file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({_os_reason(exc)})") from exc
    if os.fstat(stream.fileno()).st_size == 0:
        stream.close()
        raise InputError(f"{name}: empty file (0 bytes)")
    return stream


def register_format_plugins() -> None:
    """Let Pillow read every format roicodec writes (HEIC/HEVC through pillow-heif, JPEG XL through
    pillow-jxl-plugin), as each codec registers its own; those not installed are skipped. Done on
    first need only: importing every codec is not free."""
    global _PLUGINS_REGISTERED
    if _PLUGINS_REGISTERED:
        return
    _PLUGINS_REGISTERED = True
    from .codecs.base import register_decoders
    from .codecs.registry import all_codecs

    register_decoders(all_codecs())


_PLUGINS_REGISTERED = False


def _open_image(stream: BinaryIO, name: str) -> Image.Image:
    """Read the header only; the pixel count is checked before anything is decoded."""
    try:
        with warnings.catch_warnings():
            # Pillow's own warnings (corrupt EXIF, bombs below the hard limit, ...) would break the
            # one-line error promise on stderr; what matters is raised, or the picture is fine.
            warnings.simplefilter("ignore")
            try:
                return Image.open(stream)
            except UnidentifiedImageError:
                if _PLUGINS_REGISTERED:
                    raise
                register_format_plugins()  # HEIC, JPEG XL: formats roicodec itself writes
                stream.seek(0)
                return Image.open(stream)
    except Image.DecompressionBombError as exc:
        raise InputError(f"{name}: image too large ({_one_line(exc)})") from exc
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image file, or a format Pillow cannot read") from None
    except Exception as exc:  # Pillow's header parsers raise many types on garbage
        raise InputError(f"{name}: corrupt image header ({_one_line(exc)})") from exc


def _decode_opened(image: Image.Image, name: str, max_pixels: int | None) -> _Decoded:
    _check_size(image.width, image.height, name, max_pixels)
    mode, format_, icc = image.mode, image.format, image.info.get("icc_profile")
    if format_ == "TIFF":
        _silence_libtiff()
    try:
        with _truncated_images_refused(), warnings.catch_warnings():
            # Pillow's own warnings (corrupt EXIF, bombs below the hard limit, ...) would break the
            # one-line error promise on stderr; what matters is raised, or the picture is fine.
            warnings.simplefilter("ignore")
            image.load()
    except Image.DecompressionBombError as exc:
        raise InputError(f"{name}: image too large ({_one_line(exc)})") from exc
    except Exception as exc:  # Pillow reports bad data as OSError, SyntaxError, ValueError,
        # struct.error, EOFError, zlib.error, ...: all of them mean this input is unusable
        raise InputError(f"{name}: truncated or corrupt image file ({_one_line(exc)})") from exc
    with warnings.catch_warnings():  # "Corrupt EXIF data" and kin: the picture itself is fine
        warnings.simplefilter("ignore")
        upright, exif = _apply_orientation(image)
    return _Decoded(upright, mode, format_, icc, exif)


_libtiff_silenced = False


def _silence_libtiff() -> None:
    """Turn off libtiff's own messages, once per process, before the first TIFF decode.

    libtiff prints warnings and errors straight to file descriptor 2 ("TIFFReadDirectory: Warning,
    Unknown field with tag ...", "TIFFFetchStripThing: Incompatible type ..."): a second line beside
    roicodec's one-line error, or noise on a good file. Pillow does not expose the handlers, and the
    exception it raises already says the file is bad. So both handlers of the libtiff that Pillow loaded
    (found among the process's mapped files; Linux only, elsewhere nothing changes) are set to none.
    Redirecting file descriptor 2 instead would also swallow other threads' output (the studio).
    """
    global _libtiff_silenced
    if _libtiff_silenced:
        return
    _libtiff_silenced = True
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if os.path.basename(line.split()[-1]).startswith("libtiff")}
        for path in paths:
            library = ctypes.CDLL(path)  # the copy already loaded: dlopen returns its handle
            for setter in (library.TIFFSetWarningHandler, library.TIFFSetErrorHandler):
                setter.argtypes, setter.restype = [ctypes.c_void_p], ctypes.c_void_p
                setter(None)
    except (OSError, AttributeError):  # no /proc (not Linux), or not a libtiff we can talk to
        pass


def _apply_orientation(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    """Rotate/flip as EXIF says and return EXIF bytes that say Orientation = 1."""
    try:
        orientation = image.getexif().get(_ORIENTATION)
        if orientation in (None, 1):  # skip exif_transpose's full copy when nothing turns
            return image, _exif_bytes(image.getexif())
        upright = ImageOps.exif_transpose(image)  # a new image: the caller's stays untouched
        exif = Image.Exif()
        exif.load(upright.getexif().tobytes())  # a private copy, safe to edit
        exif[_ORIENTATION] = 1
        return upright, _exif_bytes(exif)
    except Exception:  # broken EXIF is metadata we can drop; the pixels are still good
        return image, None


def _exif_bytes(exif: Image.Exif) -> bytes | None:
    return exif.tobytes() if len(exif) else None


def _check_size(width: int, height: int, name: str, max_pixels: int | None) -> None:
    if width <= 0 or height <= 0:
        raise InputError(f"{name}: image has no pixels ({width}x{height})")
    if max_pixels is not None and width * height > max_pixels:
        raise InputError(
            f"{name}: {width}x{height} = {width * height:,} pixels, more than the limit of "
            f"{max_pixels:,} (max_pixels)"
        )


_strict_lock = threading.Lock()
_strict_decodes = 0
_lenient_before = False


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Make Pillow raise on truncated data while we decode.

    ``ImageFile.LOAD_TRUNCATED_IMAGES`` is process-wide and normally False; then nothing is written.
    Only if other code turned it on is it off while roicodec decodes, and restored when the last
    concurrent roicodec decode ends.
    """
    global _strict_decodes, _lenient_before
    with _strict_lock:
        if _strict_decodes == 0:
            _lenient_before = bool(ImageFile.LOAD_TRUNCATED_IMAGES)
            if _lenient_before:
                ImageFile.LOAD_TRUNCATED_IMAGES = False
        _strict_decodes += 1
    try:
        yield
    finally:
        with _strict_lock:
            _strict_decodes -= 1
            if _strict_decodes == 0 and _lenient_before:
                ImageFile.LOAD_TRUNCATED_IMAGES = True


# --------------------------------------------------------------------------------------------
# Pixel conversion


def _pil_to_rgb(
    image: Image.Image, icc: bytes | None, background: np.ndarray, name: str
) -> tuple[np.ndarray, bytes | None]:
    """8-bit RGB pixels and the ICC profile that still describes them."""
    mode = image.mode
    try:
        if mode in _SIXTEEN_BIT_MODES or mode == "F":
            gray, alpha = _wide_gray_to_uint8(image)
            return _composite(np.repeat(gray[..., None], 3, axis=2), alpha, background), None
        if mode in _CMS_MODES:
            return _to_srgb(image, icc), None
        if image.has_transparency_data:
            rgba = np.array(image.convert("RGBA"))
            return _composite(rgba[..., :3], rgba[..., 3], background), _rgb_profile(icc)
        rgb = image if mode == "RGB" else image.convert("RGB")
        return np.array(rgb), _rgb_profile(icc)
    except Exception as exc:  # Pillow has no conversion for a few rare modes (e.g. La)
        reason = _one_line(exc)
        raise InputError(f"{name}: cannot convert colour mode {mode} to RGB ({reason})") from exc


def _wide_gray_to_uint8(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """16-bit (or F) grey to 8 bits with rounding; a tRNS grey value becomes alpha."""
    values = np.asarray(image)
    if image.mode == "F":
        gray = np.clip(np.rint(np.nan_to_num(values)), 0, 255).astype(np.uint8)
        return gray, None
    gray = _scale16(values)
    transparent = image.info.get("transparency")
    if isinstance(transparent, int):
        return gray, np.where(values == transparent, 0, 255).astype(np.uint8)
    return gray, None


def _scale16(values: np.ndarray) -> np.ndarray:
    """round(v * 255 / 65535) in integers (65535 is odd, so there are no ties)."""
    wide = np.clip(values, 0, 65535).astype(np.uint32)
    return ((wide * 255 + 32767) // 65535).astype(np.uint8)


def _composite(rgb: np.ndarray, alpha: np.ndarray | None, background: np.ndarray) -> np.ndarray:
    """round((c * a + bg * (255 - a)) / 255) exactly: 255 is odd, so (x + 127) // 255 rounds."""
    if alpha is None:
        return np.ascontiguousarray(rgb, dtype=np.uint8)
    a = alpha[..., None].astype(np.uint16)
    mixed = rgb.astype(np.uint16) * a + background.astype(np.uint16) * (255 - a) + 127
    return (mixed // 255).astype(np.uint8)


def _to_srgb(image: Image.Image, icc: bytes | None) -> np.ndarray:
    """CMYK or LAB to sRGB through LittleCMS; CMYK falls back to Pillow's plain formula."""
    try:
        from PIL import ImageCms

        if image.mode == "LAB":
            source = ImageCms.createProfile("LAB")
        elif icc:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        else:
            return np.array(image.convert("RGB"))
        srgb = ImageCms.createProfile("sRGB")
        return np.array(ImageCms.profileToProfile(image, source, srgb, outputMode="RGB"))
    except Exception:  # unusable profile, or Pillow built without LittleCMS
        if image.mode == "LAB":
            raise
        return np.array(image.convert("RGB"))


def _rgb_profile(icc: bytes | None) -> bytes | None:
    """The profile if LittleCMS reads it as an RGB profile, else None (never tag RGB wrongly)."""
    if not icc:
        return None
    try:
        from PIL import ImageCms

        space = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space
    except Exception:  # unreadable profile, or Pillow without LittleCMS: better none than wrong
        return None
    return icc if space.strip() == "RGB" else None


def _array_to_rgb(
    array: np.ndarray, background: np.ndarray, name: str, max_pixels: int | None
) -> tuple[np.ndarray, str]:
    """An array source as a new (H, W, 3) uint8 array, and the PIL mode it corresponds to."""
    array = _squeeze_channel(array, name, allowed=(3, 4))
    _check_size(array.shape[1], array.shape[0], name, max_pixels)
    values = _array_to_uint8(array, name)
    if values.ndim == 2:
        rgb = np.repeat(values[..., None], 3, axis=2)
    else:
        alpha = values[..., 3] if values.shape[2] == 4 else None
        rgb = _composite(values[..., :3], alpha, background)
    return np.array(rgb, dtype=np.uint8, order="C", copy=True), _array_mode(array)


def _squeeze_channel(array: np.ndarray, name: str, allowed: tuple[int, ...]) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in allowed)):
        shapes = ", ".join(f"(H, W, {c})" for c in allowed)
        raise InputError(f"{name}: expected shape (H, W) or {shapes}, got {array.shape}")
    if array.size == 0:
        raise InputError(f"{name}: image has no pixels (shape {array.shape})")
    return array


def _array_to_uint8(array: np.ndarray, name: str) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return _scale16(array)
    if np.issubdtype(array.dtype, np.floating):
        return np.rint(_check_unit_floats(array, name) * 255).astype(np.uint8)
    raise InputError(
        f"{name}: pixel type {array.dtype} not supported (use uint8, uint16 or float in [0, 1])"
    )


def _check_unit_floats(array: np.ndarray, name: str) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name}: float values contain NaN or infinity")
    low, high = float(array.min()), float(array.max())
    if low < -_MAP_TOLERANCE or high > 1 + _MAP_TOLERANCE:
        raise InputError(f"{name}: float values must lie in [0, 1], found {low:.6g}..{high:.6g}")
    return np.clip(array, 0.0, 1.0)


def _array_mode(array: np.ndarray) -> str:
    """The PIL mode with the same channels, or the layout and dtype where PIL has none."""
    layout = "L" if array.ndim == 2 else ("RGB", "RGBA")[array.shape[2] - 3]
    if array.dtype == np.uint8:
        return layout
    if layout == "L":
        return "I;16" if array.dtype == np.uint16 else "F"
    return f"{layout};{array.dtype}"


def _pil_to_unit(image: Image.Image, name: str) -> np.ndarray:
    """A decoded map image as float in [0, 1] at full source precision."""
    mode = image.mode
    try:
        if mode in _SIXTEEN_BIT_MODES:
            return np.clip(np.asarray(image), 0, 65535) / 65535.0
        if mode == "F":
            return np.clip(np.nan_to_num(np.asarray(image)) / 255.0, 0.0, 1.0)
        gray = image if mode == "L" else image.convert("L")
        return np.asarray(gray) / 255.0
    except Exception as exc:
        reason = _one_line(exc)
        raise InputError(f"{name}: cannot read colour mode {mode} as a map ({reason})") from exc


def _array_to_unit(array: np.ndarray, name: str) -> np.ndarray:
    array = _squeeze_channel(array, name, allowed=(3, 4))
    if array.dtype == np.bool_:
        values = array.astype(np.float64)
    elif array.dtype == np.uint8:
        values = array / 255.0
    elif array.dtype == np.uint16:
        values = array / 65535.0
    elif np.issubdtype(array.dtype, np.floating):
        values = _check_unit_floats(array, name)
    else:
        raise InputError(
            f"{name}: map type {array.dtype} not supported (use bool, uint8, uint16 or float)"
        )
    return values if values.ndim == 2 else values[..., :3] @ _LUMA


# --------------------------------------------------------------------------------------------
# Writing


def write_atomic(path: PathLike, data: bytes, *, protect: Iterable[PathLike | None] = ()) -> Path:
    """Write ``data`` to ``path`` all at once or not at all, never over a ``protect``-ed file.

    Parent directories are created. Raises OptionError when ``path`` is a protected file (the input
    must never be overwritten) and RoicodecError when the file system refuses the write.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    target = check_output(path, protect=protect)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = _os_reason(exc)
        message = f"{target}: cannot create directory {target.parent} ({reason})"
        raise RoicodecError(message) from exc
    mode = file_mode_for(target)
    temp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            # A short fixed prefix, not the target's name: a 250-character name must still fit.
            dir=target.parent, prefix=".roicodec-", suffix=".tmp", delete=False
        ) as temp:
            temp_name = temp.name
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException as exc:
        if temp_name is not None:
            with suppress(FileNotFoundError):
                os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise RoicodecError(f"{target}: cannot write ({_os_reason(exc)})") from exc
        raise
    _fsync_directory(target.parent)
    return target


def check_output(path: PathLike, *, protect: Iterable[PathLike | None] = ()) -> Path:
    """The output ``path`` if a file may be written there, else OptionError (or RoicodecError for a
    folder): callers check before the work, so a refused output costs nothing and leaves nothing.

    Refused: a name ending in a slash (a folder), a ``protect``-ed (input) file, a folder, and anything
    but a regular file - a device, pipe or socket, also behind a symlink: the rename that writes the
    file would replace it (as root, /dev/null itself).
    """
    if str(path).endswith(("/", os.sep)):
        raise OptionError(f"{path}: names a folder; give the output a file name")
    target = Path(path)
    refuse_protected(target, protect)
    if target.is_dir():
        raise RoicodecError(f"{target}: is a directory, cannot write a file there")
    if target.exists() and not target.is_file():
        raise OptionError(f"{target}: not a regular file (a device, pipe or socket); refusing to replace it")
    return target


def save_map_png16(
    path: PathLike, importance: np.ndarray, *, protect: Iterable[PathLike | None] = ()
) -> Path:
    """Save an (H, W) map in [0, 1] as a 16-bit grey PNG, round(v * 65535): exact to 1/65535."""
    values = np.asarray(importance)
    if values.ndim != 2 or values.size == 0:
        raise InputError(
            f"importance map: expected a non-empty (H, W) array, got shape {values.shape}"
        )
    if not (values.dtype == np.bool_ or np.issubdtype(values.dtype, np.floating)):
        raise InputError(f"importance map: expected float values in [0, 1], got {values.dtype}")
    unit = _check_unit_floats(values.astype(np.float64), "importance map")
    buffer = io.BytesIO()
    Image.fromarray(np.rint(unit * 65535).astype(np.uint16)).save(buffer, format="PNG")
    return write_atomic(path, buffer.getvalue(), protect=protect)


def refuse_protected(target: PathLike, protect: Iterable[PathLike | None]) -> None:
    """OptionError when ``target`` is one of the ``protect``-ed files (inputs are never overwritten)."""
    target = Path(target)
    if isinstance(protect, (str, os.PathLike)):  # one path given bare: not its characters
        protect = [protect]
    for guarded in protect:
        if guarded is not None and _same_file(target, Path(guarded)):
            raise OptionError(f"{target}: refusing to overwrite the input file {guarded}")


def _same_file(a: Path, b: Path) -> bool:
    """Same inode (hard links, symlinks, other spellings) or, if either is missing, same path."""
    with suppress(OSError):
        if os.path.samefile(a, b):
            return True
    return a.resolve() == b.resolve()


def file_mode_for(target: Path) -> int:
    """Keep an existing file's mode; give a new one the usual 0o666 & ~umask."""
    with suppress(OSError):
        return target.stat().st_mode & 0o7777
    umask = os.umask(0o022)  # umask can only be read by setting it: put it back at once
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------------------------
# Small helpers


def _check_background(background: object) -> np.ndarray:
    try:
        values = tuple(background)  # type: ignore[arg-type]
    except TypeError:
        values = ()
    valid = len(values) == 3 and all(_is_int(v) and 0 <= v <= 255 for v in values)
    if not valid:
        raise OptionError(
            f"background must be an RGB colour of three integers in 0..255, got {background!r}"
        )
    return np.array(values, dtype=np.uint8)


def _check_max_pixels(max_pixels: object) -> None:
    if max_pixels is None:
        return
    if not _is_int(max_pixels) or max_pixels <= 0:
        raise OptionError(f"max_pixels must be a positive integer or None, got {max_pixels!r}")


def _check_shape(shape: object) -> tuple[int, int]:
    try:
        height, width = shape  # type: ignore[misc]
        if int(height) == height and int(width) == width and height > 0 and width > 0:
            return int(height), int(width)
    except (TypeError, ValueError):
        pass
    raise OptionError(f"map shape must be two positive integers (height, width), got {shape!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _os_reason(exc: OSError) -> str:
    return exc.strerror or _one_line(exc)
