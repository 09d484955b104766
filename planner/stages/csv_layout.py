"""Stage 1, CSV files: the delimiter and the columns, from the header row alone.

DuckDB's sniffer reads the delimiter and the column count from a sample of rows, so one row
with an extra field made it pick `|` and reject every row for the wrong reason. The header row
is the one row a CSV export always gets right: plan takes the delimiter and the column names
from it, and sql/14_read_csv.sql reads every row against them, with one more column (named
U+FFFF) that only a row with more fields than the header fills: that row is a reject.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from planner.stages import recoded

DELIMITERS = (",", ";", "\t", "|")
EXTRA = "\uffff"  # the column a row with more fields than the header fills


def layout(path: Path) -> tuple[str, str]:
    """The delimiter and the read_csv `columns` (as JSON: name -> VARCHAR, then EXTRA)."""
    with recoded.open_text(path, newline="") as fh:
        header = fh.readline().rstrip("\r\n")
    delimiter = max(DELIMITERS, key=lambda d: _outside_quotes(header).count(d))
    names = next(csv.reader([header], delimiter=delimiter), [])
    columns: dict[str, str] = {}
    for i, name in enumerate(names):
        key = name or f"column{i}"
        while key in columns or key == EXTRA:
            key += "_"
        columns[key] = "VARCHAR"
    columns[EXTRA] = "VARCHAR"
    return delimiter, json.dumps(columns)


def _outside_quotes(line: str) -> str:
    """The header without its quoted parts (a quoted name may hold any delimiter)."""
    return "".join(line.split('"')[::2])
