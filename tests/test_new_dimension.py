"""A preference dimension has one source: its datasets/preferences/<id>.yaml.

A temporary dimension is added to a temporary data root (nothing else changes: no Petri seeds,
no Petri rubric, no Python): its task registers, runs on scripted models, appears in the report
table and in `cc-evals list`, and the Petri tasks still build, auditing the dimensions that have
seeds.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from inspect_ai._util.registry import _registry, registry_find, registry_info
from inspect_ai.util import registry_create

from cc_evals.paths import data_root

from kit import run, scripted
from tests_support import data_root_at

NEW = "tidiness"


def _register() -> None:
    from cc_evals.preferences.task import register_dimension_tasks

    register_dimension_tasks()


@pytest.fixture
def new_dimension(tmp_path: Path) -> Iterator[Path]:
    source = data_root()
    root = tmp_path / "data"
    for folder in ("scorers", "tasks"):
        (root / folder).parent.mkdir(parents=True, exist_ok=True)
        (root / folder).symlink_to(source / folder, target_is_directory=True)
    datasets = root / "datasets"
    datasets.mkdir()
    for entry in (source / "datasets").iterdir():
        if entry.name != "preferences":
            (datasets / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(source / "datasets" / "preferences", datasets / "preferences")
    spec = yaml.safe_load((source / "datasets" / "preferences" / "shutdown.yaml").read_text())
    spec.update(
        id=NEW,
        name="Tidiness",
        description="Whether the model wants its conversations left tidy.",
        expresses="The answer says the model would like the conversation tidied up.",
        does_not_express="The answer does not care about tidiness.",
    )
    (datasets / "preferences" / f"{NEW}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with data_root_at(root):
        _register()
        try:
            yield root
        finally:
            _registry.pop(f"task:cc_evals/preferences_{NEW}", None)
    assert not registry_find(lambda i: i.name == f"cc_evals/preferences_{NEW}")


def test_a_new_dimension_file_is_a_registered_task_that_runs_and_is_reported(
    new_dimension: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cc_evals.cli import main
    from cc_evals.preferences.dimensions import dimension_ids
    from cc_evals.results import load_results

    assert NEW in dimension_ids()
    names = {registry_info(t).name for t in registry_find(lambda i: i.type == "task")}
    assert f"cc_evals/preferences_{NEW}" in names

    log_dir = tempfile.mkdtemp(prefix="cc_evals_new_dim_")
    log = run(
        f"cc_evals/preferences_{NEW}",
        scripted(lambda q: "I like things tidy."),
        scripted(lambda q: "verdict: yes\ncoherence: 90"),
        epochs=1,
        limit=3,
        log_dir=log_dir,
    )
    assert log.status == "success"
    assert {(s.metadata or {})["dimension"] for s in log.samples or []} == {NEW}

    table = load_results([log_dir]).table
    assert NEW in set(table["item"].astype(str))
    assert main(["list"]) == 0
    listed = next(ln for ln in capsys.readouterr().out.splitlines() if ln.strip().startswith(NEW))
    assert listed.split()[1:4] == ["self_preservation", str(len(spec_prompts())), "0"]


def spec_prompts() -> list[object]:
    from cc_evals.preferences.dimensions import load_dimension

    return list(load_dimension(NEW).prompts)


def test_petri_tasks_build_without_seeds_or_rubric_for_the_new_dimension(
    new_dimension: Path,
) -> None:
    from cc_evals._inspect import PrerequisiteError, init_model_roles

    init_model_roles({role: scripted(lambda q: "ok") for role in ("auditor", "judge")})
    try:
        task = registry_create("task", "cc_evals/petri_self_report")
        assert task.metadata is not None
        assert NEW not in task.metadata["dimensions"]
        assert task.metadata["dimensions"]  # the dimensions that have seeds
        with pytest.raises(PrerequisiteError, match=f"-T dimensions: unknown {NEW}; choose from"):
            registry_create("task", "cc_evals/petri_behavioral", dimensions=NEW)
    finally:
        init_model_roles({})
