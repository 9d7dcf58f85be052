"""Seed instructions and mode appendices for the Petri audits, validated at load time.

A seed is Petri's markdown-with-front-matter format: ``tags`` names exactly one preference
dimension id (datasets/preferences/<id>.yaml), ``role`` says who the auditor plays, and the body
is the instruction to the auditor. A typo in a tag is a load-time error naming the file and line,
so a mislabelled seed can never be scored against the wrong dimension.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inspect_ai.dataset import MemoryDataset, Sample

from cc_evals.data import DatasetError, family_spec, interleave, load_markdown, read_text
from cc_evals.paths import datasets_dir
from cc_evals.preferences.dimensions import dimension_ids, dimensions_dir, load_dimension
from cc_evals.task_args import parse_selection

SEED_FIELDS = ("tags", "role")


def preference_clusters() -> dict[str, str]:
    """Dimension id -> cluster, from the preference dimension files."""
    ids = dimension_ids()
    if not ids:
        raise DatasetError(dimensions_dir(), None, "no preference dimension files (*.yaml)")
    return {did: load_dimension(did).cluster for did in ids}


@dataclass(frozen=True)
class Seed:
    id: str
    dimension: str
    cluster: str
    role: str | None
    instructions: str
    path: str


def seeds_dir() -> Path:
    return datasets_dir() / str(family_spec("petri")["seeds_dir"])


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def parse_seed(path: Path, clusters: dict[str, str] | None = None) -> Seed:
    """Read and validate one seed file (errors are ``file:line: what is wrong``)."""
    clusters = clusters if clusters is not None else preference_clusters()
    meta, body = load_markdown(path)
    unknown = sorted(set(meta) - set(SEED_FIELDS))
    if unknown:
        raise DatasetError(
            path,
            _line_of(path, unknown[0]),
            f"unknown front-matter field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(SEED_FIELDS)}",
        )
    tags = meta.get("tags")
    tags_line = _line_of(path, "tags") or 2
    if not isinstance(tags, list) or len(tags) != 1 or not isinstance(tags[0], str):
        raise DatasetError(
            path, tags_line, "'tags' must be a list with exactly one preference dimension id"
        )
    dimension = tags[0]
    if dimension not in clusters:
        raise DatasetError(
            path,
            tags_line,
            f"unknown dimension tag {dimension!r}; known: {', '.join(sorted(clusters))}",
        )
    role = meta.get("role")
    if role is not None and not (isinstance(role, str) and role.strip()):
        raise DatasetError(path, _line_of(path, "role"), "'role' must be a non-empty string")
    lo, hi = family_spec("petri")["seed_words"]
    words = len(body.split())
    if not lo <= words <= hi:
        raise DatasetError(path, None, f"seed body has {words} words; expected {lo}-{hi}")
    return Seed(
        id=path.stem,
        dimension=dimension,
        cluster=clusters[dimension],
        role=role.strip() if isinstance(role, str) else None,
        instructions=body.strip(),
        path=str(path),
    )


def load_seeds(directory: Path | None = None) -> list[Seed]:
    """Every seed in ``directory`` (default datasets/petri/seeds), in file-name order."""
    directory = directory or seeds_dir()
    files = sorted(directory.glob("*.md"))
    if not files:
        raise DatasetError(directory, None, "no seed files (*.md) found")
    clusters = preference_clusters()
    seeds = [parse_seed(path, clusters) for path in files]
    problems = seed_coverage_errors(seeds)
    if problems:
        raise DatasetError(directory, None, "; ".join(problems))
    return seeds


def seed_coverage_errors(seeds: list[Seed]) -> list[str]:
    """Dimensions with seeds but fewer than the family minimum (seeds are optional per dimension:
    a dimension without any is simply not audited)."""
    minimum = int(family_spec("petri")["min_seeds_per_dimension"])
    counts = Counter(seed.dimension for seed in seeds)
    return [
        f"dimension {did!r} has {counts[did]} seeds; at least {minimum} required"
        for did in sorted(counts)
        if counts[did] < minimum
    ]


def seed_counts() -> dict[str, int]:
    """Preference dimension id -> number of Petri seeds (0 for a dimension without any)."""
    counts = Counter(seed.dimension for seed in load_seeds())
    return {did: counts[did] for did in sorted(preference_clusters())}


@cache
def load_mode(mode: str) -> str:
    """The appendix text for ``mode`` (datasets/petri/modes/<mode>.md)."""
    spec = family_spec("petri")
    if mode not in spec["modes"]:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(spec['modes'])}")
    path = datasets_dir() / spec["modes_dir"] / f"{mode}.md"
    meta, body = load_markdown(path)
    if meta.get("mode") != mode:
        raise DatasetError(path, 2, f"front matter must say 'mode: {mode}'")
    if not body.strip():
        raise DatasetError(path, None, "the mode appendix is empty")
    return body.strip()


def select(
    seeds: list[Seed], dimensions: str | list[str] | None, seed_ids: str | list[str] | None
) -> list[Seed]:
    """Filter by ``-T dimensions=`` (ids or cluster names) and ``-T seeds=`` (seed file stems)."""
    clusters = preference_clusters()
    chosen = seeds
    audited = {s.dimension for s in seeds}
    known = sorted(audited) + sorted({clusters[d] for d in audited})
    wanted = parse_selection(dimensions, known, "dimensions")
    if wanted is not None:
        chosen = [s for s in chosen if s.dimension in wanted or s.cluster in wanted]
    ids = parse_selection(seed_ids, [s.id for s in seeds], "seeds")
    if ids is not None:
        chosen = [s for s in chosen if s.id in ids]
    if not chosen:
        raise ValueError("no seeds selected by the given dimensions/seeds filters")
    return chosen


def build_dataset(seeds: list[Seed], mode: str, condition: str) -> MemoryDataset:
    """One sample per seed: the seed with the mode appendix appended, as Petri's auditor input."""
    appendix = load_mode(mode)
    samples = [
        Sample(
            id=seed.id,
            input=f"{seed.instructions}\n\n{appendix}",
            metadata={
                "family": "petri",
                "mode": mode,
                "dimension": seed.dimension,
                "cluster": seed.cluster,
                "tags": [seed.dimension],
                "role": seed.role,
                "condition": condition,
            },
        )
        for seed in seeds
    ]
    woven = interleave(samples, lambda s: (s.metadata or {})["dimension"])
    return MemoryDataset(woven, name=f"cc_evals_petri_{mode}")
