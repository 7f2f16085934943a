"""Turning a quality plan into whole-step, rectangle-shaped quantiser offsets for ffmpeg encoders."""

import numpy as np

from roicodec.codecs.region_qp import dither_to_levels, merge_rectangles, offset_rectangles, unit_means


def test_dithered_values_keep_the_mean_and_are_whole():
    qps = np.full((8, 8), 20.25)
    whole = dither_to_levels(qps)
    assert whole.dtype.kind == "i" and set(np.unique(whole)) == {20, 21} and whole.mean() == 20.25


def test_dithering_between_given_levels_uses_only_those_levels():
    values = np.linspace(10, 40, 64).reshape(8, 8)
    levels = [10, 20, 30, 40]
    dithered = dither_to_levels(values, levels)
    assert set(np.unique(dithered)) <= set(levels)
    # Each value goes to one of its two neighbouring levels, and the mean follows the plan.
    assert (np.abs(dithered - values) <= 10).all()
    assert abs(dithered.mean() - values.mean()) < 1.5
    np.testing.assert_array_equal(dither_to_levels(np.full((4, 4), 25.0), [25]), np.full((4, 4), 25))


def test_rectangles_cover_every_unit_exactly_once():
    values = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 1]])
    covered = np.full(values.shape, -1)
    for x, y, w, h, value in merge_rectangles(values):
        assert (covered[y : y + h, x : x + w] == -1).all()
        covered[y : y + h, x : x + w] = value
    np.testing.assert_array_equal(covered, values)
    assert len(merge_rectangles(values)) == 4


def test_offset_rectangles_are_in_pixels_and_skip_zero():
    rectangles = offset_rectangles(np.array([[0, 3], [0, 3]]), unit=16)
    assert rectangles == [(16, 0, 16, 32, 3)]


def test_unit_means_average_blocks_and_repeat_the_edge():
    blocks = np.arange(9, dtype=float).reshape(3, 3)
    units = unit_means(blocks, 2)
    assert units.shape == (2, 2)
    assert units[0, 0] == np.mean([0, 1, 3, 4]) and units[1, 1] == 8.0
