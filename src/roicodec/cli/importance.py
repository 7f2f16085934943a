"""``roicodec map``: the importance map of an image, as a 16-bit PNG and optionally an overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import RoicodecError
from .app import THREADS_HELP, command, configure_threads, default_output, fail, output_path
from .options import built, map_group, with_options

MAX_CLASSES_SHOWN = 8


@command("map")
@with_options(map_options=map_group())
def map_command(
    input: Path = typer.Argument(..., help="Image to analyse."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", parser=output_path, metavar="<path>", show_default="INPUT_map.png", help="16-bit grayscale PNG."),
    overlay: Optional[Path] = typer.Option(None, "--overlay", parser=output_path, metavar="<path>", help="Also write the map as a heatmap over the photo."),
    threads: int = typer.Option(1, "--threads", help=THREADS_HELP),
    map_options=None,
) -> None:
    """Write the importance map of an image and print the classes that drove it."""
    from ..imageio import check_output, load_image, save_map_png16, write_atomic
    from ..overlay import overlay_png
    from ..saliency import importance_map

    output = output or default_output(input, "_map.png")
    try:
        options = built(map_options)
        check_output(output, protect=[input])  # both refused before the work, not after the map
        if overlay is not None:
            check_output(overlay, protect=[input, output])
        configure_threads(threads)
        loaded = load_image(input)
        result = importance_map(loaded, options)
        save_map_png16(output, result.values, protect=[input])
        if overlay is not None:
            write_atomic(overlay, overlay_png(loaded.pixels, result.values), protect=[input, output])
    except RoicodecError as error:
        fail(str(error))
    typer.echo(f"{output}: importance map {result.values.shape[1]}x{result.values.shape[0]}")
    shown = result.classes[:MAX_CLASSES_SHOWN]
    for score in shown:
        typer.echo(f"  {score.probability:6.1%}  {score.name} ({score.index})")
    if len(result.classes) > len(shown):
        typer.echo(f"  ... and {len(result.classes) - len(shown)} more classes")
    if result.cues:
        typer.echo("  cues: " + ", ".join(f"{name} {share:.0%}" for name, share in result.cues))
    if result.suppressed is not None and result.suppressed.any():
        typer.echo(f"  suppressed: {result.suppressed.mean():.1%} of the image")
    elif result.suppressed is not None:
        typer.echo("  suppressed: nothing (the network sees none of those classes in this picture)")
