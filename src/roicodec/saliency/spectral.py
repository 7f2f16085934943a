"""Spectral-residual saliency (Hou and Zhang, CVPR 2007): the classic map with no network.

Written here because the maintained implementation (OpenCV's ``saliency`` module) ships only in the
contrib wheels, which cannot sit beside the plain OpenCV wheel that pytorch-grad-cam requires. The
method is a few FFTs: the log-amplitude spectrum minus its local mean is the "residual"; back in
the image plane with the original phase, squared and blurred, it marks what stands out.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

#: The paper's working size (its short side) and blur.
WORK_SIDE = 64
BLUR_SIGMA = 2.5  # pixels at the working size (the paper: a Gaussian of sigma 8 at 64 px wide ~ 3)


def spectral_residual(rgb: np.ndarray) -> np.ndarray:
    """Saliency of an RGB uint8 image at a small working size, float (h, w) >= 0."""
    height, width = rgb.shape[:2]
    scale = WORK_SIDE / min(height, width)
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    gray = np.asarray(Image.fromarray(rgb).convert("L").resize(size, Image.Resampling.BILINEAR), dtype=np.float64)
    spectrum = np.fft.fft2(gray)
    log_amplitude = np.log(np.abs(spectrum) + 1e-9)
    residual = log_amplitude - ndimage.uniform_filter(log_amplitude, size=3, mode="wrap")
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    return ndimage.gaussian_filter(saliency, BLUR_SIGMA)
