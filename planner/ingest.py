"""Stage 1: read log files into the `requests` and `rejects` tables.

Each file is read by DuckDB in one of two ways. The fast path is one read_json pass; it is used
when every line parses and the record count equals the line count, so that line numbers are
exact. Any other file (malformed lines, blank lines, a value read_json cannot read as text) is
read line by line, which records a reject, with its line number and reason, for every line that
is not a request. Both paths feed the same validation stage (sql/20_checked.sql).
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from planner import db
from planner.errors import InputError
from planner.sources import Source, detect

PARSER_VERSION = 1
LOG_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
MAX_RECORD_BYTES = 256 * 1024 * 1024
Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestedFile:
    file_id: int
    path: str
    source: str
    read_path: str
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
        "SELECT file_id, source, read_path, lines_read, accepted, rejected FROM files "
        "WHERE path = ? AND size_bytes = ? AND mtime_ns = ? AND parser_version = ?",
        [key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION],
    ).fetchone()
    if row is not None:
        return IngestedFile(row[0], str(path), row[1], row[2], row[3], row[4], row[5], True)

    if progress:
        progress(f"reading {path} ({stat.st_size / 1e6:,.1f} MB)")
    source = detect(path)
    # Staging happens before the transaction: a failed fast-path read aborts the one it is in.
    lines, read_path = _stage(con, path, source)
    con.execute(db.sql(source.normalize_sql))
    con.execute("BEGIN")
    try:
        _forget(con, key)
        file_id = con.execute("SELECT nextval('file_ids')").fetchone()[0]  # type: ignore[index]
        if read_path == "lines":
            run_script(con, db.sql("16_line_rejects"), {"file_id": file_id})
        run_script(con, db.sql("20_checked"), {"file_id": file_id})
        accepted, rejected = con.execute(
            "SELECT (SELECT count(*) FROM requests WHERE file_id = $1), "
            "       (SELECT count(*) FROM rejects WHERE file_id = $1)",
            [file_id],
        ).fetchone()  # type: ignore[misc]
        con.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION, source.name,
             read_path, lines, accepted, rejected],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if accepted + rejected != lines:  # a broken invariant is a bug in plan, never the input
        raise AssertionError(f"{path}: {lines} lines but {accepted} + {rejected} recorded")
    return IngestedFile(file_id, str(path), source.name, read_path, lines, accepted, rejected,
                        False)


def _forget(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Drop an older ingest of the same path (it changed since, or plan's parser did)."""
    for table in ("requests", "rejects"):
        con.execute(
            f"DELETE FROM {table} WHERE file_id IN (SELECT file_id FROM files WHERE path = ?)",
            [key],
        )
    con.execute("DELETE FROM files WHERE path = ?", [key])


def _stage(con: duckdb.DuckDBPyConnection, path: Path, source: Source) -> tuple[int, str]:
    """Fill TEMP view `stage` (line_no + the source's columns). Returns (lines, read path)."""
    lines = con.execute(f"SELECT count(*) FROM {_LINES}", [str(path)]).fetchone()[0]  # type: ignore[index]
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_fast AS SELECT * FROM read_json(?, "
            f"format = 'newline_delimited', columns = {source.read_json_columns()}, "
            f"maximum_object_size = {MAX_RECORD_BYTES})",
            [str(path)],
        )
        records = con.execute("SELECT count(*) FROM stage_fast").fetchone()[0]  # type: ignore[index]
    except duckdb.Error:
        records = -1
    if records == lines:
        # read_json keeps file order, so rowid + 1 is the line number when no line was skipped.
        con.execute("CREATE OR REPLACE TEMP VIEW stage AS SELECT rowid + 1 AS line_no, * "
                    "FROM stage_fast")
        return lines, "fast"
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_lines AS SELECT line FROM {_LINES}", [str(path)])
    run_script(con, db.sql("15_stage_lines"), {"spec": source.struct_spec()})
    return lines, "lines"


# Every line as one text value (blank lines included, as NULL), in file order. \x1f cannot occur
# unescaped in valid JSON, so no line is split.
_LINES = (
    "read_csv(?, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f', quote = '', "
    f"escape = '', auto_detect = false, max_line_size = {MAX_RECORD_BYTES})"
)


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Execute a stage file statement by statement, binding the named parameters each uses."""
    for statement in script.split("\n;\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
