import numpy as np
import pytest

from roicodec import qmap
from roicodec.errors import OptionError

rng = np.random.default_rng(3)
MAP = rng.random((40, 60)) ** 2


@pytest.mark.parametrize("kind", qmap.PLANS)
def test_plans_are_monotone_in_the_map_and_within_bounds(kind):
    plan = qmap.make_plan(kind, MAP, 20.0, 80.0)
    order = np.argsort(MAP, axis=None)
    assert np.all(np.diff(plan.ravel()[order]) >= 0), "a hotter block never gets a lower quality"
    assert plan.min() >= 20.0 and plan.max() <= 80.0
    assert plan.min() < plan.max()


def test_linear_plan_matches_the_formula():
    plan = qmap.linear(np.array([[0.0, 0.25, 1.0]]), 10, 90)
    np.testing.assert_allclose(plan, [[10, 30, 90]])


def test_quantile_plan_has_five_equal_population_levels():
    plan = qmap.quantile_levels(MAP, 30, 70)
    levels, counts = np.unique(plan, return_counts=True)
    np.testing.assert_allclose(levels, [30, 40, 50, 60, 70])
    assert counts.min() >= 0.19 * MAP.size and counts.max() <= 0.21 * MAP.size


def test_two_level_plan_splits_at_the_threshold():
    plan = qmap.two_level(np.array([[0.1, 0.49, 0.5, 0.9]]), 0, 85, threshold=0.5)
    np.testing.assert_array_equal(plan, [[0, 0, 85, 85]])
    assert qmap.cutout_mask(plan).tolist() == [[True, True, False, False]]


def test_auto_plan_is_two_level_for_a_mask_and_quantile_for_a_diffuse_map():
    mask = np.zeros((40, 40))
    mask[10:30, 10:30] = 1.0
    sharp = qmap.make_plan("auto", mask, 30, 80)
    np.testing.assert_array_equal(sharp, qmap.two_level(mask, 30, 80))
    assert qmap.is_sharp(mask) and not qmap.is_sharp(MAP)
    np.testing.assert_array_equal(qmap.make_plan("auto", MAP, 30, 80), qmap.quantile_levels(MAP, 30, 80))


@pytest.mark.parametrize("target", [5.0, 33.3, 50.0, 77.7, 98.0])
@pytest.mark.parametrize("kind", qmap.PLANS)
def test_mean_target_is_exact_within_half_a_quality_step(kind, target):
    weights = qmap.block_pixel_counts((317, 475))
    importance = qmap.block_means(np.random.default_rng(1).random((317, 475)))
    plan = qmap.make_plan(kind, importance, 20, 80)
    moved = qmap.shift_to_mean(plan, target, weights)
    assert abs(qmap.mean_quality(moved, weights) - target) <= 0.5
    assert moved.min() >= 1 and moved.max() <= 100


def test_shift_keeps_cut_out_blocks_cut_out():
    plan = np.array([[0.0, 40.0, 80.0]])
    assert qmap.shifted(plan, 30)[0, 0] == 0
    assert qmap.shifted(plan, 30)[0, 2] == 100


def test_entropy_boost_raises_only_the_busiest_blocks():
    luma = np.zeros((32, 32), dtype=np.uint8)
    luma[:8, :8] = np.random.default_rng(0).integers(0, 256, (8, 8))  # one noisy block
    entropy = qmap.block_entropy(luma)
    assert entropy.shape == (4, 4)
    assert entropy[0, 0] > 5 and np.all(entropy.ravel()[1:] == 0)
    boosted = qmap.entropy_boost(np.full((4, 4), 50.0), entropy, boost=10, fraction=1 / 16)
    assert boosted[0, 0] == 60 and np.all(boosted.ravel()[1:] == 50)


def test_block_entropy_of_a_two_valued_block_is_one_bit():
    luma = np.tile(np.array([[0, 255]], dtype=np.uint8), (8, 4))
    assert qmap.block_entropy(luma)[0, 0] == pytest.approx(1.0)


def test_block_means_average_partial_edge_blocks_over_their_own_pixels():
    values = np.ones((10, 10))
    values[8:, :] = 0.0
    means = qmap.block_means(values)
    assert means.shape == (2, 2)
    assert means[1, 0] == 0.0 and means[0, 0] == 1.0
    np.testing.assert_array_equal(qmap.block_pixel_counts((10, 10)), [[64, 16], [16, 4]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: qmap.linear(MAP, 80, 20),
        lambda: qmap.make_plan("zigzag", MAP, 20, 80),
        lambda: qmap.two_level(MAP, 20, 80, threshold=1.5),
        lambda: qmap.shift_to_mean(MAP, 0),
        lambda: qmap.quantile_levels(MAP, 20, 80, levels=1),
    ],
)
def test_bad_plan_options_are_refused(call):
    with pytest.raises(OptionError):
        call()


def test_step_shift_keeps_the_plans_step_ratios_and_moves_every_block_the_same_way():
    from roicodec.codecs.jpeg_tables import quality_scale

    plan = np.array([[80.0, 60.0], [40.0, 0.0]])
    ratio = quality_scale(plan[0, 1]) / quality_scale(plan[0, 0])
    for stops in (-1.0, -0.3, 0.4):
        moved = qmap.step_shifted(plan, stops)
        assert moved[1, 1] == 0.0  # cut out stays cut out
        assert quality_scale(moved[0, 1]) / quality_scale(moved[0, 0]) == pytest.approx(ratio)
        assert np.all((moved[:, :][plan > 0] > plan[plan > 0]) == (stops > 0))
    np.testing.assert_allclose(qmap.step_shifted(plan, 0.0), plan)
    assert qmap.step_shifted(plan, -20.0)[0, 0] == qmap.MIN_QUALITY
    assert qmap.step_shifted(plan, 20.0)[0, 0] == pytest.approx(99.5)  # the finest libjpeg scale, 1 %


def test_shift_to_mean_by_step_ratios_reaches_the_mean():
    plan = np.array([[80.0, 60.0], [40.0, 30.0]])
    moved = qmap.shift_to_mean(plan, 50.0, move=qmap.step_shifted)
    assert qmap.mean_quality(moved) == pytest.approx(50.0, abs=1e-6)


def test_block_means_of_a_map_resized_on_the_fly_equal_those_of_the_resized_map(monkeypatch):
    from roicodec import resample

    small = rng.random((23, 31)).astype(np.float32)
    full = resample.bilinear(small, 205, 333)
    monkeypatch.setattr(resample, "BAND_PIXELS", 333 * 20)  # bands of 16 rows: many, edge blocks partial
    np.testing.assert_array_equal(qmap.block_means(small, size=(205, 333)), qmap.block_means(full))
    np.testing.assert_array_equal(qmap.block_means(small, size=(205, 333), at_least=0.5),
                                  qmap.block_means((full >= 0.5).astype(np.float32)))


@pytest.mark.parametrize("threshold", [2.0, -0.1, float("nan")])
def test_a_threshold_outside_0_1_is_refused_by_every_plan(threshold):
    for kind in qmap.PLANS:
        with pytest.raises(OptionError, match="threshold"):
            qmap.make_plan(kind, MAP, 20.0, 80.0, threshold)


def test_an_entropy_boost_that_is_not_a_quality_is_refused():
    for boost in (float("nan"), -1.0, 101.0):
        with pytest.raises(OptionError, match="entropy boost"):
            qmap.entropy_boost(np.full((4, 4), 50.0), rng.random((4, 4)), boost)
