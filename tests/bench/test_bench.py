import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.bench import BenchSpec, count_tasks, run
from roicodec.bench.grid import ROWS_FILE, load_done
from roicodec.cli import app
from roicodec.errors import OptionError
from roicodec.options import CompressOptions, MapOptions


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, kodim23):
    """Two real 256x192 crops and subject boxes for one of them."""
    folder = tmp_path_factory.mktemp("data")
    Image.fromarray(np.ascontiguousarray(kodim23[80:272, 420:676])).save(folder / "parrot.png")
    Image.fromarray(np.ascontiguousarray(kodim23[300:492, 0:256])).save(folder / "leaves.png")
    boxes = folder / "boxes.json"
    boxes.write_text(json.dumps({"_about": "test", "parrot.png": [[40, 20, 200, 180]]}))
    return folder, boxes


def spec(dataset, out, **changes):
    folder, boxes = dataset
    base = dict(dataset=folder, out=out, methods=("uniform", "native"), maps=("default", "boxes"),
                points=(30, 50, 70), boxes=boxes)
    base.update(changes)
    return BenchSpec(**base)


def test_grid_matches_sizes_and_writes_every_output(dataset, tmp_path):
    rows, paths = run(spec(dataset, tmp_path))
    # parrot: 3 points x (uniform + jpegli at its size + native/default + native/boxes); leaves: no boxes map
    assert len(rows) == 3 * 4 + 3 * 3 == count_tasks(spec(dataset, tmp_path))
    for row in rows:
        if row["method"] == "jpegli-uniform":  # the largest jpegli file not bigger (integer qualities)
            assert row["bytes"] <= row["target_bytes"] and row["map"] == "-"
        else:
            assert row["target_bytes"] * 0.99 <= row["bytes"] <= row["target_bytes"]
            assert row["method"] == "uniform" or row["size_matched"] is True
        assert np.isfinite(row["psnr"]) and np.isfinite(row["ms_ssim"]) and 0 < row["ssimulacra2"] < 100
    parrot = [r for r in rows if r["image"] == "parrot"]
    assert all(np.isfinite(r["roi_psnr"]) and np.isfinite(r["background_psnr"]) for r in parrot)
    assert all(np.isfinite(r["roi_ssimulacra2"]) and np.isfinite(r["background_ssimulacra2"]) for r in parrot)
    assert all("roi_psnr" not in r for r in rows if r["image"] == "leaves")
    for key in ("csv", "json", "summary", "bd", "rd_jpeg_psnr", "rd_jpeg_roi_psnr", "rd_jpeg_psnr_common"):
        assert paths[key].is_file() and paths[key].stat().st_size > 100, key
    summary = paths["summary"].read_text()
    assert "| Method | Ratio | BPP | MSE | PSNR | SSIM | MS-SSIM |" in summary
    assert "native / boxes" in summary and "BD-rate" in summary
    assert "| SSIM2 | ROI SSIM2 | BG SSIM2 |" in summary and "| jpegli-uniform |" in summary
    bd = json.loads(paths["bd"].read_text())
    assert {r["method"] for r in bd} == {"native / default", "native / boxes", "jpegli-uniform"}
    # The boxes map must buy subject quality at equal size: BD on ROI PSNR is negative (fewer bits).
    roi = next(r for r in bd if r["method"] == "native / boxes" and r["metric"] == "roi_psnr")
    assert roi["bd_rate_percent"] < 0 and roi["bd_db"] > 0


def test_an_interrupted_run_resumes_without_redoing_rows(dataset, tmp_path):
    class Stop(Exception):
        pass

    seen = []

    def stop_after_four(row, cached):
        seen.append(row)
        if len(seen) == 4:
            raise Stop

    with pytest.raises(Stop):
        run(spec(dataset, tmp_path), stop_after_four)
    assert len(load_done(tmp_path)) == 4
    with open(tmp_path / ROWS_FILE, "a") as journal:
        journal.write('{"torn line')  # a crash mid-write
    cached = []
    rows, _ = run(spec(dataset, tmp_path), lambda row, was_cached: cached.append(was_cached))
    assert cached.count(True) == 4 and cached.count(False) == len(rows) - 4
    assert [r["bytes"] for r in rows[:4]] == [r["bytes"] for r in seen]


def test_a_resume_with_other_settings_is_refused(dataset, tmp_path):
    small = dict(maps=("default",), points=(50,), images=("parrot",))
    run(spec(dataset, tmp_path, **small))
    with pytest.raises(OptionError, match="rows made with other settings \\(map_changes\\)"):
        run(spec(dataset, tmp_path, options=CompressOptions(map=MapOptions(classes="bird")), **small))
    with pytest.raises(OptionError, match="other settings \\(options\\)"):
        run(spec(dataset, tmp_path, options=CompressOptions(plan="linear"), **small))
    rows, _ = run(spec(dataset, tmp_path, **small))  # the same settings resume
    assert len(rows) == 3  # uniform, jpegli at its size, native


def test_bpp_points(dataset, tmp_path):
    rows, _ = run(spec(dataset, tmp_path, points=None, bpp=(0.4, 0.8, 1.2), maps=("msroi@efficientnet-lite1",),
                       images=("leaves",)))
    assert {r["map"] for r in rows if r["method"] == "native"} == {"msroi@efficientnet-lite1"}
    uniform = [r for r in rows if r["method"] == "uniform"]
    assert [r["point"] for r in uniform] == ["0.4bpp", "0.8bpp", "1.2bpp"]
    assert all(r["bpp"] <= float(r["point"][:-3]) for r in uniform)


