"""Build a new pricing version from a public price source, keeping plan's curated entries.

Two sources: pydantic's genai-prices (its bundled data, offline: dated price history, cache and
long-context prices, batch / flex / priority variants) and LiteLLM's
model_prices_and_context_window.json (broad, no history). Either way the result is a schema-2
document in which

  * a model the base version already has keeps its entry name, tier, multimodal flag and
    aliases (so reports and `plan pricing diff` line up across versions), with the imported
    prices;
  * a model the base version lacks gets a tier from its name (see `guess_tier`);
  * base models the source does not have, GPUs, self-hosted profiles and defaults are kept.

What cannot be represented (prices by time of day, several long-context thresholds, prices
finer than $0.000001 per 1M tokens, a fee per request, models without token prices) is skipped
and counted: a model whose tokens alone were imported would be priced low.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing.genai_match import BEDROCK_SHAPED, exact_ids, prefixes_of
from pricing.guesses import guess_kind, guess_tier
from pricing.table import SERVICE_TIERS, PriceTable, PricingError

GENAI_PROVIDERS = ("openai", "anthropic", "google", "deepseek", "mistral", "x-ai")
# genai-prices' request context for each of plan's service tiers.
_TIER_CONTEXT = {"batch": {"processing": "batch"}, "flex": {"service_tier": "flex"},
                 "priority": {"service_tier": "priority"}}
_FIELDS = {"input": "input_mtok", "cached_input": "cache_read_mtok",
           "cache_write": "cache_write_mtok", "cache_write_1h": "cache_write_1h_mtok",
           "output": "output_mtok"}
_EARLY = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class ImportResult:
    doc: dict[str, Any]
    imported: int = 0
    kept_curated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def from_genai_prices(base: PriceTable, base_doc: dict[str, Any], version: str,
                      released: date, providers: Sequence[str] = GENAI_PROVIDERS
                      ) -> ImportResult:
    import genai_prices
    from genai_prices import data_snapshot

    package = f"genai-prices {genai_prices.__version__}"
    result = ImportResult(doc={})
    entries: dict[str, dict[str, Any]] = {}
    wanted = {p.id: p for p in data_snapshot.get_snapshot().providers if p.id in providers}
    for provider_id in providers:
        provider = wanted.get(provider_id)
        if provider is None:
            raise PricingError(f"genai-prices has no provider '{provider_id}'")
        url = (provider.pricing_urls or [f"genai-prices provider {provider.id}"])[0]
        for model in sorted(provider.models, key=lambda m: _priority(base, m.id)):
            entry, why = _genai_entry(model, provider.id, f"{url} (via {package})", released)
            if entry is None:
                result.skipped[why] += 1
                continue
            prefixes = prefixes_of(model.match)
            if prefixes:
                entry["prefixes"] = prefixes
            _add(entries, base, model.id, entry, exact_ids(model.match), result)
    result.doc = _document(base, base_doc, entries, version, released,
                           f"pydantic genai-prices {genai_prices.__version__} bundled data, "
                           f"providers {', '.join(providers)}")
    return result


def read_litellm(path: Path) -> dict[str, Any]:
    """A copy of LiteLLM's model_prices_and_context_window.json: model name -> entry."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PricingError(f"{path}: cannot read LiteLLM prices: {exc}") from exc
    if not isinstance(raw, dict):
        raise PricingError(f"{path}: expected a JSON object of model entries")
    return raw


def from_litellm(path: Path, base: PriceTable, base_doc: dict[str, Any], version: str,
                 released: date) -> ImportResult:
    raw = read_litellm(path)
    result = ImportResult(doc={})
    entries: dict[str, dict[str, Any]] = {}
    source = f"LiteLLM model_prices_and_context_window.json ({path.name})"
    for name, e in raw.items():
        if name == "sample_spec" or not isinstance(e, dict):
            continue
        if e.get("mode") not in (None, "chat", "completion", "responses", "embedding"):
            result.skipped[f"mode {e.get('mode')}"] += 1
            continue
        per_token = {k: e.get(v) for k, v in (
            ("input", "input_cost_per_token"), ("output", "output_cost_per_token"),
            ("cached_input", "cache_read_input_token_cost"),
            ("cache_write", "cache_creation_input_token_cost"),
            ("cache_write_1h", "cache_creation_input_token_cost_above_1hr"))}
        if not isinstance(per_token["input"], int | float):
            result.skipped["no token price"] += 1
            continue
        if _request_fee(e):
            result.skipped[_PER_REQUEST] += 1
            continue
        rates = {k: _per_million(v) for k, v in per_token.items() if isinstance(v, int | float)}
        rates.setdefault("output", Decimal(0))
        if any(not _fits(v) for v in rates.values()):
            result.skipped["price finer than $0.000001 per 1M tokens"] += 1
            continue
        provider = str(e.get("litellm_provider", "unknown"))
        entry: dict[str, Any] = {
            "provider": provider, "tier": guess_tier(name, provider),
            "kind": guess_kind(name),
            "multimodal": bool(e.get("supports_vision", False)), **rates,
            "source": source, "source_date": released.isoformat(),
        }
        window = e.get("max_input_tokens") or e.get("max_tokens")
        if isinstance(window, int) and window > 0:
            entry["context_window"] = window
        _add(entries, base, name, entry, [], result)
    result.doc = _document(base, base_doc, entries, version, released, source)
    return result


