"""`plan pricing audit`: a version's prices against independent references, per model and bucket.

References: pydantic's genai-prices (installed, offline) and, when given, a copy of LiteLLM's
model_prices_and_context_window.json. Each model's current prices (on the version's release
date) are compared bucket by bucket, service tier by service tier; a difference over 1% of the
larger price is a disagreement. A version file explains the disagreements it knows of:

    [[audit]]
    model = "deepseek-chat"          # an entry name
    bucket = "*"                     # or "input", "priority.output", "long_context.input" ...
    source = "genai-prices"          # or "litellm", or "*"
    why = "DeepSeek repriced on 2025-09-05 and ended the off-peak discount; genai-prices 0.2.3 ..."

A bucket a reference does not publish is not compared (a cache price it leaves out bills as
input, as in plan). Every row names both references' values, so a reviewer sees which side is
wrong.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing.genai_match import exact_ids
from pricing.importers import read_litellm
from pricing.resolve import dashed
from pricing.table import PriceTable, PricingError, RateCard, load_table, locate

Row = dict[str, Any]
BUCKETS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
TOLERANCE = Decimal("0.01")
_GENAI_FIELDS = {"input": "input_mtok", "cached_input": "cache_read_mtok",
                 "cache_write": "cache_write_mtok", "cache_write_1h": "cache_write_1h_mtok",
                 "output": "output_mtok"}
_GENAI_TIERS = {"batch": {"processing": "batch"}, "flex": {"service_tier": "flex"},
                "priority": {"service_tier": "priority"}}
_LITELLM_FIELDS = {"input": "input_cost_per_token", "cached_input": "cache_read_input_token_cost",
                   "cache_write": "cache_creation_input_token_cost",
                   "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
                   "output": "output_cost_per_token"}
_LITELLM_SUFFIX = {"standard": "", "flex": "_flex", "priority": "_priority",
                   "batch": "_batches"}
_MILLION = Decimal(1_000_000)


def audit(version_or_path: str | None, litellm: Path | None = None
          ) -> tuple[PriceTable, list[Row], dict[str, int]]:
    """The table; every disagreement over 1% (explained or not); counts: models compared with
    each reference, disagreements, unexplained ones."""
    table = load_table(version_or_path)
    path, _ = locate(version_or_path)
    notes = _notes(tomllib.loads(path.read_text(encoding="utf-8")), table)
    genai = _GenaiPrices(table.released)
    lite = _LiteLLM(litellm) if litellm else None
    rows: list[Row] = []
    counts = {"models": len(table.models), "compared_genai_prices": 0, "compared_litellm": 0}
    for name in sorted(table.models):
        m = table.models[name]
        ids = (name, *m.aliases)
        ours = dict(_buckets(m.current.standard, m.current.service_tiers))
        refs: dict[str, dict[str, Decimal]] = {}
        found = genai.prices(m.provider, ids)
        if found is not None:
            counts["compared_genai_prices"] += 1
            refs["genai-prices"] = found
        if lite is not None:
            found = lite.prices(m.provider, ids)
            if found is not None:
                counts["compared_litellm"] += 1
                refs["litellm"] = found
        for bucket, value in ours.items():
            theirs = {src: p.get(bucket) for src, p in refs.items()}
            off = [src for src, v in theirs.items() if v is not None and _differs(value, v)]
            if not off:
                continue
            rows.append({
                "model": name, "bucket": bucket, "plan": value,
                "genai_prices": theirs.get("genai-prices"), "litellm": theirs.get("litellm"),
                "disagrees_with": ", ".join(off),
                "explained": _explained(notes, name, bucket, off),
            })
    counts["disagreements"] = len(rows)
    counts["unexplained"] = sum(1 for r in rows if not r["explained"])
    return table, rows, counts


def _differs(a: Decimal, b: Decimal) -> bool:
    top = max(abs(a), abs(b))
    return top > 0 and abs(a - b) / top > TOLERANCE


def _buckets(standard: RateCard, tiers: Mapping[str, RateCard]) -> Iterator[tuple[str, Decimal]]:
    for tier, card in (("standard", standard), *tiers.items()):
        prefix = "" if tier == "standard" else f"{tier}."
        for bucket in BUCKETS:
            yield f"{prefix}{bucket}", getattr(card.rates, bucket)
            if card.long_context is not None:
                yield f"{prefix}long_context.{bucket}", getattr(card.long_context, bucket)


def _notes(doc: dict[str, Any], table: PriceTable) -> list[dict[str, str]]:
    notes = doc.get("audit", [])
    if not isinstance(notes, list):
        raise PricingError(f"{table.path}: field 'audit' must be a list of [[audit]] notes")
    for i, note in enumerate(notes):
        if not isinstance(note, dict) or not all(isinstance(note.get(k), str) and note[k]
                                                 for k in ("model", "bucket", "source", "why")):
            raise PricingError(f"{table.path}: audit[{i}]: needs model, bucket, source and why")
    return notes


def _explained(notes: list[dict[str, str]], model: str, bucket: str, sources: list[str]) -> str:
    whys = [n["why"] for n in notes if n["model"] == model and n["bucket"] in ("*", bucket)
            and (n["source"] == "*" or n["source"] in sources)]
    covered = {n["source"] for n in notes if n["model"] == model
               and n["bucket"] in ("*", bucket)}
    return "; ".join(dict.fromkeys(whys)) if "*" in covered or covered >= set(sources) else ""


class _GenaiPrices:
    """genai-prices' price for a plan entry: its own provider, the entry name then its
    aliases, at the version's release date."""

    def __init__(self, released: Any) -> None:
        from genai_prices import data_snapshot

        self.snapshot = data_snapshot.get_snapshot()
        # Noon UTC: inside the standard hours of the one source with time-of-day prices
        # (DeepSeek's off-peak discount ran 16:30-00:30 UTC).
        self.when = datetime(released.year, released.month, released.day, 12, tzinfo=UTC)

    def prices(self, provider: str, ids: tuple[str, ...]) -> dict[str, Decimal] | None:
        for model_id in ids:
            try:
                _, model = self.snapshot.find_provider_model(model_id, None, provider, None)
            except LookupError:
                continue
            if not _same_model(model, ids):
                continue  # a broad pattern of genai-prices ('deepseek-r1*'), not this model
            out = dict(self._card("", model.get_prices(self.when)))
            for tier, context in _GENAI_TIERS.items():
                if any(all(context.get(k) == v for k, v in var.when.items())
                       and (var.constraint is None or var.constraint.active(self.when))
                       for var in model.price_variants or ()):
                    out.update(self._card(f"{tier}.", model.get_prices(self.when, context)))
            return out
        return None

    @staticmethod
    def _card(prefix: str, price: Any) -> Iterator[tuple[str, Decimal]]:
        values = {ours: getattr(price, theirs, None) for ours, theirs in _GENAI_FIELDS.items()}
        # Not published: cache reads and writes bill as input, 1-hour writes as writes (as in plan)
        for bucket, fallback in (("cached_input", "input"), ("cache_write", "input"),
                                 ("cache_write_1h", "cache_write")):
            if values[bucket] is None:
                values[bucket] = values[fallback]
        for bucket, value in values.items():
            if value is None:
                continue
            if hasattr(value, "tiers"):
                yield f"{prefix}{bucket}", value.base
                if len(value.tiers) == 1:
                    yield f"{prefix}long_context.{bucket}", value.tiers[0].price
            else:
                yield f"{prefix}{bucket}", value


