"""The false-positive check on real chat traffic: python -m tests.eval.arena_hard [FOLDER]

Arena-Hard-Auto's 1,250 real Chatbot Arena prompts (lmarena/arena-hard-auto at
196f6b826783b3da7310e361a805fa36f0be83f3, `data/arena-hard-v0.1/question.jsonl` and
`data/arena-hard-v2.0/question.jsonl`, Apache-2.0; the team's copy is FOLDER, by default
/work/shared/data/real/arena-hard, laid out `v0.1/question.jsonl`, `v2.0/question.jsonl`), each
labelled cost-bound (chat: mostly coding, math and writing questions), go through `plan eval`:
the share called capability-bound is the figure docs/scenarios.md records. Not a test: the
prompts are not copied into this repository (tests/fixtures/real keeps six of them).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from planner.evaluation import evaluate
from planner.pipeline import AnalyzeOptions

DEFAULT = Path("/work/shared/data/real/arena-hard")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = [folder / v / "question.jsonl" for v in ("v0.1", "v2.0")]
    if not all(f.is_file() for f in files):
        print(f"Arena-Hard: {folder} holds no v0.1/ and v2.0/question.jsonl; skipped")
        return
    with tempfile.TemporaryDirectory(prefix="plan-arena-") as tmp:
        labelled = Path(tmp) / "arena_hard.jsonl"
        with labelled.open("w", encoding="utf-8") as out:
            for f in files:
                for line in f.read_text(encoding="utf-8").split("\n"):
                    if not line.strip():
                        continue
                    rec = json.loads(line)
                    prompt = rec["prompt"] if "prompt" in rec else rec["turns"][0]["content"]
                    out.write(json.dumps({
                        "id": f"arena_{f.parent.name}:{rec['uid']}", "suite": "arena_hard",
                        "domain": "general-qa", "label": "cost-bound", "split": "dev",
                        "prompt": prompt}) + "\n")
        result = evaluate([str(labelled)], AnalyzeOptions())
    (d,) = result.domains
    print(f"Arena-Hard: {d.called_capability} of {d.prompts} real chat prompts called "
          f"capability-bound ({d.called_capability / d.prompts:.1%})")


if __name__ == "__main__":
    main()
