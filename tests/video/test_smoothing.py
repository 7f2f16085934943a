import numpy as np
import pytest

from roicodec.errors import OptionError
from roicodec.video.smoothing import TemporalSmoother


def test_new_maps_are_blended_into_the_running_one():
    smoother = TemporalSmoother(0.75)
    first = smoother.add(np.zeros((2, 2)))
    assert (first == 0).all()
    second = smoother.add(np.ones((2, 2)))
    np.testing.assert_allclose(second, 0.25)
    assert smoother.count == 2
    assert (TemporalSmoother(0.0).add(np.ones((2, 2))) == 1).all()
    with pytest.raises(OptionError, match="smoothing"):
        TemporalSmoother(1.0)
