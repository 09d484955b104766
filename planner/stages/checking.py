"""Stage 20 (sql/20_checked.sql): a file's records checked into `lines`, its texts into
`file_texts`; streamed straight from the reader when the file holds no text to count."""

from __future__ import annotations

import duckdb

from planner import db
from planner.stages import tokens
from planner.stages.scripts import run_script

# Stage 20's first statement; without text to count or sample, a view.
_TABLE, _VIEW = ("CREATE OR REPLACE TEMP TABLE checked_lines AS",
                 "CREATE OR REPLACE TEMP VIEW checked_lines AS")
_NO_TEXTS = ("CREATE OR REPLACE TEMP TABLE file_texts "  # (a file without text has none)
             "(text_hash UBIGINT, text VARCHAR, prompt VARCHAR)")
# Whether the first records hold a text or a request without its token counts.
_PROBE = ("SELECT count(*) FROM (SELECT * FROM norm LIMIT 1000) WHERE coalesce(system_prompt, "
          "prompt, response) IS NOT NULL OR (line_problem IS NULL AND failure IS NULL AND "
          "(input_raw IS NULL OR output_raw IS NULL))")
# Requests stored through the view that needed their text after all.
_TEXTED = ("SELECT count(*) FROM lines WHERE file_id = $file_id AND (line_no IS NULL OR "
           "line_no >= $first) AND problem IS NULL AND failure IS NULL AND "
           "(text_hash IS NOT NULL OR tokens_counted)")


def check(con: duckdb.DuckDBPyConnection, file_id: int, first: int, streamed: bool) -> None:
    """Stage 20 (sql/20_checked.sql): check the file's records into `lines` and its candidate
    texts into `file_texts`. Records with no text and their token counts (most cost logs) go
    from the reader into `lines` in one streamed INSERT (`checked_lines` a view: nothing held or
    spilled); a file with text is checked into the table `checked_lines` once, and its texts
    counted and sampled from there. Its first records say which; if a later one has text after
    all, the rows just stored are deleted and the file read again through the table."""
    checked, stored, texts = db.sql("20_checked").split("\n;\n")
    if _TABLE not in checked:
        raise AssertionError("sql/20_checked.sql's first statement changed: see checking.check")
    if streamed and not con.execute(_PROBE).fetchone()[0]:  # type: ignore[index]
        run_script(con, checked.replace(_TABLE, _VIEW).replace("$file_id", str(int(file_id))),
                   {})
        # The records are numbered before this INSERT, by a streaming window over the reader
        # (14_streamed), which DuckDB runs on one thread in the file's order whatever this
        # setting; with it off the INSERT fills whole row groups (with it on, it leaves a short
        # one per 32 MB read, which the next checkpoint merges by writing the table again).
        # (Set back by _store also when this fails, after the ROLLBACK drops the view.)
        con.execute("SET preserve_insertion_order = false")
        run_script(con, stored, {})
        con.execute("SET preserve_insertion_order = true")
        con.execute("DROP VIEW checked_lines")
        params = {"file_id": file_id, "first": first}
        if not con.execute(_TEXTED, params).fetchone()[0]:  # type: ignore[index]
            con.execute(_NO_TEXTS)
            return
        con.execute("DELETE FROM lines WHERE file_id = $file_id AND (line_no IS NULL OR "
                    "line_no >= $first)", params)
    run_script(con, checked, {"file_id": file_id})
    tokens.fill(con)  # the token counts a record does not give
    run_script(con, stored, {})
    run_script(con, texts, {})
