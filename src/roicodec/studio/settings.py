"""The studio's limits, in one place so the command line, the server and the page agree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError

MIB = 1024 * 1024


@dataclass(frozen=True)
class StudioSettings:
    """Limits that keep one machine serving many users: bounded uploads, work and disk."""

    max_upload_bytes: int = 32 * MIB
    #: 6 megapixels (3000x2000). One comparison measures four files with every metric, which holds
    #: about 150 bytes a pixel at its peak: a 6 MP job peaks at 1.6 GB (whole process), a 12 MP one at
    #: 2.5 GB (BENCHMARKS.md, memory). ``roicodec serve --max-megapixels`` raises it.
    max_pixels: int = 6_000_000
    #: Compress jobs that run at once (threads; the network's map is computed one at a time).
    workers: int = max(1, min(2, os.cpu_count() or 1))
    #: Jobs waiting or running, over all users; more are refused with "busy" instead of queueing
    #: without bound.
    queue_limit: int = 16
    #: An upload and its results are removed this long after they were last used.
    keep_seconds: float = 3600.0
    #: Beyond this many uploads, the least recently used are removed.
    max_uploads: int = 64
    #: Parent of the studio's temp folder (None: the system's temp folder).
    temp_parent: Path | None = None
    #: Send the encoders' own temp files into the studio's folder too, so nothing is written
    #: elsewhere (process-wide: on for ``roicodec serve``, off for an app embedded in other code).
    capture_tempdir: bool = False
    #: The codecs' own options, set by whoever runs the studio (the learned codec's weights, say);
    #: each codec takes those it declares.
    codec_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("max_upload_bytes", "max_pixels", "workers", "queue_limit", "max_uploads"):
            if getattr(self, name) < 1:
                raise OptionError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.keep_seconds <= 0:
            raise OptionError(f"keep_seconds must be positive, got {self.keep_seconds:g}")
        if self.queue_limit < self.workers:
            raise OptionError(f"queue_limit ({self.queue_limit}) must be at least workers ({self.workers})")