_PER_REQUEST = "a fee per request (Perplexity's Sonar: $5-$14 per 1,000 requests)"


def _request_fee(e: dict[str, Any]) -> bool:
    """A LiteLLM entry that bills every request: a fee per request, or Perplexity's search
    context (every Sonar request searches; elsewhere it is the search tool's, when used)."""
    search = e.get("search_context_cost_per_query")
    return bool(e.get("input_cost_per_request")) or (
        e.get("litellm_provider") == "perplexity" and bool(search))


def _genai_entry(model: Any, provider: str, source: str, released: date
                 ) -> tuple[dict[str, Any] | None, str]:
    conditional = model.prices if isinstance(model.prices, list) else []
    if any(type(c.constraint).__name__ == "TimeOfDateConstraint" for c in conditional):
        return None, "price by time of day"
    cards = [c.prices for c in conditional] or [model.prices]
    cards += [v.prices for v in model.price_variants or ()]
    if any(getattr(card, "requests_kcount", None) for card in cards):
        return None, _PER_REQUEST
    starts = {c.constraint.start_date for c in conditional if c.constraint is not None}
    starts |= {v.constraint.start_date for v in model.price_variants or ()
               if v.constraint is not None and hasattr(v.constraint, "start_date")}
    periods: list[dict[str, Any]] = []
    embedding = "embed" in model.id
    for start in [None, *sorted(starts)]:
        when = _EARLY if start is None else datetime(start.year, start.month, start.day,
                                                     tzinfo=UTC)
        standard = model.get_prices(when)
        card, why = _card(standard, embedding)
        if card is None:
            return None, why
        for tier, context in _TIER_CONTEXT.items():
            if not _has_variant(model, context, when):
                continue
            tier_card, why = _card(model.get_prices(when, context), embedding)
            if tier_card is None:
                return None, why
            card[tier] = tier_card
        card["source"] = source
        card["source_date"] = (start or released).isoformat()
        if start is not None:
            card = {"from": start, **card}
        if periods and _same_prices(periods[-1], card):
            continue
        periods.append(card)
    entry: dict[str, Any] = {
        "provider": provider,
        "tier": guess_tier(model.id, provider),
        "kind": guess_kind(model.id),
        "multimodal": provider in ("openai", "anthropic", "google"),
        **periods[0],
    }
    if model.context_window:
        entry["context_window"] = int(model.context_window)
    if len(periods) > 1:
        entry["changes"] = periods[1:]
    return entry, ""


def _has_variant(model: Any, context: dict[str, str], when: datetime) -> bool:
    return any(all(context.get(k) == v for k, v in variant.when.items())
               and (variant.constraint is None or variant.constraint.active(when))
               for variant in model.price_variants or ())


def _card(price: Any, embedding: bool) -> tuple[dict[str, Any] | None, str]:
    """A genai-prices ModelPrice as plan's rate card (USD per 1M tokens). Embedding models
    publish no output price: they write no output tokens, so it is 0."""
    values = {ours: getattr(price, theirs, None) for ours, theirs in _FIELDS.items()}
    if embedding and values["output"] is None:
        values["output"] = Decimal(0)
    if values["input"] is None or values["output"] is None:
        return None, "no input and output token prices"
    card: dict[str, Any] = {}
    long_context: dict[str, Any] = {}
    thresholds = set()
    for ours, value in values.items():
        if value is None:
            continue
        if hasattr(value, "tiers"):
            if len(value.tiers) != 1:
                return None, "several long-context thresholds"
            thresholds.add(value.tiers[0].start)
            card[ours] = value.base
            long_context[ours] = value.tiers[0].price
        else:
            card[ours] = value
    if len(thresholds) > 1:
        return None, "several long-context thresholds"
    if thresholds:
        # Buckets without a tier price keep their base price above the threshold.
        long_context = {"above_input_tokens": thresholds.pop(),
                        **{k: long_context.get(k, card[k]) for k in _FIELDS if k in card}}
        card["long_context"] = long_context
    if not all(_fits(v) for v in _numbers(card)):
        return None, "price finer than $0.000001 per 1M tokens"
    return card, ""


def _numbers(card: dict[str, Any]) -> Iterable[Decimal]:
    for key, value in card.items():
        if isinstance(value, dict):
            yield from _numbers(value)
        elif key != "above_input_tokens":
            yield value


def _same_prices(a: dict[str, Any], b: dict[str, Any]) -> bool:
    skip = {"from", "source", "source_date"}
    return {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip}


