import numpy as np
import pytest

from roicodec.roi import box_mask
from roicodec.saliency import importance_map
from roicodec.saliency.subject import CUE_NAMES, centre_prior, combine, soften


def _cues(shape=(60, 80)):
    prior = np.zeros(shape, np.float32)
    prior[10:20, 50:70] = 1.0
    objects = np.zeros(shape, np.float32)
    objects[5:25, 45:75] = 1.0
    people = np.zeros(shape, np.float32)
    people[35:55, 5:25] = 1.0
    return prior, objects, people


def test_range_peak_and_shares():
    subject = combine(*_cues())
    assert subject.values.dtype == np.float32 and subject.values.shape == (60, 80)
    assert subject.values.min() >= 0.0 and subject.values.max() == pytest.approx(1.0)
    names = [name for name, _ in subject.shares]
    assert names == list(CUE_NAMES)
    assert sum(share for _, share in subject.shares) == pytest.approx(1.0)
    assert all(share > 0 for _, share in subject.shares)


def test_people_outrank_objects_and_objects_outrank_plain_background():
    prior, objects, people = _cues()
    values = combine(prior, objects, people).values
    assert values[45, 15] > values[15, 60] > values[55, 75]


def test_no_people_means_no_people_share():
    prior, objects, _ = _cues()
    shares = dict(combine(prior, objects, np.zeros_like(objects)).shares)
    assert shares["people"] == 0.0 and shares["objects"] > shares["centre"] > 0


def test_deterministic():
    first, second = combine(*_cues()), combine(*_cues())
    assert np.array_equal(first.values, second.values) and first.shares == second.shares


def test_centre_prior_peaks_in_the_middle_and_soften_keeps_the_inside():
    centre = centre_prior((51, 71))
    assert np.unravel_index(np.argmax(centre), centre.shape) == (25, 35)
    mask = np.zeros((100, 100), np.float32)
    mask[20:80, 20:80] = 1
    soft = soften(mask)
    assert soft[50, 50] == pytest.approx(1.0) and soft[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert 0.2 < soft[50, 20] < 0.8  # a soft edge


def test_default_map_is_the_subject_map_and_covers_the_macaws(kodim23, shared_data):
    import json

    result = importance_map(kodim23)
    assert result.method == "subject" and result.values.shape == kodim23.shape[:2]
    assert dict(result.cues)["people"] == 0.0  # no face among the macaws
    boxes = json.loads((shared_data / "kodak_subjects_dev.json").read_text())["kodim23.png"]
    inside = box_mask(boxes, kodim23.shape[:2])
    assert result.values[inside].mean() > 3 * result.values[~inside].mean()
    again = importance_map(kodim23)
    assert np.array_equal(result.values, again.values)


def test_the_people_cue_takes_the_face_in_a_portrait(kodim04):
    result = importance_map(kodim04)
    assert dict(result.cues)["people"] > 0.3
    row, col = np.unravel_index(np.argmax(result.values), result.values.shape)
    assert 150 <= col <= 450 and 200 <= row <= 600  # on the face, under the hat


def test_named_classes_leave_people_and_the_centre_out(kodim04):
    result = importance_map(kodim04, classes="cowboy hat")
    assert result.cues == (("objects", 1.0),)


def test_objects_alone_and_people_alone(kodim04, kodim23):
    objects = importance_map(kodim23, method="objects")
    assert objects.cues == (("objects", 1.0),) and objects.values.max() == pytest.approx(1.0)
    assert importance_map(kodim23, method="people").values.max() == 0.0  # no face: nothing
    assert importance_map(kodim04, method="people").values.max() == pytest.approx(1.0)


def test_tiny_and_flat_images_give_a_valid_map():
    for rgb in (np.zeros((4, 4, 3), np.uint8), np.full((40, 64, 3), 90, np.uint8)):
        values = importance_map(rgb).values
        assert values.shape == rgb.shape[:2] and np.isfinite(values).all()
        assert 0.0 <= values.min() <= values.max() <= 1.0
