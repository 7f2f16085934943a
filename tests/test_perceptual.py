import math

import numpy as np
import pytest

from roicodec import perceptual
from roicodec.metrics import MetricInputError


def noisy(image, amount, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(image.astype(int) + rng.integers(-amount, amount + 1, image.shape), 0, 255).astype(np.uint8)


def test_identical_pictures_score_100_and_more_damage_scores_lower(kodim23_small):
    assert perceptual.ssimulacra2(kodim23_small, kodim23_small) == 100.0
    scores = [perceptual.ssimulacra2(kodim23_small, noisy(kodim23_small, amount)) for amount in (2, 8, 24)]
    assert 100 > scores[0] > scores[1] > scores[2]


# The C++ reference's scores for flat 256x256 pictures (see benchmarks/check_ssimulacra2.py, where the
# pictures are rebuilt and their hashes checked): the package stays within 7 points of them.
REFERENCE_256 = [(129, 96.15027098), (133, 89.73209436), (138, 80.29149136), (148, 59.77892918), (178, -0.39085784)]


@pytest.mark.parametrize("grey, reference", REFERENCE_256)
def test_close_to_the_reference_implementation_on_256_pixel_pictures(grey, reference):
    source = np.full((256, 256, 3), 128, np.uint8)
    score = perceptual.ssimulacra2(source, np.full_like(source, grey))
    assert abs(score - reference) < 7.0


def test_pictures_below_8_pixels_have_no_score_and_bad_input_is_refused():
    tiny = np.zeros((7, 40, 3), np.uint8)
    assert math.isnan(perceptual.ssimulacra2(tiny, tiny + 1))
    with pytest.raises(MetricInputError):
        perceptual.ssimulacra2(np.zeros((20, 20, 3), np.uint8), np.zeros((20, 21, 3), np.uint8))
    with pytest.raises(MetricInputError):
        perceptual.ssimulacra2(np.zeros((20, 20), np.uint8), np.zeros((20, 20), np.uint8))


def test_subject_score_looks_only_inside_each_regions_box(kodim23_small):
    mask = np.zeros(kodim23_small.shape[:2], bool)
    mask[20:80, 30:90] = True
    mask[100:150, 180:240] = True
    damaged_outside = kodim23_small.copy()
    damaged_outside[~mask] = noisy(kodim23_small, 30)[~mask]
    assert perceptual.subject_ssimulacra2(kodim23_small, damaged_outside, mask) == 100.0
    assert perceptual.background_ssimulacra2(kodim23_small, damaged_outside, mask) < 90
    damaged_inside = kodim23_small.copy()
    damaged_inside[mask] = noisy(kodim23_small, 30)[mask]
    assert perceptual.subject_ssimulacra2(kodim23_small, damaged_inside, mask) < 90
    assert perceptual.background_ssimulacra2(kodim23_small, damaged_inside, mask) == 100.0


def test_region_boxes_split_regions_and_grow_tiny_ones_to_the_metrics_minimum():
    mask = np.zeros((50, 60), bool)
    mask[5:20, 5:30] = True
    mask[40, 55] = True  # one pixel near the corner
    boxes = perceptual.region_boxes(mask)
    assert (slice(5, 20), slice(5, 30)) in boxes
    rows, cols = boxes[1]
    assert rows.stop - rows.start == 8 and cols.stop - cols.start == 8 and rows.stop <= 50 and cols.stop <= 60
    assert math.isnan(perceptual.subject_ssimulacra2(np.zeros((50, 60, 3), np.uint8), np.zeros((50, 60, 3), np.uint8),
                                                     np.zeros((50, 60), bool)))


def test_large_pictures_are_scored_as_the_area_weighted_mean_of_tiles(kodim23, monkeypatch):
    distorted = np.clip(kodim23.astype(int) + np.random.default_rng(2).integers(-12, 13, kodim23.shape), 0, 255)
    distorted = distorted.astype(np.uint8)
    monkeypatch.setattr(perceptual, "MAX_WHOLE_PIXELS", 200_000)
    monkeypatch.setattr(perceptual, "TILE_SIDE", 300)  # 512x768 -> 2x3 tiles of 256x256
    tiles = [perceptual.ssimulacra2(kodim23[r:r + 256, c:c + 256], distorted[r:r + 256, c:c + 256])
             for r in (0, 256) for c in (0, 256, 512)]
    assert perceptual.ssimulacra2(kodim23, distorted) == pytest.approx(np.mean(tiles), abs=1e-9)
    assert perceptual.ssimulacra2(kodim23, kodim23) == 100.0
