"""`plan eval` (and `make eval`): how well the rules label prompts that were labelled without
plan, by the domain of the public task suite each came from (tests/fixtures/eval/README*.md).

Each labelled prompt becomes one canonical request (no task_type, no workload, the prompt and
system prompt as text) in a temporary log; stages 1-5 label it like any logged request; the
labels are compared with the suite's. Reported: precision, recall and F1 of capability-bound
overall, and per domain the share of its prompts plan calls capability-bound (its recall for a
capability domain, its false-positive rate for a cost-bound one).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from planner import pipeline
from planner.errors import InputError
from planner.stages.rules import RuleSet

CAPABILITY = "capability-bound"
START = datetime(2026, 1, 1, tzinfo=UTC)  # the prompts are spread a minute apart from here


@dataclass(frozen=True)
class DomainScore:
    domain: str
    label: str  # the suite's label
    prompts: int
    called_capability: int  # how many plan labelled capability-bound
    # For a capability domain: prompts plan labelled capability-bound in this domain, and how
    # many of those the suites label capability-bound (the domain's precision).
    claimed: int = 0
    claimed_right: int = 0

    @property
    def share(self) -> float:
        return self.called_capability / self.prompts

    @property
    def precision(self) -> float | None:
        return self.claimed_right / self.claimed if self.claimed else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.share
        return None if p is None or self.label != CAPABILITY else (
            2 * p * r / (p + r) if p + r else 0.0)


@dataclass(frozen=True)
class Evaluation:
    prompts: int
    true_pos: int
    false_pos: int
    false_neg: int
    domains: tuple[DomainScore, ...]
    rules: tuple[tuple[str, str, int], ...]  # (rule, the suites' label, prompts it decided)
    misses: tuple[tuple[str, str, str], ...]  # (id, suite label, rule) of each wrong label

    @property
    def precision(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_pos, 1)

    @property
    def recall(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_neg, 1)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(
    paths: Sequence[str], options: pipeline.AnalyzeOptions, split: str | None = None
) -> Evaluation:
    truth = _read(paths, split)
    if not truth:
        raise InputError(f"no labelled prompts in {', '.join(paths)}"
                         + (f" with split '{split}'" if split else ""))
    with tempfile.TemporaryDirectory(prefix="plan-eval-") as tmp:
        log = Path(tmp) / "eval.jsonl"
        with log.open("w", encoding="utf-8") as out:
            for i, (rid, rec) in enumerate(truth.items()):
                out.write(json.dumps({
                    "request_id": rid, "timestamp": (START + timedelta(minutes=i)).isoformat(),
                    "model": "gpt-4o", "system_prompt": rec.get("system_prompt"),
                    "prompt": rec["prompt"], "output_tokens": 0}) + "\n")
        # Every prompt is its own text: the sample must take them all.
        opts = replace(options, db=":memory:", text_sample=max(options.text_sample, len(truth)))
        got = pipeline.read_labels([str(log)], opts, _labels)
    return _score(truth, got)


def _labels(con: duckdb.DuckDBPyConnection,
            _rules: RuleSet) -> dict[str, tuple[str, str, str]]:
    rows = con.execute("SELECT request_id, label, rule, domain FROM labelled_requests").fetchall()
    return {rid: (label, rule, domain) for rid, label, rule, domain in rows}


def _read(paths: Sequence[str], split: str | None) -> dict[str, dict[str, str]]:
    truth: dict[str, dict[str, str]] = {}
    for raw in paths:
        path = Path(raw)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for f in files:
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
                try:
                    rec = json.loads(line)
                    ok = all(isinstance(rec.get(k), str) for k in ("id", "label", "domain",
                                                                    "prompt"))
                except ValueError:
                    ok = False
                if not ok:
                    raise InputError(f"{f}:{n}: a labelled prompt needs id, label, domain and "
                                     "prompt (strings)")
                if split is None or rec.get("split") == split:
                    truth[rec["id"]] = rec
    return truth


def _score(truth: dict[str, dict[str, str]],
           got: dict[str, tuple[str, str, str]]) -> Evaluation:
    tp = fp = fn = 0
    domains: dict[tuple[str, str], list[int]] = {}
    claims: dict[str, list[int]] = {}  # plan's domain -> [claimed, right]
    rules: dict[tuple[str, str], int] = {}
    misses = []
    for rid, rec in truth.items():
        label, rule, domain = got[rid]
        want, said = rec["label"] == CAPABILITY, label == CAPABILITY
        tp += want and said
        fp += said and not want
        fn += want and not said
        d = domains.setdefault((rec["domain"], rec["label"]), [0, 0])
        d[0] += 1
        d[1] += said
        if said:
            c = claims.setdefault(domain, [0, 0])
            c[0] += 1
            c[1] += want
        rules[rule, rec["label"]] = rules.get((rule, rec["label"]), 0) + 1
        if want != said:
            misses.append((rid, rec["label"], rule))
    return Evaluation(
        prompts=len(truth), true_pos=tp, false_pos=fp, false_neg=fn,
        domains=tuple(DomainScore(d, lab, n, c, *claims.get(d, [0, 0])) for (d, lab), (n, c)
                      in sorted(domains.items(), key=lambda kv: (kv[0][1], kv[0][0]))),
        rules=tuple(sorted(((r, lab, n) for (r, lab), n in rules.items()),
                           key=lambda t: (-t[2], t[0]))),
        misses=tuple(sorted(misses)),
    )
