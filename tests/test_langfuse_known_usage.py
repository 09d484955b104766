"""Langfuse usage parts read by their common keys (sql/19_norm_langfuse.sql, `known`): an
observation whose usage has only input, output, total and the six other names most integrations
write (each once, each a count) is read from a structure of those keys; any other usage goes
through the map of every key, as before. Both must store the same row: each usage below is
ingested as it is and with a key `unit` (0) added, which sends it down the map path, and the
accepted ones are checked against this file's own sums of the parts (Langfuse's rule: the parts
naming input or a cache read are the input, those naming output the output)."""

from __future__ import annotations

import json
from pathlib import Path

from planner import db
from planner.stages import ingest
from tests.benchmarks.bench_analyze import generate_nested

T0 = "2026-03-02T10:00:00.000Z"
INPUT = ("input", "input_tokens", "prompt_tokens")
OUTPUT = ("output", "output_tokens", "completion_tokens")
READ = ("input_cached_tokens", "cache_read_input_tokens")

# usage (as JSON text: one holds a key twice), and whether plan accepts it
USAGES = [
    ('{"input": 200, "input_cached_tokens": 31, "output": 50}', True),
    ('{"input_tokens": 10, "output_tokens": 5, "total": 15}', True),
    ('{"prompt_tokens": 7, "completion_tokens": 3}', True),
    ('{"input": 100, "cache_read_input_tokens": 20, "output": 0, "total": 120}', True),
    ('{"input": 1, "input_tokens": 2, "prompt_tokens": 3, "output": 4, "output_tokens": 5, '
     '"completion_tokens": 6, "input_cached_tokens": 7, "cache_read_input_tokens": 8, '
     '"total": 36}', True),
    ('{"input": "12", "output": "3"}', True),  # counts written as text
    ('{"input": 5, "output": null}', True),  # (no output logged: 0)
    ('{"Input": 5, "output": 1}', True),  # (another case: the map path either way)
    ('{"input": 5, "output": 1, "input_audio_tokens": 3}', True),
    ('{"input": 1.5, "output": 2}', False),
    ('{"input": -1, "output": 2}', False),
    ('{"input": "x", "output": 2}', False),
    ('{"input": 2000000000, "output": 1}', False),
    ('{"input": true, "output": 1}', False),
    ('{"output": 2, "input_cached_tokens": 0.5}', False),
    ('{"input": 5, "input": 6, "output": 1}', False),  # a key twice: no usage read
    ('{"total": 10}', False),  # a total and no part
]


def _observation(n: int, usage: str) -> str:
    return (f'{{"id": "g-{n}", "type": "GENERATION", "name": "answer", "startTime": "{T0}", '
            f'"model": "gpt-4o-mini", "usageDetails": {usage}}}')


def _line(n: int, usage: str) -> str:
    return (f'{{"trace": {{"id": "t-{n}", "tags": ["workload:known"]}}, "observations": ['
            f'{{"id": "s-{n}", "type": "SPAN", "startTime": "{T0}"}}, {_observation(n, usage)}]}}')


def _rows(path: Path) -> list[tuple]:
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    assert f.source == "langfuse-trace"
    return con.execute("SELECT * EXCLUDE (file_id) FROM lines ORDER BY line_no").fetchall()


def _plain(usage: dict) -> tuple[int, int, int]:
    """(input, output, cached input) as Langfuse sums its parts, the key's case aside."""
    parts = {k.lower(): int(v) for k, v in usage.items() if v is not None}
    read = sum(parts.get(k, 0) for k in READ)
    return (sum(parts.get(k, 0) for k in (*INPUT, "input_audio_tokens")) + read,
            sum(parts.get(k, 0) for k in OUTPUT), read)


def test_known_usage_keys_store_what_the_map_of_every_key_stores(tmp_path: Path) -> None:
    known, mapped = tmp_path / "known.jsonl", tmp_path / "mapped.jsonl"
    known.write_text("".join(_line(n, u) + "\n" for n, (u, _) in enumerate(USAGES)),
                     encoding="utf-8")
    mapped.write_text("".join(_line(n, u[:-1] + ', "unit": 0}') + "\n"
                              for n, (u, _) in enumerate(USAGES)), encoding="utf-8")
    rows = _rows(known)
    assert rows == _rows(mapped)
    con = db.connect(":memory:")
    ingest.ingest(con, [known])
    got = dict(con.execute("SELECT request_id, [input_tokens, output_tokens, "
                           "cached_input_tokens] FROM requests").fetchall())
    rejected = {r for (r,) in con.execute("SELECT request_id FROM lines WHERE problem IS NOT "
                                          "NULL").fetchall()}
    want = {f"g-{n}": list(_plain(json.loads(u))) for n, (u, ok) in enumerate(USAGES) if ok}
    assert got == want
    assert rejected == {f"g-{n}" for n, (_, ok) in enumerate(USAGES) if not ok}


def test_the_benchmark_log_is_read_as_its_parts_sum(tmp_path: Path) -> None:
    """The trace downloads `make bench` generates (tests/benchmarks/bench_analyze.py): plan's
    totals against a plain reading of the file's usageDetails."""
    path = tmp_path / "langfuse-trace.jsonl"
    generate_nested(path, "langfuse-trace", 2000)
    want = [0, 0, 0, 0]
    for line in path.read_text(encoding="utf-8").splitlines():
        [gen] = [o for o in json.loads(line)["observations"] if o["type"] == "GENERATION"]
        i, o, c = _plain(gen["usageDetails"])
        want = [want[0] + 1, want[1] + i, want[2] + o, want[3] + c]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    assert (f.source, f.skipped, f.rejected) == ("langfuse-trace", 2000, 0)
    assert list(con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), "
                            "sum(cached_input_tokens) FROM requests").fetchone()) == want
