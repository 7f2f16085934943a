import jpeglib
import numpy as np

from roicodec.codecs.jpeg_dct import analyse, forward_dct, inverse_dct
from roicodec.codecs.jpeg_tables import ZIGZAG, scaled_table, LUMA_BASE
from roicodec.codecs.pillow_jpeg import encode_uniform


def test_the_written_out_transform_is_scipys_orthonormal_dct():
    from scipy.fft import dctn

    blocks = np.random.default_rng(1).integers(0, 256, (4, 6, 8, 8)).astype(np.float64)
    plane = blocks.swapaxes(1, 2).reshape(32, 48)
    expected = dctn(blocks - 128.0, type=2, axes=(-2, -1), norm="ortho")
    np.testing.assert_allclose(forward_dct(plane), expected, rtol=0, atol=1e-11)


def test_dct_round_trip():
    plane = np.random.default_rng(0).uniform(0, 255, (16, 24))
    np.testing.assert_allclose(inverse_dct(forward_dct(plane)), plane, atol=1e-9)


def test_our_transform_matches_libjpeg_quantised_coefficients(kodim23_small, tmp_path):
    """Rounded to libjpeg's steps, our coefficients agree with libjpeg's on nearly every coefficient."""
    path = tmp_path / "q75.jpg"
    path.write_bytes(encode_uniform(kodim23_small, 75))
    reference = jpeglib.read_dct(str(path))
    ours = analyse(kodim23_small)
    for mine, theirs, table in ((ours.y, reference.Y, reference.qt[0]), (ours.cb, reference.Cb, reference.qt[1])):
        assert mine.shape == theirs.shape
        quantised = np.rint(mine / table)
        assert np.mean(quantised != theirs) < 0.02
        assert np.abs(quantised - theirs).max() <= 1


def test_zigzag_and_ijg_tables():
    assert ZIGZAG[:10].tolist() == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24]
    assert sorted(ZIGZAG.tolist()) == list(range(64))
    assert scaled_table(LUMA_BASE, 50)[0, 0] == 16
    assert scaled_table(LUMA_BASE, 100).max() == 1
    assert scaled_table(LUMA_BASE, 1).max() == 255
