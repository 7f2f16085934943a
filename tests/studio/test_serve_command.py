"""``roicodec serve`` refuses bad limits with one line before it opens a port."""

import pytest
from typer.testing import CliRunner

from roicodec.cli import app


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "port must be between 0 and 65535, got 70000"),
    (["--workers", "0"], "workers must be at least 1, got 0"),
    (["--max-upload-mb", "0"], "max_upload_bytes must be at least 1, got 0"),
    (["--workers", "4", "--queue", "2"], "queue_limit (2) must be at least workers (4)"),
    (["--max-connections", "0"], "--max-connections must be at least 1, got 0"),
])
def test_bad_serve_options_exit_2_with_one_line(args, message):
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert result.output.strip() == f"roicodec: error: {message}"
