"""The one progress bar every long command shows: a row per stage with its count, elapsed and
remaining time, and a short note (a rate, a loss, the file in hand)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Bar:
    """Rows of a rich progress display, one per stage, created at a stage's first report."""

    def __init__(self, progress, refresh_by_hand: bool):
        self._progress = progress
        self._refresh = refresh_by_hand
        self._rows: dict[str, int] = {}

    def update(self, stage: str, done: int, total: int | None, note: str = "") -> None:
        if stage not in self._rows:
            self._rows[stage] = self._progress.add_task(stage, total=total, note="")
        self._progress.update(self._rows[stage], completed=done, total=total, note=note)
        if self._refresh:
            self._progress.refresh()


@contextmanager
def progress_bar(refresh_by_hand: bool = False) -> Iterator[Bar]:
    """``refresh_by_hand``: redraw only on reports, from the calling thread (rich otherwise redraws from a
    thread of its own, which must not run while batch's local engine forks its workers)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[note]}"))
    with Progress(*columns, transient=False, auto_refresh=not refresh_by_hand) as progress:
        yield Bar(progress, refresh_by_hand)
