"""The studio's HTTP interface, in process: limits, types, ids, downloads, isolation and clean-up.
The page itself is driven in a real browser in test_browser.py."""

import io
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from roicodec import decode
from roicodec.studio import StudioSettings, create_app


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def temp_parent(tmp_path):
    folder = tmp_path / "studio-temp"
    folder.mkdir()
    return folder


@pytest.fixture
def client(temp_parent):
    settings = StudioSettings(max_upload_bytes=400_000, max_pixels=200_000, workers=2, temp_parent=temp_parent)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def upload(client, data: bytes, name="photo.png"):
    return client.post("/api/uploads", content=data, headers={"X-Filename": name})


def finished(client, job_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_the_page_and_its_options_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "roicodec studio" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/studio.js").status_code == 200
    assert client.get("/api/options").json()["limits"]["max_upload_bytes"] == 400_000


def test_upload_compress_and_download(client, kodim23_small):
    stored = upload(client, png(kodim23_small), name="C:\\Users\\me\\parrot head.png").json()
    assert stored["name"] == "parrot head.png" and (stored["width"], stored["height"]) == (256, 176)
    assert client.get(stored["original"]).headers["content-type"] == "image/png"
    job = client.post("/api/jobs", json={"upload": stored["id"], "codec": "webp", "target": "bpp", "value": 1.0})
    assert job.status_code == 202
    done = finished(client, job.json()["id"])
    assert done["state"] == "done", done["error"]
    result = done["result"]["files"]["result"]
    assert result["bpp"] <= 1.0
    download = client.get(f"/api/jobs/{done['id']}/download/result")
    assert download.headers["content-type"] == "image/webp"
    assert download.headers["content-disposition"] == "attachment; filename*=utf-8''parrot%20head.roi.webp"
    assert len(download.content) == result["bytes"] and download.content[8:12] == b"WEBP"
    assert decode(download.content).shape == (176, 256, 3)
    for name in ("result.png", "uniform.png", "overlay.png"):
        assert client.get(f"/api/jobs/{done['id']}/files/{name}").headers["content-type"] == "image/png"


@pytest.mark.parametrize("name", ["../../etc/passwd", "..%2F..%2Fsecret", "pixels.npy", "result.bin"])
def test_no_client_path_reaches_the_disk(client, kodim23_small, name):
    stored = upload(client, png(kodim23_small)).json()
    job = finished(client, client.post("/api/jobs", json={"upload": stored["id"], "value": 40}).json()["id"])
    assert client.get(f"/api/jobs/{job['id']}/files/{name}").status_code == 404
    assert client.get(f"/api/jobs/{job['id']}/download/{name}").status_code == 404


def test_oversized_uploads_are_refused(client):
    response = upload(client, b"\0" * 400_001, name="big.png")
    assert response.status_code == 413
    assert response.json()["detail"] == ("big.png: the upload is 0.4 MB; the studio accepts up to 0.38147 MB "
                                         "(roicodec serve --max-upload-mb)")


def test_uploads_without_a_declared_length_are_counted(client):
    def chunks():
        for _ in range(5):
            yield b"\0" * 100_000

    response = client.post("/api/uploads", content=chunks(), headers={"X-Filename": "stream.png"})
    assert response.status_code == 413


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"hello, this is text", "not an image the studio accepts"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image the studio accepts"),
])
def test_non_images_are_refused_with_one_line(client, data, message):
    response = upload(client, data, name="x.png")
    assert response.status_code == 422
    assert message in response.json()["detail"] and "\n" not in response.json()["detail"]


