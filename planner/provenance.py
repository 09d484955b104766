"""What the logs' sources imply for the numbers: assumptions a source forces (trace files name no
model), what the logs lack (text to classify), and what they recorded themselves (a gateway's
own cost, a service tier) set against plan's figures. Read after stage 60 (`costs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from planner.ingest import IngestedFile, IngestOptions
from planner.report import Assumption, LoggedSpend

MICRO_USD = Decimal("0.000001")  # a reconciliation, not a total: shown to the micro-dollar


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
    )