@pytest.mark.parametrize(
    "changes",
    [{"methods": ("uniform", "teleport")}, {"maps": ("psychic",)}, {"maps": ("fused@alexnet",)},
     {"maps": ("ensemble:fused",)}, {"maps": ()}, {"points": None}, {"points": (0, 50)},
     {"maps": ("boxes",), "boxes": None}, {"codecs": ("gif",)}, {"images": ("nope",)}],
)
def test_bad_specs_are_refused(dataset, tmp_path, changes):
    with pytest.raises(OptionError):
        run(spec(dataset, tmp_path, **changes))


def test_bench_command_shows_progress_and_writes_plots(dataset, tmp_path):
    folder, boxes = dataset
    result = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path), "--methods", "uniform,adaptive",
                                      "--points", "40,60,80", "--images", "parrot", "--boxes", str(boxes)])
    assert result.exit_code == 0, result.output
    assert "rows; wrote" in result.output
    assert (tmp_path / "plots" / "rd_jpeg_psnr.png").is_file()
    bad = CliRunner().invoke(app, ["bench", str(folder), "--points", "50", "--bpp", "0.5"])
    assert bad.exit_code == 2 and "roicodec: error:" in bad.output


def test_other_codecs_get_their_own_anchors_and_skip_strategies_they_lack(dataset, tmp_path):
    rows, paths = run(spec(dataset, tmp_path, codecs=("jpeg", "avif"), methods=("uniform", "prefilter", "native"),
                           maps=("boxes",), points=(40, 70)))
    avif = [r for r in rows if r["codec"] == "avif"]
    assert avif and {r["method"] for r in avif} == {"uniform", "prefilter"}  # libavif takes no per-block plan
    assert "native" in {r["method"] for r in rows if r["codec"] == "jpeg"}
    for row in avif:
        assert row["bytes"] <= row["target_bytes"]
    jpeg_anchor = next(r for r in rows if r["codec"] == "jpeg" and r["method"] == "uniform")
    avif_anchor = next(r for r in avif if r["method"] == "uniform" and r["point"] == jpeg_anchor["point"]
                       and r["image"] == jpeg_anchor["image"])
    assert avif_anchor["bytes"] != jpeg_anchor["bytes"]  # each codec's own uniform encode sets its sizes
    assert paths["rd_avif_psnr"].is_file()


def test_default_method_runs_each_codecs_own_default_strategy(dataset, tmp_path):
    from roicodec.bench.grid import _tasks, find_images

    chosen = spec(dataset, tmp_path, codecs=("jpeg", "webp", "jxl"), methods=("uniform", "default", "adaptive"),
                  maps=("default",), points=(50,))
    chosen.validate()
    tasks = [(codec, method) for path, codec, method, *_ in _tasks(chosen, find_images(chosen), None)
             if path == find_images(chosen)[0]]
    assert len(tasks) == len(set(tasks))  # "default" and "adaptive" name one strategy, which runs once
    methods = set(tasks)
    assert methods == {("jpeg", "uniform"), ("jpeg", "jpegli-uniform"), ("jpeg", "native"), ("webp", "uniform"), ("webp", "native"),
                       ("jxl", "uniform"), ("jxl", "prefilter")}


def test_a_point_jpegli_cannot_reach_is_a_row_not_a_crash(dataset, tmp_path):
    folder, _ = dataset
    result = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path), "--methods", "uniform",
                                      "--bpp", "0.12,0.2,0.4", "--images", "leaves"])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert any(r["method"] == "jpegli-uniform" and r["bytes"] is None for r in rows)


def test_the_learned_codec_takes_its_weights_in_a_grid_of_several_codecs(dataset, tmp_path, tiny_learned_weights):
    folder, _ = dataset
    result = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path), "--codecs", "learned,webp",
                                      "--methods", "uniform,native", "--points", "30,50,70", "--images", "parrot",
                                      "--learned-weights", str(tiny_learned_weights)])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert {(r["codec"], r["method"]) for r in rows} == {("learned", "uniform"), ("learned", "native"),
                                                        ("webp", "uniform"), ("webp", "native")}
    stray = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path / "x"), "--codecs", "webp",
                                     "--learned-weights", str(tiny_learned_weights)])
    assert stray.exit_code == 2 and "no codec here takes option weights" in stray.output


def test_a_point_the_codec_itself_cannot_reach_is_recorded_and_the_bench_goes_on(dataset, tmp_path):
    folder, _ = dataset
    result = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path), "--methods", "uniform,native",
                                      "--bpp", "0.01,0.5,1.0", "--images", "leaves", "--maps", "default"])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "rows.json").read_text())
    unreached = [r for r in rows if r["point"] == "0.01bpp"]
    assert unreached and all(r["bytes"] is None for r in unreached)
    assert all(r["bytes"] for r in rows if r["point"] != "0.01bpp" and r["method"] != "jpegli-uniform")
    assert "cannot get this small" in (tmp_path / "summary.md").read_text()
    again = CliRunner().invoke(app, ["bench", str(folder), "-o", str(tmp_path), "--methods", "uniform,native",
                                     "--bpp", "0.01,0.5,1.0", "--images", "leaves", "--maps", "default"])
    assert again.exit_code == 0, again.output  # resumed, the unreached point included
