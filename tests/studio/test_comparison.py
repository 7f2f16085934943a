"""One studio request end to end: the files, the same-size uniform encode and the figures."""

import pytest
from PIL import Image

from roicodec.errors import OptionError
from roicodec.imageio import load_image
from roicodec.studio import StudioSettings
from roicodec.studio.comparison import MapCache, StudioRequest, run_comparison, studio_options
from roicodec.studio.workspace import Workspace


@pytest.mark.parametrize("changes, message", [
    ({"map_method": "acol"}, "unknown map method 'acol'"),
    ({"backbone": "alexnet"}, "unknown backbone 'alexnet'"),
    ({"codec": "gif"}, "unknown codec"),
    ({"codec": "avif", "strategy": "adaptive"}, "AVIF has no 'adaptive' strategy"),
    ({"target": "psnr"}, "unknown target 'psnr'"),
    ({"target": "quality", "value": 101}, "quality must be between 1 and 100"),
    ({"target": "bpp", "value": float("nan")}, "bpp must be between"),
    ({"classes": "macaw, unicorn"}, "unknown ImageNet class or group 'unicorn'"),
    ({"suppress": "x" * 301}, "suppress: at most 300 characters"),
    ({"map_method": "eigencam", "suppress": "macaw"}, "eigencam has no classes"),
])
def test_bad_requests_are_refused_with_one_line(changes, message):
    with pytest.raises(OptionError, match=message):
        StudioRequest(**changes)


def test_options_describe_every_control():
    options = studio_options(StudioSettings(max_upload_bytes=1000))
    assert "fused" in options["map_methods"] and "acol" not in options["map_methods"]
    assert {c["name"] for c in options["codecs"]} >= {"jpeg", "webp", "avif"}
    assert options["limits"]["max_upload_bytes"] == 1000
    assert options["defaults"]["codec"] == "jpeg"


@pytest.fixture
def upload(tmp_path, kodim23_small):
    space = Workspace(StudioSettings(temp_parent=tmp_path))
    yield space.add(load_image(kodim23_small), "parrot.png", 12345)
    space.close()


def test_a_size_target_gives_both_files_measured(upload, tmp_path):
    stages = []
    folder = upload.folder / "job"
    folder.mkdir()
    request = StudioRequest(target="size", value=6)  # 6 KB
    result = run_comparison(upload, request, folder, MapCache(), lambda stage, fraction: stages.append(fraction))
    assert stages == sorted(stages) and stages[-1] == 1.0
    mine, theirs = result["files"]["result"], result["files"]["uniform"]
    assert mine["bytes"] <= 6000 and theirs["bytes"] <= mine["bytes"]
    assert (folder / "result.bin").stat().st_size == mine["bytes"]
    for name in ("result.png", "uniform.png"):
        with Image.open(folder / name) as preview:
            assert preview.size == (256, 176)
    assert set(mine["metrics"]) >= {"psnr", "ssim", "ms_ssim", "roi_psnr", "background_psnr", "ssimulacra2",
                                    "roi_ssimulacra2", "background_ssimulacra2"}
    # jpegli's uniform file of the same size beside Pillow's: what a user would pick instead.
    (jpegli,) = result["anchors"]
    assert jpegli["name"] == "jpegli" and jpegli["bytes"] <= mine["bytes"]
    assert 0 < jpegli["metrics"]["ssimulacra2"] < 100
    # The subject gets more than the uniform encode gives it, at no larger size.
    assert mine["metrics"]["roi_psnr"] > theirs["metrics"]["roi_psnr"]
    assert (upload.folder / result["map"]["overlay"]).exists()
    assert result["map"]["classes"][0]["probability"] > 0
    # The default subject map says which cue contributed what (the page shows it beside the classes).
    cues = {c["name"]: c["share"] for c in result["map"]["cues"]}
    assert set(cues) == {"people", "objects", "centre"} and sum(cues.values()) == pytest.approx(1.0, abs=1e-3)


def test_classes_drive_the_map_and_suppressed_ones_let_go(upload):
    cache = MapCache()
    pixels = upload.image().pixels
    chosen = cache.get(upload, pixels, StudioRequest(classes="bird"))
    assert chosen is not cache.get(upload, pixels, StudioRequest())  # its own cache entry
    assert chosen.suppressed is None
    folder = upload.folder / "suppressed"
    folder.mkdir()
    result = run_comparison(upload, StudioRequest(suppress="macaw"), folder, cache, lambda stage, fraction: None)
    assert cache.get(upload, pixels, StudioRequest(suppress="macaw")).suppressed.any()
    assert result["files"]["result"]["bytes"] > 0


def test_the_map_is_computed_once_per_method(upload):
    calls = []
    cache = MapCache()
    for codec in ("jpeg", "webp"):
        folder = upload.folder / codec
        folder.mkdir()
        run_comparison(upload, StudioRequest(codec=codec, value=50), folder, cache,
                       lambda stage, fraction: calls.append(stage))
    first = cache.get(upload, upload.image().pixels, StudioRequest())
    assert first is cache.get(upload, upload.image().pixels, StudioRequest(codec="webp"))
    assert cache.get(upload, upload.image().pixels, StudioRequest(map_method="spectral")) is not first


def test_one_network_computes_one_map_at_a_time_others_run_beside(upload, monkeypatch):
    """The locking alone: a slow stand-in map records which maps were being computed together."""
    import threading
    import time

    from roicodec.studio import comparison

    running, together = [], []
    guard = threading.Lock()

    def slow_map(rgb, options):
        label = options.method if options.method == "spectral" else options.backbone
        with guard:
            running.append(label)
            together.append(list(running))
        time.sleep(0.2)
        with guard:
            running.remove(label)
        return comparison.ImportanceMap(values=rgb[..., 0] / 255.0, classes=(), method=options.method,
                                        backbone=options.backbone)

    monkeypatch.setattr(comparison, "working_importance_map", slow_map)
    cache = MapCache()
    pixels = upload.image().pixels
    requests = [StudioRequest(), StudioRequest(map_method="gradcam"), StudioRequest(backbone="efficientnet-lite1"),
                StudioRequest(map_method="spectral")]
    threads = [threading.Thread(target=cache.get, args=(upload, pixels, r)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(seen.count("efficientnet-lite0") <= 1 for seen in together)  # lite0's two maps: one by one
    assert max(len(seen) for seen in together) >= 2  # lite1's and the network-free map ran beside them
