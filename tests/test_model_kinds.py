"""Requests on models that are not chat models (embedding, image, audio: the price table's `kind`,
schema 4) stay on their own model in every scenario, and such a model is never the frontier model
all-frontier moves chat traffic to. Prices are read here from the shipped TOML with tomllib, not
through plan."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

D = Decimal
M = D(1_000_000)
VERSIONS = Path(__file__).parent.parent / "pricing" / "versions"
NEWEST = max(VERSIONS.glob("*.toml"), key=lambda p: tuple(
    int(x) for x in p.stem.replace(".", "-").split("-")))
TABLE = tomllib.loads(NEWEST.read_text(encoding="utf-8"))
# 00:00 to 11:00 of one day: a month is 30.4375 days / (11/24) of a day.
FACTOR = D("30.4375") * 24 / 11


def rates(model: str) -> tuple[Decimal, Decimal]:
    """Input and output USD per 1M tokens in force on the table's release date."""
    entry = TABLE["models"][model]
    current = entry
    for change in entry.get("changes", []):
        if change["from"] <= TABLE["released"]:
            current = change
    return D(str(current["input"])), D(str(current["output"]))


def cost(model: str, inp: int, out: int) -> Decimal:
    i, o = rates(model)
    return inp * i / M + out * o / M


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"))


RECORDS = (
    [{"timestamp": f"2026-01-01T0{i}:00:00Z", "request_id": f"e{i}", "workload": "emb",
      "task_type": "customer_support", "model": "text-embedding-ada-002", "input_tokens": 1000,
      "output_tokens": 0} for i in range(3)]
    + [{"timestamp": "2026-01-01T05:00:00Z", "request_id": "a1", "workload": "agent",
        "task_type": "agent", "model": "gpt-4o", "input_tokens": 10000, "output_tokens": 1000}]
    + [{"timestamp": f"2026-01-01T1{i}:00:00Z", "request_id": f"s{i}", "workload": "support",
        "task_type": "customer_support", "model": "gpt-4o-mini", "input_tokens": 2000,
        "output_tokens": 500} for i in range(2)]
)


@pytest.fixture
def report(run, write_log):
    res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:", "--format", "json",
              "--rules", str(FIXTURES / "hand_rules.toml"))
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_the_table_marks_the_embedding_model_frontier_tier_and_embedding_kind():
    # What makes the next tests able to fail: ada is the most-used model of the log and its
    # tier is frontier, so only its kind keeps it from being chosen.
    ada = TABLE["models"]["text-embedding-ada-002"]
    assert TABLE["schema"] >= 4 and ada["tier"] == "frontier" and ada["kind"] == "embedding"
    assert "kind" not in TABLE["models"]["gpt-4o"]


def test_an_embedding_model_is_never_the_frontier_model(report):
    frontier = next(a for a in report["assumptions"] if a["name"] == "frontier_model")
    assert frontier["value"] == "gpt-4o"


def test_embedding_requests_cost_the_same_in_every_scenario(report):
    emb = next(w for w in report["workloads"] if w["workload"] == "emb")
    expected = float(cents(cost("text-embedding-ada-002", 3000, 0) * FACTOR))
    assert expected == 0.02
    assert emb["monthly_cost_usd"] == {"as-logged": expected, "all-frontier": expected,
                                       "routed": expected, "on-prem": expected}
    # All-frontier prices the chat requests at gpt-4o and the embeddings at their own model.
    window = (cost("text-embedding-ada-002", 3000, 0) + cost("gpt-4o", 10000, 1000)
              + cost("gpt-4o", 4000, 1000))
    total = next(s for s in report["scenarios"] if s["name"] == "all-frontier")
    assert D(str(total["monthly_cost_usd"])) == cents(window * FACTOR)
    moved = {(q["scenario"], q["model"]) for q in report["priced_quantities"]
             if q["workload"] == "emb"}
    assert moved == {(s, "text-embedding-ada-002")
                     for s in ("as-logged", "all-frontier", "routed", "on-prem")}
    assert any("3 requests on models that are not chat models" in w for w in report["warnings"])


def test_a_non_chat_frontier_flag_is_refused_in_one_line(run, write_log):
    res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:",
              "--frontier", "text-embedding-3-large")
    assert res.exit_code == 3, res.stderr
    assert res.stderr.count("\n") == 1 and "an embedding model, not a chat model" in res.stderr


@pytest.mark.parametrize(("old", "new", "message"), [
    ('kind = "embedding"', 'kind = "video"',
     "field 'kind': 'video' is not one of chat, embedding, image, audio"),
    ("schema = 5", "schema = 3", "field 'kind' is not a known field"),
])
def test_a_bad_kind_is_refused_naming_the_field(run, tmp_path, old, new, message):
    text = NEWEST.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "p.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    res = run("pricing", "validate", str(path))
    assert res.exit_code == 3 and message in res.stderr, res.stderr
