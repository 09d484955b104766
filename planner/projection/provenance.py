"""What the logs' sources imply for the numbers: assumptions a source forces (trace files name no
model), what the logs lack (text to classify), and what they recorded themselves (a gateway's
own cost, a service tier) set against plan's figures. Read after stage 60 (`costs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from planner import db
from planner.report import Assumption, LoggedSpend, ModelReconciliation
from planner.stages.ingest import IngestedFile, IngestOptions
from planner.wording import count

MICRO_USD = Decimal("0.000001")  # a reconciliation, not a total: shown to the micro-dollar
# A model whose figures differ by less than this share of the logged cost agrees: no
# explanation is sought (LiteLLM and provider bills round per request).
AGREES_PCT = Decimal("1")


@dataclass(frozen=True)
class Provenance:
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...]
    logged_spend: LoggedSpend | None


def read(
    con: duckdb.DuckDBPyConnection, files: Sequence[IngestedFile], reading: IngestOptions,
    pricing_version: str,
) -> Provenance:
    assumptions = _trace_assumptions(files, reading, pricing_version)
    assumptions += _prefix_cache(con, files)
    warnings: list[str] = []
    total, textless = con.execute(
        "SELECT sum(requests), sum(requests) FILTER (WHERE NOT has_text) FROM usage "
        "WHERE NOT is_minute").fetchone()  # type: ignore[misc]
    if textless:
        assumptions.append(Assumption(
            "requests_without_text", f"{textless} of {total}",
            "measured: requests logged without prompt text (request traces have none); "
            "labelled from token statistics and metadata only"))
    assumptions_c, warnings_c = _counted_tokens(con)
    assumptions += assumptions_c
    warnings += warnings_c
    # A request keeps its service tier where its model publishes one (stage 60); the rest are
    # priced at standard rates, which this names.
    tiers = con.execute(
        "SELECT service_tier, sum(requests)::BIGINT FROM costs "
        "WHERE service_tier = 'scale' OR (service_tier IN ('batch', 'flex', 'priority') "
        "AND own_tier_unpublished) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for tier, n in tiers:
        warnings.append(
            f"{n} requests were served at the '{tier}' service tier, which the pricing table "
            "does not publish for their model; plan prices them at standard rates, so their "
            "as-logged cost is " + ("overstated" if tier in ("batch", "flex") else "understated"))
    return Provenance(tuple(assumptions), tuple(warnings), _logged_spend(con))


def _counted_tokens(con: duckdb.DuckDBPyConnection) -> tuple[list[Assumption], list[str]]:
    """Requests whose token counts plan counted from their text (none logged): approximate for
    models whose tokenizer is not cl100k_base (docs/formats.md, "Token counting")."""
    rows = con.execute(
        "SELECT workload, round(requests * counted_share)::BIGINT AS n, requests "
        "FROM workload_stats WHERE counted_share > 0 ORDER BY n DESC, workload").fetchall()
    if not rows:
        return [], []
    total = con.execute("SELECT sum(requests)::BIGINT FROM workload_stats").fetchone()[0]  # type: ignore[index]
    counted = sum(n for _, n, _ in rows)
    named = ", ".join(f"{w} {n:,} of {r:,}" for w, n, r in rows[:5]) + (
        f" and {count(len(rows) - 5, 'more workload')}" if len(rows) > 5 else "")
    why = ("counted from the request's text with tiktoken cl100k_base and OpenAI's chat "
           "framing, because the log has no counts: exact for GPT-4/GPT-3.5-era models; "
           "Claude's and Llama's tokenizers typically count 5-20% more")
    return ([Assumption("tokens_counted_from_text", f"{counted} of {total}", why)],
            [f"token counts of {counted:,} of {total:,} requests were not logged but counted from "
             f"their text (approximate for models other than GPT-4/GPT-3.5): {named}"])


def _trace_assumptions(
    files: Sequence[IngestedFile], reading: IngestOptions, pricing_version: str
) -> list[Assumption]:
    out: list[Assumption] = []
    traces = [f for f in files if f.trace]
    models = sorted({f.options["model"] for f in traces})
    if models:
        out.append(Assumption(
            "trace_model", ", ".join(models),
            "flag --model" if reading.model else
            f"pricing {pricing_version}: default frontier model (trace files name no model)"))
    for f in traces:
        out.append(Assumption(
            f"trace_workload[{f.path}]", f.options["workload"],
            "flag --workload" if reading.workload else "the file name (trace files name none)"))
        if f.source == "mooncake-trace":
            out.append(Assumption(
                f"trace_start[{f.path}]", f.options["trace_start"],
                "flag --trace-start" if reading.trace_start else
                "default: the Unix epoch (Mooncake times are offsets from the trace start)"))
    return out


def _prefix_cache(con: duckdb.DuckDBPyConnection, files: Sequence[IngestedFile]
                  ) -> list[Assumption]:
    """Mooncake traces: the input tokens their hash ids show were served from a prefix cache."""
    paths = {f.file_id: f.path for f in files if f.source == "mooncake-trace"}
    if not paths:
        return []
    sums = con.execute(
        "SELECT file_id, sum(cached_input_tokens), sum(input_tokens) FROM scope "
        "WHERE list_contains(?, file_id) GROUP BY file_id ORDER BY file_id",
        [list(paths)]).fetchall()
    return [
        Assumption(
            f"prefix_cache[{paths[file_id]}]",
            f"{cached} of {total} input tokens "
            f"({(Decimal(100 * cached) / Decimal(total)).quantize(Decimal('0.1'))}%)",
            "measured: 512-token prompt blocks (hash_ids) first seen on an earlier line of "
            "the trace; priced at cache-read rates")
        for file_id, cached, total in sums if total
    ]


def _logged_spend(con: duckdb.DuckDBPyConnection) -> LoggedSpend | None:
    """What the logs say their requests cost, against plan's as-logged for the same requests."""
    requests, logged, ours, unpriced = con.execute(
        "SELECT sum(requests), sum(logged_cost), sum(as_logged_cost), "
        "sum(requests) FILTER (WHERE as_logged_cost IS NULL) "
        "FROM costs WHERE has_logged_cost").fetchone()  # type: ignore[misc]
    if not requests:
        return None
    return LoggedSpend(
        requests=int(requests),
        logged_usd=Decimal(logged).quantize(MICRO_USD),
        as_logged_usd=Decimal(ours or 0).quantize(MICRO_USD),
        unpriced_requests=int(unpriced or 0),
        by_model=_by_model(con),
    )


