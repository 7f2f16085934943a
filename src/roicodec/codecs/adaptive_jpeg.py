"""Adaptive JPEG: one standard baseline JPEG whose 8x8 blocks carry different effective quality.

Baseline JPEG has one quantisation table per component, so per-block quality cannot come from the
tables. The file is written with the table of the finest quality the plan asks for (capped, see
:func:`fine_quality`): jpegli's table by default (measured better than the IJG one, BENCHMARKS.md),
and each block is then quantised by rate-distortion optimisation with a
Lagrange multiplier that follows the plan, lambda = c * step(Q_block)^2: each coefficient takes the
cheapest of its fine value, a coarse multiple of the fine step, or zero, and each block ends early
where its tail is not worth its bits (the thresholding of Ramchandran & Vetterli, "Rate-distortion
optimal fast thresholding with complete JPEG/MPEG decoder compatibility", 1994). The lowest
frequencies' distortion counts double, so a coarse block keeps its gradients rather than turning
into a flat tile (blocking is what people see first). A cold block thus
keeps few coefficients instead of every coefficient inflated to a coarse multiple of the fine step
(plain requantisation, which docs/DESIGN.md measured as costly).

No maintained library does rate-distortion quantisation with a spatially varying multiplier on top
of a standard encoder (mozjpeg's trellis takes one global lambda), hence the hand-written numpy
below; libjpeg (through jpeglib) still writes the file with optimised Huffman tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from dataclasses import dataclass

import jpeglib
import numpy as np

from ..errors import OptionError
from . import jpegli
from .jpeg_dct import JpegPlanes, analyse
from .jpeg_tables import CHROMA_BASE, LUMA_BASE, ZIGZAG, quality_scale, scaled_table

# Rate model for one non-zero AC coefficient: its magnitude bits plus a Huffman symbol whose length
# grows with the zero run before it and with the magnitude category (fitted by eye to the Annex K
# tables; only relative costs matter for the decisions).
SYMBOL_BITS_BASE = 1.5
SYMBOL_BITS_PER_RUN = 0.8
SYMBOL_BITS_PER_SIZE = 1.0
ZRL_BITS = 11.0  # one ZRL symbol per 16 zeros in a run

#: Lagrange multiplier per squared step of the block's target table: lambda = c * step^2.
#: 0.1 measured best with jpegli's tables by SSIMULACRA2 at equal size (0.03 was best by PSNR).
DEFAULT_LAMBDA_SCALE = 0.1
#: 2 against 1, by SSIMULACRA2 at equal size (BENCHMARKS.md, perceptual): the whole picture +1.1 to
#: +2.2 points for 0.3-0.9 points of subject, and fewer flat 8x8 tiles in smooth backgrounds; 4 and 8
#: gave no more on the first 10 images tried.
DEFAULT_LOW_FREQUENCY_WEIGHT = 2.0
#: Where the file's quantisation tables come from: jpegli's (default) or the IJG's (libjpeg's).
TABLES = ("jpegli", "ijg")


@dataclass(frozen=True)
class AdaptiveJpegSettings:
    """Knobs of the adaptive encoder; the defaults are the measured best (see BENCHMARKS.md)."""

    lambda_scale: float = DEFAULT_LAMBDA_SCALE
    #: Weight of chroma distortion against luma in the rate-distortion choices (1 = as luma).
    chroma_distortion_weight: float = 1.0
    progressive: bool = False
    #: "rdo": rate-distortion optimised quantisation (default); "requantise": round each coefficient to the
    #: nearest whole multiple of the fine step that approximates the block's own step (the first
    #: prototype, kept to measure against).
    quantiser: str = "rdo"
    #: Highest quality of the file's table unless nearly every block asks for more (see
    #: :func:`fine_quality`). Above ~95 the steps shrink to 1-2, every block coarser than the table
    #: pays extra magnitude bits on each coefficient, and the planned blocks themselves cost about
    #: twice as much for little visible gain.
    max_fine_quality: float = 95.0
    #: "jpegli": the file carries jpegli's table for the fine quality; "ijg": libjpeg's (the first design).
    tables: str = "jpegli"
    #: Weight of the distortion of the lowest AC coefficients (the first LOW_FREQUENCIES in zigzag
    #: order) against the others: above 1, a coarse block keeps its gentle gradients instead of
    #: turning into a flat 8x8 tile, which is what people see as blocking.
    low_frequency_weight: float = DEFAULT_LOW_FREQUENCY_WEIGHT

    def __post_init__(self):
        if self.tables not in TABLES:
            raise OptionError(f"unknown tables {self.tables!r}; available: {', '.join(TABLES)}")
        if self.quantiser not in QUANTISERS:
            raise OptionError(f"unknown quantiser {self.quantiser!r}; available: {', '.join(QUANTISERS)}")
        if not 1 <= self.max_fine_quality <= 100:
            raise OptionError(f"max fine quality must be in [1, 100], got {self.max_fine_quality}")
        if not self.lambda_scale >= 0:
            raise OptionError(f"lambda scale must be >= 0, got {self.lambda_scale}")


QUANTISERS = ("rdo", "requantise")
#: Pictures up to this size keep their coefficients between encodes; larger ones are coded in bands.
CACHED_PIXELS = 8_000_000
#: Pixels per band above CACHED_PIXELS.
BAND_PIXELS = 1_000_000
#: Tables whose quantisers are kept (rate control moves the table at almost every encode, then holds it).
CACHED_TABLES = 2
#: The AC coefficients ``low_frequency_weight`` applies to: zigzag 1-5, the two lowest diagonals.
LOW_FREQUENCIES = 5


def _bit_length(values: np.ndarray) -> np.ndarray:
    """JPEG magnitude category: number of bits of |v| (0 for 0)."""
    _, exponent = np.frexp(np.abs(values))
    return exponent.astype(np.float32)


def _symbol_bits(run: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Estimated bits of one non-zero AC coefficient: Huffman symbol (with ZRLs) plus magnitude bits."""
    zrl = np.floor_divide(run, 16)
    return (
        SYMBOL_BITS_BASE
        + SYMBOL_BITS_PER_RUN * (run - 16 * zrl)
        + (SYMBOL_BITS_PER_SIZE + 1.0) * size
        + ZRL_BITS * zrl
    )


