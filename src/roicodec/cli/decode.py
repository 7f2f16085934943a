"""``roicodec decode``: a file roicodec wrote (the learned codec's included) to a lossless picture."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, OptionError, RoicodecError
from .app import command, default_output, fail, output_path

#: Lossless formats Pillow writes, by extension.
LOSSLESS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".ppm": "PPM"}


@command("decode")
def decode_command(
    input: Path = typer.Argument(..., help="A file roicodec wrote: the learned codec's .rlc, or any standard format."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", parser=output_path, metavar="<path>",
                                          show_default="INPUT.png", help="The decoded picture: .png, .tif, .bmp or .ppm."),
    weights: Optional[Path] = typer.Option(None, "--weights", metavar="FILE", help=(
        "The learned codec's checkpoint the file was made with (not needed for CompressAI's zoo weights).")),
) -> None:
    """Decode a compressed file to a lossless picture (PNG), with its ICC profile and EXIF."""
    import io

    from PIL import Image

    from ..imageio import check_output, write_atomic
    from ..learned.container import is_learned_file

    output = output or default_output(input, ".png")
    try:
        format_name = LOSSLESS.get(output.suffix.lower())
        if format_name is None:
            raise OptionError(f"{output}: decode writes {', '.join(LOSSLESS)} files")
        protected = [input, weights]
        check_output(output, protect=protected)
        try:
            data = input.read_bytes()
        except OSError as error:
            raise InputError(f"{input}: cannot read ({error.strerror or error})") from None
        icc = exif = None
        if is_learned_file(data):
            from ..learned.coder import decode

            picture = decode(data, None if weights is None else str(weights))
            rgb, icc, exif = picture.rgb, picture.icc_profile, picture.exif
        else:
            from ..imageio import load_image

            loaded = load_image(data)
            rgb, icc, exif = loaded.pixels, loaded.icc_profile, loaded.exif
        extra = {key: value for key, value in (("icc_profile", icc), ("exif", exif)) if value}
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format_name, **extra)
        write_atomic(output, buffer.getvalue(), protect=protected)
    except RoicodecError as error:
        fail(str(error))
    typer.echo(f"{output}: {rgb.shape[1]}x{rgb.shape[0]}")
