"""What every command shares: roicodec's notes as one line each, Python's warnings left as they are."""

from PIL import Image
from typer.testing import CliRunner

from roicodec.cli import app
from roicodec.saliency import onnx_backbone


def test_a_note_is_one_line_and_the_command_goes_on(tmp_path, monkeypatch, kodim23_small):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROICODEC_CACHE", str(blocker / "cache"))  # a cache that cannot be written
    monkeypatch.setattr(onnx_backbone, "_LOADED", {})
    source = tmp_path / "in.png"
    Image.fromarray(kodim23_small).save(source)
    result = CliRunner().invoke(app, ["compress", str(source), "-o", str(tmp_path / "out.jpg"), "--quality", "60"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("roicodec: note: ")]
    assert len(notes) == 1 and "cannot write the cache folder" in notes[0] and "the maps use torch" in notes[0]
    assert (tmp_path / "out.jpg").is_file()
