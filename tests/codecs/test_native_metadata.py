"""The native strategies' files carry the picture's colour profile (and WebP its EXIF) as the uniform
ones do: the strategy hands every encoder the image's metadata."""

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

import roicodec

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="module")
def tagged_png(kodim23_small) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "roicodec-test-camera"  # Make
    buffer = io.BytesIO()
    Image.fromarray(kodim23_small).save(buffer, "PNG", icc_profile=ICC, exif=exif.tobytes())
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    import pillow_heif

    pillow_heif.register_heif_opener()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("codec", ["webp", "hevc", "heic"])
def test_native_files_keep_the_colour_profile(tagged_png, kodim23_small, codec):
    mask = np.zeros(kodim23_small.shape[:2], np.float32)
    mask[40:120, 80:180] = 1.0
    result = roicodec.compress(tagged_png, codec=codec, strategy="native", quality=60, importance=mask)
    image = opened(result.data)
    assert image.info.get("icc_profile") == ICC
    assert image.size == (kodim23_small.shape[1], kodim23_small.shape[0])
    without = roicodec.compress(kodim23_small, codec=codec, strategy="native", quality=60, importance=mask)
    assert opened(without.data).info.get("icc_profile") in (None, b"")
    assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(opened(without.data).convert("RGB")))


def test_native_webp_keeps_the_exif(tagged_png, kodim23_small):
    result = roicodec.compress(tagged_png, codec="webp", strategy="native", quality=60)
    assert opened(result.data).getexif().get(0x010F) == "roicodec-test-camera"
    assert result.data[12:16] == b"VP8X"  # the extended format, which browsers and libwebp read
