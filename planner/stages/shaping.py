"""Stage 1: how a file is read, apart from what it holds: the options that shape its read
(its reuse key; shown in the report) and the variables the stage SQL files read them from.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from planner.errors import InputError
from planner.stages.sources import SPECS, Source

if TYPE_CHECKING:
    from planner.stages.ingest import IngestOptions, TextPolicy

# Longest line read. Larger values slow DuckDB's CSV reader for every file (bigger buffers):
# 32 MB holds a request with several base64 images; 64 MB doubled the read time in `make bench`.
MAX_LINE_BYTES = 32 * 1024 * 1024
# The plausible request times (--time-bounds): a timestamp outside them is a reject, so that one
# stray year can never stretch the window the monthly figures are scaled from.
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)  # the latest: this long past the clock at ingest


def shaping_options(source: Source, path: Path, options: IngestOptions) -> dict[str, str]:
    """The options that change how this file is read (its cache key; shown in the report)."""
    out = {"source": source.name}
    if options.column_map:
        out["map"] = ",".join(f"{k}={v}" for k, v in options.column_map.fields)
    if source.trace:
        out["model"] = options.model or options.default_model
        out["workload"] = options.workload or stem(path)
        start = options.trace_start
        out["trace_start"] = (start.isoformat() if start else "1970-01-01T00:00:00+00:00")
    if source.undated and options.trace_start is not None:  # (records without a time)
        out["given_time"] = options.trace_start.isoformat()
    # only when given: the default's "now" would make every read a new one
    for name in ("not_before", "not_after"):
        if (value := getattr(options, name)) is not None:
            out[name] = value.isoformat()
    return out


def time_bounds(shaping: dict[str, str]) -> tuple[datetime, datetime, str]:
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


def set_variables(con: duckdb.DuckDBPyConnection, path: Path, reader: str, source: Source,
                   shaping: dict[str, str], options_text: TextPolicy) -> None:
    values: dict[str, object] = {
        "plan_path": str(path),
        "plan_spec": source.struct_spec(),
        "plan_max_line": MAX_LINE_BYTES,
        "plan_first_line": first_line(reader),
        "plan_model": shaping.get("model"),
        "plan_workload": shaping.get("workload"),
        "plan_keep_text": options_text.keep,
        "plan_text_sample": options_text.per_workload,
        "plan_text_max_chars": options_text.max_chars,
        "plan_trace_start": (datetime.fromisoformat(shaping["trace_start"]).timestamp()
                             if "trace_start" in shaping else 0.0),
        "plan_given_time": shaping.get("given_time"),  # (--trace-start, an undated source's)
    }
    values["plan_ts_min"], values["plan_ts_max"], values["plan_ts_bounds"] = time_bounds(shaping)
    values.update({name: json.dumps(spec) for name, spec in SPECS.items()})
    for name, value in values.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])


def first_line(reader: str) -> int:
    """The line number of a file's first record: a CSV file's follows its header."""
    return 2 if reader == "csv" else 1


def stem(path: Path) -> str:
    """A file's name without its extensions: traces/conv.jsonl.gz -> conv."""
    return path.name.split(".", 1)[0]


# What DuckDB's line reader (14_read_lines) says of a lone CR, of a byte that is not UTF-8 and
# of a line over MAX_LINE_BYTES.
LINE_TROUBLE = ("state machine reached an invalid state", "Invalid unicode",
                "Maximum line size")


def unreadable(path: Path, exc: Exception, source: Source) -> InputError:
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
