"""Sentence embeddings for the text signals (stage 45), offline.

WordLlama (MIT; `wordllama` on PyPI) ships its 256-dimension static token embeddings (16 MB,
taken from Llama 2's input embeddings and trained for sentence similarity) and its tokenizer
inside the wheel: a text's vector is the mean of its tokens' vectors, so embedding costs a
tokenizer pass and a lookup, with no model to run and nothing downloaded. Loaded once, lazily:
logs without text never pay for it.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used (below): logs without text never load numpy
    import numpy as np

MODEL = "wordllama 0.4 l2_supercat, 256 dims (MIT; weights in the wheel)"
MAX_TOKENS = 512  # a text is cut to this many tokens (after the character cut) before pooling
_CHUNK = 256  # texts pooled at a time (bounds the token-vector matrix: ~256 x 512 x 1 KB)


@cache
def _model() -> Any:
    # The tokenizer encodes a batch on a thread pool (Rust's rayon), which on some machines
    # starts with one thread unless told how many.
    os.environ.setdefault("RAYON_NUM_THREADS", str(os.cpu_count() or 1))
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
    model.tokenizer.no_padding()
    model.tokenizer.enable_truncation(MAX_TOKENS)
    return model


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length vectors, one row per text (float32): the mean of its tokens' vectors, as
    WordLlama's own `embed` computes it, without padding every text to the longest."""
    import numpy as np

    model = _model()
    table = model.embedding
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    encoded = model.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    for start in range(0, len(texts), _CHUNK):
        ids = [e.ids for e in encoded[start:start + _CHUNK]]
        lengths = np.array([len(i) for i in ids])
        if not lengths.any():
            continue
        flat = np.concatenate([np.asarray(i, dtype=np.int64) for i in ids])
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        full = lengths > 0  # reduceat cannot sum an empty run: empty texts stay zero
        sums = np.add.reduceat(table[flat], starts[full], axis=0)
        out[start:start + len(ids)][full] = sums / lengths[full, None]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
