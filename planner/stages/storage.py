"""What the database keeps of the logs, and `plan forget`: drop a file's rows."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from planner import db
from planner.stages import ingest, snapshot


@dataclass(frozen=True)
class Forgotten:
    path: str  # as stored (resolved)
    lines: int  # lines (requests, rejects, failed requests) dropped


def forget(database: str | None, paths: Sequence[str]) -> list[Forgotten]:
    """Drop every row the database holds for each path: a file ingested under that path, or
    every file under it when it is a folder (a file need not exist any more to be forgotten)."""
    con = db.connect(database)
    try:
        stored = [p for (p,) in con.execute("SELECT DISTINCT path FROM files").fetchall()]
        out = []
        for named in paths:
            target = Path(named).resolve()
            for path in sorted(p for p in stored
                               if Path(p) == target or Path(p).is_relative_to(target)):
                con.execute("BEGIN")
                out.append(Forgotten(path, ingest.forget(con, path)))
                con.execute("COMMIT")
        if out:  # the saved sums of the last run (planner/stages/snapshot.py) count them too, and
            # the token counts (planner/stages/tokens.py) hold a hash of each counted text, which no
            # file owns: all are cleared (a later read counts its texts again)
            con.execute("DELETE FROM token_counts")
            for table in ("plan_snapshot", *(f"snapshot_{t}" for t in snapshot.TABLES)):
                con.execute(f"DROP TABLE IF EXISTS {table}")  # names: snapshot.py
        if out and database != ":memory:":
            _rewrite(con, Path(database or db.DEFAULT_DB))
        return out
    finally:
        con.close()


def _rewrite(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Copy the database into a new file and put it in the old one's place: DuckDB reuses the
    blocks deleted rows held but does not clear them, so a forgotten file's text (--keep-text)
    would stay readable in the old file. The copy is made while this connection still holds the
    database's lock; a run killed during it leaves the old file (with the rows deleted) and a
    stray copy, removed by the next forget."""
    fresh = path.with_name(path.name + ".forget")
    fresh.unlink(missing_ok=True)
    name = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    con.execute("ATTACH ? AS plan_fresh", [str(fresh)])
    try:
        con.execute(f'COPY FROM DATABASE "{name}" TO plan_fresh')  # name: DuckDB's own
    finally:
        con.execute("DETACH plan_fresh")
    con.close()
    fresh.chmod(0o600)
    os.replace(fresh, path)
