"""Ensembles: several maps (methods and/or backbones) averaged into one.

A spec names its members with ``+``; each member is a method, optionally ``@backbone``:
``ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2``. Each member map is normalised to
[0, 1] before the mean, so no member dominates by scale, and the mean is normalised again.
"""

from __future__ import annotations

import numpy as np

from ..errors import OptionError
from ..maps import ImportanceMap, normalise

PREFIX = "ensemble:"


def parse_members(spec: str, default_backbone: str) -> list[tuple[str, str]]:
    """'ensemble:a@b+c' -> [('a', 'b'), ('c', default_backbone)]."""
    body = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    members = []
    for item in body.split("+"):
        item = item.strip()
        if not item:
            raise OptionError(f"empty member in {spec!r}; write e.g. ensemble:fused@efficientnet-lite1+fused@efficientnet-lite2")
        method, _, backbone = item.partition("@")
        if method.startswith(PREFIX.rstrip(":")):
            raise OptionError(f"an ensemble cannot contain another ensemble: {spec!r}")
        members.append((method, backbone or default_backbone))
    if len(members) < 2:
        raise OptionError(f"an ensemble needs at least two members, got {spec!r}")
    return members


def mean_of(maps: list[ImportanceMap], spec: str) -> ImportanceMap:
    """The normalised mean of normalised member maps; the members' classes, most probable first."""
    values = normalise(np.mean([normalise(m.values) for m in maps], axis=0))
    best = {}
    for score in (c for m in maps for c in m.classes):  # one entry per class: its highest probability
        if score.index not in best or score.probability > best[score.index].probability:
            best[score.index] = score
    classes = tuple(sorted(best.values(), key=lambda c: -c.probability))
    backbones = "+".join(dict.fromkeys(m.backbone for m in maps if m.backbone))
    masks = [m.suppressed for m in maps if m.suppressed is not None]
    suppressed = np.logical_or.reduce(masks) if masks else None
    if suppressed is not None:
        values[suppressed] = 0.0
    return ImportanceMap(values=values, classes=classes, method=spec, backbone=backbones, suppressed=suppressed)
