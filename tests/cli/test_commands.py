"""The command line, run as users run it: exit codes, one-line errors, files written or not."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_compress_writes_a_jpeg_that_fits_the_target(photo, tmp_path):
    out = tmp_path / "photo.jpg"
    result = run("compress", photo, "-o", out, "--target-size", "9KB")
    assert result.exit_code == 0, result.output
    assert 9000 * 0.98 <= out.stat().st_size <= 9000
    with Image.open(out) as image:
        assert image.format == "JPEG" and image.size == (256, 176)


def test_default_output_name_and_report(photo):
    result = run("compress", photo, "--quality", "60", "--report")
    assert result.exit_code == 0, result.output
    assert (photo.parent / "photo.roi.jpg").is_file()
    assert "uniform JPEG, same size" in result.output and "uniform JPEG (jpegli), same size" in result.output
    header = next(line for line in result.output.splitlines() if "MS-SSIM" in line)
    assert header.split()[:10] == ["bytes", "bpp", "PSNR-Y", "SSIM", "MS-SSIM", "PSNR-subj", "SSIM2", "subj", "backg",
                                   "setting"]
    assert "subject = the map's region" in result.output
    ours = next(line for line in result.output.splitlines() if line.startswith("roicodec jpeg native"))
    whole, subject, background = (float(v) for v in ours.split()[9:12])
    assert all(0 < v < 100 for v in (whole, subject, background))


def test_report_subject_from_boxes(photo, tmp_path):
    boxes = tmp_path / "boxes.json"
    boxes.write_text('{"photo.png": [[40, 20, 200, 160]]}')
    result = run("compress", photo, "-o", tmp_path / "x.jpg", "--quality", "50", "--report", "--boxes", boxes)
    assert result.exit_code == 0, result.output
    assert "subject = the 1 given box(es), 50% of the picture" in result.output
    boxes.write_text('{"other.png": [[0, 0, 10, 10]]}')
    result = run("compress", photo, "-o", tmp_path / "y.jpg", "--report", "--boxes", boxes)
    assert result.exit_code != 0 and "no boxes for photo.png" in result.output
    assert not (tmp_path / "y.jpg").exists()
    result = run("compress", photo, "-o", tmp_path / "y.jpg", "--boxes", boxes)
    assert result.exit_code != 0 and "add --report" in result.output


def test_map_command_writes_a_16_bit_map_and_an_overlay(photo, tmp_path):
    result = run("map", photo, "-o", tmp_path / "m.png", "--overlay", tmp_path / "o.png")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "m.png") as image:
        assert image.mode.startswith("I;16") or image.mode == "I"
        assert image.size == (256, 176)
    with Image.open(tmp_path / "o.png") as image:
        assert image.mode == "RGB" and image.size == (256, 176)
    assert "%" in result.output  # the top classes with their probabilities


def test_map_method_and_backbone_options(photo, tmp_path):
    result = run("map", photo, "-o", tmp_path / "m.png", "--map-method", "msroi", "--backbone", "efficientnet-lite2")
    assert result.exit_code == 0, result.output
    out = tmp_path / "e.jpg"
    result = run("compress", photo, "-o", out, "--quality", "60",
                 "--map-method", "ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2")
    assert result.exit_code == 0, result.output
    assert out.is_file()
    for option, value in (("--map-method", "telepathy"), ("--backbone", "alexnet")):
        result = run("compress", photo, "-o", out, option, value)
        assert result.exit_code == 2 and result.output.startswith("roicodec: error:")


def test_class_selection_and_suppression_options(photo, tmp_path):
    result = run("map", photo, "-o", tmp_path / "m.png", "--classes", "bird")
    assert result.exit_code == 0, result.output
    assert "macaw (88)" in result.output and "more classes" in result.output
    result = run("map", photo, "-o", tmp_path / "s.png", "--suppress", "bird", "--fusion", "threshold", "--alpha", "0.2")
    assert result.exit_code == 0, result.output
    assert "suppressed:" in result.output and "macaw" not in result.output
    out = tmp_path / "s.jpg"
    result = run("compress", photo, "-o", out, "--quality", "60", "--suppress", "bird", "--fill", "gray", "--erase", "1")
    assert result.exit_code == 0, result.output
    for args in (["--classes", "unicorn"], ["--erase", "9"], ["--fusion", "max"], ["--backbone", "resnet50"],
                 ["--backbone", "vgg16", "--weights", tmp_path / "missing.pth"], ["--target-layer", "layer99"]):
        result = run("map", photo, "-o", tmp_path / "x.png", *args)
        assert result.exit_code == 2 and result.output.startswith("roicodec: error:"), (args, result.output)
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_codecs_command_lists_formats_knobs_and_strategies():
    result = run("codecs")
    assert result.exit_code == 0, result.output
    for name in ("jpeg", "webp", "jpeg2000", "avif", "heic", "jxl"):
        assert name in result.output
    jpeg = result.output.split("\njpegli ")[0]
    webp = result.output.split("\nwebp ")[1].split("\njpeg2000 ")[0]
    assert "strategies: native (or adaptive) (default), blend, prefilter, uniform" in jpeg
    assert "default plan: auto 80/60 (native); auto 80/30 (blend, prefilter)" in jpeg
    assert "-O progressive=False: write a progressive JPEG" in jpeg and "rate mode" in result.output
    assert "native (or adaptive) (default)" in webp and "prefilter blur: 1.25 px" in result.output


@pytest.mark.parametrize("suffix, magic", [(".webp", b"RIFF"), (".avif", b"ftypavif"), (".jxl", b"\xff\x0a")])
def test_the_output_extension_picks_the_codec(photo, tmp_path, suffix, magic):
    out = tmp_path / f"photo{suffix}"
    result = run("compress", photo, "-o", out, "--target-size", "6KB", "--report")
    assert result.exit_code == 0, result.output
    assert out.stat().st_size <= 6000 and magic in out.read_bytes()[:16]
    assert "uniform JPEG, same size" in result.output


def test_codec_option_and_its_errors(photo, tmp_path):
    result = run("compress", photo, "--codec", "heic", "--quality", "50")
    assert result.exit_code == 0, result.output
    assert (photo.parent / "photo.roi.heic").is_file()
    # "adaptive" is the native strategy's old name: a codec without a per-block quantiser refuses it.
    for out, args in ((tmp_path / "x.webp", ["--codec", "bpg9"]),
                      (tmp_path / "x.avif", ["--codec", "avif", "--method", "adaptive"])):
        result = run("compress", photo, "-o", out, *args)
        assert result.exit_code == 2 and result.output.startswith("roicodec: error:"), result.output
        assert not out.exists()
    assert "AVIF has no 'native' strategy" in result.output


def test_the_input_is_never_overwritten(photo):
    before = photo.read_bytes()
    result = run("compress", photo, "-o", photo)
    assert result.exit_code == 2
    assert photo.read_bytes() == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quality", "0"], "quality"),
        (["--target-size", "lots"], "size"),
        (["--target-size", "20"], "smallest output"),
        (["--roi-quality", "10", "--bg-quality", "90"], "quality"),
        (["--fill", "plaid", "--plan", "two-level", "--bg-quality", "0"], "fill"),
    ],
)
def test_bad_options_exit_2_with_one_line(photo, tmp_path, args, message):
    out = tmp_path / "x.jpg"
    result = run("compress", photo, "-o", out, *args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("roicodec: error:") and message in lines[0]
    assert not out.exists()


def test_unknown_option_is_a_usage_error(photo):
    assert run("compress", photo, "--frobnicate").exit_code == 2


def _damaged_files(source: bytes, count: int, seed: int):
    rng = np.random.default_rng(seed)
    for cut in np.linspace(0, len(source) - 1, count // 2).astype(int):
        yield f"cut{cut}", source[:cut]
    for index in range(count // 2):
        garbled = bytearray(source)
        for position in rng.integers(0, len(source), size=1 + index % 8):
            garbled[position] = rng.integers(0, 256)
        yield f"garbled{index}", bytes(garbled)


@pytest.mark.parametrize("format_", ["PNG", "JPEG"])
def test_fuzz_truncated_and_garbled_inputs(tmp_path, kodim23_small, format_):
    """Every damaged file either compresses to a valid JPEG or fails with exit 2 and one line."""
    original = tmp_path / f"ok.{format_.lower()}"
    Image.fromarray(kodim23_small[:64, :64]).save(original, format_)
    outcomes = {0: 0, 2: 0}
    for name, data in _damaged_files(original.read_bytes(), 24, seed=11):
        damaged = tmp_path / f"{name}.{format_.lower()}"
        damaged.write_bytes(data)
        out = tmp_path / f"{name}.jpg"
        result = run("compress", damaged, "-o", out, "--map", original, "--quality", "50")
        assert result.exit_code in (0, 2), (name, result.output, result.exception)
        outcomes[result.exit_code] += 1
        if result.exit_code == 2:
            lines = [line for line in result.output.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("roicodec: error:") and damaged.name in lines[0]
            assert not out.exists()
        else:
            with Image.open(out) as image:
                image.load()
        assert damaged.read_bytes() == data
    assert outcomes[2] >= 10  # truncations are caught, not decoded as grey


def test_not_an_image_and_missing_file(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("hello")
    for path in (text, tmp_path / "missing.png", tmp_path):
        result = run("compress", path, "-o", tmp_path / "x.jpg")
        assert result.exit_code == 2 and result.output.startswith("roicodec: error:")
        assert len(result.output.strip().splitlines()) == 1


def test_the_installed_command_runs(photo, tmp_path):
    """The console script itself, in a fresh process: a real exit code and stderr."""
    out = tmp_path / "p.jpg"
    done = subprocess.run(
        [sys.executable, "-m", "roicodec", "compress", str(photo), "-o", str(out), "--quality", "0"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2 and done.stderr.startswith("roicodec: error:") and done.stdout == ""
    done = subprocess.run(
        [sys.executable, "-m", "roicodec", "compress", str(photo), "-o", str(out), "--quality", "60"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file()


@pytest.mark.parametrize("args, message", [(["-o", "{tmp}/x.xyz"], "no codec writes .xyz"),
                                           (["-o", "{tmp}/x.jp2", "--codec", "webp"], "writes .webp files, not .jp2"),
                                           (["-o", "{tmp}/x.png"], "no codec writes .png")])
def test_output_name_and_codec_must_agree(photo, tmp_path, args, message):
    before = set(tmp_path.iterdir())
    result = run("compress", photo, *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and message in result.output
    assert set(tmp_path.iterdir()) == before  # nothing written


def test_version_prints_the_installed_version_and_exits():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"roicodec {version('roicodec')}"


def test_outputs_never_replace_devices_pipes_maps_or_folders(photo, tmp_path):
    import os

    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)
    result = run("compress", photo, "-o", pipe)
    assert result.exit_code != 0 and "not a regular file" in result.output
    assert pipe.is_fifo()
    result = run("compress", pipe, "-o", tmp_path / "x.jpg")  # a pipe as input: refused, not waited on
    assert result.exit_code != 0 and "not a regular file" in result.output
    result = run("compress", photo, "-o", f"{tmp_path}/newdir/")
    assert result.exit_code != 0 and "names a folder" in result.output
    assert not (tmp_path / "newdir").exists()
    own_map = tmp_path / "m.jpg"
    Image.fromarray(np.full((176, 256), 200, np.uint8)).save(own_map)
    before = own_map.read_bytes()
    result = run("compress", photo, "--map", own_map, "-o", own_map)
    assert result.exit_code != 0 and "refusing to overwrite" in result.output and own_map.read_bytes() == before
    result = run("map", photo, "-o", tmp_path / "map.png", "--overlay", photo)
    assert result.exit_code != 0 and not (tmp_path / "map.png").exists()  # refused before the map was written


def test_tiny_pictures_get_the_metrics_they_allow_and_clear_errors(tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (5, 7, 3), dtype=np.uint8)).save(tiny)
    result = run("compress", tiny, "-o", tmp_path / "tiny.jpg")
    assert result.exit_code == 0, result.output
    result = run("metrics", tiny, tmp_path / "tiny.jpg")
    assert result.exit_code == 0, result.output
    assert "PSNR (dB)" in result.output and "n/a" in result.output
    result = run("compress", tiny, "-o", tmp_path / "tiny.heic")
    assert result.exit_code == 2 and "cannot encode this" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "tiny.heic").exists()


def test_flags_show_no_type_placeholder_in_help():
    result = runner.invoke(app, ["compress", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    flags = [line for line in result.output.splitlines() if "--progressive" in line or "--report" in line]
    assert flags and not any("<bool>" in line for line in flags)


def test_a_long_output_name_is_written(photo, tmp_path):
    out = tmp_path / ("x" * 246 + ".jpg")  # 250 characters, near the file system's 255
    result = run("compress", photo, "-o", out, "--quality", "50")
    assert result.exit_code == 0, result.output
    assert out.is_file() and [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pillows_warnings_stay_off_stderr(tmp_path):
    """A file with corrupt EXIF compresses with nothing on stderr (Pillow warned there before)."""
    import os

    bad = tmp_path / "bad_exif.jpg"
    Image.fromarray(np.full((64, 64, 3), 120, np.uint8)).save(bad, exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff\x01\x02\x03")
    done = subprocess.run([sys.executable, "-m", "roicodec", "compress", str(bad), "-o", str(tmp_path / "out.jpg"),
                           "--map-method", "spectral"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_the_boxes_file_is_never_the_output(photo, tmp_path):
    boxes = tmp_path / "subject.jpg"  # a JSON file under an image's name: still the user's boxes
    boxes.write_text('{"photo.png": [[40, 20, 200, 160]]}')
    result = run("compress", photo, "-o", boxes, "--report", "--boxes", boxes)
    assert result.exit_code == 2 and "overwrite" in result.output
    assert boxes.read_text() == '{"photo.png": [[40, 20, 200, 160]]}'
