"""Where the learned codec's weights come from, and what is said when they cannot be had."""

import pytest
import torch

from roicodec.errors import InputError, OptionError
from roicodec.learned import models


def test_offline_without_zoo_weights_is_one_line_that_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "_resolves", lambda host: False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.delenv(models.WEIGHTS_VARIABLE, raising=False)
    with pytest.raises(OptionError) as caught:
        models.load_zoo("bmshj2018-hyperprior", 5)
    message = str(caught.value)
    assert "\n" not in message and "offline" in message
    assert "bmshj2018-hyperprior-5-" in message and str(tmp_path) in message and "--learned-weights" in message


def test_names_and_qualities_are_checked():
    with pytest.raises(OptionError, match="roicodec takes: bmshj2018-hyperprior, mbt2018-mean"):
        models.load("cheng2020-attn", 3, None)
    with pytest.raises(OptionError, match="1-8"):
        models.load_zoo("mbt2018-mean", 9)


def test_a_missing_or_foreign_weights_file_is_one_line(tmp_path):
    with pytest.raises(InputError, match="weights file not found"):
        models.load("mbt2018-mean", 0, str(tmp_path / "none.pt"))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="not a weights file"):
        models.load("mbt2018-mean", 0, str(junk))
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {"conv.weight": torch.zeros(3, 3)}}, other)
    with pytest.raises(InputError, match="not mbt2018-mean weights"):
        models.load("mbt2018-mean", 0, str(other))


def test_a_checkpoint_is_loaded_once_and_known_by_its_fingerprint(tiny_learned_weights):
    assert models.load("bmshj2018-hyperprior", 0, str(tiny_learned_weights)).architecture == "mbt2018-mean"
    first = models.load("mbt2018-mean", 0, str(tiny_learned_weights))  # our checkpoint says what it is
    assert models.load("mbt2018-mean", 0, str(tiny_learned_weights)) is first
    assert models.loaded_with(first.fingerprint) is first and len(first.fingerprint) == 8
    assert "mbt2018-mean" in first.description
