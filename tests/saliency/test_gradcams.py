"""The CAM family on every embedded backbone (real weights)."""

import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.saliency import EMBEDDED_BACKBONES, importance_map
from roicodec.saliency.gradcams import OWN_METHODS, TORCHCAM_METHODS, cam_family_map

FAST = [m for m in (*TORCHCAM_METHODS, *OWN_METHODS) if m != "scorecam"]


@pytest.mark.parametrize("backbone", list(EMBEDDED_BACKBONES))
@pytest.mark.parametrize("method", FAST)
def test_every_cam_method_on_every_embedded_backbone(kodim23, backbone, method):
    result = importance_map(kodim23, method=method, backbone=backbone)
    values = result.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert values.min() == 0.0 and values.max() == 1.0 and np.isfinite(values).all()
    assert result.method == method and result.classes[0].name == "macaw"
    np.testing.assert_array_equal(importance_map(kodim23, method=method, backbone=backbone).values, values)
    assert values[150:512, 420:700].mean() > 1.5 * values[:100, :150].mean()


@pytest.mark.parametrize("method", ["cam", "gradcam", "hirescam", "xgradcam"])
def test_for_a_gap_linear_head_these_equal_the_fused_cam(kodim23, method):
    """Theory: with global average pooling + one linear layer the gradients are the fc weights / (h w)."""
    np.testing.assert_allclose(importance_map(kodim23, method=method).values,
                               importance_map(kodim23, method="fused").values, atol=2e-3)


@pytest.mark.parametrize("method", ["gradcam++", "layercam", "ablationcam", "eigencam"])
def test_these_really_differ_from_the_fused_cam(kodim23, method):
    assert np.abs(importance_map(kodim23, method=method).values - importance_map(kodim23).values).max() > 0.02


def test_eigencam_is_class_agnostic(kodim23):
    np.testing.assert_allclose(cam_family_map(kodim23, "eigencam", top_k=1).values,
                               cam_family_map(kodim23, "eigencam", top_k=5).values)


def test_scorecam_runs_on_a_small_input(kodim23):
    """One forward pass per channel and class: slow at full size, checked here on a small input."""
    result = importance_map(kodim23, method="scorecam", top_k=1, short_side=64)
    assert result.values.shape == kodim23.shape[:2] and np.isfinite(result.values).all()
    assert result.values.max() == 1.0


def test_unknown_cam_method(kodim23):
    with pytest.raises(OptionError):
        cam_family_map(kodim23, "mindreading")
    with pytest.raises(OptionError):
        cam_family_map(kodim23, "gradcam", top_k=0)
