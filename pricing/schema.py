"""The TOML layout of a pricing version (schema 1 to 4) into pricing.table types.

Every error names the file, the entry and the field. Schema 2 adds dated price changes
(`[[models.X.changes]]` with `from`), service tiers (`batch`, `flex`, `priority`) and GPU
purchase price, reserved rate and power draw, each GPU number with its own source. Schema 3
requires each self-hosted profile's KV-cache shape (layers, kv_heads, head_dim, kv_bytes).
Schema 4 adds each model's `kind` (chat, the default; embedding, image or audio). Schema 5 adds
server-tool fees per provider: `[tools.web_search.PROVIDER]` with `per_1k` (USD per 1,000
uses), `source` and `source_date`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing.table import (
    KINDS,
    SERVICE_TIERS,
    TIERS,
    TOOLS,
    GpuPrice,
    Measurement,
    ModelPrice,
    PricePeriod,
    PriceTable,
    PricingError,
    RateCard,
    Rates,
    SelfHostedProfile,
    ToolPrice,
)

SCHEMAS = (1, 2, 3, 4, 5)
RATE_KEYS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
_CARD_KEYS = {*RATE_KEYS, "long_context"}
_PERIOD_KEYS = {*_CARD_KEYS, *SERVICE_TIERS, "source", "source_date", "off_peak"}
MODEL_KEYS = {*_PERIOD_KEYS, "provider", "tier", "multimodal", "context_window", "aliases",
              "prefixes", "changes", "kind"}
GPU_NUMBERS = ("on_demand_hourly", "reserved_hourly", "purchase_usd", "power_watts",
               "bf16_dense_tflops", "hbm_tb_per_s", "hbm_gb")
KV_FIELDS = ("layers", "kv_heads", "head_dim", "kv_bytes")
_PROFILE_KEYS = {"kv_source", "gpu", "gpus_per_replica", "batch_size", "prefill_tokens_per_s",
                 "decode_tokens_per_s", "max_context", "source", "source_date",
                 "active_params_b", "weight_bytes", "measured", *KV_FIELDS}
_MEASURED_KEYS = {"input_tokens", "output_tokens", "concurrency", "output_tokens_per_s",
                  "source"}


def parse_table(doc: dict[str, Any], path: Path) -> PriceTable:
    where = str(path)
    schema = doc.get("schema", 1)
    if schema not in SCHEMAS:
        raise PricingError(f"{where}: field 'schema': {schema!r} is not one of {SCHEMAS}")
    version = _req(doc, "version", str, where)
    released = _date(doc, "released", where)
    models: dict[str, ModelPrice] = {}
    for name, entry in _req(doc, "models", dict, where).items():
        models[name] = _model(name, entry, released, schema, f"{where}: models.{name}")
    gpus = {sku: _gpu(sku, e, schema, f"{where}: gpus.{sku}")
            for sku, e in doc.get("gpus", {}).items()}
    selfhosted = {name: _profile(name, e, gpus, schema, f"{where}: selfhosted.{name}")
                  for name, e in doc.get("selfhosted", {}).items()}
    aliases: dict[str, str] = {}
    for name, m in models.items():
        for alias in (name, *m.aliases):
            if aliases.setdefault(alias.lower(), name) != name:
                raise PricingError(f"{where}: models.{name}: field 'aliases': '{alias}' also "
                                   f"names models.{aliases[alias.lower()]}")
    defaults = _req(doc, "defaults", dict, where)
    if "tools" in doc and schema < 5:
        raise PricingError(f"{where}: field 'tools' needs schema 5 (this file is schema {schema})")
    tools = _tools(_req(doc, "tools", dict, where) if "tools" in doc else {}, f"{where}: tools")
    table = PriceTable(
        version=version, released=released, path=path, models=models, gpus=gpus,
        selfhosted=selfhosted,
        default_frontier=_req(defaults, "frontier", str, f"{where}: defaults"),
        default_distilled=_req(defaults, "distilled", str, f"{where}: defaults"),
        _aliases=aliases,
        tools=tools,
    )
    for role in ("frontier", "distilled"):
        if getattr(table, f"default_{role}") not in models:
            raise PricingError(f"{where}: defaults: field '{role}' names a model with no entry")
    return table


def _model(name: str, e: dict[str, Any], released: date, schema: int, ctx: str) -> ModelPrice:
    allowed = MODEL_KEYS if schema >= 2 else MODEL_KEYS - {"changes", *SERVICE_TIERS}
    _known(e, allowed if schema >= 4 else allowed - {"kind"}, ctx)
    kind = e.get("kind", "chat")
    if kind not in KINDS:
        raise PricingError(f"{ctx}: field 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    tier = _req(e, "tier", str, ctx)
    if tier not in TIERS:
        raise PricingError(f"{ctx}: field 'tier': '{tier}' is not one of {', '.join(TIERS)}")
    periods = [_period(e, None, ctx)]
    for i, change in enumerate(e.get("changes", [])):
        cctx = f"{ctx}.changes[{i}]"
        _known(change, _PERIOD_KEYS | {"from"}, cctx)
        start = _date(change, "from", cctx)
        if periods[-1].start is not None and start <= periods[-1].start:
            raise PricingError(f"{cctx}: field 'from': {start} is not after the previous change")
        periods.append(_period(change, start, cctx))
    current = periods[0]
    for period in periods[1:]:
        if period.start is not None and period.start <= released:
            current = period
    aliases, prefixes = _ids(e, "aliases", ctx), _ids(e, "prefixes", ctx)
    return ModelPrice(
        model=name,
        provider=_req(e, "provider", str, ctx),
        tier=tier,
        # Schema 2 allows an unpublished window (None): nothing is routed back for length.
        context_window=(_positive_int(e, "context_window", ctx)
                        if schema == 1 or "context_window" in e else None),
        periods=tuple(periods),
        current=current,
        aliases=tuple(aliases),
        multimodal=bool(e.get("multimodal", False)),
        prefixes=tuple(prefixes),
        kind=kind,
    )


def _tools(doc: dict[str, Any], ctx: str) -> dict[str, dict[str, ToolPrice]]:
    _known(doc, set(TOOLS), ctx)
    out: dict[str, dict[str, ToolPrice]] = {}
    for tool, providers in doc.items():
        for provider, e in _req(doc, tool, dict, ctx).items():
            pctx = f"{ctx}.{tool}.{provider}"
            _known(_req(providers, provider, dict, f"{ctx}.{tool}"),
                   {"per_1k", "source", "source_date"}, pctx)
            out.setdefault(tool, {})[provider] = ToolPrice(
                tool, provider, _money(e, "per_1k", pctx), _req(e, "source", str, pctx),
                _req(e, "source_date", str, pctx))
    return out


def _ids(e: dict[str, Any], key: str, ctx: str) -> list[str]:
    ids = e.get(key, [])
    if not isinstance(ids, list) or not all(isinstance(a, str) and a for a in ids):
        raise PricingError(f"{ctx}: field '{key}' must be a list of model ids")
    return ids


def _period(e: dict[str, Any], start: date | None, ctx: str) -> PricePeriod:
    tiers = {}
    for tier in SERVICE_TIERS:
        if tier in e:
            tctx = f"{ctx}.{tier}"
            _known(_req(e, tier, dict, ctx), _CARD_KEYS, tctx)
            tiers[tier] = _card(e[tier], tctx)
    off_peak, window = None, None
    if "off_peak" in e:
        octx = f"{ctx}.off_peak"
        op = _req(e, "off_peak", dict, ctx)
        _known(op, {*_CARD_KEYS, "from_utc", "to_utc"}, octx)
        off_peak = _card(op, octx)
        window = (_minute_of_day(op, "from_utc", octx), _minute_of_day(op, "to_utc", octx))
    return PricePeriod(
        start=start,
        standard=_card(e, ctx),
        service_tiers=tiers,
        source=_req(e, "source", str, ctx),
        source_date=_req(e, "source_date", str, ctx),
        off_peak=off_peak,
        off_peak_utc=window,
    )


def _minute_of_day(e: dict[str, Any], key: str, ctx: str) -> int:
    """"HH:MM" (UTC) as minutes after midnight."""
    raw = _req(e, key, str, ctx)
    try:
        hours, minutes = (int(x) for x in raw.split(":"))
    except ValueError:
        hours = minutes = -1
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise PricingError(f"{ctx}: field '{key}': '{raw}' is not a UTC time HH:MM")
    return hours * 60 + minutes


def _card(e: dict[str, Any], ctx: str) -> RateCard:
    lc = e.get("long_context")
    if lc is None:
        return RateCard(_rates(e, ctx))
    lctx = f"{ctx}.long_context"
    _known(_req(e, "long_context", dict, ctx), {*RATE_KEYS, "above_input_tokens"}, lctx)
    return RateCard(_rates(e, ctx), _positive_int(lc, "above_input_tokens", lctx),
                    _rates(lc, lctx))


def _rates(e: dict[str, Any], ctx: str) -> Rates:
    # A model without a published cache price bills cached and cache-write tokens as input.
    # A model without a 1-hour cache-write price has one cache-write price for every TTL.
    inp = _money(e, "input", ctx)
    write = _money(e, "cache_write", ctx) if "cache_write" in e else inp
    return Rates(
        input=inp,
        cached_input=_money(e, "cached_input", ctx) if "cached_input" in e else inp,
        cache_write=write,
        output=_money(e, "output", ctx),
        cache_write_1h=_money(e, "cache_write_1h", ctx) if "cache_write_1h" in e else write,
    )


def _gpu(sku: str, e: dict[str, Any], schema: int, ctx: str) -> GpuPrice:
    name = _req(e, "name", str, ctx)
    if schema == 1:
        _known(e, {"name", "hourly", "source", "source_date"}, ctx)
        source = f"{_req(e, 'source', str, ctx)} ({_req(e, 'source_date', str, ctx)})"
        return GpuPrice(sku, name, _money(e, "hourly", ctx), None, None, None,
                        {"on_demand_hourly": source})
    _known(e, {"name", *GPU_NUMBERS, "sources"}, ctx)
    sources = _req(e, "sources", dict, ctx)
    for key in GPU_NUMBERS:
        if key in e and not isinstance(sources.get(key), str):
            raise PricingError(f"{ctx}: field 'sources.{key}': every number needs a source")
    return GpuPrice(
        sku=sku, name=name,
        on_demand_hourly=_money(e, "on_demand_hourly", ctx),
        reserved_hourly=_money(e, "reserved_hourly", ctx) if "reserved_hourly" in e else None,
        purchase_usd=_money(e, "purchase_usd", ctx) if "purchase_usd" in e else None,
        power_watts=_positive_int(e, "power_watts", ctx) if "power_watts" in e else None,
        sources=dict(sources),
        **{k: _positive(e, k, ctx) for k in ("bf16_dense_tflops", "hbm_tb_per_s", "hbm_gb")
           if k in e},
    )


def _profile(name: str, e: dict[str, Any], gpus: dict[str, GpuPrice], schema: int, ctx: str
             ) -> SelfHostedProfile:
    _known(e, _PROFILE_KEYS, ctx)
    for key in KV_FIELDS if schema >= 3 else ():  # schema 3: sized with its KV cache
        _req(e, key, (int, float), ctx)  # type: ignore[arg-type]
    if any(k in e for k in KV_FIELDS):
        _req(e, "kv_source", str, ctx)
    profile = SelfHostedProfile(
        model=name,
        gpu=_req(e, "gpu", str, ctx),
        gpus_per_replica=_positive_int(e, "gpus_per_replica", ctx),
        batch_size=_positive_int(e, "batch_size", ctx),
        prefill_tokens_per_s=_positive_int(e, "prefill_tokens_per_s", ctx),
        decode_tokens_per_s=_positive_int(e, "decode_tokens_per_s", ctx),
        max_context=_positive_int(e, "max_context", ctx),
        source=_req(e, "source", str, ctx),
        source_date=_req(e, "source_date", str, ctx),
        active_params_b=_positive(e, "active_params_b", ctx) if "active_params_b" in e else None,
        weight_bytes=_positive(e, "weight_bytes", ctx) if "weight_bytes" in e else None,
        measured=_measured(e["measured"], f"{ctx}.measured") if "measured" in e else None,
        **{k: _positive_int(e, k, ctx) for k in KV_FIELDS[:3] if k in e},
        kv_bytes=_positive(e, "kv_bytes", ctx) if "kv_bytes" in e else None,
        kv_source=e.get("kv_source"),
    )
    if profile.gpu not in gpus:
        raise PricingError(f"{ctx}: field 'gpu': unknown GPU '{profile.gpu}'")
    return profile


def _measured(e: Any, ctx: str) -> Measurement:
    if not isinstance(e, dict):
        raise PricingError(f"{ctx}: must be a table of input_tokens, output_tokens, concurrency, "
                           "output_tokens_per_s and source")
    _known(e, _MEASURED_KEYS, ctx)
    concurrency = _req(e, "concurrency", (int, str), ctx)  # type: ignore[arg-type]
    if concurrency != "max" and (isinstance(concurrency, str) or concurrency <= 0):
        raise PricingError(f"{ctx}: field 'concurrency' must be a positive whole number or "
                           f"\"max\", got {concurrency!r}")
    return Measurement(
        _positive_int(e, "input_tokens", ctx), _positive_int(e, "output_tokens", ctx),
        concurrency, _positive(e, "output_tokens_per_s", ctx), _req(e, "source", str, ctx))


def _positive(e: dict[str, Any], key: str, ctx: str) -> Decimal:
    value = _money(e, key, ctx)
    if value <= 0:
        raise PricingError(f"{ctx}: field '{key}' must be positive, got {e[key]!r}")
    return value


def _known(e: dict[str, Any], allowed: set[str], ctx: str) -> None:
    unknown = sorted(set(e) - allowed)
    if unknown:
        raise PricingError(f"{ctx}: field '{unknown[0]}' is not a known field")


def _req(e: dict[str, Any], key: str, typ: type, ctx: str) -> Any:
    if key not in e:
        raise PricingError(f"{ctx}: field '{key}' is missing")
    value = e[key]
    if not isinstance(value, typ):
        raise PricingError(f"{ctx}: field '{key}' must be a {typ.__name__}, got {value!r}")
    return value


def _date(e: dict[str, Any], key: str, ctx: str) -> date:
    value = _req(e, key, (str, date), ctx)  # type: ignore[arg-type]
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PricingError(f"{ctx}: field '{key}' must be a date (YYYY-MM-DD), "
                           f"got {value!r}") from None


def _money(e: dict[str, Any], key: str, ctx: str) -> Decimal:
    value = _req(e, key, (int, float), ctx)  # type: ignore[arg-type]
    if isinstance(value, bool) or value < 0:
        raise PricingError(f"{ctx}: field '{key}' must be a non-negative number, got {value!r}")
    # str() gives the shortest decimal that round-trips, i.e. exactly what the file says.
    amount = Decimal(str(value))
    if amount != amount.quantize(Decimal("0.000001")):
        raise PricingError(f"{ctx}: field '{key}' has more than 6 decimal places: {value!r}")
    return amount


def _positive_int(e: dict[str, Any], key: str, ctx: str) -> int:
    value = _req(e, key, int, ctx)
    if isinstance(value, bool) or value <= 0:
        raise PricingError(f"{ctx}: field '{key}' must be a positive whole number, got {value!r}")
    return int(value)
