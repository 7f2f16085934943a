"""``roicodec serve``: the web studio."""

from __future__ import annotations

import typer

from ..errors import OptionError, RoicodecError
from ..studio.settings import StudioSettings as StudioSettingsDefaults
from .app import THREADS_HELP, command, configure_threads, fail
from .options import built, codec_options_group, with_options


@command("serve")
@with_options(codec_options=codec_options_group())
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 127.0.0.1 keeps the studio on this machine."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(StudioSettingsDefaults.workers, "--workers", help="Compress jobs that run at once."),
    queue: int = typer.Option(StudioSettingsDefaults.queue_limit, "--queue", help="Jobs waiting or running over all users; more are refused as busy."),
    max_upload_mb: float = typer.Option(StudioSettingsDefaults.max_upload_bytes / 2**20, "--max-upload-mb", help="Largest upload accepted, in MB (MiB)."),
    max_megapixels: float = typer.Option(StudioSettingsDefaults.max_pixels / 1e6, "--max-megapixels", help="Largest picture accepted, in millions of pixels."),
    keep_minutes: float = typer.Option(StudioSettingsDefaults.keep_seconds / 60, "--keep-minutes", help="Uploads and results are deleted this long after their last use."),
    threads: int = typer.Option(1, "--threads", help=THREADS_HELP),
    max_connections: int = typer.Option(64, "--max-connections", help="Open connections at once; more are answered 503 (bounds the memory of uploads in flight)."),
    access_log: bool = typer.Option(False, "--access-log", metavar="", help="Print every HTTP request."),
    codec_options=None,
) -> None:
    """Start the web studio: drop a photo, tune map, codec and target, compare with uniform, download."""
    try:
        import uvicorn

        from ..studio import StudioSettings, create_app
    except ImportError as error:
        fail(f"the studio needs FastAPI and uvicorn ({error.name} is missing): pip install 'roicodec[studio]'")
    try:
        settings = StudioSettings(max_upload_bytes=int(max_upload_mb * 2**20), max_pixels=int(max_megapixels * 1e6),
                                  workers=workers, queue_limit=queue, keep_seconds=keep_minutes * 60,
                                  capture_tempdir=True, codec_options=built(codec_options)["codec_options"])
        from ..codecs.registry import check_shared_options

        check_shared_options(settings.codec_options)
        if not 0 <= port <= 65535:
            raise OptionError(f"port must be between 0 and 65535, got {port}")
        if max_connections < 1:
            raise OptionError(f"--max-connections must be at least 1, got {max_connections}")
    except RoicodecError as error:
        fail(str(error))
    configure_threads(threads)
    _silence_progress_bars()
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"note: listening on {host}: anyone who can reach this address can use the studio", err=True)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"roicodec studio: http://{shown}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info" if access_log else "warning",
                access_log=access_log, limit_concurrency=max_connections)


def _silence_progress_bars() -> None:
    """The CAM library draws tqdm bars for Score-CAM and Ablation-CAM; from a server's many users they
    would fill its log, and the page shows progress itself. (tqdm reads ``TQDM_DISABLE`` only when it
    is first imported, which roicodec's own import has done by now.)"""
    import functools

    import tqdm

    tqdm.tqdm.__init__ = functools.partialmethod(tqdm.tqdm.__init__, disable=True)
