import numpy as np

from roicodec.codecs.pillow_jpeg import decode, encode_uniform
from roicodec.codecs.registry import get_codec
from roicodec.strategies.blend import BlendEncoder, level_qualities, pixel_plan


def test_levels_span_the_plan():
    continuous = np.linspace(20.0, 80.0, 30).reshape(5, 6)
    assert level_qualities(continuous).tolist() == [20, 35, 50, 65, 80]
    assert level_qualities(np.array([[20.0, 80.0, 33.3]])).tolist() == [20, 33.3, 80]  # a stepped plan keeps its steps
    np.testing.assert_allclose(level_qualities(np.linspace(50.2, 50.4, 9)[None]), [50.2, 50.25, 50.3, 50.35, 50.4])
    assert level_qualities(np.array([[40.0, 40.0]])).tolist() == [40.0]


def test_pixel_plan_is_aligned_to_the_whole_image():
    plan = np.zeros((4, 6))
    plan[:, 3:] = 90
    pixels = pixel_plan(plan, 30, 45)
    assert pixels.shape == (30, 45)
    assert pixels[:, :20].max() < 10 and pixels[:, 28:].min() > 80


def test_composite_takes_each_region_from_its_level(kodim23_small):
    encoder = BlendEncoder(kodim23_small, get_codec("jpeg"))
    plan = np.full((22, 32), 10.0)
    plan[:, 16:] = 90.0
    picture, final = encoder.composite(plan)
    assert final == 90.0
    q10 = decode(encode_uniform(kodim23_small, 10))
    q90 = decode(encode_uniform(kodim23_small, 90))
    np.testing.assert_array_equal(picture[:, :100], q10[:, :100])
    np.testing.assert_array_equal(picture[:, 160:], q90[:, 160:])
    assert decode(encoder.encode(plan)).shape == kodim23_small.shape
