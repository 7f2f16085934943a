"""The bad-input corpus (issue 15): hundreds of damaged, disguised, oversized and unusual inputs,
made at test time (tests/bad_inputs.py), through ``compress``, ``map``, ``metrics``, ``batch``,
``video`` and the studio's upload.

What every case must show: no traceback, no hang (each case runs under a deadline), no partial or
temporary file left, no input or other file changed (hashes compared), and every error one line
on stderr with exit code 2 (batch: the bad files listed, exit code 1). The CLI runs in process
(importing torch takes seconds) with file descriptors 1 and 2 captured, so C libraries' own
messages (libtiff, FFmpeg) count too; a few cases run as real processes at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the corpus's generator, beside this file
import bad_inputs  # noqa: E402
from bad_inputs import Sample, image_samples, video_samples  # noqa: E402

#: Any one case; the slowest (a first network load, a video) take a few seconds.
CASE_SECONDS = 30
runner = CliRunner()
FAST_MAP = ["--map-method", "spectral"]  # no network: the corpus is about input handling
ERROR_LINE = re.compile(r"roicodec: error: \S.*")


# --------------------------------------------------------------------------------------------
# Running one case and checking what every case must show


class Hang(BaseException):
    """A case ran past its deadline (a BaseException: no ``except Exception`` in roicodec hides it)."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def native_output() -> Iterator[dict[int, str]]:
    """What is written to file descriptors 1 and 2 themselves while the block runs: C libraries'
    messages (libtiff, FFmpeg), which the CLI runner's Python-level capture does not see."""
    saved, files, captured = {}, {}, {}
    for fd in (1, 2):
        saved[fd], files[fd] = os.dup(fd), tempfile.TemporaryFile()
        os.dup2(files[fd].fileno(), fd)
    try:
        yield captured
    finally:
        for fd in (1, 2):
            os.dup2(saved[fd], fd)
            os.close(saved[fd])
            files[fd].seek(0)
            captured[fd] = files[fd].read().decode(errors="replace")
            files[fd].close()


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: a file by its sha256, links, pipes and folders by their kind."""
    state = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as file:
                    state[os.path.relpath(path, folder)] = ("file", hashlib.sha256(file.read()).hexdigest())
            elif stat.S_ISLNK(info.st_mode):
                state[os.path.relpath(path, folder)] = ("link", os.readlink(path))
            else:
                state[os.path.relpath(path, folder)] = (stat.S_IFMT(info.st_mode),)
    return state


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    new: set[str]  # paths created under the folder, relative
    detail: str = field(repr=False)  # everything, for assertion messages


def run_cli(folder: Path, *args, may_change: tuple[str, ...] = ()) -> Outcome:
    """One command in process, and the checks every case shares (``may_change``: files it may rewrite)."""
    before = snapshot(folder)
    with native_output() as native, deadline(CASE_SECONDS):
        result = runner.invoke(app, [str(a) for a in args])
    after = snapshot(folder)
    stdout, stderr = native[1] + result.stdout, native[2] + result.stderr
    unexpected = result.exception is not None and not isinstance(result.exception, SystemExit)
    trace = "".join(traceback.format_exception(*result.exc_info)) if unexpected else ""
    detail = f"args: {[str(a) for a in args]}\nexit {result.exit_code}\nstdout: {stdout!r}\nstderr: {stderr!r}\n{trace}"
    assert "Traceback" not in stdout + stderr, detail
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), detail
    changed = sorted(name for name, entry in before.items() if after.get(name) != entry and name not in may_change)
    assert not changed, f"changed or removed: {changed}\n{detail}"
    leftovers = [name for name in after if ".roicodec-" in name or name.endswith(".tmp")]
    assert not leftovers, f"temporary files left: {leftovers}\n{detail}"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null was replaced"
    return Outcome(result.exit_code, stdout, stderr, set(after) - set(before), detail)


def refused(outcome: Outcome, *fragments: str, quiet_stdout: bool = True) -> str:
    """Exit code 2, one error line on stderr (naming ``fragments``), nothing written."""
    assert outcome.exit_code == 2, outcome.detail
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and ERROR_LINE.fullmatch(lines[0]), outcome.detail
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), f"{fragment!r} not in the error\n{outcome.detail}"
    if quiet_stdout:
        assert outcome.stdout == "", outcome.detail
    assert not outcome.new, f"written although refused: {outcome.new}\n{outcome.detail}"
    return lines[0]


def worked(outcome: Outcome, *outputs: str) -> None:
    """Exit code 0, nothing on stderr, exactly ``outputs`` written."""
    assert outcome.exit_code == 0 and outcome.stderr == "", outcome.detail
    assert outcome.new == set(outputs), outcome.detail


def decoded_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.load()
        return image.size


def write_sample(folder: Path, sample: Sample) -> Path:
    path = folder / sample.name
    path.write_bytes(sample.data)
    return path


def ids(samples) -> list[str]:
    return [s.name for s in samples]


IMAGES = image_samples()
VIDEOS = video_samples()
#: Every picture sample except the damaged ones that might decode, and one in four of those.
DEFINITE = [s for s in IMAGES if s.expect != "either"]
SOME_EITHER = [s for s in IMAGES if s.expect == "either"][::4]


# --------------------------------------------------------------------------------------------
# compress: every picture sample


@pytest.mark.parametrize("sample", IMAGES, ids=ids(IMAGES))
def test_compress(tmp_path, sample):
    source = write_sample(tmp_path, sample)
    outcome = run_cli(tmp_path, "compress", source, "-o", tmp_path / "out.jpg", *FAST_MAP, "--quality", "60")
    if sample.expect == "fail" or (sample.expect == "either" and outcome.exit_code != 0):
        refused(outcome, sample.name)
        return
    worked(outcome, "out.jpg")
    assert outcome.stdout.startswith(f"{tmp_path / 'out.jpg'}: ")
    size = decoded_size(tmp_path / "out.jpg")
    assert sample.size is None or size == sample.size, (size, sample.size)


NETWORK_SAMPLES = [s for s in IMAGES if s.name in ("tiny1x1.png", "tiny3x3.png", "strip3000x1.png",
                                                    "strip1x3000.png", "cmyk.jpg", "orientation6.jpg")]


@pytest.mark.parametrize("sample", NETWORK_SAMPLES, ids=ids(NETWORK_SAMPLES))
def test_compress_with_the_default_map(tmp_path, sample):
    """The network's map (the default) on the extreme shapes: tiny, thin, turned."""
    source = write_sample(tmp_path, sample)
    worked(run_cli(tmp_path, "compress", source, "-o", tmp_path / "out.webp"), "out.webp")
    assert decoded_size(tmp_path / "out.webp") == sample.size


