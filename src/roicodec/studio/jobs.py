"""Compress jobs: a fixed pool of threads and a bounded queue, so many users share one machine
without unbounded memory. A user's newer request supersedes their older one (the page only shows the
latest), and the page polls a job for its stage and progress.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import RoicodecError
from .workspace import find, new_id

LOG = logging.getLogger("roicodec.studio")
#: Finished jobs remembered for the page to fetch; older ones are forgotten.
KEEP_FINISHED = 256


class Busy(RoicodecError):
    """The queue is full; the client should try again shortly."""


class Cancelled(Exception):
    """A newer request of the same user replaced this job."""


@dataclass
class Job:
    id: str
    owner: str  # the upload it works on
    work: Callable[[Job], dict]
    number: int
    state: str = "queued"  # queued, running, done, failed, cancelled
    stage: str = "waiting for a free worker"
    progress: float = 0.0
    error: str | None = None
    result: dict | None = None
    started: float | None = None
    finished: float | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    future: Future | None = None

    def step(self, stage: str, progress: float) -> None:
        """Report progress; stop here if the job was superseded."""
        if self.cancelled.is_set():
            raise Cancelled
        self.stage, self.progress = stage, progress

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


class JobRunner:
    def __init__(self, workers: int, queue_limit: int):
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="roicodec-studio")
        self._queue_limit = queue_limit
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._numbers = itertools.count()

    def submit(self, owner: str, work: Callable[[Job], dict]) -> Job:
        with self._lock:
            self._cancel_jobs_of(owner)
            waiting = sum(j.active for j in self._jobs.values())
            if waiting >= self._queue_limit:
                raise Busy(f"the studio is busy ({waiting} jobs waiting); try again in a moment")
            job = Job(new_id(), owner, work, next(self._numbers))
            self._jobs[job.id] = job
            self._forget_old()
            job.future = self._executor.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            return find(self._jobs, job_id, "unknown or expired job")

    def queue_position(self, job: Job) -> int:
        """How many queued jobs are ahead of this one."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state == "queued" and j.number < job.number)

    def cancel_owner(self, owner: str) -> None:
        with self._lock:
            self._cancel_jobs_of(owner)

    def _cancel_jobs_of(self, owner: str) -> None:
        """Queued jobs end now; a running one stops at its next step (the lock is held)."""
        for job in self._jobs.values():
            if job.owner == owner and job.active:
                job.cancelled.set()
                if job.future is not None and job.future.cancel():
                    self._finish(job, "cancelled")

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancelled.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job) -> None:
        if job.cancelled.is_set():
            self._finish(job, "cancelled")
            return
        job.state, job.stage, job.started = "running", "starting", time.monotonic()
        try:
            job.result = job.work(job)
        except Cancelled:
            self._finish(job, "cancelled")
        except RoicodecError as error:
            job.error = str(error)
            self._finish(job, "failed")
        except Exception as error:  # a bug, not the user's input: keep the server up, log the trace
            LOG.exception("studio job %s failed", job.id)
            job.error = f"internal error ({type(error).__name__}: {error}); see the server log"
            self._finish(job, "failed")
        else:
            self._finish(job, "done")

    @staticmethod
    def _finish(job: Job, state: str) -> None:
        job.state, job.finished = state, time.monotonic()
        if state == "cancelled":
            job.stage = "replaced by a newer request"

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if not j.active]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]
