"""The ``roicodec`` command: ``compress`` and ``map``.

Bad input or options end with one line on stderr, ``roicodec: error: ...``, and exit code 2; nothing
is written then, and the input file is never overwritten.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .errors import RoicodecError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Region-of-interest image compression: the subject keeps its quality, the background pays.",
)

EXIT_BAD_INPUT = 2


class Method(str, Enum):
    adaptive = "adaptive"
    blend = "blend"
    uniform = "uniform"


class Plan(str, Enum):
    linear = "linear"
    quantile = "quantile"
    two_level = "two-level"


def _fail(message: str) -> None:
    typer.echo(f"roicodec: error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _configure_threads(threads: int) -> None:
    """One thread measured fastest for one image on 2 cores (oversubscription slows torch badly)."""
    import torch

    torch.set_num_threads(max(1, threads))


def _default_output(source: Path, suffix: str) -> Path:
    return source.with_name(source.stem + suffix)


@app.command()
def compress(
    input: Path = typer.Argument(..., help="Image to compress (PNG, JPEG, TIFF, WebP, BMP, ...)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output JPEG [default: INPUT.roi.jpg]."),
    quality: Optional[float] = typer.Option(None, "--quality", "-q", help="Mean quality over the image, 1-100 [default: 75]."),
    target_size: Optional[str] = typer.Option(None, "--target-size", help="Largest output that fits, e.g. 40KB, 1.5MB, 38KiB."),
    target_bpp: Optional[float] = typer.Option(None, "--target-bpp", help="Largest output that fits this many bits per pixel."),
    roi_quality: Optional[float] = typer.Option(None, "--roi-quality", help="Quality where the map is hottest (the plan's top) [default: 85]."),
    bg_quality: Optional[float] = typer.Option(None, "--bg-quality", help="Quality where the map is coldest; 0 cuts the background out [default: 45]."),
    plan: Plan = typer.Option(Plan.quantile, "--plan", help="How the map becomes per-block quality."),
    threshold: float = typer.Option(0.5, "--threshold", help="Map value that separates object from background (two-level plan)."),
    entropy_boost: float = typer.Option(0.0, "--entropy-boost", help="Extra quality for the 10% highest-entropy blocks (edges)."),
    map_path: Optional[Path] = typer.Option(None, "--map", help="Use this importance map (grayscale image, white = important)."),
    method: Method = typer.Option(Method.adaptive, "--method", help="adaptive: one JPEG with per-block quality; blend: MSROI; uniform: plain JPEG."),
    progressive: bool = typer.Option(False, "--progressive", help="Write a progressive JPEG."),
    fill: str = typer.Option("gray", "--fill", help="Colour of cut-out regions: gray, black, white, mean or #rrggbb."),
    top_k: int = typer.Option(5, "--top-k", help="Classes fused into the map."),
    short_side: int = typer.Option(224, "--short-side", help="Short side of the network's input, pixels."),
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
    report: bool = typer.Option(False, "--report", help="Print size, bpp, PSNR/SSIM/MS-SSIM and the same-size uniform JPEG's."),
) -> None:
    """Compress an image to one standard JPEG with more quality where the importance map is hot."""
    from .imageio import load_image, write_atomic
    from .pipeline import compress as run_compress

    output = output or _default_output(input, ".roi.jpg")
    try:
        _configure_threads(threads)
        loaded = load_image(input)
        result = run_compress(
            loaded,
            method=method.value,
            quality=quality,
            target_size=target_size,
            target_bpp=target_bpp,
            roi_quality=roi_quality,
            bg_quality=bg_quality,
            plan=plan.value,
            threshold=threshold,
            entropy_boost=entropy_boost,
            importance=map_path,
            top_k=top_k,
            short_side=short_side,
            fill=fill,
            progressive=progressive,
        )
        write_atomic(output, result.data, protect=[input])
    except RoicodecError as error:
        _fail(str(error))
    if report:
        from .report import compression_report

        typer.echo(compression_report(loaded.pixels, result, input, output))
    else:
        typer.echo(f"{output}: {result.size_bytes} bytes, {result.bpp:.3f} bpp, mean quality {result.quality:.1f}")


@app.command("map")
def map_command(
    input: Path = typer.Argument(..., help="Image to analyse."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="16-bit grayscale PNG [default: INPUT_map.png]."),
    overlay: Optional[Path] = typer.Option(None, "--overlay", help="Also write the map as a heatmap over the photo."),
    top_k: int = typer.Option(5, "--top-k", help="Classes fused into the map."),
    short_side: int = typer.Option(224, "--short-side", help="Short side of the network's input, pixels."),
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
) -> None:
    """Write the importance map of an image and print the classes that drove it."""
    from .imageio import load_image, save_map_png16, write_atomic
    from .overlay import overlay_png
    from .saliency import importance_map

    output = output or _default_output(input, "_map.png")
    try:
        _configure_threads(threads)
        loaded = load_image(input)
        result = importance_map(loaded.pixels, top_k=top_k, short_side=short_side)
        save_map_png16(output, result.values, protect=[input])
        if overlay is not None:
            write_atomic(overlay, overlay_png(loaded.pixels, result.values), protect=[input, output])
    except RoicodecError as error:
        _fail(str(error))
    typer.echo(f"{output}: importance map {result.values.shape[1]}x{result.values.shape[0]}")
    for score in result.classes:
        typer.echo(f"  {score.probability:6.1%}  {score.name} ({score.index})")


def main() -> None:  # pragma: no cover - console entry point alias
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