def test_truncation_is_caught_not_decoded_as_grey():
    """The "either" cases must not hide a lenient decoder: every file cut to three quarters or less is
    refused (only a lost last byte - a PNG's end chunk, a GIF's trailer - may leave a usable picture)."""
    from roicodec.errors import InputError
    from roicodec.imageio import load_image

    decoded = []
    for sample in IMAGES:
        whole = bad_inputs.formats().get(sample.name.split("-", 1)[-1])
        if sample.kind == "truncated" and len(sample.data) <= 0.75 * len(whole):
            try:
                load_image(sample.data)
                decoded.append(sample.name)
            except InputError:
                pass
    assert decoded == []


# --------------------------------------------------------------------------------------------
# map and metrics: the definite samples and a share of the others


@pytest.mark.parametrize("sample", DEFINITE + SOME_EITHER, ids=ids(DEFINITE + SOME_EITHER))
def test_map(tmp_path, sample):
    source = write_sample(tmp_path, sample)
    outcome = run_cli(tmp_path, "map", source, "-o", tmp_path / "m.png", "--overlay", tmp_path / "o.png", *FAST_MAP)
    if sample.expect == "fail" or (sample.expect == "either" and outcome.exit_code != 0):
        refused(outcome, sample.name)
        return
    worked(outcome, "m.png", "o.png")
    with Image.open(tmp_path / "m.png") as written:
        assert written.mode == "I;16" and written.size == (sample.size or written.size)


