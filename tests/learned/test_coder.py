"""A picture through the learned model and back: the same bytes for the same input, tiles that join
without seams, and the weights a file names."""

import numpy as np
import pytest
import torch

from roicodec.errors import InputError
from roicodec.learned import coder, gain, models


@pytest.fixture(scope="module")
def model(tiny_learned_weights):
    return models.load("mbt2018-mean", 0, str(tiny_learned_weights))


def test_a_file_decodes_to_the_picture_it_was_made_from(model, kodim23_small):
    height, width = kodim23_small.shape[:2]
    data = coder.encode(model, kodim23_small, gain.uniform_levels(90, height, width), icc_profile=b"icc")
    picture = coder.decode(data)
    assert picture.rgb.shape == kodim23_small.shape and picture.icc_profile == b"icc"
    error = ((picture.rgb.astype(float) - kodim23_small) ** 2).mean()
    assert 10 * np.log10(255 ** 2 / error) > 14  # the tiny model's level
    assert coder.encode(model, kodim23_small.copy(), gain.uniform_levels(90, height, width),
                        icc_profile=b"icc") == data  # the same bytes for the same input


def test_more_gain_costs_more_bytes_and_brings_the_picture_closer(model, kodim23_small):
    height, width = kodim23_small.shape[:2]
    sizes, errors = [], []
    for quality in (20, 50, 80):
        data = coder.encode(model, kodim23_small, gain.uniform_levels(quality, height, width))
        sizes.append(len(data))
        errors.append(((coder.decode(data).rgb.astype(float) - kodim23_small) ** 2).mean())
    assert sizes[0] < sizes[1] < sizes[2] and errors[0] > errors[1] > errors[2]


def test_tiles_join_without_seams(model, kodim23, monkeypatch):
    picture = kodim23[:300, :700]
    whole = coder._analysis(model, picture)
    monkeypatch.setattr(coder, "WHOLE_PIXELS", 0)  # force 512-pixel tiles with their halo
    tiled = coder._analysis(model, picture)
    torch.testing.assert_close(tiled, whole, atol=1e-4, rtol=0)
    with torch.inference_mode():
        latent = torch.round(whole)
        monkeypatch.setattr(coder, "WHOLE_PIXELS", 1 << 30)
        one_piece = coder._synthesis(model, latent, 300, 700)
        monkeypatch.setattr(coder, "WHOLE_PIXELS", 0)
        in_tiles = coder._synthesis(model, latent, 300, 700)
    assert np.abs(one_piece.astype(int) - in_tiles).max() <= 1  # float rounding at .5 only


def test_the_latent_is_coded_in_bands_on_large_pictures(model, kodim23_small, monkeypatch):
    monkeypatch.setattr(coder, "BAND_SYMBOLS", 48 * 16 * 2)  # two latent rows a band
    height, width = kodim23_small.shape[:2]
    data = coder.encode(model, kodim23_small, gain.uniform_levels(60, height, width))
    from roicodec.learned.container import unpack

    assert len(unpack(data, gain.latent_shape).y_strings) == gain.latent_shape(height, width)[0] // 2
    assert coder.decode(data).rgb.shape == kodim23_small.shape


def test_a_file_made_with_other_weights_is_refused_in_one_line(model, kodim23_small, tiny_learned_weights, tmp_path):
    height, width = kodim23_small.shape[:2]
    data = coder.encode(model, kodim23_small, gain.uniform_levels(60, height, width))
    checkpoint = torch.load(tiny_learned_weights, weights_only=True)
    checkpoint["state_dict"]["g_s.0.weight"] = checkpoint["state_dict"]["g_s.0.weight"] * 1.01
    other = tmp_path / "other.pt"
    torch.save(checkpoint, other)
    with pytest.raises(InputError, match="made by another model") as caught:
        coder.decode(data, str(other))
    assert "\n" not in str(caught.value)


def test_a_file_from_a_checkpoint_asks_for_it_in_a_fresh_process(model, kodim23_small, monkeypatch):
    height, width = kodim23_small.shape[:2]
    data = coder.encode(model, kodim23_small, gain.uniform_levels(60, height, width))
    monkeypatch.setattr(models, "_by_fingerprint", {})  # as if no model were loaded
    monkeypatch.delenv(models.WEIGHTS_VARIABLE, raising=False)
    with pytest.raises(InputError, match=r"weights from a file .*--weights FILE"):
        coder.decode(data)
