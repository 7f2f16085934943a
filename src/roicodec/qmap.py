"""Importance map -> quality plan: one codec quality (1-100, fractional allowed) per 8x8 block.

Every plan is a pure function of the map (and, for the entropy boost, of the image), monotone in the
map, and bounded by the qualities it is given. Rate control then moves a plan up or down as a whole
(a global offset), which keeps its shape. A quality of 0 means "cut out": the pixels are replaced by
a flat fill before encoding (see :func:`cutout_mask`).
"""

from __future__ import annotations

import numpy as np

from . import resample
from .errors import OptionError

BLOCK = 8
PLANS = ("auto", "linear", "quantile", "two-level")
#: A map is "sharp" (a mask: boxes, faces, a user's own map) when fewer than this fraction of its
#: blocks lie strictly between 0.1 and 0.9. Measured on Kodak: the blurred subject boxes have
#: 0.11-0.21 of their blocks there, the network's maps 0.50-0.97.
SHARP_MAP_MIDDLE = 0.35
MIN_QUALITY, MAX_QUALITY = 1.0, 100.0


def block_means(values: np.ndarray, block: int = BLOCK, size: tuple[int, int] | None = None,
                at_least: float | None = None) -> np.ndarray:
    """Mean of an (H, W) array over each block; partial edge blocks average their own pixels.

    ``size``: the means of ``values`` resized (bilinear) to that size, without building the resized
    array (a map made at its working size, for a picture of ``size``). ``at_least``: the means of
    ``values >= at_least`` instead (a mask's share of each block). A band of rows at a time, so the
    float64 sums stay small whatever the picture's size.
    """
    if size is not None and tuple(size) == values.shape:
        size = None
    height, width = values.shape if size is None else size
    rows, cols = -(-height // block), -(-width // block)
    sums = np.empty((rows, cols), dtype=np.float64)
    step = resample.band_rows(height, width, multiple=block)
    for start in range(0, height, step):
        stop = min(height, start + step)
        band = values[start:stop] if size is None else resample.bilinear_rows(values, height, width, start, stop)
        if at_least is not None:
            band = band >= at_least
        band_blocks = -(-(stop - start) // block)
        padded = np.zeros((band_blocks * block, cols * block), dtype=np.float64)
        padded[: stop - start, :width] = band
        sums[start // block:start // block + band_blocks] = padded.reshape(band_blocks, block, cols, block).sum(axis=(1, 3))
    return sums / block_pixel_counts((height, width), block)


def block_pixel_counts(shape: tuple[int, int], block: int = BLOCK) -> np.ndarray:
    """How many image pixels each block covers (edge blocks cover fewer)."""
    height, width = shape
    rows, cols = -(-height // block), -(-width // block)
    row_counts = np.minimum(block, height - np.arange(rows) * block)
    col_counts = np.minimum(block, width - np.arange(cols) * block)
    return np.outer(row_counts, col_counts).astype(np.float64)


def _check_range(q_low: float, q_high: float) -> None:
    if not (0 <= q_low <= q_high <= MAX_QUALITY):
        raise OptionError(
            f"need 0 <= background quality <= ROI quality <= 100, got {q_low:g} and {q_high:g}"
        )


def linear(importance: np.ndarray, q_low: float, q_high: float) -> np.ndarray:
    """The study's linear plan: Q = Q_start + p * range."""
    _check_range(q_low, q_high)
    return q_low + np.clip(importance, 0.0, 1.0) * (q_high - q_low)


def quantile_levels(importance: np.ndarray, q_low: float, q_high: float, levels: int = 5) -> np.ndarray:
    """``levels`` equal-population steps: with 5 levels, cuts at the 20/40/60/80th percentiles."""
    _check_range(q_low, q_high)
    if levels < 2:
        raise OptionError(f"a quantile plan needs at least 2 levels, got {levels}")
    cuts = np.percentile(importance, np.linspace(0, 100, levels + 1)[1:-1])
    # Ties go down: where a cut falls inside a run of equal values (a flat, all-zero background),
    # those blocks stay at the lower level instead of jumping over several levels at once.
    level = np.searchsorted(cuts, importance, side="left")
    return q_low + level / (levels - 1) * (q_high - q_low)


def two_level(importance: np.ndarray, q_background: float, q_roi: float, threshold: float = 0.5) -> np.ndarray:
    """Object/background: ``q_roi`` where the map reaches ``threshold``, ``q_background`` elsewhere."""
    _check_range(q_background, q_roi)
    _check_threshold(threshold)
    return np.where(importance >= threshold, float(q_roi), float(q_background))


def is_sharp(importance_blocks: np.ndarray) -> bool:
    """Whether a map already separates object from background (see SHARP_MAP_MIDDLE)."""
    middle = (importance_blocks > 0.1) & (importance_blocks < 0.9)
    return float(middle.mean()) < SHARP_MAP_MIDDLE


def _check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:  # NaN fails too
        raise OptionError(f"threshold must be in [0, 1], got {threshold:g}")


def make_plan(kind: str, importance_blocks: np.ndarray, q_low: float, q_high: float, threshold: float = 0.5):
    """Dispatch by name; ``importance_blocks`` is the map averaged per block.

    ``auto``: a sharp map gets the two-level plan (it already says object or background), a diffuse
    one the quantile plan (it only ranks the blocks). Measured: on the boxes maps two-level keeps
    0.5-1 dB more subject at equal size than quantile; on the network's maps quantile keeps up to
    1.1 dB more (BENCHMARKS.md, codecs). The pipeline uses it for maps the caller brings; the
    network's maps always get the quantile plan (Eigen-CAM's can look sharp by this rule).
    """
    _check_threshold(threshold)  # whatever the plan: a bad value is a mistake even where it is unused
    if kind == "auto":
        kind = "two-level" if is_sharp(importance_blocks) else "quantile"
    if kind == "linear":
        return linear(importance_blocks, q_low, q_high)
    if kind == "quantile":
        return quantile_levels(importance_blocks, q_low, q_high)
    if kind == "two-level":
        return two_level(importance_blocks, q_low, q_high, threshold)
    raise OptionError(f"unknown plan {kind!r}; available: {', '.join(PLANS)}")


def block_entropy(luma: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Shannon entropy (bits) of the 8-bit grey levels inside each block: high on edges and texture."""
    height, width = luma.shape
    padded = np.pad(luma, ((0, -height % block), (0, -width % block)), mode="edge")
    rows, cols = padded.shape[0] // block, padded.shape[1] // block
    tiles = padded.reshape(rows, block, cols, block).swapaxes(1, 2).reshape(rows * cols, block * block)
    tiles = np.sort(tiles, axis=1)
    # Run lengths of equal values in each sorted tile give the histogram without a 256-bin array.
    starts = np.concatenate([np.ones((tiles.shape[0], 1), bool), tiles[:, 1:] != tiles[:, :-1]], axis=1)
    run_id = np.cumsum(starts, axis=1) - 1
    counts = np.zeros(tiles.shape, dtype=np.float64)
    np.put_along_axis(counts, run_id, 0, axis=1)
    np.add.at(counts, (np.arange(tiles.shape[0])[:, None], run_id), 1.0)
    p = counts / tiles.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    return entropy.reshape(rows, cols)


def entropy_boost(plan: np.ndarray, entropy: np.ndarray, boost: float, fraction: float = 0.1) -> np.ndarray:
    """Add ``boost`` quality to the ``fraction`` of blocks with the highest entropy, so edges survive."""
    if not 0 <= boost <= MAX_QUALITY:  # NaN fails too
        raise OptionError(f"entropy boost must be between 0 and {MAX_QUALITY:g}, got {boost:g}")
    if not 0.0 < fraction <= 1.0:
        raise OptionError(f"entropy-boost fraction must be in (0, 1], got {fraction:g}")
    if boost == 0:
        return plan
    cut = np.quantile(entropy, 1.0 - fraction)
    return np.minimum(plan + np.where(entropy >= cut, boost, 0.0), MAX_QUALITY)


def shifted(plan: np.ndarray, offset: float) -> np.ndarray:
    """The plan moved by ``offset``, clipped to valid qualities; cut-out blocks (0) stay cut out."""
    moved = np.clip(plan + offset, MIN_QUALITY, MAX_QUALITY)
    return np.where(plan <= 0, 0.0, moved)


def step_shifted(plan: np.ndarray, stops: float) -> np.ndarray:
    """The plan moved by ``stops`` powers of two of the quantiser step, keeping its step ratios.

    Each block's libjpeg scale (its steps relative to the base table) is multiplied by 2**-stops
    (finer for stops > 0). Moving qualities by a constant instead (:func:`shifted`) squeezes the
    coarse end against quality 1 at low rates: a plan 50 qualities wide asks for 4x coarser steps at
    q30-q80 but 50x at q1-q50, and SSIMULACRA2 showed that as blocks everywhere outside the subject.
    A constant ratio is what x264's ROI offsets keep (a QP offset is a step ratio); cut-out blocks
    (0) stay cut out.
    """
    from .codecs.jpeg_tables import quality_for_scale, quality_scale

    # libjpeg's scale at quality 100 is 0 (every step 1): ratios are taken from a scale of 1 up.
    moved = quality_for_scale(np.maximum(quality_scale(plan), 1.0) * 2.0 ** (-stops))
    return np.where(plan <= 0, 0.0, moved)


#: Knob range of :func:`step_shifted` that spans every quality from any plan: log2(5000 / 1).
STEP_STOPS_SPAN = 12.3


def mean_quality(plan: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Pixel-weighted mean quality of a plan."""
    return float(np.average(plan, weights=weights))


def shift_to_mean(plan: np.ndarray, target: float, weights: np.ndarray | None = None,
                  move=shifted) -> np.ndarray:
    """Move the plan so that its pixel-weighted mean quality equals ``target`` (clipping included).

    ``move(plan, knob)`` is :func:`shifted` (qualities move by a constant) or :func:`step_shifted`
    (steps move by a ratio). The mean of the moved plan is monotone in the knob, so bisection finds
    it exactly; when clipping makes the target unreachable the nearest reachable plan is returned.
    """
    if not MIN_QUALITY <= target <= MAX_QUALITY:
        raise OptionError(f"quality must be between 1 and 100, got {target:g}")
    if move is step_shifted:
        low, high = -STEP_STOPS_SPAN, STEP_STOPS_SPAN
    else:
        low, high = -MAX_QUALITY - float(np.max(plan)), MAX_QUALITY - float(np.min(plan))
    for _ in range(60):
        middle = 0.5 * (low + high)
        if mean_quality(move(plan, middle), weights) < target:
            low = middle
        else:
            high = middle
    return move(plan, 0.5 * (low + high))


def cutout_mask(plan: np.ndarray) -> np.ndarray:
    """Blocks whose quality is 0: replaced by a flat fill rather than encoded."""
    return plan <= 0
