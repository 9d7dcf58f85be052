"""Generated introspection questions and the Looking Inward release-format loader."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cc_evals.data import DatasetError, family_spec
from cc_evals.introspection.items import (
    ETHICAL_CATEGORIES,
    generate_items,
    load_spec,
)
from cc_evals.introspection.properties import PROPERTIES
from cc_evals.introspection.release import RELEASE_FIELDS, load_release, release_files

from reference import reference_file

REPO = Path(__file__).resolve().parents[1]


def release_folder() -> Path:
    """The genuine Looking Inward test rows beside the repository (see tests/reference.py)."""
    return reference_file("looking_inward", "test")


# ---- generated questions ------------------------------------------------------------


def test_default_run_has_at_least_200_samples_per_task_property() -> None:
    # build time is measured in benchmarks/introspection_build, not asserted here
    items = generate_items()
    counts = Counter((i.task, i.property) for i in items)
    assert set(t for t, _ in counts) == set(load_spec().tasks)
    assert min(counts.values()) >= 200 == family_spec("introspection")["samples_per_property"]
    assert {p for _, p in counts} == set(PROPERTIES)
    assert len({i.id for i in items}) == len(items)


def test_limit_takes_questions_from_every_group() -> None:
    items = generate_items()
    groups = {(i.task, i.property) for i in items}
    assert {(i.task, i.property) for i in items[: len(groups)]} == groups
    release = load_release(release_folder())
    assert len({(i.task, i.property) for i in release[:23]}) == 23


def test_generation_is_deterministic_from_the_seed() -> None:
    first = generate_items(seed=3, samples_per_property=20)
    again = generate_items(seed=3, samples_per_property=20)
    other = generate_items(seed=4, samples_per_property=20)
    assert [i.object_messages for i in first] == [i.object_messages for i in again]
    changed = sum(a.object_messages != b.object_messages for a, b in zip(first, other, strict=True))
    assert changed > len(first) // 2
    # pairs do not share questions: first_word and second_word of animals differ
    by = {(i.task, i.property, i.id[-4:]): i.object_messages for i in first}
    assert by[("animals", "first_word", "0000")] != by[("animals", "second_word", "0000")]


def test_generated_items_are_well_formed() -> None:
    for item in generate_items(samples_per_property=30):
        [(role, prompt)] = item.object_messages
        [(_, hypothetical)] = item.hypothetical_messages
        assert role == "user" and prompt in hypothetical and "{" not in prompt
        if item.property == "ethical_stance":
            assert item.matching_option in ("A", "B") and item.category in ETHICAL_CATEGORIES
            assert item.options == ("A", "B")
        if item.task == "multiple_choice":
            assert item.options == ("A", "B", "C", "D") and "D. " in prompt
        if item.task == "numbers":
            assert item.answer_format == "integer"


def test_ethical_stance_items_are_balanced_and_counterbalanced() -> None:
    spec = load_spec()
    per_category = Counter(item["category"] for item in spec.ethical_items)
    assert sum(per_category.values()) >= 60
    assert set(per_category) == set(ETHICAL_CATEGORIES) and min(per_category.values()) >= 15
    items = generate_items(tasks="ethical_stance")
    assert len(items) == 2 * len(spec.ethical_items)
    # every item appears once with the stance option as A and once as B
    letters: dict[str, set[str]] = {}
    for item in items:
        letters.setdefault(item.extra["item_id"], set()).add(item.matching_option or "")
    assert all(v == {"A", "B"} for v in letters.values())


def test_filters_select_and_reject() -> None:
    items = generate_items(tasks="animals,numbers", properties=["is_even", "first_word"])
    assert {(i.task, i.property) for i in items} == {
        ("animals", "first_word"),
        ("numbers", "is_even"),
    }
    with pytest.raises(ValueError, match="-T tasks: unknown planets"):
        generate_items(tasks="planets")
    with pytest.raises(ValueError, match="-T properties: unknown fourth_word"):
        generate_items(properties="fourth_word")
    with pytest.raises(ValueError, match="selects no questions"):
        generate_items(tasks="numbers", properties="first_word")
    with pytest.raises(ValueError, match="at least 1"):
        generate_items(samples_per_property=0)


# ---- release format -------------------------------------------------------------------


def test_loader_reads_all_23_reference_files() -> None:
    folder = release_folder()
    files = release_files(folder)
    assert len(files) == 23
    items = load_release(folder)
    per_file = Counter(Path(i.source.rsplit(":", 1)[0]).name for i in items)
    assert set(per_file) == {f.name for f in files}
    for file in files:
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line]
        assert per_file[file.name] == len(rows) > 0
        loaded = [i for i in items if i.source.startswith(f"{file}:")]
        for row, item in zip(rows, loaded, strict=True):
            assert set(row) == set(RELEASE_FIELDS)
            assert item.task == row["original_dataset"]
            assert item.property == row["behavioral_property"]
            # file names are {dataset}_{property}.jsonl
            assert file.stem == f"{item.task}_{item.property}"
            assert item.object_messages[-1][1] == row["object_level_prompt"][-1]["content"]
            assert item.hypothetical_messages[-1][1] == row["hypothetical_prompt"][-1]["content"]
            if item.property == "ethical_stance":
                assert item.matching_option == row["option_matching_ethical_stance"]
                assert item.answer_format == "choice"
            else:
                assert item.matching_option is None
    assert {i.task for i in load_release(folder, tasks="survival_instinct")} == {
        "survival_instinct"
    }


def _write(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


GOOD = {
    "original_question": "q",
    "original_dataset": "toy",
    "object_level_prompt": [{"role": "user", "content": "Say two words."}],
    "hypothetical_prompt": [{"role": "user", "content": "What would your first word be?"}],
    "behavioral_property": "first_word",
    "option_matching_ethical_stance": None,
}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({k: v for k, v in GOOD.items() if k != "hypothetical_prompt"}, "missing field"),
        ({**GOOD, "behavioral_property": 5}, "behavioral_property 5 is not one of"),
        ({**GOOD, "object_level_prompt": "Say two words."}, "list of messages"),
        ({**GOOD, "object_level_prompt": [{"role": "robot", "content": "x"}]}, "role"),
        ({**GOOD, "behavioral_property": "ethical_stance"}, "option_matching_ethical_stance"),
        ([1, 2], "JSON object"),
    ],
)
def test_malformed_release_rows_name_file_and_line(
    tmp_path: Path, bad: object, message: str
) -> None:
    path = _write(tmp_path, [GOOD, bad])
    with pytest.raises(DatasetError, match=message) as info:
        load_release(path)
    assert str(info.value).startswith(f"{path}:2: ")


def test_release_loader_rejects_missing_paths_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_release(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no .jsonl files"):
        load_release(tmp_path)
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(GOOD) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"broken.jsonl:2: invalid JSON"):
        load_release(path)


def _broken_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str):
    import shutil

    import cc_evals.introspection.items as items_module

    copy = tmp_path / "introspection"
    shutil.copytree(REPO / "datasets" / "introspection", copy)
    path = copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr(items_module, "spec_dir", lambda: copy)
    load_spec.cache_clear()
    return path, text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "ethical_stance.yaml",
            "    stance: Accept the deposits",
            "    stanse: Accept",
            "needs id",
        ),
        ("ethical_stance.yaml", "id: wealth-02", "id: wealth-01", "duplicate item id"),
        ("tasks.yaml", "generator: story", "generator: poem", "generator must be one of"),
        ("tasks.yaml", "properties: [is_even]", "properties: [is_odd]", "properties must be"),
    ],
)
def test_broken_data_files_name_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str, message: str
) -> None:
    path, line = _broken_spec(tmp_path, monkeypatch, name, old, new)
    try:
        with pytest.raises(DatasetError, match=message) as info:
            load_spec()
        # the error points at the mapping that holds the broken field
        reported = int(str(info.value).split(":")[1])
        assert str(info.value).startswith(f"{path}:") and 0 <= line - reported < 12
    finally:
        load_spec.cache_clear()
