"""The CAM head and ACoL's two adversarial classifiers."""

import torch

from roicodec.saliency.heads import ACoLHead, LinearHead, prediction_logits


def test_linear_head_maps_are_its_weights_on_the_features():
    torch.manual_seed(0)
    head = LinearHead(8, 3)
    features = torch.rand(1, 8, 5, 5)
    (logits,) = head(features)
    maps = head.class_maps(features, torch.tensor([0, 2]))
    assert maps.shape == (2, 5, 5)
    # GAP then linear equals the mean of the class map plus the bias: the CAM identity.
    torch.testing.assert_close(maps.mean(dim=(1, 2)) + head.fc.bias[[0, 2]], logits[0, [0, 2]])


def test_acol_erases_where_the_first_classifier_is_sure():
    head = ACoLHead(4, 2, threshold=0.5)
    with torch.no_grad():
        head.a.weight.zero_()
        head.a.bias.zero_()
        head.a.weight[0, 0] = 1.0  # class 0's map is channel 0
    features = torch.zeros(1, 4, 4, 4)
    features[0, 0, :2, :2] = 1.0  # strong top-left
    features[0, 1] = 1.0
    maps_a = head.a(features)
    erased = head._erased(features, maps_a, torch.tensor([0]))
    assert erased[0, :, :2, :2].abs().sum() == 0  # erased where A's map passes half its peak
    assert erased[0, 1, 2:, 2:].sum() == 4  # kept elsewhere
    logits_a, logits_b = head(features, torch.tensor([0]))
    assert logits_a.shape == logits_b.shape == (1, 2)
    assert prediction_logits((logits_a, logits_b)).shape == (1, 2)


def test_acol_maps_are_the_max_of_both_in_unit_range():
    torch.manual_seed(1)
    head = ACoLHead(6, 3)
    with torch.no_grad():
        maps = head.class_maps(torch.rand(1, 6, 7, 7), torch.tensor([1, 2]))
    assert maps.shape == (2, 7, 7) and float(maps.min()) >= 0 and float(maps.max()) <= 1.0 + 1e-6
