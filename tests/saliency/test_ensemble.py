import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.saliency import importance_map
from roicodec.maps import normalise
from roicodec.saliency.ensemble import parse_members


def test_parse_members():
    assert parse_members("ensemble:fused@efficientnet-lite1+msroi", "efficientnet-lite0") == [
        ("fused", "efficientnet-lite1"), ("msroi", "efficientnet-lite0")]


@pytest.mark.parametrize("spec", ["ensemble:fused", "ensemble:fused+", "ensemble:fused+ensemble:msroi"])
def test_bad_ensembles(spec):
    with pytest.raises(OptionError):
        parse_members(spec, "efficientnet-lite0")


def test_an_ensemble_is_the_normalised_mean_of_its_members(kodim23):
    spec = "ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2"
    ensemble = importance_map(kodim23, method=spec)
    lite1 = importance_map(kodim23, method="fused", backbone="efficientnet-lite1").values
    lite2 = importance_map(kodim23, method="fused", backbone="efficientnet-lite2").values
    np.testing.assert_allclose(ensemble.values, normalise((lite1 + lite2) / 2), atol=1e-6)
    assert ensemble.backbone == "efficientnet-lite1+efficientnet-lite2"
    indices = [c.index for c in ensemble.classes]
    assert len(indices) == len(set(indices)) and ensemble.classes[0].name == "macaw"


def test_an_ensemble_of_a_map_with_itself_is_that_map(kodim23):
    same = importance_map(kodim23, method="ensemble:fused+fused").values
    np.testing.assert_allclose(same, importance_map(kodim23, method="fused").values, atol=1e-6)
