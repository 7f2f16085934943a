"""Regions of interest given by people: subject boxes in the shared JSON format, and maps made of them.

The format is ``{"image.png": [[x0, y0, x1, y1], ...], ...}`` (x1, y1 exclusive), as in
``kodak_subjects_dev.json``; a plain list of boxes is accepted too. Boxes serve two purposes: a
mask to measure subject/background quality, and a "perfect" importance map (the mask blurred) to
measure how well a codec turns a map into subject quality, free of the map's own errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from .errors import InputError
from .metrics import boxes_to_mask

#: Blur of the box mask that makes the "perfect map" (px), as the core issue's benchmark defines it.
PERFECT_MAP_SIGMA = 16.0


def load_boxes_file(path: Path | str) -> dict[str, list[list[float]]] | list[list[float]]:
    """Read a boxes JSON file; keys starting with '_' (comments) are dropped."""
    path = Path(path)
    if path.exists() and not (path.is_file() or path.is_dir()):  # reading a pipe would wait forever
        raise InputError(f"{path}: not a regular file (a pipe, device or socket)")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: no such boxes file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable boxes JSON file ({error})") from None
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not k.startswith("_")}
        for name, boxes in data.items():
            _check_boxes(boxes, f"{path}: {name}")
        return data
    if isinstance(data, list):
        _check_boxes(data, str(path))
        return data
    raise InputError(f"{path}: expected an object of image name -> boxes, or a list of boxes")


def _check_boxes(boxes: object, where: str) -> None:
    """A list of [x0, y0, x1, y1] number lists, or InputError naming the file and the image."""
    for box in boxes if isinstance(boxes, list) else [boxes]:
        numbers = isinstance(box, list) and len(box) == 4
        if not (numbers and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box)):
            raise InputError(f"{where}: expected a list of [x0, y0, x1, y1] boxes, got {json.dumps(box)[:60]}")


def boxes_for(boxes, image_name: str) -> list[list[float]] | None:
    """The boxes of one image (matched by file name, then by stem), or None if it has none."""
    if isinstance(boxes, list):
        return boxes
    name = Path(image_name).name
    if name in boxes:
        return boxes[name]
    stem = Path(name).stem
    for key, value in boxes.items():
        if Path(key).stem == stem:
            return value
    return None


def box_mask(boxes, shape: tuple[int, int]) -> np.ndarray:
    """Boolean (H, W) mask of the union of the boxes."""
    return boxes_to_mask(boxes, shape)


def perfect_map(boxes, shape: tuple[int, int], sigma: float = PERFECT_MAP_SIGMA) -> np.ndarray:
    """The boxes as an importance map: mask blurred by ``sigma`` px, min-max normalised, float32."""
    blurred = gaussian_filter(box_mask(boxes, shape).astype(np.float64), sigma)
    low, high = blurred.min(), blurred.max()
    if high - low < 1e-12:
        return np.ones(shape, np.float32)
    return ((blurred - low) / (high - low)).astype(np.float32)


def lift(importance: np.ndarray, mask: np.ndarray) -> float:
    """Share of the map's mass inside the mask divided by the mask's share of the area.

    1 means no better than a flat map; 1 / (mask share) is the most a map can reach.
    """
    total = float(np.sum(importance))
    if total <= 0 or not mask.any():
        return float("nan")
    return (float(np.sum(importance[mask])) / total) / float(mask.mean())


def pointing_hit(importance: np.ndarray, mask: np.ndarray) -> bool:
    """The pointing game: does the map's hottest pixel fall inside the mask?"""
    row, col = np.unravel_index(int(np.argmax(importance)), importance.shape)
    return bool(mask[row, col])
