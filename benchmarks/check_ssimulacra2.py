"""Does the ``ssimulacra2`` package (PyPI, a Python port) agree with the reference SSIMULACRA2?

The reference is the C++ tool (cloudinary/ssimulacra2, the same code as libjxl's
``tools/ssimulacra2``). No build of it is reachable from this machine (Debian's libjxl 0.7 tools
lack it), so the reference side is published scores: the synthetic pairs whose C++ scores the
imazen/ssimulacra2 project captured for its own parity tests (file ``src/reference_data.rs`` there).
The pairs are rebuilt here exactly as that project describes them, and each image's SHA-256 of its
raw RGB bytes is checked against the one published with the score, so a mismatch cannot come from
a different picture.

    pip install ssimulacra2
    python benchmarks/check_ssimulacra2.py
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

# (name, side, source kind, distorted kind, C++ score, first 12 hex digits of the source's SHA-256)
REFERENCE = [
    ("uniform 128 vs 129", 64, ("gray", 128), ("gray", 129), 97.98672126, "2203a98fd84a"),
    ("uniform 128 vs 133", 64, ("gray", 128), ("gray", 133), 91.52357693, "2203a98fd84a"),
    ("uniform 128 vs 138", 64, ("gray", 128), ("gray", 138), 80.24289393, "2203a98fd84a"),
    ("uniform 128 vs 148", 64, ("gray", 128), ("gray", 148), 56.05855584, "2203a98fd84a"),
    ("uniform 128 vs 178", 64, ("gray", 128), ("gray", 178), -8.75942256, "2203a98fd84a"),
    ("uniform 128 vs 129", 128, ("gray", 128), ("gray", 129), 96.78920738, "2af5ead05032"),
    ("uniform 128 vs 133", 128, ("gray", 128), ("gray", 133), 88.54070876, "2af5ead05032"),
    ("uniform 128 vs 138", 128, ("gray", 128), ("gray", 138), 77.84296299, "2af5ead05032"),
    ("uniform 128 vs 148", 128, ("gray", 128), ("gray", 148), 54.27883917, "2af5ead05032"),
    ("uniform 128 vs 178", 128, ("gray", 128), ("gray", 178), -9.82383315, "2af5ead05032"),
    ("uniform 128 vs 129", 256, ("gray", 128), ("gray", 129), 96.15027098, "83ab53863cf7"),
    ("uniform 128 vs 133", 256, ("gray", 128), ("gray", 133), 89.73209436, "83ab53863cf7"),
    ("uniform 128 vs 138", 256, ("gray", 128), ("gray", 138), 80.29149136, "83ab53863cf7"),
    ("uniform 128 vs 148", 256, ("gray", 128), ("gray", 148), 59.77892918, "83ab53863cf7"),
    ("uniform 128 vs 178", 256, ("gray", 128), ("gray", 178), -0.39085784, "83ab53863cf7"),
    ("gradient vs uniform 128", 64, ("gradient", 0), ("gray", 128), -64.56872148, "bfcfaa0618d2"),
    ("noise (LCG seed 42) vs uniform 128", 64, ("noise", 42), ("gray", 128), -47.33572558, "7f6be7f433cc"),
]


def picture(kind: tuple[str, int], side: int) -> np.ndarray:
    name, value = kind
    if name == "gray":
        return np.full((side, side, 3), value, np.uint8)
    if name == "gradient":  # x * 255 / (side - 1), integer division, on every row and channel
        row = (np.arange(side) * 255 // (side - 1)).astype(np.uint8)
        return np.repeat(np.repeat(row[None, :, None], side, axis=0), 3, axis=2)
    # 64-bit LCG (Knuth's MMIX constants), bits 33-40 of the state for each sample
    state, samples = value, []
    for _ in range(side * side * 3):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
        samples.append((state >> 33) & 0xFF)
    return np.array(samples, np.uint8).reshape(side, side, 3)


def png(rgb: np.ndarray) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def main() -> None:
    from ssimulacra2 import __version__, compute_ssimulacra2

    print(f"ssimulacra2 {__version__} (PyPI) against the C++ reference's published scores\n")
    print("| pair | size | C++ reference | package | difference |")
    print("| --- | --- | --- | --- | --- |")
    for name, side, source_kind, distorted_kind, expected, source_hash in REFERENCE:
        source, distorted = picture(source_kind, side), picture(distorted_kind, side)
        if hashlib.sha256(source.tobytes()).hexdigest()[:12] != source_hash:
            raise SystemExit(f"{name}: the rebuilt source picture is not the published one")
        score = compute_ssimulacra2(png(source), png(distorted))
        print(f"| {name} | {side}x{side} | {expected:.2f} | {score:.2f} | {score - expected:+.2f} |")


if __name__ == "__main__":
    main()
