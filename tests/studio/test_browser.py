"""The studio page in a real headless Chromium (Debian's, driven by Playwright), against a real
``roicodec serve`` started here: upload, tune, compare, download, and the errors people see.

Screenshots go to $ROICODEC_SCREENSHOTS when set (to look at them), else to a temp folder.
"""

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roicodec import decode

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

#: Flags that let Chromium start on a machine with no network and no sandbox support.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
UPLOAD_LIMIT_MB = 2
PIXEL_LIMIT_MP = 1  # a Kodak picture is 0.39 megapixels
TIMEOUT_MS = 90_000


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is not installed: run scripts/setup.sh as root, or apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``roicodec serve`` in its own process, with small limits; its temp folder must be gone after."""
    temp = tmp_path_factory.mktemp("studio-tmp")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "roicodec", "serve", "--port", str(port), "--max-upload-mb", str(UPLOAD_LIMIT_MB),
         "--max-megapixels", str(PIXEL_LIMIT_MP)],
        env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "api/options", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"roicodec serve did not start: {process.stdout.read()}")
            time.sleep(0.3)
    yield url
    process.send_signal(2)  # Ctrl+C: uvicorn shuts down and the studio removes its folder
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert list(temp.iterdir()) == [], "the studio left files behind"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("ROICODEC_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1500, "height": 950}, accept_downloads=True)
    opened = context.new_page()
    problems = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.set_default_timeout(TIMEOUT_MS)
    opened.goto(server)
    opened.wait_for_selector("#codec option", state="attached")
    yield opened
    context.close()
    assert problems == [], f"JavaScript errors: {problems}"


def wait_for_result(page, previous_href=None):
    """Wait until a finished result (newer than ``previous_href``) is on the page; its download link."""
    page.wait_for_function(
        "(previous) => { const a = document.getElementById('download');"
        " return !document.getElementById('downloads').hidden && a.getAttribute('href') !== previous"
        " && document.getElementById('progress-box').hidden; }",
        arg=previous_href)
    return page.get_attribute("#download", "href")


def metric(page, key) -> float:
    return float(page.inner_text(f'#metrics tr[data-metric="{key}"] td:nth-child(2)'))


def sizes(page) -> dict[str, int]:
    rows = page.locator("#sizes tbody tr")
    return {rows.nth(i).locator("td").nth(0).inner_text(): int(rows.nth(i).locator("td").nth(1).inner_text().replace(",", ""))
            for i in range(rows.count())}


def test_upload_tune_compare_and_download(page, shared_data, screenshots, tmp_path):
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    first = wait_for_result(page)
    assert page.inner_text("#file-info").startswith("kodim23.png: 768×512")
    first_sizes, first_psnr = sizes(page), metric(page, "psnr")
    assert first_sizes["uniform, same size"] <= first_sizes["roicodec"]
    # The network found the parrots: the subject gains against the uniform file of the same size.
    assert metric(page, "roi_psnr") > float(page.inner_text('#metrics tr[data-metric="roi_psnr"] td:nth-child(3)'))
    page.screenshot(path=str(screenshots / "studio-result.png"), full_page=True)

    # A size target: the result updates without a reload.
    page.evaluate("window.notReloaded = true")
    page.select_option("#target-kind", "size")
    page.fill("#target-value", "20")
    page.dispatch_event("#target-value", "change")
    page.wait_for_selector("#progress-box:not([hidden])")  # the work in progress is shown
    assert page.inner_text("#stage")
    second = wait_for_result(page, first)
    assert page.evaluate("window.notReloaded") is True
    second_sizes = sizes(page)
    assert second_sizes["roicodec"] <= 20_000 < first_sizes["roicodec"]
    assert metric(page, "psnr") < first_psnr
    assert "20,000 bytes" in page.inner_text("#metrics-note")

    # The downloaded file is the one measured, a real JPEG with a sensible name.
    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "kodim23.roi.jpg"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert len(data) == second_sizes["roicodec"] and data[:2] == b"\xff\xd8"
    assert decode(data).shape == (512, 768, 3)
    assert second != first


def test_views_share_zoom_and_the_slider_reveals(page, shared_data, screenshots):
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    wait_for_result(page)
    assert page.inner_text("#zoom-level") == "fit"
    box = page.locator("#result-img").locator("xpath=..").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.4)
    page.mouse.wheel(0, -500)
    page.wait_for_function("() => document.getElementById('zoom-level').textContent !== 'fit'")
    transforms = page.eval_on_selector_all("#view-side .viewport img", "images => images.map(i => i.style.transform)")
    assert len(set(transforms)) == 1 and "scale(" in transforms[0]
    # Drag one view: the other follows.
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.up()
    moved = page.eval_on_selector_all("#view-side .viewport img", "images => images.map(i => i.style.transform)")
    assert len(set(moved)) == 1 and moved[0] != transforms[0]
    page.screenshot(path=str(screenshots / "studio-zoomed.png"), full_page=True)

    page.click("#tab-slider")
    # The wider view shows the same part of the picture: its centre is the same picture point.
    def centre_point(selector):
        return page.evaluate("""(selector) => {
            const img = document.querySelector(selector), box = img.parentElement.getBoundingClientRect();
            const m = new DOMMatrix(getComputedStyle(img).transform);
            return [(box.width / 2 - m.e) / m.a, (box.height / 2 - m.f) / m.d]; }""", selector)
    slider_centre = centre_point("#slider-right")
    page.click("#tab-side")
    side_centre = centre_point("#result-img")
    assert slider_centre == pytest.approx(side_centre, abs=0.5)
    page.click("#tab-slider")
    page.fill("#slider", "25")
    assert page.get_attribute("#slider-left-layer", "style").startswith("clip-path: inset(0px 75% 0px 0px)")
    assert "uniform.png" in page.get_attribute("#slider-left", "src")
    assert "result.png" in page.get_attribute("#slider-right", "src")
    page.screenshot(path=str(screenshots / "studio-slider.png"), full_page=True)
    page.click("#tab-map")
    assert "overlay.png" in page.get_attribute("#overlay-img", "src")
    info = page.inner_text("#map-info")
    assert "top classes: macaw" in info and "cues: people 0%, objects" in info
    page.screenshot(path=str(screenshots / "studio-map.png"), full_page=True)


def test_another_codec_strategy_and_classes(page, shared_data, screenshots):
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    first = wait_for_result(page)
    page.select_option("#codec", "webp")
    assert page.eval_on_selector_all("#strategy option", "o => o.map(x => x.value)") == \
        ["default", "uniform", "native", "blend", "prefilter"]
    second = wait_for_result(page, first)
    assert "WebP native" in page.inner_text("#caption-result")
    assert page.inner_text("#download").startswith("Download .webp")
    page.select_option("#strategy", "prefilter")
    third = wait_for_result(page, second)
    assert "WebP prefilter" in page.inner_text("#caption-result")

    # Classes: a typo is named at once; a real class drives the map.
    page.fill("#classes", "unicorn")
    page.dispatch_event("#classes", "change")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error").startswith("unknown ImageNet class or group 'unicorn'")
    page.fill("#classes", "bird")
    page.dispatch_event("#classes", "change")
    wait_for_result(page, third)
    assert page.is_hidden("#error")
    page.screenshot(path=str(screenshots / "studio-classes.png"), full_page=True)


def bad_file(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_bad_uploads_show_one_line(page, tmp_path, screenshots):
    page.set_input_files("#file-input", bad_file(tmp_path, "notes.png", b"just some text, not a picture"))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error").startswith("notes.png: not an image the studio accepts")

    noise = np.random.default_rng(0).integers(0, 256, (1100, 1100, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")  # about 3.6 MB
    page.set_input_files("#file-input", bad_file(tmp_path, "noise.png", buffer.getvalue()))
    page.wait_for_function("() => document.getElementById('error').textContent.startsWith('noise.png: the file is')")
    assert "the studio accepts up to 2 MB" in page.inner_text("#error")

    flat = io.BytesIO()
    Image.new("RGB", (1300, 1000), (90, 120, 200)).save(flat, "PNG")  # small file, 1.3 megapixels
    page.set_input_files("#file-input", bad_file(tmp_path, "wide.png", flat.getvalue()))
    page.wait_for_function("() => document.getElementById('error').textContent.startsWith('wide.png: 1300x1000')")
    assert "the studio accepts up to 1 (roicodec serve --max-megapixels)" in page.inner_text("#error")
    page.screenshot(path=str(screenshots / "studio-error.png"), full_page=True)
    assert page.is_hidden("#downloads")
