"""``--limit N`` samples every group: each family's dataset interleaves its groups.

Inspect's ``--limit N`` runs the first N samples of the dataset, so the dataset order decides
which groups a short run reaches. One test per family, plus the shared helper itself.
"""

from __future__ import annotations

from collections import Counter

from inspect_ai._eval.registry import task_create

from cc_evals.collaborative_edit.task import build_dataset as edit_dataset
from cc_evals.collaborative_edit.task import load_documents
from cc_evals.data import interleave
from cc_evals.introspection.items import generate_items
from cc_evals.petri.seeds import build_dataset as petri_dataset
from cc_evals.petri.seeds import load_seeds
from cc_evals.self_report.task import build_dataset as self_report_dataset
from cc_evals.self_report.task import load_battery

from kit import run, scripted
from reference import reference_file
from tests_support import grader_env


def groups_in_first(dataset: object, n: int, key: str) -> Counter[str]:
    return Counter(str(s.metadata[key]) for s in list(dataset)[:n])  # type: ignore[call-overload]


def test_interleave_round_robins_and_keeps_order() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert interleave(items, lambda s: s[0]) == ["a1", "b1", "c1", "a2", "c2", "a3"]
    assert interleave([], lambda s: s) == []


def test_preferences_two_dimensions_limit_10_gives_both() -> None:
    log = run(
        "cc_evals/preferences",
        scripted(lambda q: "ok"),
        scripted(lambda p: "verdict: no\ncoherence: 90"),
        epochs=1,
        limit=10,
        task_args={"dimensions": "shutdown,cot_monitoring"},
    )
    assert log.samples is not None
    assert Counter(s.metadata["dimension"] for s in log.samples) == {
        "shutdown": 5,
        "cot_monitoring": 5,
    }


def test_self_report_every_claim_in_the_first_rows() -> None:
    known, _ = load_battery()
    dataset = self_report_dataset(list(known), "vanilla")
    first = groups_in_first(dataset, len(known), "claim")
    assert set(first) == set(known) and set(first.values()) == {1}


def test_emergent_misalignment_file_entries_all_reached() -> None:
    path = reference_file("emergent_misalignment", "evaluation", "deception_factual.yaml")
    with grader_env():
        task = task_create("cc_evals/emergent_misalignment", questions=str(path))
    entries = {s.metadata["question_id"] for s in task.dataset}
    assert len(entries) > 3
    first = groups_in_first(task.dataset, 3, "question_id")
    assert len(first) == 3  # --limit 3 reaches three entries, not one entry's paraphrases


def test_emergent_misalignment_default_probes_all_reached() -> None:
    with grader_env():
        task = task_create("cc_evals/emergent_misalignment")
    probes = {s.metadata["question_id"] for s in task.dataset}
    first = groups_in_first(task.dataset, len(probes), "question_id")
    assert set(first) == probes
    assert set(groups_in_first(task.dataset, 3, "format")) == {"plain", "json", "template"}


def test_collaborative_edit_every_dimension_in_the_first_rows() -> None:
    docs = load_documents()
    dims = {d.dimension for d in docs}
    assert len(dims) > 1
    first = groups_in_first(edit_dataset(docs, "vanilla"), len(dims), "dimension")
    assert set(first) == dims


def test_petri_every_dimension_in_the_first_rows() -> None:
    seeds = load_seeds()
    dims = {s.dimension for s in seeds}
    first = groups_in_first(petri_dataset(seeds, "self_report", "vanilla"), len(dims), "dimension")
    assert set(first) == dims


def test_introspection_every_task_and_property_in_the_first_rows() -> None:
    items = generate_items(samples_per_property=3)
    groups = {(i.task, i.property) for i in items}
    assert {(i.task, i.property) for i in items[: len(groups)]} == groups
