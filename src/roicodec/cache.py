"""The user's cache folder for files roicodec makes once and reuses (the embedded networks as ONNX):
``$ROICODEC_CACHE``, else ``$XDG_CACHE_HOME/roicodec``, else ``~/.cache/roicodec``; and whether a
download host can be reached at all, so weights that would be downloaded fail at once offline."""

from __future__ import annotations

import os
import socket
from pathlib import Path


class RoicodecWarning(UserWarning):
    """Something the user should know that does not stop the work (the command line prints it as a
    ``roicodec: note:`` line)."""


def cache_dir() -> Path:
    own = os.environ.get("ROICODEC_CACHE")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "roicodec"


def host_resolves(host: str) -> bool:
    """Whether ``host``'s name resolves: offline, a download would only fail after retries."""
    try:
        socket.getaddrinfo(host, 443)
        return True
    except OSError:
        return False
