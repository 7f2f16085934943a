import io

import numpy as np
import pytest
from PIL import Image, ImageCms

import roicodec
from roicodec.errors import OptionError


def psnr(a, b, mask=None):
    error = (a.astype(float) - b.astype(float)) ** 2
    if mask is not None:
        error = error[mask]
    return 10 * np.log10(255.0**2 / error.mean())


@pytest.fixture(scope="module")
def box_map(kodim23):
    importance = np.zeros(kodim23.shape[:2], np.float32)
    importance[100:450, 420:720] = 1.0  # the red macaw
    return importance


@pytest.mark.parametrize("method", ["adaptive", "blend", "uniform"])
@pytest.mark.parametrize("target", [12000, 30000])
def test_target_size_is_met_from_below_within_two_percent(kodim23, box_map, method, target):
    result = roicodec.compress(kodim23, method=method, target_size=target, importance=box_map)
    assert target * 0.98 <= result.size_bytes <= target
    assert roicodec.decode(result.data).shape == kodim23.shape


def test_target_bpp(kodim23, box_map):
    result = roicodec.compress(kodim23, target_bpp=0.5, importance=box_map)
    assert 0.49 <= result.bpp <= 0.5


def test_the_subject_beats_a_uniform_jpeg_of_the_same_size(kodim23, box_map):
    ours = roicodec.compress(kodim23, target_size=25000, importance=box_map, plan="linear")
    uniform = roicodec.compress(kodim23, method="uniform", target_size=ours.size_bytes)
    subject = box_map > 0.5
    decoded_ours, decoded_uniform = roicodec.decode(ours.data), roicodec.decode(uniform.data)
    assert psnr(kodim23, decoded_ours, subject) > psnr(kodim23, decoded_uniform, subject) + 1.0
    assert psnr(kodim23, decoded_ours, ~subject) < psnr(kodim23, decoded_uniform, ~subject)


def test_mean_quality_option(kodim23_small):
    result = roicodec.compress(kodim23_small, quality=60)
    assert abs(result.quality - 60) <= 0.5
    assert result.plan.max() > result.plan.min()


def test_default_map_from_the_embedded_network(kodim23):
    result = roicodec.compress(kodim23, target_size="20KB")
    assert result.importance.classes[0].name == "macaw"
    assert result.size_bytes <= 20000 and set(result.timings) >= {"load", "map", "plan", "encode", "total"}


def test_cut_out_background_becomes_a_flat_fill(kodim23, box_map):
    result = roicodec.compress(kodim23, plan="two-level", bg_quality=0, roi_quality=80, importance=box_map, fill="#204060")
    decoded = roicodec.decode(result.data)
    background = decoded[:80, :400].reshape(-1, 3).astype(int)
    assert np.abs(background - [0x20, 0x40, 0x60]).max() <= 3
    kept = roicodec.compress(kodim23, plan="two-level", bg_quality=30, roi_quality=80, importance=box_map)
    assert result.size_bytes < kept.size_bytes


def test_map_from_a_file_of_another_size(tmp_path, kodim23, box_map):
    path = tmp_path / "map.png"
    Image.fromarray((box_map[::4, ::4] * 255).astype(np.uint8)).save(path)
    result = roicodec.compress(kodim23, target_size=20000, importance=path)
    assert result.importance.method == "user" and result.importance.values.shape == kodim23.shape[:2]


def test_target_size_counts_the_metadata(tmp_path, kodim23_small):
    icc = bytes(20000)  # a large (fake) profile must still fit inside the target
    source = tmp_path / "big_icc.png"
    rgb_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(kodim23_small).save(source, icc_profile=rgb_profile + icc[: 20000 - len(rgb_profile)])
    for method in ("adaptive", "blend", "uniform"):
        result = roicodec.compress(source, method=method, target_size=30000)
        assert 30000 * 0.98 <= result.size_bytes <= 30000, method
        with Image.open(io.BytesIO(result.data)) as image:
            assert len(image.info["icc_profile"]) == 20000, method


def test_icc_profile_is_carried_into_the_output(tmp_path, kodim23_small):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = tmp_path / "in.png"
    Image.fromarray(kodim23_small).save(source, icc_profile=icc)
    for method in ("adaptive", "blend", "uniform"):
        data = roicodec.compress(source, method=method, quality=60).data
        with Image.open(io.BytesIO(data)) as image:
            assert image.info.get("icc_profile") == icc, method


