"""How a log file is split into records (four readers: JSON lines, one JSON document, CSV rows,
Parquet rows), chosen from its name and first bytes, and a sample of its records for detecting
its source (planner/stages/sources.py). Text is UTF-8 (a byte-order mark is skipped), or UTF-16 or
UTF-32 with a byte-order mark (read from a UTF-8 copy: planner/stages/recoded.py); UTF-16 or
UTF-32 without one is refused with what to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb

from planner.errors import InputError
from planner.stages import recoded

SAMPLE_RECORDS = 50
# A line of a CloudWatch Logs export task's file in S3: the event's time, a space, its message
# (sql/14_split_cloudwatch.sql reads the message as the event's)
_STAMPED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z (?=\{)")
READERS = ("lines", "json", "json_array", "csv", "parquet")
Record = Mapping[str, object]


def reader_for(path: Path) -> str:
    """How a file's records are split, from its name (and for .json, its first bytes)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        return "parquet"
    _check_encoding(path)
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".json"):
        # A .json file is one document (an object or an array of them) unless it is JSON lines.
        # An array is read as one (DuckDB's auto-detection takes an array that follows a UTF-8
        # byte-order mark, as Windows tools write it, for a single record).
        if _looks_like_json_lines(path):
            return "lines"
        return "json_array" if _first_char(path) == "[" else "json"
    return "lines"


def _check_encoding(path: Path) -> None:
    """Refuse binary files, and UTF-16 / UTF-32 text without a byte-order mark (whose byte order
    plan would have to guess), with what to do instead of letting the reader fail on it, or read
    it as garbage."""
    try:
        with recoded.open_binary(path) as fh:
            head = fh.read(512)
    except (OSError, EOFError):
        return  # the reader reports the problem
    what = binary_kind(head)
    if what:
        raise InputError(f"{path}: {what}, not a log of requests",
                         hint="name the log files, or a folder of them; README 'Log sources'")
    if recoded.encoding_of(head) == "utf-8-sig" and b"\x00" in head[:4] and head.strip(b"\x00"):
        # ASCII text with NUL bytes between
        raise InputError(f"{path}: the file is UTF-16 or UTF-32 text without a byte-order mark; "
                         "plan reads UTF-8, or UTF-16 / UTF-32 with a mark",
                         hint="convert it, e.g. `iconv -f UTF-16LE -t UTF-8 IN > OUT`; "
                         "README 'Log sources'")


# Files people point plan at by mistake, named by their first bytes.
_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or an .xlsx / .docx)"),
          (b"\x7fELF", "a program (ELF executable)"), (b"SQLite format 3", "an SQLite database"),
          (b"\x1f\x8b", "gzip-compressed data without a .gz name (rename it to end in .gz)"),
          (b"PAR1", "Parquet data without a .parquet name (rename it)"))


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file read as text (a .gz one decompressed) say it is when it
    is not text: a known format, or binary data (NUL bytes that are not UTF-16's every other
    byte, or many control bytes). Parquet is read by name before this check."""
    known = next((what for magic, what in _MAGIC if head.startswith(magic)), None)
    if known:
        return f"the file is {known}"
    if recoded.encoding_of(head) != "utf-8-sig":
        return None
    if b"\x00" in head:
        odd, even = head[1::2], head[0::2]
        if odd.strip(b"\x00") and even.strip(b"\x00"):  # not ASCII text in UTF-16 / UTF-32
            return "the file is binary data"
        return None
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return "the file is binary data" if head and controls * 10 > len(head) else None


def _first_char(path: Path) -> str:
    """The first character of a text file that is not white space (a byte-order mark skipped)."""
    try:
        with _open_text(path) as fh:
            chunk: str = fh.read(4096)
    except (OSError, EOFError):
        return ""
    return chunk.lstrip()[:1]


def sample(con: duckdb.DuckDBPyConnection, path: Path, reader: str) -> list[Record]:
    if reader == "lines":
        objects = []
        try:
            with _open_text(path) as fh:
                for _, line in zip(range(SAMPLE_RECORDS), fh, strict=False):
                    try:
                        objects.append(json.loads(line))
                    except (ValueError, RecursionError):  # not JSON, or nested too deep for
                        stamped = _STAMPED.match(line)  # Python's parser: stage 20 judges it
                        if stamped:  # a CloudWatch Logs export task's `TIME {message}` line
                            objects.append({"events": [{"message": line[stamped.end():]}]})
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except EOFError as exc:
            raise InputError(f"{path}: truncated gzip file") from exc
        return [o for o in objects if isinstance(o, dict)]
    try:
        rows = con.execute(
            f"SELECT to_json(t)::VARCHAR FROM {READ_SQL[reader]} t LIMIT {SAMPLE_RECORDS}",
            [str(path)],
        ).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    records = [_parsed(r[0]) for r in rows]
    if reader in ("json", "json_array"):  # read_json_objects wraps a record as {"json": ...}
        records = [r["json"] for r in records if isinstance(r, dict)]
    return [r for r in records if isinstance(r, dict)]


# The table function each non-line reader samples with (the path is the one parameter).
READ_SQL = {
    "json": "read_json_objects(?, format = 'auto')",
    "json_array": "read_json_objects(?, format = 'array')",
    "csv": "read_csv(?, columns = getvariable('plan_csv_columns'), header = false, skip = 1, "
           "delim = getvariable('plan_csv_delim'), quote = '\"', escape = '\"', "
           "null_padding = true, strict_mode = false, auto_detect = false, "
           "parallel = false)",  # csv_layout.py; (parallel: 14_read_csv.sql says why)
    "parquet": "read_parquet(?)",
}


def _parsed(text: str) -> object:
    """A sampled record, or None when it is nested too deep for Python's parser."""
    try:
        return json.loads(text)
    except RecursionError:
        return None


def _looks_like_json_lines(path: Path) -> bool:
    """True when the first line of a .json file is a whole JSON object on its own."""
    try:
        with _open_text(path) as fh:
            first = fh.readline()
    except (OSError, EOFError):
        return False  # the reader reports the problem
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


_open_text = recoded.open_text
