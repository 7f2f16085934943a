"""The web studio: upload a photo, tune map, codec and target, and judge the result by eye.

``roicodec serve`` runs :func:`create_app` under uvicorn. The page (``static/``) is plain HTML and
JavaScript, no build step. Everything the studio writes lives in one temp folder (:mod:`.workspace`);
the compress work runs in a small pool of threads (:mod:`.jobs`) and is the library's own pipeline
(:mod:`.comparison`), so the page shows exactly what the command line would write.
"""

from .settings import StudioSettings

__all__ = ["StudioSettings", "create_app"]


def create_app(settings: StudioSettings | None = None):
    """The FastAPI application (imported lazily: FastAPI is the ``studio`` extra)."""
    from .app import create_app as _create_app

    return _create_app(settings or StudioSettings())
