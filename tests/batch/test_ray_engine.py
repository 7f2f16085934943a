"""roicodec batch --engine ray in Ray's local mode on this machine, with local paths and URLs."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.batch import BatchOptions
from roicodec.batch.ray_engine import list_jobs, run_batch_ray
from roicodec.cli import app
from roicodec.errors import OptionError
from roicodec.options import CompressOptions

ray = pytest.importorskip("ray", reason="Ray is part of the test extra: pip install -e '.[test]'")


@pytest.fixture
def tree(tmp_path, kodim23_small):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    Image.fromarray(kodim23_small).save(root / "a.png")
    Image.fromarray(np.ascontiguousarray(kodim23_small[:, ::-1])).save(root / "sub" / "b.png")
    (root / "sub" / "bad.png").write_bytes(b"not a png")
    return root


def test_jobs_are_listed_from_a_url_and_nesting_is_refused(tree, tmp_path):
    jobs = list_jobs(f"file://{tree}", str(tmp_path / "out"), ".webp")
    assert [relative for relative, *_ in jobs] == ["a.png", "sub/b.png", "sub/bad.png"]
    assert jobs[1][2].endswith("out/sub/b.webp")
    with pytest.raises(OptionError, match="must not be the input folder"):
        list_jobs(str(tree), str(tree / "out"), ".jpg")


def test_ray_local_mode_compresses_resumes_and_lists_failures(tree, tmp_path):
    out = tmp_path / "out"
    options = BatchOptions(workers=2, compress=CompressOptions(quality=60))
    summary = run_batch_ray(f"file://{tree}", f"file://{out}", options)
    assert summary.done == 2 and [name for name, _ in summary.failed] == ["sub/bad.png"]
    with Image.open(out / "sub" / "b.jpg") as image:
        assert image.format == "JPEG" and image.size == (256, 176)
    entries = {json.loads(line)["input"]: json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()}
    assert entries["a.png"]["bytes"] == (out / "a.jpg").stat().st_size and entries["sub/bad.png"]["error"]
    again = run_batch_ray(str(tree), str(out), options)
    assert again.skipped == 2 and again.done == 0 and len(again.failed) == 1


def test_the_command_runs_on_ray(tree, tmp_path):
    result = CliRunner().invoke(app, ["batch", str(tree), str(tmp_path / "out"), "--engine", "ray", "--workers", "1",
                                      "-q", "60"])
    assert result.exit_code == 1 and "2 compressed, 0 already done, 1 failed" in result.output
    unknown = CliRunner().invoke(app, ["batch", str(tree), str(tmp_path / "o"), "--engine", "spark"])
    assert unknown.exit_code == 2 and "unknown engine" in unknown.output


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_an_address_with_nothing_listening_is_refused_at_once(tree, tmp_path, scheme):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OptionError, match=f"no Ray cluster at '{scheme}127.0.0.1:{port}'"):
        run_batch_ray(str(tree), str(tmp_path / "out"), BatchOptions(workers=1), address=f"{scheme}127.0.0.1:{port}")
    assert not ray.is_initialized()
