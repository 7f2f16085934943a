"""The bad-input corpus, made by code at test time (no committed binaries): damaged, disguised,
oversized and unusual pictures and videos, each with what roicodec must do with it.

Every sample is a file's name and bytes, its kind (for the corpus's counts) and its expectation:

- ``"fail"``: must be refused (one-line error, exit code 2, nothing written);
- ``"ok"``: must work (a valid picture, only unusual);
- ``"either"``: damage a decoder may or may not notice (a truncated tail, a flipped bit in the
  pixels); then it either works or fails cleanly, never anything else.

Pictures are small (24x32) so that a map of each costs milliseconds.
"""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, features

HEIGHT, WIDTH = 24, 32


@dataclass(frozen=True)
class Sample:
    name: str  # file name, extension included: what the user would pass
    data: bytes
    kind: str
    expect: str  # "fail", "ok" or "either"
    size: tuple[int, int] | None = None  # (width, height) of a usable picture, upright

    def __post_init__(self) -> None:
        assert self.expect in ("fail", "ok", "either"), self.expect


def picture(height: int = HEIGHT, width: int = WIDTH, seed: int = 0) -> np.ndarray:
    """A textured RGB picture: gradients, a block and noise (compresses like a photo, not flat)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 7) % 256, (y * 11) % 256, ((x + y) * 5) % 256], axis=-1).astype(np.float64)
    base[height // 4: height // 2 + 1, width // 4: width // 2 + 1] = [200, 40, 40]
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


def save(image: Image.Image, format_: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_, **options)
    return buffer.getvalue()


def _register_plugins() -> None:
    """HEIF (pillow-heif registers on a call) and JPEG XL (pillow-jxl-plugin, on import): roicodec's deps."""
    import importlib

    import pillow_heif

    importlib.import_module("pillow_jxl")
    pillow_heif.register_heif_opener()


# --------------------------------------------------------------------------------------------
# Well-formed files in every format, the material the damage is done to


@lru_cache(maxsize=None)
def formats() -> dict[str, bytes]:
    """One good 24x32 file per format and variant, by its file name."""
    _register_plugins()
    rgb = Image.fromarray(picture())
    files = {
        "plain.png": save(rgb, "PNG"),
        "baseline.jpg": save(rgb, "JPEG", quality=90),
        "progressive.jpg": save(rgb, "JPEG", quality=90, progressive=True),
        "lossy.webp": save(rgb, "WEBP", quality=80),
        "lossless.webp": save(rgb, "WEBP", lossless=True),
        "raw.tif": save(rgb, "TIFF"),
        "lzw.tif": save(rgb, "TIFF", compression="tiff_lzw"),
        "deflate.tif": save(rgb, "TIFF", compression="tiff_adobe_deflate"),
        "jpeg.tif": save(rgb, "TIFF", compression="jpeg"),
        "packbits.tif": save(rgb, "TIFF", compression="packbits"),
        "palette.gif": save(rgb.convert("P"), "GIF"),
        "plain.bmp": save(rgb, "BMP"),
        "plain.ppm": save(rgb, "PPM"),
        "plain.heic": save(rgb, "HEIF", quality=80),
        "plain.jxl": save(rgb, "JXL", quality=80),
    }
    if features.check("avif"):  # Pillow's own AVIF support (11.2 and later)
        files["plain.avif"] = save(rgb, "AVIF", quality=80)
    if features.check("jpg_2000"):
        files["plain.jp2"] = save(rgb, "JPEG2000")
        files["codestream.j2k"] = save(rgb, "JPEG2000", no_jp2=True)
    return files


def _cuts(length: int) -> list[int]:
    """Where to cut a file: inside its signature, its header, and through its data."""
    fixed = [1, 4, 12, 33]
    fractions = [int(length * f) for f in (0.25, 0.5, 0.75)] + [length - 1]
    return sorted({c for c in fixed + fractions if 0 < c < length})


