import numpy as np
import pytest
import torch

from roicodec.errors import InputError, OptionError
from roicodec.saliency import EMBEDDED_BACKBONES, NAMED_BACKBONES, importance_map, load_backbone
from roicodec.saliency.backbones import resolve_layer
from roicodec.saliency.gradcams import LIBRARY_METHODS


@pytest.mark.parametrize("backbone", list(EMBEDDED_BACKBONES))
@pytest.mark.parametrize("method", ["fused", "msroi"])  # the CAM family: test_gradcams.py
def test_every_head_method_on_every_embedded_backbone(kodim23, backbone, method):
    result = importance_map(kodim23, method=method, backbone=backbone)
    values = result.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert values.min() == 0.0 and values.max() == 1.0 and np.isfinite(values).all()
    assert result.classes[0].name == "macaw"  # real ImageNet weights, not random ones
    assert result.backbone == backbone and result.method == method
    np.testing.assert_array_equal(importance_map(kodim23, method=method, backbone=backbone).values, values)
    birds, corner = values[150:512, 420:700].mean(), values[:100, :150].mean()
    assert birds > 2 * corner


def test_backbones_are_loaded_once():
    assert load_backbone("efficientnet-lite1") is load_backbone("efficientnet-lite1")


def test_unknown_backbone_is_a_clear_error(kodim23):
    with pytest.raises(OptionError, match="available: efficientnet-lite0"):
        importance_map(kodim23[:64, :64], backbone="resnet9000")


NAMED_METHODS = ["fused", *[m for m in LIBRARY_METHODS if m not in ("scorecam", "ablationcam")]]


@pytest.mark.parametrize("backbone", list(NAMED_BACKBONES))
@pytest.mark.parametrize("method", NAMED_METHODS)
def test_named_backbones_with_random_weights(kodim23, backbone, method):
    """The study's networks and target layers: shape, range, determinism, no NaN (random weights:
    the machine is offline, so the classes mean nothing)."""
    options = {"method": method, "backbone": backbone, "weights": "random", "short_side": 96, "top_k": 2}
    result = importance_map(kodim23, **options)
    values = result.values
    assert values.shape == kodim23.shape[:2] and values.dtype == np.float32
    assert np.isfinite(values).all() and 0.0 <= values.min() and values.max() <= 1.0
    np.testing.assert_array_equal(importance_map(kodim23, **options).values, values)


@pytest.mark.parametrize("method", ["scorecam", "ablationcam"])
def test_per_channel_methods_on_a_named_backbone(kodim23, method):
    result = importance_map(kodim23, method=method, backbone="vgg16", weights="random", short_side=32, top_k=1)
    assert np.isfinite(result.values).all() and result.values.shape == kodim23.shape[:2]


def test_cam_needs_a_pooled_linear_head(kodim23):
    assert importance_map(kodim23, method="cam", backbone="resnet50", weights="random", short_side=64).values.max() == 1
    for backbone in ("vgg16", "vit_base_patch16_224"):
        with pytest.raises(OptionError, match="use gradcam"):
            importance_map(kodim23, method="cam", backbone=backbone, weights="random")


def test_resnet_fast_path_equals_the_library_gradcam(kodim23):
    """Equal up to interpolation: the library resizes to the input first, the fast path once at the end."""
    options = {"backbone": "resnet50", "weights": "random", "short_side": 96, "top_k": 1}
    np.testing.assert_allclose(importance_map(kodim23, method="cam", **options).values,
                               importance_map(kodim23, method="gradcam", **options).values, atol=1e-2)


def test_study_target_layers():
    assert isinstance(load_backbone("vgg16", weights="random").target_layer, torch.nn.MaxPool2d)
    resnet = load_backbone("resnet50", weights="random")
    assert resnet.target_layer is resnet.network.layer4[-1]
    vit = load_backbone("vit_base_patch16_224", weights="random")
    assert vit.target_layer is vit.network.blocks[-1].norm1
    tokens = torch.arange(2 * 197 * 4, dtype=torch.float32).reshape(2, 197, 4)
    maps = vit.reshape(tokens)
    assert maps.shape == (2, 4, 14, 14) and maps[0, :, 0, 0].tolist() == tokens[0, 1].tolist()


def test_missing_weights_offline_is_a_clear_error(kodim23, monkeypatch, tmp_path):
    """Offline (this machine): no silent random weights, a message that says what to do."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached download
    for backbone in ("resnet50", "vit_base_patch16_224"):
        with pytest.raises(OptionError, match="--weights PATH"):
            load_backbone(backbone)


def test_weights_from_a_file(kodim23, tmp_path):
    network = load_backbone("resnet50", weights="random").network
    path = tmp_path / "resnet50.pth"
    torch.save(network.state_dict(), path)
    from_file = importance_map(kodim23, backbone="resnet50", weights=str(path), short_side=64)
    random = importance_map(kodim23, backbone="resnet50", weights="random", short_side=64)
    np.testing.assert_array_equal(from_file.values, random.values)
    (tmp_path / "bad.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="bad.pth: not resnet50 weights"):
        load_backbone("resnet50", weights=str(tmp_path / "bad.pth"))
    with pytest.raises(InputError, match="not found"):
        load_backbone("vgg16", weights=str(tmp_path / "missing.pth"))
    with pytest.raises(OptionError, match="carries its own weights"):
        load_backbone("efficientnet-lite0", weights=str(path))


def test_target_layer_paths():
    resnet = load_backbone("resnet50", weights="random").network
    assert resolve_layer(resnet, "layer4[-1]") is resnet.layer4[-1]
    assert resolve_layer(resnet, "layer3[0].conv1") is resnet.layer3[0].conv1
    for bad in ("layer9", "layer4[7]", "layer4[-1", "fc.weight"):
        with pytest.raises(OptionError):
            resolve_layer(resnet, bad)


def test_a_target_layer_override_drives_the_map(kodim23):
    default = importance_map(kodim23, method="gradcam", top_k=1)
    earlier = importance_map(kodim23, method="gradcam", top_k=1, target_layer="_blocks[-4]")
    assert np.abs(default.values - earlier.values).max() > 0.05
    with pytest.raises(OptionError, match="use gradcam"):  # the head no longer follows the layer
        importance_map(kodim23, method="cam", target_layer="_blocks[-4]")


def test_thin_pictures_keep_the_network_input_bounded():
    from roicodec.saliency.backbones import load_backbone, preprocess
    from roicodec.saliency.inputs import MAX_ASPECT

    backbone = load_backbone("efficientnet-lite0")
    strip = np.zeros((1, 1000, 3), np.uint8)
    tensor = preprocess(strip, backbone, 224)
    assert tensor.shape[3] <= MAX_ASPECT * 224 and tensor.shape[2] >= 1
    photo = np.zeros((512, 768, 3), np.uint8)
    assert tuple(preprocess(photo, backbone, 224).shape[2:]) == (224, 336)  # ordinary shapes unchanged
