"""Face prior: where people are, faces get looked at first, and an ImageNet classifier has no
"person" or "face" class (its map drifts to the hat, the glasses or the microphone).

The detector is OpenCV's frontal-face Haar cascade, whose trained model ships inside the
opencv-python(-headless) 4.x wheels: offline, CPU, a few tens of milliseconds per Kodak image.
Each face becomes a soft ellipse slightly larger than its box.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from ..errors import OptionError

#: Detector settings: OpenCV's documented defaults, with a floor on face size (pixels) that drops
#: texture false positives at Kodak sizes.
SCALE_FACTOR = 1.1
MIN_NEIGHBOURS = 5
MIN_FACE_FRACTION = 0.08  # of the image's short side
#: Detection runs on a copy with this short side (faces smaller than 8 % of it are not sought, and
#: the cascade's 24-px window still fits them): 3-4x faster than the full Kodak frame.
WORK_SIDE = 320
#: The soft face: the box grown by this much on each side, blurred by this fraction of its width.
GROW = 0.15
SOFTNESS = 0.25


@functools.lru_cache(maxsize=None)
def _detector():
    import cv2

    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(path)
    if detector.empty():
        raise OptionError(f"OpenCV's face model is missing ({path}); install opencv-python-headless 4.x")
    return detector


def detect_faces(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (x0, y0, x1, y1) in pixels."""
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    scale = min(1.0, WORK_SIDE / min(gray.shape))
    if scale < 1.0:
        gray = cv2.resize(gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    smallest = max(24, int(MIN_FACE_FRACTION * min(gray.shape)))
    found = _detector().detectMultiScale(gray, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBOURS,
                                         minSize=(smallest, smallest))
    return [tuple(int(round(v / scale)) for v in (x, y, x + w, y + h)) for x, y, w, h in found]


def face_map(rgb: np.ndarray, boxes: list[tuple[int, int, int, int]] | None = None) -> np.ndarray:
    """Float32 (H, W) in [0, 1]: soft ellipses over the faces; all zeros when there is none."""
    height, width = rgb.shape[:2]
    boxes = detect_faces(rgb) if boxes is None else boxes
    result = np.zeros((height, width), dtype=np.float32)
    rows, cols = np.mgrid[0:height, 0:width]
    for x0, y0, x1, y1 in boxes:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = (x1 - x0) * (0.5 + GROW), (y1 - y0) * (0.5 + GROW)
        ellipse = (((cols - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2 <= 1.0).astype(np.float32)
        soft = ndimage.gaussian_filter(ellipse, SOFTNESS * (x1 - x0))
        result = np.maximum(result, soft / max(float(soft.max()), 1e-6))
    return result
