"""``roicodec batch``: a folder tree compressed with the same options, on all cores, resumable.

Data flow: jobs.py (which files, where each output goes, the manifest that makes a run resumable)
-> local.py (a process pool; each worker loads the model once and compresses one file at a time).
"""

from .jobs import BatchOptions, BatchSummary, find_jobs
from .local import run_batch

__all__ = ["BatchOptions", "BatchSummary", "find_jobs", "run_batch"]
