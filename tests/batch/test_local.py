"""roicodec batch on this machine: layout kept, manifest written, bad files listed, runs resumed."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from roicodec.batch import BatchOptions, run_batch
from roicodec.cli import app
from roicodec.errors import OptionError
from roicodec.options import CompressOptions


@pytest.fixture
def tree(tmp_path, kodim23_small):
    root = tmp_path / "in"
    (root / "birds" / "more").mkdir(parents=True)
    Image.fromarray(kodim23_small).save(root / "a.png")
    Image.fromarray(np.ascontiguousarray(kodim23_small[:, ::-1])).save(root / "birds" / "b.png")
    Image.fromarray(kodim23_small[:120, :160]).save(root / "birds" / "more" / "c.jpg", quality=95)
    (root / "birds" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    (root / "notes.txt").write_text("not an image, not picked up")
    return root


def manifest(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_a_tree_is_compressed_with_its_layout_and_a_manifest(tree, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(tree, out, BatchOptions(workers=1, compress=CompressOptions(quality=60)))
    assert summary.done == 3 and summary.skipped == 0
    assert [name for name, _ in summary.failed] == ["birds/broken.png"]
    for relative in ("a.jpg", "birds/b.jpg", "birds/more/c.jpg"):
        with Image.open(out / relative) as image:
            assert image.format == "JPEG"
    entries = {e["input"]: e for e in manifest(out)}
    assert entries["a.png"]["bytes"] == (out / "a.jpg").stat().st_size
    assert entries["a.png"]["metrics"]["psnr"] > 30 and entries["a.png"]["error"] is None
    figures = entries["a.png"]["metrics"]
    assert all(0 < figures[key] < 100 for key in ("ssimulacra2", "subject_ssimulacra2", "background_ssimulacra2"))
    assert "broken.png" in entries["birds/broken.png"]["error"] and not (out / "birds" / "broken.jpg").exists()


def test_an_interrupted_run_resumes_without_redoing_finished_files(tree, tmp_path):
    out = tmp_path / "out"
    webp = BatchOptions(workers=1, compress=CompressOptions(codec="webp", quality=60))
    run_batch(tree, out, webp)
    (out / "birds" / "b.webp").unlink()  # as if the run had stopped before this file
    again = run_batch(tree, out, webp)
    assert again.skipped == 2 and again.done == 1 and len(again.failed) == 1  # b redone, the broken file retried
    fresh = run_batch(tree, out, webp, resume=False)
    assert fresh.done == 3 and fresh.skipped == 0


def test_two_worker_processes_give_the_same_files(tree, tmp_path):
    one = run_batch(tree, tmp_path / "one", BatchOptions(workers=1, compress=CompressOptions(quality=60)))
    two = run_batch(tree, tmp_path / "two", BatchOptions(workers=2, compress=CompressOptions(quality=60)))
    assert one.done == two.done == 3
    for relative in ("a.jpg", "birds/b.jpg", "birds/more/c.jpg"):
        assert (tmp_path / "one" / relative).read_bytes() == (tmp_path / "two" / relative).read_bytes()


def test_output_inside_the_input_is_refused(tree):
    with pytest.raises(OptionError, match="must not be the input folder or inside it"):
        run_batch(tree, tree / "out", BatchOptions(workers=1))


def test_the_command_lists_failures_and_exits_non_zero(tree, tmp_path):
    result = CliRunner().invoke(app, ["batch", str(tree), str(tmp_path / "out"), "--workers", "1", "-q", "60"])
    assert result.exit_code == 1
    assert "3 compressed, 0 already done, 1 failed" in result.output and "failed: birds/broken.png" in result.output
    (tree / "birds" / "broken.png").unlink()
    clean = CliRunner().invoke(app, ["batch", str(tree), str(tmp_path / "out"), "--workers", "1", "-q", "60"])
    assert clean.exit_code == 0 and "0 compressed, 3 already done, 0 failed" in clean.output
    bad = CliRunner().invoke(app, ["batch", str(tree), str(tmp_path / "o2"), "--codec", "bmp"])
    assert bad.exit_code == 2 and "unknown codec" in bad.output


def test_inputs_sharing_a_name_get_outputs_of_their_own(tmp_path, kodim23_small):
    source = tmp_path / "in"
    source.mkdir()
    for suffix in (".png", ".tif", ".jpg"):
        Image.fromarray(kodim23_small).save(source / f"a{suffix}")
    Image.fromarray(kodim23_small).save(source / "b.png")
    out = tmp_path / "out"
    summary = run_batch(source, out, BatchOptions(workers=1, compress=CompressOptions(quality=60)))
    assert summary.done == 4 and not summary.failed
    assert sorted(p.name for p in out.glob("*.jpg")) == ["a.jpg.jpg", "a.png.jpg", "a.tif.jpg", "b.jpg"]
    again = run_batch(source, out, BatchOptions(workers=1, compress=CompressOptions(quality=60)))
    assert again.skipped == 4 and again.done == 0  # each resume finds its own file


def test_formats_roicodec_writes_are_batch_inputs_and_an_output_file_is_refused(tmp_path, kodim23_small):
    from roicodec.codecs.registry import get_codec
    from roicodec.errors import OptionError

    source = tmp_path / "in"
    source.mkdir()
    (source / "own.heic").write_bytes(get_codec("heic").encode(kodim23_small, 60))
    (source / "own.jxl").write_bytes(get_codec("jxl").encode(kodim23_small, 60))
    summary = run_batch(source, tmp_path / "out", BatchOptions(workers=1, compress=CompressOptions(quality=60)))
    assert summary.done == 2 and not summary.failed
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OptionError, match="not a folder"):
        run_batch(source, tmp_path / "file", BatchOptions(workers=1))
