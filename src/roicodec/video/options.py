"""What decides a video's encode: its own knobs (codec, CRF or bitrate, preset, how often a map is
made) and the map and plan options stills share, with video's defaults (defaults.py). Free of torch
and of the encoders, so the command line reads the defaults without loading either."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import defaults, qmap
from ..errors import OptionError
from ..options import MapOptions

#: x264 and x265, as ffmpeg names their encoders.
ENCODERS = {"h264": "libx264", "h265": "libx265"}
MASK_STYLES = ("binary", "map")
#: x264's and x265's speed presets (anything else makes the encoder print its own error and fail).
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")


@dataclass(frozen=True)
class VideoOptions:
    codec: str = "h264"
    crf: float | None = None  # default: 23 (h264) / 28 (h265) unless a bitrate is given
    target_bitrate: int | None = None  # bits per second
    preset: str = "medium"
    map_every: int = 5
    smoothing: float = 0.5
    plan: str = defaults.VIDEO_PLAN
    roi_quality: float = defaults.VIDEO_ROI_QUALITY
    bg_quality: float = defaults.VIDEO_BG_QUALITY
    threshold: float = 0.5  # the two-level plan's split
    uniform: bool = False  # no regions: the plain encode, for comparisons
    map_options: MapOptions = field(default_factory=lambda: MapOptions(method=defaults.VIDEO_MAP_METHOD,
                                                                       short_side=defaults.VIDEO_SHORT_SIDE))
    mask_video: Path | None = None
    mask_style: str = "binary"
    max_frames: int | None = None

    def check(self) -> None:
        if self.codec not in ENCODERS:
            raise OptionError(f"unknown video codec {self.codec!r}; available: {', '.join(ENCODERS)}")
        if self.preset not in PRESETS:
            raise OptionError(f"unknown --preset {self.preset!r}; available: {', '.join(PRESETS)}")
        if self.max_frames is not None and self.max_frames < 1:
            raise OptionError(f"--max-frames must be at least 1, got {self.max_frames}")
        if self.map_every < 1:
            raise OptionError(f"--map-every must be at least 1 frame, got {self.map_every}")
        if self.crf is not None and self.target_bitrate is not None:
            raise OptionError("give --crf or --target-bitrate, not both")
        if self.crf is not None and not 0 <= self.crf <= 51:
            raise OptionError(f"--crf must be between 0 and 51, got {self.crf:g}")
        if self.target_bitrate is not None and self.target_bitrate <= 0:
            raise OptionError("--target-bitrate must be positive")
        if self.mask_style not in MASK_STYLES:
            raise OptionError(f"--mask-style must be one of {', '.join(MASK_STYLES)}")
        if not 0 <= self.threshold <= 1:  # NaN fails too
            raise OptionError(f"--threshold must be in [0, 1], got {self.threshold:g}")
        if self.plan not in qmap.PLANS:
            raise OptionError(f"unknown plan {self.plan!r}; available: {', '.join(qmap.PLANS)}")
        if not self.bg_quality <= self.roi_quality:
            raise OptionError("--bg-quality must not exceed --roi-quality")


def parse_bitrate(text: str) -> int:
    """'2M', '800k', '1.5Mbps', '500000' -> bits per second (k = 1000), as ffmpeg users write them."""
    cleaned = text.strip().lower().removesuffix("bps").removesuffix("bit/s").strip()
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(cleaned[-1:], 1)
    number = cleaned[:-1] if scale != 1 else cleaned
    try:
        value = float(number) * scale
    except ValueError:
        raise OptionError(f"cannot read bitrate {text!r}; write e.g. 800k, 2M or 1500000") from None
    if not value > 0:
        raise OptionError(f"bitrate must be positive, got {text!r}")
    return int(value)
