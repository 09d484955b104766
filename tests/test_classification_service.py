"""The default rules' `site_at_end` and `media_request` signals and their rules (branch cls21): a
goal, a want or a request to a service that ends naming the site or app to do it on is a web
or app task, and so is a request to be given a picture a service holds; tested on real prompts
of suites left out of the examples (as `python -m tests.eval.unseen_suites` measures) and on
texts counted by hand."""

from __future__ import annotations

import json
from pathlib import Path

from planner.stages.rules import DEFAULT_EXAMPLES, DEFAULT_RULES
from tests.test_classification import _by_hand

FIXTURES = Path(__file__).parent / "fixtures"
BASE = {"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-5", "output_tokens": 100}
REASON = ("capability-bound: near computer-use or agent tasks, asks to have something done, and "
          "names the site or app to do it on")


def _labels(run, write_log, texts: dict[str, str], *args: str) -> dict[str, str]:
    rows = [{**BASE, "request_id": k, "workload": k, "prompt": t} for k, t in texts.items()]
    res = run("analyze", str(write_log(rows)), "--db", ":memory:", "-f", "json", *args)
    assert res.exit_code == 0, res.stderr
    return {w["workload"]: w["reasons"][0] for w in json.loads(res.stdout)["workloads"]}


def _rules_without(tmp_path: Path, *suites: str) -> Path:
    """The default rules, their examples less those whose source starts with one of `suites`."""
    examples = tmp_path / "examples.jsonl"
    examples.write_text("".join(
        line + "\n" for line in DEFAULT_EXAMPLES.read_text(encoding="utf-8").splitlines()
        if not json.loads(line)["source"].startswith(suites)), encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
        'examples = "examples.jsonl"', f"examples = {json.dumps(str(examples))}"),
        encoding="utf-8")
    return rules


