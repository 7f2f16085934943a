"""Shared fixtures: where the shared data lives, and small real images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """One torch thread, as the command line uses: on 2 cores more threads oversubscribe badly. The
    ONNX networks are cached in a folder of the run's own (made once per run), not the user's."""
    import tempfile

    import torch

    torch.set_num_threads(1)
    os.environ.setdefault("ROICODEC_CACHE", tempfile.mkdtemp(prefix="roicodec-test-cache-"))

SHARED_DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: the tests that need Kodak images cannot run without it."""
    if not (SHARED_DATA / "kodak").is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set ROICODEC_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def kodim23(shared_data) -> np.ndarray:
    return np.asarray(Image.open(shared_data / "kodak" / "kodim23.png").convert("RGB"))


@pytest.fixture(scope="session")
def kodim23_small(kodim23) -> np.ndarray:
    """A 256x176 crop of kodim23 (a parrot's head): real texture, fast to encode."""
    return np.ascontiguousarray(kodim23[96:272, 400:656])


@pytest.fixture
def textured() -> np.ndarray:
    """A synthetic 96x128 picture with edges and noise, for tests that need no shared data."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:96, 0:128]
    base = np.stack([(x * 2) % 256, (y * 3) % 256, ((x + y) * 5) % 256], axis=-1).astype(np.float64)
    base[20:60, 30:90] = [200, 40, 40]
    noisy = base + rng.normal(0, 12, base.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def kodim04(shared_data) -> np.ndarray:
    """A portrait: a woman in a red hat (a face the Haar cascade finds)."""
    return np.asarray(Image.open(shared_data / "kodak" / "kodim04.png").convert("RGB"))


@pytest.fixture(scope="session")
def tiny_learned_weights(shared_data, tmp_path_factory) -> Path:
    """A tiny learned codec trained here in seconds (mbt2018-mean, N=32, M=48, 250 steps on 64x64
    crops of six shared photographs at half size): real weights, real entropy tables, no download.
    Weak (about 16 dB on its crops), yet its gains still move the subject's quality at low rates."""
    from roicodec import load_image
    from roicodec.learned.training import CodecTrainOptions, train_codec

    photos = [load_image(path).pixels[::2, ::2] for path in sorted((shared_data / "photos").glob("*.png"))[:6]]
    output = tmp_path_factory.mktemp("learned") / "tiny.pt"
    train_codec(photos, output, CodecTrainOptions(channels=(32, 48), crop=64, batch=8, minutes=2, max_steps=250,
                                                  learning_rate=2e-3, lmbda=0.05))
    return output


@pytest.fixture(scope="session")
def learned_weights_env(tiny_learned_weights):
    """The tiny learned codec as the default weights ($ROICODEC_LEARNED_WEIGHTS), for the tests that
    sweep every codec: offline, the learned codec has no zoo weights."""
    from roicodec.learned.models import WEIGHTS_VARIABLE

    before = os.environ.get(WEIGHTS_VARIABLE)
    os.environ[WEIGHTS_VARIABLE] = str(tiny_learned_weights)
    yield tiny_learned_weights
    if before is None:
        os.environ.pop(WEIGHTS_VARIABLE, None)
    else:
        os.environ[WEIGHTS_VARIABLE] = before
