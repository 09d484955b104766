"""Stage 1: read log files into the `lines` table (viewed as `requests` and `rejects`).

Each file is read by one INSERT: DuckDB reads it line by line (sql/15_stage.sql), the source's
SQL maps each record onto plan's columns (sql/1x_norm_*.sql) and sql/20_checked.sql validates
and stores every line, so a file of N lines leaves exactly N rows, each a request or a reject
with its line number, field and reason.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from planner import db
from planner.errors import InputError
from planner.sources import detect

PARSER_VERSION = 2
LOG_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
# Longest line read. Larger values slow DuckDB's CSV reader for every file (bigger buffers):
# 32 MB holds a request with several base64 images; 64 MB doubled the read time in `make bench`.
MAX_LINE_BYTES = 32 * 1024 * 1024
Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestedFile:
    file_id: int
    path: str
    source: str
    lines_read: int
    accepted: int
    rejected: int
    reused: bool  # already in the database with the same size and mtime: not read again


def discover(paths: Sequence[str]) -> list[Path]:
    """Expand files, directories and glob patterns into a de-duplicated, ordered file list."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            matches = sorted(f for f in p.iterdir() if f.name.endswith(LOG_SUFFIXES))
            if not matches:
                raise InputError(
                    f"{p}: no log files in this directory",
                    hint=f"plan reads files ending in {', '.join(LOG_SUFFIXES)}",
                )
        elif p.is_file():
            matches = [p]
        else:
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True) if Path(m).is_file())
            if not matches:
                raise InputError(f"{raw}: no such file")
        found.extend(matches)
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def ingest(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], progress: Progress | None = None
) -> list[IngestedFile]:
    return [_ingest_file(con, f, progress) for f in files]


def _ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None
) -> IngestedFile:
    stat = path.stat()
    key = str(path.resolve())
    row = con.execute(
        "SELECT file_id, source, lines_read, accepted, rejected FROM files "
        "WHERE path = ? AND size_bytes = ? AND mtime_ns = ? AND parser_version = ?",
        [key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION],
    ).fetchone()
    if row is not None:
        return IngestedFile(row[0], str(path), row[1], row[2], row[3], row[4], True)

    if progress:
        progress(f"reading {path} ({stat.st_size / 1e6:,.1f} MB)")
    source = detect(path)
    con.execute("SET VARIABLE plan_path = ?", [str(path)])
    con.execute("SET VARIABLE plan_spec = ?", [source.struct_spec()])
    con.execute("SET VARIABLE plan_max_line = ?", [MAX_LINE_BYTES])
    try:
        run_script(con, db.sql("15_stage"), {})
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        # unreadable, corrupt (a truncated .gz) or a line over MAX_LINE_BYTES
        raise InputError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    con.execute(db.sql(source.normalize_sql))
    con.execute("BEGIN")
    try:
        _forget(con, key)
        file_id = con.execute("SELECT nextval('file_ids')").fetchone()[0]  # type: ignore[index]
        con.execute(db.sql("20_checked"), {"file_id": file_id})
        lines, rejected = con.execute(
            "SELECT count(*), count(problem) FROM lines WHERE file_id = ?", [file_id]
        ).fetchone()  # type: ignore[misc]
        accepted = lines - rejected
        con.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION, source.name,
             lines, accepted, rejected],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS raw_lines")
    return IngestedFile(file_id, str(path), source.name, lines, accepted, rejected, False)


def _forget(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Drop an older ingest of the same path (it changed since, or plan's parser did)."""
    con.execute("DELETE FROM lines WHERE file_id IN (SELECT file_id FROM files WHERE path = ?)",
                [key])
    con.execute("DELETE FROM files WHERE path = ?", [key])


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Execute a stage file statement by statement, binding the named parameters each uses."""
    for statement in script.split("\n;\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
