"""What the terminal report shows (`--top`, `--details`, `--wide`): apart from cli/render_table.py
so that `plan analyze` in JSON or CSV loads no Rich (a twentieth of a small run's start)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOP = 10


@dataclass(frozen=True)
class View:
    """What the terminal report shows: the top N workloads (the rest folded into one row),
    the assumptions and per-file ingest details or not, every column or what fits."""

    top: int = DEFAULT_TOP
    details: bool = False
    wide: bool = False
