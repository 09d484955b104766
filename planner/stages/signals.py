"""Stages 24 and 45: text signals, computed once per distinct request text of a sample.

What a request's text says is read while its file is read (the text itself is not kept unless
--keep-text), once per distinct text (system prompt and prompt):
- stage 20 leaves the file's candidate texts in `file_texts`: per workload of the file, up to
  `per_workload` distinct texts in hash order (all of them in most logs);
- the texts are embedded (planner/stages/embedding.py) and compared with the rules file's labelled
  examples: the k nearest vote, weighted by similarity, for a domain (`text_similarity`);
- sql/24_text_features.sql counts each [[signal]] pattern of the rules file in each text and
  keeps the result in `text_features` with the file's id;
- sql/45_text_sample.sql picks, per workload of the run, its `per_workload` smallest hashes and
  reads their stored signals into `text_signals`, what the rules' text conditions test (stage
  50); the report states the margin of error where a workload was sampled.
`text_features` holds counts, a domain, a vote and a few matched words, never the text itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from planner import db
from planner.errors import RulesError
from planner.stages import embedding
from planner.stages.rules import RuleSet
from planner.stages.scripts import run_script
from pricing import cache as user_cache

if TYPE_CHECKING:  # numpy and pyarrow are imported where used: logs without text never load them
    import numpy as np

DEFAULT_PER_WORKLOAD = 500
CAPABILITY = "capability-bound"
_CHUNK = 2048  # texts compared with the examples at a time (bounds the similarity matrix)


@dataclass(frozen=True)
class Examples:
    domains: tuple[str, ...]  # distinct domain names
    domain_labels: tuple[str, ...]  # the label of each domain
    domain_of: np.ndarray  # example -> index into domains
    texts: tuple[str, ...]
    sources: tuple[str, ...]
    vectors: np.ndarray  # example -> unit vector


def key(rules: RuleSet, per_workload: int) -> str:
    """What a file's stored text features depend on (part of its reuse key): the sample size,
    the patterns and the examples. A change to any of them reads the file's texts again; a
    change to the rules' conditions alone re-labels from the stored features."""
    if not (rules.uses_text() and per_workload > 0):
        return ""
    sim = rules.similarity
    parts = [str(per_workload), *(f"{s.name}={s.pattern}" for s in rules.signals)]
    if sim is not None:
        parts += [str(sim.k), str(sim.max_chars), hashlib.sha256(
            sim.examples.read_bytes()).hexdigest()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def max_chars(rules: RuleSet) -> int:
    return rules.similarity.max_chars if rules.similarity else 1500


def compute_file(con: duckdb.DuckDBPyConnection, rules: RuleSet, file_id: int) -> None:
    """Stage 24: the signals of the texts the file being read left in `file_texts`, kept in
    `text_features` under its file id (nothing, and no numpy, for a file without text)."""
    if con.execute("SELECT count(*) FROM file_texts").fetchall()[0][0] == 0:
        return
    _similarity(con, rules)
    params: dict[str, object] = {"file_id": file_id}
    counts, matches = [], []
    for i, signal in enumerate(rules.signals, start=1):
        params[f"signal{i}"] = signal.pattern
        counts.append(f"len(regexp_extract_all(x.text, $signal{i}))")
        matches.append("list_sort(list_distinct(regexp_extract_all(lower(x.text), "
                       f"$signal{i})))[1:3]")
    script = (db.sql("24_text_features")
              .replace("{signal_counts}", f"[{', '.join(counts)}]" if counts else "[]::INTEGER[]")
              .replace("{signal_matches}",
                       f"[{', '.join(matches)}]" if matches else "[]::VARCHAR[][]"))
    try:
        run_script(con, script, params)
    except duckdb.InvalidInputException as exc:
        raise RulesError(f"{rules.path}: a [[signal]] pattern is not valid RE2: "
                         f"{str(exc).splitlines()[0]}") from exc
    finally:
        con.execute("DROP TABLE IF EXISTS text_similarity")


def compute(con: duckdb.DuckDBPyConnection, rules: RuleSet, per_workload: int) -> None:
    """Stage 45: `text_signals`, the stored signals of each workload's sampled texts (empty
    when text is off)."""
    run_script(con, db.sql("45_text_sample"), {
        "per_workload": per_workload if rules.uses_text() else 0})


def _similarity(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> None:
    """`text_similarity`: per text of `file_texts`, its nearest examples' vote (when the rules
    compare texts with examples) and the embedding of its prompt alone (the cache curve)."""
    import numpy as np  # (loaded only for logs with text: planner/stages/tokens.py's start-up rule)
    import pyarrow as pa

    # (execute, not sql: the file's transaction has results of its own pending)
    rows = con.execute("SELECT text_hash, text, prompt FROM file_texts").fetchall()
    n = len(rows)
    names = np.asarray([None], dtype=object)
    near = {"domain": np.full(n, -1), "vote": np.full(n, np.nan), "top": np.full(n, np.nan),
            "example": np.full(n, -1), "cap_vote": np.full(n, np.nan), "cap_domain": np.full(n, -1)}
    if rules.similarity is not None and n:
        examples = load_examples(rules.similarity.examples, rules.similarity.max_chars)
        near = nearest(embedding.embed([r[1] for r in rows]), examples, rules.similarity.k)
        names = np.asarray((*examples.domains, None), dtype=object)  # index -1: no such domain
    prompts = [r[2] for r in rows]
    vectors = embedding.embed([p or "" for p in prompts]) if n else np.zeros((0, 256))
    table = pa.table({
        "text_hash": pa.array([r[0] for r in rows], type=pa.uint64()),
        "sim_domain": pa.array(names[near["domain"]], type=pa.string()),
        "sim_vote": pa.array(near["vote"], type=pa.float64(), from_pandas=True),
        "sim_top": pa.array(near["top"], type=pa.float64(), from_pandas=True),
        "sim_example": pa.array(np.where(near["example"] >= 0, near["example"], 0),
                                type=pa.int32(), mask=near["example"] < 0),
        "sim_cap_vote": pa.array(near["cap_vote"], type=pa.float64(), from_pandas=True),
        "sim_cap_domain": pa.array(names[near["cap_domain"]], type=pa.string()),
        # no prompt (a system prompt alone): no vector, so never a near repeat
        "prompt_vec": pa.array([v.tolist() if p else None for v, p in zip(vectors, prompts,
                                                                         strict=True)],
                               type=pa.list_(pa.float32())),
    })
    con.register("plan_text_similarity", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE text_similarity AS SELECT * EXCLUDE "
                    "(prompt_vec), prompt_vec::FLOAT[256] AS prompt_vec FROM plan_text_similarity")
    finally:
        con.unregister("plan_text_similarity")


def nearest(vectors: np.ndarray, examples: Examples, k: int) -> dict[str, np.ndarray]:
    """For each vector, from its k nearest examples (each vote weighs its similarity, negative
    ones nothing): the domain they vote for, that domain's share of the votes, and the nearest
    of that domain's voters (its similarity and example index); and the capability-bound
    examples' share of the votes, with the capability domain they vote for most."""
    import numpy as np

    n, k = len(vectors), min(k, len(examples.texts))
    capable = np.array([lab == CAPABILITY for lab in examples.domain_labels])
    out = {"domain": np.zeros(n, dtype=np.int64), "vote": np.zeros(n), "top": np.zeros(n),
           "example": np.zeros(n, dtype=np.int64), "cap_vote": np.zeros(n),
           "cap_domain": np.full(n, -1, dtype=np.int64)}
    for start in range(0, n, _CHUNK):
        sims = vectors[start:start + _CHUNK] @ examples.vectors.T
        rows = np.arange(len(sims))
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(sims, idx, axis=1)
        doms = examples.domain_of[idx]
        votes = np.zeros((len(sims), len(examples.domains)))
        np.add.at(votes, (np.repeat(rows, k), doms.ravel()), np.clip(near, 0, None).ravel())
        best = votes.argmax(axis=1)
        total = votes.sum(axis=1)
        mine = np.where(doms == best[:, None], near, -np.inf)
        pick = mine.argmax(axis=1)
        cap_votes = np.where(capable[None, :], votes, -1.0)
        part = slice(start, start + len(sims))
        out["domain"][part] = best
        out["vote"][part] = np.divide(votes[rows, best], total, out=np.zeros(len(sims)),
                                      where=total > 0)
        out["top"][part] = mine[rows, pick]
        out["example"][part] = idx[rows, pick]
        out["cap_vote"][part] = np.divide(votes[:, capable].sum(axis=1), total,
                                          out=np.zeros(len(sims)), where=total > 0)
        out["cap_domain"][part] = np.where(cap_votes.max(axis=1) > 0, cap_votes.argmax(axis=1),
                                           -1)
    return out


def load_examples(path: Path, max_chars: int) -> Examples:
    """The examples file, each text embedded from its first max_chars characters (as a
    request's text is)."""
    return _load_examples(str(path), path.stat().st_mtime_ns, max_chars)


@cache
def _load_examples(path: str, _mtime: int, max_chars: int) -> Examples:
    import numpy as np

    domains: dict[str, str] = {}
    texts, sources, of = [], [], []
    with open(path, encoding="utf-8") as handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                dom, label, text = rec["domain"], rec["label"], rec["text"]
            except (ValueError, KeyError, TypeError) as exc:
                raise RulesError(f"{path}:{n}: an example needs domain, label and text") from exc
            if domains.setdefault(dom, label) != label:
                raise RulesError(f"{path}:{n}: domain '{dom}' has examples of two labels")
            of.append(list(domains).index(dom))
            texts.append(text)
            sources.append(str(rec.get("source", "")))
    if not texts:
        raise RulesError(f"{path}: no examples")
    return Examples(domains=tuple(domains), domain_labels=tuple(domains.values()),
                    domain_of=np.array(of), texts=tuple(texts), sources=tuple(sources),
                    vectors=_example_vectors(path, [t[:max_chars] for t in texts]))


def _example_vectors(path: str, texts: list[str]) -> np.ndarray:
    """The examples' vectors: embedded once, then kept in the user's cache (pricing/cache.py)
    as float32 bytes, per examples file, cut and embedding code (a third of a small log's
    text signals)."""
    import numpy as np

    code = Path(embedding.__file__).read_bytes() + embedding.MODEL.encode()
    digest = hashlib.sha256(Path(path).read_bytes() + b"\0" + code + b"\0"
                            + "\0".join(texts).encode()).hexdigest()[:32]
    entry = user_cache.entry(f"examples-{digest}.f32")
    data = user_cache.read(entry) if entry else None
    if data and len(data) % (4 * len(texts)) == 0:
        return np.frombuffer(data, dtype=np.float32).reshape(len(texts), -1)
    vectors = embedding.embed(texts)
    if entry:
        user_cache.write(entry, vectors.astype(np.float32).tobytes())
    return vectors
