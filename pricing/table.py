"""Load, verify and query a pricing table version (pricing/versions/*.toml).

Released versions are immutable: manifest.json holds each file's SHA-256 and a mismatch is an
error, so a number in an old report can always be traced to the exact prices that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

VERSIONS_DIR = Path(__file__).parent / "versions"
MANIFEST = Path(__file__).parent / "manifest.json"
TIERS = ("frontier", "distilled", "open-weights")
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


class PricingError(Exception):
    """A price table cannot be used. `hint` says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens for each token bucket."""

    input: Decimal
    cached_input: Decimal
    cache_write: Decimal
    output: Decimal


@dataclass(frozen=True)
class ModelPrice:
    model: str
    provider: str
    tier: str
    context_window: int
    rates: Rates
    source: str
    source_date: str
    long_context_above: int | None = None
    long_context: Rates | None = None
    aliases: tuple[str, ...] = ()
    multimodal: bool = False  # accepts images / audio; text-only models cannot take such requests


@dataclass(frozen=True)
class GpuPrice:
    sku: str
    name: str
    hourly_usd: Decimal
    source: str
    source_date: str


@dataclass(frozen=True)
class SelfHostedProfile:
    model: str
    gpu: str
    gpus_per_replica: int
    batch_size: int
    prefill_tokens_per_s: int
    decode_tokens_per_s: int
    max_context: int
    source: str
    source_date: str


@dataclass(frozen=True)
class PriceTable:
    version: str
    path: Path  # as shown to users: the path given, or pricing/versions/<version>.toml
    models: dict[str, ModelPrice]
    gpus: dict[str, GpuPrice]
    selfhosted: dict[str, SelfHostedProfile]
    default_frontier: str
    default_distilled: str
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    def resolve(self, model_id: str | None) -> str | None:
        """Map a logged model id to its price entry, or None when the table has no price.

        Tries the id itself, its aliases, then the id without a provider prefix
        ("openai/gpt-4o") and without a dated snapshot suffix ("gpt-4o-mini-2024-07-18").
        """
        if not model_id:
            return None
        candidates = [model_id, model_id.split("/")[-1]]
        candidates += [_DATE_SUFFIX.sub("", c) for c in candidates]
        for cand in candidates:
            key = cand.lower()
            if key in self._aliases:
                return self._aliases[key]
        return None

    def get(self, model: str) -> ModelPrice:
        resolved = self.resolve(model)
        if resolved is None:
            known = ", ".join(sorted(self.models))
            raise PricingError(
                f"model '{model}' has no price in pricing version {self.version}",
                hint=f"choose one of: {known}",
            )
        return self.models[resolved]


def available_versions() -> list[str]:
    return sorted(p.stem for p in VERSIONS_DIR.glob("*.toml"))


def load_table(version_or_path: str | None = None) -> PriceTable:
    """Load the newest released version, a named version, or a TOML file by path."""
    if version_or_path is None:
        versions = available_versions()
        if not versions:
            raise PricingError(f"no pricing versions found in {VERSIONS_DIR}")
        version_or_path = versions[-1]
    candidate = Path(version_or_path)
    if candidate.suffix == ".toml" and candidate.exists():
        path = candidate
        shown = candidate
    else:
        path = VERSIONS_DIR / f"{version_or_path}.toml"
        if not path.exists():
            raise PricingError(
                f"unknown pricing version '{version_or_path}'",
                hint=f"released versions: {', '.join(available_versions())}; or pass a .toml path",
            )
        _verify_released(path)
        shown = Path("pricing/versions") / path.name
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PricingError(f"{path}: not valid TOML: {exc}") from exc
    return _parse(doc, shown)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify_released(path: Path) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    expected = manifest.get(path.name)
    if expected is None:
        raise PricingError(
            f"{path}: pricing version is not in {MANIFEST.name}",
            hint="record its SHA-256 in pricing/manifest.json to release it",
        )
    if file_digest(path) != expected:
        raise PricingError(
            f"{path}: released pricing version was modified (SHA-256 differs from "
            f"{MANIFEST.name})",
            hint="released versions are immutable: restore the file and add a new version",
        )


def _parse(doc: dict[str, Any], path: Path) -> PriceTable:
    where = str(path)
    version = _req(doc, "version", str, where)
    models: dict[str, ModelPrice] = {}
    for name, entry in _req(doc, "models", dict, where).items():
        models[name] = _parse_model(name, entry, f"{where}: models.{name}")
    gpus = {
        sku: GpuPrice(
            sku=sku,
            name=_req(e, "name", str, f"{where}: gpus.{sku}"),
            hourly_usd=_money(e, "hourly", f"{where}: gpus.{sku}"),
            source=_req(e, "source", str, f"{where}: gpus.{sku}"),
            source_date=_req(e, "source_date", str, f"{where}: gpus.{sku}"),
        )
        for sku, e in doc.get("gpus", {}).items()
    }
    selfhosted: dict[str, SelfHostedProfile] = {}
    for name, e in doc.get("selfhosted", {}).items():
        ctx = f"{where}: selfhosted.{name}"
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
        )
        if profile.gpu not in gpus:
            raise PricingError(f"{ctx}: field 'gpu': unknown GPU '{profile.gpu}'")
        selfhosted[name] = profile
    aliases: dict[str, str] = {}
    for name, m in models.items():
        for alias in (name, *m.aliases):
            if aliases.setdefault(alias.lower(), name) != name:
                raise PricingError(f"{where}: alias '{alias}' names two models")
    defaults = doc.get("defaults", {})
    table = PriceTable(
        version=version,
        path=path,
        models=models,
        gpus=gpus,
        selfhosted=selfhosted,
        default_frontier=_req(defaults, "frontier", str, f"{where}: defaults"),
        default_distilled=_req(defaults, "distilled", str, f"{where}: defaults"),
        _aliases=aliases,
    )
    for role in ("default_frontier", "default_distilled"):
        if getattr(table, role) not in models:
            raise PricingError(f"{where}: defaults: {role} names a model with no entry")
    return table


def _parse_model(name: str, e: dict[str, Any], ctx: str) -> ModelPrice:
    tier = _req(e, "tier", str, ctx)
    if tier not in TIERS:
        raise PricingError(f"{ctx}: field 'tier': '{tier}' is not one of {', '.join(TIERS)}")
    rates = _rates(e, ctx)
    long_ctx = e.get("long_context")
    return ModelPrice(
        model=name,
        provider=_req(e, "provider", str, ctx),
        tier=tier,
        context_window=_positive_int(e, "context_window", ctx),
        rates=rates,
        source=_req(e, "source", str, ctx),
        source_date=_req(e, "source_date", str, ctx),
        long_context_above=(
            _positive_int(long_ctx, "above_input_tokens", f"{ctx}.long_context")
            if long_ctx
            else None
        ),
        long_context=_rates(long_ctx, f"{ctx}.long_context") if long_ctx else None,
        aliases=tuple(e.get("aliases", ())),
        multimodal=bool(e.get("multimodal", False)),
    )


def _rates(e: dict[str, Any], ctx: str) -> Rates:
    # A model without a published cache price bills cached and cache-write tokens as input.
    inp = _money(e, "input", ctx)
    return Rates(
        input=inp,
        cached_input=_money(e, "cached_input", ctx) if "cached_input" in e else inp,
        cache_write=_money(e, "cache_write", ctx) if "cache_write" in e else inp,
        output=_money(e, "output", ctx),
    )


def _req(e: dict[str, Any], key: str, typ: type, ctx: str) -> Any:
    if key not in e:
        raise PricingError(f"{ctx}: field '{key}' is missing")
    value = e[key]
    if not isinstance(value, typ):
        raise PricingError(f"{ctx}: field '{key}' must be a {typ.__name__}, got {value!r}")
    return value


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
