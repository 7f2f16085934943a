"""``roicodec compress``: one image to one file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import OptionError, RoicodecError
from ..options import CompressOptions
from .app import THREADS_HELP, command, configure_threads, default_output, fail, output_path
from .options import built, encode_group, map_group, plan_group, with_options


def output_codec(name: Optional[str], output: Optional[Path]):
    """The codec asked for, or the one the output's extension names; a mismatch is an error (a
    WebP file named .jp2 would mislead every program that opens it)."""
    from ..codecs.registry import all_codecs, codec_for_path, get_codec

    by_name = get_codec(name) if name else None
    by_path = codec_for_path(output) if output else None
    if output is not None and not output.suffix:
        # "-o out/newdir" (a trailing slash is refused when the option is read): never a file named "newdir".
        raise OptionError(f"{output}: the output needs a file name with an extension, e.g. {output / 'photo.jpg'}")
    if output is not None and output.suffix and by_path is None and by_name is None:
        known = " ".join(dict.fromkeys(e for c in all_codecs() for e in c.extensions))
        raise OptionError(f"{output}: no codec writes {output.suffix} files; use one of {known} or --codec")
    if by_name and output is not None and output.suffix.lower() not in by_name.extensions:
        raise OptionError(f"--codec {by_name.name} writes {' or '.join(by_name.extensions)} files, not {output.suffix or 'files without an extension'}")
    return by_name or by_path or get_codec("jpeg")


def options_from_groups(encoding: dict, plan: dict, map_options, codec: str) -> CompressOptions:
    """The three groups' values as one CompressOptions (``codec``: the name the command settled on)."""
    return CompressOptions(**{**encoding, "codec": codec}, **plan, map=map_options)


@command("compress")
@with_options(encoding=encode_group(), plan=plan_group(), map_options=map_group())
def compress(
    input: Path = typer.Argument(..., help="Image to compress (PNG, JPEG, TIFF, WebP, BMP, ...)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", parser=output_path, metavar="<path>", show_default="INPUT.roi.jpg", help="Output file; its extension picks the codec unless --codec is given."),
    map_path: Optional[Path] = typer.Option(None, "--map", help="Use this importance map (grayscale image, white = important)."),
    threads: int = typer.Option(1, "--threads", help=THREADS_HELP),
    report: bool = typer.Option(False, "--report", metavar="", help="Print size, bpp, PSNR, SSIM, MS-SSIM and SSIMULACRA2 (whole, subject, background) beside same-size uniform files: the codec's, Pillow JPEG's and jpegli's."),
    report_boxes: Optional[Path] = typer.Option(None, "--boxes", help="With --report: the subject is these boxes (JSON: image name -> a list of x0,y0,x1,y1 boxes, or one such list) instead of the map's region."),
    encoding=None,
    plan=None,
    map_options=None,
) -> None:
    """Compress an image to one standard file (JPEG, or any codec) with more quality where the importance map is hot."""
    from ..imageio import check_output, load_image, write_atomic
    from ..pipeline import compress as run_compress
    from ..pipeline import resolve

    if report_boxes is not None and not report:
        fail("--boxes only sets the subject of --report; add --report")
    try:
        encoding = built(encoding)
        subject_boxes = None
        if report_boxes is not None:
            from ..roi import boxes_for, load_boxes_file

            subject_boxes = boxes_for(load_boxes_file(report_boxes), input.name)
            if subject_boxes is None:
                raise OptionError(f"{report_boxes}: no boxes for {input.name}")
        chosen = output_codec(encoding["codec"], output)
        options = options_from_groups(encoding, built(plan), built(map_options), chosen.name)
        resolve(options)  # an unknown strategy or codec option is refused before any work
        output = output or default_output(input, ".roi" + chosen.extensions[0])
        protected = [input, map_path, report_boxes, *options.files_read()]
        check_output(output, protect=protected)  # refused before the work, not after it
        configure_threads(threads)
        loaded = load_image(input, background=options.background)
        result = run_compress(loaded, options, importance=map_path)
        write_atomic(output, result.data, protect=protected)
    except RoicodecError as error:
        fail(str(error))
    if report:
        from ..report import compression_report

        typer.echo(compression_report(loaded.pixels, result, input, output, boxes=subject_boxes))
    else:
        typer.echo(f"{output}: {result.size_bytes} bytes, {result.bpp:.3f} bpp, mean quality {result.quality:.1f}")
