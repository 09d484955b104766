"""Where the per-request stages run (--engine): DuckDB, embedded (the default), or Apache Spark
(planner/stages/spark/). The stages are the same code and SQL on both (planner/stages/analysis.py,
models.py,
signals.py over planner/stages/sql/); an engine gives the connection they run on (`tables`), reads
the log files into it (with the text signals of their sampled texts), finds near repeats (stage
58), and moves the small tables between it and the local DuckDB connection, on which pricing,
scenarios, fleet, forecast and the report run. On DuckDB they are one connection and nothing
moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb

from planner.errors import InputError
from planner.progress import Progress
from planner.stages import ingest, nearrepeats
from planner.stages.ingest import IngestedFile, IngestOptions

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    tables: Any  # a DuckDB connection, or planner/stages/spark/tables.py's likeness of one
    snapshots: bool  # whether planner/stages/snapshot.py keeps what stages 30-58 leave

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None, lake: Sequence[str] = ()) -> list[IngestedFile]:
        """`lake`: URIs and table:NAME (planner/stages/discover.py LAKE), read by Spark only."""

    def near_repeats(self, con: Any, cache_ttl_seconds: Decimal) -> None:
        """Stage 58 (planner/stages/nearrepeats.py): `cache_best` on the engine, `cache_curve` and
        `cache_pairs` locally."""

    def give(self, *names: str) -> None:
        """Local tables the engine's stages read next."""

    def take(self, *names: str) -> None:
        """The engine's (small) tables the local stages read next."""


class DuckDBEngine:
    snapshots = True

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.tables = con

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None, lake: Sequence[str] = ()) -> list[IngestedFile]:
        if lake:
            raise InputError(f"{lake[0]}: a data lake path or Spark table is read by "
                             "--engine spark", hint="add --engine spark (docs/scale.md)")
        return ingest.ingest(self.tables, files, options, progress)

    def near_repeats(self, con: Any, cache_ttl_seconds: Decimal) -> None:
        nearrepeats.compute(con, cache_ttl_seconds)

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
        from planner.stages.spark.engine import SparkEngine  # PySpark is an optional extra

        return SparkEngine(con, master)
    raise InputError(f"unknown engine '{name}'", hint="engines: " + ", ".join(ENGINES))
