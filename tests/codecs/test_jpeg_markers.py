import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from roicodec.codecs.adaptive_jpeg import encode_adaptive
from roicodec.codecs.jpeg_markers import add_metadata
from roicodec.errors import InputError


def test_icc_and_exif_survive_in_a_readable_file():
    rgb = np.full((16, 16, 3), 120, np.uint8)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "roicodec test camera"
    data = add_metadata(encode_adaptive(rgb, np.full((2, 2), 80.0)), icc_profile=icc, exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.info["icc_profile"] == icc
        assert image.getexif()[0x010F] == "roicodec test camera"


def test_a_large_icc_profile_is_split_into_chunks():
    icc = bytes(range(256)) * 600  # 153600 bytes: three APP2 segments
    data = add_metadata(encode_adaptive(np.zeros((8, 8, 3), np.uint8), np.full((1, 1), 50.0)), icc_profile=icc)
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["icc_profile"] == icc


def test_nothing_to_add_returns_the_same_bytes():
    data = encode_adaptive(np.zeros((8, 8, 3), np.uint8), np.full((1, 1), 50.0))
    assert add_metadata(data) == data


def test_not_a_jpeg_is_refused():
    with pytest.raises(InputError):
        add_metadata(b"GIF89a....", exif=b"Exif\x00\x00abc")
