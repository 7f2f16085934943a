"""The QP offsets reach x264 / x265: the region given lower QP comes out better than the rest."""

from fractions import Fraction

import av
import numpy as np
import pytest

from roicodec.metrics import psnr_rgb
from roicodec.video.roi_encoder import UNIT, RoiVideoEncoder, qp_offsets


def test_offsets_favour_the_map_and_average_near_zero():
    importance = np.zeros((64, 128), np.float32)
    importance[:, :64] = 1.0
    offsets = qp_offsets(importance, "quantile", 70, 40)
    assert offsets.shape == (64 // UNIT, 128 // UNIT)
    assert offsets[:, :4].mean() < 0 < offsets[:, 4:].mean()
    assert abs(offsets.mean()) <= 1.0


@pytest.mark.parametrize("codec", ["libx264", "libx265"])
def test_the_lower_qp_region_is_encoded_better(kodim23_small, codec):
    rgb = np.ascontiguousarray(kodim23_small[:160, :256])
    height, width = rgb.shape[:2]

    def encode(offsets):
        output = av.open("/dev/null", "w", format="matroska")
        stream = output.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 10)
        stream.codec_context.options = {"crf": "30", "preset": "fast"} | (
            {"x265-params": "log-level=error"} if codec == "libx265" else {})
        encoder = RoiVideoEncoder(stream, width, height, Fraction(1, 10))
        if offsets is not None:
            encoder.set_offsets(offsets)
        packets = [p for i in range(3) for p in encoder.encode(rgb, i)] + encoder.flush()
        decoder = av.CodecContext.create({"libx264": "h264", "libx265": "hevc"}[codec], "r")
        decoder.extradata = stream.codec_context.extradata
        frames = [f for p in packets for f in decoder.decode(p)] + list(decoder.decode(None))
        output.close()
        return frames[0].to_ndarray(format="rgb24")

    offsets = np.zeros((height // UNIT, width // UNIT), int)
    offsets[:, : offsets.shape[1] // 2] = -8
    offsets[:, offsets.shape[1] // 2 :] = 8
    left, right = slice(0, width // 2), slice(width // 2, width)
    plain, roi = encode(None), encode(offsets)
    gain_left = psnr_rgb(rgb[:, left], roi[:, left]) - psnr_rgb(rgb[:, left], plain[:, left])
    gain_right = psnr_rgb(rgb[:, right], roi[:, right]) - psnr_rgb(rgb[:, right], plain[:, right])
    assert gain_left > 1.0 and gain_right < -1.0
