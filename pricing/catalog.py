"""What `plan pricing` shows: versions, a version's prices, the changes between two versions,
and the sanity checks of a table file. Every function returns plain rows (dicts), so the CLI
renders them as a table, JSON or CSV alike."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing import roofline
from pricing.table import (
    MANIFEST,
    SERVICE_TIERS,
    VERSIONS_DIR,
    ModelPrice,
    PricePeriod,
    PriceTable,
    PricingError,
    RateCard,
    available_versions,
    file_digest,
    load_table,
)

Row = dict[str, Any]
BUCKETS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
# Families whose output price is at least their input price on every published list.
_KNOWN_FAMILIES = re.compile(r"^(gpt-|o\d|claude-|gemini-|grok-|mistral-|deepseek-)")
_NOT_TEXT = re.compile(r"(image|audio|tts|realtime|transcribe|embed|search)")


def versions() -> list[Row]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    rows = []
    for name in available_versions():
        path = VERSIONS_DIR / f"{name}.toml"
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        expected = manifest.get(path.name)
        status = ("unreleased" if expected is None
                  else "released" if file_digest(path) == expected else "MODIFIED")
        rows.append({
            "version": name, "released": str(doc.get("released", "")),
            "schema": doc.get("schema", 1), "models": len(doc.get("models", {})),
            "gpus": len(doc.get("gpus", {})), "selfhosted": len(doc.get("selfhosted", {})),
            "status": status, "sha256": file_digest(path),
        })
    return rows


def show(table: PriceTable, model: str | None = None) -> list[Row]:
    """One row per model, price period and service tier (USD per 1M tokens)."""
    names = [table.get(model).model] if model else sorted(table.models)
    rows = []
    for name in names:
        m = table.models[name]
        for period in m.periods:
            for tier, card in (("standard", period.standard), *period.service_tiers.items()):
                rows.append(_price_row(m, period, tier, card, period is m.current))
    return rows


def resolutions(table: PriceTable, ids: list[str]) -> list[Row]:
    """One row per id: the entry it is priced as ("" for none), exact or a fallback, the steps
    of the chain, and why in one line."""
    rows = []
    for model_id in ids:
        r = table.resolution(model_id)
        steps = [f"{s.rule} -> {s.id}" for s in r.steps]
        if r.entry is not None:
            steps.append(f"{r.match} of {r.entry}")
        rows.append({"id": model_id, "priced_as": r.entry or "",
                     "how": "no price in this version" if r.entry is None
                     else "fallback to another model: the id's own price may differ"
                     if r.approximate else "exact",
                     "steps": steps, "why": r.why()})
    return rows


def gpus(table: PriceTable) -> list[Row]:
    return [{"sku": g.sku, "name": g.name, "on_demand_hourly": g.on_demand_hourly,
             "reserved_hourly": g.reserved_hourly, "purchase_usd": g.purchase_usd,
             "power_watts": g.power_watts,
             "sources": "; ".join(f"{k}: {v}" for k, v in g.sources.items())}
            for g in table.gpus.values()]


def _price_row(m: ModelPrice, period: PricePeriod, tier: str, card: RateCard,
               current: bool) -> Row:
    lc = card.long_context
    return {
        "model": m.model, "provider": m.provider, "tier": m.tier,
        "context_window": m.context_window,
        "from": period.start.isoformat() if period.start else "",
        "current": current, "service_tier": tier,
        **{b: getattr(card.rates, b) for b in BUCKETS},
        "long_context_above": card.long_context_above,
        **{f"lc_{b}": getattr(lc, b) if lc else None for b in BUCKETS},
        "source": f"{period.source} ({period.source_date})",
    }


def diff(old: PriceTable, new: PriceTable) -> list[Row]:
    """Added and removed models, and every changed current price with its % change."""
    rows: list[Row] = []
    for name in sorted(set(old.models) | set(new.models)):
        a, b = old.models.get(name), new.models.get(name)
        if a is None or b is None:
            present = b or a
            assert present is not None
            rows.append({"model": name, "change": "model added" if a is None else "model removed",
                         "price": "", "old": None, "new": None, "pct_change": None,
                         "tier": present.tier})
            continue
        for price, before, after in _prices(a.current, b.current):
            if before != after:
                pct = (None if not before or after is None
                       else ((after - before) / before * 100).quantize(Decimal("0.1")))
                change = ("price added" if before is None else "price removed"
                          if after is None else "price changed")
                rows.append({"model": name, "change": change, "price": price,
                             "old": before, "new": after, "pct_change": pct, "tier": b.tier})
    rows += _other_changes("gpu", old.gpus, new.gpus, ("on_demand_hourly", "reserved_hourly",
                                                       "purchase_usd", "power_watts"))
    rows += _other_changes("self-hosted", old.selfhosted, new.selfhosted, (
        "gpu", "gpus_per_replica", "batch_size", "prefill_tokens_per_s", "decode_tokens_per_s",
        "max_context", "layers", "kv_heads", "head_dim", "kv_bytes"))
    return rows


def _other_changes(kind: str, old: Mapping[str, Any], new: Mapping[str, Any],
                   fields: tuple[str, ...]) -> list[Row]:
    """GPUs and self-hosted profiles: added, removed, and each changed field."""
    rows: list[Row] = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            rows.append({"model": f"{kind} {name}", "change": f"{kind} "
                         + ("added" if a is None else "removed"), "price": "", "old": None,
                         "new": None, "pct_change": None, "tier": ""})
            continue
        for f in fields:
            before, after = getattr(a, f), getattr(b, f)
            if before != after:
                numeric = isinstance(before, int | Decimal) and isinstance(after, int | Decimal)
                pct = (Decimal(after - before) / Decimal(before) * 100).quantize(Decimal("0.1")) \
                    if numeric and before else None
                rows.append({"model": f"{kind} {name}", "change": f"{kind} changed",
                             "price": f, "old": before, "new": after, "pct_change": pct,
                             "tier": ""})
    return rows


def _prices(a: PricePeriod, b: PricePeriod) -> list[tuple[str, Decimal | None, Decimal | None]]:
    out = []
    for tier in ("standard", *SERVICE_TIERS):
        ca = a.standard if tier == "standard" else a.service_tiers.get(tier)
        cb = b.standard if tier == "standard" else b.service_tiers.get(tier)
        for bucket in BUCKETS:
            prefix = "" if tier == "standard" else f"{tier}."
            out.append((f"{prefix}{bucket}", _rate(ca, bucket, False), _rate(cb, bucket, False)))
            out.append((f"{prefix}long_context.{bucket}", _rate(ca, bucket, True),
                        _rate(cb, bucket, True)))
    return out


def _rate(card: RateCard | None, bucket: str, long_context: bool) -> Decimal | None:
    if card is None:
        return None
    rates = card.long_context if long_context else card.rates
    return getattr(rates, bucket) if rates else None


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: field '{self.field}': {self.message}"


def validate(path: Path) -> list[Problem]:
    """Schema errors (the first one: the file cannot be read further) or every sanity problem:
    prices positive, output >= input for known families, cache reads below input, long-context
    rates not below standard ones, batch and flex below standard, every number sourced."""
    try:
        table = load_table(str(path))
    except PricingError as exc:
        return [Problem(str(path), "", "", str(exc))]
    problems: list[Problem] = []
    for m in table.models.values():
        for i, period in enumerate(m.periods):
            entry = f"models.{m.model}" + (f".changes[{i - 1}]" if i else "")
            problems += _check_period(str(path), entry, m, period)
    for g in table.gpus.values():
        if g.on_demand_hourly <= 0:
            problems.append(Problem(str(path), f"gpus.{g.sku}", "on_demand_hourly",
                                    "must be positive"))
        if g.reserved_hourly is not None and g.reserved_hourly > g.on_demand_hourly:
            problems.append(Problem(str(path), f"gpus.{g.sku}", "reserved_hourly",
                                    "is above the on-demand rate"))
    if _schema(path) >= 2:  # schema 1 predates the roofline numbers
        for p in table.selfhosted.values():
            problems += [Problem(str(path), f"selfhosted.{p.model}", field, why)
                         for field, why in roofline.problems(p, table.gpus[p.gpu])]
    return problems


def _schema(path: Path) -> int:
    return int(tomllib.loads(path.read_text(encoding="utf-8")).get("schema", 1))


def _check_period(file: str, entry: str, m: ModelPrice, period: PricePeriod) -> list[Problem]:
    out = []
    def problem(field: str, message: str) -> None:
        out.append(Problem(file, entry, field, message))

    if not period.source.strip():
        problem("source", "every price needs a source")
    try:
        date.fromisoformat(period.source_date)
    except ValueError:
        problem("source_date", f"{period.source_date!r} is not a date (YYYY-MM-DD)")
    r = period.standard.rates
    if r.input <= 0:
        problem("input", "must be positive")
    if r.output <= 0 and "embed" not in m.model:
        problem("output", "must be positive")
    if _KNOWN_FAMILIES.match(m.model) and not _NOT_TEXT.search(m.model) and r.output < r.input:
        problem("output", f"{r.output} is below input {r.input} for a model family whose "
                "output always costs more")
    if r.cached_input > r.input:
        problem("cached_input", f"{r.cached_input} is above input {r.input}")
    lc = period.standard.long_context
    if lc is not None:
        for bucket in BUCKETS:
            if getattr(lc, bucket) < getattr(r, bucket):
                problem(f"long_context.{bucket}", "is below the standard rate")
    for tier, card in period.service_tiers.items():
        for bucket in BUCKETS:
            ours, std = getattr(card.rates, bucket), getattr(r, bucket)
            if tier in ("batch", "flex") and ours > std:
                problem(f"{tier}.{bucket}", f"{ours} is above the standard {std}")
            if tier == "priority" and ours < std:
                problem(f"{tier}.{bucket}", f"{ours} is below the standard {std}")
    return out
