"""``roicodec batch``: every image of a folder, with the options of compress, on all cores."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import OptionError, RoicodecError
from .app import command, fail, one_line
from .compress import options_from_groups
from .options import built, encode_group, map_group, plan_group, with_options
from .progress import progress_bar


@command("batch")
@with_options(encoding=encode_group(), plan=plan_group(), map_options=map_group())
def batch_command(
    in_dir: str = typer.Argument(..., help="Folder of images; sub-folders are walked (with --engine ray: any fsspec URL too)."),
    out_dir: str = typer.Argument(..., help="Output folder: the same layout, plus manifest.jsonl."),
    workers: int = typer.Option(0, "--workers", help="Processes (0: one per core); each loads the network once."),
    resume: bool = typer.Option(True, "--resume/--no-resume", metavar="", help="Skip files the manifest lists as done."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool) or ray (a Ray cluster, or Ray on this machine)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join, e.g. auto or ray://head:10001 (default: start Ray here)."),
    encoding=None,
    plan=None,
    map_options=None,
) -> None:
    """Compress every image under IN_DIR into OUT_DIR with the same options as compress (--codec sets the extension; default jpeg), on all cores; an interrupted run resumes; bad files are listed at the end (exit code 1 if any failed)."""
    from ..batch import BatchOptions, run_batch
    from ..pipeline import resolve
    from ..ratecontrol import parse_size

    try:
        encoding = built(encoding)
        if encoding["target_size"] is not None:
            encoding["target_size"] = parse_size(encoding["target_size"])
        options = options_from_groups(encoding, built(plan), built(map_options), encoding["codec"] or "jpeg")
        resolve(options)  # the map's options are checked as each worker starts: their error ends the run in one line
        if engine not in ("local", "ray"):
            raise OptionError(f"unknown engine {engine!r}; available: local, ray")
        batch = BatchOptions(compress=options, workers=max(0, workers))
        # Refreshed by hand, not by rich's thread: the local engine forks its workers from here.
        with progress_bar(refresh_by_hand=True) as bar:

            def report(done: int, total: int, rate: float) -> None:
                bar.update("images", done, total, f"{rate:.2f} images/s")

            if engine == "ray":
                from ..batch.ray_engine import run_batch_ray

                summary = run_batch_ray(in_dir, out_dir, batch, address=ray_address, resume=resume, progress=report)
            else:
                summary = run_batch(Path(in_dir), Path(out_dir), batch, resume=resume, progress=report)
    except RoicodecError as error:
        fail(str(error))
    saved = f", {summary.bytes_in / 1e6:.1f} MB in, {summary.bytes_out / 1e6:.1f} MB out" if summary.done else ""
    typer.echo(f"{out_dir}: {summary.done} compressed, {summary.skipped} already done, {len(summary.failed)} failed, "
               f"{summary.seconds:.1f} s ({summary.rate:.2f} images/s){saved}; manifest: {out_dir.rstrip('/')}/manifest.jsonl")
    for relative, error in summary.failed:
        typer.echo(f"  failed: {one_line(relative)}: {one_line(error)}", err=True)
    if summary.failed:
        raise typer.Exit(1)
