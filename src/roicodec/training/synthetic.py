"""Small labelled sets built from the Kodak pictures, for tests and benchmarks of training: the
objects' positions are known, so maps can be scored against them.

``pasted_objects``: class ``parrot`` - a crop of kodim23's parrot, at a random size, place and
mirroring, pasted on a crop of another Kodak picture; class ``scene`` - such a crop alone. Boxes of
the pasted objects go to ``boxes.json`` (the format of kodak_subjects_dev.json).

``real_and_fake``: class ``real`` - crops of the Kodak pictures; class ``fake`` - the same crops
strongly altered (colours posterised and shifted, detail blurred, blocking from a low-quality
JPEG), the kind of difference a two-class filter can learn from a few dozen examples.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

SIDE = 224
#: kodim23's right-hand parrot (the dev boxes' second box), [x0, y0, x1, y1].
PARROT_BOX = (400, 105, 600, 305)


def _kodak(kodak_dir: Path, exclude: tuple[str, ...] = ()) -> list[Image.Image]:
    files = sorted(p for p in Path(kodak_dir).glob("kodim*.png") if p.name not in exclude)
    if not files:
        raise FileNotFoundError(f"{kodak_dir}: no Kodak images (kodim*.png)")
    return [Image.open(p).convert("RGB") for p in files]


def _random_crop(pictures: list[Image.Image], rng: np.random.Generator) -> Image.Image:
    picture = pictures[rng.integers(len(pictures))]
    side = int(rng.integers(256, min(picture.size) + 1))
    x, y = int(rng.integers(0, picture.width - side + 1)), int(rng.integers(0, picture.height - side + 1))
    return picture.crop((x, y, x + side, y + side)).resize((SIDE, SIDE), Image.Resampling.BICUBIC)


def pasted_objects(kodak_dir: str | Path, out: str | Path, per_class: int = 40, seed: int = 0) -> Path:
    """``out``/parrot, ``out``/scene and ``out``/boxes.json; returns ``out``."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    backgrounds = _kodak(Path(kodak_dir), exclude=("kodim23.png",))
    parrot = Image.open(Path(kodak_dir) / "kodim23.png").convert("RGB").crop(PARROT_BOX)
    boxes = {"_about": "pasted parrot boxes [x0, y0, x1, y1], end exclusive"}
    for name in ("parrot", "scene"):
        (out / name).mkdir(parents=True, exist_ok=True)
    for index in range(per_class):
        canvas = _random_crop(backgrounds, rng)
        side = int(rng.integers(64, 120))
        thing = parrot.resize((side, side), Image.Resampling.BICUBIC)
        if rng.random() < 0.5:
            thing = ImageOps.mirror(thing)
        x, y = int(rng.integers(0, SIDE - side + 1)), int(rng.integers(0, SIDE - side + 1))
        canvas.paste(thing, (x, y))
        canvas.save(out / "parrot" / f"parrot_{index:03d}.png")
        boxes[f"parrot_{index:03d}.png"] = [[x, y, x + side, y + side]]
        _random_crop(backgrounds, rng).save(out / "scene" / f"scene_{index:03d}.png")
    (out / "boxes.json").write_text(json.dumps(boxes, indent=1))
    return out


def altered(picture: Image.Image) -> Image.Image:
    """The "fake" version of a picture: posterised, colour-rotated, blurred, then JPEG-blocked."""
    changed = ImageOps.posterize(picture, 3)
    red, green, blue = changed.split()
    changed = Image.merge("RGB", (blue, red, green)).filter(ImageFilter.GaussianBlur(1.5))
    buffer = io.BytesIO()
    changed.save(buffer, "JPEG", quality=8)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def real_and_fake(kodak_dir: str | Path, out: str | Path, per_class: int = 30, seed: int = 0) -> Path:
    """``out``/real and ``out``/fake: crops, and altered copies of other crops; returns ``out``."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    pictures = _kodak(Path(kodak_dir))
    for name in ("real", "fake"):
        (out / name).mkdir(parents=True, exist_ok=True)
    for index in range(per_class):
        _random_crop(pictures, rng).save(out / "real" / f"real_{index:03d}.png")
        altered(_random_crop(pictures, rng)).save(out / "fake" / f"fake_{index:03d}.png")
    return out
