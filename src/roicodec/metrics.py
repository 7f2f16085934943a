"""Image quality metrics that agree with EPFL VQMT 1.1, plus the ROI variants our tables use.

Every function takes plain numpy arrays: ``uint8`` RGB of shape (H, W, 3) or luma of shape (H, W).
Other real dtypes are accepted when their values lie in [0, 255] (the 8-bit scale); everything is
computed in float64.

Whole-image metrics (``mse``, ``psnr``, ``ssim``, ``ms_ssim``, ``vifp``, ``psnr_hvs``,
``psnr_hvs_m``) work on luma, as VQMT does: RGB input is first turned into
Y = round(0.299 R + 0.587 G + 0.114 B) as uint8 (BT.601 full range) by :func:`luma`.
The ROI functions (``psnr_rgb``, ``roi_psnr``, ``background_psnr``, ``weighted_psnr``) work on the
samples they are given: all R, G and B samples for RGB input, the luma samples for (H, W) input.

Agreement with VQMT 1.1 on the 24 Kodak images at JPEG quality 10/30/50/75/90 (120 pairs,
``../shared/data/metric_reference``; see ``tests/test_metrics.py``): PSNR within 1e-5 dB, SSIM 2e-5,
MS-SSIM (``vqmt_variant=True``) 3e-5, VIFp 2e-4, PSNR-HVS 5e-3 dB, PSNR-HVS-M 5e-4 dB. The residue is
VQMT's float32 arithmetic (PSNR-HVS sums 25 M float32 terms, hence its larger tolerance).

Where the code comes from:

- SSIM: scikit-image's ``structural_similarity`` (Gaussian 11x11, sigma 1.5, population covariance,
  data range 255). It filters the whole image and then crops (win - 1) / 2 = 5 pixels on each side
  before taking the mean, which is exactly the 'valid' region that VQMT (and Wang's MATLAB code)
  averages over.
- MS-SSIM, VIFp, PSNR-HVS, PSNR-HVS-M: written here. scikit-image has none of them. pytorch-msssim
  builds its Gaussian in float32 (SSIM off by ~2e-6), zero-pads odd sizes when down-sampling and
  needs torch; piq needs torchvision, which does not import beside our torch. The ``psnr_hvsm``
  package (not a dependency) gives the same PSNR-HVS(-M) as the code here to 1e-14 dB, but needs
  sides that are multiples of 8, inputs scaled to [0, 1], and reports identical images as 100 dB.
- PSNR, MSE and the ROI variants are a few lines of numpy.

Edge rules (VQMT 1.1 itself refuses sizes that are not multiples of 16 for MS-SSIM and of 8 for
VIFp, so these rules are ours; they change nothing for sizes VQMT accepts):

- Identical images: ``psnr``, ``psnr_hvs``, ``psnr_hvs_m``, ``roi_psnr``... return ``math.inf``
  (VQMT 1.1's PSNR divides by zero and also gives +inf; its PSNR-HVS(-M) print a 100000 dB
  sentinel instead, which we do not copy). ``ssim`` and ``ms_ssim`` return 1.0, ``ms_ssim_db``
  of 1.0 is inf.
- PSNR-HVS(-M) on sides that are not multiples of 8: the image is cropped to whole 8x8 blocks from
  the top-left corner (the last H % 8 rows and W % 8 columns are ignored), as Ponomarenko's MATLAB
  loop does; the mean is taken over the cropped pixels.
- MS-SSIM: between scales the image is cropped to even sides (last row / column dropped) and then
  2x2-averaged. For even sides this is what VQMT's ``cv::resize(INTER_LINEAR)`` to half size
  computes. The coarsest (5th) scale must still hold an 11x11 window: sides >= 176 px.
- VIFp: at scales 2-4 the 'valid'-filtered image is sub-sampled as ``x[::2, ::2]`` (Sheikh's
  MATLAB ``ref(1:2:end, 1:2:end)``); VQMT agrees whenever sides are multiples of 8.
  Sides must be >= 41 px so that every scale holds its window. A reference with no variance at
  any position of any scale carries no information: VIFp is then undefined and returned as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import fft, ndimage
from skimage.metrics import structural_similarity

from roicodec.errors import InputError

__all__ = [
    "MetricInputError",
    "luma",
    "mse",
    "psnr",
    "ssim",
    "ms_ssim",
    "ms_ssim_db",
    "vifp",
    "psnr_hvs",
    "psnr_hvs_m",
    "psnr_rgb",
    "roi_psnr",
    "background_psnr",
    "weighted_psnr",
    "boxes_to_mask",
    "all_metrics",
    "MS_SSIM_WEIGHTS",
]

PEAK = 255.0

# SSIM constants (Wang et al. 2004): K = (0.01, 0.03), L = 255.
_C1 = (0.01 * PEAK) ** 2
_C2 = (0.03 * PEAK) ** 2
_SSIM_WIN = 11
_SSIM_SIGMA = 1.5

#: MS-SSIM exponents of scales 1..5 (Wang, Simoncelli, Bovik 2003).
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)

_VIF_SIGMA_NSQ = 2.0
_VIF_EPS = 1e-10

# Ponomarenko's tables for PSNR-HVS / PSNR-HVS-M (psnrhvsm.m, also in VQMT's PSNRHVS.cpp),
# indexed [row frequency, column frequency] of the 8x8 DCT.
_CSF = np.array(
    [
        [1.608443, 2.339554, 2.573509, 1.608443, 1.072295, 0.643377, 0.504610, 0.421887],
        [2.144591, 2.144591, 1.838221, 1.354478, 0.989811, 0.443708, 0.428918, 0.467911],
        [1.838221, 1.979622, 1.608443, 1.072295, 0.643377, 0.451493, 0.372972, 0.459555],
        [1.838221, 1.513829, 1.169777, 0.887417, 0.504610, 0.295806, 0.321689, 0.415082],
        [1.429727, 1.169777, 0.695543, 0.459555, 0.378457, 0.236102, 0.249855, 0.334222],
        [1.072295, 0.735288, 0.467911, 0.402111, 0.317717, 0.247453, 0.227744, 0.279729],
        [0.525206, 0.402111, 0.329937, 0.295806, 0.249855, 0.212687, 0.214459, 0.254803],
        [0.357432, 0.279729, 0.270896, 0.262603, 0.229778, 0.257351, 0.249855, 0.259950],
    ]
)
_MASK = np.array(
    [
        [0.390625, 0.826446, 1.000000, 0.390625, 0.173611, 0.062500, 0.038447, 0.026874],
        [0.694444, 0.694444, 0.510204, 0.277008, 0.147929, 0.029727, 0.027778, 0.033058],
        [0.510204, 0.591716, 0.390625, 0.173611, 0.062500, 0.030779, 0.021004, 0.031888],
        [0.510204, 0.346021, 0.206612, 0.118906, 0.038447, 0.013212, 0.015625, 0.026015],
        [0.308642, 0.206612, 0.073046, 0.031888, 0.021626, 0.008417, 0.009426, 0.016866],
        [0.173611, 0.081633, 0.033058, 0.024414, 0.015242, 0.009246, 0.007831, 0.011815],
        [0.041649, 0.024414, 0.016437, 0.013212, 0.009426, 0.006830, 0.006944, 0.009803],
        [0.019290, 0.011815, 0.011080, 0.010412, 0.007972, 0.010000, 0.009426, 0.010203],
    ]
)
_CSF_SQ = _CSF * _CSF
_MASK_AC = _MASK.copy()
_MASK_AC[0, 0] = 0.0  # the DC term takes no part in the masking energy
_INV_MASK = 1.0 / _MASK


class MetricInputError(InputError, ValueError):
    """Arrays that a metric cannot compare: shape mismatch, wrong layout, bad values.

    Derives from both :class:`roicodec.errors.InputError` and :class:`ValueError`.
    """


# --------------------------------------------------------------------------- input handling


def _check_array(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == np.bool_ or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise MetricInputError(f"{name}: expected a uint8 image array, got dtype {x.dtype}")
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    if not (x.ndim == 2 or (x.ndim == 3 and x.shape[2] == 3)):
        raise MetricInputError(
            f"{name}: expected RGB (H, W, 3) or luma (H, W), got shape {x.shape}"
            + (" (drop the alpha channel first)" if x.ndim == 3 and x.shape[2] == 4 else "")
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise MetricInputError(f"{name}: empty image, shape {x.shape}")
    if x.dtype != np.uint8:
        if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
            raise MetricInputError(f"{name}: contains NaN or infinity")
        lo, hi = x.min(), x.max()
        if lo < 0 or hi > PEAK:
            raise MetricInputError(f"{name}: values must lie in [0, 255], found [{lo}, {hi}]")
    return x


def _check_pair(ref: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = _check_array(ref, "ref")
    dist = _check_array(dist, "dist")
    if ref.shape != dist.shape:
        raise MetricInputError(f"shape mismatch: ref {ref.shape} vs dist {dist.shape}")
    return ref, dist


def _luma_f64(x: np.ndarray) -> np.ndarray:
    """Validated array -> float64 luma."""
    if x.ndim == 3:
        return luma(x).astype(np.float64)
    return x.astype(np.float64)


def _luma_pair(ref: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref, dist = _check_pair(ref, dist)
    return _luma_f64(ref), _luma_f64(dist)


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 full-range luma of an RGB image: uint8 (H, W).

    Y = round(0.299 R + 0.587 G + 0.114 B), evaluated in float64 and rounded half *up*
    (floor(y + 0.5), like C's ``round``), not numpy's round-half-to-even: about one pixel in a
    thousand lands on a tie, and half-to-even moved PSNR by up to 6e-4 dB away from VQMT's values.
    A (H, W) array is returned as uint8 unchanged (values are rounded the same way if float).
    """
    x = _check_array(rgb, "rgb")
    if x.ndim == 2:
        return x if x.dtype == np.uint8 else np.floor(x.astype(np.float64) + 0.5).astype(np.uint8)
    r = x[..., 0].astype(np.float64)
    g = x[..., 1].astype(np.float64)
    b = x[..., 2].astype(np.float64)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    y += 0.5
    np.floor(y, out=y)
    return y.astype(np.uint8)


