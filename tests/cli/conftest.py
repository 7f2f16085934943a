"""What the command-line tests share: a small real photo on disk."""

import pytest
from PIL import Image


@pytest.fixture
def photo(tmp_path, kodim23_small):
    path = tmp_path / "photo.png"
    Image.fromarray(kodim23_small).save(path)
    return path
