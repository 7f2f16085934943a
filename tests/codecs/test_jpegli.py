import io

import numpy as np
import pytest
from PIL import Image

from roicodec.codecs import jpegli
from roicodec.codecs.registry import get_codec
from roicodec.errors import OptionError


def test_jpegli_writes_standard_jpeg_that_grows_with_quality(kodim23_small):
    codec = get_codec("jpegli")
    low, high = codec.encode(kodim23_small, 30), codec.encode(kodim23_small, 80)
    assert len(low) < len(high)
    with Image.open(io.BytesIO(high)) as image:
        assert image.format == "JPEG" and image.size == (256, 176)
    assert codec.decode(high).shape == kodim23_small.shape


def test_metadata_travels_into_the_file(kodim23_small):
    data = get_codec("jpegli").encode(kodim23_small, 60, icc_profile=b"\x00" * 200)
    with Image.open(io.BytesIO(data)) as image:
        assert image.info.get("icc_profile") == b"\x00" * 200


def test_tables_are_jpeglis_at_integers_and_in_between_elsewhere(kodim23_small):
    for quality in (20, 75):
        own = Image.open(io.BytesIO(get_codec("jpegli").encode(kodim23_small, quality))).quantization
        tables = jpegli.quantisation_tables(quality)
        np.testing.assert_array_equal(tables[0].ravel(), own[0])
        np.testing.assert_array_equal(tables[1].ravel(), own[1])
    low, middle, high = (jpegli.quantisation_tables(q) for q in (62, 62.5, 63))
    assert np.all(middle <= low) and np.all(middle >= high)
    with pytest.raises(OptionError):
        jpegli.quantisation_tables(0.5)
