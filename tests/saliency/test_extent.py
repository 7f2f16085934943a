import numpy as np

from roicodec.saliency.extent import (grabcut_region, object_prior, objects_mask, principal_component_map,
                                      region_boxes)


def _features_with_an_object():
    """(C, h, w) features: one pattern on a 3x3 object, another on the background."""
    rng = np.random.default_rng(3)
    obj, bg = rng.normal(size=32), rng.normal(size=32)
    grid = np.zeros((32, 7, 9))
    inside = np.zeros((7, 9), bool)
    inside[2:5, 3:6] = True
    grid[:, inside] = obj[:, None] * 3
    grid[:, ~inside] = bg[:, None]
    return np.abs(grid + 0.05 * rng.normal(size=grid.shape)).astype(np.float32), inside


def test_principal_component_takes_the_sign_of_the_reference():
    features, inside = _features_with_an_object()
    reference = inside.astype(np.float32)
    towards = principal_component_map(features, reference)
    away = principal_component_map(features, 1 - reference)
    assert towards[inside].mean() > towards[~inside].mean()
    assert away[~inside].mean() > away[inside].mean()
    assert float(towards.min()) >= 0


def test_prior_is_the_agreement_of_cam_and_component():
    features, inside = _features_with_an_object()
    cam = inside.astype(np.float32) * 5
    prior = object_prior(cam, features)
    assert prior.shape == (7, 9) and float(prior.max()) <= 1.0 + 1e-6
    assert float(prior[~inside].max()) < 1e-6  # the CAM says no: the prior says no
    assert float(prior[2, 3]) > 0.5


def test_a_constant_feature_map_has_no_component():
    assert float(principal_component_map(np.ones((8, 4, 4), np.float32), np.ones((4, 4), np.float32)).max()) == 0.0


def _disc_picture():
    y, x = np.mgrid[0:120, 0:160]
    disc = (y - 60) ** 2 + (x - 80) ** 2 < 30 ** 2
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[...] = (40, 60, 200)
    rgb[disc] = (220, 50, 40)
    rng = np.random.default_rng(1)
    rgb = np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    return rgb, disc


def test_grabcut_grows_a_seed_on_part_of_an_object_to_the_whole_object():
    rgb, disc = _disc_picture()
    y, x = np.mgrid[0:120, 0:160]
    # A coarse map's blob on the disc's centre: "probable object" reaches only 2/3 of its radius.
    prior = np.exp(-((y - 60) ** 2 + (x - 80) ** 2) / (2 * 15.0 ** 2)).astype(np.float32)
    assert (prior >= 0.35)[disc].mean() < 0.6
    region = grabcut_region(rgb, prior)
    iou = (region & disc).sum() / (region | disc).sum()
    assert iou > 0.8


def test_region_boxes_pad_each_region_and_drop_specks():
    region = np.zeros((100, 200), bool)
    region[20:40, 30:60] = True
    region[60:90, 120:180] = True
    region[5, 5] = True  # a speck
    boxes = region_boxes(region)
    assert len(boxes) == 2
    (rows, cols) = boxes[0]
    assert rows.start < 20 and rows.stop > 40 and cols.start < 30 and cols.stop > 60


def test_objects_mask_is_empty_for_an_empty_prior_and_boxes_the_disc():
    rgb, disc = _disc_picture()
    assert objects_mask(rgb, np.zeros(disc.shape, np.float32)).max() == 0.0
    prior = np.where(disc, 1.0, 0.0).astype(np.float32)
    mask = objects_mask(rgb, prior)
    assert mask[disc].min() == 1.0 and mask[0, 0] == 0.0


def test_grabcut_gives_the_same_region_every_time():
    rgb, disc = _disc_picture()
    y, x = np.mgrid[0:120, 0:160]
    prior = np.exp(-((y - 60) ** 2 + (x - 80) ** 2) / (2 * 15.0 ** 2)).astype(np.float32)
    import cv2

    first = grabcut_region(rgb, prior)
    cv2.setRNGSeed(999)  # whatever state the generator is left in
    np.random.default_rng(5).random()
    assert all(np.array_equal(first, grabcut_region(rgb, prior)) for _ in range(3))
