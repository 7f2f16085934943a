import io
import shutil

import jpeglib
import numpy as np
import pytest
from PIL import Image

from roicodec.codecs import jpegli
from roicodec.codecs.adaptive_jpeg import AdaptiveJpegEncoder, AdaptiveJpegSettings, encode_adaptive, fine_quality
from roicodec.codecs.registry import get_codec
from roicodec.errors import OptionError
from roicodec.codecs.jpeg_dct import analyse
from roicodec.codecs.jpeg_tables import CHROMA_BASE, LUMA_BASE, scaled_table
from roicodec.codecs.pillow_jpeg import decode, encode_uniform


def psnr(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


def read_coefficients(data: bytes, tmp_path):
    path = tmp_path / "out.jpg"
    path.write_bytes(data)
    jpeg = jpeglib.read_dct(str(path))
    return jpeg.Y.astype(np.float64), jpeg.qt


def test_output_is_a_standard_jpeg_with_jpeglis_table_for_the_fine_quality(kodim23_small, tmp_path):
    plan = np.full((22, 32), 40.0)
    plan[:, :16] = 90.0
    data = encode_adaptive(kodim23_small, plan)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (256, 176) and image.mode == "RGB"
    _, tables = read_coefficients(data, tmp_path)
    np.testing.assert_array_equal(tables, jpegli.quantisation_tables(90))
    # and jpegli's own file at that quality carries the same tables
    own = Image.open(io.BytesIO(get_codec("jpegli").encode(kodim23_small, 90))).quantization
    np.testing.assert_array_equal(tables[0].ravel(), own[0])


def test_the_ijg_tables_remain_available(kodim23_small, tmp_path):
    plan = np.full((22, 32), 40.0)
    plan[:, :16] = 90.0
    data = encode_adaptive(kodim23_small, plan, AdaptiveJpegSettings(tables="ijg"))
    _, tables = read_coefficients(data, tmp_path)
    np.testing.assert_array_equal(tables[0], scaled_table(LUMA_BASE, 90))
    np.testing.assert_array_equal(tables[1], scaled_table(CHROMA_BASE, 90))
    with pytest.raises(OptionError):
        AdaptiveJpegSettings(tables="mozjpeg")


def test_blocks_planned_at_the_top_quality_are_coded_as_if_the_whole_plan_were_there(kodim23_small, tmp_path):
    """Nothing is coarsened or smoothed where the plan is at its top: those blocks carry exactly the
    coefficients of a uniform plan at that quality, whatever the rest of the plan asks."""
    top = np.full((22, 32), 85.0)
    mixed = top.copy()
    mixed[:, 16:] = 20.0
    mixed[5:9, :4] = 50.0
    uniform_values, uniform_tables = read_coefficients(encode_adaptive(kodim23_small, top), tmp_path)
    mixed_values, mixed_tables = read_coefficients(encode_adaptive(kodim23_small, mixed), tmp_path)
    np.testing.assert_array_equal(mixed_tables, uniform_tables)
    at_top = mixed == 85.0
    np.testing.assert_array_equal(mixed_values[at_top], uniform_values[at_top])
    assert not np.array_equal(mixed_values[~at_top], uniform_values[~at_top])


def test_quality_in_each_region_is_monotone_in_its_plan(kodim23_small):
    """Raising one region's planned quality never lowers that region's fidelity."""
    mask = np.zeros(kodim23_small.shape[:2], bool)
    mask[:, :128] = True
    previous = -np.inf
    for quality in (10, 25, 40, 55, 70, 85):
        plan = np.full((22, 32), 30.0)
        plan[:, :16] = quality
        decoded = decode(encode_adaptive(kodim23_small, plan))
        fidelity = psnr(kodim23_small[mask].reshape(-1, 3), decoded[mask].reshape(-1, 3))
        assert fidelity > previous
        previous = fidelity


def test_hot_blocks_get_finer_quantisation_than_cold_ones(kodim23_small, tmp_path):
    plan = np.full((22, 32), 20.0)
    plan[:, :16] = 90.0  # left half hot
    values, tables = read_coefficients(encode_adaptive(kodim23_small, plan), tmp_path)
    truth = analyse(kodim23_small).y
    error = ((values * tables[0] - truth) ** 2).sum(axis=(2, 3))
    nonzero = (values != 0).sum(axis=(2, 3))
    assert error[:, :16].mean() * 4 < error[:, 16:].mean()
    assert nonzero[:, :16].mean() > 2 * nonzero[:, 16:].mean()


def test_hot_region_keeps_quality_and_cold_region_loses_it(kodim23_small):
    plan = np.full((22, 32), 20.0)
    plan[:, :16] = 90.0
    decoded = decode(encode_adaptive(kodim23_small, plan))
    q90 = decode(encode_uniform(kodim23_small, 90))
    q20 = decode(encode_uniform(kodim23_small, 20))
    left, right = np.s_[:, :120], np.s_[:, 136:]
    assert psnr(kodim23_small[left], decoded[left]) > psnr(kodim23_small[left], q90[left]) - 1.5
    assert psnr(kodim23_small[right], decoded[right]) < psnr(kodim23_small[right], q90[right]) - 4
    assert psnr(kodim23_small[right], decoded[right]) > psnr(kodim23_small[right], q20[right]) - 2


def test_size_grows_with_the_plan(kodim23_small):
    encoder = AdaptiveJpegEncoder(kodim23_small)
    sizes = [len(encoder.encode(np.full((22, 32), q))) for q in (20, 40, 60, 80, 95)]
    assert sizes == sorted(sizes) and sizes[0] * 3 < sizes[-1]


def test_a_flat_plan_is_close_to_libjpeg_at_the_same_quality(kodim23_small):
    ours = encode_adaptive(kodim23_small, np.full((22, 32), 75.0))
    pillow = encode_uniform(kodim23_small, 75)
    assert len(ours) <= len(pillow) * 1.02
    assert psnr(kodim23_small, decode(ours)) > psnr(kodim23_small, decode(pillow)) - 1.0


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (77, 101), (16, 16), (33, 8), (130, 9)])
def test_any_image_size_round_trips(shape):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    rgb = np.stack([x * 3 % 256, y * 5 % 256, (x + y) * 2 % 256], axis=-1).astype(np.uint8)
    plan = np.full((-(-shape[0] // 8), -(-shape[1] // 8)), 100.0)
    decoded = decode(encode_adaptive(rgb, plan))
    assert decoded.shape == rgb.shape
    pillow = decode(encode_uniform(rgb, 100))
    ours_error = np.abs(decoded.astype(int) - rgb).mean()
    assert ours_error <= np.abs(pillow.astype(int) - rgb).mean() + 0.5  # a misplaced block costs far more


@pytest.mark.skipif(shutil.which("jpegtran") is None, reason="jpegtran not installed (libjpeg-turbo-progs)")
def test_progressive_output_decodes_to_the_same_pixels(kodim23_small):
    from roicodec.codecs.adaptive_jpeg import AdaptiveJpegSettings

    baseline = encode_adaptive(kodim23_small, np.full((22, 32), 60.0))

    data = encode_adaptive(kodim23_small, np.full((22, 32), 60.0), AdaptiveJpegSettings(progressive=True))
    with Image.open(io.BytesIO(data)) as image:
        assert image.info.get("progressive") or image.info.get("progression")
        assert image.size == (256, 176)
    np.testing.assert_array_equal(decode(data), decode(baseline))


def test_fine_quality_is_the_plan_maximum():
    assert fine_quality(np.array([[10.0, 62.2]])) == 62.2
    assert fine_quality(np.array([[130.0]])) == 100
    assert fine_quality(np.array([[0.0]])) == 1
    plan = np.full((10, 10), 60.0)
    plan[0, :3] = 100.0
    assert fine_quality(plan, 95) == 95  # a few hot blocks do not force a step-1 table
    assert fine_quality(np.full((10, 10), 99.0), 95) == 99  # a plan that is all high keeps its table


def test_fractional_tables_lie_between_the_integer_ones():
    low, high = scaled_table(LUMA_BASE, 62), scaled_table(LUMA_BASE, 63)
    middle = scaled_table(LUMA_BASE, 62.5)
    assert np.all(middle <= low) and np.all(middle >= high)
    assert 0 < np.sum(middle != low) < 64


def test_weighting_the_lowest_frequencies_keeps_more_of_them_in_coarse_blocks(kodim23_small, tmp_path):
    """A coarse block keeps its gentle gradients (zigzag 1-5) rather than becoming a flat tile."""
    from roicodec.codecs.adaptive_jpeg import LOW_FREQUENCIES
    from roicodec.codecs.jpeg_tables import ZIGZAG

    plan = np.full((22, 32), 15.0)
    kept = {}
    for weight in (1.0, 4.0):
        values, _ = read_coefficients(encode_adaptive(kodim23_small, plan, AdaptiveJpegSettings(low_frequency_weight=weight)),
                                      tmp_path)
        zigzag = values.reshape(-1, 64)[:, ZIGZAG]
        kept[weight] = np.count_nonzero(zigzag[:, 1:1 + LOW_FREQUENCIES])
    assert kept[4.0] > kept[1.0]


def test_a_picture_coded_in_bands_gives_the_same_bytes_as_in_one_piece(kodim23):
    rgb = np.ascontiguousarray(kodim23[:501, :700])  # edge blocks on both sides, a short last band
    rows, cols = -(-501 // 8), -(-700 // 8)
    plan = np.linspace(15, 95, rows * cols).reshape(rows, cols)
    whole = AdaptiveJpegEncoder(rgb)
    banded = AdaptiveJpegEncoder(rgb, band_pixels=700 * 48)
    assert len(whole.bands) == 1 and len(banded.bands) == 11
    assert banded.encode(plan) == whole.encode(plan)
    assert banded.encode(plan, 80.0) == whole.encode(plan, 80.0)


def test_bands_must_be_whole_macroblock_rows(kodim23_small):
    with pytest.raises(ValueError, match="multiples of 16"):
        analyse(kodim23_small, 8, 40)
