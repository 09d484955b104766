"""Stage 1: read log files into the `lines` table (viewed as `requests`, `rejects`, `failures`).

Each file is read in one pass: a reader (sql/14_read_*.sql) splits it into records, stage 15
parses them with the detected source's column spec, the source's stages (sql/1[0-9]_*.sql) map
them onto plan's columns, and sql/20_checked.sql validates and stores every record in one
INSERT, so a file of N records leaves exactly N rows, each a request, a failed request or a
reject with its line number, field and reason.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import duckdb

from planner import db
from planner.errors import InputError
from planner.progress import Meter, Progress
from planner.stages import checking, csv_layout, recoded, reuse, tokens
from planner.stages.column_map import ColumnMap
from planner.stages.discover import discover as discover_files
from planner.stages.plain_chat import NOT_PLAIN, chat_variant
from planner.stages.readers import reader_for
from planner.stages.scripts import run_script
from planner.stages.shaping import AHEAD, EARLIEST, LINE_TROUBLE, MAX_LINE_BYTES, unreadable
from planner.stages.shaping import first_line as _first_line
from planner.stages.shaping import set_variables as _set_variables
from planner.stages.shaping import shaping_options as _shaping_options
from planner.stages.shaping import time_bounds as _time_bounds
from planner.stages.sources import Source, detect
from planner.wording import count

# 7: bounded counts and times, marked lines, CSV layout from the header (issue 19); the new
# sources, BOM documents and summed usage passes (issue 17); 8: Langfuse usage totals above
# their parts counted per file (migration 017); 9: web searches of Langfuse usage keys, OpenAI
# Responses streams, search models and Gemini grounding; Anthropic /v1/complete streams; 10: a
# blank workload name or tag is none; 11: batch jobs read whole, xAI's cost in ticks, OpenRouter's
# searches and BYOK cost, Azure streams' prompt-filter chunk, Claude 2 streams on Bedrock;
# 12: Gemini responses as google-genai's Python SDK dumps them (gemini-sdk), Bedrock's
# 1-hour cache writes (cacheDetails, an invocation log's body), Gemini's system_instruction,
# Bedrock batch inference output (bedrock-batch), Langfuse plain-text input and output, LiteLLM
# proxy completions' cache writes (top-level cache_creation_input_tokens), OpenRouter's charges
# beyond inference (migration 019), OTLP agent and tool spans skipped, OpenAI's legacy
# /v1/completions (streams without usage; no completion_tokens when nothing was generated)
PARSER_VERSION = 12
# What planner/stages/spark/read.py and older callers import from here (moved to
# planner/stages/shaping.py).
__all__ = ["AHEAD", "EARLIEST", "MAX_LINE_BYTES", "PARSER_VERSION", "IngestOptions",
           "IngestedFile", "TextPolicy", "_shaping_options", "_time_bounds", "discover",
           "forget", "ingest", "reread_texts"]


@dataclass(frozen=True)
class TextPolicy:
    """What a file's text leaves in the database (migration 008). By default only hashes and the
    text signals of a sample: `features` (planner/stages/signals.py, given by the pipeline) computes
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
    read_after: int = 0  # a grown file: the lines stored before, not read again (0: all read)
    skipped: int = 0  # OTLP spans that are not LLM calls (not records)
    bodies: int = 0  # batch input request bodies (their requests are the output file's lines)
    trace: bool = False  # a request trace: model and workload came from options, no text
    options: dict[str, str] = field(default_factory=dict)  # the options that shaped the read
    # requests whose logged usage total is above their input + output, and the tokens above
    # (Langfuse: thinking a Vertex AI instrumentation left out; sql/23_unaccounted.sql)
    unaccounted_requests: int = 0
    unaccounted_tokens: int = 0


