"""``roicodec bench``: methods and maps compared at equal file size over a folder of images."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import RoicodecError
from ..options import CompressOptions
from .app import THREADS_HELP, command, configure_threads, fail
from .options import built, codec_options_group, map_group, plan_group, with_options
from .progress import progress_bar


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _numbers(text: str, kind, option: str) -> tuple:
    try:
        return tuple(kind(part) for part in _csv(text))
    except ValueError:
        fail(f"{option} takes comma-separated numbers, got {text!r}")


@command("bench")
@with_options(plan=plan_group(), map_options=map_group(), codec_options=codec_options_group())
def bench_command(
    dataset: Path = typer.Argument(..., help="Folder of images (e.g. ../shared/data/kodak)."),
    out: Path = typer.Option(Path("bench-out"), "-o", "--out", help="Output folder; a run there is resumed."),
    codecs: str = typer.Option("jpeg", "--codecs", help="Comma-separated codecs (see `roicodec codecs`)."),
    methods: str = typer.Option("uniform,blend,native", "--methods", help="Comma-separated strategies; 'default' = each codec's default strategy."),
    maps: str = typer.Option("default", "--maps", help="Comma-separated maps: default (the map options' map), boxes (needs --boxes), a map method [@backbone] such as msroi or fused@efficientnet-lite2, or ensemble:a+b."),
    points: Optional[str] = typer.Option(None, "--points", show_default="25,50,75", help="Uniform qualities that set each operating point's size."),
    bpp: Optional[str] = typer.Option(None, "--bpp", help="Bits-per-pixel operating points instead, e.g. 0.25,0.5,1.0."),
    boxes: Optional[Path] = typer.Option(None, "--boxes", help="Subject boxes JSON: adds ROI / background PSNR columns."),
    images: Optional[str] = typer.Option(None, "--images", help="Only these image stems, comma-separated."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N images."),
    threads: int = typer.Option(1, "--threads", help=THREADS_HELP),
    plan=None,
    map_options=None,
    codec_options=None,
) -> None:
    """Compare methods and maps at equal file size: tables, BD-rate and rate-distortion plots. The plan and map options are those of compress; a named map in --maps changes only the map method and backbone."""
    from ..bench import BenchSpec, count_tasks, run
    from ..bench.grid import find_images

    if points is not None and bpp is not None:
        fail("give either --points or --bpp, not both")
    try:
        spec = BenchSpec(
            dataset=dataset, out=out, codecs=_csv(codecs), methods=_csv(methods), maps=_csv(maps),
            points=None if bpp is not None else _numbers(points or "25,50,75", int, "--points"),
            bpp=_numbers(bpp, float, "--bpp") if bpp is not None else None,
            boxes=boxes, images=_csv(images) if images else None,
            options=CompressOptions(**built(plan), **built(codec_options), map=built(map_options)),
        )
        configure_threads(threads)
        spec.validate()
        if limit is not None:
            spec = BenchSpec(**{**spec.__dict__, "images": tuple(p.stem for p in find_images(spec)[:max(0, limit)])})
        total = count_tasks(spec)
        with progress_bar() as bar:
            done = 0

            def advance(row: dict, cached: bool) -> None:
                nonlocal done
                done += 1
                state = "resumed" if cached else "cannot get this small" if row["bytes"] is None else f"{row['bytes']:.0f} B"
                bar.update("bench", done, total, f"{row['image']} {row['point']} {row['method']}/{row['map']} {state}")

            rows, paths = run(spec, advance)
    except RoicodecError as error:
        fail(str(error))
    typer.echo(f"{len(rows)} rows; wrote " + ", ".join(str(p) for p in paths.values()))
