"""The plan as latent gains: the scale, the dither, the latent's grid."""

import numpy as np

from roicodec.learned import gain


def test_75_is_the_model_as_trained_and_25_a_stop():
    assert gain.quality_stops(75.0) == 0.0
    assert gain.quality_stops(100.0) == 1.0 and gain.quality_stops(50.0) == -1.0
    levels = gain.uniform_levels(100.0, 64, 64)
    np.testing.assert_array_equal(gain.level_to_gain(levels), np.full((4, 4), 2.0, np.float32))


def test_a_fraction_between_levels_is_kept_on_average_by_the_dither():
    for quality in (31.3, 57.77, 80.01):
        levels = gain.uniform_levels(quality, 512, 768)
        assert levels.shape == (32, 48)
        assert abs(levels.mean() - gain.quality_stops(quality) * gain.LEVELS_PER_STOP) < 0.05
        assert levels.max() - levels.min() <= 1


def test_each_latent_position_takes_its_2x2_blocks_and_padding_repeats_the_edge():
    plan = np.full((9, 13), 75.0)  # a 72x104 picture: latent 8x8 (padded to 128x128)
    plan[:4, :4] = 100.0
    levels = gain.plan_levels(plan, 72, 104)
    assert levels.shape == gain.latent_shape(72, 104) == (8, 8)
    assert (levels[:2, :2] == gain.LEVELS_PER_STOP).all() and (levels[3:, 3:] == 0).all()


def test_a_flat_fill_is_the_coarsest_level():
    plan = np.zeros((8, 8))
    assert (gain.plan_levels(plan, 64, 64) == gain.FLAT_LEVEL).all()
