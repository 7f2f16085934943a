"""Region-of-interest video: importance maps every N frames, carried between them with temporal
smoothing, handed to x264 / x265 as per-block QP offsets (native ROI, as for HEVC stills).

Data flow: options.py (what decides the encode) -> transcode.py (demux, decode, mux, audio copy, the
mask video) -> smoothing.py (maps every N frames, exponentially smoothed) -> roi_encoder.py (the map
as a quality plan, the plan as QP offsets through ffmpeg's addroi, one persistent encoder).
"""

from .options import VideoOptions

__all__ = ["VideoOptions", "VideoResult", "compress_video"]


def __getattr__(name: str):
    """The encoder side loads torch (the maps) and PyAV: imported when first used, not with the options."""
    if name in ("VideoResult", "compress_video"):
        from . import transcode

        return getattr(transcode, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
