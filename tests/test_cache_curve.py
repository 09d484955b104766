"""The cache curve (issue 22): exact and near repeats within the cache TTL, per workload and
threshold, checked against an independent reader: WordLlama's own `embed` (not plan's pooling)
for the similarities and a plain loop over the requests for the TTL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import wordllama

from tests.conftest import FIXTURES

TTL = 3600  # seconds: plan's --scenario-file cache_ttl_hours = 1
THRESHOLDS = (1.0, 0.95, 0.9, 0.85)

# Paraphrases written for this test, with exact repeats and unrelated questions.
SUPPORT = [
    "How do I reset my password?",
    "How can I reset my password?",
    "What is the refund policy for damaged items?",
    "What is your refund policy for items that arrive damaged?",
    "How do I reset my password?",  # the same text again
    "Can I change the delivery address after ordering?",
    "Is it possible to change my delivery address once the order is placed?",
    "What are your opening hours on Sunday?",
    "Translate to French: the meeting is at noon",
    "Translate into French: the meeting is at 12pm",
]


def _embed(texts: list[str]) -> np.ndarray:
    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent,
                                     disable_download=True)
    return np.asarray(model.embed(texts, norm=True))


def _expected(requests: list[tuple[str, str, int]]) -> dict[tuple[str, float], int]:
    """(workload, threshold) -> hits: a request is a hit when an earlier one of its workload, at
    most TTL seconds before, has the same prompt or one at least that similar."""
    texts = sorted({p for _, p, _ in requests})
    vec = dict(zip(texts, _embed(texts), strict=True))
    hits: dict[tuple[str, float], int] = {}
    for i, (w, prompt, t) in enumerate(requests):
        earlier = [p for w2, p, t2 in requests[:i] if w2 == w and t - t2 <= TTL]
        best = max((1.0 if p == prompt else min(float(vec[p] @ vec[prompt]), 0.999999)
                    for p in earlier), default=None)
        for th in THRESHOLDS:
            hits[(w, th)] = hits.get((w, th), 0) + (best is not None and best >= th - 1e-9)
    return hits


def _log(write_log, requests: list[tuple[str, str, int]]) -> Path:
    return write_log([{
        "timestamp": _iso(t), "request_id": f"r{i}",
        "workload": w, "model": "gpt-4o", "input_tokens": 200, "output_tokens": 50,
        "system_prompt": "You answer customers.", "prompt": p}
        for i, (w, p, t) in enumerate(requests)])


def _iso(seconds: int) -> str:
    return f"2026-10-{1 + seconds // 86400:02d}T{seconds % 86400 // 3600:02d}:" \
           f"{seconds % 3600 // 60:02d}:{seconds % 60:02d}Z"


def _curve(run, log: Path, tmp_path: Path) -> dict[tuple[str, float], dict]:
    scenario = tmp_path / "ttl.toml"
    scenario.write_text("cache_ttl_hours = 1\n")
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json",
              "--scenario-file", str(scenario))
    assert res.exit_code == 0, res.stderr
    return {(p["workload"], p["threshold"]): p for p in json.loads(res.stdout)["cache_curve"]}


def test_hand_made_repeats_and_paraphrases(run, write_log, tmp_path):
    # one question a minute; a second round of the first four starts 2 h later (outside the 1 h
    # TTL of the first); "other" asks the last three, its own workload
    requests = [("support", p, 60 * i) for i, p in enumerate(SUPPORT)]
    requests += [("support", p, 7200 + 60 * i) for i, p in enumerate(SUPPORT[:4])]
    requests += [("other", p, 600 + 60 * i) for i, p in enumerate(SUPPORT[7:])]
    requests.sort(key=lambda r: r[2])
    want = _expected(requests)
    got = _curve(run, _log(write_log, requests), tmp_path)
    for w in ("support", "other"):
        for th in THRESHOLDS:
            assert got[(w, th)]["hits"] == want[(w, th)], (w, th)
    # by hand: the same text once (the fifth question repeats the first within the hour); at
    # 0.95 the password paraphrase, in both rounds; at 0.9 the refund one too, in both rounds;
    # at 0.85 the French and delivery-address ones as well
    assert [got[("support", th)]["hits"] for th in THRESHOLDS] == [1, 3, 5, 7]
    assert got[("support", 1.0)]["sampled_requests"] == 14
    total = got[("(all)", 0.85)]
    assert total["hits"] == sum(want[(w, 0.85)] for w in ("support", "other"))


@pytest.mark.skipif(not (FIXTURES / "paraphrase" / "pairs.jsonl").exists(),
                    reason="real pairs not fetched")
def test_real_duplicate_pairs(run, write_log, tmp_path):
    pairs = [json.loads(line) for line in
             (FIXTURES / "paraphrase" / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    # each pair a minute apart, pairs two hours apart: only a pair's own texts can match
    requests = []
    for i, pair in enumerate(pairs):
        requests += [("pairs", pair["a"], 7200 * i), ("pairs", pair["b"], 7200 * i + 60)]
    want = _expected(requests)
    got = _curve(run, _log(write_log, requests), tmp_path)
    for th in THRESHOLDS:
        assert got[("pairs", th)]["hits"] == want[("pairs", th)], th


def test_a_chosen_threshold_moves_the_routed_scenario(run, write_log, tmp_path):
    # The hand-made log of the first test, its workloads pinned cost-bound: every request goes
    # through the router to the distilled model, and every one has the same tokens, so each hit
    # the cache adds saves the same amount (the distilled model and the escalation; the lookup
    # is paid either way). Beyond the exact repeat (1, at every setting), "support" has 3, 5 and
    # 7 hits at 0.95, 0.9 and 0.85, and "other" 1 at 0.85 (its French paraphrase): 2, 4 and 7
    # more than exact.
    requests = [("support", p, 60 * i) for i, p in enumerate(SUPPORT)]
    requests += [("support", p, 7200 + 60 * i) for i, p in enumerate(SUPPORT[:4])]
    requests += [("other", p, 600 + 60 * i) for i, p in enumerate(SUPPORT[7:])]
    requests.sort(key=lambda r: r[2])
    log = _log(write_log, requests)
    pins = tmp_path / "pins.toml"
    pins.write_text('[workloads]\nsupport = "cost-bound"\nother = "cost-bound"\n')

    def routed(similarity: str | None) -> float:
        scenario = tmp_path / "s.toml"
        scenario.write_text("cache_ttl_hours = 1\n" + (
            f"cache_similarity = {similarity}\n" if similarity else ""))
        res = run("analyze", str(log), "--db", ":memory:", "--format", "json",
                  "--overrides", str(pins), "--scenario-file", str(scenario))
        assert res.exit_code == 0, res.stderr
        data = json.loads(res.stdout)
        [total] = [s["monthly_cost_usd"] for s in data["scenarios"] if s["name"] == "routed"]
        return total

    exact = routed(None)
    saved = [exact - routed(t) for t in ("0.95", "0.9", "0.85")]
    per_hit = saved[2] / 7
    assert per_hit > 0
    for more_hits, s in zip((2, 4, 7), saved, strict=True):
        assert abs(s - more_hits * per_hit) <= 0.011  # each total is rounded to the cent