def _by_model(con: duckdb.DuckDBPyConnection) -> tuple[ModelReconciliation, ...]:
    """Stage 85, per logged model id, largest difference first, each explained."""
    cur = con.execute(db.sql("85_reconciliation"))
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(cols, row, strict=True))
        logged = Decimal(r["logged"]).quantize(MICRO_USD)
        ours = None if r["ours"] is None else Decimal(r["ours"]).quantize(MICRO_USD)
        base = Decimal(r["logged_priced"]).quantize(MICRO_USD)
        diff = None if ours is None else ours - base
        pct = None if diff is None or not base else (diff / base * 100).quantize(Decimal("0.1"))
        out.append(ModelReconciliation(
            model=r["model"] or "(no model)", priced_as=r["priced_model"],
            requests=int(r["requests"]), logged_usd=logged, as_logged_usd=ours,
            difference_usd=diff, difference_pct=pct, explanations=_explain(r, pct)))
    return tuple(out)


def _explain(r: dict[str, Any], pct: Decimal | None) -> tuple[str, ...]:
    """What could explain a model's difference, in the order a reviewer should check it."""
    out = []
    n = int(r["requests"])
    if r["unpriced"]:
        one = r["unpriced"] == 1
        which = (f"its {count(n, 'request')}" if r["unpriced"] == n
                 else f"{r['unpriced']:,} of {count(n, 'request')}")
        out.append(f"unpriced model: {which} {'has' if one else 'have'} no price in the pricing "
                   f"table, so plan's figure leaves {'it' if one else 'them'} out")
    if r["unpriced_searches"]:
        out.append(f"web searches: {count(r['unpriced_searches'], 'search', 'searches')} whose "
                   "provider has no per-search fee in the pricing table, so plan's figure "
                   "leaves their fee out")
    fees = Decimal(r["fees"]).quantize(MICRO_USD)
    if fees:
        out.append(f"charges beyond inference: ${fees} of the logged cost "
                   f"({count(r['fee_requests'], 'request')}) paid for no model inference "
                   "(usage.cost less cost_details.upstream_inference_cost: a plugin, server "
                   "tool, web search or advisor call, or a BYOK fee); plan prices tokens only")
    if pct is not None and abs(pct) < AGREES_PCT and len(out) == 0:
        return ()
    if fees and _agrees(r["ours"], Decimal(r["logged_priced"]) - fees):
        return tuple(out)  # (the charges are the whole difference)
    if r["priced_model"] and r["priced_model"] != r["model"]:
        out.append(f"priced as '{r['priced_model']}' (see the model-id lines): "
                   "the provider may bill this id differently")
    if r["tier_unpublished"]:
        out.append(f"service tier: {count(r['tier_unpublished'], 'request')} at the "
                   f"{r['tiers']} tier, which the table does not publish for this model "
                   "(priced at standard rates)")
    if r["long_context"]:
        out.append(f"long-context tier: {count(r['long_context'], 'request')} above the model's "
                   "long-context threshold, billed at its long-context rates")
    writes, hour = int(r["cache_write_tokens"]), int(r["cache_write_1h_tokens"])
    if writes:
        out.append(f"cache TTL: {writes:,} cache-write tokens, {hour:,} of them logged as 1-hour "
                   "writes (1-hour writes cost more than 5-minute ones; a log that does not say "
                   "which is priced at the 5-minute rate)")
    if r["regional"]:
        out.append("region: a regional or cross-region id; the table has AWS Bedrock's "
                   "regional rates where genai-prices publishes them, no other uplift")
    if not out:
        out.append("none found in the log: the provider's own rates or discounts may differ "
                   "from the pricing table's")
    return tuple(out)


def _agrees(ours: Any, logged: Decimal) -> bool:
    """Whether plan's figure is within AGREES_PCT of a logged figure."""
    if ours is None or logged <= 0:
        return False
    return abs(Decimal(ours) - logged) * 100 < AGREES_PCT * logged
