"""``roicodec video`` end to end on the shared clips, and its errors."""

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from roicodec.cli import app
from roicodec.errors import InputError, OptionError
from roicodec.video import VideoOptions, compress_video
from roicodec.video.options import parse_bitrate


@pytest.fixture(scope="module")
def clips(shared_data):
    return shared_data / "video"


def streams_of(path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {"frames": frames, "rate": video.average_rate, "codec": video.codec_context.name,
                "size": (video.codec_context.width, video.codec_context.height),
                "audio": [s.codec_context.name for s in container.streams.audio]}


def test_round_trip_keeps_frames_rate_and_size(clips, tmp_path):
    out = tmp_path / "bikes.mp4"
    result = compress_video(clips / "bikes.mp4", out, VideoOptions(max_frames=12, map_every=4))
    info = streams_of(out)
    assert info == {"frames": 12, "rate": 25, "codec": "h264", "size": (640, 272), "audio": []}
    assert result.frames == 12 and result.maps == 3 and result.bytes == out.stat().st_size


def test_h265_audio_copy_and_mask_video(clips, tmp_path):
    out, mask = tmp_path / "bunny.mkv", tmp_path / "bunny_mask.mp4"
    result = compress_video(clips / "bigbuckbunny.mp4", out,
                            VideoOptions(codec="h265", max_frames=6, map_every=3, mask_video=mask))
    info = streams_of(out)
    assert info["codec"] == "hevc" and info["frames"] == 6 and info["audio"] == ["aac"]
    assert result.audio_packets > 0
    assert streams_of(mask)["frames"] == 6 and result.mask_bytes < 0.5 * result.bytes


def test_roi_encode_keeps_the_map_region_better_than_uniform_at_the_same_crf(clips, tmp_path):
    source = clips / "carphone_pristine.mp4"
    roi = compress_video(source, tmp_path / "roi.mp4", VideoOptions(max_frames=10, mask_video=tmp_path / "m.mp4"))
    plain = compress_video(source, tmp_path / "plain.mp4", VideoOptions(max_frames=10, uniform=True))
    with av.open(str(source)) as original, av.open(str(tmp_path / "roi.mp4")) as a, \
            av.open(str(tmp_path / "plain.mp4")) as b, av.open(str(tmp_path / "m.mp4")) as m:
        triples = zip(original.decode(video=0), a.decode(video=0), b.decode(video=0), m.decode(video=0))
        gains = []
        for ref, with_roi, without, mask in triples:
            ref, with_roi, without = (f.to_ndarray(format="rgb24").astype(float) for f in (ref, with_roi, without))
            inside = mask.to_ndarray(format="gray") > 128
            error = lambda x, where: ((x - ref) ** 2)[where].mean()
            gains.append(10 * np.log10(error(without, inside) / error(with_roi, inside)))
    assert np.mean(gains) > 1.0 and roi.frames == plain.frames == 10


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nothing.mp4", "no such file"),
    (lambda d: (d / "junk.mp4").write_bytes(b"garbage") and d / "junk.mp4", "not a readable video"),
])
def test_bad_inputs_are_one_line_errors_and_leave_nothing(tmp_path, make, message):
    source = make(tmp_path)
    with pytest.raises(InputError, match=message):
        compress_video(source, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists() and not list(tmp_path.glob(".out*"))


def test_no_video_odd_sizes_and_size_changes_are_refused(tmp_path):
    from fractions import Fraction

    audio = tmp_path / "sound.m4a"
    with av.open(str(audio), "w") as container:
        stream = container.add_stream("aac", rate=48000)
        for index in range(3):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, index * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with pytest.raises(InputError, match="no video stream"):
        compress_video(audio, tmp_path / "out.mp4")

    def clip(path, sizes, codec="libx264", fmt="mpegts"):
        with av.open(str(path), "w", format=fmt) as container:
            stream = container.add_stream(codec, rate=10)
            stream.width, stream.height = sizes[0]
            stream.pix_fmt = "yuv420p" if codec == "libx264" else "rgb24"
            stream.codec_context.time_base = Fraction(1, 10)
            for index, (w, h) in enumerate(sizes):
                frame = av.VideoFrame.from_ndarray(np.full((h, w, 3), 40 * index, np.uint8), format="rgb24")
                frame.pts = index
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)

    clip(tmp_path / "odd.mov", [(63, 47)] * 2, codec="png", fmt="mov")
    with pytest.raises(InputError, match="63x47 is odd"):
        compress_video(tmp_path / "odd.mov", tmp_path / "out.mp4")
    clip(tmp_path / "a.ts", [(64, 48)] * 3)
    clip(tmp_path / "b.ts", [(96, 64)] * 3)
    (tmp_path / "both.ts").write_bytes((tmp_path / "a.ts").read_bytes() + (tmp_path / "b.ts").read_bytes())
    with pytest.raises(InputError, match="variable frame sizes"):
        compress_video(tmp_path / "both.ts", tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_options_are_checked(clips, tmp_path):
    with pytest.raises(OptionError, match="--crf or --target-bitrate"):
        compress_video(clips / "bikes.mp4", tmp_path / "o.mp4", VideoOptions(crf=20, target_bitrate=10**6))
    with pytest.raises(OptionError, match=".mp4, .mov or .mkv"):
        compress_video(clips / "bikes.mp4", tmp_path / "o.avi")
    with pytest.raises(OptionError, match="must not be the input"):
        compress_video(clips / "bikes.mp4", clips / "bikes.mp4")
    assert parse_bitrate("800k") == 800_000 and parse_bitrate("1.5M") == 1_500_000
    with pytest.raises(OptionError, match="cannot read bitrate"):
        parse_bitrate("fast")


def test_the_command_reports_fps_and_bitrate(clips, tmp_path):
    out = tmp_path / "b.mp4"
    result = CliRunner().invoke(app, ["video", str(clips / "bikes.mp4"), "-o", str(out), "--max-frames", "5",
                                      "--target-bitrate", "400k"])
    assert result.exit_code == 0, result.output
    assert "5 frames 640x272 at 25 fps" in result.output and "kbit/s" in result.output


def test_h265_in_mp4_is_tagged_hvc1(clips, tmp_path):
    out = tmp_path / "c.mp4"
    compress_video(clips / "carphone_pristine.mp4", out, VideoOptions(codec="h265", max_frames=3))
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_tag == "hvc1"


def test_a_new_video_gets_the_mode_any_new_file_gets(tmp_path, shared_data):
    import os
    import stat

    from roicodec.video import VideoOptions, compress_video

    reference = tmp_path / "reference.bin"
    reference.write_bytes(b"x")
    output = tmp_path / "out.mp4"
    compress_video(shared_data / "video" / "carphone_pristine.mp4", output, VideoOptions(max_frames=6, uniform=True))
    assert stat.S_IMODE(os.stat(output).st_mode) == stat.S_IMODE(os.stat(reference).st_mode)
