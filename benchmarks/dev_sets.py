"""The benchmarks' image sets with their hand-drawn subject boxes, in one place.

``kodak``: the shared Kodak images and their dev boxes; ``photos``: the shared photographs and the
boxes this project drew for them (benchmarks/data/photo_subjects_dev.json).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))
SETS = {
    "kodak": (DATA / "kodak", DATA / "kodak_subjects_dev.json"),
    "photos": (DATA / "photos", REPO / "benchmarks" / "data" / "photo_subjects_dev.json"),
}


def image_set(name: str) -> tuple[Path, dict[str, list[list[int]]]]:
    """The set's image folder and its boxes (file name -> boxes; the '_about' note dropped)."""
    folder, boxes_file = SETS[name]
    boxes = json.loads(boxes_file.read_text())
    boxes.pop("_about", None)
    return folder, boxes
