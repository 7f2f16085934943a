"""The same inputs and options give the same bytes: a few outputs of every codec and strategy, pinned.

Refactoring (issue 16) must not change a single byte. The hashes depend on the encoders' own
libraries too, so the file records their versions: when they differ, the test says so (regenerate
with ``ROICODEC_PIN_WRITE=1 python -m pytest tests/test_pinned_outputs.py`` and check why in the
diff), rather than blaming the code.
"""

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import roicodec
from roicodec.codecs.registry import all_codecs
from roicodec.saliency import ImportanceMap

PINS = Path(__file__).parent / "expected" / "pinned_outputs.json"
#: The distributions whose encoders write the bytes.
LIBRARIES = ("numpy", "scipy", "pillow", "jpeglib", "pyjpegli", "pillow-heif", "av", "pillow-jxl-plugin", "opencv-python-headless")
#: The learned codec is left out: its weights are trained by the tests themselves (conftest), not
#: fixed data, so its bytes are pinned nowhere; tests/learned/ checks it gives the same bytes twice.
CASES = [(codec.name, strategy, setting) for codec in all_codecs() if codec.name != "learned"
         for strategy in codec.strategies for setting in ("quality", "size")]


def box_map(shape) -> ImportanceMap:
    """A subject box over a gradient: no network involved, so only the codecs decide the bytes."""
    height, width = shape
    values = np.tile(np.linspace(0.0, 0.4, width, dtype=np.float32), (height, 1))
    values[height // 4:3 * height // 4, width // 3:2 * width // 3] = 1.0
    return ImportanceMap(values=values, classes=(), method="user", backbone="")


def versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def output_hash(rgb: np.ndarray, codec: str, strategy: str, setting: str) -> str:
    target = {"quality": 55.0} if setting == "quality" else {"target_size": 6000}
    result = roicodec.compress(rgb, codec=codec, method=strategy, importance=box_map(rgb.shape[:2]), **target)
    return hashlib.sha256(result.data).hexdigest()[:20]


@pytest.fixture(scope="module")
def pins():
    if os.environ.get("ROICODEC_PIN_WRITE"):
        return None
    if not PINS.exists():
        pytest.fail(f"{PINS} is missing: ROICODEC_PIN_WRITE=1 python -m pytest {__file__}")
    return json.loads(PINS.read_text())


def test_the_encoder_libraries_are_those_the_pins_were_made_with(pins):
    if pins is not None:
        assert pins["versions"] == versions(), "encoder libraries changed: regenerate the pins (see the docstring)"


@pytest.mark.parametrize("codec, strategy, setting", CASES)
def test_the_same_options_give_the_same_bytes(kodim23_small, pins, codec, strategy, setting):
    key = f"{codec}/{strategy}/{setting}"
    found = output_hash(kodim23_small, codec, strategy, setting)
    if pins is None:  # writing: collect, saved at the end of the module
        _written[key] = found
        return
    assert found == pins["hashes"][key], f"{key}: the bytes changed"


_written: dict[str, str] = {}


def teardown_module(module):
    if os.environ.get("ROICODEC_PIN_WRITE") and _written:
        PINS.write_text(json.dumps({"versions": versions(), "hashes": dict(sorted(_written.items()))}, indent=1) + "\n")
