"""Saving a trained classifier in one file; saliency/trained.py reads it back for ``--model FILE``
(its format is described there)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
from torch import nn

from ..saliency.trained import FORMAT, VERSION, Tail


def save_model(path: str | Path, *, backbone: str, classes: tuple[str, ...], head_kind: str, head: nn.Module,
               threshold: float, fine_tune: int, tail: Tail | None, accuracy: float | None) -> Path:
    """Written to a temporary file and renamed: an interrupted save leaves no half file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    content = {"format": FORMAT, "version": VERSION, "backbone": backbone, "classes": list(classes),
               "head": head_kind, "threshold": float(threshold), "fine_tune": int(fine_tune),
               "head_state": {k: v.detach().clone() for k, v in head.state_dict().items()},
               "tail_state": tail.tunable_state() if (tail is not None and fine_tune) else {},
               "accuracy": accuracy}
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".roicodec-", suffix=".part")  # fits any name
    os.close(handle)
    try:
        torch.save(content, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
