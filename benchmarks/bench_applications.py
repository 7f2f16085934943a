"""The applications: two-category maps on Kodak, security filtering with a trained real/fake model,
and ACoL against plain CAM of the same backbone where the objects' positions are known.

    python benchmarks/bench_applications.py --out bench-out/applications      # about 5 minutes

(a) Two-category: adaptive JPEG at the size of the q50 JPEG, with the default map and with
    ``--classes`` naming what is wanted; subject / background PSNR against that uniform JPEG. On
    the boxed Kodak pictures whose subject has ImageNet classes, and on pairs of subjects side by
    side (two boxed subjects' crops) where one half is wanted.
(b) Security: a real/fake model trained on generated crops (training/synthetic.py), its held-out
    accuracy; then pictures half real, half fake (new crops) compressed with
    ``--suppress fake --fill gray --bg-quality 0 --roi-quality 75`` against uniform quality 75:
    bytes saved, how much of the fake half is flat gray, how much of the real half is kept.
(c) ACoL vs CAM: linear and ACoL heads trained on pasted parrots; maps of new pictures (another
    seed) scored against the pasted boxes: pointing game, lift, how much of the box the map's
    upper half covers, and the IoU of that region with the box.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import roicodec
from roicodec.codecs.pillow_jpeg import encode_uniform
from roicodec.imageio import load_image
from roicodec.metrics import background_psnr, roi_psnr
from roicodec.roi import box_mask, lift, pointing_hit
from roicodec.saliency import MapOptions, importance_map
from roicodec.training import TrainOptions, train_classifier
from roicodec.training.synthetic import altered, pasted_objects, real_and_fake

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))
#: The subject's classes for the boxed pictures that have them (ImageNet names or groups).
SUBJECT_CLASSES = {"kodim06.png": "boat", "kodim11.png": "boat", "kodim14.png": "boat,paddle",
                   "kodim20.png": "aircraft", "kodim22.png": "barn", "kodim23.png": "bird"}


#: Side-by-side pictures of two subjects: (left picture, its class, right picture, its class).
PAIRS = (("kodim23.png", "bird", "kodim06.png", "boat"), ("kodim20.png", "aircraft", "kodim23.png", "bird"),
         ("kodim14.png", "boat", "kodim20.png", "aircraft"), ("kodim11.png", "boat", "kodim23.png", "bird"))


def _subject_crop(name: str, boxes: dict) -> np.ndarray:
    x0, y0, x1, y1 = boxes[name][-1]
    picture = Image.open(DATA / "kodak" / name).convert("RGB").crop((x0, y0, x1, y1))
    return np.asarray(picture.resize((256, 256), Image.Resampling.BICUBIC))


def _gains(rgb: np.ndarray, mask: np.ndarray, options: MapOptions) -> tuple[float, float]:
    reference = encode_uniform(rgb, 50)
    plain = roicodec.decode(reference)
    decoded = roicodec.decode(roicodec.compress(rgb, target_size=len(reference), map_options=options).data)
    return (roi_psnr(rgb, decoded, mask) - roi_psnr(rgb, plain, mask),
            background_psnr(rgb, decoded, mask) - background_psnr(rgb, plain, mask))


def two_category() -> list[str]:
    boxes = json.loads((DATA / "kodak_subjects_dev.json").read_text())
    whole = {"default map": [], "--classes (the subject's)": []}
    for name, classes in SUBJECT_CLASSES.items():
        rgb = load_image(DATA / "kodak" / name).pixels
        mask = box_mask(boxes[name], rgb.shape[:2])
        whole["default map"].append(_gains(rgb, mask, MapOptions()))
        whole["--classes (the subject's)"].append(_gains(rgb, mask, MapOptions(classes=classes)))
    pairs = {"default map": [], "--classes (the wanted half's)": [], "--classes (the other half's)": []}
    for left, left_class, right, right_class in PAIRS:
        rgb = np.concatenate([_subject_crop(left, boxes), _subject_crop(right, boxes)], axis=1)
        for wanted, other, columns in ((left_class, right_class, slice(0, 256)), (right_class, left_class, slice(256, 512))):
            mask = np.zeros(rgb.shape[:2], bool)
            mask[:, columns] = True
            pairs["default map"].append(_gains(rgb, mask, MapOptions()))
            pairs["--classes (the wanted half's)"].append(_gains(rgb, mask, MapOptions(classes=wanted)))
            pairs["--classes (the other half's)"].append(_gains(rgb, mask, MapOptions(classes=other)))
    lines = ["| pictures | map | cases | Δ subject PSNR | Δ background PSNR |", "| --- | --- | --- | --- | --- |"]
    for label, table in (("boxed Kodak pictures, subject's classes", whole),
                         ("two subjects side by side, one wanted", pairs)):
        for name, values in table.items():
            subject, background = np.mean(values, axis=0)
            lines.append(f"| {label} | {name} | {len(values)} | {subject:+.3f} | {background:+.3f} |")
    return lines


def gray_fraction(rgb: np.ndarray) -> float:
    return float((np.abs(rgb.astype(int) - 128).max(axis=2) < 8).mean())


def security(work: Path) -> list[str]:
    started = time.perf_counter()
    data = real_and_fake(DATA / "kodak", work / "real_fake", per_class=60, seed=0)
    model = train_classifier(data, work / "real_fake.pt", TrainOptions(seed=0))
    seconds = time.perf_counter() - started
    rng = np.random.default_rng(123)
    pictures = sorted((DATA / "kodak").glob("kodim*.png"))
    options = MapOptions(model=str(model.path), suppress="fake")
    saved, fake_gray, real_kept = [], [], []
    for _ in range(8):
        left, right = (Image.open(pictures[i]).convert("RGB") for i in rng.choice(len(pictures), 2, replace=False))
        canvas = Image.new("RGB", (448, 224))
        canvas.paste(left.crop((0, 0, 448, 448)).resize((224, 224)), (0, 0))
        canvas.paste(altered(right.crop((0, 0, 448, 448)).resize((224, 224))), (224, 0))
        rgb = np.asarray(canvas)
        uniform = roicodec.compress(rgb, method="uniform", quality=75)
        kept = roicodec.compress(rgb, map_options=options, fill="gray", bg_quality=0, roi_quality=75)
        decoded = np.asarray(Image.open(io.BytesIO(kept.data)).convert("RGB"))
        saved.append(1 - kept.size_bytes / uniform.size_bytes)
        fake_gray.append(gray_fraction(decoded[:, 224:]))
        real_kept.append(1 - gray_fraction(decoded[:, :224]))
    return [f"- trained on {model.train_images} images ({json.dumps(model.counts)}), {seconds:.0f} s; "
            f"held-out accuracy {model.accuracy:.1%} on {model.held_out_images} images",
            f"- 8 half-real, half-fake pictures, 448x224: bytes saved against uniform q75 {np.mean(saved):.1%} "
            f"(min {np.min(saved):.1%}); fake half flat gray {np.mean(fake_gray):.1%} (min {np.min(fake_gray):.1%}); "
            f"real half kept {np.mean(real_kept):.1%} (min {np.min(real_kept):.1%})"]


def acol_versus_cam(work: Path) -> list[str]:
    train_set = pasted_objects(DATA / "kodak", work / "parrots", per_class=60, seed=0)
    test_set = pasted_objects(DATA / "kodak", work / "parrots_test", per_class=40, seed=99)
    boxes = json.loads((test_set / "boxes.json").read_text())
    lines = ["| head, map | held-out accuracy | pointing | lift | box covered by map >= 0.5 | IoU (map >= 0.5, box) | training s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for head, method in (("linear", "cam"), ("acol", "acol")):
        started = time.perf_counter()
        model = train_classifier(train_set, work / f"{head}.pt", TrainOptions(head=head, seed=0))
        seconds = time.perf_counter() - started
        hits, lifts, covered, ious = [], [], [], []
        for name in sorted(k for k in boxes if k.endswith(".png")):
            rgb = np.asarray(Image.open(test_set / "parrot" / name).convert("RGB"))
            values = importance_map(rgb, method=method, model=str(model.path), classes="parrot").values
            mask = box_mask(boxes[name], rgb.shape[:2])
            region = values >= 0.5
            hits.append(pointing_hit(values, mask))
            lifts.append(lift(values, mask))
            covered.append((region & mask).sum() / mask.sum())
            ious.append((region & mask).sum() / (region | mask).sum())
        lines.append(f"| {head}, {method} | {model.accuracy:.1%} | {np.mean(hits):.0%} | {np.mean(lifts):.2f} | "
                     f"{np.mean(covered):.1%} | {np.mean(ious):.3f} | {seconds:.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--parts", default="two-category,security,acol")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sections = []
    with tempfile.TemporaryDirectory() as work:
        for part, builder in (("two-category", two_category), ("security", lambda: security(Path(work))),
                              ("acol", lambda: acol_versus_cam(Path(work)))):
            if part in args.parts.split(","):
                sections.append(f"### {part}\n\n" + "\n".join(builder()))
                print(f"{part}: done", file=sys.stderr, flush=True)
    text = "\n\n".join(sections)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summary.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