@pytest.mark.parametrize(
    "options",
    [
        {"quality": 0},
        {"quality": 50, "target_size": 1000},
        {"target_size": "12 furlongs"},
        {"target_size": 1000, "target_bpp": 1.0},
        {"method": "jpeg2000"},
        {"plan": "spiral"},
        {"roi_quality": 20, "bg_quality": 80},
        {"target_size": 50},
        {"fill": "plaid", "plan": "two-level", "bg_quality": 0},
    ],
)
def test_bad_options_give_a_clear_error(kodim23_small, options):
    with pytest.raises(OptionError) as caught:
        roicodec.compress(kodim23_small, importance=np.ones(kodim23_small.shape[:2], np.float32) * 0.2, **options)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


@pytest.fixture(scope="module")
def suppressed_birds(kodim23, box_map):
    """A map that keeps the left of the picture and suppresses the red macaw's box."""
    from roicodec.saliency import ImportanceMap

    suppressed = box_map > 0
    values = np.where(suppressed, 0.0, np.linspace(1.0, 0.0, kodim23.shape[1])[None, :]).astype(np.float32)
    return ImportanceMap(values=values, classes=(), method="user", backbone="", suppressed=suppressed)


def test_suppressed_regions_get_the_lowest_quality(kodim23, suppressed_birds):
    result = roicodec.compress(kodim23, quality=60, importance=suppressed_birds)
    blocks = result.plan[13:56, 53:90]  # 8x8 blocks inside the box
    assert blocks.max() == result.plan.min()


def test_suppressed_regions_are_filled_when_a_fill_is_given(kodim23, suppressed_birds):
    filled = roicodec.compress(kodim23, quality=60, importance=suppressed_birds, fill="gray")
    decoded = roicodec.decode(filled.data)
    assert np.abs(decoded[120:440, 440:700].astype(int) - 128).max() <= 3
    assert filled.size_bytes < roicodec.compress(kodim23, quality=60, importance=suppressed_birds).size_bytes


def test_suppress_end_to_end(kodim23):
    from roicodec.saliency import MapOptions

    result = roicodec.compress(kodim23, quality=60, map_options=MapOptions(suppress="bird"), fill="black")
    assert result.importance.suppressed.mean() > 0.02
    decoded = roicodec.decode(result.data)
    rows, cols = np.nonzero(result.importance.suppressed)
    centre = decoded[int(np.median(rows)), int(np.median(cols))]
    assert centre.max() <= 8  # a suppressed bird is black now


def test_auto_plan_is_two_level_for_a_mask_and_quantile_for_the_networks_map(kodim23_small):
    mask = np.zeros(kodim23_small.shape[:2], np.float32)
    mask[40:140, 60:200] = 1.0
    given = roicodec.compress(kodim23_small, quality=60, importance=mask)
    assert len(np.unique(given.plan)) == 2
    network = roicodec.compress(kodim23_small, quality=60)
    assert len(np.unique(network.plan)) == 5  # the quantile plan's five levels


def test_a_result_says_what_it_is_and_saves_itself(kodim23_small, tmp_path):
    result = roicodec.compress(kodim23_small, quality=60)
    text = repr(result)
    assert text.startswith("CompressionResult(jpeg native, 256x176, ") and len(text) < 200
    assert result.extension == ".jpg" and result.mime_type == "image/jpeg"
    path = result.save(tmp_path / "new" / f"out{result.extension}")
    assert path.read_bytes() == result.data
    webp = roicodec.compress(kodim23_small, codec="webp", quality=60)
    assert (webp.extension, webp.mime_type) == (".webp", "image/webp")


def test_saving_twice_replaces_the_file(kodim23_small, tmp_path):
    result = roicodec.compress(kodim23_small, quality=60)
    target = tmp_path / "same.jpg"
    result.save(target)
    result.save(target)  # a file of its own: replaced atomically
    assert target.read_bytes() == result.data


def test_a_large_picture_plans_from_its_working_map_and_carries_the_full_size_one(kodim23, monkeypatch):
    from roicodec.saliency import engine as module

    monkeypatch.setattr(module, "MAP_WORK_PIXELS", 100_000)
    result = roicodec.compress(kodim23, target_size=30_000)
    assert result.importance.values.shape == (512, 768)
    # the plan is the block means of the map the result carries: handing it back gives the same file
    again = roicodec.compress(kodim23, target_size=30_000, importance=result.importance)
    assert again.data == result.data