class _ComponentQuantiser:
    """Everything about one component's blocks that does not depend on the plan.

    Only coefficients that are non-zero at the fine step can be kept, coarsened or dropped, so the
    work is done on those alone, as flat arrays in block order (a few percent of all coefficients
    at usual qualities).
    """

    def __init__(self, coefficients: np.ndarray, fine_step: np.ndarray, distortion_weight: float):
        zigzag = coefficients.reshape(-1, 64)[:, ZIGZAG]
        self.shape = coefficients.shape
        self.quantised = np.rint(zigzag / fine_step).astype(np.int16)
        self.fine_step = fine_step.astype(np.float32)
        self.true_ac = zigzag[:, 1:].astype(np.float32)
        self.weight = np.float32(distortion_weight)
        block, position = np.nonzero(self.quantised[:, 1:])  # row-major: sorted by block, then position
        self.block, self.position = block, position
        self.value = self.quantised[block, position + 1].astype(np.float32)
        self.true_value = self.true_ac[block, position]
        self.step = self.fine_step[1:][position]

    def threshold(self, lagrange: np.ndarray, target_step: np.ndarray) -> np.ndarray:
        """Rate-distortion optimised quantisation for a (N, 63) multiplier and target step per coefficient.

        Pass 1 gives each coefficient the cheapest of three choices in D + lambda R: its fine value,
        the nearest whole multiple m of the fine step with m ~ target / fine step (what a block
        planned for that step would hold, at the price of log2(m) extra magnitude bits), or zero.
        Pass 2, with the true zero runs, ends each block early (EOB) where the whole tail is not
        worth its bits.
        """
        lam = lagrange[self.block, self.position]
        multiple = np.maximum(np.float32(1), np.rint(target_step[self.block, self.position] / self.step))
        coarse = multiple * np.rint(self.true_value / (multiple * self.step))
        zero_run = np.zeros_like(self.value)
        cost_zero = self.weight * self.true_value**2
        cost_fine = self.weight * (self.true_value - self.step * self.value) ** 2 + lam * _symbol_bits(
            zero_run, _bit_length(self.value))
        cost_coarse = np.where(
            coarse != 0,
            self.weight * (self.true_value - self.step * coarse) ** 2 + lam * _symbol_bits(zero_run, _bit_length(coarse)),
            cost_zero,
        )
        chosen = np.where(cost_coarse < cost_fine, coarse, self.value)
        chosen_cost = np.minimum(cost_coarse, cost_fine)
        kept = np.flatnonzero((chosen != 0) & (chosen_cost < cost_zero))
        value = chosen[kept]
        size = _bit_length(value)
        distortion_saved = cost_zero[kept] - self.weight * (self.true_value[kept] - self.step[kept] * value) ** 2
        block, position = self.block[kept], self.position[kept]
        # Zero run before each kept coefficient, counted from the previous kept one of its block.
        first = np.ones(len(kept), dtype=bool)
        first[1:] = block[1:] != block[:-1]
        previous = np.empty_like(position)
        previous[0:1] = -1
        previous[1:] = position[:-1]
        previous[first] = -1
        bits = _symbol_bits((position - previous - 1).astype(np.float32), size)
        gain = lam[kept] * bits - distortion_saved  # what dropping each one alone gains
        # Gain of dropping a coefficient and everything after it in its block (an earlier EOB): a sum
        # within each block alone (a block's at most 63 entries as one row), so a block's choice does
        # not depend on the rounding of sums over the blocks before it (bands give the same bytes).
        starts = np.flatnonzero(first)
        group = np.cumsum(first) - 1
        in_block = np.arange(len(kept)) - starts[group]
        rows = np.zeros((len(starts), 63), dtype=gain.dtype)
        rows[group, in_block] = gain
        tail = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1][group, in_block]
        best = np.maximum.reduceat(tail, starts) if len(kept) else tail
        is_cut = (tail >= best[group]) & (best[group] > 0)
        index = np.arange(len(kept))
        first_cut = np.minimum.reduceat(np.where(is_cut, index, len(kept)), starts) if len(kept) else index
        survive = index < first_cut[group]

        out = self.quantised.copy()
        out[:, 1:] = 0
        out[block[survive], position[survive] + 1] = value[survive].astype(np.int16)
        return self._natural(out)

    def requantise(self, target_step: np.ndarray) -> np.ndarray:
        """Each AC coefficient rounded to a whole multiple m of the fine step, m ~ target / fine step."""
        out = self.quantised.copy()
        multiple = np.maximum(1.0, np.rint(target_step / self.fine_step[1:]))
        out[:, 1:] = (multiple * np.rint(self.true_ac / (multiple * self.fine_step[1:]))).astype(np.int16)
        return self._natural(out)

    def _natural(self, out: np.ndarray) -> np.ndarray:
        natural = np.empty_like(out)
        natural[:, ZIGZAG] = out
        return natural.reshape(self.shape)


