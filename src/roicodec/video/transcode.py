"""``roicodec video``: a video re-encoded with the quality where the importance maps are hot.

The input is demuxed once: video packets are decoded, mapped, re-encoded with region QP offsets;
audio packets are copied unchanged. Frames go in chunks of ``map_every``: the map of a chunk's
first frame is computed in a worker thread while the previous chunk is encoded, then applied to
its whole chunk - the two cores work at once, and the result does not depend on timing. Container and frame rate are kept (the output's extension
names the container). Written to a temporary file beside the output and renamed at the end, so a
failure leaves nothing behind and the input is never touched.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, OptionError, RoicodecError
from ..imageio import check_output, file_mode_for
from ..saliency import importance_map
from .options import VideoOptions
from .roi_encoder import DEFAULT_CRF, RoiVideoEncoder, check_codec, qp_offsets
from .smoothing import TemporalSmoother

#: The mask video's white region: the map's top fraction (as the study's trajectory videos).
MASK_TOP_FRACTION = 0.2


@dataclass
class VideoResult:
    output: Path
    frames: int
    width: int
    height: int
    fps: float  # the video's frame rate
    bytes: int
    video_bytes: int
    bitrate: float  # video bits per second
    seconds: float
    maps: int
    audio_packets: int = 0
    mask_bytes: int | None = None

    @property
    def speed(self) -> float:
        """Frames encoded per second of wall time."""
        return self.frames / self.seconds if self.seconds else 0.0


#: progress(frames done, frames expected or None, frames per second)
Progress = Callable[[int, int | None, float], None]


def _open_input(path: Path):
    import av

    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a video file")
    if not path.is_file():  # opening a pipe waits for a writer; a device may never end
        raise InputError(f"{path}: not a regular file (a pipe, device or socket)")
    try:
        container = av.open(str(path))
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable video ({str(error).splitlines()[0][:100]})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: no video stream")
    if container.format.name == "image2" or container.format.name.endswith("_pipe"):
        container.close()
        raise InputError(f"{path}: a still image, not a video; use roicodec compress")
    return container


def _make_parent(target: Path) -> None:
    """The output's folder, made when the input has proved readable (so a refusal leaves no folder)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RoicodecError(f"{target}: cannot create directory {target.parent} ({error.strerror or error})") from None


def _temporary_beside(target: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".roicodec-", suffix=target.suffix)  # fits any name
    os.close(handle)
    return Path(name)


