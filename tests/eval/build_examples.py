"""Rebuild planner/stages/examples.jsonl, the labelled examples the default rules' `similar_to`
conditions compare requests with: python -m tests.eval.build_examples

The examples are the TRAIN split of the evaluation set in tests/fixtures/eval/ (real prompts
from public task suites, labelled by the suite's domain; see the README files there), and 60
short descriptions of each domain's requests written for plan; `make eval` measures on the DEV
split, which no example comes from. Suites under a copyleft licence
are evaluated but not shipped inside the package.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "fixtures" / "eval"
# Suites used only as examples, never evaluated (tests/fixtures/train_added/README.md): real
# computer-use goals, agent conversations and assistant chat from suites that are in none of the
# evaluation sets.
TRAIN_ADDED = ROOT / "tests" / "fixtures" / "train_added"
OUT = ROOT / "planner" / "stages" / "examples.jsonl"
# Evaluated, never shipped as examples: a copyleft licence (NYU CTF Bench, GPL-2.0), and a set
# whose authors ask that it not be used for training (Koala test set).
NOT_SHIPPED = {"nyu_ctf_bench", "koala_test_set"}
MAX_CHARS = 1500
DESCRIPTIONS = Path(__file__).parent / "descriptions.jsonl"
CAPABILITY_DOMAINS = {"computer-use", "cybersecurity", "multi-file-engineering",
                      "multi-step-agent"}  # the rules' [similarity] max_chars: nothing past it is embedded


def descriptions() -> list[dict[str, str]]:
    """Short descriptions of each domain's requests, written for plan (tests/eval/
    descriptions.jsonl), so that the examples cover more kinds of desktop, web, repository and
    agent work than the suites do; `make eval`'s unseen-suite figures keep them."""
    out = []
    for n, line in enumerate(DESCRIPTIONS.read_text(encoding="utf-8").splitlines(), start=1):
        rec = json.loads(line)
        label = "capability-bound" if rec["domain"] in CAPABILITY_DOMAINS else "cost-bound"
        out.append({"domain": rec["domain"], "label": label, "text": rec["text"],
                    "source": f"plan description {n}"})
    return out


def added() -> list[dict[str, str]]:
    """The training-only suites' rows as examples (none is evaluated; no suite of theirs is in
    the evaluation or blind sets)."""
    rows = []
    for path in sorted(TRAIN_ADDED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            rows.append({"domain": rec["domain"], "label": rec["label"],
                         "text": rec["prompt"][:MAX_CHARS], "source": rec["id"]})
    return rows


def main() -> None:
    rows = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec["split"] != "train" or rec["suite"] in NOT_SHIPPED:
                continue
            text = "\n".join(p for p in (rec.get("system_prompt"), rec["prompt"]) if p)
            rows.append({"domain": rec["domain"], "label": rec["label"],
                         "text": text[:MAX_CHARS], "source": rec["id"]})
    rows.extend(descriptions())
    rows.extend(added())
    rows.sort(key=lambda r: (r["label"], r["domain"], r["source"]))
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                   encoding="utf-8")
    print(f"{len(rows)} examples -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
