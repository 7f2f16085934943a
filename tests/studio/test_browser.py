"""The studio page in a real headless Chromium (Debian's, driven by Playwright), against a real
``roicodec serve`` started here: upload, tune, compare, download, and the errors people see.

Screenshots go to $ROICODEC_SCREENSHOTS when set (to look at them), else to a temp folder.
"""

import io
import os
import re
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


#: How the numbers look: marked stale, the metrics table's opacity, the "updating…" note shown.
NUMBERS_LOOK = """() => { const numbers = document.getElementById('numbers');
    const note = numbers.querySelector('#metrics-block .stale-note');
    return {stale: numbers.classList.contains('stale'),
            opacity: Number(getComputedStyle(document.getElementById('metrics')).opacity),
            note: getComputedStyle(note).visibility === 'visible' && note.getBoundingClientRect().width > 0}; }"""


def test_upload_tune_compare_and_download(page, shared_data, screenshots, tmp_path):
    # The page starts at 0.75 bits per pixel, where the two files differ (not quality 75).
    assert page.input_value("#target-kind") == "bpp" and page.input_value("#target-value") == "0.75"
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    first = wait_for_result(page)
    assert page.inner_text("#file-info").startswith("kodim23.png: 768×512")
    first_sizes, first_psnr = sizes(page), metric(page, "psnr")
    assert 0.6 * 36_864 < first_sizes["roicodec"] <= 36_864  # 0.75 bpp of 768×512
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
    # Until the new result arrives the numbers shown are the old settings': dimmed and marked.
    page.wait_for_function(f"() => {{ const look = ({NUMBERS_LOOK})();"
                           " return look.stale && look.opacity < 0.5 && look.note; }")
    assert page.inner_text("#metrics-block h2") == "Metrics updating…"
    second = wait_for_result(page, first)
    assert page.evaluate(NUMBERS_LOOK) == {"stale": False, "opacity": 1, "note": False}
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
    # The readout is the picture's own zoom: screen pixels per picture pixel.
    zoomed = page.inner_text("#zoom-level")
    assert zoomed == f"{round(shown_scale(page, '#result-img') * 100)} %"
    # Drag one view: the other follows.
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.up()
    moved = page.eval_on_selector_all("#view-side .viewport img", "images => images.map(i => i.style.transform)")
    assert len(set(moved)) == 1 and moved[0] != transforms[0]
    page.screenshot(path=str(screenshots / "studio-zoomed.png"), full_page=True)

    # Another view of another size keeps the zoom and its readout: the same number, the same meaning.
    scale = shown_scale(page, "#result-img")
    for tab, image in (("#tab-slider", "#slider-right"), ("#tab-map", "#overlay-img"), ("#tab-side", "#result-img")):
        page.click(tab)
        assert page.inner_text("#zoom-level") == zoomed
        assert shown_scale(page, image) == pytest.approx(scale)
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
    # Each side says what it shows, at its own edge above the picture.
    left, right = page.inner_text("#slider-left-label"), page.inner_text("#slider-right-label")
    assert left.startswith("◀ Left: uniform JPEG, same size: ") and ", q " in left, left
    assert right.startswith("Right: roicodec JPEG native: ") and right.endswith(" bpp ▶"), right
    labels = [page.locator(selector).bounding_box() for selector in ("#slider-left-label", "#slider-right-label")]
    picture = page.locator("#slider-viewport").bounding_box()
    assert labels[0]["x"] == pytest.approx(picture["x"], abs=1)
    assert labels[1]["x"] + labels[1]["width"] == pytest.approx(picture["x"] + picture["width"], abs=1)
    assert all(label["y"] + label["height"] <= picture["y"] + 0.5 for label in labels)
    page.screenshot(path=str(screenshots / "studio-slider.png"), full_page=True)
    page.select_option("#slider-left-source", "original")
    assert page.inner_text("#slider-left-label") == "◀ Left: original kodim23.png: 548.8 KB"

    page.click("#zoom-fit")
    assert page.inner_text("#zoom-level") == "fit"
    page.click("#zoom-1")  # 1:1 is 100 % in every view
    assert page.inner_text("#zoom-level") == "100 %" and shown_scale(page, "#slider-right") == pytest.approx(1)
    page.click("#tab-map")
    assert page.inner_text("#zoom-level") == "100 %" and shown_scale(page, "#overlay-img") == pytest.approx(1)
    page.click("#zoom-fit")
    assert "overlay.png" in page.get_attribute("#overlay-img", "src")
    info = page.inner_text("#map-info")
    assert "top classes: macaw" in info and "cues: people 0%, objects" in info
    check_legend(page)
    page.screenshot(path=str(screenshots / "studio-map.png"), full_page=True)


