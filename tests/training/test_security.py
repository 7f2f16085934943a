"""Security filtering end to end: a real/fake model, ``--suppress fake --fill gray``: the fake part
of a picture becomes flat gray and costs almost nothing, the real part is kept."""

import io

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import roicodec
from roicodec.cli import app
from roicodec.saliency import MapOptions, importance_map
from roicodec.training.synthetic import altered


@pytest.fixture(scope="module")
def half_fake(shared_data) -> np.ndarray:
    """Left: a real Kodak crop; right: an altered ("fake") crop of another picture."""
    real = Image.open(shared_data / "kodak" / "kodim05.png").convert("RGB").crop((0, 0, 448, 448)).resize((224, 224))
    other = Image.open(shared_data / "kodak" / "kodim08.png").convert("RGB").crop((100, 0, 548, 448)).resize((224, 224))
    canvas = Image.new("RGB", (448, 224))
    canvas.paste(real, (0, 0))
    canvas.paste(altered(other), (224, 0))
    return np.asarray(canvas)


def gray_fraction(rgb: np.ndarray) -> float:
    return float((np.abs(rgb.astype(int) - 128).max(axis=2) < 8).mean())


def test_the_fake_half_is_found_and_blanked(real_fake_model, half_fake):
    options = MapOptions(model=str(real_fake_model.path), suppress="fake")
    found = importance_map(half_fake, options)
    assert found.classes[0].name == "real"
    assert found.suppressed[:, 224:].mean() > 0.2 and found.suppressed[:, :224].mean() < 0.05
    uniform = roicodec.compress(half_fake, method="uniform", quality=75)
    kept = roicodec.compress(half_fake, map_options=options, fill="gray", roi_quality=75, bg_quality=0)
    decoded = np.asarray(Image.open(io.BytesIO(kept.data)).convert("RGB"))
    assert gray_fraction(decoded[:, 224:]) > 0.6  # fake and background: flat gray (measured 0.89)
    assert gray_fraction(decoded[:, :224]) < 0.1  # the real picture stays
    assert kept.size_bytes < 0.9 * uniform.size_bytes


def test_two_category_maps_push_the_other_class_down(real_fake_model, half_fake):
    real = importance_map(half_fake, model=str(real_fake_model.path), classes="real")
    assert real.suppressed is None  # soft negatives: no cut-out unless --suppress asks for one
    assert real.values[:, :224].mean() > 2 * real.values[:, 224:].mean()


def test_the_command_line_trains_and_uses_a_model(real_fake_set, half_fake, tmp_path):
    runner = CliRunner()
    model = tmp_path / "model.pt"
    trained = runner.invoke(app, ["train-classifier", str(real_fake_set), "-o", str(model), "--epochs", "3"])
    assert trained.exit_code == 0, trained.output
    assert "held-out accuracy" in trained.output and model.is_file()
    source = tmp_path / "half.png"
    Image.fromarray(half_fake).save(source)
    out = tmp_path / "half.jpg"
    done = runner.invoke(app, ["compress", str(source), "-o", str(out), "--model", str(model), "--suppress", "fake",
                               "--fill", "gray", "--bg-quality", "0", "--roi-quality", "75"])
    assert done.exit_code == 0, done.output
    assert out.is_file()
    wrong = runner.invoke(app, ["map", str(source), "--model", str(model), "--classes", "dog"])
    assert wrong.exit_code == 2 and "the model has no class 'dog'" in wrong.output
    missing = runner.invoke(app, ["train-classifier", str(tmp_path / "none"), "-o", str(tmp_path / "m.pt")])
    assert missing.exit_code == 2 and "not a folder" in missing.output


def test_bench_runs_with_a_trained_model(real_fake_model, half_fake, tmp_path):
    from roicodec.bench import BenchSpec, run
    from roicodec.options import CompressOptions

    folder = tmp_path / "data"
    folder.mkdir()
    Image.fromarray(half_fake).save(folder / "half.png")
    trained = CompressOptions(map=MapOptions(model=str(real_fake_model.path), classes="real"))
    spec = BenchSpec(dataset=folder, out=tmp_path / "out", methods=("uniform", "native"), maps=("default",),
                     points=(50,), options=trained)
    rows, _ = run(spec)
    assert {r["method"] for r in rows} == {"uniform", "jpegli-uniform", "native"}
    native = next(r for r in rows if r["method"] == "native")
    assert native["bytes"] <= next(r for r in rows if r["method"] == "uniform")["bytes"]