def discover(paths: Sequence[str], recursive: bool = True) -> list[Path]:
    """The files LOGS arguments name (planner/stages/discover.py)."""
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
        f"{rejected:,} of {read:,} lines rejected ({Decimal(100 * rejected) / read:.1f}%) in "
        f"the {len(done)} of {count(files, 'file')} read so far, over --max-rejects {most}%; "
        f"most in {worst.path} ({worst.rejected:,} of {worst.lines_read:,}, read as "
        f"{worst.source})",
        hint="plan samples and the reject reasons of a run without --max-rejects say why; or "
             "pass --source NAME if the files were read as the wrong source")


# The columns of `files` an IngestedFile takes its counts from (they share the names).
_COUNT_FIELDS = ("file_id", "source", "lines_read", "accepted", "rejected", "failed", "skipped",
                 "bodies", "unaccounted_requests", "unaccounted_tokens")
_COUNTS = ", ".join(_COUNT_FIELDS)


def _ingested(row: tuple[object, ...], path: Path, source: Source, shaping: dict[str, str],
              reused: bool) -> IngestedFile:
    return IngestedFile(**dict(zip(_COUNT_FIELDS, row, strict=True)),  # type: ignore[arg-type]
                        path=str(path), reused=reused, trace=source.trace, options=shaping)


# The temporary views and tables the 14_* stages create for one file, dropped once it is stored.
_READ_OBJECTS = (("VIEW", "file_parsed"), ("VIEW", "file_records"), ("VIEW", "raw_lines"),
                 ("TABLE", "numbered_lines"), ("TABLE", "split_records"), ("TABLE", "split_lines"),
                 ("TABLE", "checked_lines"), ("TABLE", "file_texts"))


def _ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions, progress: Progress | None
) -> IngestedFile:
    with tempfile.TemporaryDirectory(prefix="plan-") as tmp:
        utf8 = recoded.utf8_copy(path, Path(tmp))  # the file itself unless UTF-16 / UTF-32
        reader, source = _reader_and_source(con, path, options, utf8)
        shaping = _shaping_options(source, path, options)
        key = reuse.file_key(path, shaping, options.text.reuse_key())
        done = con.execute(
            f"SELECT {_COUNTS} FROM files WHERE path = ? AND size_bytes = ? AND mtime_ns = ? "
            "AND options_key = ? AND parser_version = ?",
            [key.path, key.size_bytes, key.mtime_ns, key.options_key, PARSER_VERSION]).fetchone()
        if done is not None:
            return _ingested(done, path, source, shaping, reused=True)
        earlier = (reuse.grown(con, key, path, PARSER_VERSION)
                   if utf8 == path and reuse.grows(source, reader, path) else None)
        if progress:
            progress(f"reading {path} as {source.name}, {source.title} ("
                     + (f"{(key.size_bytes - earlier.size_bytes) / 1e6:,.1f} MB appended since "
                        "it was read" if earlier else f"{key.size_bytes / 1e6:,.1f} MB") + ")")
        read_path = utf8
        if earlier is not None:  # only the bytes after the stored read's, numbered on from it
            read_path = Path(tmp) / f"new{''.join(path.suffixes)}"
            reuse.copy_tail(path, earlier.size_bytes, key.size_bytes, read_path)
        file_id = _read(con, read_path, _Target(path, reader, source, key, earlier),
                        shaping, options)
    row = con.execute(f"SELECT {_COUNTS} FROM files WHERE file_id = ?", [file_id]).fetchone()
    return dataclasses.replace(
        _ingested(row, path, source, shaping, reused=False),  # type: ignore[arg-type]
        read_after=earlier.lines if earlier else 0)


class _Target(NamedTuple):
    """A file being read: as the user named it, how, and what of it is stored already."""

    path: Path
    reader: str
    source: Source
    key: reuse.FileKey
    earlier: reuse.Earlier | None  # a stored read it grew from (only its new lines are read)

    def first_line(self) -> int:
        return (self.earlier.lines if self.earlier else 0) + _first_line(self.reader)


