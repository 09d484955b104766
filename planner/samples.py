"""`plan samples`: requests of one workload with the label, rule and evidence that decided each,
so a reader can check the classification against the requests themselves.

The requests are spread over the workload (ordered by a hash of file and line, not the first
few), each shown with its file and line and the start of its text. The database keeps no text
unless --keep-text, so the text is read again from the log file by line number, and shown only
when it is the text the line had when it was labelled (its hash matches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from planner import pipeline
from planner.errors import InputError
from planner.stages import ingest, nearrepeats
from planner.stages.evidence import describe, examples_for
from planner.stages.rules import RuleSet


@dataclass(frozen=True)
class Sample:
    where: str  # file:line
    label: str
    rule: str
    domain: str
    evidence: str
    text: str  # system prompt and prompt, as logged ("" when the log has none)


def samples(
    paths: Sequence[str], options: pipeline.AnalyzeOptions, workload: str,
    label: str | None = None, rule: str | None = None, limit: int = 5,
) -> list[Sample]:
    def read(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> list[Sample]:
        return _read(con, rules, workload, label, rule, limit, options)

    return pipeline.read_labels(paths, options, read)


_QUERY = """
SELECT
    r.path, l.file_id, l.line_no, l.text_hash,
    r.path || ':' || l.line_no AS where_, l.label, l.rule, l.domain, l.task_type, l.tool_calls,
    l.has_images, l.has_tools, l.input_tokens, l.output_tokens, l.reasoning_tokens,
    t.sim_domain, t.sim_vote, t.sim_top, t.sim_example, t.sim_cap_vote, t.sim_cap_domain,
    t.signal_counts, t.signal_matches,
    concat_ws(chr(10), coalesce(q.system_prompt, b.system_prompt), coalesce(q.prompt, b.prompt))
        AS text
FROM labelled_requests l
JOIN run_files r USING (file_id)
LEFT JOIN text_signals t ON t.text_hash = l.text_hash
LEFT JOIN lines q ON q.file_id = l.file_id AND q.line_no = l.line_no
LEFT JOIN batch_joined b ON b.file_id = l.file_id AND b.line_no = l.line_no
WHERE l.workload = $workload
    AND ($label IS NULL OR l.label = $label)
    AND ($rule IS NULL OR l.rule = $rule)
ORDER BY hash(l.file_id, l.line_no)
LIMIT $limit
"""


def _read(con: duckdb.DuckDBPyConnection, rules: RuleSet, workload: str, label: str | None,
          rule: str | None, limit: int, options: pipeline.AnalyzeOptions) -> list[Sample]:
    _known(con, workload)
    result = con.execute(_QUERY, {"workload": workload, "label": label, "rule": rule,
                                  "limit": limit})
    cols = [d[0] for d in result.description]
    by_name = {r.name: r for r in rules.rules}
    recs = [dict(zip(cols, row, strict=True)) for row in result.fetchall()]
    _reread(con, recs, options)
    examples = examples_for(rules, recs)
    names = [s.name for s in rules.signals]
    return [Sample(where=rec["where_"], label=rec["label"], rule=rec["rule"],
                   domain=rec["domain"], text=rec["text"] or "",
                   evidence=describe(by_name.get(rec["rule"]), rec, examples, names))
            for rec in recs]


@dataclass(frozen=True)
class CachePair:
    """A request a semantic cache would answer with an earlier one's answer (stage 58)."""

    similarity: float  # cosine similarity of the two prompts' embeddings
    seconds_apart: float
    where: str  # file:line of the later request
    earlier: str  # file:line of the earlier one
    text: str
    earlier_text: str


def cache_pairs(paths: Sequence[str], options: pipeline.AnalyzeOptions, workload: str,
                limit: int = 10) -> list[CachePair]:
    """Near repeats of one workload the cache curve counts, most similar first, spread over the
    similarity bands, each with both texts read again from the logs, so that a reader can judge
    whether the earlier answer would have served (a false hit the logs cannot show)."""
    def read(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> list[CachePair]:
        _known(con, workload)
        nearrepeats.compute(con, options.settings.value("cache_ttl_hours") * 3600)
        rows = con.execute(
            "SELECT c.sim, c.gap, r.path, c.line_no, q.path, c.prev_line_no, l.text_hash, "
            "p.text_hash FROM cache_pairs c JOIN run_files r USING (file_id) "
            "JOIN run_files q ON q.file_id = c.prev_file_id "
            "JOIN request_labels l ON l.file_id = c.file_id AND l.line_no = c.line_no "
            "JOIN request_labels p ON p.file_id = c.prev_file_id AND p.line_no = c.prev_line_no "
            "WHERE c.workload = ? ORDER BY c.sim DESC, hash(c.file_id, c.line_no) LIMIT ?",
            [workload, limit]).fetchall()
        recs = [{"path": a_path, "line_no": a_line, "text_hash": a_hash, "text": ""}
                for _, _, a_path, a_line, _, _, a_hash, _ in rows]
        prev = [{"path": b_path, "line_no": b_line, "text_hash": b_hash, "text": ""}
                for _, _, _, _, b_path, b_line, _, b_hash in rows]
        _reread(con, recs + prev, options)
        return [CachePair(round(sim, 4), gap, f"{a['path']}:{a['line_no']}",
                          f"{b['path']}:{b['line_no']}", a["text"], b["text"])
                for (sim, gap, *_), a, b in zip(rows, recs, prev, strict=True)]

    return pipeline.read_labels(paths, options, read)


def _known(con: duckdb.DuckDBPyConnection, workload: str) -> None:
    known = [w for (w,) in con.execute(
        "SELECT workload FROM workload_stats ORDER BY requests DESC, workload").fetchall()]
    if workload not in known:
        shown = ", ".join(known[:8]) + (f" and {len(known) - 8} more" if len(known) > 8 else "")
        raise InputError(f"no workload {workload!r} in these logs", hint=f"workloads: {shown}")


def _reread(con: duckdb.DuckDBPyConnection, recs: list[dict[str, Any]],
            options: pipeline.AnalyzeOptions) -> None:
    """Fill in the text of samples whose text the database does not keep, from their files."""
    missing: dict[str, list[dict[str, Any]]] = {}
    for rec in recs:
        if not rec["text"] and rec["text_hash"] is not None:
            missing.setdefault(rec["path"], []).append(rec)
    for path, group in missing.items():
        texts = ingest.reread_texts(con, Path(path), options.reading,
                                    [rec["line_no"] for rec in group])
        for rec in group:
            text, text_hash = texts.get(rec["line_no"], ("", None))
            rec["text"] = (text if text_hash == rec["text_hash"] else
                           "(not shown: the text on this line of the file is not the text it had "
                           "when plan read it, or it came from a batch input file)")
