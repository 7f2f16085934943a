"""The training set's layout is checked before any work, and the held-out split is stratified."""

import numpy as np
import pytest
from PIL import Image

from roicodec.errors import InputError, OptionError
from roicodec.training.dataset import load_rgb, scan, split


def _image(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), (10, 200, 30)).save(path)


def test_classes_are_the_sorted_folder_names(tmp_path):
    for name in ("zebra", "apple"):
        for index in range(3):
            _image(tmp_path / name / f"{index}.png")
    data = scan(tmp_path)
    assert data.classes == ("apple", "zebra") and data.counts() == {"apple": 3, "zebra": 3}
    assert all(p.parent.name == data.classes[label] for p, label in zip(data.paths, data.labels))


@pytest.mark.parametrize("layout, message", [
    ([], "no class folders"),
    (["only/a.png"], "only one class"),
    (["a/x.png", "b/notes.txt"], "no images in class folder(s) b"),
])
def test_bad_layouts_are_one_line_errors(tmp_path, layout, message):
    for relative in layout:
        path = tmp_path / relative
        if path.suffix == ".png":
            _image(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("not an image")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        scan(tmp_path)


def test_a_missing_folder_and_an_unreadable_image_are_named(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        scan(tmp_path / "nowhere")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(InputError, match="broken.png: not an image file"):
        load_rgb(broken)


def test_the_split_is_stratified_and_reproducible():
    labels = (0,) * 10 + (1,) * 5 + (2,) * 1
    train, held = split(labels, 0.2, seed=3)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(16))
    held_labels = [labels[i] for i in held]
    assert held_labels.count(0) == 2 and held_labels.count(1) == 1 and 2 not in held_labels  # a lone image trains
    again_train, again_held = split(labels, 0.2, seed=3)
    assert (again_held == held).all() and (again_train == train).all()
    with pytest.raises(OptionError, match="validation"):
        split(labels, 1.0, seed=0)
