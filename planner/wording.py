"""Counts as English, shared by the report's sentences (planner) and its renderings (cli)."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 workload', '2 workloads', '1,204 lines', '3 web searches' (count(3, 'web search',
    'web searches')): a count with its noun, plural when not 1."""
    return f"{n:,} " + (noun if n == 1 else plural or noun + "s")
