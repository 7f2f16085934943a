"""The CAM family (pytorch-grad-cam) on every embedded backbone, real weights."""

import numpy as np
import pytest

from roicodec.saliency import EMBEDDED_BACKBONES, importance_map
from roicodec.saliency.gradcams import LIBRARY_METHODS

#: One backward pass per batch: swept everywhere. The per-channel ones are tested apart (slow).
FAST = [m for m in LIBRARY_METHODS if m not in ("scorecam", "ablationcam")]
SMALL = {"short_side": 128, "top_k": 2}


@pytest.mark.parametrize("backbone", list(EMBEDDED_BACKBONES))
@pytest.mark.parametrize("method", FAST)
def test_every_cam_method_on_every_embedded_backbone(kodim23, backbone, method):
    result = importance_map(kodim23, method=method, backbone=backbone, **SMALL)
    values = result.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert values.min() == 0.0 and values.max() == 1.0 and np.isfinite(values).all()
    assert result.method == method and result.classes[0].name == "macaw"
    np.testing.assert_array_equal(importance_map(kodim23, method=method, backbone=backbone, **SMALL).values, values)
    assert values[150:512, 420:700].mean() > 1.3 * values[:100, :150].mean()


@pytest.mark.parametrize("method", ["gradcam", "hirescam", "xgradcam"])
def test_for_a_gap_linear_head_these_equal_cam(kodim23, method):
    """Theory: with global average pooling + one linear layer the gradients are the fc weights / (h w),
    so the library's Grad-CAM, HiResCAM and XGrad-CAM equal CAM read off the head (one class)."""
    np.testing.assert_allclose(importance_map(kodim23, method=method, top_k=1).values,
                               importance_map(kodim23, method="cam", top_k=1).values, atol=1e-2)


@pytest.mark.parametrize("method", ["gradcam++", "layercam", "eigencam"])
def test_these_really_differ_from_cam(kodim23, method):
    assert np.abs(importance_map(kodim23, method=method).values - importance_map(kodim23).values).max() > 0.02


def test_eigencam_is_class_agnostic(kodim23):
    np.testing.assert_array_equal(importance_map(kodim23, method="eigencam", top_k=1).values,
                                  importance_map(kodim23, method="eigencam", top_k=5).values)


@pytest.mark.parametrize("method", ["scorecam", "ablationcam"])
def test_per_channel_methods_on_a_small_input(kodim23, method, capfd):
    """One forward pass per channel: slow at full size, checked on a small input; progress on stderr."""
    result = importance_map(kodim23, method=method, top_k=1, short_side=64)
    assert result.values.shape == kodim23.shape[:2] and np.isfinite(result.values).all()
    assert result.values.max() == 1.0
    assert "it/s" in capfd.readouterr().err  # the progress bar


def test_smoothing_changes_the_map_and_stays_valid(kodim23):
    plain = importance_map(kodim23, method="gradcam", **SMALL).values
    for option in ("aug_smooth", "eigen_smooth"):
        smoothed = importance_map(kodim23, method="gradcam", **SMALL, **{option: True}).values
        assert smoothed.shape == plain.shape and np.isfinite(smoothed).all() and smoothed.max() == 1.0
        assert np.abs(smoothed - plain).max() > 0.02
    # the default map's fast path takes the same route when smoothing is asked for
    assert importance_map(kodim23, eigen_smooth=True, **SMALL).values.max() == 1.0


def test_many_classes_go_in_batches_with_progress_and_the_same_maps(kodim23, monkeypatch, capfd):
    from roicodec.saliency import gradcams

    together = importance_map(kodim23, method="gradcam++", classes="bird", short_side=96).values
    monkeypatch.setattr(gradcams, "CLASS_BATCH", 4)  # bird is 59 classes: 15 passes
    capfd.readouterr()
    in_batches = importance_map(kodim23, method="gradcam++", classes="bird", short_side=96).values
    assert "gradcam++: classes" in capfd.readouterr().err
    np.testing.assert_allclose(in_batches, together, atol=1e-4)
