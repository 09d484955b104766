"""A pricing table version: its types, loading, the release check, and model-id resolution.

Released versions are immutable: manifest.json holds each file's SHA-256 and a mismatch is an
error, so a number in an old report can always be traced to the exact prices that produced it.
The TOML layout is read by pricing/schema.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pricing import cache
from pricing.resolve import Resolution, dashed
from pricing.resolve import resolve as _resolve

VERSIONS_DIR = Path(__file__).parent / "versions"
MANIFEST = Path(__file__).parent / "manifest.json"
TIERS = ("frontier", "distilled", "open-weights")
# What a model is for. Only chat models take the traffic scenarios move: requests logged on an
# embedding, image or audio model stay on it in every scenario (planner/projection/sql/60).
KINDS = ("chat", "embedding", "image", "audio")
SERVICE_TIERS = ("batch", "flex", "priority")
# Server-side tools billed per use on top of tokens (schema 5's [tools.TOOL.PROVIDER]).
TOOLS = ("web_search",)


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
    cache_write: Decimal  # a 5-minute cache write (Anthropic), or the one cache-write price
    output: Decimal
    cache_write_1h: Decimal  # a 1-hour cache write (Anthropic: 2x input); else cache_write


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
    # A time-of-day rate: standard-tier requests made between these UTC minutes of the day
    # (from, to; to < from wraps past midnight) pay `off_peak` instead.
    off_peak: RateCard | None = None
    off_peak_utc: tuple[int, int] | None = None


@dataclass(frozen=True)
class ToolPrice:
    """A provider's fee for a server-side tool, per use, on top of the tokens (schema 5)."""

    tool: str  # one of TOOLS
    provider: str  # as models' `provider` spells it
    per_1k: Decimal  # USD per 1,000 uses
    source: str
    source_date: str

    @property
    def per_use(self) -> Decimal:
        return self.per_1k / 1000


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
    prefixes: tuple[str, ...] = ()  # id prefixes the price source bills as this model
    kind: str = "chat"  # one of KINDS (schema 4; older schemas: every model is a chat model)

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
    # The physics a throughput profile is checked against (pricing/roofline.py), where given.
    bf16_dense_tflops: Decimal | None = None  # dense BF16 tensor peak, TFLOP/s (no sparsity)
    hbm_tb_per_s: Decimal | None = None  # memory bandwidth, TB/s
    hbm_gb: Decimal | None = None  # memory, GB

    @property
    def hourly_usd(self) -> Decimal:
        return self.on_demand_hourly

    @property
    def source(self) -> str:
        return self.sources["on_demand_hourly"]


@dataclass(frozen=True)
class Measurement:
    """A published throughput measurement: output tokens/s at stated input and output lengths
    and concurrency ("max": requests sent at an unlimited rate, no latency target)."""

    input_tokens: int
    output_tokens: int
    concurrency: int | str
    output_tokens_per_s: Decimal
    source: str


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
    active_params_b: Decimal | None = None  # billions of parameters used per token
    weight_bytes: Decimal | None = None  # bytes per weight as served: 2 BF16, 1 FP8
    measured: Measurement | None = None
    # The KV cache (pricing/roofline.py): bytes a token keeps per layer are
    # kv_heads x head_dim x 2 (key and value) x kv_bytes (2 BF16, 1 FP8).
    layers: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    kv_bytes: Decimal | None = None
    kv_source: str | None = None


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
    # server-tool fees (schema 5): tool -> provider -> price; none before schema 5
    tools: dict[str, dict[str, ToolPrice]] = field(default_factory=dict)

    def tool_price(self, tool: str, model: str) -> ToolPrice | None:
        """The fee of `tool` on the provider of price entry `model`, or None: not known."""
        entry = self.models.get(model)
        return self.tools.get(tool, {}).get(entry.provider) if entry else None

    def resolve(self, model_id: str | None) -> str | None:
        """The price entry of a logged model id, or None when the table has no price for it
        (pricing/resolve.py: the order, and which matches are only approximate)."""
        return self.resolution(model_id).entry if model_id else None

    def resolution(self, model_id: str) -> Resolution:
        """How `model_id` is priced: the entry, each rewrite on the way, and whether the entry
        is only a fallback (another model, whose price may differ)."""
        return _resolve(model_id, self._aliases, *self._indexes)

    @functools.cached_property
    def _indexes(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        names = {name.lower(): name for name in self.models}
        by_key: dict[str, set[str]] = {}
        for key, entry in self._aliases.items():
            by_key.setdefault(dashed(key), set()).add(entry)
        dashed_ids = {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}
        prefixes = {p.lower(): m.model for m in self.models.values() for p in m.prefixes}
        return dashed_ids, prefixes, names

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
    """A table file parsed once per content version (its mtime and size are in the key); in
    later processes its TOML document is read from the user's cache, as JSON (parsing the TOML
    is a tenth of a small run)."""
    from pricing.schema import parse_table  # the TOML layout lives in one module

    data = Path(path).read_bytes()
    cached = _cache_file(data, shown)
    doc = _read_cache(cached) if cached else None
    if doc is None:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PricingError(f"{shown}: not valid TOML: {exc}") from exc
        if cached:
            _write_cache(cached, doc)
    return parse_table(doc, Path(shown))


# The cache holds plain data, never code: JSON, a TOML date as {"$date": "YYYY-MM-DD"}, read only
# when it is the user's own (pricing/cache.py).
def _read_cache(cached: Path) -> dict[str, object] | None:
    data = cache.read(cached)
    try:
        doc = json.loads(data, object_hook=_dates_in) if data is not None else None
    except ValueError:  # a damaged entry: parse the file instead
        return None
    return doc if isinstance(doc, dict) else None


def _write_cache(cached: Path, doc: Mapping[str, object]) -> None:
    cache.write(cached, json.dumps(doc, default=_dates_out).encode())


def _dates_out(value: object) -> object:
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"not plain data: {value!r}")


def _dates_in(obj: dict[str, object]) -> object:
    if len(obj) == 1 and isinstance(obj.get("$date"), str):
        return date.fromisoformat(obj["$date"])  # type: ignore[arg-type]
    return obj


@functools.cache
def _code_digest() -> bytes:
    """The code that reads a table's document: a cache entry made by other code is not read."""
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


def _cache_file(data: bytes, shown: str) -> Path | None:
    """Where the TOML document of a file with contents `data` is kept: named by a digest of the
    contents, the shown name and the code that reads it. None: no cache."""
    key = hashlib.sha256(data + _code_digest() + f"\0{shown}".encode())
    return cache.entry(f"pricing-{key.hexdigest()[:32]}.json")


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
