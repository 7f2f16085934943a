"""Tests for roicodec.imageio: decoding policy, refusal of bad input, atomic writes, map files."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFile

from roicodec import imageio
from roicodec.errors import InputError, OptionError, RoicodecError
from roicodec.imageio import (
    DEFAULT_MAX_PIXELS,
    LoadedImage,
    load_image,
    load_map,
    save_map_png16,
    write_atomic,
)

ORIENTATION = 0x0112
MAKE = 0x010F
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003


# ------------------------------------------------------------------------------------------
# helpers


def encode(image: Image.Image, format_: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format_, **options)
    return buffer.getvalue()


def noise_rgb(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height RGB pixels but holds almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + png_chunk(b"IEND", b"")
    )


def composite(colour: int, alpha: int, background: int) -> int:
    """Reference: exact rational compositing, rounded to nearest."""
    return round(Fraction(colour * alpha + background * (255 - alpha), 255))


def assert_one_line_naming(exc_info: pytest.ExceptionInfo, name: str) -> None:
    message = str(exc_info.value)
    assert "\n" not in message
    assert name in message


def assert_valid(loaded: LoadedImage) -> None:
    assert loaded.pixels.dtype == np.uint8
    assert loaded.pixels.ndim == 3 and loaded.pixels.shape[2] == 3
    assert loaded.pixels.flags.c_contiguous


# ------------------------------------------------------------------------------------------
# orientation


# What a viewer shows for each EXIF orientation of the stored array (EXIF 2.3, table of tag 274).
DISPLAYED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, k=-1),  # rotate 90 degrees clockwise
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, k=1),  # rotate 90 degrees counter-clockwise
}


@pytest.mark.parametrize("orientation", sorted(DISPLAYED))
def test_exif_orientation_applied_and_reset(tmp_path: Path, orientation: int) -> None:
    stored = noise_rgb(2, 5, seed=orientation)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "TestCam"
    path = tmp_path / "oriented.png"
    Image.fromarray(stored).save(path, exif=exif.tobytes())

    loaded = load_image(path)

    np.testing.assert_array_equal(loaded.pixels, DISPLAYED[orientation](stored))
    assert loaded.pixels.flags.c_contiguous
    kept = Image.Exif()
    kept.load(loaded.exif)
    assert kept[ORIENTATION] == 1
    assert kept[MAKE] == "TestCam"


def test_orientation_6_rotates_clockwise_jpeg(tmp_path: Path) -> None:
    # stored 8 high x 16 wide: left half red, right half blue; rotated clockwise, left goes on top
    stored = np.zeros((8, 16, 3), np.uint8)
    stored[:, :8] = (255, 0, 0)
    stored[:, 8:] = (0, 0, 255)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = "2020:01:02 03:04:05"
    path = tmp_path / "photo.jpg"
    Image.fromarray(stored).save(path, quality=95, subsampling=0, exif=exif.tobytes())

    loaded = load_image(path)

    assert (loaded.height, loaded.width) == (16, 8)
    assert loaded.source_format == "JPEG"
    top, bottom = loaded.pixels[:6].astype(int), loaded.pixels[10:].astype(int)  # off the edge
    assert np.abs(top - (255, 0, 0)).max() < 40
    assert np.abs(bottom - (0, 0, 255)).max() < 40
    kept = Image.Exif()
    kept.load(loaded.exif)
    assert kept[ORIENTATION] == 1
    assert kept.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] == "2020:01:02 03:04:05"


def test_pil_source_is_not_modified() -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 8
    image = Image.open(io.BytesIO(encode(Image.fromarray(noise_rgb(3, 4)), "PNG", exif=exif)))
    loaded = load_image(image)
    assert loaded.pixels.shape == (4, 3, 3)
    assert image.size == (4, 3)
    assert image.getexif()[ORIENTATION] == 8


def test_image_without_exif_has_none() -> None:
    loaded = load_image(encode(Image.new("RGB", (3, 2), (1, 2, 3)), "PNG"))
    assert loaded.exif is None
    assert loaded.path is None


# ------------------------------------------------------------------------------------------
# modes and alpha


def test_rgba_composited_exactly_over_background(tmp_path: Path) -> None:
    background = (10, 200, 30)
    colours = [(255, 0, 100), (7, 250, 128), (90, 90, 90), (1, 2, 3)]
    alphas = [0, 1, 128, 255]
    rgba = np.array([[(*c, a) for c in colours] for a in alphas], np.uint8)
    path = tmp_path / "rgba.png"
    Image.fromarray(rgba).save(path)

    loaded = load_image(path, background=background)

    expected = np.array(
        [[[composite(c[i], a, background[i]) for i in range(3)] for c in colours] for a in alphas],
        np.uint8,
    )
    np.testing.assert_array_equal(loaded.pixels, expected)
    assert loaded.source_mode == "RGBA"
    # spot check by hand: round((255 * 128 + 10 * 127) / 255) = round(132.98) = 133
    assert tuple(loaded.pixels[2, 0]) == (133, composite(0, 128, 200), composite(100, 128, 30))
    assert tuple(loaded.pixels[0, 0]) == background
    assert tuple(loaded.pixels[3, 0]) == colours[0]


def test_default_background_is_white() -> None:
    rgba = Image.new("RGBA", (2, 2), (0, 0, 0, 0))
    assert (load_image(rgba).pixels == 255).all()


def test_palette_with_transparent_index(tmp_path: Path) -> None:
    image = Image.new("P", (3, 1))
    image.putpalette([0, 0, 0, 200, 10, 20, 5, 6, 7] + [0] * (256 * 3 - 9))
    image.putdata([0, 1, 2])
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)

    loaded = load_image(path, background=(50, 60, 70))

    assert loaded.source_mode == "P"
    np.testing.assert_array_equal(loaded.pixels[0], [(50, 60, 70), (200, 10, 20), (5, 6, 7)])


def test_gif_first_frame_is_taken(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (4, 4), (255, 0, 0)), Image.new("RGB", (4, 4), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    with Image.open(path) as check:
        assert check.n_frames == 2
    loaded = load_image(path)
    assert (loaded.pixels == (255, 0, 0)).all()


def test_la_composited() -> None:
    la = np.array([[(100, 0), (100, 255), (100, 51)]], np.uint8)
    loaded = load_image(encode(Image.fromarray(la, "LA"), "PNG"), background=(0, 50, 250))
    assert loaded.source_mode == "LA"
    expected = [[composite(100, a, b) for b in (0, 50, 250)] for a in (0, 255, 51)]
    np.testing.assert_array_equal(loaded.pixels[0], expected)


def test_grayscale_l_is_replicated() -> None:
    gray = np.array([[0, 1, 128, 255]], np.uint8)
    loaded = load_image(encode(Image.fromarray(gray), "PNG"))
    assert loaded.source_mode == "L"
    np.testing.assert_array_equal(loaded.pixels, np.repeat(gray[..., None], 3, axis=2))


def test_sixteen_bit_grey_png_scaled_with_rounding(tmp_path: Path) -> None:
    # 129 -> 0.502 (rounds up; truncation gives 0); 65280 -> 254.0 (v >> 8 would give 255);
    # 386 -> 1.502; 32767 -> 127.498; clipping conversions would give 255 for most of these
    values = np.array(
        [[0, 1, 128, 129, 257, 385, 386, 32767, 32896, 65280, 65534, 65535]], np.uint16
    )
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")

    loaded = load_image(path)

    expected = [round(Fraction(int(v) * 255, 65535)) for v in values[0]]
    assert expected[3] == 1 and expected[9] == 254
    np.testing.assert_array_equal(loaded.pixels[0, :, 0], expected)
    np.testing.assert_array_equal(loaded.pixels[..., 0], loaded.pixels[..., 2])


def test_float_mode_follows_pillow_scale() -> None:
    image = Image.fromarray(np.array([[-5.0, 0.4, 127.6, 300.0]], np.float32))
    loaded = load_image(image)
    np.testing.assert_array_equal(loaded.pixels[0, :, 1], [0, 0, 128, 255])


def test_cmyk_jpeg_converted(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)
    loaded = load_image(path)
    assert loaded.source_mode == "CMYK"
    assert np.abs(loaded.pixels.astype(int) - (255, 0, 0)).max() <= 3
    assert loaded.icc_profile is None


def test_cmyk_with_unusable_profile_falls_back_and_drops_it(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "mislabelled.jpg"
    Image.new("CMYK", (16, 16), (255, 0, 255, 0)).save(path, quality=95, icc_profile=srgb)
    with Image.open(path) as check:
        assert check.info.get("icc_profile")
    loaded = load_image(path)
    assert np.abs(loaded.pixels.astype(int) - (0, 255, 0)).max() <= 3
    assert loaded.icc_profile is None  # an RGB output must not carry the source's profile


def test_lab_converted_through_littlecms() -> None:
    loaded = load_image(Image.new("LAB", (2, 2), (128, 128, 128)))  # L* = 50, a* = b* = 0
    assert loaded.source_mode == "LAB"
    pixel = loaded.pixels[0, 0].astype(int)
    assert pixel.max() - pixel.min() <= 2  # neutral grey
    assert 110 <= pixel[0] <= 125  # L* 50 is about sRGB 119


def test_rgb_icc_profile_carried(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "tagged.png"
    Image.fromarray(noise_rgb(4, 4)).save(path, icc_profile=srgb)
    assert load_image(path).icc_profile == srgb


@pytest.mark.parametrize(
    "profile",
    [ImageCms.ImageCmsProfile(ImageCms.createProfile("XYZ")).tobytes(), b"not a profile" * 20],
    ids=["xyz-profile", "garbage"],
)
def test_non_rgb_or_broken_icc_profile_dropped(profile: bytes) -> None:
    loaded = load_image(encode(Image.fromarray(noise_rgb(4, 4)), "PNG", icc_profile=profile))
    assert loaded.icc_profile is None


# ------------------------------------------------------------------------------------------
# numpy sources


def test_uint8_array_is_copied() -> None:
    source = noise_rgb(5, 7)
    loaded = load_image(source)
    np.testing.assert_array_equal(loaded.pixels, source)
    assert not np.shares_memory(loaded.pixels, source)
    assert (loaded.height, loaded.width, loaded.size_pixels) == (5, 7, 35)
    assert loaded.source_mode == "RGB" and loaded.source_format is None and loaded.path is None


def test_gray_array_shapes() -> None:
    gray = np.array([[0, 9], [200, 255]], np.uint8)
    for source in (gray, gray[..., None]):
        loaded = load_image(source)
        np.testing.assert_array_equal(loaded.pixels, np.repeat(gray[..., None], 3, axis=2))
    assert load_image(gray).source_mode == "L"


def test_uint16_and_float_arrays_rounded() -> None:
    deep = np.array([[[129, 65280, 386]]], np.uint16)
    np.testing.assert_array_equal(load_image(deep).pixels, [[[1, 254, 2]]])
    assert load_image(deep).source_mode == "RGB;uint16"
    floats = np.array([[0.0, 0.5 / 255, 0.7 / 255, 0.5, 1.0]], np.float32)
    np.testing.assert_array_equal(load_image(floats).pixels[0, :, 0], [0, 0, 1, 128, 255])
    assert load_image(floats).source_mode == "F"


def test_rgba_array_composited() -> None:
    rgba = np.array([[(200, 100, 0, 77)]], np.uint8)
    loaded = load_image(rgba, background=(0, 0, 255))
    expected = (composite(200, 77, 0), composite(100, 77, 0), composite(0, 77, 255))
    assert tuple(loaded.pixels[0, 0]) == expected


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((2, 2, 2), np.uint8),
        np.zeros((2, 2, 3, 1), np.uint8),
        np.zeros((0, 4, 3), np.uint8),
        np.zeros((2, 2), np.int32),
        np.zeros((2, 2), bool),
        np.full((2, 2), 1.5),
        np.full((2, 2), np.nan),
    ],
    ids=["two-channels", "4d", "empty", "int32", "bool", "above-one", "nan"],
)
def test_bad_arrays_refused(array: np.ndarray) -> None:
    with pytest.raises(InputError) as info:
        load_image(array)
    assert_one_line_naming(info, "<array>")


# ------------------------------------------------------------------------------------------
# options


@pytest.mark.parametrize("background", [(1, 2), (0, 0, 256), (0.5, 0, 0), "red", 7, (True, 0, 0)])
def test_bad_background_refused(background: object) -> None:
    with pytest.raises(OptionError):
        load_image(np.zeros((2, 2), np.uint8), background=background)


@pytest.mark.parametrize("max_pixels", [0, -1, 2.5, True])
def test_bad_max_pixels_refused(max_pixels: object) -> None:
    with pytest.raises(OptionError):
        load_image(np.zeros((2, 2), np.uint8), max_pixels=max_pixels)


def test_wrong_source_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        load_image(42)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# pixel limit


def test_pixel_limit_is_per_call(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    Image.new("RGB", (10, 10)).save(path)
    assert load_image(path, max_pixels=100).size_pixels == 100
    with pytest.raises(InputError) as info:
        load_image(path, max_pixels=99)
    assert_one_line_naming(info, "small.png")
    assert "limit" in str(info.value)
    with pytest.raises(InputError):
        load_image(np.zeros((10, 10), np.uint8), max_pixels=99)
    assert load_image(path, max_pixels=None).size_pixels == 100


def test_bomb_header_refused_before_decoding(tmp_path: Path) -> None:
    # 120 Mpx: above our default limit, below Pillow's error threshold (Pillow only warns).
    # The file holds no real pixel data: a decode attempt would fail as "truncated" instead.
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(12_000, 10_000))
    assert 12_000 * 10_000 > DEFAULT_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning must not leak
        with pytest.raises(InputError) as info:
            load_image(path)
    assert_one_line_naming(info, "bomb.png")
    assert "120,000,000 pixels" in str(info.value) and "limit" in str(info.value)


def test_huge_bomb_header_refused_even_with_high_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(100_000, 100_000))
    with pytest.raises(InputError) as info:
        load_image(path, max_pixels=10**12)  # Pillow's own limit still guards
    assert_one_line_naming(info, "huge.png")
    assert "too large" in str(info.value)


def test_zero_sized_images_refused() -> None:
    with pytest.raises(InputError) as info:
        load_image(png_header_only(0, 5))
    assert_one_line_naming(info, "<bytes>")
    with pytest.raises(InputError) as info:
        load_image(Image.new("RGB", (0, 3)))
    assert_one_line_naming(info, "<PIL image>")


# ------------------------------------------------------------------------------------------
# bad files


@pytest.fixture(scope="module")
def sample_files() -> dict[str, bytes]:
    rgb = Image.fromarray(noise_rgb(24, 32, seed=1))
    alpha = np.random.default_rng(2).integers(0, 256, (24, 32, 1), dtype=np.uint8)
    rgba = Image.fromarray(np.concatenate([noise_rgb(24, 32, seed=3), alpha], axis=2))
    return {
        "png": encode(rgb, "PNG"),
        "rgba.png": encode(rgba, "PNG"),
        "jpg": encode(rgb, "JPEG", quality=90),
        "progressive.jpg": encode(rgb, "JPEG", quality=90, progressive=True),
    }


@pytest.mark.parametrize("kind", ["png", "rgba.png", "jpg", "progressive.jpg"])
def test_fuzzed_files_load_or_raise_input_error(kind: str, sample_files: dict[str, bytes]) -> None:
    data = sample_files[kind]
    assert_valid(load_image(data))
    rng = np.random.default_rng(1234)
    truncated = [data[:length] for length in np.linspace(0, len(data) - 1, 20).astype(int)]
    garbled = []
    for _ in range(40):
        variant = bytearray(data)
        for position in rng.integers(0, len(data), rng.integers(1, 9)):
            variant[position] = int(rng.integers(0, 256))
        garbled.append(bytes(variant))
    pixel_data_end = len(data) - 12 if kind.endswith("png") else len(data)  # PNG: before IEND
    for variant in truncated + garbled:
        try:
            loaded = load_image(variant)
        except InputError as exc:
            assert "\n" not in str(exc) and "<bytes>" in str(exc)
        else:
            assert_valid(loaded)  # a garbled header may well change the size
            # a cut inside the pixel data is refused, not silently filled with grey
            assert variant not in truncated or len(variant) >= pixel_data_end


@pytest.mark.parametrize("kind", ["png", "jpg"])
@pytest.mark.parametrize("lenient_elsewhere", [False, True])
def test_truncation_detected_even_if_pillow_set_lenient(
    kind: str, lenient_elsewhere: bool, sample_files: dict[str, bytes], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient_elsewhere)
    path = tmp_path / f"cut.{kind}"
    data = sample_files[kind]
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError) as info:
        load_image(path)
    assert_one_line_naming(info, "cut.")
    assert "truncated or corrupt" in str(info.value)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient_elsewhere  # the global setting is left alone


def test_empty_text_directory_missing_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not an image\n" * 10)
    directory = tmp_path / "folder.png"
    directory.mkdir()
    missing = tmp_path / "missing.png"
    for path, words in [
        (empty, "empty"),
        (text, "not an image"),
        (directory, "directory"),
        (missing, "no such file"),
    ]:
        for source in (path, str(path)):
            with pytest.raises(InputError) as info:
                load_image(source)
            assert_one_line_naming(info, path.name)
            assert words in str(info.value)
    with pytest.raises(InputError) as info:
        load_image(b"")
    assert_one_line_naming(info, "<bytes>")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, non-root"
)
def test_unreadable_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.png"
    Image.new("RGB", (2, 2)).save(path)
    path.chmod(0)
    try:
        with pytest.raises(InputError) as info:
            load_image(path)
        assert_one_line_naming(info, "locked.png")
    finally:
        path.chmod(0o644)


def test_path_and_format_recorded(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.new("RGB", (3, 2), (4, 5, 6)).save(path)
    loaded = load_image(path)
    assert loaded.path == path and loaded.source_format == "PNG" and loaded.source_mode == "RGB"
    assert (loaded.height, loaded.width) == (2, 3)
    with Image.open(path) as image:
        assert load_image(image).path == path


# ------------------------------------------------------------------------------------------
# atomic writes


def test_write_atomic_refuses_protected_input(tmp_path: Path) -> None:
    source = tmp_path / "input.png"
    source.write_bytes(b"original")
    os.link(source, tmp_path / "hardlink.png")
    (tmp_path / "symlink.png").symlink_to(source)
    spellings = [
        source,
        str(source),
        tmp_path / "sub" / ".." / "input.png",
        tmp_path / "hardlink.png",
        tmp_path / "symlink.png",
    ]
    (tmp_path / "sub").mkdir()
    for target in spellings:
        with pytest.raises(RoicodecError) as info:
            write_atomic(target, b"overwritten", protect=[source])
        assert "\n" not in str(info.value) and "input" in str(info.value)
    with pytest.raises(OptionError):
        write_atomic(source, b"overwritten", protect=str(source))  # a bare path, not its letters
    assert source.read_bytes() == b"original"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["hardlink.png", "input.png", "sub", "symlink.png"]


def test_write_atomic_replaces_existing_output(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    assert write_atomic(target, b"first", protect=[tmp_path / "in.png", None]) == target
    target.chmod(0o640)
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_write_atomic_new_file_mode_follows_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        target = write_atomic(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_atomic_creates_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.bin"
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_write_atomic_failure_leaves_no_temp_and_keeps_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"previous")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imageio.os, failing, broken)
    with pytest.raises(RoicodecError) as info:
        write_atomic(target, b"new content")
    assert "out.png" in str(info.value) and "No space left" in str(info.value)
    monkeypatch.undo()
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_write_atomic_interrupted_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imageio.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.png", b"data")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_rejects_non_bytes_and_directories(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "out.bin", "text")  # type: ignore[arg-type]
    (tmp_path / "dir").mkdir()
    with pytest.raises(RoicodecError):
        write_atomic(tmp_path / "dir", b"data")
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(RoicodecError) as info:
        write_atomic(blocker / "out.bin", b"data")
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file"]


# ------------------------------------------------------------------------------------------
# importance maps


def test_map_png16_round_trip(tmp_path: Path) -> None:
    importance = np.random.default_rng(5).random((48, 64), dtype=np.float32)
    importance[0, :3] = (0.0, 1.0, 0.5)
    path = save_map_png16(tmp_path / "map.png", importance)
    with Image.open(path) as image:
        assert image.mode == "I;16" and image.size == (64, 48)
    loaded = load_map(path, (48, 64))
    assert loaded.dtype == np.float32 and loaded.shape == (48, 64) and loaded.flags.c_contiguous
    assert np.abs(loaded - importance).max() <= 1 / 65535
    assert loaded[0, 0] == 0.0 and loaded[0, 1] == 1.0


def test_save_map_png16_protects_input(tmp_path: Path) -> None:
    source = tmp_path / "photo.png"
    source.write_bytes(b"original")
    with pytest.raises(OptionError):
        save_map_png16(source, np.zeros((2, 2)), protect=[source])
    assert source.read_bytes() == b"original"


@pytest.mark.parametrize(
    "importance",
    [
        np.zeros((2, 2, 3)),
        np.zeros((0, 3)),
        np.full((2, 2), np.nan),
        np.full((2, 2), 1.1),
        np.zeros((2, 2), np.uint8),
    ],
    ids=["3d", "empty", "nan", "above-one", "uint8"],
)
def test_save_map_png16_refuses_bad_maps(tmp_path: Path, importance: np.ndarray) -> None:
    with pytest.raises(InputError):
        save_map_png16(tmp_path / "map.png", importance)
    assert list(tmp_path.iterdir()) == []


def test_map_resized_over_the_whole_image() -> None:
    # the centres of 4 outputs over 2 inputs sit at -0.25, 0.25, 0.75, 1.25: bilinear, clamped
    resized = load_map(np.array([[0.0, 1.0]]), (1, 4))
    np.testing.assert_allclose(resized, [[0.0, 0.25, 0.75, 1.0]], atol=1e-6)
    # a map at a coarse feature-grid size covers the full frame, corners included
    coarse = np.zeros((4, 6), np.float32)
    coarse[0, 0] = 1.0
    big = load_map(coarse, (40, 60))  # each coarse cell covers 10 x 10 output pixels
    assert (big[:5, :5] == 1.0).all()  # up to the first cell's centre: the corner is kept
    assert big[15:].max() == 0.0 and big[:, 15:].max() == 0.0  # beyond the next cell's centre
    assert 0.0 < big[10, 10] < 1.0


def test_map_from_files(tmp_path: Path) -> None:
    gray = tmp_path / "gray.png"
    Image.fromarray(np.full((3, 5), 51, np.uint8)).save(gray)
    np.testing.assert_allclose(load_map(gray, (3, 5)), 0.2, atol=1e-7)
    red = tmp_path / "red.png"
    Image.new("RGB", (5, 3), (255, 0, 0)).save(red)
    np.testing.assert_allclose(load_map(red, (6, 10)), 0.299, atol=1 / 255)
    deep = tmp_path / "deep.png"
    Image.fromarray(np.full((3, 5), 12345, np.uint16)).save(deep)
    np.testing.assert_allclose(load_map(deep, (3, 5)), 12345 / 65535, atol=1e-7)


def test_map_from_arrays() -> None:
    mask = np.array([[True, False]])
    np.testing.assert_array_equal(load_map(mask, (1, 2)), [[1.0, 0.0]])
    np.testing.assert_allclose(load_map(np.array([[255, 51]], np.uint8), (1, 2)), [[1.0, 0.2]])
    np.testing.assert_allclose(load_map(np.array([[65535, 0]], np.uint16), (1, 2)), [[1.0, 0.0]])
    rgb = np.zeros((1, 1, 3), np.uint8)
    rgb[..., 1] = 255
    np.testing.assert_allclose(load_map(rgb, (1, 1)), [[0.587]], atol=1e-6)


def test_map_errors(tmp_path: Path) -> None:
    text = tmp_path / "map.txt"
    text.write_text("0.5 0.5\n")
    bad = [
        (text, "map.txt"),
        (tmp_path / "absent.png", "absent.png"),
        (np.full((2, 2), 2.0), "<array>"),
    ]
    for source, name in bad:
        with pytest.raises(InputError) as info:
            load_map(source, (2, 2))
        assert_one_line_naming(info, name)
    for shape in [(0, 2), (2,), (2.5, 3), "ab"]:
        with pytest.raises(OptionError):
            load_map(np.zeros((2, 2)), shape)  # type: ignore[arg-type]


def test_a_binary_file_object_is_an_image_source(tmp_path):
    path = tmp_path / "small.png"
    Image.fromarray(np.full((12, 16, 3), 200, np.uint8)).save(path)
    with open(path, "rb") as stream:
        assert load_image(stream).pixels.shape == (12, 16, 3)
    assert load_image(io.BytesIO(path.read_bytes())).pixels[0, 0].tolist() == [200, 200, 200]
    with open(path) as text, pytest.raises(InputError, match="text mode"):
        load_image(text)
    with pytest.raises(InputError, match="empty"):
        load_image(io.BytesIO(b""))


def test_formats_roicodec_writes_are_read_back(kodim23_small):
    import roicodec
    from roicodec.codecs.registry import get_codec

    for name in ("heic", "hevc", "jxl", "avif", "jpeg2000", "webp", "jpegli"):
        data = get_codec(name).encode(kodim23_small, 60)
        assert load_image(data).pixels.shape == kodim23_small.shape, name
        assert roicodec.decode(data).shape == kodim23_small.shape, name
