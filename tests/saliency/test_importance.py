"""Class selection and suppression through the one entry point."""

import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.saliency import MapOptions, importance_map, map_options


def test_classes_by_name_and_group(kodim23):
    birds = importance_map(kodim23, classes="bird")
    assert len(birds.classes) == 59 and birds.classes[0].name == "macaw"
    single = importance_map(kodim23, method="fused", classes="macaw")
    assert [c.index for c in single.classes] == [88]
    np.testing.assert_allclose(single.values, importance_map(kodim23, method="fused", top_k=1).values, atol=1e-6)


def test_a_class_not_in_the_picture_still_gives_a_valid_map(kodim23):
    result = importance_map(kodim23, classes="tabby cat")
    assert result.classes[0].probability < 0.01
    assert np.isfinite(result.values).all() and result.values.shape == kodim23.shape[:2]


def test_suppress_zeroes_the_suppressed_region(kodim23):
    result = importance_map(kodim23, suppress="bird")
    assert 0.02 < result.suppressed.mean() < 0.6
    assert (result.values[result.suppressed] == 0).all()
    assert all(c.index not in range(80, 101) for c in result.classes)  # the birds left the kept classes
    plain = importance_map(kodim23).values
    assert plain[result.suppressed].mean() > 2 * plain[~result.suppressed].mean()  # it was the hot region


def test_suppress_needs_classes(kodim23):
    with pytest.raises(OptionError, match="class-specific"):
        importance_map(kodim23[:64, :64], method="eigencam", suppress="dog")
    with pytest.raises(OptionError, match="also suppressed"):
        importance_map(kodim23[:64, :64], classes="cat", suppress="cat")
    with pytest.raises(OptionError, match="msroi"):
        importance_map(kodim23[:64, :64], method="msroi", classes="cat")


def test_threshold_fusion_through_the_options(kodim23):
    plain = importance_map(kodim23, method="fused", fusion="threshold").values
    sharp = importance_map(kodim23, method="fused", fusion="threshold", alpha=0.3, beta=0.1).values
    assert (sharp > 0).mean() < (plain > 0).mean()


def test_map_options_are_one_value():
    options = map_options(MapOptions(method="gradcam"), classes="dog")
    assert options.method == "gradcam" and options.classes == "dog" and options.backbone == "efficientnet-lite0"


@pytest.mark.parametrize("absent", ["school bus", "toy"])
def test_a_class_not_in_the_picture_suppresses_nothing(kodim23, absent, monkeypatch):
    monkeypatch.setenv("ROICODEC_MAP_ENGINE", "torch")  # both by torch: the ONNX engine takes no --suppress
    plain = importance_map(kodim23)
    result = importance_map(kodim23, suppress=absent)
    assert result.suppressed is not None and not result.suppressed.any()
    np.testing.assert_array_equal(result.values, plain.values)


def test_a_large_picture_is_mapped_at_the_working_size_and_returned_at_its_own(kodim23, monkeypatch):
    from roicodec.saliency import engine as module

    own = importance_map(kodim23)
    monkeypatch.setattr(module, "MAP_WORK_PIXELS", 100_000)  # kodim23 (393 216 pixels) becomes "large"
    assert module.work_size(512, 768) == (258, 387)
    working = module.working_importance_map(kodim23)
    assert working.values.shape == (258, 387)
    scaled = importance_map(kodim23)
    assert scaled.values.shape == (512, 768) and scaled.values.dtype == np.float32
    assert 0.0 <= scaled.values.min() and scaled.values.max() <= 1.0
    assert [c.name for c in scaled.classes[:2]] == [c.name for c in own.classes[:2]]
    # the same subject, drawn at a quarter of the pixels
    assert np.corrcoef(scaled.values.ravel(), own.values.ravel())[0, 1] > 0.9
