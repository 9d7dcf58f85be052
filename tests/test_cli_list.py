"""`cc-evals list`: every family, every registered task, every dimension with its prompt count."""

from __future__ import annotations

import pytest

from cc_evals.cli import main
from cc_evals.families import FAMILIES
from cc_evals.preferences.dimensions import dimension_ids, load_dimension


def test_list_shows_families_tasks_and_dimension_counts(capsys: pytest.CaptureFixture) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for family in FAMILIES:
        assert f"\n{family} (" in out
    assert "cc_evals/preferences_shutdown" in out and "cc_evals/collaborative_edit" in out
    for did in dimension_ids():
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(did + " "))
        assert line.split()[2] == str(len(load_dimension(did).prompts))
