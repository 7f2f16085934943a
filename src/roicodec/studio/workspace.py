"""The studio's one temp folder. Every upload and every result lives under it, in folders named by
random ids the server makes; nothing from the client (names, paths) is used on disk. Uploads expire
after a while unused, the oldest go first beyond a count, and the whole folder goes at shutdown.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import RoicodecError
from ..imageio import LoadedImage
from .settings import StudioSettings

#: What :func:`new_id` makes: 16 random bytes, URL-safe base64 (22 characters).
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_id() -> str:
    return secrets.token_urlsafe(16)


class UnknownItem(RoicodecError):
    """An id that is malformed, never existed, or has expired."""


def find(items: dict, item_id: str, missing: str):
    """``items[item_id]`` for a well-formed id, else :class:`UnknownItem` with ``missing``."""
    item = items.get(item_id) if ID_PATTERN.fullmatch(item_id) else None
    if item is None:
        raise UnknownItem(missing)
    return item


@dataclass
class Upload:
    """One uploaded picture: pixels on disk (memory-mapped when used), metadata in memory."""

    id: str
    folder: Path
    display_name: str  # the client's file name, only ever used in a download's suggested name
    upload_bytes: int
    width: int
    height: int
    icc_profile: bytes | None
    exif: bytes | None
    last_used: float = field(default_factory=time.monotonic)

    def image(self) -> LoadedImage:
        pixels = np.load(self.folder / "pixels.npy", mmap_mode="r")
        return LoadedImage(np.ascontiguousarray(pixels), self.icc_profile, self.exif, "RGB", None, None)

    @property
    def original_png(self) -> Path:
        return self.folder / "original.png"


class Workspace:
    """Owns the temp folder and the uploads in it."""

    def __init__(self, settings: StudioSettings):
        self.settings = settings
        self.root = Path(tempfile.mkdtemp(prefix="roicodec-studio-", dir=settings.temp_parent))
        self.scratch = self.root / "scratch"  # the encoders' own temp files, when captured
        self.scratch.mkdir()
        self._uploads: OrderedDict[str, Upload] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, loaded: LoadedImage, display_name: str, upload_bytes: int) -> Upload:
        upload_id = new_id()
        folder = self.root / upload_id
        folder.mkdir()
        try:
            np.save(folder / "pixels.npy", loaded.pixels)
            write_png(folder / "original.png", loaded.pixels)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        height, width = loaded.pixels.shape[:2]
        upload = Upload(upload_id, folder, display_name, upload_bytes, width, height, loaded.icc_profile, loaded.exif)
        with self._lock:
            self._uploads[upload_id] = upload
        self.sweep()
        return upload

    def get(self, upload_id: str) -> Upload:
        with self._lock:
            upload = find(self._uploads, upload_id, "unknown or expired image; upload it again")
            upload.last_used = time.monotonic()
            self._uploads.move_to_end(upload_id)
            return upload

    def remove(self, upload_id: str) -> None:
        with self._lock:
            upload = self._uploads.pop(upload_id, None) if ID_PATTERN.fullmatch(upload_id) else None
        if upload is not None:
            shutil.rmtree(upload.folder, ignore_errors=True)

    def sweep(self, now: float | None = None) -> list[str]:
        """Remove expired uploads and the least recently used beyond the count; their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [u.id for u in self._uploads.values() if now - u.last_used > self.settings.keep_seconds]
            extra = len(self._uploads) - len(expired) - self.settings.max_uploads
            if extra > 0:
                expired += [i for i in self._uploads if i not in expired][:extra]
            gone = [self._uploads.pop(i) for i in expired]
        for upload in gone:
            shutil.rmtree(upload.folder, ignore_errors=True)
        return [u.id for u in gone]

    def __len__(self) -> int:
        return len(self._uploads)

    def close(self) -> None:
        with self._lock:
            self._uploads.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def write_png(path: Path, rgb: np.ndarray) -> None:
    """A lossless picture for the browser; fast compression, since it is shown once and thrown away."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgb)).save(buffer, "PNG", compress_level=1)
    path.write_bytes(buffer.getvalue())
