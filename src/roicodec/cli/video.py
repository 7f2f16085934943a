"""``roicodec video``: a video re-encoded with x264/x265, the bits spent where the maps are hot."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import RoicodecError
from ..video.options import VideoOptions
from .app import command, configure_threads, fail, output_path
from .options import built, map_group, plan_group, with_options
from .progress import progress_bar

_VIDEO = VideoOptions()


@command("video")
@with_options(plan=plan_group(kind=_VIDEO.plan, roi_quality=_VIDEO.roi_quality, bg_quality=_VIDEO.bg_quality,
                              stills=False),
              map_options=map_group(_VIDEO.map_options))
def video_command(
    input: Path = typer.Argument(..., help="Video to re-encode (any container and codec ffmpeg reads)."),
    output: Path = typer.Option(..., "-o", "--output", parser=output_path, metavar="<path>", help="Output video: .mp4, .mov or .mkv."),
    codec: str = typer.Option(_VIDEO.codec, "--codec", help="h264 (x264) or h265 (x265)."),
    crf: Optional[float] = typer.Option(None, "--crf", show_default="23 (h264), 28 (h265)", help="Constant rate factor, as in ffmpeg."),
    target_bitrate: Optional[str] = typer.Option(None, "--target-bitrate", help="Average video bitrate instead of --crf, e.g. 800k or 2M."),
    preset: str = typer.Option(_VIDEO.preset, "--preset", help="x264/x265 speed preset (ultrafast ... veryslow)."),
    map_every: int = typer.Option(_VIDEO.map_every, "--map-every", help="A new importance map every N frames."),
    smoothing: float = typer.Option(_VIDEO.smoothing, "--smoothing", help="Weight of the previous map when a new one arrives (0: none)."),
    uniform: bool = typer.Option(False, "--uniform", metavar="", help="No regions: the plain encode, for comparison."),
    mask_video: Optional[Path] = typer.Option(None, "--mask-video", parser=output_path, metavar="<path>", help="Also write the map as a video (white objects on black)."),
    mask_style: str = typer.Option(_VIDEO.mask_style, "--mask-style", help="binary: the map's top 20 % white; map: the map itself as gray."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", help="Stop after this many frames."),
    threads: int = typer.Option(1, "--threads", help="CPU threads for the network (x264/x265 use their own)."),
    plan=None,
    map_options=None,
) -> None:
    """Re-encode a video with x264/x265 spending the bits where the importance maps are hot; audio is copied, container and frame rate kept. Its map and plan options are those of compress, with video's defaults (a plan's ends set QP offsets around --crf, 0.51 QP a quality step)."""
    from ..video import compress_video
    from ..video.options import parse_bitrate

    try:
        configure_threads(threads)
        options = VideoOptions(
            codec=codec, crf=crf, target_bitrate=parse_bitrate(target_bitrate) if target_bitrate else None,
            preset=preset, map_every=map_every, smoothing=smoothing, uniform=uniform, mask_video=mask_video,
            mask_style=mask_style, max_frames=max_frames, map_options=built(map_options), **built(plan))
        with progress_bar() as bar:
            result = compress_video(input, output, options,
                                    progress=lambda done, expected, speed: bar.update("frames", done, expected,
                                                                                       f"{speed:.1f} fps"))
    except RoicodecError as error:
        fail(str(error))
    typer.echo(f"{result.output}: {result.frames} frames {result.width}x{result.height} at {result.fps:g} fps, "
               f"{result.bytes} bytes, video {result.bitrate / 1000:.0f} kbit/s, {result.maps} maps, "
               f"{result.speed:.1f} frames/s" + (f", {result.audio_packets} audio packets copied" if result.audio_packets else ""))
    if result.mask_bytes is not None:
        typer.echo(f"{options.mask_video}: mask video, {result.mask_bytes} bytes "
                   f"({result.mask_bytes / max(result.bytes, 1):.1%} of the colour video)")


