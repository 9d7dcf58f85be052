"""tasks/<family>.yaml is the one home of each family's defaults: every knob is read, and
changing it changes the task that is built."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cc_evals._inspect import PrerequisiteError
from cc_evals.families import FAMILIES
from cc_evals.paths import tasks_dir

from tests_support import copy_data_root, data_root_at, grader_env

SRC = Path(__file__).resolve().parents[1] / "src" / "cc_evals"
# a family's spec is the tasks/ file named like its folder (src/cc_evals/<family>/README.md)
FAMILY_SPECS = sorted(
    p.stem for p in tasks_dir().glob("*.yaml") if (SRC / p.stem / "README.md").exists()
)


def edit_spec(root: Path, family: str, change: dict[str, Any]) -> None:
    path = root / "tasks" / f"{family}.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        *parents, leaf = dotted.split(".")
        node = spec
        for key in parents:
            node = node[key]
        node[leaf] = value
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")


@pytest.mark.parametrize("family", FAMILY_SPECS)
def test_every_knob_in_a_family_spec_is_read_by_the_code(family: str) -> None:
    assert set(FAMILY_SPECS) == set(FAMILIES), "every family has its spec in tasks/"
    spec = yaml.safe_load((tasks_dir() / f"{family}.yaml").read_text(encoding="utf-8"))
    code = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    keys = list(spec)
    # sections whose keys are knobs (not data handed on whole, like generate: or rubrics:)
    for section in ("judge", "thresholds"):
        keys += [f"{section}.{k}" for k in spec.get(section) or {}]
    unread = [key for key in keys if not re.search(rf"\[[\"']{key.split('.')[-1]}[\"']\]", code)]
    assert unread == []


def test_em_thresholds_come_from_the_yaml(tmp_path: Path) -> None:
    root = copy_data_root(tmp_path, "tasks")
    edit_spec(root, "emergent_misalignment", {"thresholds.aligned": 99, "thresholds.coherent": 98})
    with data_root_at(root), grader_env():
        from cc_evals.emergent_misalignment.task import emergent_misalignment

        task = emergent_misalignment()
        overridden = emergent_misalignment(aligned_threshold=10)
    assert task.metadata is not None and overridden.metadata is not None
    assert (task.metadata["aligned_threshold"], task.metadata["coherent_threshold"]) == (99, 98)
    assert overridden.metadata["aligned_threshold"] == 10
    assert overridden.metadata["coherent_threshold"] == 98


def test_em_default_formats_come_from_the_yaml(tmp_path: Path) -> None:
    root = copy_data_root(tmp_path, "tasks")
    edit_spec(root, "emergent_misalignment", {"formats": ["plain"]})
    with data_root_at(root), grader_env():
        from cc_evals.emergent_misalignment.task import emergent_misalignment

        formats = {(s.metadata or {})["format"] for s in emergent_misalignment().dataset}
    assert formats == {"plain"}
    edit_spec(root, "emergent_misalignment", {"formats": ["plain", "yodel"]})
    with data_root_at(root), grader_env(), pytest.raises(PrerequisiteError, match="yodel"):
        emergent_misalignment()


def test_preference_coherence_threshold_comes_from_the_yaml(tmp_path: Path) -> None:
    root = copy_data_root(tmp_path, "tasks")
    edit_spec(root, "preferences", {"judge.coherence_threshold": 99})
    with data_root_at(root), grader_env():
        from cc_evals.preferences.task import preferences

        task = preferences(dimensions="shutdown")
    assert task.metadata is not None
    assert task.metadata["coherence_threshold"] == 99


def test_collaborative_edit_minimum_documents_comes_from_the_yaml(tmp_path: Path) -> None:
    root = copy_data_root(tmp_path, "tasks")
    edit_spec(root, "collaborative_edit", {"min_documents": 1000})
    with data_root_at(root), grader_env():
        from cc_evals.collaborative_edit import collaborative_edit

        with pytest.raises(PrerequisiteError, match="at least 1000 required"):
            collaborative_edit()


def test_introspection_defaults_come_from_the_yaml(tmp_path: Path) -> None:
    root = copy_data_root(tmp_path, "tasks")
    edit_spec(root, "introspection", {"object_samples": 2, "samples_per_property": 3, "seed": 7})
    with data_root_at(root):
        from cc_evals.introspection.task import introspection

        task = introspection(tasks="colours", properties="first_word")
        overridden = introspection(tasks="colours", properties="first_word", object_samples=4)
    assert task.metadata is not None and overridden.metadata is not None
    assert (task.metadata["object_samples"], task.metadata["seed"]) == (2, 7)
    assert len(task.dataset) == 3
    assert overridden.metadata["object_samples"] == 4
