"""The default map: what a viewer looks at, from three cues combined by measurement.

- **people** (:mod:`.people`): head and shoulders of every face found;
- **objects** (:mod:`.extent`): the boxes of the objects the class activation map seeds, grown to
  their extent, plus the prior that seeded them (so the object's most telling part ranks first);
- **centre**: a broad Gaussian on the frame's centre. Photographers frame their subject, and eye
  tracking finds the same bias in every photo data set; it is the cue that still holds when the
  network names the wrong thing (a carousel's lighthouse seen as a "patio").

People come first (a face outranks any object); the objects and the centre are mixed with the
weights below. On the dev boxes (Kodak and the project's photos, BENCHMARKS.md) this ranking
keeps the subject better than the plain CAM at equal size and loses least on the photos where the
network is wrong; weights and the centre's width were read off that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The objects' score: their boxes, the seeding prior, the centre.
BOX_WEIGHT, PRIOR_WEIGHT, CENTRE_WEIGHT = 0.4, 0.3, 0.3
#: The centre prior's standard deviation, as a fraction of each side.
CENTRE_SIGMA = 0.35
#: Box edges are softened by this fraction of the short side, so quality does not step at one pixel.
SOFT_EDGE = 0.015
CUE_NAMES = ("people", "objects", "centre")
#: The combined score is raised to this power: the ranking (all the quantile plan reads) is unchanged,
#: and the background falls towards 0, so the map reads as object against background (lift 1.7 -> 2.4
#: on the dev boxes; BENCHMARKS.md).
CONTRAST = 3.0


@dataclass(frozen=True)
class SubjectMap:
    """The combined map and each cue's share of its mass (0-1, summing to 1 where the map is not empty)."""

    values: np.ndarray
    shares: tuple[tuple[str, float], ...]


def centre_prior(shape: tuple[int, int]) -> np.ndarray:
    """Float32 (H, W): a Gaussian with its peak (1) at the frame's centre."""
    height, width = shape
    rows = (np.arange(height, dtype=np.float32) + 0.5 - height / 2) / (CENTRE_SIGMA * height)
    cols = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / (CENTRE_SIGMA * width)
    return np.exp(-0.5 * (rows[:, None] ** 2 + cols[None, :] ** 2)).astype(np.float32)


def soften(mask: np.ndarray) -> np.ndarray:
    """A 0/1 mask with blurred edges, still 1 well inside and 0 well outside."""
    if not mask.any():
        return mask.astype(np.float32)
    sigma = max(1.0, SOFT_EDGE * min(mask.shape))
    return np.clip(gaussian_blur(mask.astype(np.float32), sigma), 0.0, 1.0)


#: As scipy.ndimage.gaussian_filter: the kernel reaches this many standard deviations.
GAUSSIAN_TRUNCATE = 4.0


def gaussian_blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """scipy.ndimage.gaussian_filter(values, sigma, mode="nearest") for a float32 (H, W) array, within
    float32 rounding, through OpenCV: scipy.ndimage's import costs the default map's start 0.2 s,
    and OpenCV is loaded for GrabCut anyway. Same kernel (truncated at 4 sigma), same edges."""
    import cv2

    radius = int(GAUSSIAN_TRUNCATE * sigma + 0.5)
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * taps**2 / sigma**2)
    kernel /= kernel.sum()
    blurred = cv2.sepFilter2D(values.astype(np.float64), cv2.CV_64F, kernel, kernel, borderType=cv2.BORDER_REPLICATE)
    return blurred.astype(np.float32)


def combine(prior: np.ndarray, objects: np.ndarray, people: np.ndarray) -> SubjectMap:
    """The subject map from full-size cues in [0, 1]: ``prior`` (CAM-based, peak 1), ``objects`` and
    ``people`` (masks). Returns values in [0, 1] with the peak at 1."""
    shape = prior.shape
    centre = centre_prior(shape)
    box_part = BOX_WEIGHT * soften(objects)
    prior_part = PRIOR_WEIGHT * np.clip(prior, 0.0, 1.0)
    centre_part = CENTRE_WEIGHT * centre
    object_score = box_part + prior_part + centre_part
    people_score = soften(people)
    values = np.maximum(object_score, people_score)
    peak = float(values.max())
    curved = (values / peak) ** CONTRAST if peak > 0 else values
    # Each pixel's mass (of the map as returned) goes to the cue that set it: people where they win,
    # else the object terms in proportion (the centre's part apart, so a user sees how much was a guess).
    from_people = np.where(people_score >= object_score, curved, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre_fraction = np.where(object_score > 0, centre_part / object_score, 0.0)
    from_centre = (curved - from_people) * centre_fraction
    from_objects = curved - from_people - from_centre
    total = float(curved.sum())
    shares = tuple((name, float(part.sum()) / total if total > 0 else 0.0)
                   for name, part in zip(CUE_NAMES, (from_people, from_objects, from_centre)))
    values = curved.astype(np.float32)
    return SubjectMap(values=values, shares=shares)


def subject_values(rgb: np.ndarray, options, grid: tuple[np.ndarray, np.ndarray] | None,
                   cam_values: np.ndarray, faces=None) -> tuple[np.ndarray, tuple[tuple[str, float], ...]]:
    """The subject (or objects-only) map and its cues' shares, for either engine (torch or ONNX).

    ``grid``: the fused CAM at the feature grid's size and the target layer's (C, h, w) activations,
    or None where there is no grid to read (a transformer's tokens): the CAM alone then seeds the
    extent. ``cam_values``: the CAM at the picture's size, in [0, 1]. ``faces``: the people cue's faces
    when already found (a ``concurrent.futures.Future`` of them is waited for), else found here.

    People and the centre join only when the classes are the network's own top-k guess: a user who
    names classes (``--classes dog``) wants those kept, not whoever stands beside them or whatever
    sits in the middle, so the map is then the objects cue alone.
    """
    from .. import resample
    from ..maps import normalise
    from .extent import object_prior, objects_mask

    height, width = rgb.shape[:2]
    prior = cam_values
    if grid is not None:
        cam, activations = grid
        prior = normalise(resample.bilinear(object_prior(cam, activations), height, width))
    if float(prior.max()) <= 0 or float(prior.max() - prior.min()) < 1e-6:
        prior = cam_values
    objects = objects_mask(rgb, prior)
    if options.method == "objects" or options.classes is not None:
        values = normalise(soften(objects) * (0.75 + 0.25 * prior))
        return values, (("objects", 1.0),)
    from .people import detect_faces, people_mask

    if faces is None:
        faces = detect_faces(rgb, options.face_detector)
    elif hasattr(faces, "result"):
        faces = faces.result()
    people = people_mask(faces, (height, width))
    subject = combine(prior, objects, people)
    return subject.values, subject.shares
