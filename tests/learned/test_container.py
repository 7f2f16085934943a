"""The learned codec's file: every field back, and a one-line error for anything damaged."""

import struct
import zlib

import numpy as np
import pytest

from roicodec.errors import InputError
from roicodec.learned import container
from roicodec.learned.gain import latent_shape


def sample(**changes) -> container.LearnedFile:
    levels = np.arange(-20, 20, dtype=np.int8).reshape(4, 10)[:4, :8]
    fields = dict(architecture="mbt2018-mean", quality=3, fingerprint=bytes(range(8)), height=40, width=100,
                  levels=np.resize(levels, latent_shape(40, 100)).astype(np.int8), z_string=b"zz",
                  y_strings=(b"band one", b"band two"), icc_profile=b"icc", exif=b"Exif\x00\x00II")
    fields.update(changes)
    return container.LearnedFile(**fields)


def test_every_field_comes_back():
    original = sample()
    data = container.pack(original)
    assert data.startswith(container.MAGIC) and container.is_learned_file(data)
    back = container.unpack(data, latent_shape)
    for name in ("architecture", "quality", "fingerprint", "height", "width", "z_string", "y_strings",
                 "icc_profile", "exif"):
        assert getattr(back, name) == getattr(original, name)
    np.testing.assert_array_equal(back.levels, original.levels)


def test_metadata_is_optional():
    back = container.unpack(container.pack(sample(icc_profile=None, exif=None)), latent_shape)
    assert back.icc_profile is None and back.exif is None


@pytest.mark.parametrize("damage", ["flip", "truncate", "append"])
def test_a_damaged_file_is_refused(damage):
    data = bytearray(container.pack(sample()))
    if damage == "flip":
        data[30] ^= 0x40
    elif damage == "truncate":
        data = data[:-7]
    else:
        data += b"x"
    with pytest.raises(InputError, match="damaged or truncated"):
        container.unpack(bytes(data), latent_shape)


def test_another_format_or_version_is_named():
    with pytest.raises(InputError, match="not a roicodec learned-codec file"):
        container.unpack(b"\x89PNG\r\n\x1a\n" + bytes(40), latent_shape)
    body = bytearray(container.pack(sample())[:-4])
    body[8] = 9  # version 9, with a checksum that matches
    with pytest.raises(InputError, match="version 9"):
        container.unpack(bytes(body) + struct.pack(">I", zlib.crc32(bytes(body))), latent_shape)


def test_fields_that_do_not_fit_the_picture_are_refused_even_with_a_good_checksum():
    data = container.pack(sample(levels=np.zeros((3, 3), np.int8)))
    with pytest.raises(InputError, match="gain levels do not fit"):
        container.unpack(data, latent_shape)
