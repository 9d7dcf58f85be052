"""Counts and lists shown in the docs come from the data: each one is checked here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAMILY_READMES = sorted((ROOT / "src" / "cc_evals").glob("*/README.md"))


def _dimensions() -> int:
    from cc_evals.preferences.dimensions import dimension_ids

    return len(dimension_ids())


def _introspection_tasks() -> int:
    from cc_evals.introspection.items import load_spec

    return len(load_spec().tasks)


def _prompt_range() -> str:
    from cc_evals.preferences.dimensions import dimension_ids, load_dimension

    counts = [len(load_dimension(d).prompts) for d in dimension_ids()]
    return f"{min(counts)}-{max(counts)}"


def _questions() -> int:
    from cc_evals.self_report.task import load_battery

    return len(load_battery()[1])


def _per_claim() -> int:
    from collections import Counter

    from cc_evals.self_report.task import load_battery

    counts = set(Counter(q.claim for q in load_battery()[1]).values())
    assert len(counts) == 1, "the README says every claim type has the same number of questions"
    return counts.pop()


def _probes() -> int:
    from cc_evals.emergent_misalignment.probes import default_source

    return len({i.question_id for i in default_source().items})


def _seeds() -> int:
    from cc_evals.petri.seeds import load_seeds

    return len(load_seeds())


def _documents() -> int:
    from cc_evals.collaborative_edit.task import load_documents

    return len(load_documents())


CLAIMS: list[tuple[str, str, Callable[[], object]]] = [
    ("README.md", r"`cc_evals/preferences_<dimension>` \((\d+)\)", _dimensions),
    ("README.md", r"`cc_evals/introspection_<task>` \((\d+)\)", _introspection_tasks),
    (
        "src/cc_evals/preferences/README.md",
        r"One dimension per data file \((\d+) today\)",
        _dimensions,
    ),
    ("src/cc_evals/preferences/README.md", r"and (\d+-\d+) original prompts", _prompt_range),
    ("src/cc_evals/self_report/README.md", r"(\d+) original questions", _questions),
    ("src/cc_evals/self_report/README.md", r"(\d+) per claim type", _per_claim),
    ("src/cc_evals/emergent_misalignment/README.md", r"(\d+) original probes", _probes),
    ("src/cc_evals/petri/README.md", r"(\d+) original seeds", _seeds),
    ("src/cc_evals/collaborative_edit/README.md", r"(\d+) original documents", _documents),
]


@pytest.mark.parametrize(("doc", "pattern", "truth"), CLAIMS, ids=[c[1][:40] for c in CLAIMS])
def test_counts_in_the_docs_match_the_data(
    doc: str, pattern: str, truth: Callable[[], object]
) -> None:
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
    found = re.findall(pattern, text)
    assert found, f"{doc}: no text matching {pattern!r}"
    assert set(found) == {str(truth())}, f"{doc}: {pattern!r}"


def test_preference_cluster_table_matches_the_data() -> None:
    from cc_evals.preferences.dimensions import dimension_ids, load_dimension

    text = (ROOT / "src/cc_evals/preferences/README.md").read_text(encoding="utf-8")
    table = {
        m.group(1): {d.strip() for d in m.group(2).split(",")}
        for m in re.finditer(r"^\| ([a-z_]+) \| ([a-z_, ]+) \|$", text, re.M)
        if m.group(1) != "cluster"  # the header row
    }
    truth: dict[str, set[str]] = {}
    for did in dimension_ids():
        truth.setdefault(load_dimension(did).cluster, set()).add(did)
    assert table == truth


def test_every_family_has_a_readme_linked_from_the_top_level_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(FAMILY_READMES) >= 6
    for path in FAMILY_READMES:
        assert f"]({path.relative_to(ROOT)})" in readme, path


@pytest.mark.parametrize(
    "doc",
    ["README.md", "CONTRIBUTING.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))],
)
def test_relative_links_resolve(doc: str) -> None:
    path = ROOT / doc if (ROOT / doc).exists() else ROOT / "docs" / doc
    docs = [path] if doc != "README.md" else [path, *FAMILY_READMES]
    for page in docs:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.endswith("methods.md"):
                continue  # written by another change (statistical methods)
            assert (page.parent / target).exists(), f"{page}: broken link {target}"