@pytest.mark.parametrize("sample", DEFINITE + SOME_EITHER, ids=ids(DEFINITE + SOME_EITHER))
def test_metrics(tmp_path, sample):
    """A usable picture against itself (perfect scores, infinite PSNR); a bad one against a good one."""
    source = write_sample(tmp_path, sample)
    if sample.expect == "ok":
        outcome = run_cli(tmp_path, "metrics", source, source, "--json")
        worked(outcome)
        figures = json.loads(outcome.stdout)
        assert figures["psnr"] is None and figures["original"] == str(source)  # infinite: null in JSON
        return
    good = tmp_path / "good.png"
    good.write_bytes(bad_inputs.formats()["plain.png"])
    outcome = run_cli(tmp_path, "metrics", good, source)
    if sample.expect == "fail" or outcome.exit_code != 0:
        refused(outcome, sample.name)
    else:
        worked(outcome)
        assert "PSNR" in outcome.stdout


# --------------------------------------------------------------------------------------------
# Paths that are not files, outputs that must not be written, options with bad values


@pytest.fixture
def place(tmp_path) -> Path:
    """A folder with a good picture, a map, boxes, and the awkward things paths can name."""
    photo = Image.fromarray(bad_inputs.picture())
    photo.save(tmp_path / "photo.png")
    photo.save(tmp_path / "photo.jpg", quality=90)
    Image.fromarray(bad_inputs.picture(16, 16)).save(tmp_path / "small.png")
    Image.fromarray(np.full((24, 32), 200, np.uint8)).save(tmp_path / "map.jpg")
    (tmp_path / "notes.txt").write_text("not a picture\n")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "boxes.json").write_text(json.dumps({"photo.png": [[4, 4, 20, 16]]}))
    (tmp_path / "other-boxes.json").write_text(json.dumps({"elsewhere.png": [[0, 0, 1, 1]]}))
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "wrong-boxes.json").write_text(json.dumps({"photo.png": "everywhere"}))
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder.jpg").mkdir()
    (tmp_path / "folder.mp4").mkdir()
    for name in ("pipe", "pipe.jpg", "pipe.png", "pipe.mp4", "pipe.json"):
        os.mkfifo(tmp_path / name)
    for name, target in (("null.jpg", "/dev/null"), ("null.png", "/dev/null"), ("null.mp4", "/dev/null"),
                         ("dangling.png", str(tmp_path / "gone.png")), ("dirlink.png", str(tmp_path / "folder")),
                         ("photolink.jpg", str(tmp_path / "photo.jpg"))):
        os.symlink(target, tmp_path / name)
    (tmp_path / "clip.mp4").write_bytes(VIDEOS[0].data)
    return tmp_path


BAD_PATHS = ["{d}/missing.png", "{d}/folder", "{d}/pipe", "/dev/null", "/dev/zero", "{d}/dangling.png",
             "{d}/dirlink.png", "{d}/notes.txt", "{d}/empty.png", ""]

