import json
import math

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec import metrics
from roicodec.cli import app
from roicodec.evaluation import evaluate, format_figures, roi_mask_from_map
from roicodec.errors import InputError


@pytest.fixture
def pair(kodim23_small):
    rng = np.random.default_rng(5)
    noisy = np.clip(kodim23_small.astype(int) + rng.integers(-6, 7, kodim23_small.shape), 0, 255).astype(np.uint8)
    return kodim23_small, noisy


def test_evaluate_gives_every_metric_and_the_roi_split(pair):
    ref, dist = pair
    mask = np.zeros(ref.shape[:2], bool)
    mask[:, :100] = True
    figures = evaluate(ref, dist, size_bytes=5000, mask=mask, weights=mask.astype(float))
    assert figures["psnr"] == pytest.approx(metrics.psnr(ref, dist))
    assert figures["ms_ssim"] == pytest.approx(metrics.ms_ssim(ref, dist))
    assert figures["bpp"] == pytest.approx(5000 * 8 / (176 * 256))
    assert figures["ratio"] == pytest.approx(176 * 256 * 3 / 5000)
    assert figures["roi_psnr"] == pytest.approx(metrics.psnr_rgb(ref[:, :100], dist[:, :100]))
    assert figures["background_psnr"] == pytest.approx(metrics.psnr_rgb(ref[:, 100:], dist[:, 100:]))
    assert figures["weighted_psnr"] == pytest.approx(figures["roi_psnr"])
    assert "MS-SSIM (dB)" in format_figures(figures)


def test_images_too_small_for_multiscale_metrics_still_get_psnr():
    ref = np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    figures = evaluate(ref, 255 - ref)
    assert math.isnan(figures["ms_ssim"]) and math.isfinite(figures["psnr"]) and math.isfinite(figures["ssim"])
    assert "n/a" in format_figures(figures)


def test_mismatched_sizes_are_refused(pair):
    with pytest.raises(InputError):
        evaluate(pair[0], pair[1][:-8])
    with pytest.raises(InputError):
        roi_mask_from_map(np.zeros((4, 4)), 1.5)


def test_metrics_command_matches_the_reference_tool(shared_data):
    """VQMT's own numbers for kodim23 at JPEG quality 50, through the command line."""
    rows = (shared_data / "metric_reference" / "vqmt_reference.csv").read_text().splitlines()
    header = rows[0].split(",")
    row = next(dict(zip(header, r.split(","))) for r in rows[1:] if r.startswith("kodim23,50,"))
    result = CliRunner().invoke(app, ["metrics", str(shared_data / "kodak" / "kodim23.png"),
                                      str(shared_data / "metric_reference" / "jpeg" / "kodim23_q50.jpg"),
                                      "--vqmt-msssim", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["psnr"] == pytest.approx(float(row["psnr"]), abs=1e-5)
    assert figures["ssim"] == pytest.approx(float(row["ssim"]), abs=2e-5)
    assert figures["ms_ssim"] == pytest.approx(float(row["msssim"]), abs=3e-5)
    assert figures["vifp"] == pytest.approx(float(row["vifp"]), abs=2e-4)


def test_metrics_command_with_boxes_and_with_a_map(tmp_path, pair):
    ref, dist = pair
    Image.fromarray(ref).save(tmp_path / "a.png")
    Image.fromarray(dist).save(tmp_path / "b.png")
    (tmp_path / "boxes.json").write_text(json.dumps({"a.png": [[0, 0, 100, 176]]}))
    result = CliRunner().invoke(app, ["metrics", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                                      "--boxes", str(tmp_path / "boxes.json"), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["roi_psnr"] == pytest.approx(metrics.psnr_rgb(ref[:, :100], dist[:, :100]))
    assert figures["bpp"] == pytest.approx((tmp_path / "b.png").stat().st_size * 8 / (176 * 256))
    importance = np.zeros(ref.shape[:2], np.uint8)
    importance[:, 100:] = 255
    Image.fromarray(importance).save(tmp_path / "map.png")
    result = CliRunner().invoke(app, ["metrics", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                                      "--roi", str(tmp_path / "map.png")])
    assert result.exit_code == 0 and "ROI PSNR" in result.output and "saliency-weighted" in result.output
    result = CliRunner().invoke(app, ["metrics", str(tmp_path / "a.png"), str(tmp_path / "nope.jpg")])
    assert result.exit_code == 2 and result.output.startswith("roicodec: error:")
