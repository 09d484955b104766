"""Progress on stderr while `plan` works: per log file and in total, the bytes read, the
percent, the rate and the time left; then what each later stage is doing.

Drawn only for a person: the table format on a terminal (cli/app.py decides); never in JSON,
CSV or HTML mode, never when stderr is a pipe or a file. The planner reports (planner/progress.py:
stage messages and `Reading` ticks); this module only draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Column
from rich.text import Text

from cli.hygiene import printable
from planner.progress import Progress as Report
from planner.progress import Reading

TOTAL = "all files"


class Drawing:
    """The callback the planner reports to, drawing on `bars` (rich's Progress)."""

    def __init__(self, bars: Progress) -> None:
        self._bars = bars
        self._stage = bars.add_task("starting", total=None, figures="")
        self._files: dict[int, TaskID] = {}
        self._total: TaskID | None = None

    def __call__(self, event: str | Reading) -> None:
        if isinstance(event, Reading):
            self._reading(event)
        else:  # file names as text, escaped, never markup
            self._bars.update(self._stage, description=printable(event))

    def _reading(self, r: Reading) -> None:
        if r.number not in self._files:
            self._files[r.number] = self._bars.add_task(
                _short(r.path, r.number, r.files), total=max(r.file_bytes, 1), figures="")
        if self._total is None and r.files > 1:
            self._total = self._bars.add_task(TOTAL, total=max(r.total_bytes, 1), figures="")
        self._bars.update(self._files[r.number], completed=r.file_done,
                          figures=figures(r.file_done, r.file_bytes, r.file_seconds))
        if r.finished:  # a finished file's bar leaves room for the next
            self._bars.remove_task(self._files[r.number])
        if self._total is not None:
            self._bars.update(self._total, completed=r.total_done,
                              figures=figures(r.total_done, r.total_bytes, r.total_seconds))
            if r.finished and r.number == r.files:
                self._bars.remove_task(self._total)


def figures(done: int, size: int, seconds: float) -> str:
    """"27%  12.3 of 45.6 MB  8.1 MB/s  4 s left": the time left at the rate so far."""
    percent = 100 * done / size if size else 100.0
    text = f"{percent:3.0f}%  {done / 1e6:,.1f} of {size / 1e6:,.1f} MB"
    if done <= 0 or seconds <= 0:
        return text
    rate = done / seconds
    left = (size - done) / rate
    return f"{text}  {rate / 1e6:,.1f} MB/s  {_duration(left)} left"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _short(path: str, number: int, files: int) -> Text:
    name = printable(path)
    if len(name) > 48:
        name = "..." + name[-45:]
    return Text(f"{number}/{files} {name}" if files > 1 else name)


@contextmanager
def shown(console: Console, enabled: bool) -> Iterator[Report | None]:
    """The progress callback to pass the planner: None (nothing drawn) unless `enabled` and
    `console` (stderr) is a terminal."""
    if not (enabled and console.is_terminal):
        yield None
        return
    # The figures keep their width; a long file name or stage gives way first.
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", table_column=Column(
            ratio=1, no_wrap=True, overflow="ellipsis", min_width=12)),
        BarColumn(bar_width=16),
        TextColumn("{task.fields[figures]}", table_column=Column(no_wrap=True)),
        console=console, transient=True, expand=True)
    with bars:
        yield Drawing(bars)
