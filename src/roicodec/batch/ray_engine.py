"""``roicodec batch --engine ray``: the same job on a Ray cluster, or on this machine in Ray's
local mode. Input and output are local paths or any fsspec URL (s3://, gs://, memory://, ...).

A pool of Ray actors, one per worker CPU, each loading the network once; the driver lists the
files, hands out (input URL, output URL) pairs and writes the manifest as results come back.
The actors read and write the files themselves, so on a cluster the pictures never pass through
the driver. Ray tasks with actors rather than Ray Data: the job is one independent function per
file, with no shuffles or joins, and actors give "model loaded once per worker" directly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePosixPath

from ..errors import InputError, OptionError
from .jobs import INPUT_SUFFIXES, MANIFEST, BatchOptions, BatchSummary
from .local import Progress, compress_data, failure


def _filesystem(url: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise OptionError(f"{url}: cannot open this location ({error})") from None


def _join(root: str, relative: str, fs) -> str:
    return f"{root.rstrip(fs.sep)}{fs.sep}{relative}" if relative else root


def list_jobs(in_url: str, out_url: str, extension: str) -> list[tuple[str, str, str]]:
    """(relative path, input URL-path, output URL-path) for every image under ``in_url``."""
    in_fs, in_root = _filesystem(in_url)
    if not in_fs.isdir(in_root):
        raise InputError(f"{in_url}: not a folder")
    out_fs, out_root = _filesystem(out_url)
    if in_fs.protocol == out_fs.protocol and (out_root.rstrip("/") + "/").startswith(in_root.rstrip("/") + "/"):
        raise OptionError(f"{out_url}: the output folder must not be the input folder or inside it")
    jobs = []
    for path in sorted(in_fs.find(in_root)):
        relative = PurePosixPath(path).relative_to(PurePosixPath(in_root)).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        if PurePosixPath(relative).suffix.lower() in INPUT_SUFFIXES:
            target = str(PurePosixPath(relative).with_suffix(extension))
            jobs.append((relative, path, _join(out_root, target, out_fs)))
    return jobs


class Compressor:
    """A Ray actor: the network loaded once, then one file per call, read and written through fsspec."""

    def __init__(self, options: BatchOptions, in_url: str, out_url: str):
        from .local import _start_worker

        _start_worker(options)
        self.options = options
        self.in_fs, _ = _filesystem(in_url)
        self.out_fs, _ = _filesystem(out_url)

    def run(self, relative: str, source: str, target: str) -> dict:
        started = time.perf_counter()
        entry = {"input": relative, "output": target, "bytes": None, "bpp": None, "metrics": None, "error": None}
        try:
            data, figures = compress_data(self.in_fs.cat_file(source), self.options)
            if "file" in self.out_fs.protocol:  # a local or shared disk: temporary file, then rename
                from ..imageio import write_atomic

                write_atomic(target, data, protect=[source] if "file" in self.in_fs.protocol else ())
            else:  # one put: object stores never show half a file
                self.out_fs.makedirs(str(PurePosixPath(target).parent), exist_ok=True)
                self.out_fs.pipe_file(target, data)
            entry.update(figures)
        except Exception as error:  # noqa: BLE001 - recorded, and the batch goes on
            entry["error"] = f"{relative}: {failure(error)}"
        entry["seconds"] = round(time.perf_counter() - started, 3)
        return entry


def run_batch_ray(in_url: str | Path, out_url: str | Path, options: BatchOptions, *, address: str | None = None,
                  resume: bool = True, progress: Progress | None = None) -> BatchSummary:
    """Compress every image under ``in_url`` into ``out_url`` on Ray (``address``: a cluster such as
    ``ray://head:10001`` or ``auto``; None starts Ray locally with ``options.workers`` CPUs)."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise OptionError("--engine ray needs Ray: pip install 'roicodec[ray]' (or pip install ray fsspec)") from None
    from ..codecs.registry import get_codec

    in_url, out_url = str(in_url), str(out_url)
    jobs = list_jobs(in_url, out_url, get_codec(options.codec).extensions[0])
    out_fs, out_root = _filesystem(out_url)
    out_fs.makedirs(out_root, exist_ok=True)
    manifest = _join(out_root, MANIFEST, out_fs)
    earlier = {}
    if resume and out_fs.exists(manifest):
        for line in out_fs.cat_file(manifest).decode().splitlines():
            try:
                entry = json.loads(line)
                earlier[entry["input"]] = entry
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    summary = BatchSummary()
    lines = [json.dumps(e) for e in earlier.values()] if resume else []
    todo = []
    for relative, source, target in jobs:
        entry = earlier.get(relative)
        if entry and entry.get("error") is None and out_fs.exists(target) and out_fs.size(target) == entry.get("bytes"):
            summary.skipped += 1
        else:
            todo.append((relative, source, target))
    started = time.perf_counter()
    if todo:
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=address, num_cpus=None if address else (options.workers or None),
                     include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            count = max(1, min(options.workers or cpus, cpus, len(todo)))
            actor = ray.remote(num_cpus=1)(Compressor)
            pool = ActorPool([actor.remote(options, in_url, out_url) for _ in range(count)])
            for entry in pool.map_unordered(lambda a, job: a.run.remote(*job), todo):
                lines = [line for line in lines if json.loads(line)["input"] != entry["input"]] + [json.dumps(entry)]
                if entry["error"] is None:
                    summary.done += 1
                    summary.bytes_out += entry["bytes"]
                    summary.bytes_in += entry.get("input_bytes", 0)
                else:
                    summary.failed.append((entry["input"], entry["error"]))
                if (summary.done + len(summary.failed)) % 8 == 0:
                    out_fs.pipe_file(manifest, ("\n".join(lines) + "\n").encode())
                if progress:
                    finished = summary.done + len(summary.failed)
                    progress(finished, len(todo), finished / max(time.perf_counter() - started, 1e-9))
        finally:
            if started_here:
                ray.shutdown()
    out_fs.pipe_file(manifest, ("\n".join(lines) + "\n").encode() if lines else b"")
    summary.seconds = time.perf_counter() - started
    return summary
