"""Stage 1: read log files into the `lines` table (viewed as `requests`, `rejects`, `failures`).

Each file is read in one pass: a reader (sql/14_read_*.sql) splits it into records, stage 15
parses them with the detected source's column spec, the source's stages (sql/1[0-9]_*.sql) map
them onto plan's columns, and sql/20_checked.sql validates and stores every record in one
INSERT, so a file of N records leaves exactly N rows, each a request, a failed request or a
reject with its line number, field and reason.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from planner import db
from planner.errors import InputError
from planner.sources import SPECS, ColumnMap, Source, detect, reader_for

PARSER_VERSION = 5
LOG_SUFFIXES = tuple(
    ext + gz for ext in (".jsonl", ".ndjson", ".json", ".csv") for gz in ("", ".gz")
) + (".parquet",)
# Longest line read. Larger values slow DuckDB's CSV reader for every file (bigger buffers):
# 32 MB holds a request with several base64 images; 64 MB doubled the read time in `make bench`.
MAX_LINE_BYTES = 32 * 1024 * 1024
Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestOptions:
    """How files are read. None means "detect" (source) or "the default the report states"."""

    source: str | None = None  # --source: read every file as this source
    model: str | None = None  # --model: the model of trace files (they name none)
    workload: str | None = None  # --workload: the workload of trace files (else the file name)
    trace_start: datetime | None = None  # --trace-start: time zero of offset traces (Mooncake)
    column_map: ColumnMap | None = None  # --map: in-house logs
    default_model: str = ""  # the model a trace file's requests get without --model


@dataclass(frozen=True)
class IngestedFile:
    file_id: int
    path: str
    source: str
    lines_read: int
    accepted: int
    rejected: int
    failed: int
    reused: bool  # already in the database, read the same way: not read again
    skipped: int = 0  # OTLP spans that are not LLM calls (not records)
    bodies: int = 0  # batch input request bodies (their requests are the output file's lines)
    trace: bool = False  # a request trace: model and workload came from options, no text
    options: dict[str, str] = field(default_factory=dict)  # the options that shaped the read


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
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> list[IngestedFile]:
    return [_ingest_file(con, f, options or IngestOptions(), progress) for f in files]


def _ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions, progress: Progress | None
) -> IngestedFile:
    stat = path.stat()
    key = str(path.resolve())
    reader = reader_for(path)
    source = (options.column_map.source() if options.column_map
              else detect(con, path, reader, options.source))
    shaping = _shaping_options(source, path, options)
    options_key = hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:16]
    row = con.execute(
        "SELECT file_id, source, lines_read, accepted, rejected, failed, skipped, bodies "
        "FROM files "
        "WHERE path = ? AND size_bytes = ? AND mtime_ns = ? AND parser_version = ? "
        "AND options_key = ?",
        [key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION, options_key],
    ).fetchone()
    if row is not None:
        file_id, name, lines, accepted, rejected, failed, skipped, bodies = row
        return IngestedFile(file_id, str(path), name, lines, accepted, rejected, failed,
                            reused=True, skipped=skipped, bodies=bodies, trace=source.trace,
                            options=shaping)

    if progress:
        progress(f"reading {path} as {source.name}, {source.title} "
                 f"({stat.st_size / 1e6:,.1f} MB)")
    _set_variables(con, path, reader, source, shaping)
    try:
        run_script(con, db.sql(f"14_read_{reader}"), {})
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        # unreadable, corrupt (a truncated .gz, a malformed .json document or CSV row) or a
        # record over MAX_LINE_BYTES
        raise InputError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    skipped = 0
    if source.split:
        run_script(con, db.sql(source.split), {})
        skipped = con.execute("SELECT getvariable('plan_otel_skipped')").fetchone()[0]  # type: ignore[index]
    con.execute(db.sql("15_stage"))
    for stage in source.stages:
        con.execute(options.column_map.records_sql() if stage == "mapped" and options.column_map
                    else db.sql(stage))
    con.execute("BEGIN")
    try:
        _forget(con, key)
        file_id = con.execute("SELECT nextval('file_ids')").fetchone()[0]  # type: ignore[index]
        con.execute(db.sql("20_checked"), {"file_id": file_id})
        if source.after:
            run_script(con, db.sql(source.after), {"file_id": file_id})
        bodies = con.execute("SELECT count(*) FROM batch_bodies WHERE file_id = ?",
                             [file_id]).fetchone()[0]  # type: ignore[index]
        lines, rejected, failed = con.execute(
            "SELECT count(*), count(problem), count(failure) FROM lines WHERE file_id = ?",
            [file_id],
        ).fetchone()  # type: ignore[misc]
        accepted = lines - rejected - failed
        con.execute(
            "INSERT INTO files (file_id, path, size_bytes, mtime_ns, parser_version, source, "
            "lines_read, accepted, rejected, failed, options_key, skipped, bodies) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, key, stat.st_size, stat.st_mtime_ns, PARSER_VERSION, source.name,
             lines, accepted, rejected, failed, options_key, skipped, bodies],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS raw_lines")
    return IngestedFile(file_id, str(path), source.name, lines, accepted, rejected, failed,
                        reused=False, skipped=skipped, bodies=bodies, trace=source.trace,
                        options=shaping)


def _shaping_options(source: Source, path: Path, options: IngestOptions) -> dict[str, str]:
    """The options that change how this file is read (its cache key; shown in the report)."""
    out = {"source": source.name}
    if options.column_map:
        out["map"] = ",".join(f"{k}={v}" for k, v in options.column_map.fields)
    if source.trace:
        out["model"] = options.model or options.default_model
        out["workload"] = options.workload or _stem(path)
        start = options.trace_start
        out["trace_start"] = (start.isoformat() if start else "1970-01-01T00:00:00+00:00")
    return out


def _set_variables(con: duckdb.DuckDBPyConnection, path: Path, reader: str, source: Source,
                   shaping: dict[str, str]) -> None:
    values: dict[str, object] = {
        "plan_path": str(path),
        "plan_spec": source.struct_spec(),
        "plan_max_line": MAX_LINE_BYTES,
        "plan_first_line": 2 if reader == "csv" else 1,
        "plan_model": shaping.get("model"),
        "plan_workload": shaping.get("workload"),
        "plan_trace_start": (datetime.fromisoformat(shaping["trace_start"]).timestamp()
                             if "trace_start" in shaping else 0.0),
    }
    values.update({name: json.dumps(spec) for name, spec in SPECS.items()})
    for name, value in values.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])


def _stem(path: Path) -> str:
    """A file's name without its extensions: traces/conv.jsonl.gz -> conv."""
    return path.name.split(".", 1)[0]


def _forget(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Drop an older ingest of the same path (it changed since, or plan's parser did)."""
    con.execute("DELETE FROM lines WHERE file_id IN (SELECT file_id FROM files WHERE path = ?)",
                [key])
    con.execute("DELETE FROM batch_bodies WHERE file_id IN "
                "(SELECT file_id FROM files WHERE path = ?)", [key])
    con.execute("DELETE FROM files WHERE path = ?", [key])


_COMMENT = re.compile(r"--[^\n]*")


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Execute a stage file statement by statement, binding the named parameters each uses
    (outside its comments, which may name them)."""
    for statement in script.split("\n;\n"):
        if statement.strip():
            code = _COMMENT.sub("", statement)
            used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", code)}
            con.execute(statement, used)