def truncated() -> list[Sample]:
    samples = []
    for name, data in formats().items():
        for cut in _cuts(len(data)):
            expect = "fail" if cut <= 33 else "either"  # no picture of these fits in 33 bytes
            samples.append(Sample(f"cut{cut}-{name}", data[:cut], "truncated", expect))
    return samples


def bit_flips() -> list[Sample]:
    samples = []
    rng = np.random.default_rng(15)
    for name, data in formats().items():
        for flips in (1, 8, 64):
            damaged = bytearray(data)
            # Past the first 8 bytes: a damaged signature is "not an image", the disguise cases' job.
            for position in rng.integers(8, len(data), size=flips):
                damaged[position] ^= 1 << int(rng.integers(0, 8))
            samples.append(Sample(f"flip{flips}-{name}", bytes(damaged), "bit flip", "either"))
    return samples


EMPTY_EXTENSIONS = (".png", ".jpg", ".webp", ".tif", ".gif", ".bmp", ".heic", ".avif", ".jp2", ".jxl", ".ppm")


def empty() -> list[Sample]:
    return [Sample(f"empty{ext}", b"", "empty", "fail") for ext in EMPTY_EXTENSIONS]


# --------------------------------------------------------------------------------------------
# Files that are not what their name says


def disguised() -> list[Sample]:
    good = formats()
    text = b"These are my holiday notes, not a picture.\n" * 4
    html = b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>\n"
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    zip_ = b"PK\x03\x04" + bytes(26) + b"PK\x05\x06" + bytes(18)
    noise = np.random.default_rng(3).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    # Pillow opens EPS by running Ghostscript: without it (this machine) it fails, with it it may work.
    samples = [Sample("notes.png", text, "disguised", "fail"), Sample("notes.jpg", text, "disguised", "fail"),
               Sample("notes.tif", text, "disguised", "fail"), Sample("notes.webp", text, "disguised", "fail"),
               Sample("notes.heic", text, "disguised", "fail"), Sample("page.png", html, "disguised", "fail"),
               Sample("doc.jpg", pdf, "disguised", "fail"), Sample("archive.jpg", zip_, "disguised", "fail"),
               Sample("noise.png", noise, "disguised", "fail"), Sample("zeros.jpg", bytes(2000), "disguised", "fail"),
               Sample("drawing.png", eps, "disguised", "either"),
               Sample("magic-only.png", b"\x89PNG\r\n\x1a\n", "disguised", "fail"),
               Sample("magic-only.jpg", b"\xff\xd8\xff\xe0", "disguised", "fail")]
    for name, source in (("png-named.jpg", "plain.png"), ("jpeg-named.png", "baseline.jpg"),
                         ("webp-named.tif", "lossy.webp"), ("gif-named.bmp", "palette.gif"),
                         ("heic-named.jpg", "plain.heic"), ("tiff-named.png", "lzw.tif")):
        samples.append(Sample(name, good[source], "disguised", "ok", (WIDTH, HEIGHT)))
    return samples


# --------------------------------------------------------------------------------------------
# Decompression bombs: tiny files whose headers declare huge pictures


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_file(width: int, height: int, bit_depth: int, color_type: int, rows: bytes, extra: bytes = b"") -> bytes:
    """A PNG from raw scanlines (each with its filter byte), with extra chunks before IDAT."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra
            + png_chunk(b"IDAT", zlib.compress(rows, 9)) + png_chunk(b"IEND", b""))


def _patched_jpeg_size(width: int, height: int) -> bytes:
    data = bytearray(formats()["baseline.jpg"])
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _patched_tiff_size(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    # Pillow writes little-endian TIFFs; ImageWidth (256) and ImageLength (257) are SHORT or LONG.
    offset = struct.unpack("<I", data[4:8])[0]
    (count,) = struct.unpack("<H", data[offset: offset + 2])
    for index in range(count):
        entry = offset + 2 + 12 * index
        tag, kind = struct.unpack("<HH", data[entry: entry + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            data[entry + 2: entry + 12] = struct.pack("<HII", 4, 1, value)  # LONG, one value
    return bytes(data)


def _webp_lossless_header(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + bytes(16)
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _gif_header(width: int, height: int) -> bytes:
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return screen + descriptor + b"\x02\x02\x44\x01\x00\x3b"


def _bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 64, 0, 0, 54) + info + bytes(64)


def text_bomb_png() -> bytes:
    """A valid 2x2 PNG whose compressed text chunk inflates to 8 MB (Pillow's limit is 1 MB)."""
    text = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 8_000_000, 9))
    return png_file(2, 2, 8, 0, b"\x00\x00\x00" * 2, extra=text)


