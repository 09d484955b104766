"""What a price source does not say about a model it lists, guessed from the model's id for
`plan pricing import`: its tier and its kind. A guess is reviewed before a version is released
(docs/pricing.md)."""

from __future__ import annotations

import re

_SMALL = re.compile(r"(mini|nano|haiku|flash|lite|small|tiny|instant|\b\d{1,2}b\b|-\d{1,2}b)")
_OPEN = ("deepseek", "llama", "qwen", "gemma", "mistral-7b", "mixtral", "gpt-oss")
_KIND_WORDS = (("embedding", ("embed",)), ("image", ("image", "dall-e")),
               ("audio", ("tts", "transcribe", "whisper", "realtime", "audio", "live")))


def guess_kind(model_id: str) -> str:
    """What an imported model is for, from its id (schema 4's `kind`): review before release."""
    name = model_id.lower()
    return next((kind for kind, words in _KIND_WORDS if any(w in name for w in words)), "chat")


def guess_tier(model_id: str, provider: str) -> str:
    """Imported models the base version does not curate: open-weights families by name, small
    models (mini, nano, haiku, flash, lite, 8b ...) distilled, the rest frontier."""
    name = model_id.lower()
    if any(word in name for word in _OPEN) or provider == "deepseek":
        return "open-weights"
    return "distilled" if _SMALL.search(name) else "frontier"
