"""The work of a batch: input files found under IN_DIR, each one's output path under OUT_DIR (same
folder layout, the codec's extension), and the manifest - one JSON line per finished file - that
lets an interrupted run skip what is already done."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InputError, OptionError
from ..imageio import IMAGE_SUFFIXES
from ..options import CompressOptions

#: Files a batch picks up: the formats ``roicodec compress`` reads.
INPUT_SUFFIXES = IMAGE_SUFFIXES
MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class BatchOptions:
    """What every file gets (the compress options, the map's among them) and how the work is spread."""

    compress: CompressOptions = field(default_factory=CompressOptions)
    workers: int = 0  # 0: one per core
    threads_per_worker: int = 1

    @property
    def codec(self) -> str:
        return self.compress.codec


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    relative: str  # the source's path under IN_DIR, the manifest's key


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0  # already in the manifest from an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (relative path, error)
    seconds: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0

    def add(self, entry: dict) -> int:
        """Count one manifest entry; returns how many files this run has finished."""
        if entry["error"] is None:
            self.done += 1
            self.bytes_out += entry["bytes"]
            self.bytes_in += entry.get("input_bytes", 0)
        else:
            self.failed.append((entry["input"], entry["error"]))
        return self.done + len(self.failed)

    @property
    def rate(self) -> float:
        """Files compressed per second of wall time (skipped ones not counted)."""
        return self.done / self.seconds if self.seconds else 0.0


def find_jobs(in_dir: str | Path, out_dir: str | Path, extension: str) -> list[Job]:
    """Every image under ``in_dir`` (sorted, hidden folders skipped) and its output path."""
    root, target = Path(in_dir), Path(out_dir)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    if target.resolve() == root.resolve() or root.resolve() in target.resolve().parents:
        raise OptionError(f"{target}: the output folder must not be the input folder or inside it")
    if target.exists() and not target.is_dir():
        raise OptionError(f"{target}: exists and is not a folder")
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in INPUT_SUFFIXES:
            found.append((path, relative))
    names = output_names([relative.as_posix() for _, relative in found], extension)
    return [Job(path, target / name, relative.as_posix()) for (path, relative), name in zip(found, names)]


def output_names(relatives: list[str], extension: str) -> list[str]:
    """Each input's output path under OUT_DIR (POSIX, relative): its own with the codec's extension.

    a.png, a.jpg and a.tif would all write a.jpg: inputs that share a name keep their own extension
    in it (a.png.jpg, a.jpg.jpg, a.tif.jpg), so no output overwrites another and every resume finds
    its own file.
    """
    plain = [str(PurePosixPath(relative).with_suffix(extension)) for relative in relatives]
    counts = Counter(name.lower() for name in plain)  # a.PNG and a.png collide on some file systems too
    return [name if counts[name.lower()] == 1 else relative + extension for relative, name in zip(relatives, plain)]


def parse_manifest(text: str) -> dict[str, dict]:
    """Entries by input path, the last one of each winning; a torn last line (an interrupted
    write) is ignored."""
    done: dict[str, dict] = {}
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and "input" in entry:
            done[entry["input"]] = entry
    return done


def read_manifest(path: Path) -> dict[str, dict]:
    return parse_manifest(path.read_text()) if path.is_file() else {}


def finished(entry: dict | None, output_size: int | None) -> bool:
    """A file counts as done when the manifest says it succeeded and its output is still there
    (``output_size`` not None) with the size the manifest recorded."""
    return entry is not None and entry.get("error") is None and output_size == entry.get("bytes")


def already_done(entry: dict | None, job: Job) -> bool:
    return finished(entry, job.output.stat().st_size if job.output.is_file() else None)