def _add_video_stream(container, options: VideoOptions, width: int, height: int, rate, time_base):
    stream = container.add_stream(check_codec(options.codec), rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.time_base = time_base
    settings = {"preset": options.preset}
    if options.target_bitrate is not None:
        stream.codec_context.bit_rate = int(options.target_bitrate)
    else:
        settings["crf"] = f"{options.crf if options.crf is not None else DEFAULT_CRF[options.codec]:g}"
    if options.codec == "h265":
        settings["x265-params"] = "log-level=error"
        if container.format.name in ("mp4", "mov"):
            stream.codec_context.codec_tag = "hvc1"  # what Apple's players and browsers expect in MP4
    stream.codec_context.options = settings
    return stream


def _mask_frame(importance: np.ndarray, style: str) -> np.ndarray:
    if style == "map":
        gray = np.clip(importance * 255.0, 0, 255).astype(np.uint8)
    else:
        cut = np.quantile(importance, 1.0 - MASK_TOP_FRACTION)
        gray = np.where(importance >= cut, 255, 0).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def compress_video(source: str | Path, output: str | Path, options: VideoOptions | None = None,
                   progress: Progress | None = None) -> VideoResult:
    """Re-encode ``source`` to ``output`` with region-of-interest QP offsets."""
    import av

    options = options or VideoOptions()
    options.check()
    source, output = Path(source), Path(output)
    mask_path = Path(options.mask_video) if options.mask_video else None
    for target in (output, mask_path):
        if target is not None:
            _format_for(target)
            if target.resolve() == source.resolve() or (target.exists() and source.exists()
                                                        and os.path.samefile(target, source)):
                raise OptionError(f"{target}: the output must not be the input")
            check_output(target)  # a device, a pipe or a folder: refused before any work
    if mask_path is not None and (mask_path == output or mask_path.resolve() == output.resolve()):
        raise OptionError(f"{mask_path}: --mask-video must not be the output itself")
    started = time.perf_counter()
    reader = _open_input(source)
    video_in = reader.streams.video[0]
    audio_in = reader.streams.audio[0] if reader.streams.audio else None
    for stream in (video_in, audio_in):
        if stream is not None and stream.codec_context is None:  # a codec FFmpeg does not know: damaged
            message = f"{source}: damaged video (its {stream.type} stream's codec is unknown)"
            reader.close()  # the stream is gone with its container: read nothing from it after this
            raise InputError(message)
    width, height = video_in.codec_context.width, video_in.codec_context.height
    if not width or not height:
        reader.close()
        raise InputError(f"{source}: damaged video (the video stream has no frame size)")
    if width % 2 or height % 2:
        reader.close()
        raise InputError(f"{source}: frame size {width}x{height} is odd; x264/x265 4:2:0 needs even sides "
                         f"(crop one row/column first, e.g. ffmpeg -vf crop=trunc(iw/2)*2:trunc(ih/2)*2)")
    rate = video_in.average_rate or video_in.guessed_rate
    if not rate:
        reader.close()
        raise InputError(f"{source}: the video stream has no frame rate")
    time_base = video_in.time_base
    expected = video_in.frames or None
    if options.max_frames:
        expected = min(expected or options.max_frames, options.max_frames)
    temporary = mask_temporary = None
    written = []
    try:
        for target in (output, mask_path):
            if target is not None:
                _make_parent(target)
        temporary = _temporary_beside(output)
        mask_temporary = _temporary_beside(mask_path) if mask_path is not None else None
        writer = av.open(str(temporary), "w", format=_format_for(output))
        written.append(writer)
        video_out = _add_video_stream(writer, options, width, height, rate, time_base)
        audio_out = writer.add_stream_from_template(audio_in) if audio_in is not None else None
        mask_writer = mask_out = None
        if mask_temporary is not None:
            mask_writer = av.open(str(mask_temporary), "w", format=_format_for(Path(options.mask_video)))
            written.append(mask_writer)
            mask_out = _add_video_stream(mask_writer, VideoOptions(codec="h264", crf=30.0, preset=options.preset),
                                         width, height, rate, time_base)
        encoder = RoiVideoEncoder(video_out, width, height, time_base)
        mask_encoder = RoiVideoEncoder(mask_out, width, height, time_base) if mask_out is not None else None
        smoother = TemporalSmoother(options.smoothing)
        need_map = not options.uniform or mask_encoder is not None
        frames = audio_packets = video_bytes = 0

        def encode_chunk(chunk, future) -> None:
            nonlocal frames, video_bytes
            importance = smoother.add(future.result()) if future is not None else None
            if importance is not None and not options.uniform:
                encoder.set_offsets(qp_offsets(importance, options.plan, options.roi_quality, options.bg_quality,
                                               options.threshold))
            mask = _mask_frame(importance, options.mask_style) if mask_encoder is not None else None  # one per chunk
            for rgb, pts in chunk:
                for out_packet in encoder.encode(rgb, pts):
                    video_bytes += out_packet.size
                    writer.mux(out_packet)
                if mask_encoder is not None:
                    for out_packet in mask_encoder.encode(mask, pts):
                        mask_writer.mux(out_packet)
                frames += 1
                if progress:
                    progress(frames, expected, frames / max(time.perf_counter() - started, 1e-9))

        def map_of(rgb):
            return importance_map(rgb, options.map_options).values

        streams = [video_in] + ([audio_in] if audio_in is not None else [])
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending, chunk, decoded = None, [], 0
            for packet in _demux(reader, streams, source):
                if packet.stream is audio_in:
                    if packet.dts is not None:
                        packet.stream = audio_out
                        writer.mux(packet)
                        audio_packets += 1
                    continue
                for frame in _decode(packet, source):
                    if (frame.width, frame.height) != (width, height):
                        raise InputError(f"{source}: frame {decoded} is {frame.width}x{frame.height}, the stream "
                                         f"started at {width}x{height}; variable frame sizes are not supported")
                    chunk.append((frame.to_ndarray(format="rgb24"), frame.pts))
                    decoded += 1
                    if len(chunk) == options.map_every or decoded == options.max_frames:
                        future = pool.submit(map_of, chunk[0][0]) if need_map else None
                        if pending:
                            encode_chunk(*pending)
                        pending, chunk = (chunk, future), []
                    if decoded == options.max_frames:
                        break
                if options.max_frames and decoded >= options.max_frames:
                    break
            if chunk:
                future = pool.submit(map_of, chunk[0][0]) if need_map else None
                if pending:
                    encode_chunk(*pending)
                pending = (chunk, future)
            if pending:
                encode_chunk(*pending)
        if frames == 0:
            raise InputError(f"{source}: no video frame could be decoded")
        for out_packet in encoder.flush():
            video_bytes += out_packet.size
            writer.mux(out_packet)
        if mask_encoder is not None:
            for out_packet in mask_encoder.flush():
                mask_writer.mux(out_packet)
        for container in written:
            container.close()
        written.clear()
        # mkstemp made the temporary file 0600; the output gets what any new file would (or keeps
        # the mode of the file it replaces), as the still-image writer does.
        os.chmod(temporary, file_mode_for(output))
        os.replace(temporary, output)
        mask_bytes = None
        if mask_temporary is not None:
            os.chmod(mask_temporary, file_mode_for(Path(options.mask_video)))
            os.replace(mask_temporary, options.mask_video)
            mask_bytes = Path(options.mask_video).stat().st_size
    except av.error.FFmpegError as error:  # the encoder or the muxer refused (demuxing and decoding say more)
        raise RoicodecError(f"{output}: cannot write the video ({str(error).splitlines()[0][:100]})") from None
    finally:
        for container in written:
            try:
                container.close()
            except Exception:  # noqa: BLE001 - already failing; the temporary file is removed below
                pass
        reader.close()
        for leftover in (temporary, mask_temporary):
            if leftover is not None and leftover.exists():
                leftover.unlink()
    seconds = time.perf_counter() - started
    fps = float(rate)
    return VideoResult(output=output, frames=frames, width=width, height=height, fps=fps,
                       bytes=output.stat().st_size, video_bytes=video_bytes,
                       bitrate=video_bytes * 8 * fps / frames, seconds=seconds, maps=smoother.count,
                       audio_packets=audio_packets, mask_bytes=mask_bytes)




def _format_for(path: Path) -> str:
    formats = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
    suffix = path.suffix.lower()
    if suffix not in formats:
        raise OptionError(f"{path}: write .mp4, .mov or .mkv (got {suffix or 'no extension'})")
    return formats[suffix]


def _demux(reader, streams, source: Path):
    import av

    try:
        yield from reader.demux(*streams)
    except av.error.FFmpegError as error:
        raise InputError(f"{source}: damaged video ({str(error).splitlines()[0][:100]})") from None


def _decode(packet, source: Path):
    import av

    try:
        return packet.decode()
    except av.error.FFmpegError as error:
        raise InputError(f"{source}: damaged video ({str(error).splitlines()[0][:100]})") from None
