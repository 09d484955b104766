"""Stage 7's server-tool fees: web searches billed per search on top of the tokens.

Stage 60 (sql/60_costs.sql) prices each row's searches at the per-search fee of the provider that
bills its logged id (pricing schema 5, `[tools.web_search.PROVIDER]`; AWS for an id in Bedrock's
spelling, whose tokens may be priced at Anthropic's entry) and adds the fee to every
scenario's cost: searches are billed per search whatever model answers, so routed and on-prem
pay what as-logged pays (a self-hosted model still needs a search API). This module reads what
the report says of them: the searches, the monthly fee, the searches whose fee is unknown (by
model and provider, never priced $0), and the assumption with its value and source.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from planner.projection.money import to_cents
from planner.report import Assumption, ServerToolFees, UnpricedSearches
from planner.wording import count
from pricing import PriceTable

_TOTAL = ("SELECT coalesce(sum(web_search_requests), 0)::BIGINT, coalesce(sum(search_fee), 0) "
          "FROM costs")
_UNPRICED = ("SELECT coalesce(c.model, '(no model)'), sp.provider, "
             "sum(c.unpriced_searches)::BIGINT FROM costs c "
             "LEFT JOIN plan_search_prices sp ON sp.model = c.model "
             "WHERE c.unpriced_searches > 0 GROUP BY ALL ORDER BY 3 DESC, 1")


def read(con: duckdb.DuckDBPyConnection, factor: Decimal) -> ServerToolFees | None:
    """The run's searches and fee (`costs`, stage 60), a month; None when none was logged."""
    row = con.execute(_TOTAL).fetchone()
    assert row is not None
    searches, fee = int(row[0]), Decimal(str(row[1]))
    if not searches:
        return None
    unpriced = tuple(UnpricedSearches(m, p, n) for m, p, n in con.execute(_UNPRICED).fetchall())
    return ServerToolFees(searches, to_cents(searches * factor), to_cents(fee * factor),
                          unpriced)


def assumptions(table: PriceTable, fees: ServerToolFees | None) -> tuple[Assumption, ...]:
    """The per-search fees in force, when the logs made searches."""
    if fees is None:
        return ()
    prices = table.tools.get("web_search", {})
    value = "; ".join(f"${p.per_1k:f} per 1,000 searches ({provider})"
                      for provider, p in sorted(prices.items())) or "none known"
    source = "; ".join(f"{p.source} ({p.source_date})" for _, p in sorted(prices.items()))
    return (Assumption(
        "web_search_fee", value + ", the same in every scenario",
        f"pricing {table.version}: {source or 'no per-search fee in the table'}. plan's "
        "assumption: searches are billed per search whatever model answers, so routed and "
        "on-prem pay the logged searches at the logged provider's fee (a self-hosted model "
        "still needs a search API), and a semantic-cache hit saves none"),)


SEARCHES_NAMED = 3  # models named one warning each; more are folded into one line


def warnings(fees: ServerToolFees | None, version: str) -> tuple[str, ...]:
    """The searches whose fee is unknown, left out of every scenario's cost: one warning a model
    up to SEARCHES_NAMED, else one for all of them, most searches first (the report's 'Web
    searches without a fee' and the JSON list each)."""
    if fees is None or not fees.unpriced:
        return ()
    why = "their fee is unpriced, left out of every scenario (not $0)"
    if len(fees.unpriced) <= SEARCHES_NAMED:
        return tuple(
            f"{count(u.searches, 'web search', 'web searches')} on '{u.model}' "
            f"{'has' if u.searches == 1 else 'have'} no per-search fee in pricing {version} "
            f"({'provider ' + u.provider if u.provider else 'the model has no price'}): {why}"
            for u in fees.unpriced)
    total = sum(u.searches for u in fees.unpriced)
    named = ", ".join(f"'{u.model}' {u.searches:,}" for u in fees.unpriced[:SEARCHES_NAMED])
    return (f"{count(total, 'web search', 'web searches')} on {len(fees.unpriced)} models "
            f"have no per-search fee in pricing {version}: {why}: {named} and "
            f"{count(len(fees.unpriced) - SEARCHES_NAMED, 'more model')} "
            "(all under 'Web searches without a fee')",)
