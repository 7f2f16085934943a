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
import socket
import time
from pathlib import Path, PurePosixPath

from ..errors import InputError, OptionError
from .jobs import INPUT_SUFFIXES, MANIFEST, BatchOptions, BatchSummary, finished, output_names, parse_manifest
from .local import Progress, check_settings, compress_data, failure, new_entry


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
    found = []
    for path in sorted(in_fs.find(in_root)):
        relative = PurePosixPath(path).relative_to(PurePosixPath(in_root)).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        if PurePosixPath(relative).suffix.lower() in INPUT_SUFFIXES:
            found.append((relative, path))
    names = output_names([relative for relative, _ in found], extension)
    return [(relative, path, _join(out_root, name, out_fs)) for (relative, path), name in zip(found, names)]


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
        entry = new_entry(relative, target)
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


#: How long the address given is tried before the batch gives up (Ray itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0


def _check_reachable(address: str | None) -> None:
    """A ``host:port`` or ``ray://host:port`` with nothing listening is refused at once, in one line:
    ``ray.init`` would retry it for minutes. ``auto`` and None are Ray's own to resolve."""
    if not address or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not host:port; let Ray say what it makes of it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise OptionError(f"no Ray cluster at {address!r} ({error.strerror or error}); start one (ray start "
                          "--head) or leave out --ray-address to run Ray on this machine") from None


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
    check_settings(options)  # here, not as every actor starts: Ray would report that with a traceback
    out_fs, out_root = _filesystem(out_url)
    out_fs.makedirs(out_root, exist_ok=True)
    manifest = _join(out_root, MANIFEST, out_fs)
    earlier = parse_manifest(out_fs.cat_file(manifest).decode()) if resume and out_fs.exists(manifest) else {}
    entries = dict(earlier)  # the manifest as it will be written: the latest entry of each input
    summary = BatchSummary()
    todo = []
    for relative, source, target in jobs:
        size = out_fs.size(target) if out_fs.exists(target) else None
        if finished(earlier.get(relative), size):
            summary.skipped += 1
        else:
            todo.append((relative, source, target))

    def write_manifest() -> None:
        out_fs.pipe_file(manifest, "".join(json.dumps(e) + "\n" for e in entries.values()).encode())

    started = time.perf_counter()
    if todo:
        started_here = not ray.is_initialized()
        if started_here:
            _check_reachable(address)
            try:
                ray.init(address=address, num_cpus=None if address else (options.workers or None),
                         include_dashboard=False, log_to_driver=False, configure_logging=False)
            except ConnectionError as error:  # "auto" or an address with no cluster behind it
                raise OptionError(f"no Ray cluster at {address!r} ({str(error).splitlines()[0]}); start one "
                                  "(ray start --head) or leave out --ray-address to run Ray on this machine") from None
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            actors = max(1, min(options.workers or cpus, cpus, len(todo)))
            actor = ray.remote(num_cpus=1)(Compressor)
            pool = ActorPool([actor.remote(options, in_url, out_url) for _ in range(actors)])
            for entry in pool.map_unordered(lambda a, job: a.run.remote(*job), todo):
                entries[entry["input"]] = entry
                count = summary.add(entry)
                if count % 8 == 0:  # object stores have no append: the whole manifest, now and then
                    write_manifest()
                if progress:
                    progress(count, len(todo), count / max(time.perf_counter() - started, 1e-9))
        finally:
            if started_here:
                ray.shutdown()
    write_manifest()
    summary.seconds = time.perf_counter() - started
    return summary
