"""SSIMULACRA2 (Cloudinary's perceptual metric) over the whole picture, the subject and the background.

PSNR inside a region can rise while the picture looks worse (blocks on skin, a smeared
background); SSIMULACRA2 scores what people see: 100 identical, about 90 visually lossless, 70
high, 50 medium, 30 low quality. The score comes from the ``ssimulacra2`` package (a Python port
of the reference C++ tool); ``benchmarks/check_ssimulacra2.py`` measures how far it lies from the
reference's published scores (BENCHMARKS.md).

A full-reference score over a region is not defined by the metric itself, so roicodec fixes one:

* subject: each connected region of the mask is cropped to its bounding box and scored alone; the
  scores are averaged weighted by the crops' areas (boxes drawn around a subject score the
  subject, not the whole frame);
* background: the whole picture is scored with the subject's pixels taken from the reference, so
  only what happened outside the subject counts (its errors are pooled over the whole frame).

The package holds about 500 bytes a pixel at its peak (2.0 GB at 4 megapixels), so a picture (or
region) above ``MAX_WHOLE_PIXELS`` is scored the way the subject is: in tiles of about a megapixel,
each scored alone, averaged by area. Every picture in BENCHMARKS.md is below that size.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from .metrics import MetricInputError

#: The metric's six scales need at least 8 pixels on each side at the first one.
MIN_SIDE = 8
#: Larger pictures are scored in tiles of about TILE_SIDE x TILE_SIDE (see above).
MAX_WHOLE_PIXELS = 1_100_000
TILE_SIDE = 1024


def _as_file(rgb: np.ndarray) -> io.BytesIO:
    # The package reads images through Pillow from a file; PPM is the cheapest lossless way there.
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, "PPM")
    buffer.seek(0)
    return buffer


def _check_rgb_pair(reference: np.ndarray, distorted: np.ndarray) -> None:
    for name, image in (("reference", reference), ("distorted", distorted)):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise MetricInputError(f"SSIMULACRA2 needs RGB uint8 (H, W, 3) images; {name} is "
                                   f"{image.dtype} {image.shape}")
    if reference.shape != distorted.shape:
        raise MetricInputError(f"shape mismatch: reference {reference.shape} vs distorted {distorted.shape}")


def ssimulacra2(reference: np.ndarray, distorted: np.ndarray) -> float:
    """SSIMULACRA2 of ``distorted`` against ``reference`` (RGB uint8); NaN below 8x8 pixels."""
    from ssimulacra2 import compute_ssimulacra2

    _check_rgb_pair(reference, distorted)
    if min(reference.shape[:2]) < MIN_SIDE:
        return math.nan
    if np.array_equal(reference, distorted):
        return 100.0  # the package's float path lands a hair off 100 for identical pictures
    height, width = reference.shape[:2]
    if height * width > MAX_WHOLE_PIXELS:
        return _tiled(reference, distorted)
    return float(compute_ssimulacra2(_as_file(reference), _as_file(distorted)))


def _tiled(reference: np.ndarray, distorted: np.ndarray) -> float:
    """Area-weighted mean of the scores of near-equal tiles of about TILE_SIDE a side."""
    height, width = reference.shape[:2]
    row_edges = np.linspace(0, height, -(-height // TILE_SIDE) + 1).round().astype(int)
    col_edges = np.linspace(0, width, -(-width // TILE_SIDE) + 1).round().astype(int)
    total = 0.0
    for top, bottom in zip(row_edges[:-1], row_edges[1:]):
        for left, right in zip(col_edges[:-1], col_edges[1:]):
            tile = slice(top, bottom), slice(left, right)
            total += (bottom - top) * (right - left) * ssimulacra2(reference[tile], distorted[tile])
    return total / (height * width)


def region_boxes(mask: np.ndarray) -> list[tuple[slice, slice]]:
    """Bounding boxes (row slice, column slice) of the mask's connected regions, 8 px or more a side.

    A region smaller than that is grown around its centre to 8 px (when the picture allows), so a
    small face still counts.
    """
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    height, width = mask.shape
    boxes = []
    for rows, cols in ndimage.find_objects(labels)[:count]:
        grown = []
        for piece, size in ((rows, height), (cols, width)):
            start, stop = piece.start, piece.stop
            if stop - start < MIN_SIDE and size >= MIN_SIDE:
                start = min(max(0, (start + stop) // 2 - MIN_SIDE // 2), size - MIN_SIDE)
                stop = start + MIN_SIDE
            grown.append(slice(start, stop))
        if grown[0].stop - grown[0].start >= MIN_SIDE and grown[1].stop - grown[1].start >= MIN_SIDE:
            boxes.append((grown[0], grown[1]))
    return boxes


def subject_ssimulacra2(reference: np.ndarray, distorted: np.ndarray, mask: np.ndarray) -> float:
    """Area-weighted SSIMULACRA2 of the mask's regions, each cropped to its bounding box; NaN if none."""
    _check_rgb_pair(reference, distorted)
    total, area = 0.0, 0
    for rows, cols in region_boxes(np.asarray(mask, dtype=bool)):
        size = (rows.stop - rows.start) * (cols.stop - cols.start)
        total += size * ssimulacra2(reference[rows, cols], distorted[rows, cols])
        area += size
    return total / area if area else math.nan


def region_scores(reference: np.ndarray, distorted: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """``ssimulacra2`` of the whole picture and, with a mask, ``roi_ssimulacra2`` and
    ``background_ssimulacra2`` (NaN where a region is empty or too small)."""
    scores = {"ssimulacra2": ssimulacra2(reference, distorted)}
    if mask is not None:
        scores["roi_ssimulacra2"] = subject_ssimulacra2(reference, distorted, mask)
        scores["background_ssimulacra2"] = background_ssimulacra2(reference, distorted, mask)
    return scores


def background_ssimulacra2(reference: np.ndarray, distorted: np.ndarray, mask: np.ndarray) -> float:
    """SSIMULACRA2 of the picture with the subject (``mask``) restored from the reference."""
    _check_rgb_pair(reference, distorted)
    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return math.nan
    outside_only = distorted.copy()
    outside_only[mask] = reference[mask]
    return ssimulacra2(reference, outside_only)