def _fit_grid(values: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Pad (edge) or crop a per-block array to the coefficient grid's shape."""
    values = values[:rows, :cols]
    return np.pad(values, ((0, rows - values.shape[0]), (0, cols - values.shape[1])), mode="edge")


def _chroma_quality(luma_quality: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Quality of each 4:2:0 chroma block: the mean over the 2x2 luma blocks it covers."""
    padded = _fit_grid(luma_quality, rows * 2, cols * 2)
    return padded.reshape(rows, 2, cols, 2).mean(axis=(1, 3))


def fine_quality(block_quality: np.ndarray, max_fine_quality: float = 100.0) -> float:
    """The quality of the table written to the file (fractional).

    The finest quality any block asks for, but not above ``max_fine_quality`` unless 90 % of the
    blocks ask for more (then the plan is near-uniform and high, and the table follows it).
    Blocks planned above the table's quality get the table's quality.
    """
    highest = float(np.clip(np.max(block_quality), 1.0, 100.0))
    return min(highest, max(max_fine_quality, float(np.percentile(block_quality, 10))))


class AdaptiveJpegEncoder:
    """Encodes one image many times with different plans (rate control), reusing what it can.

    Up to CACHED_PIXELS the coefficients and each table's quantisers are kept between encodes (1.9 GB
    at 81 megapixels when every picture was kept whole). A larger picture is coded in bands of about BAND_PIXELS, each analysed again
    at every encode: slower, but the memory no longer grows with the picture (the file's own int16
    coefficients, 3 bytes a pixel, are all that is whole). Both give the same bytes.
    """

    def __init__(self, rgb: np.ndarray, settings: AdaptiveJpegSettings = AdaptiveJpegSettings(),
                 planes: JpegPlanes | None = None, band_pixels: int | None = None):
        self.settings = settings
        self.rgb = rgb
        self.height, self.width = rgb.shape[:2]
        whole = planes is not None or (band_pixels is None and self.height * self.width <= CACHED_PIXELS)
        if whole:
            self.bands = [(0, self.height)]
        else:
            rows = max(16, (band_pixels or BAND_PIXELS) // max(1, self.width) // 16 * 16)
            self.bands = [(start, min(self.height, start + rows)) for start in range(0, self.height, rows)]
        self._planes = (planes if planes is not None else analyse(rgb)) if whole else None
        self._quantisers: OrderedDict[bytes, list[_ComponentQuantiser]] = OrderedDict()

    def _band_components(self, band: tuple[int, int], tables: np.ndarray) -> list[_ComponentQuantiser]:
        """The three components' quantisers of one band for these tables (kept for the last few tables
        when the whole picture is one band)."""
        key = tables.tobytes()
        if self._planes is not None and key in self._quantisers:
            self._quantisers.move_to_end(key)
            return self._quantisers[key]
        planes = self._planes if self._planes is not None else analyse(self.rgb, *band)
        weight = self.settings.chroma_distortion_weight
        luma_step = tables[0].astype(np.float64).reshape(64)[ZIGZAG]
        chroma_step = tables[1].astype(np.float64).reshape(64)[ZIGZAG]
        components = [
            _ComponentQuantiser(planes.y, luma_step, 1.0),
            _ComponentQuantiser(planes.cb, chroma_step, weight),
            _ComponentQuantiser(planes.cr, chroma_step, weight),
        ]
        if self._planes is not None:
            self._quantisers[key] = components
            while len(self._quantisers) > CACHED_TABLES:
                self._quantisers.popitem(last=False)
        return components

    def quantise(self, block_quality: np.ndarray, table_quality: float | None = None
                 ) -> tuple[list[np.ndarray], np.ndarray]:
        """Quantised (Y, Cb, Cr) int16 coefficient arrays and the two tables for a per-block plan.

        ``table_quality``: the quality of the file's table; None lets it follow the plan
        (:func:`fine_quality`). Holding it fixed makes the size a smooth function of the plan
        (rate control needs that where a table entry of 2 turning 1 jumps the size by 5 %).
        """
        block_quality = np.asarray(block_quality, dtype=np.float64)
        q_fine = fine_quality(block_quality, self.settings.max_fine_quality) if table_quality is None else table_quality
        if self.settings.tables == "jpegli":
            tables = jpegli.quantisation_tables(q_fine)
            # A block planned at quality q gets the file's steps scaled as libjpeg scales quality:
            # step(q) = table(q_fine) * scale(q) / scale(q_fine); so the plan's ratios keep their meaning.
            per_percent = tables / max(float(quality_scale(q_fine)), 1.0)
            bases = (per_percent[0], per_percent[1], per_percent[1])
        else:
            tables = np.stack([scaled_table(LUMA_BASE, q_fine), scaled_table(CHROMA_BASE, q_fine)])
            bases = (LUMA_BASE / 100.0, CHROMA_BASE / 100.0, CHROMA_BASE / 100.0)
        rows, cols = -(-self.height // 8), -(-self.width // 8)
        chroma_rows, chroma_cols = -(-self.height // 16), -(-self.width // 16)
        luma_quality = _fit_grid(block_quality, rows, cols)
        chroma_quality = _chroma_quality(block_quality, chroma_rows, chroma_cols)
        out = [np.empty((rows, cols, 8, 8), np.int16),
               np.empty((chroma_rows, chroma_cols, 8, 8), np.int16),
               np.empty((chroma_rows, chroma_cols, 8, 8), np.int16)]
        for band in self.bands:
            components = self._band_components(band, tables)
            for component, base, quality, whole, per_row in zip(
                    components, bases, (luma_quality, chroma_quality, chroma_quality), out, (8, 16, 16)):
                first = band[0] // per_row
                band_rows = component.shape[0]
                quality = quality[first:first + band_rows]
                scale = quality_scale(quality).reshape(-1, 1).astype(np.float32)
                target_step = np.clip(base.reshape(64)[ZIGZAG][1:].astype(np.float32) * scale, 1.0, 255.0)
                if self.settings.quantiser == "requantise":
                    whole[first:first + band_rows] = component.requantise(target_step)
                    continue
                lagrange = np.float32(self.settings.lambda_scale) * target_step**2
                if self.settings.low_frequency_weight != 1.0:
                    # Weighting a coefficient's distortion by w is dividing its multiplier by w.
                    lagrange[:, :LOW_FREQUENCIES] /= np.float32(self.settings.low_frequency_weight)
                whole[first:first + band_rows] = component.threshold(lagrange, target_step)
        return out, tables

    def encode(self, block_quality: np.ndarray, table_quality: float | None = None) -> bytes:
        (y, cb, cr), tables = self.quantise(block_quality, table_quality)
        return write_jpeg(y, cb, cr, tables, self.settings.progressive, self.height, self.width)


class _HandedOver(np.ndarray):
    """int16 coefficients that jpeglib reads in place: its ``write_dct`` calls ``astype(np.int16)`` on
    each component, which copies even when the type already matches, and with libjpeg's own copy
    that put three copies of the coefficients (9 bytes a pixel) in memory at once."""

    def astype(self, dtype, *args, **kwargs):
        if not args and not kwargs and np.dtype(dtype) == self.dtype:
            return self.view(np.ndarray)
        return super().astype(dtype, *args, **kwargs)


def write_jpeg(y: np.ndarray, cb: np.ndarray, cr: np.ndarray, tables: np.ndarray, progressive: bool,
               height: int, width: int) -> bytes:
    """Let libjpeg write the coefficients as a standard file with optimised Huffman tables."""
    y, cb, cr = (np.ascontiguousarray(plane, dtype=np.int16).view(_HandedOver) for plane in (y, cb, cr))
    jpeg = jpeglib.from_dct(Y=y, Cb=cb, Cr=cr, qt=tables)
    # from_dct guesses the size and the sampling from the array shapes, which is wrong for edge blocks.
    jpeg.height, jpeg.width = height, width
    jpeg.samp_factor = np.array([[2, 2], [1, 1], [1, 1]], dtype=np.int32)  # 4:2:0
    handle, path = tempfile.mkstemp(suffix=".jpg", prefix="roicodec-")
    os.close(handle)
    try:
        jpeg.write_dct(path, flags=["+OPTIMIZE_CODING"])
        with open(path, "rb") as f:
            data = f.read()
    finally:
        os.remove(path)
    return make_progressive(data) if progressive else data


def make_progressive(data: bytes) -> bytes:
    """Lossless baseline -> progressive rewrite with libjpeg's own ``jpegtran``.

    jpeglib writes coefficients only as baseline scans and Pillow cannot re-scan without re-encoding,
    so the standard tool does it; the coefficients (and so the pixels) stay exactly the same.
    """
    tool = shutil.which("jpegtran")
    if tool is None:
        raise OptionError(
            "a progressive adaptive JPEG needs the jpegtran tool (Debian/Ubuntu: apt-get install "
            "libjpeg-turbo-progs); or leave out --progressive"
        )
    done = subprocess.run([tool, "-progressive", "-optimize", "-copy", "all"], input=data,
                          capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"\xff\xd8"):
        raise OptionError(f"jpegtran failed: {done.stderr.decode(errors='replace').strip()[:200]}")
    return done.stdout


def encode_adaptive(
    rgb: np.ndarray,
    block_quality: np.ndarray,
    settings: AdaptiveJpegSettings = AdaptiveJpegSettings(),
    planes: JpegPlanes | None = None,
) -> bytes:
    """Encode ``rgb`` once with one quality per 8x8 luma block (fractional qualities allowed)."""
    return AdaptiveJpegEncoder(rgb, settings, planes).encode(block_quality)