def _read(con: duckdb.DuckDBPyConnection, read_path: Path, target: _Target,
          shaping: dict[str, str], options: IngestOptions) -> int:
    """Read `read_path` (the file, or a grown file's new lines) into `lines`; its file id. A file
    of chat completion calls only is read with stage 12 for them (plain_chat.chat_variant), and
    again with the whole stage 12 when a record is not one."""
    chat = (None if options.column_map else
            chat_variant(con, read_path, target.reader, target.source))
    if chat is not None:
        try:
            return _read_as(con, read_path, target._replace(source=chat), shaping, options)
        except (InputError, duckdb.Error) as exc:
            if NOT_PLAIN not in str(exc):
                raise
    return _read_as(con, read_path, target, shaping, options)


def _read_as(con: duckdb.DuckDBPyConnection, read_path: Path, target: _Target,
             shaping: dict[str, str], options: IngestOptions) -> int:
    _set_variables(con, read_path, target.reader, target.source, shaping, options.text)
    con.execute("SET VARIABLE plan_first_line = ?", [target.first_line()])
    try:
        return _store(con, target, options)
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        if not (target.reader == "lines" and any(m in str(exc) for m in LINE_TROUBLE)):
            raise unreadable(target.path, exc, target.source) from exc
        # One line with a lone CR, a byte that is not UTF-8 or too many bytes stops DuckDB's line
        # reader: read a copy with each such line marked instead, so that only it is rejected.
        with tempfile.TemporaryDirectory(prefix="plan-") as tmp:
            copy = recoded.marked_copy(read_path, Path(tmp) / "lines.jsonl", MAX_LINE_BYTES)
            con.execute("SET VARIABLE plan_path = ?", [str(copy)])
            try:
                return _store(con, target, options)
            except (duckdb.IOException, duckdb.InvalidInputException) as again:
                raise unreadable(target.path, again, target.source) from again
    finally:
        for kind, name in _READ_OBJECTS:
            con.execute(f"DROP {kind} IF EXISTS {name}")


def _reader_and_source(con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions,
                       utf8: Path | None = None) -> tuple[str, Source]:
    """How a file is split into records, and which source it is (detected, or --source), read
    from `utf8` (the file, or its UTF-8 copy)."""
    reader = reader_for(path)
    utf8 = utf8 or path
    if reader == "csv":  # detection reads the file with the header's layout too
        delimiter, columns = csv_layout.layout(utf8)
        con.execute("SET VARIABLE plan_csv_delim = ?", [delimiter])
        con.execute("SET VARIABLE plan_csv_columns = json_transform(?::JSON, json_structure("
                    "?::JSON))", [columns, columns])
    return reader, (options.column_map.source() if options.column_map
                    else detect(con, path, reader, options.source, utf8))


def _store(con: duckdb.DuckDBPyConnection, target: _Target, options: IngestOptions) -> int:
    """Read the file through stages 14-22 into `lines` and record it in `files`, in one
    transaction that replaces an older read of the same path (or, for a grown file, adds its
    new lines to the stored ones under the same id); its file id."""
    key, source, earlier = target.key, target.source, target.earlier
    skipped = _normalise(con, target.reader, source, options)
    tokens.prepare(con)  # stage 20's token counter: filled in after (planner/stages/tokens.py)
    con.execute("BEGIN")
    try:
        if earlier is None:
            forget(con, key.path)
            file_id: int = con.execute("SELECT nextval('file_ids')").fetchone()[0]  # type: ignore[index]
        else:
            file_id = earlier.file_id
        checking.check(con, file_id, target.first_line(), streamed=not source.numbered)
        if not source.numbered:
            _number(con, file_id, target.path, target.first_line())
        if source.after:
            run_script(con, db.sql(source.after), {"file_id": file_id})
        if options.text.features is not None:
            options.text.features(con, file_id)  # stage 24
        run_script(con, db.sql("23_file"), {
            "file_id": file_id, "path": key.path, "size_bytes": key.size_bytes,
            "mtime_ns": key.mtime_ns, "parser_version": PARSER_VERSION, "source": source.name,
            "options_key": key.options_key, "skipped": skipped, "shape_key": key.shape_key,
            "content_fp": key.content_fp, "reads": earlier.reads + 1 if earlier else 1,
            "read_after": earlier.lines if earlier else 0})
        if _TOTALED in source.stages:
            run_script(con, db.sql("23_unaccounted"), {"file_id": file_id})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        con.execute("SET preserve_insertion_order = true")  # (checking.check may have left it off)
        raise
    return file_id


