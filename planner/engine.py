"""Where the per-request stages run (--engine): DuckDB, embedded (the default), or Apache Spark
(planner/spark/). The stages are the same code and SQL on both (planner/analysis.py, models.py,
signals.py over planner/sql/); an engine gives the connection they run on (`tables`), reads the
log files into it, and moves the small tables between it and the local DuckDB connection, on
which pricing, scenarios, fleet, forecast and the report run. On DuckDB they are one
connection and nothing moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb

from planner import ingest, signals
from planner.errors import InputError
from planner.ingest import IngestedFile, IngestOptions, Progress
from planner.rules import RuleSet

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    tables: Any  # a DuckDB connection, or planner/spark/tables.py's likeness of one

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None) -> list[IngestedFile]: ...

    def classify(self, con: Any, rules: RuleSet) -> None:
        """The text signals of `text_sample` (stage 46, embeddings), into `text_signals`."""

    def give(self, *names: str) -> None:
        """Local tables the engine's stages read next."""

    def take(self, *names: str) -> None:
        """The engine's (small) tables the local stages read next."""


class DuckDBEngine:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.tables = con

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None) -> list[IngestedFile]:
        return ingest.ingest(self.tables, files, options, progress)

    def classify(self, con: Any, rules: RuleSet) -> None:
        signals.classify(con, rules)

    def give(self, *names: str) -> None:
        pass

    def take(self, *names: str) -> None:
        pass


def open_engine(name: str, con: duckdb.DuckDBPyConnection, master: str | None = None) -> Engine:
    if name == "duckdb":
        if master:
            raise InputError("--spark-master needs --engine spark")
        return DuckDBEngine(con)
    if name == "spark":
        from planner.spark.engine import SparkEngine  # PySpark is an optional extra

        return SparkEngine(con, master)
    raise InputError(f"unknown engine '{name}'", hint="engines: " + ", ".join(ENGINES))
