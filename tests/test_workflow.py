"""The ready-to-copy workflow (examples/plan-cost.yml), run step by step as GitHub Actions
would (bash -eo pipefail, GITHUB_OUTPUT, `if:` conditions), with a stand-in `gh` on PATH that
keeps the pull request's comments in a file: the comment is posted once, then updated in place
(never duplicated), and written when the check fails or cannot run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / "examples" / "plan-cost.yml"
MARKER = "<!-- plan-cost-comment -->"

# The part of GitHub's REST API the workflow uses, over a JSON file of comments.
FAKE_GH = textwrap.dedent('''\
    #!{python}
    import json, os, re, sys
    state = os.environ["FAKE_GH_STATE"]
    data = json.load(open(state))
    args = sys.argv[1:]
    data["calls"].append(args)
    method = args[args.index("--method") + 1] if "--method" in args else "GET"
    path = next(a for a in args[1:] if a.startswith("repos/"))
    if method == "GET":
        prefix = re.search(r'startswith\\("(.*?)"\\)', args[args.index("--jq") + 1]).group(1)
        for c in data["comments"]:
            if c["body"].startswith(prefix):
                print(c["id"])
    else:
        body = open(args[args.index("-F") + 1].split("=@", 1)[1]).read()
        if method == "POST":
            data["comments"].append({{"id": 1000 + len(data["comments"]), "body": body}})
        else:
            target = int(path.rsplit("/", 1)[1])
            next(c for c in data["comments"] if c["id"] == target)["body"] = body
    json.dump(data, open(state, "w"))
    ''')

GOOD = {"model": "gpt-4o", "workload": "support", "input_tokens": 1000, "output_tokens": 200,
        "task_type": "customer_support"}


def _log(path: Path, n: int) -> None:
    path.write_text("".join(json.dumps({**GOOD, "request_id": f"r{i}", "timestamp":
                                        f"2026-01-{1 + i % 28:02d}T10:00:00Z"}) + "\n"
                            for i in range(n)), encoding="utf-8")


@pytest.fixture
def repo(tmp_path, run):
    """A repository with logs, a committed baseline and a pull request holding one unrelated
    comment."""
    (tmp_path / "logs").mkdir()
    _log(tmp_path / "logs" / "requests.jsonl", 100)
    assert run("baseline", str(tmp_path / "logs"), "-o", str(tmp_path / "plan-baseline.json"),
               "--db", ":memory:").exit_code == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(0o755)
    (tmp_path / "gh.json").write_text(json.dumps(
        {"calls": [], "comments": [{"id": 7, "body": "LGTM"}]}), encoding="utf-8")
    return tmp_path


def _run_workflow(repo: Path, text: str | None = None) -> int:
    """Every step with a `run:` but the install step, in order; the job's exit status."""
    text = text or WORKFLOW.read_text(encoding="utf-8")
    steps = yaml.safe_load(text)["jobs"]["plan-cost"]["steps"]
    outputs: dict[str, dict[str, str]] = {}
    failed = 0
    for step in steps:
        if "run" not in step or step.get("name", "").startswith("Install"):
            continue
        condition = step.get("if", "success()")
        if condition != "always()" and failed:  # any other condition implies success()
            continue
        if condition not in ("always()", "success()"):
            match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) != '(.*)'", condition)
            assert match, condition  # the only conditions the file uses
            if outputs.get(match[1], {}).get(match[2]) == match[3]:
                continue
        github_output = repo / "github-output.txt"
        github_output.write_text("", encoding="utf-8")
        env = {"PATH": f"{repo / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin",
               "GITHUB_OUTPUT": str(github_output), "GITHUB_REPOSITORY": "acme/app",
               "FAKE_GH_STATE": str(repo / "gh.json"), "HOME": str(repo), "TZ": "UTC"}
        for name, value in step.get("env", {}).items():
            env[name] = {"${{ github.token }}": "t0ken",
                         "${{ github.event.pull_request.number }}": "42"}[value]
        res = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                              step["run"]], cwd=repo, env=env, capture_output=True, text=True,
                             timeout=300)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in
                                       github_output.read_text().splitlines() if "=" in line)
        failed = failed or res.returncode
    return failed


def _comments(repo: Path) -> list[dict[str, object]]:
    return json.loads((repo / "gh.json").read_text())["comments"]


def test_the_comment_is_posted_once_then_updated_in_place_and_written_on_errors(repo):
    assert _run_workflow(repo) == 0
    ours = [c for c in _comments(repo) if str(c["body"]).startswith(MARKER)]
    assert len(ours) == 1
    first = str(ours[0]["body"]).splitlines()
    assert first[0] == MARKER and "passed" in first[1]
    assert first[3].startswith("**plan check passed: scenario routed, fails above +10%;")

    _log(repo / "logs" / "requests.jsonl", 150)  # 50% more traffic: the 10% gate fails
    assert _run_workflow(repo) != 0
    comments = _comments(repo)
    assert [c["id"] for c in comments] == [7, ours[0]["id"]]  # updated, not posted again
    body = str(comments[1]["body"])
    assert "plan check FAILED: scenario routed, fails above +10%" in body
    assert "routed monthly cost rose" in body

    (repo / "plan-baseline.json").write_text("{not json", encoding="utf-8")
    assert _run_workflow(repo) != 0
    comments = _comments(repo)
    assert len(comments) == 2 and comments[0]["body"] == "LGTM"
    body = str(comments[1]["body"])
    assert "could not run" in body and "plan-baseline.json: not a JSON report" in body
    calls = json.loads((repo / "gh.json").read_text())["calls"]
    assert sum("POST" in c for c in calls) == 1 and sum("PATCH" in c for c in calls) == 2


def test_the_comment_is_written_when_plan_stops_before_it_can(repo):
    """A usage error happens before plan runs the check: the workflow writes the comment from
    plan's error line."""
    text = WORKFLOW.read_text(encoding="utf-8")
    broken = text.replace("--max-increase 10", "--max-increease 10")
    assert broken != text
    assert _run_workflow(repo, broken) != 0
    body = str(_comments(repo)[-1]["body"])
    assert body.startswith(MARKER) and "No such option: --max-increease" in body
    assert os.path.exists(repo / "plan-comment.md")