def bombs() -> list[Sample]:
    rows = b"\x00" * 64  # a few scanlines' worth: the header lies about the rest
    return [
        Sample("bomb-100k.png", png_file(100_000, 100_000, 8, 2, rows), "bomb", "fail"),
        # 100,010,000 pixels: above roicodec's 100 MP limit, below Pillow's own error (179 MP).
        Sample("bomb-just-over.png", png_file(10_001, 10_000, 8, 0, rows), "bomb", "fail"),
        Sample("bomb-wide.png", png_file(2**31 - 1, 1, 8, 0, rows), "bomb", "fail"),
        Sample("bomb.jpg", _patched_jpeg_size(65_500, 65_500), "bomb", "fail"),
        Sample("bomb.tif", _patched_tiff_size(200_000, 200_000), "bomb", "fail"),
        Sample("bomb.webp", _webp_lossless_header(16_384, 16_384), "bomb", "fail"),
        Sample("bomb.gif", _gif_header(65_535, 65_535), "bomb", "fail"),
        Sample("bomb.bmp", _bmp_header(60_000, 60_000), "bomb", "fail"),
        Sample("bomb.ppm", b"P6\n60000 60000\n255\n" + bytes(300), "bomb", "fail"),
        Sample("bomb-text.png", text_bomb_png(), "bomb", "fail"),
    ]


# --------------------------------------------------------------------------------------------
# Valid but unusual pictures: orientation, colour modes, bit depths, tiny and thin sizes


def _exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def orientations() -> list[Sample]:
    rgb = Image.fromarray(picture())
    samples = []
    for value in range(1, 9):
        size = (WIDTH, HEIGHT) if value <= 4 else (HEIGHT, WIDTH)  # 5-8 turn a quarter
        data = save(rgb, "JPEG", quality=90, exif=_exif_orientation(value))
        samples.append(Sample(f"orientation{value}.jpg", data, "EXIF orientation", "ok", size))
    broken_exif = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff\x01\x02\x03"
    samples.append(Sample("broken-exif.jpg", save(rgb, "JPEG", exif=broken_exif), "EXIF orientation", "ok",
                          (WIDTH, HEIGHT)))
    return samples


