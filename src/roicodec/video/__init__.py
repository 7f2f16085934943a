"""Region-of-interest video: importance maps every N frames, carried between them with temporal
smoothing, handed to x264 / x265 as per-block QP offsets (native ROI, as for HEVC stills).

Data flow: transcode.py (demux, decode, mux, audio copy, the mask video) -> tracker.py (maps every
N frames, exponentially smoothed) -> roi_encoder.py (the map as a quality plan, the plan as QP
offsets through ffmpeg's addroi, one persistent encoder).
"""

from .transcode import VideoOptions, VideoResult, compress_video

__all__ = ["VideoOptions", "VideoResult", "compress_video"]