def _same_model(model: Any, ids: tuple[str, ...]) -> bool:
    """genai-prices' model is ours when its id or one of its exact ids is one of ours."""
    theirs = {dashed(i) for i in (model.id, *exact_ids(model.match))}
    return any(dashed(i) in theirs for i in ids)


class _LiteLLM:
    """LiteLLM's price map: an entry under the plan name or an alias, bare or as
    `provider/name`."""

    def __init__(self, path: Path) -> None:
        raw = read_litellm(path)
        self.entries = {k.lower(): v for k, v in raw.items() if isinstance(v, dict)}

    def prices(self, provider: str, ids: tuple[str, ...]) -> dict[str, Decimal] | None:
        for model_id in ids:
            for key in (model_id.lower(), f"{provider}/{model_id}".lower()):
                e = self.entries.get(key)
                if e is not None and isinstance(e.get("input_cost_per_token"), int | float):
                    return dict(self._card(e))
        return None

    @staticmethod
    def _card(e: dict[str, Any]) -> Iterator[tuple[str, Decimal]]:
        for tier, suffix in _LITELLM_SUFFIX.items():
            prefix = "" if tier == "standard" else f"{tier}."
            for bucket, field in _LITELLM_FIELDS.items():
                value = e.get(field + suffix)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    yield f"{prefix}{bucket}", Decimal(str(value)) * _MILLION