# The stage whose records give a usage total (Langfuse's), whose excess over the parts
# sql/23_unaccounted.sql counts per file.
_TOTALED = "19_norm_langfuse"

# The split steps that hand stage 15 their records parsed and numbered (view file_parsed, in
# place of stage 15's first statement), counting the items they skip themselves: each item is
# parsed once, and no copy of the file's text is sorted into records (the other splits' items
# are text, which 14_split_records orders and stage 15 parses).
_PARSING_SPLITS = frozenset({"14_split_langfuse"})


def _normalise(con: duckdb.DuckDBPyConnection, reader: str, source: Source,
               options: IngestOptions) -> int:
    """Stages 14-19: the file as the view `norm`, one row per record in plan's columns; how
    many records its split skipped (OTLP spans that are not LLM calls)."""
    run_script(con, db.sql(f"14_read_{reader}"), {})
    skipped = 0
    if source.split:
        run_script(con, db.sql(source.split), {})
        if source.split not in _PARSING_SPLITS:
            run_script(con, db.sql("14_split_records"), {})
        skipped = con.execute("SELECT getvariable('plan_skipped')").fetchone()[0]  # type: ignore[index]
    parse, stage = db.sql("15_stage").split("\n;\n")
    if source.split not in _PARSING_SPLITS:
        run_script(con, db.sql("14_numbered" if source.numbered else "14_streamed"), {})
        con.execute(parse)
    con.execute(stage)
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
    with tempfile.TemporaryDirectory(prefix="plan-") as tmp:
        utf8 = recoded.utf8_copy(path, Path(tmp))
        reader, source = _reader_and_source(con, path, options, utf8)
        _set_variables(con, utf8, reader, source, _shaping_options(source, path, options),
                       options.text)
        try:
            _normalise(con, reader, source, options)
            # a streamed file's records are numbered in the order they are read, as stage 22
            rows = con.execute(
                "SELECT n, concat_ws(chr(10), system_prompt, prompt), plan_text_hash("
                "system_prompt, prompt) FROM (SELECT coalesce(line_no, row_number() OVER () + "
                "getvariable('plan_first_line') - 1) AS n, system_prompt, prompt FROM norm) "
                "WHERE list_contains(?, n)", [list(line_nos)]).fetchall()
        finally:
            for kind, name in _READ_OBJECTS:
                con.execute(f"DROP {kind} IF EXISTS {name}")
    return {n: (text, text_hash) for n, text, text_hash in rows}


def _number(con: duckdb.DuckDBPyConnection, file_id: int, path: Path, first: int) -> None:
    """Number a streamed file's lines (stage 22) from line `first`; check they run without a
    gap and none is left unnumbered (a grown file's new lines: those from `first` on)."""
    run_script(con, db.sql("22_number"), {"file_id": file_id, "first_line": first})
    rows, numbered, low, high = con.execute(
        "SELECT count(*), count(line_no), min(line_no), max(line_no) FROM lines "
        "WHERE file_id = ? AND (line_no IS NULL OR line_no >= ?)",
        [file_id, first]).fetchone()  # type: ignore[misc]
    if rows and (numbered != rows or low != first or high != first + rows - 1):
        raise AssertionError(f"{path}: line numbers {low}..{high} for {rows} lines")


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
