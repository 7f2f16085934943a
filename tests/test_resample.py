import cv2
import numpy as np
import pytest
import torch

from roicodec import resample

rng = np.random.default_rng(5)


@pytest.mark.parametrize("size", [(37, 53), (200, 301), (64, 64), (5, 400)])
def test_bilinear_upsampling_samples_as_opencv_and_torch_do(size):
    small = rng.random((9, 13)).astype(np.float32)
    ours = resample.bilinear(small, *size)
    opencv = cv2.resize(small, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
    torched = torch.nn.functional.interpolate(torch.from_numpy(small)[None, None], size=size, mode="bilinear",
                                              align_corners=False)[0, 0].numpy()
    assert ours.shape == size and ours.dtype == np.float32
    np.testing.assert_allclose(ours, torched, atol=1e-5)
    np.testing.assert_allclose(ours, opencv, atol=2e-3)  # OpenCV rounds its weights to 11 bits


def test_bands_give_the_same_rows_as_the_whole(monkeypatch):
    small = rng.random((20, 30)).astype(np.float32)
    whole = resample.bilinear(small, 301, 450)
    monkeypatch.setattr(resample, "BAND_PIXELS", 450 * 7)  # 7 rows a band: many bands, a short last one
    np.testing.assert_array_equal(resample.bilinear(small, 301, 450), whole)
    np.testing.assert_array_equal(resample.bilinear_rows(small, 301, 450, 100, 137), whole[100:137])


def test_the_same_size_is_the_same_array():
    values = rng.random((10, 12)).astype(np.float32)
    assert resample.bilinear(values, 10, 12) is values
