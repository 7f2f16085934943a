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
from scipy import ndimage

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
    return np.clip(ndimage.gaussian_filter(mask.astype(np.float32), sigma, mode="nearest"), 0.0, 1.0)


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