def shown_scale(page, selector) -> float:
    """Screen pixels per picture pixel of a picture as drawn (its transform)."""
    return page.evaluate("(selector) => new DOMMatrix(getComputedStyle(document.querySelector(selector)).transform).a",
                         selector)


def check_legend(page):
    """The map's colour bar is the overlay's colormap (inferno, as overlay.png is drawn), low to high."""
    from matplotlib import colormaps

    inferno = colormaps["inferno"]
    gradient = page.eval_on_selector("#colorbar", "bar => getComputedStyle(bar).backgroundImage")
    stops = re.findall(r"rgb\((\d+), (\d+), (\d+)\) ([\d.]+)%", gradient)
    assert len(stops) >= 5, gradient
    for *rgb, position in stops:
        expected = np.asarray(inferno(float(position) / 100)[:3]) * 255
        assert np.abs(np.asarray(rgb, float) - expected).max() <= 1, (position, rgb, expected)
    # As drawn: along the bar the colours follow the colormap, dark (low) at the left, bright at the right.
    drawn = np.asarray(Image.open(io.BytesIO(page.locator("#colorbar").screenshot())).convert("RGB"), float)
    row, width = drawn[drawn.shape[0] // 2], drawn.shape[1]
    for fraction in (0.02, 0.25, 0.4, 0.75, 0.98):
        x = round(1 + fraction * (width - 2))  # inside the 1 px border
        expected = np.asarray(inferno(fraction)[:3]) * 255
        assert np.abs(row[x] - expected).max() <= 12, (fraction, row[x], expected)
    low, bar, high = (page.locator(s).bounding_box() for s in
                      ("#map-legend .legend-end:first-child", "#colorbar", "#map-legend .legend-end:last-child"))
    assert page.inner_text("#map-legend .legend-end:first-child") == "low importance"
    assert page.inner_text("#map-legend .legend-end:last-child") == "high importance"
    assert low["x"] + low["width"] <= bar["x"] and bar["x"] + bar["width"] <= high["x"]
    marker = page.locator("#colorbar-threshold").bounding_box()  # the subject threshold, map 0.5
    assert marker["x"] + marker["width"] / 2 == pytest.approx(bar["x"] + bar["width"] / 2, abs=1.5)


#: Window sizes people use: a narrow window, a laptop, a full-HD screen.
WINDOWS = [(800, 900), (1280, 720), (1920, 1080)]
#: The page's parts that must each have their own place: controls, tabs, captions, pictures, the
#: slider, the legend, the zoom bar, the numbers.
LAID_OUT = ["#drop-zone", "#controls .field", "#downloads > a", "#progress-box", "#error", ".tabs", "figcaption",
            ".caption", ".viewport", "#slider", ".slider-sources label", "#map-legend", "#map-info", ".zoom-bar",
            "#numbers h2", "#sizes", "#metrics", "#metrics-note"]
LAYOUT_JS = """(selectors) => {
    const boxes = [];
    for (const selector of selectors) {
        document.querySelectorAll(selector).forEach((element, i) => {
            if (!element.getClientRects().length) return;  // not shown: display none, another tab
            const r = element.getBoundingClientRect();
            const picture = element.classList.contains('viewport') && element.querySelector('img').getBoundingClientRect();
            boxes.push({name: element.id ? '#' + element.id : `${selector} ${i + 1}`, kind: selector,
                        left: r.left + scrollX, top: r.top + scrollY,
                        right: r.right + scrollX, bottom: r.bottom + scrollY,
                        drawn: picture && [picture.width, picture.height]});
        });
    }
    return {boxes, width: innerWidth, height: innerHeight, scrollWidth: document.scrollingElement.scrollWidth};
}"""


def layout_problems(page, tab: str) -> list[str]:
    """What is wrong with the page's layout as shown now, in words (nothing: an empty list)."""
    look = page.evaluate(LAYOUT_JS, LAID_OUT)
    boxes, width, height = look["boxes"], look["width"], look["height"]
    problems = []
    if look["scrollWidth"] > width:
        problems.append(f"the page scrolls sideways ({look['scrollWidth']} px wide in a {width} px window)")
    for box in boxes:
        if box["right"] - box["left"] < 1 or box["bottom"] - box["top"] < 1:
            problems.append(f"{box['name']} is empty")
        if box["left"] < -0.5 or box["right"] > width + 0.5:
            problems.append(f"{box['name']} runs past the window's edge ({box['left']:.0f}..{box['right']:.0f})")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > 0.5 and down > 0.5:
                problems.append(f"{a['name']} and {b['name']} overlap ({across:.0f}×{down:.0f} px)")

    pictures = [box for box in boxes if box["kind"] == ".viewport"]
    if len(pictures) != (2 if tab == "side" else 1):
        return [*problems, f"{len(pictures)} pictures shown"]
    for box in pictures:
        # At "fit" the picture fills its box in one direction.
        box_size = (box["right"] - box["left"], box["bottom"] - box["top"])
        if min(abs(drawn - size) for drawn, size in zip(box["drawn"], box_size)) > 1:
            problems.append(f"the picture is drawn {box['drawn']} in a {box_size} box")
    shares = [(box["right"] - box["left"]) / width for box in pictures]
    if tab == "side":
        side_by_side = abs(pictures[0]["top"] - pictures[1]["top"]) < 1
        smallest = 0.38 if side_by_side else 0.9
        if min(shares) < smallest:
            problems.append(f"the pictures take {min(shares):.0%} of the width each (at least {smallest:.0%})")
        if max(box["bottom"] for box in pictures) > height:
            problems.append("the two pictures are not both on the first screen")
    elif shares[0] < 0.75:
        problems.append(f"the picture takes {shares[0]:.0%} of the width (at least 75%)")
    controls = next(box for box in boxes if box["name"] == "#drop-zone")
    zoom_bar = next(box for box in boxes if box["kind"] == ".zoom-bar")
    if controls["right"] <= pictures[0]["left"] and zoom_bar["bottom"] > height:
        problems.append("with the controls beside them, the picture and the zoom bar do not fit the window's height")
    return problems


def test_layout_at_common_window_sizes(page, shared_data, screenshots):
    """At 800, 1280 and 1920 px, nothing overlaps or runs off the side and the pictures are large."""
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    wait_for_result(page)
    problems = []
    for width, height in WINDOWS:
        page.set_viewport_size({"width": width, "height": height})
        for tab in ("side", "slider", "map"):
            page.click(f"#tab-{tab}")
            page.evaluate("() => { scrollTo(0, 0); return new Promise(requestAnimationFrame); }")
            page.screenshot(path=str(screenshots / f"studio-{width}x{height}-{tab}.png"))
            problems += [f"{width}x{height} {tab}: {problem}" for problem in layout_problems(page, tab)]
        page.click("#tab-side")
        page.screenshot(path=str(screenshots / f"studio-{width}x{height}-full.png"), full_page=True)
    assert problems == [], "\n".join(problems)


def test_another_codec_strategy_and_classes(page, shared_data, screenshots):
    page.set_input_files("#file-input", str(shared_data / "kodak" / "kodim23.png"))
    first = wait_for_result(page)
    page.select_option("#codec", "webp")
    assert page.eval_on_selector_all("#strategy option", "o => o.map(x => x.value)") == \
        ["default", "native", "blend", "prefilter", "uniform"]
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
    assert page.inner_text("#metrics-block h2") == "Metrics not updated"  # the numbers are the last result's
    page.wait_for_function(f"() => ({NUMBERS_LOOK})().opacity < 0.5")  # dimmed (after a short fade)
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
