import numpy as np

from roicodec.saliency.cam import fused_cam, msroi_cam


def test_msroi_takes_every_class_above_the_threshold(kodim23):
    result = msroi_cam(kodim23, threshold=0.01)
    probabilities = [c.probability for c in result.classes]
    assert len(probabilities) >= 2 and min(probabilities) >= 0.01
    assert result.method == "msroi"


def test_with_one_class_msroi_is_that_class_cam(kodim23):
    only_top = msroi_cam(kodim23, threshold=1.0)  # nothing reaches 1.0: the top class alone
    assert len(only_top.classes) == 1
    np.testing.assert_allclose(only_top.values, fused_cam(kodim23, top_k=1).values, atol=1e-5)


def test_msroi_differs_from_the_weighted_fusion(kodim23):
    assert np.abs(msroi_cam(kodim23, threshold=0.001).values - fused_cam(kodim23).values).max() > 0.05
