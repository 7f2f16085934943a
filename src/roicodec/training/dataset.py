"""A labelled image set in the ImageFolder layout (DATA_DIR/<class name>/<image files>), checked
up front so that bad data stops with one clear line before any training work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, OptionError
from ..imageio import IMAGE_SUFFIXES, load_image

IMAGE_EXTENSIONS = IMAGE_SUFFIXES


@dataclass(frozen=True)
class LabelledImages:
    classes: tuple[str, ...]
    paths: tuple[Path, ...]
    labels: tuple[int, ...]

    def counts(self) -> dict[str, int]:
        return {name: self.labels.count(index) for index, name in enumerate(self.classes)}


def scan(data_dir: str | Path) -> LabelledImages:
    """The classes (sub-folder names, sorted) and their image files, through torchvision's
    ImageFolder scanner; its errors become one-line messages that say what to fix."""
    from torchvision.datasets.folder import find_classes, make_dataset

    root = Path(data_dir)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder; expected one sub-folder of images per class")
    try:
        classes, class_to_index = find_classes(str(root))
    except FileNotFoundError:
        raise InputError(f"{root}: no class folders; expected one sub-folder of images per class") from None
    if len(classes) < 2:
        raise InputError(f"{root}: only one class ({classes[0]}); a classifier needs at least two class folders")
    samples = make_dataset(str(root), class_to_index, extensions=IMAGE_EXTENSIONS, allow_empty=True)
    found = {index for _, index in samples}
    empty = [name for name in classes if class_to_index[name] not in found]
    if empty:
        raise InputError(f"{root}: no images in class folder(s) {', '.join(empty)} "
                         f"(extensions read: {' '.join(IMAGE_EXTENSIONS)})")
    return LabelledImages(tuple(classes), tuple(Path(p) for p, _ in samples), tuple(i for _, i in samples))


def load_rgb(path: Path) -> np.ndarray:
    """RGB uint8 pixels as every command reads them (orientation, modes, every format roicodec
    writes), or an InputError naming the file."""
    return load_image(path).pixels


def split(labels: tuple[int, ...], validation: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train / held-out indices: each class gives ``validation`` of its images (at least
    one when it has two or more) to the held-out set, the same for the same seed."""
    if not 0.0 <= validation < 1.0:
        raise OptionError(f"--validation must be in [0, 1), got {validation:g}")
    generator = np.random.default_rng(seed)
    labels_array = np.asarray(labels)
    train, held_out = [], []
    for label in np.unique(labels_array):
        members = generator.permutation(np.flatnonzero(labels_array == label))
        count = 0 if validation == 0 or len(members) < 2 else max(1, int(round(validation * len(members))))
        held_out.extend(members[:count])
        train.extend(members[count:])
    return np.sort(np.asarray(train, dtype=int)), np.sort(np.asarray(held_out, dtype=int))