COMPRESS_REFUSED = [
    # outputs that must not be written
    ("-o /dev/null", ""), ("-o {d}/null.jpg", "not a regular file"), ("-o {d}/pipe.jpg", "not a regular file"),
    ("-o {d}/folder", ""), ("-o {d}/folder.jpg", "directory"), ("-o {d}/newdir/", ""), ("-o {d}/out.jpg/", ""),
    ("-o {d}/out", "extension"), ("-o {d}/out.xyz", ".xyz"), ("-o {d}/out.png", ".png"),
    ("-o {d}/photo.png/x.jpg", ""), ("-o {d}/photo.jpg --codec jpeg --input-is-jpg", ""),
    ("--map {d}/map.jpg -o {d}/map.jpg", "overwrite"),
    # option values
    ("--frobnicate", "frobnicate"), ("-Z", "-Z"), ("--quality abc", "quality"), ("--quality 0", "quality"),
    ("--quality 101", "quality"), ("--quality nan", "quality"), ("--quality inf", "quality"),
    ("--quality -5", "quality"), ("--target-size lots", "size"), ("--target-size 0", "size"),
    ("--target-size -1KB", "size"), ("--target-size 20", "smallest"), ("--target-bpp 0", "bpp"),
    ("--target-bpp -1", "bpp"), ("--target-bpp nan", "bpp"), ("--quality 50 --target-size 10KB", ""),
    ("--roi-quality 10 --bg-quality 90", "quality"), ("--roi-quality 500", "quality"),
    ("--bg-quality -3", "quality"), ("--plan foo", "plan"), ("--method foo", "unknown strategy 'foo'"),
    ("--strategy foo", "unknown strategy 'foo'"),
    ("--codec avif --strategy native -o {d}/out.avif", "no 'native' strategy"),
    ("--codec foo", "foo"), ("--codec webp", "webp"), ("--fill plaid --plan two-level --bg-quality 0", "fill"),
    ("--fill #12345 --plan two-level --bg-quality 0", "fill"),
    ("--threshold 2", "threshold"), ("--threshold nan", "threshold"), ("--entropy-boost nan", "entropy"),
    ("--entropy-boost -500", "entropy"),
    ("--map {d}/missing.png", "missing.png"), ("--map {d}/notes.txt", "notes.txt"), ("--map {d}/folder", "folder"),
    ("--map {d}/pipe", "pipe"), ("--map {d}/empty.png", "empty"), ("--map-method nope", "nope"),
    ("--map-method ensemble:", "ensemble"), ("--map-method ensemble:nope+spectral", "nope"),
    ("--map-method gradcam --backbone nope", "nope"), ("--map-method fused --classes zzzz-no-such-class", "zzzz"),
    ("--map-method fused --suppress zzzz-no-such-class", "zzzz"), ("--map-method fused --top-k 0", "top"),
    ("--map-method fused --top-k -1", "top"), ("--map-method fused --fusion nope", "fusion"),
    ("--map-method fused --fusion threshold --alpha nan", "alpha"), ("--map-method fused --erase 99", "erase"),
    ("--map-method fused --erase -1", "erase"), ("--map-method fused --short-side 0", "short"),
    ("--map-method fused --short-side -5", "short"),
    ("--map-method fused --short-side 100000", "short"),
    ("--map-method gradcam --backbone vgg16 --weights {d}/missing.pth", "missing.pth"),
    ("--map-method gradcam --backbone vgg16 --weights {d}/pipe", "pipe"),
    ("--map-method fused --model {d}/missing.pt", "missing.pt"),
    ("--map-method fused --model {d}/notes.txt", "notes.txt"),
    ("--map-method fused --model {d}/pipe", "pipe"), ("--face-detector nope", "nope"),
    ("--map-method gradcam --target-layer nonsense[[", "nonsense"), ("--boxes {d}/boxes.json", "--report"),
    ("--report --boxes {d}/garbage.json", "garbage.json"), ("--report --boxes {d}/pipe.json", "pipe.json"),
    ("--report --boxes {d}/missing.json", "missing.json"), ("--report --boxes {d}/other-boxes.json", "no boxes"),
    ("--report --boxes {d}/wrong-boxes.json", "wrong-boxes.json"),
]


def expand(text: str, folder: Path) -> list[str]:
    return [part.replace("{d}", str(folder)) for part in text.split()]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_compress_refuses_paths_that_are_no_picture(place, path):
    source = path.replace("{d}", str(place))
    refused(run_cli(place, "compress", source, "-o", place / "new" / "out.jpg", *FAST_MAP))  # no folder made


@pytest.mark.parametrize("args, fragment", COMPRESS_REFUSED)
def test_compress_refuses_bad_outputs_and_options(place, args, fragment):
    arguments = expand(args, place)
    source = place / ("photo.jpg" if "--input-is-jpg" in arguments else "photo.png")
    arguments = [a for a in arguments if a != "--input-is-jpg"]
    if "-o" not in arguments:
        arguments += ["-o", str(place / "out.jpg")]
    if "--map-method" not in arguments:
        arguments += FAST_MAP
    refused(run_cli(place, "compress", source, *arguments), fragment)


def test_compress_refuses_its_own_input_through_a_link(place):
    refused(run_cli(place, "compress", place / "photo.jpg", "-o", place / "photolink.jpg", *FAST_MAP), "overwrite")


def test_compress_without_arguments_is_a_one_line_usage_error(place):
    refused(run_cli(place, "compress"), "input")