def modes() -> list[Sample]:
    """Colour modes and bit depths, each a valid file a camera or an editor writes."""
    _register_plugins()
    rgb_array = picture()
    rgb = Image.fromarray(rgb_array)
    gray = rgb.convert("L")
    gray16 = Image.fromarray((np.asarray(gray).astype(np.uint16) * 257))
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, WIDTH).astype(np.uint8), (HEIGHT, 1))))
    palette_alpha = rgb.convert("P")
    palette_alpha.info["transparency"] = 0
    rgb_trns = rgb.copy()
    rgb_trns.info["transparency"] = tuple(int(v) for v in rgb_array[0, 0])
    rows48 = b"".join(b"\x00" + (rgb_array[y].astype(">u2") * 257).tobytes() for y in range(HEIGHT))
    rows64 = b"".join(b"\x00" + np.concatenate([rgb_array[y], np.full((WIDTH, 1), 200, np.uint8)], 1)
                      .astype(">u2").tobytes() for y in range(HEIGHT))
    files = {
        "cmyk.jpg": save(rgb.convert("CMYK"), "JPEG"),
        "cmyk.tif": save(rgb.convert("CMYK"), "TIFF"),
        "gray.jpg": save(gray, "JPEG"),
        "gray16.png": save(gray16, "PNG"),
        "gray16.tif": save(gray16, "TIFF"),
        "rgb48.png": png_file(WIDTH, HEIGHT, 16, 2, rows48),
        "rgba64.png": png_file(WIDTH, HEIGHT, 16, 6, rows64),
        "palette.png": save(rgb.convert("P"), "PNG"),
        "palette4bit.png": save(rgb.convert("P", colors=16), "PNG", bits=4),
        "palette-alpha.png": save(palette_alpha, "PNG"),
        "rgb-trns.png": save(rgb_trns, "PNG"),
        "palette.bmp": save(rgb.convert("P"), "BMP"),
        "palette.tif": save(rgb.convert("P"), "TIFF"),
        "la.png": save(rgba.convert("LA"), "PNG"),
        "rgba.png": save(rgba, "PNG"),
        "rgba.webp": save(rgba, "WEBP", lossless=True),
        "rgba.tif": save(rgba, "TIFF"),
        "int32.tif": save(gray.convert("I"), "TIFF"),
        "float.tif": save(gray.convert("F"), "TIFF"),
        "bilevel.png": save(gray.convert("1"), "PNG"),
        "group4.tif": save(gray.convert("1"), "TIFF", compression="group4"),
        "lab.tif": save(rgb.convert("LAB"), "TIFF"),
        "ycbcr.jpg": save(rgb, "JPEG", subsampling=0),
        "gray.webp": save(gray, "WEBP"),
        "bad-icc.png": save(rgb, "PNG", icc_profile=b"this is no ICC profile"),
        "animated.gif": save(rgb.convert("P"), "GIF", save_all=True,
                             append_images=[Image.fromarray(picture(seed=1)).convert("P")]),
        "animated.png": save(rgb, "PNG", save_all=True, append_images=[Image.fromarray(picture(seed=1))]),
        "multipage.tif": save(rgb, "TIFF", save_all=True, append_images=[gray]),
        "rgba.heic": save(rgba, "HEIF", quality=80),
    }
    if features.check("jpg_2000"):
        files["gray.jp2"] = save(gray, "JPEG2000")
    return [Sample(name, data, "colour mode / depth", "ok", (WIDTH, HEIGHT)) for name, data in files.items()]


THIN = (2, 17, 500, 3000)


def sizes() -> list[Sample]:
    samples = []
    for side in range(1, 11):
        data = save(Image.fromarray(picture(side, side, seed=side)), "PNG")
        samples.append(Sample(f"tiny{side}x{side}.png", data, "tiny", "ok", (side, side)))
    for length in THIN:
        for width, height in ((length, 1), (1, length)):
            data = save(Image.fromarray(picture(height, width, seed=length)), "PNG")
            samples.append(Sample(f"strip{width}x{height}.png", data, "thin strip", "ok", (width, height)))
    samples.append(Sample("tiny1x1.jpg", save(Image.fromarray(picture(1, 1)), "JPEG"), "tiny", "ok", (1, 1)))
    samples.append(Sample("tiny3x2.webp", save(Image.fromarray(picture(2, 3)), "WEBP"), "tiny", "ok", (3, 2)))
    return samples


@lru_cache(maxsize=None)
def image_samples() -> tuple[Sample, ...]:
    """Every picture sample; the names are unique."""
    everything = (truncated() + bit_flips() + empty() + disguised() + bombs() + orientations() + modes()
                  + sizes())
    names = [s.name for s in everything]
    assert len(names) == len(set(names)), "sample names must be unique"
    return tuple(everything)


# --------------------------------------------------------------------------------------------
# Videos


VIDEO_SIZE = (64, 48)


