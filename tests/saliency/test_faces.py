import numpy as np

from roicodec.saliency import importance_map
from roicodec.saliency.faces import detect_faces, face_map


def test_finds_the_face_in_a_portrait(kodim04):
    boxes = detect_faces(kodim04)
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert 100 <= x0 < x1 <= 460 and 200 <= y0 < y1 <= 570  # the face under the hat, not the hat


def test_face_map_is_hot_on_the_face_and_zero_far_away(kodim04):
    values = importance_map(kodim04, method="faces").values
    (x0, y0, x1, y1), = detect_faces(kodim04)
    assert values.shape == kodim04.shape[:2] and values.dtype == np.float32 and values.max() == 1.0
    assert values[(y0 + y1) // 2, (x0 + x1) // 2] > 0.95
    assert values[:60, :60].max() < 0.05


def test_no_face_gives_an_all_zero_map(kodim23):
    assert detect_faces(kodim23) == [] and face_map(kodim23).max() == 0.0


def test_a_face_prior_in_an_ensemble_moves_the_peak_to_the_face(kodim04):
    (x0, y0, x1, y1), = detect_faces(kodim04)
    merged = importance_map(kodim04, method="ensemble:fused+faces").values
    row, col = np.unravel_index(np.argmax(merged), merged.shape)
    assert x0 <= col < x1 and y0 <= row < y1
