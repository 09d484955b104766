"""What a run reports while it works: stage messages (text) and, while log files are read,
`Reading` ticks (bytes read of each file and of all of them). The planner only reports; the
CLI decides whether and how to draw it (cli/progress.py).

DuckDB says how far a running query is (`query_progress`, a percentage, asked from another
thread); a file's bytes read are that share of its size, the furthest any of its queries got.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

TICK_SECONDS = 0.25  # how often a file's progress is read while it is being ingested


@dataclass(frozen=True)
class Reading:
    """How far the ingest is: the file being read (its number from 1) and all files."""

    path: str
    number: int
    files: int
    file_bytes: int
    file_done: int  # bytes of this file read so far
    total_bytes: int
    total_done: int  # bytes of all files read so far, this one's included
    file_seconds: float  # since this file's read began
    total_seconds: float  # since the first file's read began
    finished: bool = False  # this file is read (and stored)

    def __str__(self) -> str:
        return (f"reading {self.path} ({self.number} of {self.files}): "
                f"{self.file_done / 1e6:,.1f} of {self.file_bytes / 1e6:,.1f} MB")


# A stage message (text) or a tick of the ingest.
Progress = Callable[["str | Reading"], None]


class Meter:
    """Reports `Reading` ticks for the files of one ingest, read one after another on `con`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: Sequence[Path],
                 progress: Progress | None) -> None:
        self._con, self._progress = con, progress
        self._sizes = [_size(f) for f in files]
        self._total = sum(self._sizes)
        self._before = 0  # bytes of the files already read
        self._started = time.monotonic()

    @contextmanager
    def reading(self, number: int, path: Path) -> Iterator[None]:
        """Ticks for file `number` (from 1) while the body reads it, and a last one after."""
        if self._progress is None:
            yield
            return
        size, begun, stop = self._sizes[number - 1], time.monotonic(), threading.Event()
        done = [0]

        def tick(finished: bool = False) -> None:
            assert self._progress is not None
            now = time.monotonic()
            self._progress(Reading(
                path=str(path), number=number, files=len(self._sizes), file_bytes=size,
                file_done=done[0], total_bytes=self._total, total_done=self._before + done[0],
                file_seconds=now - begun, total_seconds=now - self._started, finished=finished))

        def watch() -> None:
            while not stop.wait(TICK_SECONDS):
                share = self._con.query_progress()  # -1 between queries
                # The furthest any of the file's queries got, short of done until it is stored.
                done[0] = max(done[0], min(int(size * share / 100), size - 1)) if share > 0 \
                    else done[0]
                tick()

        watcher = threading.Thread(target=watch, name="plan-progress", daemon=True)
        tick()
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()
        done[0] = size
        tick(finished=True)
        self._before += size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
