import math

import pytest

from roicodec.errors import OptionError
from roicodec.ratecontrol import bpp_to_bytes, fit_to_size, parse_size


def exponential_encoder(scale=1000.0, rate=0.04, calls=None):
    """A stand-in for file size as a function of the knob: smooth and increasing, like JPEG's."""

    def encode(knob: float) -> bytes:
        if calls is not None:
            calls.append(knob)
        return b"x" * int(scale * math.exp(rate * knob))

    return encode


@pytest.mark.parametrize("target", [1500, 5000, 20000, 45000])
def test_fits_from_below_within_one_percent(target):
    result = fit_to_size(exponential_encoder(), target, 0.0, 100.0, start=50.0)
    assert target * 0.99 <= len(result.data) <= target
    assert result.encodes <= 10


def test_integer_knob_gives_the_largest_that_fits():
    calls = []
    result = fit_to_size(exponential_encoder(calls=calls), 5000, 1, 100, integer=True)
    assert all(float(k).is_integer() for k in calls)
    k = result.knob
    assert len(result.data) <= 5000 < int(1000 * math.exp(0.04 * (k + 1)))


def test_target_above_the_highest_setting_returns_the_highest():
    result = fit_to_size(exponential_encoder(), 10**9, 0.0, 100.0)
    assert result.knob == 100.0


def test_target_below_the_smallest_output_is_a_clear_error():
    with pytest.raises(OptionError, match="below the smallest output"):
        fit_to_size(exponential_encoder(), 500, 0.0, 100.0)


def test_a_non_monotone_step_does_not_break_the_search():
    def bumpy(knob: float) -> bytes:
        size = 1000 * math.exp(0.04 * knob) * (1.0 + 0.004 * math.sin(knob * 7))
        return b"x" * int(size)

    result = fit_to_size(bumpy, 12000, 0.0, 100.0, start=10.0)
    assert 12000 * 0.99 <= len(result.data) <= 12000


@pytest.mark.parametrize(
    "text, expected",
    [("40KB", 40000), ("40 kB", 40000), ("1.5MB", 1500000), ("38KiB", 38912), ("40000", 40000), ("900b", 900)],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "KB", "-4KB", "4 parsecs", "0.1"])
def test_parse_size_rejects_nonsense(text):
    with pytest.raises(OptionError):
        parse_size(text)


def test_bpp_to_bytes():
    assert bpp_to_bytes(0.5, 512, 768) == 24576
    with pytest.raises(OptionError):
        bpp_to_bytes(0, 10, 10)
