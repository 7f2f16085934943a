"""The job pool: results, errors as one line, a newer request replacing an older one, and a bounded
queue."""

import threading
import time

import pytest

from roicodec.errors import InputError
from roicodec.studio.jobs import Busy, JobRunner
from roicodec.studio.workspace import UnknownItem


def wait(job, timeout=10.0):
    deadline = time.monotonic() + timeout
    while job.active and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not job.active, f"job still {job.state}"
    return job


@pytest.fixture
def runner():
    pool = JobRunner(workers=1, queue_limit=3)
    yield pool
    pool.shutdown()


def test_a_job_reports_its_stages_and_result(runner):
    seen = []

    def work(job):
        job.step("first", 0.5)
        seen.append((job.stage, job.progress))
        return {"answer": 42}

    job = wait(runner.submit("owner", work))
    assert job.state == "done" and job.result == {"answer": 42}
    assert seen == [("first", 0.5)]
    assert runner.get(job.id) is job


def test_errors_become_one_line(runner):
    def bad_input(job):
        raise InputError("x.png: not an image")

    def bug(job):
        raise ZeroDivisionError("division by zero")

    assert wait(runner.submit("a", bad_input)).error == "x.png: not an image"
    failed = wait(runner.submit("b", bug))
    assert failed.state == "failed" and failed.error.startswith("internal error (ZeroDivisionError")


def test_a_newer_request_replaces_the_older_one(runner):
    release = threading.Event()

    def slow(job):
        release.wait(5)
        job.step("after the wait", 0.9)
        return {}

    running = runner.submit("user", slow)
    queued = runner.submit("other user", lambda job: {})
    newer = runner.submit("user", lambda job: {"newest": True})
    release.set()
    assert wait(running).state == "cancelled"  # stopped at its next step
    assert wait(queued).state == "done"
    assert wait(newer).result == {"newest": True}


def test_the_queue_is_bounded(runner):
    release = threading.Event()
    jobs = [runner.submit(f"user{i}", lambda job: release.wait(5) and {}) for i in range(3)]
    assert runner.queue_position(jobs[2]) == 1
    with pytest.raises(Busy, match="busy"):
        runner.submit("one more", lambda job: {})
    release.set()
    for job in jobs:
        assert wait(job).state == "done"


def test_unknown_jobs(runner):
    with pytest.raises(UnknownItem):
        runner.get("nope")
