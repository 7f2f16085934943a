"""The ``roicodec`` command group and what every command shares: one-line errors, output paths,
threads. The commands live one per module beside this one; option groups in options.py, the
progress bar in progress.py.

Bad input or options end with one line on stderr, ``roicodec: error: ...``, and exit code 2; nothing
is written then, and the input file is never overwritten.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup

EXIT_BAD_INPUT = 2
#: click's UsageError (unknown option, bad value, missing argument), from the click typer uses: its own
#: copy in newer typer versions, the click package in older ones.
_USAGE_ERROR = next(kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "UsageError")
#: Help texts read from the registries when the help is shown, not when this module is imported, so
#: that a codec, strategy or map method registered later (a plugin, a test) is listed: param name ->
#: a function that writes the text.
LIVE_HELP: dict[str, callable] = {}


@contextmanager
def _usage_errors_in_one_line():
    """A usage error as every other error: one line on stderr and exit code 2, not click's usage text
    in a framed panel. Bare ``roicodec`` still shows the help (typer's own check is by name too)."""
    try:
        yield
    except _USAGE_ERROR as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            raise
        hint = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
        fail(" ".join(error.format_message().split()) + hint)


@contextmanager
def _notes_in_one_line():
    """roicodec's notes (RoicodecWarning: a cache being made, a fallback) as ``roicodec: note: ...``
    lines on stderr instead of Python's warning format; other warnings as Python shows them."""
    from ..cache import RoicodecWarning

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, RoicodecWarning):
            typer.echo(f"roicodec: note: {one_line(str(message))}", err=True)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", RoicodecWarning)
        warnings.showwarning = show
        yield


class _OneLineErrors(TyperGroup):
    """The command group, with usage errors in the one-line form (they arise while its arguments or a
    command's are parsed, or in a command's callbacks), and notes in one line."""

    def make_context(self, *args, **kwargs):
        with _usage_errors_in_one_line():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _usage_errors_in_one_line(), _notes_in_one_line():
            return super().invoke(ctx)


class Command(TyperCommand):
    """A command whose registry-derived help texts (LIVE_HELP) are written when the help is shown (not
    on every run: they load every codec's module)."""

    def format_help(self, ctx, formatter):
        for param in self.params:
            if param.name in LIVE_HELP and hasattr(param, "help"):
                param.help = LIVE_HELP[param.name]()
        return super().format_help(ctx, formatter)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Region-of-interest image compression: the subject keeps its quality, the background pays.",
)


def command(name: str):
    """Register a command of the group (with live help)."""
    return app.command(name, cls=Command)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"roicodec {version('roicodec')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("roicodec (not installed)")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True, metavar="",
                                       help="Print the version and exit.")) -> None:
    """Options that come before any command (the app's help text is set above)."""


def one_line(text: str) -> str:
    """A message as one line whatever it quotes (a file name may hold a line break)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def fail(message: str) -> None:
    typer.echo(f"roicodec: error: {one_line(message)}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def output_path(text: str) -> Path:
    """An output option's value. A trailing slash names a folder, and Path() would drop it silently
    ("-o photo.jpg/" would write the file photo.jpg), so it is refused here, while it is still seen."""
    if text.endswith(("/", os.sep)):
        raise typer.BadParameter(f"{text}: names a folder; give the output a file name")
    return Path(text)


def configure_threads(threads: int) -> None:
    """One thread measured fastest for one image on 2 cores (oversubscription slows torch badly).

    Torch is not imported for it (the default maps run without torch): it reads OMP_NUM_THREADS when it
    loads, and so does the ONNX path (saliency/onnx_backbone.py)."""
    threads = max(1, threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def default_output(source: Path, suffix: str) -> Path:
    return source.with_name(source.stem + suffix)


THREADS_HELP = "Threads for the network (ONNX Runtime or torch)."
