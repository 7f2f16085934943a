import numpy as np
import pytest
import torch

from roicodec.errors import OptionError
from roicodec.saliency import importance_map, load_backbone
from roicodec.saliency.backbones import preprocess
from roicodec.maps import normalise
from roicodec.saliency.cam import upsample_to


@pytest.fixture(scope="module")
def parrots_map(kodim23):
    return importance_map(kodim23, method="fused")  # CAM itself; the default subject map builds on it


def test_map_has_the_image_size_and_unit_range(kodim23, parrots_map):
    values = parrots_map.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert values.min() == 0.0 and values.max() == 1.0
    assert np.isfinite(values).all()


def test_map_is_deterministic(kodim23, parrots_map):
    np.testing.assert_array_equal(importance_map(kodim23, method="fused").values, parrots_map.values)


def test_embedded_weights_recognise_the_parrots(parrots_map):
    top = parrots_map.classes[0]
    assert top.name == "macaw" and top.index == 88 and top.probability > 0.3
    assert len(parrots_map.classes) == 5
    probabilities = [c.probability for c in parrots_map.classes]
    assert probabilities == sorted(probabilities, reverse=True)


def test_map_is_hotter_on_the_birds_than_on_the_background(parrots_map):
    values = parrots_map.values
    birds = values[150:512, 420:700].mean()  # the red macaw on the right
    corner = values[:100, :150].mean()  # blurred foliage, top left
    assert birds > 2 * corner


def test_fusion_equals_the_weighted_sum_of_single_class_maps(kodim23):
    """CAM_k = W_k . A, fused as ReLU(sum p_k CAM_k), computed here from the raw network."""
    backbone = load_backbone()
    with torch.inference_mode():
        features = backbone.network.features(preprocess(kodim23, backbone))
        p = backbone.network(preprocess(kodim23, backbone)).softmax(1)[0]
    top_p, top_i = p.topk(3)
    single = [torch.einsum("c,chw->hw", backbone.network.fc.weight[i], features[0]) for i in top_i]
    expected = torch.relu(sum(w * m for w, m in zip(top_p, single)))
    expected = normalise(upsample_to(expected, *kodim23.shape[:2]))
    np.testing.assert_allclose(importance_map(kodim23, method="fused", top_k=3).values, expected, atol=1e-4)


def test_works_on_tall_small_and_flat_images():
    tall = np.random.default_rng(0).integers(0, 256, (300, 40, 3), dtype=np.uint8)
    assert importance_map(tall).values.shape == (300, 40)
    flat = np.full((64, 64, 3), 128, np.uint8)
    values = importance_map(flat).values
    assert values.shape == (64, 64) and np.isfinite(values).all()


@pytest.mark.parametrize("options", [{"method": "nope"}, {"backbone": "alexnet"}, {"top_k": 0}, {"short_side": 8},
                                     {"fusion": "median"}, {"erase": 9}, {"classes": "unicorn"}])
def test_bad_options_are_refused(kodim23, options):
    with pytest.raises(OptionError):
        importance_map(kodim23[:64, :64], **options)


def test_unknown_option_names_are_a_type_error(kodim23):
    with pytest.raises(TypeError, match="colour"):
        importance_map(kodim23[:64, :64], colour="red")
