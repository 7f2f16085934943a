"""``roicodec decode`` and the learned codec's flags, run as users run them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def learned_file(photo, tiny_learned_weights):
    out = photo.with_suffix(".rlc")
    result = run("compress", photo, "-o", out, "--codec", "learned", "--learned-weights", tiny_learned_weights,
                 "--target-size", "3KB")
    assert result.exit_code == 0, result.output
    assert 0.98 * 3000 <= out.stat().st_size <= 3000
    return out


def test_compress_then_decode_gives_the_picture_back(learned_file, tiny_learned_weights, kodim23_small):
    result = run("decode", learned_file, "--weights", tiny_learned_weights)
    assert result.exit_code == 0, result.output
    with Image.open(learned_file.with_suffix(".png")) as image:
        decoded = np.asarray(image)
    assert decoded.shape == kodim23_small.shape


def test_a_damaged_file_is_one_line_and_leaves_nothing(learned_file, tiny_learned_weights, tmp_path):
    damaged = tmp_path / "damaged.rlc"
    damaged.write_bytes(learned_file.read_bytes()[:-100])
    result = run("decode", damaged, "-o", tmp_path / "out.png", "--weights", tiny_learned_weights)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "damaged or truncated" in result.output and not (tmp_path / "out.png").exists()


def test_decode_never_writes_over_its_input(photo):
    before = photo.read_bytes()
    result = run("decode", photo, "-o", photo)
    assert result.exit_code == 2 and result.output.startswith("roicodec: error:") and photo.read_bytes() == before
    result = run("decode", photo, "-o", photo.with_suffix(".jpg"))
    assert result.exit_code == 2 and "writes .png" in result.output


def test_decode_reads_the_standard_formats_too(photo, tmp_path):
    jpeg = tmp_path / "photo.jpg"
    assert run("compress", photo, "-o", jpeg, "--quality", "80").exit_code == 0
    result = run("decode", jpeg, "-o", tmp_path / "back.png")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "back.png") as image:
        assert image.size == (256, 176)


def test_learned_flags_on_another_codec_are_refused_in_one_line(photo, tmp_path):
    result = run("compress", photo, "-o", tmp_path / "x.jpg", "--learned-model", "mbt2018-mean")
    assert result.exit_code == 2 and "has no option model" in result.output


def test_the_weights_file_is_never_an_output(photo, tiny_learned_weights):
    target = tiny_learned_weights.with_name("w.rlc")
    target.write_bytes(b"keep")
    result = run("compress", photo, "-o", target, "--codec", "learned", "--learned-weights", target)
    assert result.exit_code == 2 and target.read_bytes() == b"keep"
