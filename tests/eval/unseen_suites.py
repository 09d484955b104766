"""How the default rules do on suites they have never seen: python -m tests.eval.unseen_suites

For each suite of tests/fixtures/eval, its prompts are left out of the examples (the train
split of every other suite), and all of its prompts are labelled by the default rules pointing
at those examples. Summed over suites, this is a harsher and more honest figure than the dev
split, whose suites also lend examples: a team's own traffic comes from no public suite.
Then the same for each training-only suite (tests/fixtures/train_added/): left out of the
examples, its prompts labelled as its suite says (agents' API requests, phone and desktop
goals, assistant chat); a second measure, printed apart, never part of the first.
With --misses, each wrongly labelled prompt is listed (id, the suite's label, plan's rule).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from planner.evaluation import CAPABILITY, evaluate
from planner.pipeline import AnalyzeOptions
from planner.stages.rules import DEFAULT_RULES
from tests.eval.build_examples import (
    EVAL,
    MAX_CHARS,
    NOT_SHIPPED,
    TRAIN_ADDED,
    added,
    descriptions,
)


def _write_examples(path: Path, files: list[Path], held: Path) -> None:
    """The examples with the suite `held` left out: the descriptions, the training-only suites
    and the train split of the evaluation set."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(d) + "\n" for d in descriptions())
        out.writelines(json.dumps(d) + "\n" for d in added()
                       if held.parent != TRAIN_ADDED or not d["source"].startswith(
                           _suite_of(held) + ":"))
        for f in files:
            if f == held or f.stem in NOT_SHIPPED:
                continue
            for line in f.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                if rec["split"] == "train":
                    text = "\n".join(p for p in (rec.get("system_prompt"), rec["prompt"]) if p)
                    out.write(json.dumps({"domain": rec["domain"], "label": rec["label"],
                                          "text": text[:MAX_CHARS], "source": rec["id"]}) + "\n")


def _suite_of(path: Path) -> str:
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])["id"].split(":", 1)[0]


def _measure(title: str, held_files: list[Path], files: list[Path]) -> None:
    tp = fp = fn = 0
    by_domain: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with tempfile.TemporaryDirectory(prefix="plan-unseen-") as tmp:
        for held in held_files:
            examples = Path(tmp) / "examples.jsonl"
            _write_examples(examples, files, held)
            rules = Path(tmp) / "rules.toml"
            rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
                'examples = "examples.jsonl"', f"examples = {json.dumps(str(examples))}"),
                encoding="utf-8")
            result = evaluate([str(held)], AnalyzeOptions(rules=str(rules)))
            tp, fp, fn = tp + result.true_pos, fp + result.false_pos, fn + result.false_neg
            for d in result.domains:
                by_domain[d.domain, d.label][0] += d.prompts
                by_domain[d.domain, d.label][1] += d.called_capability
            if "--misses" in sys.argv[1:]:
                for rid, label, rule in result.misses:
                    print(f"  miss: {rid} is {label}, rule {rule}")
            d = result.domains[0]
            print(f"{held.stem:28} {d.domain:24} {d.called_capability:4}/{d.prompts:<4} "
                  "called capability-bound")
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"\n{title}, per domain (share called capability-bound):")
    for (domain, label), (n, c) in sorted(by_domain.items(), key=lambda kv: kv[0][::-1]):
        print(f"  {domain:24} {label:17} {c:4}/{n:<4} {c / n:.2f}")
    print(f"{title}: capability-bound precision {p:.3f}, recall {r:.3f}, "
          f"F1 {2 * p * r / (p + r) if p + r else 0:.3f} (TP {tp}, FP {fp}, FN {fn}; "
          f"{CAPABILITY} = the suite's label)\n")


def main() -> None:
    files = sorted(EVAL.glob("*.jsonl"))
    _measure("Unseen suites", files, files)
    _measure("Training-only suites left out", sorted(TRAIN_ADDED.glob("*.jsonl")), files)


if __name__ == "__main__":
    main()