def test_truncated_and_huge_pictures_are_refused(client, kodim23_small):
    truncated = upload(client, png(kodim23_small)[:5000])
    assert truncated.status_code == 422 and "photo.png" in truncated.json()["detail"]
    huge = upload(client, png(np.zeros((500, 500, 3), np.uint8)))  # 250,000 pixels > 200,000
    assert huge.status_code == 422
    assert "500x500 is 0.2 megapixels; the studio accepts up to 0.2" in huge.json()["detail"]
    bomb = upload(client, png_header(20_000, 20_000))  # Pillow itself refuses to open this
    assert bomb.status_code == 422 and "too many pixels for the studio" in bomb.json()["detail"]


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims this size, up to its (empty) first data chunk."""
    import struct
    import zlib

    body = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))
    data = struct.pack(">I", 0) + b"IDAT" + struct.pack(">I", zlib.crc32(b"IDAT"))
    return b"\x89PNG\r\n\x1a\n" + chunk + data


def test_bad_job_requests(client, kodim23_small):
    stored = upload(client, png(kodim23_small)).json()
    bad = client.post("/api/jobs", json={"upload": stored["id"], "codec": "avif", "strategy": "adaptive"})
    assert bad.status_code == 422 and "AVIF has no 'adaptive' strategy" in bad.json()["detail"]
    assert client.post("/api/jobs", json={"upload": "a" * 22}).status_code == 404
    malformed = client.post("/api/jobs", json={"upload": stored["id"], "value": "lots"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"] == "value: Input should be a valid number, unable to parse string as a number"
    assert client.get("/api/jobs/" + "b" * 22).status_code == 404
    failed = finished(client, client.post("/api/jobs", json={"upload": stored["id"], "target": "bpp",
                                                                 "value": 0.01}).json()["id"])
    assert failed["state"] == "failed" and failed["error"]


def test_concurrent_users_each_get_their_own_result(client, kodim23_small):
    pictures = [kodim23_small, np.ascontiguousarray(kodim23_small[::-1, ::-1] // 2)]
    ids = [upload(client, png(p)).json()["id"] for p in pictures]
    jobs = [client.post("/api/jobs", json={"upload": i, "value": 60}).json()["id"] for i in ids]
    for picture, job_id in zip(pictures, jobs):
        job = finished(client, job_id)
        assert job["state"] == "done"
        preview = np.asarray(Image.open(io.BytesIO(client.get(f"/api/jobs/{job_id}/files/result.png").content)))
        assert np.abs(preview.astype(int) - picture).mean() < 4  # its own picture, not the other's


def test_closing_and_shutdown_remove_the_files(temp_parent, kodim23_small):
    with TestClient(create_app(StudioSettings(temp_parent=temp_parent, capture_tempdir=True))) as client:
        stored = upload(client, png(kodim23_small)).json()
        job = finished(client, client.post("/api/jobs", json={"upload": stored["id"]}).json()["id"])
        assert job["state"] == "done"
        (root,) = temp_parent.iterdir()
        assert (root / stored["id"]).is_dir()
        assert client.post(f"/api/uploads/{stored['id']}/close").status_code == 204
        assert not (root / stored["id"]).exists()
        assert client.get(stored["original"]).status_code == 404
    assert list(temp_parent.iterdir()) == []


def test_the_learned_codec_runs_with_the_studios_weights(temp_parent, kodim23_small, tiny_learned_weights):
    settings = StudioSettings(max_upload_bytes=400_000, max_pixels=200_000, workers=1, temp_parent=temp_parent,
                              codec_options={"weights": str(tiny_learned_weights)})
    with TestClient(create_app(settings)) as client:
        stored = upload(client, png(kodim23_small)).json()
        job = client.post("/api/jobs", json={"upload": stored["id"], "codec": "learned", "target": "size",
                                             "value": 2.0})
        done = finished(client, job.json()["id"], timeout=120)
        assert done["state"] == "done", done["error"]
        files = done["result"]["files"]
        assert files["result"]["bytes"] <= 2000 and files["uniform"]["bytes"] <= files["result"]["bytes"]
        assert [anchor["name"] for anchor in done["result"]["anchors"]] == ["jpeg", "jpegli"]
        download = client.get(f"/api/jobs/{done['id']}/download/result")
        assert download.headers["content-type"] == "application/x-roicodec-learned"
        assert download.content[:4] == b"\x89RLC" and decode(download.content).shape == (176, 256, 3)
