"""The batch on this machine: a process pool (one process per core by default; torch and numpy
kept to one thread each, since on small machines more threads per process only fight), each
worker loading the network once, the manifest written by the parent as results come back."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from ..errors import OptionError, RoicodecError
from .jobs import MANIFEST, BatchOptions, BatchSummary, Job, already_done, find_jobs, read_manifest

#: progress(finished now, to do in this run, files per second)
Progress = Callable[[int, int, float], None]

_WORKER: dict = {}


def _start_worker(options: BatchOptions) -> None:
    """Runs once in each worker process: threads, the network loaded by one small map, the settings checked."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(options.threads_per_worker)
    _WORKER["limits"] = threadpool_limits(options.threads_per_worker)
    from ..pipeline import resolve
    from ..saliency import importance_map

    if resolve(options.compress)[1].uses_map:
        importance_map(np.zeros((64, 64, 3), np.uint8), options.compress.map)
    check_settings(options)
    _WORKER["options"] = options


def _start_pool_worker(options: BatchOptions) -> None:
    """The pool's initializer. Its error (bad settings, an unknown map method, class or model file) would
    break the pool with a traceback; it is kept instead, every file answers with it, and the parent stops."""
    try:
        _start_worker(options)
    except RoicodecError as error:
        _WORKER["setup_error"] = str(error)


def check_settings(options: BatchOptions) -> None:
    """Refuse bad settings once, before any file (in each worker as it starts: the parent runs no
    encoder before it forks): they compress a small made-up picture with a made-up map, so a quality of
    0 or a bad fill is one error, not one per file. Targets are checked for their form only: whether
    one can be met depends on each picture."""
    from dataclasses import replace

    from .. import compress
    from ..pipeline import target_bytes

    settings = options.compress
    target_bytes(settings.quality, settings.target_size, settings.target_bpp, 64, 64)
    y, x = np.mgrid[0:64, 0:64]
    picture = np.stack([x * 4, y * 4, (x + y) * 2], axis=-1).astype(np.uint8)
    half = (x >= 32).astype(np.float32)  # subject and background, so cut-outs (and --fill) are used
    compress(picture, replace(settings, target_size=None, target_bpp=None), importance=half)


def compress_data(source: Path | bytes, options: BatchOptions) -> tuple[bytes, dict]:
    """One file (a path, or its bytes) -> the output's bytes and its manifest figures (shared by
    both engines)."""
    from .. import compress
    from ..codecs.registry import get_codec
    from ..imageio import load_image
    from ..metrics import psnr, ssim

    loaded = load_image(source, background=options.compress.background)
    size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
    result = compress(loaded, options.compress)
    decoded = get_codec(result.codec).decode(result.data)
    tiny = min(decoded.shape[:2]) < 11  # SSIM's window; such pictures get no SSIM (null), as in `metrics`
    figures = {"psnr": round(psnr(loaded.pixels, decoded), 3),
               "ssim": None if tiny else round(ssim(loaded.pixels, decoded), 5),
               **perceptual_figures(loaded.pixels, decoded, result)}
    return result.data, {"bytes": result.size_bytes, "bpp": round(result.bpp, 4), "input_bytes": size,
                         "metrics": figures, "strategy": result.strategy, "quality": round(result.quality, 2)}


#: Above this many pixels the manifest leaves SSIMULACRA2 out (null): scored in tiles (perceptual.py)
#: its memory stays bounded, but three scores of a large picture take longer than compressing it.
MAX_SSIMULACRA2_PIXELS = 4_000_000


def perceptual_figures(reference, decoded, result) -> dict:
    """SSIMULACRA2 of the whole picture, the map's region (subject) and the rest (background)."""
    import math

    from .. import perceptual
    from ..evaluation import roi_mask_from_map

    height, width = reference.shape[:2]
    figures = {"ssimulacra2": None, "subject_ssimulacra2": None, "background_ssimulacra2": None}
    if height * width > MAX_SSIMULACRA2_PIXELS:
        return figures
    mask = None if result.importance is None else roi_mask_from_map(result.importance.values)
    scores = perceptual.region_scores(reference, decoded, mask)
    figures.update(ssimulacra2=scores["ssimulacra2"], subject_ssimulacra2=scores.get("roi_ssimulacra2"),
                   background_ssimulacra2=scores.get("background_ssimulacra2"))
    return {key: None if value is None or math.isnan(value) else round(value, 2) for key, value in figures.items()}


