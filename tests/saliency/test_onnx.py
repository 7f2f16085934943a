"""The default maps without torch: the embedded network exported to ONNX once, cached, reused, made
again when damaged, left to torch when the cache cannot be written; and the same maps as torch's."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import roicodec
from roicodec.cache import RoicodecWarning
from roicodec.options import MapOptions
from roicodec.saliency import onnx_backbone as module
from roicodec.saliency.engine import map_at_own_size
from roicodec.saliency.importance import torch_map
from roicodec.saliency.onnx_map import onnx_map, takes

NAME = "efficientnet-lite0"


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder, and no backbone loaded yet in this process."""
    monkeypatch.setenv("ROICODEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(module, "_LOADED", {})
    return tmp_path / "cache"


def test_the_first_run_builds_the_cache_and_the_next_reuses_it(fresh_cache, monkeypatch, kodim23_small):
    with pytest.warns(RoicodecWarning, match="preparing efficientnet-lite0 for fast starts"):
        made = module.onnx_backbone(NAME)
    model, head = module.cache_files(NAME)
    assert model.parent == fresh_cache and model.stat().st_size > 1_000_000 and head.is_file()
    monkeypatch.setattr(module, "_LOADED", {})  # a new process, as far as the cache can tell

    def no_export(name):
        raise AssertionError("exported again")

    monkeypatch.setattr("roicodec.saliency.onnx_export.export", no_export)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note the second time
        again = module.onnx_backbone(NAME)
    batch = np.random.default_rng(0).standard_normal((1, 3, 224, 300)).astype(np.float32)
    for first, second in zip(made.features_and_logits(batch), again.features_and_logits(batch)):
        np.testing.assert_array_equal(first, second)


def test_a_cache_that_cannot_be_written_leaves_the_map_to_torch(tmp_path, monkeypatch, kodim23_small):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROICODEC_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(module, "_LOADED", {})
    with pytest.warns(RoicodecWarning, match="cannot write the cache folder .*the maps use torch"):
        assert module.onnx_backbone(NAME) is None
    found = map_at_own_size(kodim23_small, MapOptions())
    np.testing.assert_array_equal(found.values, torch_map(kodim23_small, MapOptions()).values)


def test_an_export_that_fails_leaves_the_map_to_torch(fresh_cache, monkeypatch):
    from roicodec.errors import RoicodecError

    def failing(name):
        raise RoicodecError("ONNX export: the file differs from torch at input (224, 336)")

    monkeypatch.setattr("roicodec.saliency.onnx_export.export", failing)
    with pytest.warns(RoicodecWarning, match="cannot export efficientnet-lite0 to ONNX .*the maps use torch"):
        assert module.onnx_backbone(NAME) is None
    assert not any(fresh_cache.glob("*.onnx"))


def test_damaged_cache_files_are_made_again(fresh_cache, monkeypatch):
    import onnxruntime

    with pytest.warns(RoicodecWarning):
        module.onnx_backbone(NAME)
    model, _ = module.cache_files(NAME)
    optimised = module._optimised_file(model, onnxruntime)
    assert optimised.stat().st_size > 1_000_000  # ONNX Runtime's optimised graph, kept for the next start
    optimised.write_bytes(b"\0" * 100)  # a full disk: made again from the export, without a word
    monkeypatch.setattr(module, "_LOADED", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.onnx_backbone(NAME) is not None
    assert optimised.stat().st_size > 1_000_000
    model.write_bytes(model.read_bytes()[:5000])  # a torn export, and its optimised graph gone
    optimised.unlink()
    monkeypatch.setattr(module, "_LOADED", {})
    with pytest.warns(RoicodecWarning, match="does not load .*making it again"):
        again = module.onnx_backbone(NAME)
    assert again is not None and model.stat().st_size > 1_000_000


def test_the_onnx_map_is_torchs_map_on_the_kodak_images(shared_data):
    from roicodec.imageio import load_image

    backbone = module.onnx_backbone(NAME)
    worst = 0.0
    for path in sorted((shared_data / "kodak").glob("*.png")):
        rgb = load_image(path).pixels
        ours, theirs = onnx_map(rgb, MapOptions(), backbone), torch_map(rgb, MapOptions())
        worst = max(worst, float(np.abs(ours.values - theirs.values).max()))
        assert [c.index for c in ours.classes] == [c.index for c in theirs.classes], path.name
        assert ours.cues[0][0] == theirs.cues[0][0]
    assert worst < 1e-4


@pytest.mark.parametrize("method", ["fused", "objects", "msroi", "cam"])
def test_every_head_method_it_takes_matches_torch(kodim23, method):
    options = MapOptions(method=method, top_k=3)
    assert takes(options)
    ours = onnx_map(kodim23, options, module.onnx_backbone(NAME))
    np.testing.assert_allclose(ours.values, torch_map(kodim23, options).values, rtol=0, atol=1e-4)


@pytest.mark.parametrize("changes", [{"classes": "bird"}, {"suppress": "bird"}, {"erase": 1}, {"method": "gradcam"},
                                     {"backbone": "resnet50"}, {"aug_smooth": True}, {"target_layer": "x"}])
def test_anything_else_is_torchs(changes):
    assert not takes(MapOptions(**changes))


def test_the_files_are_the_same_whichever_engine_made_the_map(shared_data, monkeypatch):
    from roicodec.imageio import load_image

    for name in ("kodim05", "kodim15", "kodim23"):
        loaded = load_image(shared_data / "kodak" / f"{name}.png")
        ours = roicodec.compress(loaded, target_size="25KB")
        monkeypatch.setenv("ROICODEC_MAP_ENGINE", "torch")
        theirs = roicodec.compress(loaded, target_size="25KB")
        monkeypatch.delenv("ROICODEC_MAP_ENGINE")
        assert ours.data == theirs.data, name


def test_the_default_path_imports_no_torch(tmp_path, kodim23_small):
    from PIL import Image

    module.onnx_backbone(NAME)  # the run's cache holds the file (conftest's ROICODEC_CACHE)
    source = tmp_path / "in.png"
    Image.fromarray(kodim23_small).save(source)
    script = ("import sys, roicodec; r = roicodec.compress(sys.argv[1], target_size=6000); "
              "print(r.size_bytes, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, str(source)], capture_output=True, text=True,
                          env=os.environ, timeout=120)
    assert done.returncode == 0, done.stderr
    size, torch_loaded = done.stdout.split()
    assert torch_loaded == "False" and 0.99 * 6000 <= int(size) <= 6000
