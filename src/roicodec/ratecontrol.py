"""Hit a target file size: the largest output that fits, found by searching one scalar knob.

The knob is a global offset added to the quality plan (so the plan keeps its shape) or, for a uniform
encode, the integer quality. File size grows with the knob; the search brackets the target and
narrows the bracket by false position (Illinois variant), which needs far fewer encodes than plain
bisection because size is smooth in the offset, and falls back to bisection when it stalls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .errors import OptionError, TargetTooSmall

#: Stop once the output is within this fraction below the target ("equal size" in docs/DESIGN.md is 1 %).
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class RateResult:
    """The encode that was kept and how the search got there."""

    data: bytes
    knob: float
    encodes: int
    target_bytes: int
    slope: float | None = None  # d log(bytes) / d knob as last measured outside the bracket


def parse_size(text: str) -> int:
    """'40KB', '40 kB', '1.5MB', '40000', '38KiB' -> bytes (kB = 1000 bytes, KiB = 1024)."""
    units = {"": 1, "b": 1, "kb": 1000, "k": 1000, "mb": 1000**2, "m": 1000**2,
             "kib": 1024, "mib": 1024**2}
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("kmgib")
    unit = cleaned[len(number):]
    try:
        value = float(number) * units[unit]
    except (ValueError, KeyError):
        raise OptionError(f"cannot read size {text!r}; write e.g. 40KB, 1.5MB, 38KiB or 40000") from None
    if not math.isfinite(value) or value < 1:
        raise OptionError(f"target size must be at least 1 byte, got {text!r}")
    return int(value)


def bpp_to_bytes(bpp: float, height: int, width: int) -> int:
    """Bits per pixel -> a byte budget for an image of this size."""
    if not (math.isfinite(bpp) and bpp > 0):
        raise OptionError(f"target bpp must be a positive number, got {bpp}")
    return max(1, int(bpp * height * width / 8))


def fit_to_size(
    encode: Callable[[float], bytes],
    target_bytes: int,
    low: float,
    high: float,
    *,
    start: float | None = None,
    integer: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
    max_encodes: int = 24,
    initial_slope: float | None = None,
    overshoot: float | None = None,
    min_bracket: float | None = None,
    known: dict[float, bytes] | None = None,
    stretch: float = 0.0,
) -> RateResult:
    """The largest ``encode(knob)`` with ``len <= target_bytes``, knob in [low, high].

    File size is close to exponential in JPEG quality, so the search works on log(size): secant steps
    from ``start`` until the target is bracketed, then false position (Illinois). It stops when the
    size lies in [target * (1 - tolerance), target], when the bracket is exhausted (integers) or after
    ``max_encodes``. ``initial_slope``: the expected d log(bytes) / d knob before two encodes measure
    it (default: that of JPEG quality). ``overshoot``: how far past the secant's guess a step goes, so
    the next encode brackets the target (default: 1 for integers, 0.25 otherwise, in knob units).
    ``min_bracket``: stop once the bracket is this narrow (a jump in size the knob cannot cross; default
    1e-3). ``known``: encodes already made (knob -> bytes), not counted as this search's.
    ``stretch``: before the target is bracketed, each secant step goes this fraction of itself further
    (for sizes that flatten along the knob). Raises :class:`OptionError` if even ``low`` gives too big
    a file.
    """
    if target_bytes < 1:
        raise OptionError(f"target size must be at least 1 byte, got {target_bytes}")
    snap = (lambda k: float(round(k))) if integer else float
    aim = math.log(target_bytes * (1.0 - tolerance / 2.0))
    floor = target_bytes * (1.0 - tolerance)
    tried: dict[float, bytes] = {} if known is None else {snap(k): v for k, v in known.items()}
    reused = len(tried)
    step_past = (1.0 if integer else 0.25) if overshoot is None else overshoot
    narrowest = (1 if integer else 1e-3) if min_bracket is None else min_bracket

    def size_at(knob: float) -> float:
        knob = snap(min(max(knob, low), high))
        if knob not in tried:
            tried[knob] = encode(knob)
        return knob

    def log_size(knob: float) -> float:
        return math.log(max(1, len(tried[knob])))

    lo = hi = None  # best knob that fits, smallest knob that does not
    knob = size_at(0.5 * (low + high) if start is None else start)
    slope = _INITIAL_LOG_SLOPE if initial_slope is None else initial_slope
    previous = None
    side = 0
    while len(tried) - reused < max_encodes:
        fits = len(tried[knob]) <= target_bytes
        if fits and (lo is None or knob > lo):
            lo = knob
        if not fits and (hi is None or knob < hi):
            hi = knob
        if lo is not None and len(tried[lo]) >= floor:
            break
        if lo is not None and hi is not None and hi - lo <= narrowest:
            break
        if lo is None and knob <= low:
            raise TargetTooSmall(
                f"target of {target_bytes} bytes is below the smallest output this method can make "
                f"({len(tried[knob])} bytes); raise the target or lower the background quality"
            )
        if hi is None and knob >= high:
            break  # even the highest setting fits
        if lo is not None and hi is not None:
            # False position on log size inside the bracket, Illinois-weighted against a stuck end.
            a = (aim - log_size(lo)) * (0.5 if side == -1 else 1.0)
            b = (log_size(hi) - aim) * (0.5 if side == 1 else 1.0)
            guess = lo + (hi - lo) * a / (a + b) if a > 0 and b > 0 else 0.5 * (lo + hi)
            margin = (1.0 if integer else 0.02 * (hi - lo))
            guess = min(max(guess, lo + margin), hi - margin)
            side = 1 if fits else -1
        else:
            # Not bracketed yet: a secant step, with the slope measured once two points exist.
            if previous is not None and previous != knob:
                measured = (log_size(knob) - log_size(previous)) / (knob - previous)
                if measured > 1e-6:
                    slope = measured
            step = (aim - log_size(knob)) / slope
            # Always overshoot a little (the next encode then brackets the target), more after a long
            # step: sizes flatten towards low rates, so a secant step from far away falls short.
            guess = knob + step + (1.0 if fits else -1.0) * max(step_past, stretch * abs(step))
        previous = knob
        knob = size_at(guess)
        if knob == previous:
            break
    if lo is None:
        raise TargetTooSmall(
            f"target of {target_bytes} bytes is below the smallest output this method can make "
            f"({min(len(d) for d in tried.values())} bytes); raise the target or lower the background quality"
        )
    return RateResult(tried[lo], lo, len(tried) - reused, target_bytes, slope)


#: d log(bytes) / d quality near the middle of the range, measured on Kodak (about 3 % per step).
_INITIAL_LOG_SLOPE = 0.03
