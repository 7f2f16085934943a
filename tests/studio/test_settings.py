"""The studio's limits refuse nonsense with one line."""

import pytest

from roicodec.errors import OptionError
from roicodec.studio import StudioSettings


@pytest.mark.parametrize("changes, message", [
    ({"max_upload_bytes": 0}, "max_upload_bytes must be at least 1"),
    ({"workers": 0}, "workers must be at least 1"),
    ({"keep_seconds": 0}, "keep_seconds must be positive"),
    ({"workers": 4, "queue_limit": 2}, "queue_limit (2) must be at least workers (4)"),
])
def test_bad_limits_are_refused(changes, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        StudioSettings(**changes)


def test_defaults_fit_a_full_hd_frame_and_a_phone_photo_downscaled():
    settings = StudioSettings()  # the limit is set by a comparison's memory (test_memory.py)
    assert settings.max_pixels >= 3000 * 2000
    assert settings.queue_limit >= settings.workers
