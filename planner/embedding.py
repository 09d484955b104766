"""Sentence embeddings for the text signals (stage 45), offline.

WordLlama (MIT; `wordllama` on PyPI) ships its 256-dimension static token embeddings (16 MB,
taken from Llama 2's input embeddings and trained for sentence similarity) and its tokenizer
inside the wheel: a text's vector is the mean of its tokens' vectors, so embedding costs a
tokenizer pass and a lookup, with no model to run and nothing downloaded. Loaded once, lazily:
logs without text never pay for it.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL = "wordllama 0.4 l2_supercat, 256 dims (MIT; weights in the wheel)"
MAX_TOKENS = 512  # a text is cut to this many tokens (after the character cut) before pooling


@cache
def _model() -> Any:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    import wordllama  # deferred: about 0.5 s; its import configures the root logger, undone below
    from wordllama import WordLlama

    for handler in root.handlers[len(before[0]):]:
        root.removeHandler(handler)
    root.setLevel(before[1])
    # The wheel carries the weights and tokenizer in its own folder: point the loader there and
    # forbid downloads, so a missing file is an error, never a network call.
    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    model.tokenizer.enable_truncation(MAX_TOKENS)
    return model


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length vectors, one row per text (float32)."""
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    vectors = _model().embed(texts, batch_size=64, norm=True)
    return np.asarray(vectors, dtype=np.float32)
