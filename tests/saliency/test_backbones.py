import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.saliency import EMBEDDED_BACKBONES, importance_map, load_backbone


@pytest.mark.parametrize("backbone", list(EMBEDDED_BACKBONES))
@pytest.mark.parametrize("method", ["fused", "msroi"])  # the CAM family: test_gradcams.py
def test_every_method_on_every_embedded_backbone(kodim23, backbone, method):
    result = importance_map(kodim23, method=method, backbone=backbone)
    values = result.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert values.min() == 0.0 and values.max() == 1.0 and np.isfinite(values).all()
    assert result.classes[0].name == "macaw"  # real ImageNet weights, not random ones
    assert result.backbone == backbone and result.method == method
    np.testing.assert_array_equal(importance_map(kodim23, method=method, backbone=backbone).values, values)
    birds, corner = values[150:512, 420:700].mean(), values[:100, :150].mean()
    assert birds > 2 * corner


def test_backbones_are_loaded_once():
    assert load_backbone("efficientnet-lite1") is load_backbone("efficientnet-lite1")


def test_unknown_backbone_is_a_clear_error(kodim23):
    with pytest.raises(OptionError, match="available: efficientnet-lite0"):
        importance_map(kodim23[:64, :64], backbone="resnet9000")
