"""The studio's HTTP interface (FastAPI). The page's JavaScript calls:

- ``GET /api/options``: the controls' choices, defaults and limits;
- ``POST /api/uploads``: the picture as the raw request body (``X-Filename``: its name, only used to
  name downloads); size, type and pixel-count limits are checked here;
- ``POST /api/jobs``: compress the upload as the controls say; ``GET /api/jobs/{id}``: progress and
  the result; ``GET /api/jobs/{id}/files/{name}``: its pictures; ``GET /api/jobs/{id}/download/{which}``:
  the compressed file itself.

Errors are JSON ``{"detail": "<one line>"}`` with a 4xx/5xx status, and the page shows the line.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import shutil
import tempfile
import time
import urllib.parse
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

from ..codecs.base import register_decoders
from ..codecs.registry import all_codecs
from ..errors import InputError, RoicodecError
from ..imageio import load_image
from .comparison import MapCache, StudioRequest, run_comparison, studio_options
from .jobs import Busy, Job, JobRunner
from .settings import MIB, StudioSettings
from .workspace import UnknownItem, Workspace

#: Formats the studio decodes. Pillow opens many more; some (EPS) run outside programs on load.
ACCEPTED_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "TIFF", "BMP", "GIF", "PPM", "HEIF", "AVIF", "JXL", "JPEG2000")
#: Job pictures the page may fetch (a fixed list: the client's name never becomes a path by itself).
JOB_FILES = ("result.png", "uniform.png")
#: Finished jobs whose files stay on disk per upload (the page shows the latest).
KEEP_JOB_FOLDERS = 3
SWEEP_SECONDS = 60.0
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'",
}


class JobBody(BaseModel):
    upload: str
    map_method: str = StudioRequest.map_method
    backbone: str = StudioRequest.backbone
    codec: str = StudioRequest.codec
    strategy: str = StudioRequest.strategy
    target: str = StudioRequest.target
    value: float = StudioRequest.value
    classes: str = StudioRequest.classes
    suppress: str = StudioRequest.suppress


def create_app(settings: StudioSettings) -> FastAPI:
    static = resources.files("roicodec.studio") / "static"

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        workspace = Workspace(settings)
        previous_tempdir = tempfile.tempdir
        if settings.capture_tempdir:
            tempfile.tempdir = str(workspace.scratch)
        register_decoders(all_codecs())
        app.state.workspace, app.state.runner, app.state.maps = workspace, JobRunner(settings.workers, settings.queue_limit), MapCache()
        sweeper = asyncio.create_task(_sweep_forever(app))
        try:
            yield
        finally:
            sweeper.cancel()
            await run_in_threadpool(app.state.runner.shutdown)
            workspace.close()
            if settings.capture_tempdir:
                tempfile.tempdir = previous_tempdir

    app = FastAPI(title="roicodec studio", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(RoicodecError)
    async def roicodec_error(request: Request, error: RoicodecError):
        status = 404 if isinstance(error, UnknownItem) else 503 if isinstance(error, Busy) else 422
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def malformed_request(request: Request, error: RequestValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part != "body")
        return JSONResponse({"detail": f"{where or 'request'}: {first['msg']}"}, status_code=422)

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(str(static / "index.html"), media_type="text/html")

    @app.get("/api/options")
    async def options():
        return studio_options(settings)

    @app.post("/api/uploads")
    async def upload(request: Request):
        name = _display_name(request.headers.get("x-filename", ""))
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
            return _too_large(name, int(declared), settings)
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > settings.max_upload_bytes:
                return _too_large(name, len(data), settings)
        loaded = await run_in_threadpool(_decode_upload, bytes(data), name, settings)
        stored = await run_in_threadpool(app.state.workspace.add, loaded, name, len(data))
        return {"id": stored.id, "width": stored.width, "height": stored.height, "bytes": stored.upload_bytes,
                "name": name, "original": f"/api/uploads/{stored.id}/original.png"}

    @app.get("/api/uploads/{upload_id}/original.png")
    async def original(upload_id: str):
        return FileResponse(app.state.workspace.get(upload_id).original_png, media_type="image/png")

    @app.post("/api/uploads/{upload_id}/close")
    async def close_upload(upload_id: str):
        """The page is going away: drop its jobs and files now rather than at expiry."""
        app.state.runner.cancel_owner(upload_id)
        app.state.maps.forget(upload_id)
        app.state.workspace.remove(upload_id)
        return Response(status_code=204)

    @app.post("/api/jobs", status_code=202)
    async def submit(body: JobBody):
        stored = app.state.workspace.get(body.upload)
        request = StudioRequest(**body.model_dump(exclude={"upload"}))

        def work(job: Job) -> dict:
            folder = stored.folder / "jobs" / job.id
            folder.mkdir(parents=True)
            try:
                result = run_comparison(stored, request, folder, app.state.maps, job.step,
                                        settings.codec_options)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            _prune_job_folders(folder.parent)
            return result

        job = app.state.runner.submit(stored.id, work)
        return _job_status(app, job)

    @app.get("/api/jobs/{job_id}")
    async def status(job_id: str):
        return _job_status(app, app.state.runner.get(job_id))

    @app.get("/api/jobs/{job_id}/files/{name}")
    async def job_file(job_id: str, name: str):
        job, stored = _finished_job(app, job_id)
        if name == "overlay.png":
            path = stored.folder / job.result["map"]["overlay"]
        elif name in JOB_FILES:
            path = stored.folder / "jobs" / job.id / name
        else:
            raise UnknownItem(f"no file {name!r}")
        if not path.exists():
            raise UnknownItem("this result has expired; compress again")
        return FileResponse(path, media_type="image/png")

    @app.get("/api/jobs/{job_id}/download/{which}")
    async def download(job_id: str, which: str):
        job, stored = _finished_job(app, job_id)
        if which not in ("result", "uniform") or which not in job.result["files"]:
            raise UnknownItem(f"no file {which!r} in this result")
        path = stored.folder / "jobs" / job.id / f"{which}.bin"
        if not path.exists():
            raise UnknownItem("this result has expired; compress again")
        codec = job.result["codec"]
        suffix = ".roi" if which == "result" else ".uniform"
        filename = f"{Path(stored.display_name).stem or 'image'}{suffix}{codec['extension']}"
        return FileResponse(path, media_type=codec["mime_type"], filename=filename)

    return app


def _decode_upload(data: bytes, name: str, settings: StudioSettings):
    """Only the accepted image types, within the pixel limit (checked from the header), or one line."""
    if not data:
        raise InputError(f"{name}: empty file (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as header:
            kind, (width, height) = header.format, header.size
    except Image.DecompressionBombError:
        raise InputError(f"{name}: too many pixels for the studio (up to {settings.max_pixels / 1e6:g} "
                         "megapixels; roicodec serve --max-megapixels)") from None
    except UnidentifiedImageError:
        kind, width, height = None, 0, 0
    except Exception as error:  # Pillow's header parsers raise many types on garbage
        raise InputError(f"{name}: corrupt image header ({type(error).__name__})") from None
    if kind not in ACCEPTED_FORMATS:
        raise InputError(f"{name}: not an image the studio accepts ({', '.join(ACCEPTED_FORMATS)})")
    if width * height > settings.max_pixels:
        raise InputError(f"{name}: {width}x{height} is {width * height / 1e6:.1f} megapixels; the studio accepts "
                         f"up to {settings.max_pixels / 1e6:g} (roicodec serve --max-megapixels)")
    try:
        return load_image(data, max_pixels=settings.max_pixels)
    except InputError as error:  # it names the source "<bytes>"; the user knows it by its name
        raise InputError(str(error).replace("<bytes>", name, 1)) from None


def _too_large(name: str, size: int, settings: StudioSettings) -> JSONResponse:
    """413 without reading the rest: the upload is refused, whatever its content."""
    detail = (f"{name}: the upload is {size / MIB:.1f} MB; the studio accepts up to "
              f"{settings.max_upload_bytes / MIB:g} MB (roicodec serve --max-upload-mb)")
    return JSONResponse({"detail": detail}, status_code=413)


def _display_name(header: str) -> str:
    """The client's file name, for messages and download names only: no folders, safe characters."""
    name = urllib.parse.unquote(header).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")[:100]
    return name or "image"


def _job_status(app: FastAPI, job: Job) -> dict:
    body = {"id": job.id, "state": job.state, "stage": job.stage, "progress": round(job.progress, 3),
            "error": job.error, "result": job.result}
    if job.state == "queued":
        body["queue_position"] = app.state.runner.queue_position(job)
    if job.started is not None:
        body["seconds"] = round((job.finished or time.monotonic()) - job.started, 2)
    return body


def _finished_job(app: FastAPI, job_id: str):
    job = app.state.runner.get(job_id)
    if job.state != "done":
        raise UnknownItem(f"job is {job.state}, it has no files")
    return job, app.state.workspace.get(job.owner)


def _prune_job_folders(jobs_folder: Path) -> None:
    folders = sorted((p for p in jobs_folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-KEEP_JOB_FOLDERS]:
        shutil.rmtree(old, ignore_errors=True)


async def _sweep_forever(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        for gone in await run_in_threadpool(app.state.workspace.sweep):
            app.state.runner.cancel_owner(gone)
            app.state.maps.forget(gone)
