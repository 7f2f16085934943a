import numpy as np

from roicodec.saliency import importance_map
from roicodec.saliency.spectral import spectral_residual


def test_a_lone_object_on_a_plain_background_stands_out():
    rng = np.random.default_rng(1)
    image = np.full((240, 320, 3), 120, np.uint8)
    image[100:140, 200:250] = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    values = importance_map(image, method="spectral").values
    assert values.shape == (240, 320) and values.max() == 1.0 and values.min() == 0.0
    assert values[100:140, 200:250].mean() > 4 * values[:60, :100].mean()


def test_runs_without_a_network(kodim23):
    result = importance_map(kodim23, method="spectral")
    assert result.classes == () and result.backbone == "" and np.isfinite(result.values).all()
    assert spectral_residual(kodim23).shape[0] == 64  # the paper's working size
