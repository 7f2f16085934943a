import numpy as np

from roicodec.saliency import importance_map
from roicodec.saliency import methods


def test_msroi_sums_every_class_above_the_threshold(kodim23, monkeypatch):
    monkeypatch.setattr(methods, "MSROI_THRESHOLD", 0.01)
    result = importance_map(kodim23, method="msroi")
    assert len(result.classes) >= 2 and all(c.probability >= 0.01 for c in result.classes)
    assert result.classes[0].name == "macaw"


def test_msroi_keeps_the_top_class_when_nothing_reaches_the_threshold(kodim23, monkeypatch):
    monkeypatch.setattr(methods, "MSROI_THRESHOLD", 1.0)
    only_top = importance_map(kodim23, method="msroi")
    assert [c.name for c in only_top.classes] == ["macaw"]
    np.testing.assert_allclose(only_top.values, importance_map(kodim23, method="fused", top_k=1).values, atol=1e-5)


def test_msroi_is_unweighted_so_it_differs_from_the_fused_map(kodim23, monkeypatch):
    monkeypatch.setattr(methods, "MSROI_THRESHOLD", 0.001)
    assert np.abs(importance_map(kodim23, method="msroi").values - importance_map(kodim23, method="fused").values).max() > 0.05