def _add(entries: dict[str, dict[str, Any]], base: PriceTable, model_id: str,
         entry: dict[str, Any], ids: list[str], result: ImportResult) -> None:
    """Add one imported model. The first model to claim a curated entry gets it (callers pass
    the model named like the entry first); a model whose id an earlier one already claimed
    (the same model from a later provider, e.g. Claude on Google Vertex) is skipped."""
    claimed = {i.lower() for name, e in entries.items() for i in (name, *e["aliases"])}
    curated = next((r for r in (_exact(base, i) for i in (model_id, *ids)) if r), None)
    # A prefix that names another entry's own model (AWS's regional Claude entries also match
    # Anthropic's `claude-...` ids) stays that entry's.
    entry["prefixes"] = [p for p in entry.get("prefixes", [])
                         if _exact(base, p) in (None, curated) or BEDROCK_SHAPED.match(p)]
    if model_id.lower() in claimed or (curated and curated in entries):
        owner = curated if curated in entries else next(
            (n for n, e in entries.items() if model_id.lower() in (n.lower(), *(
                a.lower() for a in e["aliases"]))), None)
        if owner and _same_rates(entries[owner], entry):
            # The same model at the same price from a later provider (AWS's `global.` Claude
            # profiles): its provider-shaped prefixes price those ids as the first entry.
            entries[owner].setdefault("prefixes", []).extend(
                p for p in entry["prefixes"] if BEDROCK_SHAPED.match(p))
        result.skipped["id already imported from an earlier provider"] += 1
        return
    if curated:
        old = base.models[curated]
        entry["tier"] = old.tier
        entry["multimodal"] = old.multimodal
        entry["kind"] = old.kind
        if old.context_window:
            entry.setdefault("context_window", old.context_window)
        entry["aliases"] = [*old.aliases, model_id, *ids]
        entries[curated] = entry
        result.kept_curated += 1
    else:
        entry["aliases"] = ids
        entries[model_id] = entry
    result.imported += 1


def _same_rates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
    return all(a.get(k) == b.get(k) for k in keys)


def _unique_aliases(entries: dict[str, dict[str, Any]]) -> None:
    """An entry's own name beats another entry's alias; otherwise the first alias wins. A prefix
    belongs to the first entry that publishes it."""
    taken = {name.lower() for name in entries}
    owned: set[str] = set()
    for entry in entries.values():
        mine = [p for p in dict.fromkeys(entry.pop("prefixes", [])) if p.lower() not in owned]
        owned.update(p.lower() for p in mine)
        if mine:
            entry["prefixes"] = mine
    for name, entry in entries.items():
        kept = []
        for alias in dict.fromkeys(entry.pop("aliases", [])):
            if alias.lower() != name.lower() and alias.lower() not in taken:
                taken.add(alias.lower())
                kept.append(alias)
        if kept:
            entry["aliases"] = kept


def _priority(base: PriceTable, model_id: str) -> int:
    """0: the model is named like a curated entry; 1: its id resolves to one; 2: the rest."""
    curated = _exact(base, model_id)
    if curated and _plain(curated) == _plain(model_id):
        return 0
    return 1 if curated else 2


def _exact(base: PriceTable, model_id: str) -> str | None:
    """The base entry that IS this model; a fallback (a dated snapshot priced as its base
    model) is not: the snapshot keeps its own price."""
    r = base.resolution(model_id)
    return r.entry if r.exact else None


def _plain(model_id: str) -> str:
    return model_id.lower().replace(".", "-")


def _document(base: PriceTable, base_doc: dict[str, Any], entries: dict[str, dict[str, Any]],
              version: str, released: date, source: str) -> dict[str, Any]:
    _unique_aliases(entries)
    models = dict(entries)
    for name, entry in base_doc["models"].items():
        if name not in models:  # curated models the source does not price (self-hosted ...)
            models[name] = entry
    # `kind` (schema 4) only onto a base of schema 3 or later: an older base's self-hosted
    # profiles lack the KV-cache shape schema 3 requires.
    schema = max(2, base_doc.get("schema", 2))
    if schema >= 3:
        schema = 4
    for entry in models.values():
        if schema < 4 or entry.get("kind") == "chat":
            entry.pop("kind", None)
    doc: dict[str, Any] = {
        "schema": schema, "version": version,
        "released": released, "currency": "USD",
        "imported_from": source, "base_version": base.version,
        "defaults": base_doc["defaults"],
        "models": {name: _ordered(models[name]) for name in sorted(models)},
        "gpus": {sku: _gpu_v2(e) for sku, e in base_doc.get("gpus", {}).items()},
        "selfhosted": base_doc.get("selfhosted", {}),
    }
    return doc


def _gpu_v2(e: dict[str, Any]) -> dict[str, Any]:
    """A schema-1 GPU (one `hourly` rate) in schema 2; schema-2 GPUs pass unchanged."""
    if "hourly" not in e:
        return e
    return {"name": e["name"], "on_demand_hourly": e["hourly"],
            "sources": {"on_demand_hourly": f"{e['source']} ({e['source_date']})"}}


_ORDER = ("provider", "tier", "kind", "multimodal", "context_window", "aliases", "prefixes",
          "input", "cached_input", "cache_write", "cache_write_1h", "output", "long_context",
          *SERVICE_TIERS, "source", "source_date", "changes")


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in _ORDER if k in entry}


def _per_million(per_token: float) -> Decimal:
    return (Decimal(str(per_token)) * 1_000_000).normalize()


def _fits(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.000001"))
