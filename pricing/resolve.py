"""Model-id resolution: from an id a log carries to the price entry a bill would use.

Like a billing system, in this order, each step recorded so a report can say why:

1. the id as logged, then the same model spelled another way: a Bedrock ARN's resource id, a
   provider prefix (`anthropic/`), a cross-region inference-profile prefix (`us.`, `eu.`,
   `global.`, `apac.` ...), a Bedrock vendor prefix and version suffix (`anthropic.` ...
   `-v1:0`), a Vertex AI tag (`gemini-1.5-flash-002@default`), a Gemini stable-version suffix
   (`gemini-2.0-flash-001`: Google's `gemini-2.0-flash` names that same model, at one price),
   the family-first word order
   (`claude-4.5-sonnet` -> `claude-sonnet-4.5`); at each spelling an entry's name or alias,
   then the same with dotted and dashed versions equal (`claude-sonnet-4.6` =
   `claude-sonnet-4-6`); and at each spelling, before the next, an id prefix the price source
   publishes for an entry (`prefixes`), longest first: still the source's own price for that
   id. So a provider's own spelling is priced by that provider's entry before a rewrite makes
   it another provider's id: AWS bills `us.anthropic.claude-sonnet-4-5-20250929-v1:0` at its
   regional rate (10% over Anthropic's), `global.` ids and Anthropic's own at Anthropic's;
2. only then the fallback: the id without a dated-snapshot suffix (`-2024-05-13`, `-20250929`,
   `-1106`). That is another entry, whose price may differ from the snapshot's: `approximate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:"
                  r"(?:inference-profile|application-inference-profile|foundation-model|"
                  r"provisioned-model|custom-model)/(.+)$", re.IGNORECASE)
_REGION = re.compile(r"^(?:us|eu|apac|global|jp|au|ca|us-gov)\.(?=[a-z])", re.IGNORECASE)
_VENDOR = re.compile(r"^(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|"
                     r"writer)\.(?=[a-z])", re.IGNORECASE)
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$|:\d+$", re.IGNORECASE)
_VERTEX_TAG = re.compile(r"^(gemini-[^@]+)@[\w.-]+$", re.IGNORECASE)
_GEMINI_VERSION = re.compile(r"^(gemini-.+)-\d{3}$", re.IGNORECASE)
_WORD_ORDER = re.compile(r"^claude-(\d+(?:[.-]\d)?)-(opus|sonnet|haiku)\b", re.IGNORECASE)
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")
_DOT_IN_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class Step:
    rule: str  # what was done to the id
    id: str  # the id after it


@dataclass(frozen=True)
class Resolution:
    """How one logged id was priced. `entry` None: no price."""

    logged: str
    entry: str | None
    steps: tuple[Step, ...]  # the rewrites, in order, up to the one that matched
    match: str  # "name", "alias", "dotted/dashed version", "published prefix 'x'", or ""
    approximate: bool = False  # priced as another model: its snapshot's price may differ

    @property
    def exact(self) -> bool:
        """Priced as the model the id names, under the source's own rules."""
        return self.entry is not None and not self.approximate

    @property
    def plain(self) -> bool:
        """The id is the entry's name or one of its listed aliases: nothing to explain."""
        return not self.steps and self.match in ("name", "alias")

    def why(self) -> str:
        if self.entry is None:
            return "no entry, alias or published prefix matches"
        chain = [f"{s.rule} -> {s.id}" for s in self.steps] + [f"{self.match} of {self.entry}"]
        text = "; ".join(chain)
        if self.approximate:
            text += " (a fallback: the snapshot's own price is not in this version)"
        return text


def dashed(model_id: str) -> str:
    """The key under which dotted and dashed versions are equal."""
    return _DOT_IN_VERSION.sub("-", model_id.lower())


def spellings(model_id: str) -> list[tuple[str, str]]:
    """(rule, id) for each spelling of the same model, the id as logged first."""
    out = [("as logged", model_id)]

    def rewrite(rule: str, fn: Callable[[str], str]) -> None:
        new = fn(out[-1][1])
        if new and new != out[-1][1]:
            out.append((rule, new))

    rewrite("Bedrock ARN resource", lambda s: m.group(1) if (m := _ARN.match(s)) else s)
    rewrite("provider prefix removed", lambda s: s.rsplit("/", 1)[-1])
    rewrite("region prefix removed", lambda s: _REGION.sub("", s))
    rewrite("Bedrock vendor prefix removed", lambda s: _VENDOR.sub("", s))
    rewrite("Bedrock version suffix removed", lambda s: _BEDROCK_VERSION.sub("", s))
    rewrite("Vertex AI version tag removed", lambda s: _VERTEX_TAG.sub(r"\1", s))
    rewrite("Gemini stable version suffix removed", lambda s: _GEMINI_VERSION.sub(r"\1", s))
    rewrite("family-first word order", lambda s: _WORD_ORDER.sub(r"claude-\2-\1", s))
    return out


def resolve(model_id: str, aliases: Mapping[str, str], dashed_ids: Mapping[str, str],
            prefixes: Mapping[str, str], names: Mapping[str, str]) -> Resolution:
    """`aliases`: lower-cased name or alias -> entry; `dashed_ids`: dashed() key -> entry (only
    keys that name one entry); `prefixes`: lower-cased published prefix -> entry; `names`:
    lower-cased entry name -> entry."""
    forms = spellings(model_id)
    steps = [Step(rule, new) for rule, new in forms[1:]]
    for i, (_, form) in enumerate(forms):
        found = _lookup(form, aliases, dashed_ids, names)
        if found:
            return Resolution(model_id, found[0], tuple(steps[:i]), found[1])
        hit = _prefix(form, prefixes)
        if hit:
            return Resolution(model_id, prefixes[hit], tuple(steps[:i]),
                              f"published prefix '{hit}'")
    for i, (_, form) in enumerate(forms):
        base = _DATE_SUFFIX.sub("", form)
        if base == form:
            continue
        chain = (*steps[:i], Step("dated snapshot suffix removed", base))
        found = _lookup(base, aliases, dashed_ids, names)
        if found:
            return Resolution(model_id, found[0], chain, found[1], approximate=True)
        hit = _prefix(base, prefixes)
        if hit:
            return Resolution(model_id, prefixes[hit], chain, f"published prefix '{hit}'",
                              approximate=True)
    return Resolution(model_id, None, tuple(steps), "")


def _lookup(form: str, aliases: Mapping[str, str], dashed_ids: Mapping[str, str],
            names: Mapping[str, str]) -> tuple[str, str] | None:
    key = form.lower()
    if key in aliases:
        return aliases[key], "name" if key in names else "alias"
    if dashed(key) in dashed_ids:
        return dashed_ids[dashed(key)], "dotted/dashed version"
    return None


def _prefix(form: str, prefixes: Mapping[str, str]) -> str | None:
    key = form.lower()
    hits = [p for p in prefixes if key.startswith(p)]
    return max(hits, key=len) if hits else None