MAP_REFUSED = [
    ("-o /dev/null", "not a regular file"), ("-o {d}/null.png", "not a regular file"),
    ("-o {d}/pipe.png", "not a regular file"), ("-o {d}/folder", "directory"), ("-o {d}/newdir/", "folder"),
    ("-o {d}/m.png/", "folder"), ("-o {d}/photo.png", "overwrite"),
    ("-o {d}/m.png --overlay {d}/photo.png", "overwrite"),
    ("-o {d}/m.png --overlay {d}/m.png", "overwrite"), ("-o {d}/m.png --overlay /dev/null", "not a regular file"),
    ("-o {d}/m.png --overlay {d}/pipe.png", "not a regular file"), ("-o {d}/m.png --overlay {d}/folder", "directory"),
    ("-o {d}/photo.png/m.png", ""),
    ("--frobnicate", "frobnicate"), ("--map-method nope", "nope"), ("--map-method fused --backbone nope", "nope"),
    ("--map-method fused --classes zzzz-no-such-class", "zzzz"), ("--map-method fused --top-k 0", "top"),
    ("--map-method fused --erase 99", "erase"), ("--map-method fused --short-side 0", "short"),
    ("--map-method fused --fusion nope", "fusion"), ("--face-detector nope", "nope"),
    ("--map-method fused --model {d}/pipe", "pipe"), ("--map-method fused --model {d}/notes.txt", "notes.txt"),
    ("--threads abc", "threads"),
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_map_refuses_paths_that_are_no_picture(place, path):
    refused(run_cli(place, "map", path.replace("{d}", str(place)), "-o", place / "new" / "m.png", *FAST_MAP))


@pytest.mark.parametrize("args, fragment", MAP_REFUSED)
def test_map_refuses_bad_outputs_and_options(place, args, fragment):
    arguments = expand(args, place)
    if "-o" not in arguments:
        arguments += ["-o", str(place / "m.png")]
    if "--map-method" not in arguments:
        arguments += FAST_MAP
    refused(run_cli(place, "map", place / "photo.png", *arguments), fragment)


METRICS_REFUSED = [
    ("{d}/photo.png {d}/small.png", "size"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/map.jpg --boxes {d}/boxes.json", "either"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/missing.png", "missing.png"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/pipe", "pipe"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/notes.txt", "notes.txt"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/folder", "folder"),
    ("{d}/photo.png {d}/photo.jpg --boxes {d}/garbage.json", "garbage.json"),
    ("{d}/photo.png {d}/photo.jpg --boxes {d}/pipe.json", "pipe.json"),
    ("{d}/photo.png {d}/photo.jpg --boxes {d}/missing.json", "missing.json"),
    ("{d}/photo.png {d}/photo.jpg --boxes {d}/other-boxes.json", "no boxes"),
    ("{d}/photo.png {d}/photo.jpg --boxes {d}/wrong-boxes.json", "wrong-boxes.json"),
    ("{d}/photo.png {d}/photo.jpg --roi {d}/map.jpg --roi-threshold nan", "threshold"),
    ("{d}/photo.png {d}/photo.jpg --frobnicate", "frobnicate"), ("{d}/photo.png", "compressed"),
]


@pytest.mark.parametrize("path", BAD_PATHS)
@pytest.mark.parametrize("which", ["original", "compressed"])
def test_metrics_refuses_paths_that_are_no_picture(place, path, which):
    bad = path.replace("{d}", str(place))
    pair = (bad, place / "photo.jpg") if which == "original" else (place / "photo.png", bad)
    refused(run_cli(place, "metrics", *pair))


@pytest.mark.parametrize("args, fragment", METRICS_REFUSED)
def test_metrics_refuses_bad_options(place, args, fragment):
    refused(run_cli(place, "metrics", *expand(args, place)), fragment)


# --------------------------------------------------------------------------------------------
# video


@pytest.mark.parametrize("sample", VIDEOS, ids=ids(VIDEOS))
def test_video(tmp_path, sample):
    source = write_sample(tmp_path, sample)
    outcome = run_cli(tmp_path, "video", source, "-o", tmp_path / "out.mp4", *FAST_MAP, "--preset", "ultrafast")
    if sample.expect == "fail" or (sample.expect == "either" and outcome.exit_code != 0):
        refused(outcome, sample.name, quiet_stdout=False)
        return
    assert outcome.exit_code == 0 and outcome.stderr == "", outcome.detail
    assert outcome.new == {"out.mp4"}, outcome.detail
    import av

    with av.open(str(tmp_path / "out.mp4")) as written:
        assert sum(1 for _ in written.decode(video=0)) >= 1


VIDEO_REFUSED = [
    ("-o /dev/null", ""), ("-o {d}/null.mp4", "not a regular file"), ("-o {d}/pipe.mp4", "not a regular file"),
    ("-o {d}/folder.mp4", "directory"), ("-o {d}/newdir/", ""), ("-o {d}/out.mp4/", "folder"),
    ("-o {d}/clip.mp4", "input"), ("-o {d}/out.avi", ".avi"), ("-o {d}/out", "extension"),
    ("-o {d}/photo.png/out.mp4", ""),
    ("--mask-video {d}/clip.mp4", "input"), ("--mask-video {d}/out.mp4", "output"),
    ("--mask-video {d}/null.mp4", "not a regular file"), ("--mask-video {d}/pipe.mp4", "not a regular file"),
    ("--mask-video {d}/mask.avi", ".avi"),
    ("--codec vp9", "vp9"), ("--crf 99", "crf"), ("--crf -1", "crf"), ("--crf nan", "crf"),
    ("--target-bitrate abc", "bitrate"), ("--target-bitrate 0", "bitrate"), ("--target-bitrate -2M", "bitrate"),
    ("--crf 20 --target-bitrate 1M", "crf"), ("--preset nope", "preset"), ("--map-every 0", "map-every"),
    ("--smoothing 2", "smoothing"), ("--smoothing -1", "smoothing"), ("--smoothing nan", "smoothing"),
    ("--roi-quality 10 --bg-quality 90", "quality"), ("--mask-style nope", "mask-style"),
    ("--max-frames -1", "max-frames"), ("--max-frames 0", "max-frames"), ("--map-method nope", "nope"),
    ("--map-method fused --short-side 0", "short"), ("--frobnicate", "frobnicate"), ("--plan foo", "plan"),
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_video_refuses_paths_that_are_no_video(place, path):
    outcome = run_cli(place, "video", path.replace("{d}", str(place)), "-o", place / "new" / "out.mp4", *FAST_MAP)
    refused(outcome, quiet_stdout=False)


@pytest.mark.parametrize("args, fragment", VIDEO_REFUSED)
def test_video_refuses_bad_outputs_and_options(place, args, fragment):
    arguments = expand(args, place)
    if "-o" not in arguments:
        arguments += ["-o", str(place / "out.mp4")]
    if "--map-method" not in arguments:
        arguments += FAST_MAP
    refused(run_cli(place, "video", place / "clip.mp4", "--preset", "ultrafast", *arguments), fragment,
            quiet_stdout=False)


# --------------------------------------------------------------------------------------------
# batch: a folder that mixes good and bad files


BATCH_SAMPLES = DEFINITE + SOME_EITHER


def test_batch_lists_the_bad_files_and_writes_the_good(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for sample in BATCH_SAMPLES:
        write_sample(source, sample)
    os.mkfifo(source / "pipe.png")  # not a regular file: skipped, never opened
    (source / "folder.png").mkdir()
    outcome = run_cli(tmp_path, "batch", source, out, *FAST_MAP, "--workers", "1", "--quality", "60")
    assert outcome.exit_code == 1, outcome.detail
    failed = {}
    for line in outcome.stderr.splitlines():
        match = re.fullmatch(r"  failed: (.+?): (.+)", line)
        assert match, f"not a failure line: {line!r}\n{outcome.detail}"
        failed[match.group(1)] = match.group(2)
    for name, error in failed.items():
        assert not re.match(r"\w+(Error|Exception)\b", error), f"{name}: a bug, not a refusal: {error}"
    must_fail = {s.name for s in BATCH_SAMPLES if s.expect == "fail"}
    must_work = {s.name for s in BATCH_SAMPLES if s.expect == "ok"}
    assert must_fail <= set(failed) and not (must_work & set(failed)), outcome.detail
    names = [Path(s.name).stem for s in BATCH_SAMPLES]  # a shared stem keeps the input's extension
    written = {f"out/{s.name}.jpg" if names.count(Path(s.name).stem) > 1 else f"out/{Path(s.name).stem}.jpg"
               for s in BATCH_SAMPLES if s.name not in failed}
    assert outcome.new == written | {"out", "out/manifest.jsonl"}, outcome.detail
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == len(BATCH_SAMPLES)
    assert {entry["input"] for entry in manifest if entry["error"]} == set(failed)
    again = run_cli(tmp_path, "batch", source, out, *FAST_MAP, "--workers", "1", "--quality", "60",
                    may_change=("out/manifest.jsonl",))  # the run's entries are appended
    assert again.exit_code == 1 and len(again.stderr.splitlines()) == len(failed), again.detail
    assert f"0 compressed, {len(BATCH_SAMPLES) - len(failed)} already done" in again.stdout


BATCH_REFUSED = [
    ("{d}/missing {d}/out", "missing"), ("{d}/photo.png {d}/out", "not a folder"), ("{d}/pipe {d}/out", "pipe"),
    ("{d}/folder {d}/folder", "output folder"), ("{d}/folder {d}/folder/out", "output folder"),
    ("{d}/folder {d}/photo.png", "not a folder"), ("{d}/folder /dev/null", "not a folder"),
    ("{d}/folder {d}/out --codec nope", "nope"), ("{d}/folder {d}/out --quality 0", "quality"),
    ("{d}/folder {d}/out --engine nope", "engine"), ("{d}/folder {d}/out --target-size lots", "size"),
    ("{d}/folder {d}/out --map-method nope", "nope"), ("{d}/folder {d}/out --frobnicate", "frobnicate"),
    ("{d}/folder {d}/out --plan foo", "plan"), ("{d}/folder {d}/out --roi-quality 10 --bg-quality 90", "quality"),
    ("{d}/folder {d}/out --map-method fused --classes zzzz-no-such-class", "zzzz"),
    ("{d}/folder {d}/out --fill plaid --plan two-level --bg-quality 0", "fill"),
    ("{d}/folder {d}/out --quality 50 --target-size 10KB", "either"), ("{d}/folder {d}/out --target-bpp -1", "bpp"),
]


@pytest.mark.parametrize("args, fragment", BATCH_REFUSED)
def test_batch_refuses_bad_folders_and_options(place, args, fragment):
    (place / "folder" / "a.png").write_bytes(bad_inputs.formats()["plain.png"])
    arguments = expand(args, place)
    if "--map-method" not in arguments:
        arguments += FAST_MAP
    refused(run_cli(place, "batch", *arguments, "--workers", "1"), fragment, quiet_stdout=False)


# --------------------------------------------------------------------------------------------
# The studio's upload


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    from fastapi.testclient import TestClient

    from roicodec.studio import StudioSettings, create_app

    parent = tmp_path_factory.mktemp("studio")
    settings = StudioSettings(max_upload_bytes=400_000, max_pixels=200_000, workers=1, max_uploads=10_000,
                              temp_parent=parent)
    with TestClient(create_app(settings)) as client:  # a server error raises here: never a 500
        yield client, parent


STUDIO_SAMPLES = IMAGES + VIDEOS


@pytest.mark.parametrize("sample", STUDIO_SAMPLES, ids=ids(STUDIO_SAMPLES))
def test_studio_upload(studio, sample):
    client, parent = studio
    (root,) = parent.iterdir()
    before = {p.name for p in root.iterdir()}
    with deadline(CASE_SECONDS):
        response = client.post("/api/uploads", content=sample.data, headers={"X-Filename": sample.name})
    after = {p.name for p in root.iterdir()}
    assert not any((root / "scratch").iterdir())
    if sample.name.endswith((".mp4", ".mov", ".mkv")):  # the studio goes by content: a PNG named .mp4 is fine
        refuse = sample.kind != "still image as video"
    else:
        refuse = sample.expect == "fail" or (sample.expect == "either" and response.status_code != 200)
    if refuse:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
        detail = response.json()["detail"]
        assert "\n" not in detail and "Traceback" not in detail and sample.name in detail, detail
        assert after == before, "a refused upload left files"
        return
    assert response.status_code == 200, response.text
    stored = response.json()
    assert after - before == {stored["id"]}
    if sample.size is not None:
        assert (stored["width"], stored["height"]) == sample.size


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "a%0Ab.png", "%00.png", "x" * 300, ""])
def test_studio_upload_names_never_reach_an_error_line_raw(studio, name):
    client, _ = studio
    response = client.post("/api/uploads", content=b"not a picture", headers={"X-Filename": name})
    assert response.status_code == 422 and "\n" not in response.json()["detail"]


# --------------------------------------------------------------------------------------------
# Real processes: the exit code and stderr a shell sees


def test_real_processes(place):
    fifo = place / "pipe"
    truncated = place / "truncated.png"
    truncated.write_bytes(bad_inputs.formats()["plain.png"][:200])
    garbled = place / "garbled.mp4"  # once "AttributeError: 'NoneType' object has no attribute 'width'"
    garbled.write_bytes(next(s for s in VIDEOS if s.name == "unknown-video-codec.mp4").data)
    tiff = place / "flip.tif"  # libtiff itself reports this one ("TIFFFetchStripThing: ...")
    tiff.write_bytes(next(s for s in IMAGES if s.name == "flip1-deflate.tif").data)
    mixed = place / "mixed"
    mixed.mkdir()
    mixed.joinpath("good.png").write_bytes(bad_inputs.formats()["plain.png"])
    mixed.joinpath("bad.png").write_bytes(b"no picture")
    roicodec = [sys.executable, "-m", "roicodec"]
    cases = {
        "truncated": (roicodec + ["compress", truncated, "-o", place / "t.jpg", *FAST_MAP], 2, "truncated.png"),
        "unknown option": (roicodec + ["compress", place / "photo.png", "--frobnicate"], 2, "frobnicate"),
        "device output": (roicodec + ["compress", place / "photo.png", "-o", place / "null.jpg", *FAST_MAP], 2,
                          "not a regular file"),
        "pipe input": (roicodec + ["map", fifo, *FAST_MAP], 2, "not a regular file"),
        "missing": (roicodec + ["metrics", place / "photo.png", place / "missing.jpg"], 2, "missing.jpg"),
        "garbled video": (roicodec + ["video", garbled, "-o", place / "v.mp4", *FAST_MAP], 2, "garbled.mp4"),
        "tiff": (roicodec + ["compress", tiff, "-o", place / "f.jpg", *FAST_MAP], 2, "flip.tif"),
        "batch": (roicodec + ["batch", mixed, place / "mixed-out", *FAST_MAP, "--workers", "2"], 1, "bad.png"),
        "batch setup": (roicodec + ["batch", mixed, place / "nope-out", "--map-method", "nope", "--workers", "2"], 2,
                        "nope"),
    }
    before = snapshot(place)
    env = {**os.environ, "PYTHONWARNINGS": "default", "COLUMNS": "100"}
    running = {name: subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env) for name, (args, _, _) in cases.items()}
    try:
        for name, process in running.items():
            _, expected_code, fragment = cases[name]
            stdout, stderr = process.communicate(timeout=CASE_SECONDS * 3)  # a hang: TimeoutExpired
            detail = f"{name}: exit {process.returncode}\nstdout: {stdout!r}\nstderr: {stderr!r}"
            assert "Traceback" not in stdout + stderr and process.returncode == expected_code, detail
            if expected_code == 2:
                assert ERROR_LINE.fullmatch(stderr.rstrip("\n")) and stderr.count("\n") == 1, detail
            else:  # batch: each bad file on a line of its own, the good one not among them
                assert all(line.startswith("  failed: ") for line in stderr.splitlines()), detail
                assert "good.png" not in stderr, detail
            assert fragment in stderr, detail
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    after = snapshot(place)
    assert all(after.get(name) == entry for name, entry in before.items())
    assert set(after) - set(before) == {"mixed-out", "mixed-out/good.jpg", "mixed-out/manifest.jsonl"}
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
