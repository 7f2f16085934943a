"""The ``roicodec`` command: ``compress``, ``map``, ``train-classifier``, ``video``, ``batch``,
``codecs``, ``metrics``, ``decode``, ``bench`` and ``serve``, one module each; app.py holds the group and what
they share, options.py the option groups, progress.py the progress bar (docs/DESIGN.md)."""

from . import batch, bench, codecs, compress, decode, importance, metrics, serve, train, video  # noqa: F401 (they register)
from .app import app


def main() -> None:  # pragma: no cover - console entry point alias
    app()


__all__ = ["app", "main"]
