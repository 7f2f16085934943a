import pytest
import torch

from roicodec.errors import OptionError
from roicodec.saliency.fusion import fuse


@pytest.fixture
def two_classes():
    maps = torch.tensor([[[0.0, 2.0], [4.0, -1.0]], [[1.0, 0.0], [0.0, 0.5]]])
    return maps, torch.tensor([0.75, 0.25])


def test_weighted_is_relu_of_the_weighted_sum(two_classes):
    maps, weights = two_classes
    expected = torch.relu(0.75 * maps[0] + 0.25 * maps[1])
    torch.testing.assert_close(fuse(maps, weights), expected)


def test_threshold_is_the_studys_formula(two_classes):
    """M = ReLU(sum_c p_c ReLU(M_c / peak_c - alpha) - beta), p summing to 1."""
    maps, weights = two_classes
    alpha, beta = 0.3, 0.1
    by_hand = torch.relu(0.75 * torch.relu(maps[0] / 4.0 - alpha) + 0.25 * torch.relu(maps[1] / 1.0 - alpha) - beta)
    torch.testing.assert_close(fuse(maps, weights, fusion="threshold", alpha=alpha, beta=beta), by_hand)
    # alpha = beta = 0 keeps every positive value; alpha near 1 keeps only each class's peak
    assert (fuse(maps, weights, fusion="threshold") > 0).sum() == 4
    assert (fuse(maps, weights, fusion="threshold", alpha=0.99) > 0).sum() == 2


@pytest.mark.parametrize("options", [{"fusion": "max"}, {"fusion": "threshold", "alpha": 1.5},
                                     {"fusion": "threshold", "beta": -0.1}])
def test_bad_fusion_options(two_classes, options):
    with pytest.raises(OptionError):
        fuse(*two_classes, **options)
