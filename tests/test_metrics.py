"""Tests for roicodec.metrics: agreement with EPFL VQMT 1.1 on 120 Kodak/JPEG pairs, plus properties."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roicodec import metrics as M


def _shared_data_dir() -> Path:
    env = os.environ.get("ROICODEC_SHARED_DATA")
    if env:
        return Path(env)
    # tests/ -> repo root -> its parent, which holds shared/data
    return Path(__file__).resolve().parents[2] / "shared" / "data"


DATA = _shared_data_dir()
REF_CSV = DATA / "metric_reference" / "vqmt_reference.csv"

# CSV column -> (all_metrics key, tolerance): docs/DESIGN.md "Measuring quality".
TOLERANCES = {
    "psnr": ("psnr", 1e-5),
    "ssim": ("ssim", 2e-5),
    "msssim": ("ms_ssim", 3e-5),
    "vifp": ("vifp", 2e-4),
    "psnrhvs": ("psnr_hvs", 5e-3),
    "psnrhvsm": ("psnr_hvs_m", 5e-4),
}


def _reference_rows() -> list[dict[str, str]]:
    if not REF_CSV.is_file():
        return []
    with REF_CSV.open(newline="") as f:
        return list(csv.DictReader(f))


_ROWS = _reference_rows()
_SKIP_NO_DATA = pytest.mark.skip(
    reason=f"shared data not found: {REF_CSV} (set ROICODEC_SHARED_DATA to the shared/data folder)"
)
_PAIR_PARAMS = [pytest.param(r, id=f"{r['image']}_q{r['quality']}") for r in _ROWS] or [
    pytest.param(None, id="no-shared-data", marks=_SKIP_NO_DATA)
]


def _load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="module")
def originals() -> dict[str, np.ndarray]:
    """Kodak originals, each decoded once per module."""
    cache: dict[str, np.ndarray] = {}
    return cache


def _pair(originals: dict[str, np.ndarray], image: str, quality: str) -> tuple[np.ndarray, np.ndarray]:
    if image not in originals:
        originals[image] = _load_rgb(DATA / "kodak" / f"{image}.png")
    dist = _load_rgb(DATA / "metric_reference" / "jpeg" / f"{image}_q{quality}.jpg")
    return originals[image], dist


@pytest.mark.parametrize("row", _PAIR_PARAMS)
def test_matches_vqmt_reference(row, originals):
    ref, dist = _pair(originals, row["image"], row["quality"])
    got = M.all_metrics(ref, dist, vqmt_variant=True)
    bad = []
    for column, (key, tol) in TOLERANCES.items():
        expected = float(row[column])
        if not abs(got[key] - expected) <= tol:
            bad.append(f"{key}: got {got[key]:.7f}, VQMT {expected:.6f}, off {got[key] - expected:+.2e} (tol {tol:g})")
    assert not bad, f"{row['image']} q{row['quality']}: " + "; ".join(bad)


@pytest.mark.skipif(not _ROWS, reason=f"shared data not found: {REF_CSV}")
def test_single_metric_functions_agree_with_all_metrics(originals):
    ref, dist = _pair(originals, "kodim05", "30")
    allm = M.all_metrics(ref, dist)
    assert M.mse(ref, dist) == allm["mse"]
    assert M.psnr(ref, dist) == allm["psnr"]
    # ssim() is scikit-image; all_metrics takes MS-SSIM's first scale (hand-written)
    assert M.ssim(ref, dist) == pytest.approx(allm["ssim"], abs=1e-12)
    assert M.ms_ssim(ref, dist) == allm["ms_ssim"]
    assert M.ms_ssim_db(allm["ms_ssim"]) == allm["ms_ssim_db"]
    assert M.vifp(ref, dist) == allm["vifp"]
    assert M.psnr_hvs(ref, dist) == allm["psnr_hvs"]
    assert M.psnr_hvs_m(ref, dist) == allm["psnr_hvs_m"]
    # luma input gives the same numbers as RGB input
    yl, dl = M.luma(ref), M.luma(dist)
    assert M.all_metrics(yl, dl) == allm
    assert set(allm) == {"psnr", "ssim", "ms_ssim", "ms_ssim_db", "vifp", "psnr_hvs", "psnr_hvs_m", "mse"}


# --------------------------------------------------------------------------- properties


def _synthetic_rgb(h: int = 192, w: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 60 * np.sin(xx / 9.0)[..., None] * np.cos(yy / 13.0)[..., None] * np.array([1.0, 0.7, -0.5])
    return np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).round().astype(np.uint8)


def _noisy(img: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).round().astype(np.uint8)


def test_identical_images():
    img = _synthetic_rgb()
    m = M.all_metrics(img, img.copy())
    assert m["mse"] == 0.0
    assert m["psnr"] == math.inf  # VQMT 1.1 also gives +inf (no cap)
    assert m["psnr_hvs"] == math.inf and m["psnr_hvs_m"] == math.inf
    assert m["ssim"] == 1.0 and M.ssim(img, img) == 1.0
    assert m["ms_ssim"] == 1.0 and M.ms_ssim(img, img, vqmt_variant=True) == 1.0
    assert m["ms_ssim_db"] == math.inf
    assert m["vifp"] == pytest.approx(1.0, abs=1e-6)
    assert M.psnr_rgb(img, img) == math.inf


def test_metrics_order_with_distortion():
    img = _synthetic_rgb()
    light, heavy = _noisy(img, 3), _noisy(img, 20)
    a, b = M.all_metrics(img, light), M.all_metrics(img, heavy)
    for key in ("psnr", "ssim", "ms_ssim", "ms_ssim_db", "vifp", "psnr_hvs", "psnr_hvs_m"):
        assert a[key] > b[key], key
    assert a["mse"] < b["mse"]
    assert a["psnr_hvs_m"] >= a["psnr_hvs"]  # masking only removes error
    # VQMT's variant raises the last exponent to 1, so it can only be lower
    assert M.ms_ssim(img, heavy, vqmt_variant=True) < M.ms_ssim(img, heavy)


def test_luma_rounds_half_up():
    # 0.114 * 250 = 28.5 exactly: VQMT's reference needs 29 (numpy's round would give 28)
    px = np.array([[[0, 0, 250], [255, 255, 255], [0, 0, 0], [10, 20, 30]]], dtype=np.uint8)
    assert M.luma(px).tolist() == [[29, 255, 0, 18]]
    assert M.luma(px).dtype == np.uint8


def test_psnr_known_value():
    ref = np.full((16, 16), 100, np.uint8)
    dist = ref.copy()
    dist[:8] += 4  # half the pixels off by 4: MSE 8
    assert M.mse(ref, dist) == 8.0
    assert M.psnr(ref, dist) == pytest.approx(10 * math.log10(255**2 / 8))


def test_roi_and_background_psnr_rgb_samples():
    ref = np.full((6, 8, 3), 100, np.uint8)
    dist = ref.copy()
    mask = np.zeros((6, 8), bool)
    mask[1:4, 2:6] = True
    dist[mask] += 3  # inside: every sample off by 3 -> MSE 9
    dist[~mask, 0] += 1  # outside: only R off by 1 -> MSE 1/3 over R, G, B samples
    assert M.roi_psnr(ref, dist, mask) == pytest.approx(10 * math.log10(255**2 / 9))
    assert M.background_psnr(ref, dist, mask) == pytest.approx(10 * math.log10(255**2 * 3))
    # whole image: (12 * 27 + 36 * 1) / (48 * 3)
    assert M.psnr_rgb(ref, dist) == pytest.approx(10 * math.log10(255**2 / ((12 * 27 + 36) / 144)))
    # weights equal to the mask give the ROI PSNR
    assert M.weighted_psnr(ref, dist, mask.astype(float)) == pytest.approx(M.roi_psnr(ref, dist, mask))


def test_roi_psnr_luma_input_and_errors():
    ref = np.zeros((4, 4), np.uint8)
    dist = ref.copy()
    dist[0, 0] = 10
    mask = np.zeros((4, 4), bool)
    mask[0, :2] = True
    assert M.roi_psnr(ref, dist, mask) == pytest.approx(10 * math.log10(255**2 / 50))
    assert M.background_psnr(ref, dist, mask) == math.inf
    with pytest.raises(ValueError, match="no pixel"):
        M.roi_psnr(ref, dist, np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match="no pixel"):
        M.background_psnr(ref, dist, np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="boolean"):
        M.roi_psnr(ref, dist, mask.astype(float))
    with pytest.raises(ValueError, match="mask shape"):
        M.roi_psnr(ref, dist, mask[:3])


def test_weighted_psnr_uniform_equals_psnr_rgb():
    img = _synthetic_rgb(40, 50)
    dist = _noisy(img, 7)
    for c in (1.0, 0.25, 17.0):
        assert M.weighted_psnr(img, dist, np.full((40, 50), c)) == pytest.approx(M.psnr_rgb(img, dist), abs=1e-10)
    with pytest.raises(ValueError):
        M.weighted_psnr(img, dist, np.zeros((40, 50)))
    with pytest.raises(ValueError):
        M.weighted_psnr(img, dist, -np.ones((40, 50)))
    with pytest.raises(ValueError):
        M.weighted_psnr(img, dist, np.ones((40, 49)))


def test_boxes_to_mask():
    m = M.boxes_to_mask([[1, 2, 4, 3]], (5, 6))
    expected = np.zeros((5, 6), bool)
    expected[2, 1:4] = True  # x1, y1 exclusive
    assert m.dtype == np.bool_ and np.array_equal(m, expected)
    # union, clipping, image shape with channels
    m = M.boxes_to_mask([[-3, -3, 2, 2], [4, 3, 99, 99], [1, 1, 1, 5]], (5, 6, 3))
    assert m.shape == (5, 6)
    assert m[:2, :2].all() and m[3:, 4:].all() and m.sum() == 4 + 4
    # fractional coordinates cover every pixel they touch
    assert M.boxes_to_mask([[0.5, 0.5, 1.5, 1.5]], (3, 3)).sum() == 4
    assert not M.boxes_to_mask([], (3, 3)).any()
    # a box that ends at the image edge (kodim20's subject box)
    assert M.boxes_to_mask([[60, 65, 768, 500]], (512, 768)).sum() == (768 - 60) * (500 - 65)
    with pytest.raises(ValueError):
        M.boxes_to_mask([[3, 0, 1, 2]], (5, 5))
    with pytest.raises(ValueError):
        M.boxes_to_mask([[0, 0, 1]], (5, 5))


def test_shape_mismatch_raises():
    a = _synthetic_rgb(32, 40)
    for fn in (M.mse, M.psnr, M.ssim, M.ms_ssim, M.vifp, M.psnr_hvs, M.psnr_hvs_m, M.psnr_rgb, M.all_metrics):
        with pytest.raises(ValueError, match="shape mismatch"):
            fn(a, a[:-1])
    with pytest.raises(ValueError, match="shape mismatch"):
        M.psnr(a, M.luma(a))  # RGB against luma
    with pytest.raises(ValueError, match="shape mismatch"):
        M.roi_psnr(a, a[:, :-1], np.ones((32, 40), bool))
    with pytest.raises(ValueError, match="RGB"):
        M.psnr(np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        M.psnr(np.full((8, 8), 300.0), np.zeros((8, 8)))
    # the error is also a roicodec InputError
    from roicodec.errors import InputError

    with pytest.raises(InputError):
        M.psnr(a, a[:-1])


def test_size_limits_and_odd_sizes():
    img = _synthetic_rgb(181, 179)
    dist = _noisy(img, 5)
    v = M.ms_ssim(img, dist)
    assert 0.0 < v < 1.0
    with pytest.raises(ValueError, match="176"):
        M.ms_ssim(img[:175], dist[:175])
    with pytest.raises(ValueError, match="41"):
        M.vifp(img[:40, :40], dist[:40, :40])
    assert 0.0 < M.vifp(img[:41, :41], dist[:41, :41]) < 1.0
    # PSNR-HVS(-M) crop to whole 8x8 blocks from the top-left corner
    assert M.psnr_hvs(img, dist) == M.psnr_hvs(img[:176, :176], dist[:176, :176])
    assert M.psnr_hvs_m(img, dist) == M.psnr_hvs_m(img[:176, :176], dist[:176, :176])


def test_ms_ssim_db():
    assert M.ms_ssim_db(0.99) == pytest.approx(20.0)
    assert M.ms_ssim_db(1.0) == math.inf
    np.testing.assert_allclose(M.ms_ssim_db(np.array([0.9, 0.999])), [10.0, 30.0])


def test_vifp_flat_reference_is_nan():
    flat = np.full((64, 64), 128, np.uint8)
    assert math.isnan(M.vifp(flat, _noisy(flat, 5)))
