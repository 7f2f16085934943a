"""The options are values: frozen, picklable (batch sends them to its workers), with their defaults in
one place, and the API's keywords (older names too) change single fields."""

import pickle
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

import roicodec
from roicodec import defaults
from roicodec.options import CompressOptions, MapOptions, compress_options, map_options


def test_the_defaults_are_the_measured_ones():
    options = CompressOptions()
    assert options.codec == "jpeg" and options.strategy is None and options.quality is None
    assert options.map == MapOptions() and options.map.method == defaults.MAP_METHOD
    assert options.map.backbone == defaults.BACKBONE and options.map.short_side == defaults.SHORT_SIDE


def test_options_are_frozen_values_that_survive_pickling():
    options = CompressOptions(codec="webp", quality=60, codec_options={"x": 1}, map=MapOptions(classes="dog"))
    with pytest.raises(FrozenInstanceError):
        options.quality = 70
    assert pickle.loads(pickle.dumps(options)) == options


def test_the_codec_options_are_copied_in():
    given = {"progressive": True}
    options = CompressOptions(codec_options=given)
    given["progressive"] = False
    assert options.codec_options == {"progressive": True}


def test_keywords_change_single_fields_under_their_old_names_too():
    base = CompressOptions(codec="webp", quality=60)
    changed = compress_options(base, method="blend", map_options=MapOptions(method="spectral"), progressive=True)
    assert changed.codec == "webp" and changed.quality == 60 and changed.strategy == "blend"
    assert changed.map.method == "spectral" and changed.codec_options == {"progressive": True}
    assert compress_options(base, progressive=False).codec_options == {}  # every codec's default: nothing said
    assert compress_options(None, map_options=None).map == MapOptions()
    with pytest.raises(TypeError, match="unknown compress option"):
        compress_options(None, qualty=50)
    with pytest.raises(TypeError, match="give strategy= or method="):
        compress_options(None, method="blend", strategy="uniform")
    with pytest.raises(TypeError, match="unknown map option"):
        map_options(None, colour="red")


def test_compress_takes_an_options_value_or_keywords_alike(kodim23_small):
    mask = np.zeros(kodim23_small.shape[:2], np.float32)
    mask[40:120, 80:180] = 1.0
    by_value = roicodec.compress(kodim23_small, CompressOptions(codec="webp", strategy="blend", quality=50), importance=mask)
    by_keywords = roicodec.compress(kodim23_small, codec="webp", method="blend", quality=50, importance=mask)
    assert by_value.data == by_keywords.data and by_value.strategy == "blend" == by_value.method
