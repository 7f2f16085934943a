"""Strategies and codecs are registries: one added in a module of its own (here, this test module) is
offered by the command line's help, listed by `roicodec codecs`, and works through compress, with no
other change anywhere."""

import io

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import roicodec
from roicodec.cli import app
from roicodec.codecs import registry as codec_registry
from roicodec.codecs.base import Codec, CodecOption
from roicodec.codecs.registry import get_codec
from roicodec.errors import OptionError
from roicodec.strategies import Encoding, Job, Strategy, all_strategies, get_strategy
from roicodec.strategies import registry as strategy_registry
from roicodec.strategies.base import plan_offsets


def test_the_strategies_and_their_names():
    assert [s.name for s in all_strategies()][:4] == ["native", "blend", "prefilter", "uniform"]
    assert get_strategy("adaptive") is get_strategy("native")  # JPEG's adaptive quantiser is its native
    assert get_strategy(" Blend ").name == "blend"
    with pytest.raises(OptionError, match="unknown strategy 'mosaic'; available: native, blend"):
        get_strategy("mosaic")


def test_a_codec_takes_every_strategy_that_applies_to_it():
    assert get_codec("jpeg").strategies == ("native", "blend", "prefilter", "uniform")
    assert "native" not in get_codec("avif").strategies  # libavif takes no per-block plan


def flat_top(job: Job) -> Encoding:
    """A strategy made up for this test: the whole picture at the plan's top quality."""
    return plan_offsets(job, lambda plan: job.codec.encode(job.rgb, float(np.clip(plan.max(), 1, 100)),
                                                           **job.metadata, options=job.options))


def _gray_png(rgb, quality, *, icc_profile=None, exif=None, levels=256):
    """A made-up lossy format: the picture in at most ``levels`` gray levels, fewer as quality falls, as PNG."""
    step = max(256 // levels, int(round((100 - quality) / 4)) + 1)
    gray = (np.asarray(Image.fromarray(rgb).convert("L")) // step * step).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def registered():
    """A strategy and a codec registered the way a module of their own would, removed afterwards."""
    strategy = strategy_registry.register(Strategy(name="flat-top", summary="the plan's top everywhere (a test)",
                                                   prepare=flat_top))
    codec = codec_registry.register(Codec(
        name="graypng", label="Gray PNG", extensions=(".gpng",), knob="gray levels (a test)",
        default_strategy="flat-top", _encode=_gray_png, mime_type="image/png",
        options=(CodecOption("levels", 256, "gray levels (a test)"),)))
    yield strategy, codec
    strategy_registry.STRATEGIES.unregister("flat-top")
    codec_registry.CODECS.unregister("graypng")


def test_a_strategy_and_a_codec_added_in_a_module_show_up_in_the_help(registered):
    runner = CliRunner()
    for command in ("compress", "batch"):
        shown = " ".join(runner.invoke(app, [command, "--help"], env={"COLUMNS": "3000"}).output.split())
        assert "flat-top" in shown and "the plan's top everywhere (a test)" in shown, command
        assert "graypng (Gray PNG)" in shown and "levels (gray levels (a test)" in shown, command
    listed = runner.invoke(app, ["codecs"]).output
    assert "graypng" in listed and "flat-top (default)" in listed and "-O levels=256" in listed
    strategy_lines = [line for line in listed.splitlines() if line.strip().startswith("strategies:")]
    assert len(strategy_lines) == len(codec_registry.all_codecs()) and all("flat-top" in line for line in strategy_lines)


def test_they_work_through_compress_and_the_command_line(registered, kodim23_small, tmp_path):
    result = roicodec.compress(kodim23_small, codec="graypng", importance=np.ones(kodim23_small.shape[:2], np.float32),
                               quality=60)
    assert result.strategy == "flat-top" and result.codec == "graypng" and result.extension == ".gpng"
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.mode == "L" and image.size == (kodim23_small.shape[1], kodim23_small.shape[0])
    # A registered strategy with a standard codec, rate-controlled to a target by the pipeline.
    jpeg = roicodec.compress(kodim23_small, strategy="flat-top", target_size=5000,
                             importance=np.ones(kodim23_small.shape[:2], np.float32))
    assert 0.99 * 5000 <= jpeg.size_bytes <= 5000 and jpeg.strategy == "flat-top"
    source = tmp_path / "in.png"
    Image.fromarray(kodim23_small).save(source)
    out = tmp_path / "out.gpng"
    done = CliRunner().invoke(app, ["compress", str(source), "-o", str(out), "--map-method", "spectral",
                                    "-O", "levels=16", "--quality", "50"])
    assert done.exit_code == 0, done.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_codec_refuses_a_strategy_that_does_not_apply_and_options_it_does_not_declare(registered, kodim23_small):
    with pytest.raises(OptionError, match="Gray PNG has no 'native' strategy; it takes blend, prefilter, uniform, flat-top"):
        roicodec.compress(kodim23_small, codec="graypng", strategy="native")
    with pytest.raises(OptionError, match="Gray PNG has no option progressive; it takes: levels"):
        roicodec.compress(kodim23_small, codec="graypng", strategy="uniform", progressive=True)
    with pytest.raises(OptionError, match="option levels takes a whole number, got 'many'"):
        roicodec.compress(kodim23_small, codec="graypng", strategy="uniform", codec_options={"levels": "many"})
