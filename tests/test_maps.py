"""The importance map value: resized bilinearly with its suppressed region, described briefly."""

import numpy as np

from roicodec.maps import ClassScore, ImportanceMap


def test_a_map_resizes_with_its_suppressed_region():
    values = np.zeros((40, 60), np.float32)
    values[10:30, 20:40] = 1.0
    suppressed = np.zeros((40, 60), bool)
    suppressed[:, :30] = True
    small = ImportanceMap(values=values, classes=(ClassScore(88, "macaw", 0.5),), method="fused",
                          backbone="efficientnet-lite0", suppressed=suppressed)
    assert small.resized(40, 60) is small
    large = small.resized(80, 120)
    assert large.values.shape == (80, 120) and large.values.dtype == np.float32
    assert 0.0 <= large.values.min() and large.values.max() <= 1.0
    assert large.values[40, 60] == 1.0 and large.values[2, 2] == 0.0
    assert large.suppressed.dtype == bool and abs(large.suppressed.mean() - 0.5) < 0.02
    assert large.classes == small.classes and large.method == "fused"


def test_its_description_is_short_whatever_its_size():
    values = np.zeros((2000, 3000), np.float32)
    text = repr(ImportanceMap(values=values, classes=(), method="user", backbone=""))
    assert text.startswith("ImportanceMap(3000x2000, method='user'") and len(text) < 200
