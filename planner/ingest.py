"""Stage 1: read log files into the `lines` table (viewed as `requests`, `rejects`, `failures`).

Each file is read in one pass: a reader (sql/14_read_*.sql) splits it into records, stage 15
parses them with the detected source's column spec, the source's stages (sql/1[0-9]_*.sql) map
them onto plan's columns, and sql/20_checked.sql validates and stores every record in one
INSERT, so a file of N records leaves exactly N rows, each a request, a failed request or a
reject with its line number, field and reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import duckdb

from planner import csv_layout, db, recoded, tokens
from planner.column_map import ColumnMap
from planner.discover import discover as discover_files
from planner.errors import InputError
from planner.progress import Meter, Progress
from planner.readers import reader_for
from planner.sources import SPECS, Source, detect

# 7: bounded counts and times, marked lines, CSV layout from the header (issue 19); the new
# sources, BOM documents and summed usage passes (issue 17)
PARSER_VERSION = 7
# Longest line read. Larger values slow DuckDB's CSV reader for every file (bigger buffers):
# 32 MB holds a request with several base64 images; 64 MB doubled the read time in `make bench`.
MAX_LINE_BYTES = 32 * 1024 * 1024
# The plausible request times (--time-bounds): a timestamp outside them is a reject, so that one
# stray year can never stretch the window the monthly figures are scaled from.
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)  # the latest: this long past the clock at ingest


@dataclass(frozen=True)
class TextPolicy:
    """What a file's text leaves in the database (migration 008). By default only hashes and the
    text signals of a sample: `features` (planner/signals.py, given by the pipeline) computes
    them from `file_texts` while the file is read, and `key` names what they depend on."""

    keep: bool = False  # --keep-text: store system prompts, prompts, responses and excerpts
    per_workload: int = 0  # distinct texts per workload of a file whose signals are kept
    max_chars: int = 1500  # of a text, from its start, that the signals read
    key: str = ""  # a digest of the patterns and examples the features were computed with
    features: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None

    def reuse_key(self) -> str:
        return f"keep={self.keep};n={self.per_workload};chars={self.max_chars};{self.key}"


@dataclass(frozen=True)
class IngestOptions:
    """How files are read. None means "detect" (source) or "the default the report states"."""

    source: str | None = None  # --source: read every file as this source
    model: str | None = None  # --model: the model of trace files (they name none)
    workload: str | None = None  # --workload: the workload of trace files (else the file name)
    trace_start: datetime | None = None  # --trace-start: time zero of offset traces (Mooncake)
    column_map: ColumnMap | None = None  # --map: in-house logs
    default_model: str = ""  # the model a trace file's requests get without --model
    not_before: datetime | None = None  # --time-bounds: earliest plausible time (EARLIEST)
    not_after: datetime | None = None  # --time-bounds: latest plausible time (now + AHEAD)
    recursive: bool = True  # --no-recursive: a directory's top folder only
    max_rejects_pct: Decimal | None = None  # --max-rejects: stop once rejects pass this share
    text: TextPolicy = field(default_factory=TextPolicy)


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


def discover(paths: Sequence[str], recursive: bool = True) -> list[Path]:
    """The files LOGS arguments name (planner/discover.py)."""
    return list(discover_files(paths, recursive).files)


def ingest(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> list[IngestedFile]:
    meter = Meter(con, files, progress)  # bytes read, per file and in total, while it reads
    options = options or IngestOptions()
    out = []
    for number, f in enumerate(files, start=1):
        with meter.reading(number, f):
            out.append(_ingest_file(con, f, options, progress))
        _check_rejects(out, options.max_rejects_pct, len(files))
    return out


def _check_rejects(done: Sequence[IngestedFile], most: Decimal | None, files: int) -> None:
    """--max-rejects: stop after the file that takes the share of rejected lines read so far
    over the cap (the files already read stay in the database, read once)."""
    read = sum(f.lines_read for f in done)
    rejected = sum(f.rejected for f in done)
    if most is None or not read or Decimal(100 * rejected) <= most * read:
        return
    worst = max(done, key=lambda f: f.rejected)
    raise InputError(
        f"{rejected} of {read} lines rejected ({Decimal(100 * rejected) / read:.1f}%) in the "
        f"{len(done)} of {files} file(s) read so far, over --max-rejects {most}%; most in "
        f"{worst.path} ({worst.rejected} of {worst.lines_read}, read as {worst.source})",
        hint="plan samples and the reject reasons of a run without --max-rejects say why; or "
             "pass --source NAME if the files were read as the wrong source")


# The columns of `files` an IngestedFile takes its counts from (they share the names).
_COUNT_FIELDS = ("file_id", "source", "lines_read", "accepted", "rejected", "failed", "skipped",
                 "bodies")
_COUNTS = ", ".join(_COUNT_FIELDS)


def _ingested(row: tuple[object, ...], path: Path, source: Source, shaping: dict[str, str],
              reused: bool) -> IngestedFile:
    return IngestedFile(**dict(zip(_COUNT_FIELDS, row, strict=True)),  # type: ignore[arg-type]
                        path=str(path), reused=reused, trace=source.trace, options=shaping)


# The temporary views and tables the 14_* stages create for one file, dropped once it is stored.
_READ_OBJECTS = (("VIEW", "file_records"), ("VIEW", "raw_lines"), ("TABLE", "numbered_lines"),
                 ("TABLE", "split_records"), ("TABLE", "checked_lines"), ("TABLE", "file_texts"))


class _FileKey(NamedTuple):
    """What makes an earlier read of a file reusable (the `files` row that matches)."""

    path: str  # resolved
    size_bytes: int
    mtime_ns: int
    options_key: str  # a digest of the shaping options and of the file's content fingerprint


def _ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions, progress: Progress | None
) -> IngestedFile:
    stat = path.stat()
    reader, source = _reader_and_source(con, path, options)
    shaping = _shaping_options(source, path, options)
    key = _FileKey(str(path.resolve()), stat.st_size, stat.st_mtime_ns, hashlib.sha256(
        json.dumps(shaping, sort_keys=True).encode() + _fingerprint(path, stat.st_size)
        + options.text.reuse_key().encode()).hexdigest()[:16])
    done = con.execute(
        f"SELECT {_COUNTS} FROM files WHERE path = ? AND size_bytes = ? AND mtime_ns = ? "
        "AND options_key = ? AND parser_version = ?", [*key, PARSER_VERSION]).fetchone()
    if done is not None:
        return _ingested(done, path, source, shaping, reused=True)

    if progress:
        progress(f"reading {path} as {source.name}, {source.title} "
                 f"({stat.st_size / 1e6:,.1f} MB)")
    _set_variables(con, path, reader, source, shaping, options.text)
    try:
        file_id = _store(con, path, reader, source, options, key)
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        if not (reader == "lines" and any(m in str(exc) for m in _LINE_TROUBLE)):
            raise _unreadable(path, exc, source) from exc
        # One line with a lone CR, a byte that is not UTF-8 or too many bytes stops DuckDB's line
        # reader: read a copy with each such line marked instead, so that only it is rejected.
        with tempfile.TemporaryDirectory(prefix="plan-") as tmp:
            copy = recoded.marked_copy(path, Path(tmp) / "lines.jsonl", MAX_LINE_BYTES)
            con.execute("SET VARIABLE plan_path = ?", [str(copy)])
            try:
                file_id = _store(con, path, reader, source, options, key)
            except (duckdb.IOException, duckdb.InvalidInputException) as again:
                raise _unreadable(path, again, source) from again
    finally:
        for kind, name in _READ_OBJECTS:
            con.execute(f"DROP {kind} IF EXISTS {name}")
    row = con.execute(f"SELECT {_COUNTS} FROM files WHERE file_id = ?", [file_id]).fetchone()
    return _ingested(row, path, source, shaping, reused=False)  # type: ignore[arg-type]


def _reader_and_source(con: duckdb.DuckDBPyConnection, path: Path,
                       options: IngestOptions) -> tuple[str, Source]:
    """How a file is split into records, and which source it is (detected, or --source)."""
    reader = reader_for(path)
    if reader == "csv":  # detection reads the file with the header's layout too
        delimiter, columns = csv_layout.layout(path)
        con.execute("SET VARIABLE plan_csv_delim = ?", [delimiter])
        con.execute("SET VARIABLE plan_csv_columns = json_transform(?::JSON, json_structure("
                    "?::JSON))", [columns, columns])
    return reader, (options.column_map.source() if options.column_map
                    else detect(con, path, reader, options.source))


# What DuckDB's line reader (14_read_lines) says of a lone CR, of a byte that is not UTF-8 and
# of a line over MAX_LINE_BYTES.
_LINE_TROUBLE = ("state machine reached an invalid state", "Invalid unicode",
                 "Maximum line size")


def _unreadable(path: Path, exc: Exception, source: Source) -> InputError:
    # unreadable, corrupt (a truncated .gz, a malformed .json document or CSV row) or a record
    # over MAX_LINE_BYTES: raised where the file is read (14_numbered, or stage 20 for a
    # streamed file)
    text = str(exc)
    if "Maximum line size" in text:
        line = re.search(r"Error on Line: (\d+)", text)
        return InputError(f"{path}:{line.group(1) if line else '?'}: a record longer than "
                          f"{MAX_LINE_BYTES // 2**20} MB", hint="plan reads records of up to "
                          f"{MAX_LINE_BYTES // 2**20} MB: trim or drop that one")
    return InputError(f"{path}: cannot read: {text.splitlines()[0]} (read as {source.name})",
                      hint="see README 'Log sources' (file kinds)")


def _store(con: duckdb.DuckDBPyConnection, path: Path, reader: str, source: Source,
           options: IngestOptions, key: _FileKey) -> int:
    """Read the file through stages 14-22 into `lines` and record it in `files`, in one
    transaction that replaces an older read of the same path; its file id."""
    skipped = _normalise(con, reader, source, options)
    tokens.prepare(con)  # stage 20's token counter: filled in after (planner/tokens.py)
    con.execute("BEGIN")
    try:
        forget(con, key.path)
        file_id: int = con.execute("SELECT nextval('file_ids')").fetchone()[0]  # type: ignore[index]
        checked, stored = db.sql("20_checked").split("\n;\n", 1)
        run_script(con, checked, {"file_id": file_id})
        tokens.fill(con)  # the token counts a record does not give
        run_script(con, stored, {"file_id": file_id})
        if not source.numbered:
            _number(con, file_id, path, _first_line(reader))
        if source.after:
            run_script(con, db.sql(source.after), {"file_id": file_id})
        if options.text.features is not None:
            options.text.features(con, file_id)  # stage 24
        con.execute(db.sql("23_file"), {"file_id": file_id, "path": key.path,
                                        "size_bytes": key.size_bytes, "mtime_ns": key.mtime_ns,
                                        "parser_version": PARSER_VERSION, "source": source.name,
                                        "options_key": key.options_key, "skipped": skipped})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return file_id


def _normalise(con: duckdb.DuckDBPyConnection, reader: str, source: Source,
               options: IngestOptions) -> int:
    """Stages 14-19: the file as the view `norm`, one row per record in plan's columns; how
    many records its split skipped (OTLP spans that are not LLM calls)."""
    run_script(con, db.sql(f"14_read_{reader}"), {})
    skipped = 0
    if source.split:
        run_script(con, db.sql(source.split), {})
        run_script(con, db.sql("14_split_records"), {})
        skipped = con.execute("SELECT getvariable('plan_skipped')").fetchone()[0]  # type: ignore[index]
    run_script(con, db.sql("14_numbered" if source.numbered else "14_streamed"), {})
    con.execute(db.sql("15_stage"))
    for stage in source.stages:
        if stage == "mapped" and options.column_map:
            for name, value in options.column_map.variables().items():
                con.execute(f"SET VARIABLE {name} = ?", [value])  # names: plan_map_<field>
            con.execute(options.column_map.records_sql())
        else:
            con.execute(db.sql(stage))
    return int(skipped)


def reread_texts(con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions,
                 line_nos: Sequence[int]) -> dict[int, tuple[str, int | None]]:
    """The text (system prompt and prompt) of some lines of a file, read again from the file
    itself (the database keeps no text unless --keep-text), with its hash: for `plan samples`,
    which shows it only when the hash is the one stored as the line was ingested (the file may
    have changed since)."""
    reader, source = _reader_and_source(con, path, options)
    _set_variables(con, path, reader, source, _shaping_options(source, path, options),
                   options.text)
    try:
        _normalise(con, reader, source, options)
        # a streamed file's records are numbered in the order they are read, as stage 22 does
        rows = con.execute(
            "SELECT n, concat_ws(chr(10), system_prompt, prompt), plan_text_hash(system_prompt, "
            "prompt) FROM (SELECT coalesce(line_no, row_number() OVER () + getvariable("
            "'plan_first_line') - 1) AS n, system_prompt, prompt FROM norm) "
            "WHERE list_contains(?, n)", [list(line_nos)]).fetchall()
    finally:
        for kind, name in _READ_OBJECTS:
            con.execute(f"DROP {kind} IF EXISTS {name}")
    return {n: (text, text_hash) for n, text, text_hash in rows}


def _number(con: duckdb.DuckDBPyConnection, file_id: int, path: Path, first: int) -> None:
    """Number a streamed file's lines (stage 22) from line `first`; check they run without a
    gap and none is left unnumbered."""
    run_script(con, db.sql("22_number"), {"file_id": file_id, "first_line": first})
    rows, numbered, low, high = con.execute(
        "SELECT count(*), count(line_no), min(line_no), max(line_no) FROM lines "
        "WHERE file_id = ?", [file_id]).fetchone()  # type: ignore[misc]
    if rows and (numbered != rows or low != first or high != first + rows - 1):
        raise AssertionError(f"{path}: line numbers {low}..{high} for {rows} lines")


# A file up to this size is hashed whole for its reuse key; a larger one by its first and last
# FINGERPRINT_BYTES / 2 bytes (an edit that keeps size, mtime, head and tail is not seen).
FINGERPRINT_BYTES = 1024 * 1024


def _fingerprint(path: Path, size: int) -> bytes:
    """A digest of a file's content, cheap at any size: a file replaced by another of the same
    size and mtime (a copy with `cp -p`, a restore) is read again, not silently reused."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        if size <= FINGERPRINT_BYTES:
            digest.update(fh.read())
        else:
            digest.update(fh.read(FINGERPRINT_BYTES // 2))
            fh.seek(size - FINGERPRINT_BYTES // 2)
            digest.update(fh.read())
    return digest.digest()


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
    # only when given: the default's "now" would make every read a new one
    for name in ("not_before", "not_after"):
        if (value := getattr(options, name)) is not None:
            out[name] = value.isoformat()
    return out


def _time_bounds(shaping: dict[str, str]) -> tuple[datetime, datetime, str]:
    """The plausible request times of a file (naive UTC, as stored) and how to name them."""
    low = datetime.fromisoformat(shaping.get("not_before", EARLIEST.isoformat())).astimezone(UTC)
    if "trace_start" in shaping:  # a trace's offsets count from its time zero
        low = min(low, datetime.fromisoformat(shaping["trace_start"]).astimezone(UTC))
    given = "not_after" in shaping
    high = (datetime.fromisoformat(shaping["not_after"]) if given
            else datetime.now(UTC) + AHEAD).astimezone(UTC)
    text = f"{low:%Y-%m-%dT%H:%M:%SZ} .. " + (
        f"{high:%Y-%m-%dT%H:%M:%SZ}" if given else "a day from now")
    return low.replace(tzinfo=None), high.replace(tzinfo=None), text + " (--time-bounds)"


def _set_variables(con: duckdb.DuckDBPyConnection, path: Path, reader: str, source: Source,
                   shaping: dict[str, str], options_text: TextPolicy) -> None:
    values: dict[str, object] = {
        "plan_path": str(path),
        "plan_spec": source.struct_spec(),
        "plan_max_line": MAX_LINE_BYTES,
        "plan_first_line": _first_line(reader),
        "plan_model": shaping.get("model"),
        "plan_workload": shaping.get("workload"),
        "plan_keep_text": options_text.keep,
        "plan_text_sample": options_text.per_workload,
        "plan_text_max_chars": options_text.max_chars,
        "plan_trace_start": (datetime.fromisoformat(shaping["trace_start"]).timestamp()
                             if "trace_start" in shaping else 0.0),
    }
    values["plan_ts_min"], values["plan_ts_max"], values["plan_ts_bounds"] = _time_bounds(shaping)
    values.update({name: json.dumps(spec) for name, spec in SPECS.items()})
    for name, value in values.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])


def _first_line(reader: str) -> int:
    """The line number of a file's first record: a CSV file's follows its header."""
    return 2 if reader == "csv" else 1


def _stem(path: Path) -> str:
    """A file's name without its extensions: traces/conv.jsonl.gz -> conv."""
    return path.name.split(".", 1)[0]


def forget(con: duckdb.DuckDBPyConnection, key: str) -> int:
    """Drop what the database keeps of the file at resolved path `key` (an older ingest: it
    changed since, or plan's parser did; or `plan forget`); how many lines it had."""
    lines = 0
    for table in ("lines", "batch_bodies", "text_features"):
        deleted = con.execute(f"DELETE FROM {table} WHERE file_id IN "  # table: one of three
                              "(SELECT file_id FROM files WHERE path = ?)", [key]).fetchone()
        lines += deleted[0] if deleted and table == "lines" else 0
    con.execute("DELETE FROM files WHERE path = ?", [key])
    return lines


_COMMENT = re.compile(r"--[^\n]*")
_PARAMETER = re.compile(r"\$(\w+)")


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Execute a stage file statement by statement, binding the named parameters each uses
    (outside its comments, which may name them)."""
    for statement in script.split("\n;\n"):
        if statement.strip():
            code = _COMMENT.sub("", statement)
            named = set(_PARAMETER.findall(code))  # one pass, not a pattern per parameter
            used = {k: v for k, v in params.items() if k in named}
            con.execute(statement, used).fetchall()  # (statements: a row count at most)
