"""People cue: where the faces are, grown to head and shoulders.

An ImageNet classifier has no "person" class, so its maps drift to a hat, a microphone or the
clothes; yet faces are what viewers look at first. This cue finds faces with a detector whose
weights ship inside a registry package and turns each face into the region a viewer takes in with
it: the head (hair, hat) and the shoulders.

Detectors, best first (``auto`` takes the first one installed):

- ``blazeface``: MediaPipe's BlazeFace, full-range (faces up to about 5 m) and short-range (close
  portraits, kept only when it is sure) models, from ``mediapipe==0.10.14`` (the last release with
  the legacy solutions; ``scripts/setup.sh`` installs it without its heavy dependencies). 10-20 ms
  per photo. On the project's dev photos it found faces that OpenCV's cascade misses (groups,
  three-quarter views, glasses).
- ``haar``: OpenCV's frontal-face Haar cascade (inside the opencv-python wheels): frontal faces only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import OptionError

FACE_DETECTORS = ("auto", "blazeface", "haar")
#: BlazeFace full-range keeps faces at this confidence; the short-range model, trained on close
#: selfies, fires on round objects (a cup seen from above) below ``SHORT_RANGE_CONFIDENCE``.
FULL_RANGE_CONFIDENCE = 0.5
SHORT_RANGE_CONFIDENCE = 0.7
#: The head around a face box of width w and height h (hair, a hat, the ears), where viewers look
#: first, and the head and shoulders (a portrait's bust), which rank below the head.
HEAD_SIDES, HEAD_UP, HEAD_DOWN = 0.25, 0.5, 0.25
BUST_SIDES, BUST_UP, BUST_DOWN = 0.8, 0.6, 1.5
#: Values in the people map: the face box itself 1 (the map's peak), the rest of the head, the bust.
HEAD_VALUE, BUST_VALUE = 0.9, 0.6
#: Frames with a shorter side than this get no tiled second pass.
TILE_MIN_SIDE = 384
#: The mediapipe release that still has the legacy face-detection solution.
MEDIAPIPE_PIN = "mediapipe==0.10.14"


@dataclass(frozen=True)
class Face:
    """A face box in pixels (x1, y1 exclusive) and the detector's confidence."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    def overlaps(self, other: "Face") -> bool:
        return min(self.x1, other.x1) > max(self.x0, other.x0) and min(self.y1, other.y1) > max(self.y0, other.y0)

    def grown(self, sides: float, up: float, down: float, height: int, width: int) -> tuple[slice, slice]:
        """Rows and columns of the face box grown by these fractions of its size, clipped to the image."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        rows = slice(max(0, int(self.y0 - up * h)), min(height, int(np.ceil(self.y1 + down * h))))
        cols = slice(max(0, int(self.x0 - sides * w)), min(width, int(np.ceil(self.x1 + sides * w))))
        return rows, cols


def mediapipe_available() -> bool:
    """Whether mediapipe is installed (looked up without importing it: the import takes 0.5 s)."""
    import importlib.util

    return importlib.util.find_spec("mediapipe") is not None


def resolve_detector(name: str) -> str:
    """``auto`` -> the best installed detector; a named one that is missing is a one-line error."""
    if name not in FACE_DETECTORS:
        raise OptionError(f"unknown face detector {name!r}; available: {', '.join(FACE_DETECTORS)}")
    if name == "auto":
        return "blazeface" if mediapipe_available() else "haar"
    if name == "blazeface" and not mediapipe_available():
        raise OptionError(f"the blazeface detector needs {MEDIAPIPE_PIN} "
                          f"(pip install --no-deps {MEDIAPIPE_PIN} 'protobuf>=4.25,<5' absl-py flatbuffers attrs; "
                          f"scripts/setup.sh does this), or use --face-detector haar")
    return name


#: The packages whose __init__ the light import skips (see _face_detection_module).
_MEDIAPIPE_PACKAGES = ("mediapipe", "mediapipe.python", "mediapipe.python.solutions")


def _face_detection_module():
    """mediapipe's face detection solution, loaded without running mediapipe's package __init__ files.

    Those import every solution and task, matplotlib among them: 0.7 s and 125 MB before the first
    face, against 0.2 s and 63 MB for face detection alone, which the default map of every
    ``roicodec compress`` pays. No mediapipe option avoids them, so the three packages are put in
    place as they would be, minus their __init__ code, which runs when anything first reads a name
    the package does not have yet (``mediapipe.solutions`` in the user's own code): the user sees an
    ordinary mediapipe. It is done for the release whose layout it was checked on (MEDIAPIPE_PIN, the
    one scripts/setup.sh installs); with another release, or mediapipe already imported, it is the
    plain import.
    """
    import importlib
    import importlib.util
    from importlib import metadata
    from pathlib import Path

    name = "mediapipe.python.solutions.face_detection"
    if "mediapipe" in sys.modules or f"mediapipe=={metadata.version('mediapipe')}" != MEDIAPIPE_PIN:
        return importlib.import_module(name)
    root = Path(importlib.util.find_spec("mediapipe").origin).parent
    for package in _MEDIAPIPE_PACKAGES:
        sys.modules[package] = _package_without_init(package, root.joinpath(*package.split(".")[1:]))
        parent, _, child = package.rpartition(".")
        if parent:  # as the import system binds a subpackage to its parent
            setattr(sys.modules[parent], child, sys.modules[package])
    # The calculators' option types, which the full import registers: without them a graph's options
    # (non-maximum suppression's, among others) are read differently and faces move.
    for module in sorted((root / "calculators").rglob("*_pb2.py")):
        importlib.import_module("mediapipe." + ".".join(module.relative_to(root).with_suffix("").parts))
    return importlib.import_module(name)


def _package_without_init(name: str, folder):
    """A package module whose __init__.py runs, in its own namespace, at the first missing name read."""
    import importlib.util
    import types

    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    package.__file__ = str(folder / "__init__.py")
    package.__package__ = name
    package.__spec__ = importlib.util.spec_from_file_location(name, package.__file__,
                                                             submodule_search_locations=package.__path__)

    def run_init(attribute: str):
        del package.__dict__["__getattr__"]  # once; the __init__ code reads its names directly
        with open(package.__file__, "rb") as source:
            exec(compile(source.read(), package.__file__, "exec"), package.__dict__)
        return getattr(package, attribute)

    package.__getattr__ = run_init
    return package


class _BlazeFace:
    """Both BlazeFace models, built once per process; mediapipe graphs are not thread-safe, so one
    lock serialises them (a detection takes 10-20 ms)."""


    def __init__(self) -> None:
        # MediaPipe's graphs log their start to the process's stderr from native code (absl, TFLite),
        # which no Python setting reaches once torch has loaded its own logging; its protobuf use
        # also warns of a deprecation on every call. The graphs are built, and run once, with file
        # descriptor 2 pointed at /dev/null, so a command's output stays what roicodec says.
        warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")
        with _native_stderr_silenced():
            face_detection = _face_detection_module()

            # Each graph's own threshold is the lower one; the short-range model's is applied in
            # detect() (two instances of the legacy solution were seen to share one threshold).
            low = min(FULL_RANGE_CONFIDENCE, SHORT_RANGE_CONFIDENCE)
            self._full = face_detection.FaceDetection(model_selection=1, min_detection_confidence=low)
            self._short = face_detection.FaceDetection(model_selection=0, min_detection_confidence=low)
            blank = np.zeros((64, 64, 3), np.uint8)
            self._full.process(blank)
            self._short.process(blank)
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces of the whole frame (both models), then of overlapping tiles (full-range): BlazeFace
        sees a 192-px copy, where a group's faces are a few pixels wide."""
        height, width = rgb.shape[:2]
        passes = [(self._full, FULL_RANGE_CONFIDENCE, 0, 0, rgb), (self._short, SHORT_RANGE_CONFIDENCE, 0, 0, rgb)]
        passes += [(self._full, FULL_RANGE_CONFIDENCE, x0, y0, rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in tiles(height, width)]
        faces: list[Face] = []
        for model, threshold, left, top, pixels in passes:  # earlier passes win where faces overlap
            with self._lock:
                detections = model.process(np.ascontiguousarray(pixels)).detections or []
            tile_height, tile_width = pixels.shape[:2]
            for detection in detections:
                if float(detection.score[0]) < threshold:
                    continue
                box = detection.location_data.relative_bounding_box
                face = Face(left + max(0.0, box.xmin) * tile_width, top + max(0.0, box.ymin) * tile_height,
                            left + min(1.0, box.xmin + box.width) * tile_width,
                            top + min(1.0, box.ymin + box.height) * tile_height, float(detection.score[0]))
                if face.x1 > face.x0 and face.y1 > face.y0 and not any(face.overlaps(f) for f in faces):
                    faces.append(face)
        return faces


def tiles(height: int, width: int) -> list[tuple[int, int, int, int]]:
    """Overlapping tiles (x0, y0, x1, y1) for a second look at small faces: a 2x2 grid with a quarter
    of overlap, on frames whose short side is at least ``TILE_MIN_SIDE`` (smaller ones have no
    faces too small for the whole-frame pass)."""
    if min(height, width) < TILE_MIN_SIDE:
        return []
    tile_h, tile_w = int(height * 0.6), int(width * 0.6)
    return [(x0, y0, x0 + tile_w, y0 + tile_h) for y0 in (0, height - tile_h) for x0 in (0, width - tile_w)]


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null for the duration (native libraries write there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@functools.lru_cache(maxsize=1)
def _blazeface_of(process_id: int) -> _BlazeFace:
    return _BlazeFace()


def _blazeface() -> _BlazeFace:
    """One detector per process: a graph's threads do not survive a fork."""
    return _blazeface_of(os.getpid())


def detect_faces(rgb: np.ndarray, detector: str = "auto") -> list[Face]:
    """Faces in an RGB uint8 image, most confident first."""
    detector = resolve_detector(detector)
    if min(rgb.shape[:2]) < 8:
        return []
    if detector == "blazeface":
        faces = _blazeface().detect(rgb)
    else:
        from .faces import detect_faces as haar_faces

        faces = [Face(*box, score=1.0) for box in haar_faces(rgb)]
    return sorted(faces, key=lambda f: -f.score)


def people_mask(faces: list[Face], shape: tuple[int, int]) -> np.ndarray:
    """Float32 (H, W): 1 on every face, ``HEAD_VALUE`` on the rest of the head, ``BUST_VALUE`` on the
    shoulders, 0 elsewhere."""
    height, width = shape
    mask = np.zeros((height, width), dtype=np.float32)
    for face in faces:
        bust = face.grown(BUST_SIDES, BUST_UP, BUST_DOWN, height, width)
        mask[bust] = np.maximum(mask[bust], BUST_VALUE)
    for face in faces:
        head = face.grown(HEAD_SIDES, HEAD_UP, HEAD_DOWN, height, width)
        mask[head] = np.maximum(mask[head], HEAD_VALUE)
    for face in faces:
        mask[face.grown(0.0, 0.0, 0.0, height, width)] = 1.0
    return mask
