"""Training on a small generated set: it learns, it is reproducible, and the model file drives maps."""

import numpy as np
import pytest
import torch

from roicodec.errors import InputError, OptionError
from roicodec.training import TrainOptions, load_trained_backbone, train_classifier
from roicodec.saliency.trained import read_model


def test_a_linear_head_learns_real_from_fake(real_fake_model):
    result = real_fake_model
    assert result.classes == ("fake", "real") and result.held_out_images == 6
    assert result.train_accuracy >= 0.95
    assert result.accuracy is not None and result.accuracy >= 0.8  # measured 1.0 at this seed
    content = read_model(result.path)
    assert content["head"] == "linear" and content["classes"] == ["fake", "real"]


def test_the_same_seed_gives_the_same_model(real_fake_set, tmp_path):
    options = TrainOptions(epochs=3, seed=7, validation=0.25)
    first = read_model(train_classifier(real_fake_set, tmp_path / "a.pt", options).path)
    second = read_model(train_classifier(real_fake_set, tmp_path / "b.pt", options).path)
    for key, value in first["head_state"].items():
        assert torch.equal(value, second["head_state"][key])


def test_fine_tuning_the_last_block_saves_it(real_fake_set, tmp_path):
    result = train_classifier(real_fake_set, tmp_path / "tuned.pt", TrainOptions(epochs=2, fine_tune=1))
    content = read_model(result.path)
    assert content["fine_tune"] == 1 and any(k.startswith("blocks.0.") for k in content["tail_state"])
    backbone = load_trained_backbone(result.path)
    assert backbone.class_names == ("fake", "real")


def test_bad_options_and_files_are_clear_errors(real_fake_set, tmp_path):
    with pytest.raises(OptionError, match="unknown head"):
        train_classifier(real_fake_set, tmp_path / "x.pt", TrainOptions(head="svm"))
    with pytest.raises(OptionError, match="--fine-tune"):
        train_classifier(real_fake_set, tmp_path / "x.pt", TrainOptions(fine_tune=99, epochs=1))
    assert not (tmp_path / "x.pt").exists()
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a roicodec model file"):
        load_trained_backbone(junk)
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="not a roicodec model file"):
        load_trained_backbone(tmp_path / "other.pt")


def test_acol_head_trains_and_its_map_finds_the_pasted_object(parrot_acol_model, parrot_set):
    import json

    from PIL import Image

    from roicodec.roi import box_mask, lift
    from roicodec.saliency import importance_map

    assert parrot_acol_model.train_accuracy >= 0.9
    boxes = json.loads((parrot_set / "boxes.json").read_text())
    lifts = []
    for name in sorted(k for k in boxes if k.endswith(".png"))[:6]:
        rgb = np.asarray(Image.open(parrot_set / "parrot" / name).convert("RGB"))
        result = importance_map(rgb, method="acol", model=str(parrot_acol_model.path), classes="parrot")
        assert result.classes[0].name == "parrot"
        lifts.append(lift(result.values, box_mask(boxes[name], rgb.shape[:2])))
    assert np.mean(lifts) > 1.5  # the map sits on the pasted parrot (1.0: spread evenly)