def new_entry(relative: str, output: str) -> dict:
    """A manifest line before its figures are known."""
    return {"input": relative, "output": output, "bytes": None, "bpp": None, "metrics": None, "error": None}


def failure(error: Exception) -> str:
    """A batch goes on past any error; the entry says what broke, in one line."""
    return str(error) if isinstance(error, RoicodecError) else f"{type(error).__name__}: {error}"


def compress_one(job: Job, options: BatchOptions | None = None) -> dict:
    """One local file: compress, write atomically (never over the input), measure."""
    from ..imageio import write_atomic

    if "setup_error" in _WORKER:
        return {"setup_error": _WORKER["setup_error"]}
    options = options or _WORKER["options"]
    started = time.perf_counter()
    entry = new_entry(job.relative, str(job.output))
    try:
        data, figures = compress_data(job.source, options)
        write_atomic(job.output, data, protect=[job.source, *options.compress.files_read()])
        entry.update(figures)
    except Exception as error:  # noqa: BLE001 - recorded, and the batch goes on
        entry["error"] = failure(error)
    entry["seconds"] = round(time.perf_counter() - started, 3)
    return entry


def _worker_context():
    """Workers forked from this process, which has imported torch and roicodec already: each starts
    in a fraction of a second, where "spawn" would import everything again (about 3 s a worker,
    which on a few dozen pictures eats most of the gain of a second core). Forking is safe only
    without threads in the parent: the command line's progress bar is refreshed by hand, not by
    a thread, and the parent runs no torch work. Native threads count too: once the people cue's
    detector (MediaPipe, whose graphs run their own threads) has run here, a forked worker would
    inherit its locks held and hang, so the workers are spawned. Elsewhere than Linux: "spawn"."""
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1 and "mediapipe" not in sys.modules:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_batch(in_dir: str | Path, out_dir: str | Path, options: BatchOptions, *, resume: bool = True,
              progress: Progress | None = None) -> BatchSummary:
    """Compress every image under ``in_dir`` into ``out_dir``; the manifest is ``out_dir/manifest.jsonl``."""
    from ..codecs.registry import get_codec

    extension = get_codec(options.codec).extensions[0]
    jobs = find_jobs(in_dir, out_dir, extension)
    out = Path(out_dir)
    manifest = out / MANIFEST
    earlier = read_manifest(manifest) if resume else {}
    summary = BatchSummary()
    todo = []
    for job in jobs:
        if already_done(earlier.get(job.relative), job):
            summary.skipped += 1
        else:
            todo.append(job)
    workers = options.workers or os.cpu_count() or 1
    started = time.perf_counter()
    log = None  # opened with the first result: settings the workers refuse leave nothing behind

    def record(entry: dict) -> None:
        nonlocal log
        if "setup_error" in entry:
            raise OptionError(entry["setup_error"])
        if log is None:
            log = _open_manifest(manifest, resume)
        log.write(json.dumps(entry) + "\n")
        log.flush()
        count = summary.add(entry)
        if progress:
            progress(count, len(todo), count / max(time.perf_counter() - started, 1e-9))

    try:
        if todo and workers == 1:
            _start_worker(options)
            for job in todo:
                record(compress_one(job))
        elif todo:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), initializer=_start_pool_worker,
                                     initargs=(options,), mp_context=_worker_context()) as pool:
                futures = [pool.submit(compress_one, job) for job in todo]
                try:
                    for future in as_completed(futures):
                        record(future.result())
                except OptionError:
                    for future in futures:
                        future.cancel()
                    raise
        if log is None:  # nothing to do: the folder and its manifest exist all the same
            log = _open_manifest(manifest, resume)
    finally:
        if log is not None:
            log.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _open_manifest(manifest: Path, resume: bool):
    manifest.parent.mkdir(parents=True, exist_ok=True)
    return manifest.open("a" if resume else "w")
