"""Training a small learned codec: bounded, labelled, and usable at once through --learned-weights."""

import numpy as np
import pytest
import torch

from roicodec.errors import InputError, OptionError
from roicodec.learned import models
from roicodec.learned.training import CodecTrainOptions, random_crops, train_codec


def test_a_short_run_writes_a_labelled_checkpoint_that_codes(tmp_path, textured):
    output = tmp_path / "deep" / "small.pt"
    result = train_codec([textured] * 3, output, CodecTrainOptions(
        architecture="bmshj2018-hyperprior", channels=(8, 8), crop=64, batch=2, max_steps=12, minutes=1))
    assert result.steps == 12 and output.is_file() and not list(output.parent.glob(".roicodec-*"))
    checkpoint = torch.load(output, weights_only=True)
    assert checkpoint["kind"] == models.CHECKPOINT_KIND and checkpoint["architecture"] == "bmshj2018-hyperprior"
    assert "small bmshj2018-hyperprior (N=8, M=8)" in checkpoint["description"] and checkpoint["steps"] == 12
    assert checkpoint["history"] and "_quantized_cdf" in " ".join(checkpoint["state_dict"])  # tables in the file
    model = models.load("mbt2018-mean", 0, str(output))
    assert model.architecture == "bmshj2018-hyperprior"


def test_the_time_budget_ends_the_run(tmp_path, textured):
    result = train_codec([textured], tmp_path / "m.pt", CodecTrainOptions(channels=(8, 8), crop=64, batch=1,
                                                                         minutes=0.02))
    assert 0 < result.steps and result.minutes < 0.5


def test_crops_come_from_pictures_large_enough_and_bad_options_are_refused(textured):
    crops = random_crops([textured, textured[:10]], 64, 5, np.random.default_rng(0))
    assert crops.shape == (5, 64, 64, 3)
    with pytest.raises(InputError, match="at least 128x128"):
        random_crops([textured], 128, 1, np.random.default_rng(0))
    with pytest.raises(OptionError, match="multiple of 64"):
        CodecTrainOptions(crop=100).check()
    with pytest.raises(OptionError, match="roicodec takes"):
        CodecTrainOptions(architecture="cheng2020-attn").check()
