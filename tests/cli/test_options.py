"""The option groups: every command that makes a map takes the same map options, every command that
plans takes the same plan options, each declared once, with one progress bar for all."""

import ast
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import roicodec
from roicodec.cli import app

PACKAGE = Path(roicodec.__file__).parent


def flags(command: str) -> set[str]:
    group = typer.main.get_command(app)
    return {name for param in group.commands[command].params for name in getattr(param, "opts", [])}


MAP_FLAGS = {"--map-method", "--backbone", "--classes", "--suppress", "--top-k", "--fusion", "--alpha", "--beta",
             "--aug-smooth", "--eigen-smooth", "--erase", "--weights", "--target-layer", "--short-side", "--model",
             "--face-detector"}
PLAN_FLAGS = {"--plan", "--roi-quality", "--bg-quality", "--threshold"}
STILL_PLAN_FLAGS = PLAN_FLAGS | {"--entropy-boost", "--fill"}
ENCODE_FLAGS = {"--codec", "--strategy", "--method", "--codec-option", "-O", "--progressive", "--quality",
                "--target-size", "--target-bpp"}


@pytest.mark.parametrize("command", ["compress", "map", "batch", "bench", "video"])
def test_every_command_that_makes_a_map_takes_all_the_map_options(command):
    assert MAP_FLAGS <= flags(command)


def test_the_plan_and_encoding_options_are_the_same_for_compress_and_batch():
    assert STILL_PLAN_FLAGS | ENCODE_FLAGS <= flags("compress")
    assert STILL_PLAN_FLAGS | ENCODE_FLAGS <= flags("batch")
    assert STILL_PLAN_FLAGS <= flags("bench")
    assert PLAN_FLAGS <= flags("video") and not {"--fill", "--entropy-boost"} & flags("video")


def test_video_keeps_its_own_defaults():
    group = typer.main.get_command(app)
    defaults = {param.name: param.default for param in group.commands["video"].params}
    assert defaults["map_method"] == "fused" and defaults["short_side"] == 160
    assert defaults["roi_quality"] == 70.0 and defaults["bg_quality"] == 40.0


@pytest.mark.parametrize("arguments, message", [
    (["-O", "progressive"], "--codec-option takes NAME=VALUE, got 'progressive'"),
    (["-O", "speed=3"], "JPEG has no option speed; it takes: progressive, lambda_scale"),
    (["-O", "progressive=maybe"], "option progressive takes true or false, got 'maybe'"),
    (["-O", "quantiser=fast"], "option quantiser takes one of rdo, requantise, got 'fast'"),
    (["--strategy", "mosaic"], "unknown strategy 'mosaic'; available: native, blend, prefilter, uniform"),
    (["--codec", "avif", "--strategy", "native"], "AVIF has no 'native' strategy; it takes blend, prefilter, uniform"),
])
def test_bad_encoding_options_are_one_line_before_any_work(tmp_path, arguments, message):
    missing = tmp_path / "not-read.png"  # the options are refused before the input is read
    out = tmp_path / ("out.avif" if "avif" in arguments else "out.jpg")
    result = CliRunner().invoke(app, ["compress", str(missing), "-o", str(out), *arguments])
    assert result.exit_code == 2
    assert result.output.startswith(f"roicodec: error: {message}")
    assert result.output.count("\n") == 1 and not out.exists()


def test_only_the_progress_module_builds_a_progress_bar():
    users = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "rich.progress":
                users.append(path.relative_to(PACKAGE).as_posix())
    assert users == ["cli/progress.py"]
