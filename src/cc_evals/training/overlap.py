"""Contamination guard: does a training prompt repeat one of the suite's evaluation prompts?

Deterministic. Texts are normalised (NFKC, case-folded, every run of non-alphanumeric
characters made one space), then compared two ways against every evaluation prompt the
families ship (read through each family's own loader):

- exact: the normalised texts are equal;
- near: the Jaccard similarity of their sets of character ``NGRAM``-grams is at least
  ``NEAR_DUPLICATE_JACCARD`` (the closest evaluation prompt is reported either way).

Introspection prompts are the ones its default evaluation generates (seed ``EVAL_SEED``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

NGRAM = 5
NEAR_DUPLICATE_JACCARD = 0.5
EVAL_SEED = 0  # the introspection task's default seed: the items the suite evaluates on
_CHUNK = 256


@dataclass(frozen=True)
class EvalPrompt:
    family: str
    id: str
    text: str


@dataclass(frozen=True)
class Overlap:
    """The closest evaluation prompt to one text; ``kind`` is exact, near or none."""

    kind: str
    jaccard: float
    family: str | None = None
    id: str | None = None

    def metadata(self) -> dict[str, object]:
        return {
            "overlap": self.kind,
            "overlap_jaccard": round(self.jaccard, 4),
            "overlap_family": self.family,
            "overlap_id": self.id,
        }


_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def shingles(normalised: str) -> set[str]:
    """The character n-grams of a normalised text (a text shorter than NGRAM is one gram)."""
    if len(normalised) <= NGRAM:
        return {normalised} if normalised else set()
    return {normalised[i : i + NGRAM] for i in range(len(normalised) - NGRAM + 1)}


def jaccard(a: str, b: str) -> float:
    """Character n-gram Jaccard similarity of two raw texts (the definition, for checks)."""
    sa, sb = shingles(normalise(a)), shingles(normalise(b))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def evaluation_prompts() -> list[EvalPrompt]:
    """Every user-facing prompt the suite evaluates on, from each family's loader."""
    from cc_evals.collaborative_edit.task import invitation_template, load_documents
    from cc_evals.emergent_misalignment.probes import default_source
    from cc_evals.introspection.items import generate_items
    from cc_evals.petri.seeds import load_seeds
    from cc_evals.preferences.dimensions import resolve_dimensions
    from cc_evals.self_report.task import load_battery

    out: list[EvalPrompt] = []
    for dim in resolve_dimensions(None):
        out.extend(EvalPrompt("preferences", dim.sample_id(p), p.text) for p in dim.prompts)
    out.extend(EvalPrompt("self_report", q.id, q.text) for q in load_battery()[1])
    out.extend(
        EvalPrompt("emergent_misalignment", i.sample_id, i.user)
        for i in default_source(["plain", "template"]).items
    )
    for item in generate_items(seed=EVAL_SEED):
        for role, text in item.object_messages:
            if role == "user":
                out.append(EvalPrompt("introspection", item.id, text))
        for role, text in item.hypothetical_messages:
            if role == "user":
                out.append(EvalPrompt("introspection", f"{item.id}:hypothetical", text))
    out.extend(EvalPrompt("petri", s.id, s.instructions) for s in load_seeds())
    template = invitation_template()
    out.extend(
        EvalPrompt("collaborative_edit", d.id, template.format(title=d.title, document=d.text))
        for d in load_documents()
    )
    return out


_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: a fixed, process-independent hash


def gram_keys(normalised: str) -> NDArray[np.uint64]:
    """The distinct character n-grams of a normalised text as 64-bit keys (sorted).

    Each n-gram's code points are folded into one integer with a fixed multiplier (wrapping
    64-bit arithmetic), so equal n-grams always get equal keys; two different n-grams sharing
    a key is possible in principle but has probability about 2**-64 per pair.
    """
    codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    if codes.size <= NGRAM:
        codes = np.concatenate([codes, np.zeros(NGRAM - codes.size + 1, dtype=np.uint64)])
        return gram_keys_from_codes(codes[:NGRAM])
    return gram_keys_from_codes(codes)


def gram_keys_from_codes(codes: NDArray[np.uint64]) -> NDArray[np.uint64]:
    count = codes.size - NGRAM + 1
    keys = np.zeros(max(count, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(NGRAM):
            keys = keys * _MULT + codes[k : k + max(count, 1)] + np.uint64(1)
    return np.unique(keys)


class OverlapIndex:
    """Exact and n-gram matches of texts against a fixed set of reference prompts."""

    def __init__(self, prompts: Iterable[EvalPrompt]) -> None:
        self.prompts = list(prompts)
        self.exact: dict[str, int] = {}
        per_prompt: list[NDArray[np.uint64]] = []
        for n, prompt in enumerate(self.prompts):
            norm = normalise(prompt.text)
            self.exact.setdefault(norm, n)
            per_prompt.append(gram_keys(norm))
        sizes = np.array([k.size for k in per_prompt], dtype=np.int64)
        all_keys = np.concatenate(per_prompt) if per_prompt else np.empty(0, dtype=np.uint64)
        self.vocab, cols = np.unique(all_keys, return_inverse=True)
        rows = np.repeat(np.arange(len(self.prompts)), sizes)
        self.sizes = sizes.astype(np.float64)
        self.matrix = sparse.csr_matrix(
            (np.ones(cols.size, dtype=np.float32), (cols, rows)),
            shape=(max(1, self.vocab.size), len(self.prompts)),
        )

    def _columns(self, keys: NDArray[np.uint64]) -> NDArray[np.int64]:
        if self.vocab.size == 0 or keys.size == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.searchsorted(self.vocab, keys)
        pos = np.minimum(pos, self.vocab.size - 1)
        found: NDArray[np.int64] = pos[self.vocab[pos] == keys].astype(np.int64)
        return found

    def match(self, texts: list[str]) -> list[Overlap]:
        out: list[Overlap] = []
        for start in range(0, len(texts), _CHUNK):
            out.extend(self._match_chunk(texts[start : start + _CHUNK]))
        return out

    def _match_chunk(self, texts: list[str]) -> list[Overlap]:
        norms = [normalise(t) for t in texts]
        keys = [gram_keys(n) for n in norms]
        cols = [self._columns(k) for k in keys]
        rows = np.repeat(np.arange(len(texts)), [c.size for c in cols])
        flat = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
        query = sparse.csr_matrix(
            (np.ones(flat.size, dtype=np.float32), (rows, flat)),
            shape=(len(texts), self.matrix.shape[0]),
        )
        shared = (query @ self.matrix).tocsr()
        out: list[Overlap] = []
        for r, norm in enumerate(norms):
            exact = self.exact.get(norm)
            if exact is not None and norm:
                p = self.prompts[exact]
                out.append(Overlap("exact", 1.0, p.family, p.id))
                continue
            lo, hi = shared.indptr[r], shared.indptr[r + 1]
            if lo == hi:
                out.append(Overlap("none", 0.0))
                continue
            idx = shared.indices[lo:hi]
            inter = shared.data[lo:hi].astype(np.float64)
            scores = inter / (keys[r].size + self.sizes[idx] - inter)
            top = float(scores.max())
            best = int(idx[scores == top].min())  # ties go to the earliest prompt
            p = self.prompts[best]
            kind = "near" if top >= NEAR_DUPLICATE_JACCARD else "none"
            out.append(Overlap(kind, top, p.family, p.id))
        return out


@cache
def suite_index() -> OverlapIndex:
    return OverlapIndex(evaluation_prompts())
