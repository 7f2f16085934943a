import pytest
import torch

from roicodec.errors import OptionError
from roicodec.saliency import importance_map
from roicodec.saliency.erase import erase_refine


def test_erasing_finds_a_second_region():
    """A toy 'network' that sees only the brightest spot: erasing it reveals the next one."""
    batch = torch.zeros(1, 3, 32, 32)
    batch[..., 4:8, 4:8] = 2.0
    batch[..., 20:24, 20:24] = 1.0

    def brightest(inputs):
        luminance = inputs[0].mean(dim=0)
        return (luminance >= luminance.max()).float() * luminance.max()

    plain = erase_refine(brightest, batch, 0)
    assert plain[20:24, 20:24].max() == 0
    merged = erase_refine(brightest, batch, 1)
    assert merged[4:8, 4:8].min() == 1.0 and merged[20:24, 20:24].min() == 1.0


def test_erasing_spreads_the_map_over_more_of_the_birds(kodim23):
    plain = importance_map(kodim23, method="fused").values
    erased = importance_map(kodim23, method="fused", erase=2).values
    assert erased.shape == plain.shape and erased.max() == 1.0
    assert (erased >= 0.5).mean() > (plain >= 0.5).mean()
    assert (erased >= 0.5)[plain >= 0.9].all()  # the max-merge keeps what the plain map found


def test_rounds_are_bounded(kodim23):
    with pytest.raises(OptionError, match="0 to 5"):
        importance_map(kodim23[:64, :64], erase=6)