def _prompt(suite: str, rid: str) -> str:
    for line in (FIXTURES / "eval" / f"{suite}.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] == rid:
            assert rec["label"] == "capability-bound"
            return str(rec["prompt"])
    raise AssertionError(rid)


def test_site_named_at_the_end_by_hand(run, write_log, tmp_path):
    """The signal counted by hand (one rule on it, one on `goal_verbs`): one match where the
    text ends "on <site>" or "in <app>"; none where the site is named mid-sentence or the text
    ends on another word ("on the YouTube platform?")."""
    texts = [
        "Follow ['Jakub K', 'ghost', 'Benoît Blanchon'] on Gitlab",  # WebArena 535
        # Mobile-Eval-E's wording (mobile-4_x_back_myth_wukong): ends "in Notes."
        "Find the top posts about the game on X and summarize the key highlights in Notes.",
        "Find a pasta restaurant in resy for tonight please, with a table for two",
        "What niches are not being fulfilled on the YouTube platform?",  # Koala 142
    ]
    labels = _by_hand(run, write_log, tmp_path, texts, ("site_at_end", 1), ("goal_verbs", 1))
    assert labels["r0"][0] == "capability-bound" and "site_at_end x1: 'on gitlab'" in labels["r0"][1]
    assert labels["r1"][0] == "capability-bound" and "site_at_end x1: 'in notes.'" in labels["r1"][1]
    assert labels["r2"][0] == "cost-bound" and "goal_verbs x1: 'find'" in labels["r2"][1]
    assert labels["r3"][1].startswith("cost-bound: no rule matched")


def test_site_rule_on_suites_left_out(run, write_log, tmp_path):
    """Real Mind2Web-Live and WebArena tasks (tests/fixtures/eval, capability-bound by their
    suite) with both suites left out of the default examples: each opens with a goal and ends
    naming the site, and the rule labels it."""
    rules = _rules_without(tmp_path, "mind2web_live:", "webarena:")
    texts = {"resy": _prompt("mind2web_live", "mind2web_live:train-29LVD9B4mMWD6tACTcUxz"),
             "gitlab": _prompt("webarena", "webarena:535")}
    assert texts["resy"] == "Find a pasta restaurant in Sydney and save it in resy"
    labels = _labels(run, write_log, texts, "--rules", str(rules))
    assert labels["resy"].startswith(REASON) and "site_at_end x1: 'in resy'" in labels["resy"]
    assert labels["gitlab"].startswith(REASON)


MEDIA = ("capability-bound: near computer-use or agent tasks, and asks to be given a picture, "
         "poster or image link a service holds")


def test_media_request_by_hand(run, write_log, tmp_path):
    """The `media_request` signal counted by hand (one rule on it, one on `ask_service`) on
    RestBench's and VisualWebArena's real requests and two Arena-Hard coding questions that name
    an image but ask no one to hand one over."""
    texts = [
        "give me a poster of 2 Broke Girls",  # restbench tmdb-51
        # visualwebarena shopping-242: "Can you return an image"
        "Can you return an image link of the fireplace in the bottom left in another angle?",
        # Arena-Hard: "find the closest image" is not asked of anyone
        "I have a dataset which contains a list of 2D images, given a new image, how to find "
        "the closest image in the dataset",
        "give me the homepage of the network that produced Game of Thrones",  # restbench tmdb-60
    ]
    labels = _by_hand(run, write_log, tmp_path, texts, ("media_request", 1), ("ask_service", 1))
    assert labels["r0"][0] == "capability-bound"
    assert "media_request x1: 'give me a poster'" in labels["r0"][1]
    assert labels["r1"][0] == "capability-bound"
    assert "media_request x1: 'can you return an image'" in labels["r1"][1]
    assert labels["r2"][1].startswith("cost-bound: no rule matched")
    assert labels["r3"][0] == "cost-bound" and "ask_service x1: 'give me'" in labels["r3"][1]


def test_media_rule_on_restbench_left_out(run, write_log, tmp_path):
    """RestBench's real requests for a poster and a cover (tests/fixtures/train_added, a
    multi-step-agent suite) with RestBench left out of the default examples, as `python -m
    tests.eval.unseen_suites` measures: the media rule labels both."""
    rules = _rules_without(tmp_path, "restbench:")
    recs = {json.loads(line)["id"]: json.loads(line) for line in
            (FIXTURES / "train_added" / "restbench.jsonl").read_text(encoding="utf-8")
            .splitlines()}
    texts = {k: recs[f"restbench:{k}"]["prompt"] for k in ("tmdb-51", "tmdb-99")}
    assert texts == {"tmdb-51": "give me a poster of 2 Broke Girls",
                     "tmdb-99": "Give me one cover image of the movie Oppenheimer."}
    labels = _labels(run, write_log, texts, "--rules", str(rules))
    assert labels["tmdb-51"].startswith(MEDIA)
    assert labels["tmdb-99"].startswith(MEDIA)
    assert "media_request x1: 'give me one cover image'" in labels["tmdb-99"]


ASSIST = ("capability-bound: near computer-use or agent tasks, and asks an assistant to act on "
          "the user's reminders, calendar, messages or records")


def test_assistant_action_by_hand_and_on_tooltalk_left_out(run, write_log, tmp_path):
    """The `assistant_action` signal counted by hand (one rule on it, one on `text_task`) on
    ToolTalk's and API-Bank's real requests and NLU-Evaluation-Data's wrapped one; then ToolTalk's
    reminder request (tests/fixtures/train_added, multi-step-agent) with ToolTalk left out of
    the default examples: the assistant rule labels it."""
    texts = [
        "Hey, I'm done with work. Can you log me out?",  # tooltalk easy-10a0a8ba
        # api_bank RecordHealthData-level-3-1's first turn: "record my blood pressure"
        "Can you help me record my blood pressure and heart rate?",
        # tests/fixtures/eval nlu_evaluation_data: "remind me to", and a text task
        "Classify this request based on the user's intent: remind me to call my grandma",
        "Remind me what a reminder is",  # the words, not a request to set one
    ]
    labels = _by_hand(run, write_log, tmp_path, texts, ("assistant_action", 1),
                      ("text_task", 1))
    assert labels["r0"][0] == "capability-bound"
    assert "assistant_action x1: 'log me out'" in labels["r0"][1]
    assert "assistant_action x1: 'record my blood pressure'" in labels["r1"][1]
    assert labels["r2"][0] == "capability-bound"  # the signal counts; the default rule skips it
    assert "assistant_action x1: 'remind me to'" in labels["r2"][1]
    assert labels["r3"][1].startswith("cost-bound: no rule matched")
    rec = next(json.loads(line) for line in (FIXTURES / "train_added" / "tooltalk.jsonl")
               .read_text(encoding="utf-8").splitlines()
               if json.loads(line)["id"] == "tooltalk:easy-fc16280a-c9a9-4b55-b23b-3d6c1e0d1b11")
    assert rec["prompt"].startswith("Hey can you add a reminder for me to take out the trash?")
    got = _labels(run, write_log, {"trash": rec["prompt"], "nlu": texts[2]}, "--rules",
                  str(_rules_without(tmp_path, "tooltalk:")))
    assert got["trash"].startswith(ASSIST) and "assistant_action x1: 'add a reminder'" in got["trash"]
    assert not got["nlu"].startswith(ASSIST)  # a text task: the rule skips it
