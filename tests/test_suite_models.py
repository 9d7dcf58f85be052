"""Suites over Tinker-hosted models: tasks/published_models.yaml and tasks/tinker_published.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_evals.cli import main
from cc_evals.data import load_yaml, strip_lines
from cc_evals.paths import tasks_dir
from cc_evals.suite import load_suite
from cc_evals.tinker import load_published_models


def test_dry_run_lists_every_checkpoint_beside_its_base_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = strip_lines(load_yaml(tasks_dir() / "published_models.yaml"))["models"]
    assert main(["suite", "tinker_published", "--dry-run"]) == 0
    out = capsys.readouterr().out
    models = out.split("models:\n", 1)[1]
    for entry in raw:
        assert f"tinker/{entry['model']}  (base model)" in models
        label = f"{entry['condition']} seed {entry['seed']} of {entry['model']}"
        if entry["checkpoint"]:
            assert f"tinker/{entry['checkpoint']}  ({label})" in models
        else:
            assert f"to be filled: {label}" in models
    # a checkpoint's line comes after its base model's line
    lines = models.splitlines()
    for entry in raw:
        if entry["checkpoint"]:
            base = next(i for i, x in enumerate(lines) if f"tinker/{entry['model']} " in x)
            ckpt = next(i for i, x in enumerate(lines) if entry["checkpoint"] in x)
            assert base < ckpt
    suite = load_suite("tinker_published")
    runnable = {f"tinker/{e['checkpoint']}" for e in raw if e["checkpoint"]}
    bases = {f"tinker/{e['model']}" for e in raw}
    assert set(suite.models) == runnable | bases


def test_every_published_entry_names_its_source() -> None:
    entries = load_published_models(tasks_dir() / "published_models.yaml")
    assert entries and all(e.source for e in entries)
    assert all(e.checkpoint is None or e.checkpoint.startswith("tinker://") for e in entries)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("checkpoint: /local/path", "checkpoint must be a tinker://"),
        ("colour: blue", "unknown field(s) colour"),
        ("seed: one", "field 'seed' must be int"),
    ],
)
def test_bad_published_file_is_a_file_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    published = tmp_path / "published.yaml"
    fields = {"model": "a/b", "condition": "c", "seed": "1", "checkpoint": "null", "source": "s"}
    key = row.split(":", 1)[0]
    fields[key] = row.split(":", 1)[1].strip()
    body = "\n".join(f"    {k}: {v}" for k, v in fields.items())
    published.write_text("models:\n  -\n" + body + "\n")
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "name: t\npublished_models: published.yaml\ntasks: [cc_evals/preferences_shutdown]\n"
    )
    assert main(["suite", str(suite), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and f"{published}:3" in err and len(err.splitlines()) == 1