def video(frames: int = 12, *, audio: bool = False, video_stream: bool = True, faststart: bool = False,
          container: str = "mp4", size: tuple[int, int] = VIDEO_SIZE, codec: str = "libx264") -> bytes:
    """A short clip made with PyAV: moving textures, optionally a second of silent AAC audio."""
    import av

    with tempfile.TemporaryDirectory() as folder:  # faststart rewrites the file: it needs a real one
        path = os.path.join(folder, "clip")
        with av.open(path, "w", format=container, options={"movflags": "faststart"} if faststart else {}) as out:
            stream = sound = None
            if video_stream:
                stream = out.add_stream(codec, rate=12)
                stream.width, stream.height = size
                stream.pix_fmt = "yuv420p" if codec == "libx264" else "yuv444p"
                stream.options = {"preset": "ultrafast"} if codec == "libx264" else {}
            if audio:
                sound = out.add_stream("aac", rate=8000)
                sound.layout = "mono"
            out.start_encoding()
            for index in range(frames if video_stream else 0):
                pixels = np.roll(picture(size[1], size[0], seed=index % 3), 2 * index, axis=1)
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    out.mux(packet)
            if sound is not None:
                silence = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
                silence.sample_rate, silence.pts = 8000, 0
                for packet in [*sound.encode(silence), *sound.encode(None)]:
                    out.mux(packet)
            if stream is not None:
                for packet in stream.encode():
                    out.mux(packet)
        with open(path, "rb") as file:
            return file.read()


@lru_cache(maxsize=None)
def video_samples() -> tuple[Sample, ...]:
    good = video()
    moov_first = video(faststart=True)
    samples = [Sample("clip.mp4", good, "good video", "ok"),
               Sample("clip-audio.mov", video(audio=True, container="mov"), "good video", "ok")]
    for label, data in (("tail-moov", good), ("faststart", moov_first)):
        for fraction in (0.02, 0.2, 0.5, 0.8, 0.99):
            cut = int(len(data) * fraction)
            samples.append(Sample(f"cut{fraction:g}-{label}.mp4", data[:cut], "truncated video", "either"))
    rng = np.random.default_rng(5)
    for index, label in enumerate(("header", "middle", "middle", "tail", "everywhere")):
        garbled = bytearray(moov_first)
        if label == "everywhere":
            positions = rng.integers(0, len(garbled), size=200)
        else:
            start = {"header": 8, "middle": len(garbled) // 2, "tail": len(garbled) - 200}[label]
            positions = start + rng.integers(0, 150, size=40)
        for position in positions:
            garbled[position] = int(rng.integers(0, 256))
        samples.append(Sample(f"garbled{index}-{label}.mp4", bytes(garbled), "garbled video", "either"))
    samples += [
        Sample("unknown-video-codec.mp4", good.replace(b"avc1", b"zzzz"), "garbled video", "fail"),
        Sample("unknown-audio-codec.mov", _unknown_audio_codec(video(audio=True, container="mov")), "garbled video",
               "fail"),
        Sample("no-track.mp4", video(frames=0), "zero-frame video", "fail"),
        Sample("zero-frames.mkv", video(frames=0, container="matroska"), "zero-frame video", "fail"),
        Sample("audio-only.mp4", video(audio=True, video_stream=False), "audio-only video", "fail"),
        Sample("still-png.mp4", formats()["plain.png"], "still image as video", "fail"),
        Sample("still-jpeg.mp4", formats()["baseline.jpg"], "still image as video", "fail"),
        Sample("odd-size.mkv", video(container="matroska", size=(63, 47), codec="ffv1"), "odd frame size",
               "fail"),
        Sample("notes.mp4", b"not a video at all\n" * 10, "disguised video", "fail"),
        Sample("empty.mp4", b"", "empty", "fail"),
        Sample("noise.mp4", np.random.default_rng(9).integers(0, 256, 4000, dtype=np.uint8).tobytes(),
               "disguised video", "fail"),
    ]
    return tuple(samples)


def _unknown_audio_codec(data: bytes) -> bytes:
    """The AAC track's object type (in its esds box's decoder config, tag 4) set to 1, a type with no
    decoder: FFmpeg then gives the stream no codec at all."""
    esds = data.index(b"esds")
    config = re.compile(rb"\x04(?:\x80{0,3}[\x00-\x7f])\x40").search(data, esds)
    damaged = bytearray(data)
    damaged[config.end() - 1] = 0x01
    return bytes(damaged)
