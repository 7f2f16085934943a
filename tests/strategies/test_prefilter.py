"""The prefilter: blur follows the quality plan, the plan's top stays untouched."""

import numpy as np

from roicodec.strategies.prefilter import keep_weights, prefiltered


def test_keep_weights_run_from_the_plans_bottom_to_its_top():
    plan = np.full((4, 4), 30.0)
    plan[:2, :2] = 80.0
    keep = keep_weights(plan, 32, 32)
    assert keep.shape == (32, 32) and keep[0, 0] == 1.0 and keep[-1, -1] == 0.0
    assert (keep_weights(np.full((4, 4), 55.0), 32, 32) == 1).all()  # a flat plan blurs nothing
    plan[3, 3] = 0.0  # a cut-out block does not stretch the range
    assert keep_weights(plan, 32, 32)[20, 20] == 0.0


def test_prefiltered_blurs_only_where_not_kept(textured):
    keep = np.zeros(textured.shape[:2], np.float32)
    keep[:, : textured.shape[1] // 2] = 1.0
    out = prefiltered(textured, keep, sigma=2.0)
    half = textured.shape[1] // 2
    np.testing.assert_array_equal(out[:, :half], textured[:, :half])
    assert np.abs(out[:, half + 4 :].astype(int) - textured[:, half + 4 :]).mean() > 2
