"""Load test of the web studio, on loopback only: N users at once each upload a Kodak picture,
compress it and fetch the result; no request may fail, and the server's memory must stay bounded.

    python benchmarks/bench_studio.py                       # about 3 minutes
    python benchmarks/bench_studio.py --clients 1,4,8,16,24 --workers 2 --queue 16

It starts ``roicodec serve`` itself (with its own TMPDIR) and stops it with Ctrl+C at the end, then
checks that the studio's temp folder is gone. Per round it prints: requests done, errors, refusals
("busy": more users than the queue allows, answered 503 at once), latency from upload to a finished
result (median and max), throughput, the server's peak resident memory, and the peak size of its
temp folder. Each user's job uses the default settings (fused map, JPEG adaptive) with a quality
target, the page's default.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ROICODEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def request(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 300) -> tuple[int, bytes]:
    call = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def one_user(base: str, picture: Path, outcome: list) -> None:
    """Upload, compress, poll, fetch the preview and the file, as the page does."""
    started = time.monotonic()
    status, body = request(base + "api/uploads", picture.read_bytes(), {"X-Filename": picture.name})
    if status != 200:
        outcome.append(("busy" if status == 503 else "error", f"upload {status}: {body[:120]!r}", 0.0))
        return
    upload = json.loads(body)
    job = {"upload": upload["id"], "target": "quality", "value": 75}
    status, body = request(base + "api/jobs", json.dumps(job).encode(), {"Content-Type": "application/json"})
    if status != 202:
        outcome.append(("busy" if status == 503 else "error", f"job {status}: {body[:120]!r}", 0.0))
        return
    job_id = json.loads(body)["id"]
    while True:
        status, body = request(f"{base}api/jobs/{job_id}")
        state = json.loads(body)
        if state["state"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    if state["state"] != "done":
        outcome.append(("error", f"job {state['state']}: {state['error']}", 0.0))
        return
    for path in ("files/result.png", "download/result"):
        status, body = request(f"{base}api/jobs/{job_id}/{path}")
        if status != 200 or not body:
            outcome.append(("error", f"{path} {status}", 0.0))
            return
    request(f"{base}api/uploads/{upload['id']}/close", b"")
    outcome.append(("done", state["result"]["seconds"], time.monotonic() - started))


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def folder_mib(folder: Path) -> float:
    """Bytes under ``folder``; the studio removes files while we walk, and os.walk skips those."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 2**20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,4,8,16,24", help="users at once, per round, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=16)
    args = parser.parse_args()
    pictures = sorted((DATA / "kodak").glob("kodim*.png"))
    temp = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "roicodec", "serve", "--port", str(port), "--workers",
                               str(args.workers), "--queue", str(args.queue)],
                              env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _up(base):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"roicodec serve did not start: {server.stdout.read()}")
            time.sleep(0.3)
        print(f"server up, {resident_mib(server.pid):.0f} MiB resident before any job; "
              f"{args.workers} workers, queue {args.queue}", flush=True)
        warm: list = []
        one_user(base, pictures[0], warm)  # loads the network once, as the first user of a day would
        print(f"first job (loads the network): {warm[0][2]:.2f} s, {resident_mib(server.pid):.0f} MiB resident", flush=True)
        print("| users at once | done | errors | busy (503) | median latency (s) | max latency (s) | jobs/s "
              "| peak memory (MiB) | peak temp folder (MiB) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        stages: list = []
        for clients in (int(c) for c in args.clients.split(",")):
            outcome: list = []
            peaks = {"rss": 0.0, "disk": 0.0}
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peaks["rss"] = max(peaks["rss"], resident_mib(server.pid))
                    peaks["disk"] = max(peaks["disk"], folder_mib(temp))
                    time.sleep(0.1)

            sampler = threading.Thread(target=sample)
            sampler.start()
            users = [threading.Thread(target=one_user, args=(base, pictures[i % len(pictures)], outcome))
                     for i in range(clients)]
            started = time.monotonic()
            for user in users:
                user.start()
            for user in users:
                user.join()
            wall = time.monotonic() - started
            stop.set()
            sampler.join()
            latencies = [seconds for kind, _, seconds in outcome if kind == "done"]
            errors = [message for kind, message, _ in outcome if kind == "error"]
            busy = sum(kind == "busy" for kind, _, _ in outcome)
            print(f"| {clients} | {len(latencies)} | {len(errors)} | {busy} | {statistics.median(latencies):.2f} | "
                  f"{max(latencies):.2f} | {len(latencies) / wall:.2f} | {peaks['rss']:.0f} | {peaks['disk']:.1f} |",
                  flush=True)
            for message in errors[:5]:
                print(f"  error: {message}")
            stages.append((clients, [extra for kind, extra, _ in outcome if kind == "done"]))
        print("\nSeconds per stage inside a job (medians; map, encode, same-size uniform, decode + metrics + previews):")
        for clients, timings in stages:
            print(f"  {clients} at once: " + ", ".join(
                f"{name} {statistics.median(t[name] for t in timings):.2f}" for name in timings[0]))
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=120)
        left = list(temp.rglob("*"))
        print(f"server stopped (exit {server.returncode}); files left in its temp folder: {len(left)}")
        if server.returncode != 0:
            print(output)
        for path in sorted(left, reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        temp.rmdir()


def _up(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "api/options", timeout=2).read()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
