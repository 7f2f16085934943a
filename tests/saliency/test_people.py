import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.saliency import people
from roicodec.saliency.people import (BUST_VALUE, HEAD_VALUE, Face, detect_faces, mediapipe_available, people_mask,
                                      resolve_detector)


def test_finds_the_face_in_a_portrait(kodim04):
    faces = detect_faces(kodim04)
    assert len(faces) >= 1
    face = faces[0]
    assert 100 <= face.x0 < face.x1 <= 460 and 200 <= face.y0 < face.y1 <= 600  # under the hat
    assert 0.0 < face.score <= 1.0


@pytest.mark.parametrize("name", ["kodim22.png", "kodim23.png"])  # a red barn; two macaws
def test_no_face_where_there_is_none(shared_data, name):
    from PIL import Image

    rgb = np.asarray(Image.open(shared_data / "kodak" / name).convert("RGB"))
    assert detect_faces(rgb) == []


def test_flat_noise_and_tiny_images_have_no_face():
    rng = np.random.default_rng(0)
    assert detect_faces(np.full((240, 320, 3), 128, np.uint8)) == []
    assert detect_faces(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)) == []
    assert detect_faces(np.zeros((3, 5, 3), np.uint8)) == []


def test_haar_is_always_available_and_finds_the_portrait(kodim04):
    faces = detect_faces(kodim04, detector="haar")
    assert len(faces) == 1 and faces[0].score == 1.0


def test_people_mask_ranks_the_head_above_the_shoulders_and_clips_to_the_image():
    face = Face(40, 20, 60, 45, 0.9)  # 20 wide, 25 tall
    mask = people_mask([face], (100, 80))
    assert mask.dtype == np.float32 and mask.shape == (100, 80)
    assert mask[30, 50] == 1.0  # the face
    assert mask[20 - 10, 50] == HEAD_VALUE  # hair or hat: half a face above
    assert mask[45 + 30, 50] == BUST_VALUE  # the shoulders, below the chin
    assert mask[45 + 30, 40 - 14] == BUST_VALUE
    assert mask[0, 0] == 0.0 and mask[99, 79] == 0.0  # far corners
    edge = people_mask([Face(0, 0, 30, 30, 1.0)], (40, 40))  # grows past the border: clipped
    assert edge.shape == (40, 40) and edge[0, 0] == 1.0 and edge[35, 35] == HEAD_VALUE


def test_no_faces_give_an_all_zero_mask():
    assert people_mask([], (10, 12)).max() == 0.0


def test_unknown_detector_is_a_one_line_error():
    with pytest.raises(OptionError, match="unknown face detector 'yolo'"):
        resolve_detector("yolo")


def test_missing_mediapipe_says_how_to_install_it_and_auto_falls_back(monkeypatch):
    monkeypatch.setattr(people, "mediapipe_available", lambda: False)
    with pytest.raises(OptionError) as error:
        resolve_detector("blazeface")
    assert "mediapipe==0.10.14" in str(error.value) and "\n" not in str(error.value)
    assert resolve_detector("auto") == "haar"


def test_blazeface_is_installed_by_the_project_setup():
    # scripts/setup.sh installs it; a set-up that lost it would silently fall back to Haar.
    assert resolve_detector("auto") == "blazeface"


FACES_SCRIPT = """
import sys
if sys.argv[1] == "full":
    import mediapipe  # the whole package first: its own __init__ files run
import numpy as np
from PIL import Image
from roicodec.saliency.people import detect_faces
for path in sys.argv[2:]:
    faces = detect_faces(np.asarray(Image.open(path).convert("RGB")), "blazeface")
    print([(round(f.x0, 3), round(f.y0, 3), round(f.x1, 3), round(f.y1, 3), round(f.score, 5)) for f in faces])
import mediapipe as mp  # the user's own use of mediapipe afterwards
print(mp.__version__, mp.solutions.face_detection.FaceDetection.__name__)
"""


@pytest.mark.skipif(not mediapipe_available(), reason="mediapipe is not installed")
def test_the_light_mediapipe_import_finds_the_same_faces_and_leaves_mediapipe_whole(shared_data):
    import subprocess
    import sys

    photos = [str(p) for p in sorted((shared_data / "photos").glob("*.png"))[:6]]
    found = {}
    for mode in ("light", "full"):
        done = subprocess.run([sys.executable, "-c", FACES_SCRIPT, mode, *photos], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        found[mode] = done.stdout.splitlines()
    assert found["light"] == found["full"]
    assert sum(line.count("(") for line in found["light"][:-1]) >= 5  # faces were found to compare
    assert found["light"][-1].endswith("FaceDetection")
