"""A pricing table version: its types, loading, the release check, and model-id resolution.

Released versions are immutable: manifest.json holds each file's SHA-256 and a mismatch is an
error, so a number in an old report can always be traced to the exact prices that produced it.
The TOML layout is read by pricing/schema.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

VERSIONS_DIR = Path(__file__).parent / "versions"
MANIFEST = Path(__file__).parent / "manifest.json"
TIERS = ("frontier", "distilled", "open-weights")
SERVICE_TIERS = ("batch", "flex", "priority")
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
class RateCard:
    """The rates of one service tier; above `long_context_above` input tokens the WHOLE request
    is billed at `long_context`."""

    rates: Rates
    long_context_above: int | None = None
    long_context: Rates | None = None


@dataclass(frozen=True)
class PricePeriod:
    """The prices in force from `start` (None: from the first price) until the next period."""

    start: date | None
    standard: RateCard
    service_tiers: Mapping[str, RateCard]  # batch / flex / priority, where published
    source: str
    source_date: str


@dataclass(frozen=True)
class ModelPrice:
    model: str
    provider: str
    tier: str
    context_window: int | None  # None: not published
    periods: tuple[PricePeriod, ...]  # oldest first; the first starts at None
    current: PricePeriod  # in force on the version's release date
    aliases: tuple[str, ...] = ()
    multimodal: bool = False  # accepts images / audio; text-only models cannot take such requests

    @property
    def rates(self) -> Rates:
        return self.current.standard.rates

    @property
    def long_context_above(self) -> int | None:
        return self.current.standard.long_context_above

    @property
    def long_context(self) -> Rates | None:
        return self.current.standard.long_context

    @property
    def source(self) -> str:
        return self.current.source

    @property
    def source_date(self) -> str:
        return self.current.source_date

    def at(self, day: date) -> PricePeriod:
        """The period in force on `day`."""
        chosen = self.periods[0]
        for period in self.periods[1:]:
            if period.start is not None and period.start <= day:
                chosen = period
        return chosen


@dataclass(frozen=True)
class GpuPrice:
    sku: str
    name: str
    on_demand_hourly: Decimal
    reserved_hourly: Decimal | None
    purchase_usd: Decimal | None
    power_watts: int | None
    sources: Mapping[str, str]  # field -> "where (when)"

    @property
    def hourly_usd(self) -> Decimal:
        return self.on_demand_hourly

    @property
    def source(self) -> str:
        return self.sources["on_demand_hourly"]


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
    released: date
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
                hint=f"choose one of: {known}" if len(self.models) <= 40
                else "`plan pricing show` lists the models",
            )
        return self.models[resolved]


def available_versions() -> list[str]:
    return sorted(p.stem for p in VERSIONS_DIR.glob("*.toml"))


def load_table(version_or_path: str | None = None) -> PriceTable:
    """Load the newest released version, a named version, or a TOML file by path."""
    path, shown = locate(version_or_path)
    stat = path.stat()
    table = _parsed(str(path), str(shown), stat.st_mtime_ns, stat.st_size)
    _not_posing(path, table.version)
    return table


@functools.lru_cache(maxsize=8)
def _parsed(path: str, shown: str, mtime_ns: int, size: int) -> PriceTable:
    """A table file parsed once per content version (its mtime and size are in the key)."""
    from pricing.schema import parse_table  # the TOML layout lives in one module

    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PricingError(f"{shown}: not valid TOML: {exc}") from exc
    return parse_table(doc, Path(shown))


def locate(version_or_path: str | None) -> tuple[Path, Path]:
    """The file of a version (checked against the manifest) or a path, and its shown name."""
    if version_or_path is None:
        versions = available_versions()
        if not versions:
            raise PricingError(f"no pricing versions found in {VERSIONS_DIR}")
        version_or_path = versions[-1]
    candidate = Path(version_or_path)
    if candidate.suffix == ".toml" and candidate.exists():
        if candidate.resolve().parent != VERSIONS_DIR.resolve():
            return candidate, candidate
        version_or_path = candidate.stem  # a released file by its path: verified like one
    path = VERSIONS_DIR / f"{version_or_path}.toml"
    if not path.exists():
        raise PricingError(
            f"unknown pricing version '{version_or_path}'",
            hint=f"released versions: {', '.join(available_versions())}; or pass a .toml path",
        )
    _verify_released(path)
    return path, Path("pricing/versions") / path.name


def _not_posing(path: Path, version: str) -> None:
    """A table read from anywhere that names a released version must be that version, byte for
    byte: an edited copy would otherwise be reported under the genuine version's name."""
    expected = json.loads(MANIFEST.read_text(encoding="utf-8")).get(f"{version}.toml")
    if expected is not None and file_digest(path) != expected:
        raise PricingError(
            f"{path}: names pricing version {version}, which is already released with other "
            f"contents (SHA-256 differs from {MANIFEST.name})",
            hint="released versions are immutable: give your table its own `version`")


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
