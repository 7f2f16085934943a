import json

import numpy as np
import pytest

from roicodec.errors import InputError
from roicodec.roi import box_mask, boxes_for, load_boxes_file, perfect_map


def test_boxes_file_in_the_shared_format(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"_about": "x", "kodim03.png": [[1, 2, 3, 4]]}))
    boxes = load_boxes_file(path)
    assert boxes == {"kodim03.png": [[1, 2, 3, 4]]}
    assert boxes_for(boxes, "/any/where/kodim03.png") == [[1, 2, 3, 4]]
    assert boxes_for(boxes, "kodim03.jpg") == [[1, 2, 3, 4]]  # matched by stem
    assert boxes_for(boxes, "kodim04.png") is None
    assert boxes_for([[0, 0, 1, 1]], "anything.png") == [[0, 0, 1, 1]]


@pytest.mark.parametrize("content", ["{not json", "42"])
def test_bad_boxes_files(tmp_path, content):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(InputError):
        load_boxes_file(path)
    with pytest.raises(InputError):
        load_boxes_file(tmp_path / "missing.json")


def test_perfect_map_is_the_blurred_mask():
    boxes = [[20, 10, 60, 40]]
    mask = box_mask(boxes, (64, 96))
    assert mask.sum() == 40 * 30 and mask[10, 20] and not mask[40, 60]
    importance = perfect_map(boxes, (64, 96), sigma=4)
    assert importance.dtype == np.float32 and importance.max() == 1.0 and importance.min() == 0.0
    assert importance[25, 40] > 0.9 and importance[60, 90] < 0.05
    assert importance[mask].mean() > 3 * importance[~mask].mean()


def test_lift_and_pointing_game():
    from roicodec.roi import lift, pointing_hit

    mask = box_mask([[0, 0, 50, 100]], (100, 100))  # left half
    assert lift(np.ones((100, 100)), mask) == pytest.approx(1.0)
    left_only = mask.astype(float)
    assert lift(left_only, mask) == pytest.approx(2.0)
    ramp = np.tile(np.linspace(1, 0, 100), (100, 1))  # hotter on the left
    assert 1.0 < lift(ramp, mask) < 2.0
    assert pointing_hit(ramp, mask) and not pointing_hit(ramp[:, ::-1], mask)
