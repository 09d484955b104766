"""What a genai-prices match clause says about the ids it bills as one model, for
`plan pricing import` and `plan pricing audit`: its exact ids and its id prefixes."""

from __future__ import annotations

import re
from typing import Any


def exact_ids(match: Any) -> list[str]:
    """The exact ids a genai-prices match clause accepts (patterns are left to plan's own
    prefix and date-suffix stripping)."""
    if hasattr(match, "equals"):
        return [match.equals]
    out: list[str] = []
    for clause in getattr(match, "or_", ()):
        out.extend(exact_ids(clause))
    return out


# A `contains` clause that spells a Bedrock id from its start (a cross-region profile or a
# vendor prefix: `us.anthropic.claude-...`) matches the ids that start with it: a prefix.
BEDROCK_SHAPED = re.compile(r"^(?:us|eu|apac|au|jp|ca|us-gov|global)\.[a-z]+\.|"
                            r"^(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|"
                            r"qwen|writer|google|nvidia|moonshotai|zai)\.", re.IGNORECASE)


def prefixes_of(match: Any) -> list[str]:
    """The id prefixes of a genai-prices match clause (`starts_with`, and a `contains` that
    spells a Bedrock id from its start): ids it bills as this model. Other patterns (other
    contains, regex) are not carried."""
    if hasattr(match, "starts_with"):
        return [match.starts_with]
    if hasattr(match, "contains") and BEDROCK_SHAPED.match(match.contains):
        return [match.contains]
    return [p for clause in getattr(match, "or_", ()) for p in prefixes_of(clause)]
