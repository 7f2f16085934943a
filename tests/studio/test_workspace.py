"""The studio's temp folder: random ids, nothing outside it, expiry, and removal at shutdown."""

import numpy as np
import pytest
from PIL import Image

from roicodec.imageio import load_image
from roicodec.studio import StudioSettings
from roicodec.studio.workspace import ID_PATTERN, UnknownItem, Workspace


@pytest.fixture
def workspace(tmp_path):
    space = Workspace(StudioSettings(temp_parent=tmp_path, max_uploads=3, keep_seconds=10))
    yield space
    space.close()


def picture(seed=0):
    return load_image(np.random.default_rng(seed).integers(0, 256, (20, 30, 3), dtype=np.uint8))


def test_an_upload_lives_in_its_own_folder_under_the_temp_folder(workspace, tmp_path):
    upload = workspace.add(picture(), "../../etc/passwd", 123)
    assert ID_PATTERN.fullmatch(upload.id)
    assert upload.folder.parent == workspace.root and workspace.root.parent == tmp_path
    assert (upload.width, upload.height) == (30, 20)
    np.testing.assert_array_equal(upload.image().pixels, picture().pixels)
    with Image.open(upload.original_png) as shown:
        np.testing.assert_array_equal(np.asarray(shown), picture().pixels)
    assert not any(p.name == "passwd" for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("bad", ["", "../x", "a" * 21, "a" * 22, "a/" * 11])
def test_unknown_or_malformed_ids_are_refused(workspace, bad):
    with pytest.raises(UnknownItem, match="unknown or expired image"):
        workspace.get(bad)


def test_expired_and_least_recently_used_uploads_are_removed(workspace):
    first, second, third = (workspace.add(picture(i), f"{i}.png", 1) for i in range(3))
    workspace.get(first.id)  # used: now the most recent
    fourth = workspace.add(picture(3), "3.png", 1)
    assert not second.folder.exists() and first.folder.exists()
    assert len(workspace) == 3
    gone = workspace.sweep(now=fourth.last_used + 11)
    assert sorted(gone) == sorted([first.id, third.id, fourth.id])
    assert not any(u.folder.exists() for u in (first, third, fourth))


def test_close_removes_everything(tmp_path):
    space = Workspace(StudioSettings(temp_parent=tmp_path))
    space.add(picture(), "a.png", 1)
    space.close()
    assert list(tmp_path.iterdir()) == []