# --------------------------------------------------------------------------- PSNR family


def _psnr_from_mse(m: float) -> float:
    if m == 0.0:
        return math.inf
    return 10.0 * math.log10(PEAK * PEAK / m)


def _mse_f64(a: np.ndarray, b: np.ndarray) -> float:
    d = a - b
    return float(np.mean(d * d))


def mse(ref: np.ndarray, dist: np.ndarray) -> float:
    """Mean squared error of the luma (of the arrays themselves when given (H, W))."""
    a, b = _luma_pair(ref, dist)
    return _mse_f64(a, b)


def psnr(ref: np.ndarray, dist: np.ndarray) -> float:
    """PSNR of the luma in dB, peak 255; ``math.inf`` for identical images (as VQMT 1.1)."""
    return _psnr_from_mse(mse(ref, dist))


def _sample_sq_err(ref: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Per-pixel squared error, (H, W, C) float64 (C = 1 for luma input)."""
    ref, dist = _check_pair(ref, dist)
    d = ref.astype(np.float64) - dist.astype(np.float64)
    d *= d
    return d if d.ndim == 3 else d[:, :, None]


def psnr_rgb(ref: np.ndarray, dist: np.ndarray) -> float:
    """PSNR over all R, G and B samples (one MSE over the 3*H*W samples), peak 255.

    This is the "RGB PSNR" of our ROI tables. Inputs must be RGB (H, W, 3).
    """
    ref, dist = _check_pair(ref, dist)
    if ref.ndim != 3:
        raise MetricInputError(f"psnr_rgb needs RGB (H, W, 3) arrays, got shape {ref.shape}")
    return _psnr_from_mse(float(np.mean(_sample_sq_err(ref, dist))))


def _check_mask(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise MetricInputError(
            f"mask must be a boolean (H, W) array, got dtype {mask.dtype}; "
            "threshold a map first, e.g. importance >= 0.5"
        )
    if mask.shape != tuple(shape[:2]):
        raise MetricInputError(f"mask shape {mask.shape} does not match image shape {tuple(shape[:2])}")
    return mask


def _masked_psnr(ref: np.ndarray, dist: np.ndarray, mask: np.ndarray, what: str) -> float:
    se = _sample_sq_err(ref, dist)
    mask = _check_mask(mask, se.shape)
    if not mask.any():
        raise MetricInputError(f"{what} PSNR: the region holds no pixel")
    return _psnr_from_mse(float(np.mean(se[mask])))


def roi_psnr(ref: np.ndarray, dist: np.ndarray, mask: np.ndarray) -> float:
    """PSNR over the pixels where ``mask`` (bool (H, W)) is True.

    RGB inputs: MSE over all R, G, B samples of those pixels (same convention as
    :func:`psnr_rgb`), not over luma. (H, W) inputs: over those samples.
    Raises :class:`MetricInputError` (a ValueError) if the mask selects no pixel.
    """
    return _masked_psnr(ref, dist, mask, "ROI")


def background_psnr(ref: np.ndarray, dist: np.ndarray, mask: np.ndarray) -> float:
    """PSNR over the pixels where ``mask`` is False; same conventions as :func:`roi_psnr`."""
    mask = _check_mask(mask, np.shape(ref))
    return _masked_psnr(ref, dist, ~mask, "background")


def weighted_psnr(ref: np.ndarray, dist: np.ndarray, weights: np.ndarray) -> float:
    """Saliency-weighted PSNR: MSE = sum_p w_p * e_p / sum_p w_p.

    e_p is pixel p's squared error averaged over its samples (R, G, B for RGB input), so uniform
    weights give exactly :func:`psnr_rgb` (or :func:`psnr` of (H, W) inputs). Weights: (H, W),
    finite, >= 0, not all zero.
    """
    se = _sample_sq_err(ref, dist)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != se.shape[:2]:
        raise MetricInputError(f"weights shape {w.shape} does not match image shape {se.shape[:2]}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise MetricInputError("weights must be finite and >= 0")
    total = float(w.sum())
    if total <= 0.0:
        raise MetricInputError("weights sum to zero")
    per_pixel = se.mean(axis=2)
    return _psnr_from_mse(float(np.sum(w * per_pixel) / total))


def boxes_to_mask(boxes: Iterable[Sequence[float]], shape: Sequence[int]) -> np.ndarray:
    """Boolean (H, W) mask of the union of boxes ``[x0, y0, x1, y1]``.

    x is the column, y the row; x0, y0 inclusive, x1, y1 exclusive (pixel columns x0..x1-1), the
    convention of ``kodak_subjects_dev.json``. Non-integer coordinates cover every pixel the box
    touches (x0, y0 floored; x1, y1 ceiled). Boxes are clipped to the image; an empty box adds
    nothing. ``shape`` is (H, W) or an image shape (H, W, C).
    """
    if len(shape) < 2:
        raise MetricInputError(f"shape needs at least (H, W), got {tuple(shape)}")
    h, w = int(shape[0]), int(shape[1])
    mask = np.zeros((h, w), dtype=bool)
    for box in boxes:
        coords = [float(c) for c in box]
        if len(coords) != 4 or not all(math.isfinite(c) for c in coords):
            raise MetricInputError(f"a box is [x0, y0, x1, y1] with finite numbers, got {box!r}")
        x0, y0, x1, y1 = coords
        if x1 < x0 or y1 < y0:
            raise MetricInputError(f"box {box!r} has x1 < x0 or y1 < y0")
        c0 = min(max(math.floor(x0), 0), w)
        c1 = min(max(math.ceil(x1), 0), w)
        r0 = min(max(math.floor(y0), 0), h)
        r1 = min(max(math.ceil(y1), 0), h)
        mask[r0:r1, c0:c1] = True
    return mask


# --------------------------------------------------------------------------- SSIM / MS-SSIM


def _gauss1d(n: int, sigma: float) -> np.ndarray:
    x = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    k = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return k / k.sum()


def _valid_blur(stack: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Separable correlation of each (H, W) plane of ``stack`` (N, H, W), 'valid' region only.

    Like VQMT's applyGaussianBlur / MATLAB's filter2(..., 'valid'): outputs (H-n+1, W-n+1).
    The border mode is irrelevant because the border-dependent rows/columns are cut off.
    Both passes run along the contiguous last axis (the second on a transposed copy), which is
    about 1.5x faster than filtering along rows; the result is a transposed view.
    """
    r = (len(k) - 1) // 2
    h, w = stack.shape[-2:]
    out = ndimage.correlate1d(stack, k, axis=-1, mode="nearest")[:, :, r : w - r]
    out = np.ascontiguousarray(out.transpose(0, 2, 1))
    out = ndimage.correlate1d(out, k, axis=-1, mode="nearest")[:, :, r : h - r]
    return out.transpose(0, 2, 1)


def _ssim_cs(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean SSIM and mean contrast-structure term over the valid region (float64 luma).

    Hand-written because MS-SSIM needs the cs term, which scikit-image does not return.
    """
    k = _gauss1d(_SSIM_WIN, _SSIM_SIGMA)
    mu1, mu2, e11, e22, e12 = _valid_blur(np.stack((a, b, a * a, b * b, a * b)), k)
    mu11 = mu1 * mu1
    mu22 = mu2 * mu2
    mu12 = mu1 * mu2
    s11 = e11 - mu11
    s22 = e22 - mu22
    s12 = e12 - mu12
    cs = (2.0 * s12 + _C2) / (s11 + s22 + _C2)
    lum = (2.0 * mu12 + _C1) / (mu11 + mu22 + _C1)
    return float(np.mean(lum * cs)), float(np.mean(cs))


def _ssim_f64(a: np.ndarray, b: np.ndarray) -> float:
    if min(a.shape) < _SSIM_WIN:
        raise MetricInputError(f"SSIM needs images of at least {_SSIM_WIN}x{_SSIM_WIN}, got {a.shape}")
    return float(
        structural_similarity(
            a,
            b,
            gaussian_weights=True,
            sigma=_SSIM_SIGMA,
            use_sample_covariance=False,
            data_range=PEAK,
        )
    )


def ssim(ref: np.ndarray, dist: np.ndarray) -> float:
    """SSIM of the luma: Gaussian 11x11 window, sigma 1.5, K = (0.01, 0.03), L = 255,
    population covariance, mean over the valid region (no padding). Identical images give 1.0."""
    a, b = _luma_pair(ref, dist)
    return _ssim_f64(a, b)


def _halve(x: np.ndarray) -> np.ndarray:
    """Crop to even sides, then 2x2 average."""
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    return x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def _ms_ssim_f64(a: np.ndarray, b: np.ndarray, vqmt_variant: bool) -> tuple[float, float]:
    """Returns (MS-SSIM, SSIM at full scale)."""
    levels = len(MS_SSIM_WEIGHTS)
    if min(a.shape) // 2 ** (levels - 1) < _SSIM_WIN:
        raise MetricInputError(
            f"MS-SSIM needs sides of at least {_SSIM_WIN * 2 ** (levels - 1)} px "
            f"(an {_SSIM_WIN}x{_SSIM_WIN} window at the 5th scale), got {a.shape}"
        )
    value = 1.0
    first_ssim = math.nan
    for level, weight in enumerate(MS_SSIM_WEIGHTS):
        s, cs = _ssim_cs(a, b)
        if level == 0:
            first_ssim = s
        if level < levels - 1:
            # A negative mean cs (anti-correlated images) has no real power: clamp to 0 like
            # pytorch-msssim (VQMT would print NaN).
            value *= max(cs, 0.0) ** weight
            a = _halve(a)
            b = _halve(b)
        else:
            value *= max(s, 0.0) ** (1.0 if vqmt_variant else weight)
    return value, first_ssim


def ms_ssim(ref: np.ndarray, dist: np.ndarray, *, vqmt_variant: bool = False) -> float:
    """MS-SSIM of the luma: 5 scales, 2x2 average down-sampling, weights :data:`MS_SSIM_WEIGHTS`.

    MS-SSIM = prod_{j=1..4} mean(cs_j) ** w_j * mean(ssim_5) ** w_5. With ``vqmt_variant=True``
    the last exponent is 1.0 instead of 0.1333, as EPFL VQMT computes it (use that to compare with
    VQMT's numbers). Sides must be >= 176 px; odd sides are cropped to even before each halving.
    """
    a, b = _luma_pair(ref, dist)
    return _ms_ssim_f64(a, b, vqmt_variant)[0]


def ms_ssim_db(value: float | np.ndarray) -> float | np.ndarray:
    """MS-SSIM in dB: -10 log10(1 - value); inf for 1.0. Accepts a float or an array."""
    v = np.asarray(value, dtype=np.float64)
    with np.errstate(divide="ignore"):
        out = -10.0 * np.log10(1.0 - v)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- VIFp


def _vifp_f64(ref: np.ndarray, dist: np.ndarray) -> float:
    """Pixel-domain VIF (Sheikh & Bovik 2006), the vifp_mscale.m algorithm as VQMT runs it.

    Hand-written: no maintained numpy implementation is at hand (piq's needs torchvision).
    """
    num = 0.0
    den = 0.0
    r, d = ref, dist
    for scale in range(4):
        n = 2 ** (4 - scale) + 1  # 17, 9, 5, 3
        k = _gauss1d(n, n / 5.0)
        if scale > 0:
            r, d = _valid_blur(np.stack((r, d)), k)[:, ::2, ::2]
        if min(r.shape) < n:
            raise MetricInputError(f"VIFp needs sides of at least 41 px, got {ref.shape}")
        mu1, mu2, e11, e22, e12 = _valid_blur(np.stack((r, d, r * r, d * d, r * d)), k)
        s11 = np.maximum(e11 - mu1 * mu1, 0.0)
        s22 = np.maximum(e22 - mu2 * mu2, 0.0)
        s12 = e12 - mu1 * mu2
        # vifp_mscale.m sets g = 0 where sigma1^2 or sigma2^2 < 1e-10 or g < 0, and then only
        # adjusts sv^2 at those places, where the g^2 factor makes the numerator term 0 anyway.
        # So: g = max(g, 0) on the non-flat positions, sv^2 = max(sigma2^2 - g sigma12, 1e-10).
        g = np.where((s11 >= _VIF_EPS) & (s22 >= _VIF_EPS), s12 / (s11 + _VIF_EPS), 0.0)
        np.maximum(g, 0.0, out=g)
        sv = np.maximum(s22 - g * s12, _VIF_EPS)
        s11[s11 < _VIF_EPS] = 0.0
        num += float(np.sum(np.log10(1.0 + g * g * s11 / (sv + _VIF_SIGMA_NSQ))))
        den += float(np.sum(np.log10(1.0 + s11 / _VIF_SIGMA_NSQ)))
    if den == 0.0:
        return math.nan
    return num / den


def vifp(ref: np.ndarray, dist: np.ndarray) -> float:
    """VIFp of the luma, sigma_n^2 = 2, 4 scales. Not symmetric: reference first.

    About 1.0 for identical images (can exceed 1 for contrast enhancement); NaN when the
    reference is flat everywhere (no information to preserve). Sides must be >= 41 px.
    """
    a, b = _luma_pair(ref, dist)
    return _vifp_f64(a, b)


# --------------------------------------------------------------------------- PSNR-HVS(-M)


def _blocks8(x: np.ndarray) -> np.ndarray:
    """(H, W) -> (nblocks, 8, 8), cropped to whole blocks from the top-left corner."""
    h, w = x.shape[0] // 8 * 8, x.shape[1] // 8 * 8
    return x[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2).reshape(-1, 8, 8)


def _vari(z: np.ndarray) -> np.ndarray:
    """Ponomarenko's vari(): var(z(:)) * numel(z), sample variance, per block."""
    n = z.shape[-1] * z.shape[-2]
    return z.var(axis=(-2, -1)) * (n * n / (n - 1))


def _masking(blocks: np.ndarray, dct: np.ndarray) -> np.ndarray:
    """Ponomarenko's maskeff() for every block at once."""
    energy = np.einsum("nij,nij,ij->n", dct, dct, _MASK_AC)
    pop = _vari(blocks)
    quad = (
        _vari(blocks[:, :4, :4]) + _vari(blocks[:, :4, 4:]) + _vari(blocks[:, 4:, 4:]) + _vari(blocks[:, 4:, :4])
    )
    # A flat block (pop == 0) keeps pop = 0, so its masking is 0, as in psnrhvsm.m.
    # (VQMT's C++ tests `pop != FLT_EPSILON` and would get 0/0 = NaN there; its published
    # numbers are finite, so they follow the MATLAB rule.)
    ratio = np.divide(quad, pop, out=np.zeros_like(pop), where=pop != 0.0)
    return np.sqrt(energy * ratio) / 32.0


def _psnr_hvs_both(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(PSNR-HVS, PSNR-HVS-M) in dB.

    Hand-written (vectorised over all 8x8 blocks): scikit-image has neither metric, and the
    ``psnr_hvsm`` package, which agrees to 1e-14 dB, is not a dependency of ours.
    """
    if a.shape[0] < 8 or a.shape[1] < 8:
        raise MetricInputError(f"PSNR-HVS needs at least one 8x8 block, got {a.shape}")
    ba = _blocks8(a)
    bb = _blocks8(b)
    da = fft.dctn(ba, type=2, axes=(1, 2), norm="ortho")  # = MATLAB dct2 / cv::dct per block
    db = fft.dctn(bb, type=2, axes=(1, 2), norm="ortho")
    u = np.abs(da - db)
    npix = ba.size

    s_hvs = float(np.einsum("nij,nij,ij->", u, u, _CSF_SQ))

    mask = np.maximum(_masking(ba, da), _masking(bb, db))
    thr = mask[:, None, None] * _INV_MASK
    um = u - thr
    np.maximum(um, 0.0, out=um)  # u < thr -> 0, else u - thr
    um[:, 0, 0] = u[:, 0, 0]  # the DC coefficient is not masked
    s_hvsm = float(np.einsum("nij,nij,ij->", um, um, _CSF_SQ))
    return _psnr_from_mse(s_hvs / npix), _psnr_from_mse(s_hvsm / npix)


def psnr_hvs(ref: np.ndarray, dist: np.ndarray) -> float:
    """PSNR-HVS of the luma (Egiazarian et al. 2006): DCT-domain error weighted by the CSF table.

    Sides that are not multiples of 8 are cropped to whole blocks. inf for identical images.
    """
    a, b = _luma_pair(ref, dist)
    return _psnr_hvs_both(a, b)[0]


def psnr_hvs_m(ref: np.ndarray, dist: np.ndarray) -> float:
    """PSNR-HVS-M of the luma (Ponomarenko et al. 2007): PSNR-HVS with contrast masking.

    Sides that are not multiples of 8 are cropped to whole blocks. inf for identical images.
    """
    a, b = _luma_pair(ref, dist)
    return _psnr_hvs_both(a, b)[1]


# --------------------------------------------------------------------------- everything at once


def all_metrics(ref: np.ndarray, dist: np.ndarray, *, vqmt_variant: bool = False) -> dict[str, float]:
    """All whole-image metrics on the luma, computed from one luma conversion.

    Keys: psnr, ssim, ms_ssim, ms_ssim_db, vifp, psnr_hvs, psnr_hvs_m, mse. ``vqmt_variant``
    selects VQMT's MS-SSIM (last exponent 1.0); ``ssim`` is the same number either way.
    """
    a, b = _luma_pair(ref, dist)
    m = _mse_f64(a, b)
    # SSIM is MS-SSIM's first scale (as in VQMT); equal to ssim() (scikit-image) to ~1e-15,
    # which tests/test_metrics.py checks, and it saves a second full-size filtering pass.
    ms, s = _ms_ssim_f64(a, b, vqmt_variant)
    hvs, hvsm = _psnr_hvs_both(a, b)
    return {
        "psnr": _psnr_from_mse(m),
        "ssim": s,
        "ms_ssim": ms,
        "ms_ssim_db": ms_ssim_db(ms),
        "vifp": _vifp_f64(a, b),
        "psnr_hvs": hvs,
        "psnr_hvs_m": hvsm,
        "mse": m,
    }
