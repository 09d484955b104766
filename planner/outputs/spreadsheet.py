"""Writing export rows (planner/outputs/export.py) to a file: CSV (optionally with the UTF-8
byte-order
mark spreadsheets need to read UTF-8), JSON, Parquet, or an .xlsx workbook with typed cells, a
frozen header and, for the wide layout, a totals row.

The columns are the documented export schema in both CSV and xlsx (docs/exports.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from planner.errors import InputError
from planner.outputs.formats import CsvWriter, csv_cell, json_text

KINDS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".xlsx": "xlsx"}
BOM = "\ufeff"
_TIMES = ("window_start", "window_end")


def kind_of(path: Path) -> str:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: cannot tell the format from the extension",
                         hint=f"use one of {', '.join(KINDS)}")
    return kind


def csv_text(rows: Sequence[dict[str, object]], names: Sequence[str], excel: bool = False) -> str:
    """UTF-8 CSV, ISO dates, dot decimals, 2-decimal money, formula-looking cells neutralised;
    `excel`: with a byte-order mark, without which Excel and LibreOffice read UTF-8 as Latin-1."""
    out = io.StringIO()
    if excel:
        out.write(BOM)
    writer = CsvWriter(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row[k]) for k in names])
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return csv_cell(value) if isinstance(value, str) else str(value)


def write(rows: Sequence[dict[str, object]], names: Sequence[str], path: Path, kind: str,
          excel: bool = False, totals: bool = False) -> None:
    if kind == "csv":
        path.write_text(csv_text(rows, names, excel), encoding="utf-8", newline="")
    elif kind == "json":
        path.write_text(json_text(list(rows), _json_default), encoding="utf-8")
    elif kind == "xlsx":
        _xlsx(rows, names, path, totals)
    else:
        import pyarrow as pa  # deferred: only Parquet export needs it
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(list(rows)), path)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)  # two places: printed exactly as written
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _xlsx(rows: Sequence[dict[str, object]], names: Sequence[str], path: Path,
          totals: bool) -> None:
    """Numbers as numbers (money with a 2-decimal format), times as dates, text as text
    (never a formula: write_string), the header frozen and filterable; with `totals`, a last
    row of SUM formulas that also carry their value for readers that do not calculate."""
    import xlsxwriter  # deferred: only xlsx export needs it
    from xlsxwriter.exceptions import FileCreateError

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False})
    try:
        sheet = book.add_worksheet("plan export")
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        count = book.add_format({"num_format": "#,##0"})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        bold_money = book.add_format({"bold": True, "num_format": "#,##0.00"})
        bold_count = book.add_format({"bold": True, "num_format": "#,##0"})
        for c, name in enumerate(names):
            sheet.write_string(0, c, name, bold)
            sheet.set_column(c, c, max(12, len(name) + 2))
        for r, row in enumerate(rows, start=1):
            for c, name in enumerate(names):
                value = row[name]
                if isinstance(value, Decimal):
                    sheet.write_number(r, c, float(value), money)
                elif isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(r, c, value, count)
                elif name in _TIMES and isinstance(value, str):
                    sheet.write_datetime(r, c, _naive(value), when)
                else:
                    sheet.write_string(r, c, "" if value is None else str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(names) - 1)
        if totals and rows:
            last = len(rows) + 1
            sheet.write_string(last, 0, "total", bold)
            for c, name in enumerate(names):
                values = [row[name] for row in rows]
                money_cells = [v for v in values if isinstance(v, Decimal)]
                counts = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
                total: Decimal | int
                if len(money_cells) == len(values):
                    total, style = sum(money_cells, Decimal(0)), bold_money
                elif len(counts) == len(values):
                    total, style = sum(counts), bold_count
                else:
                    continue
                column = xlsxwriter.utility.xl_col_to_name(c)
                sheet.write_formula(last, c, f"=SUM({column}2:{column}{last})", style,
                                    float(total) if isinstance(total, Decimal) else total)
    finally:
        try:
            book.close()
        except FileCreateError as exc:  # xlsxwriter's own: the file could not be created
            raise InputError(f"cannot write {path}: {exc}") from exc


def _naive(text: str) -> datetime:
    """A spreadsheet has no time zones: the UTC time, as written."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
