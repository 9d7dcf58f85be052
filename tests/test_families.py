"""The one list of families: each has a package, a registered task and a report adapter."""

from __future__ import annotations

import importlib

import pytest

from cc_evals.families import EXTERNAL, FAMILIES, adapter, family_of


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_has_its_package_and_adapter(family: str) -> None:
    importlib.import_module(f"cc_evals.{family}")
    assert adapter(family).family == family
    assert family_of(f"cc_evals/{family}") == family


def test_family_of_takes_the_longest_match_and_unknown_tasks_stay_themselves() -> None:
    assert family_of("cc_evals/preferences_shutdown") == "preferences"
    assert family_of("cc_evals/petri_self_report") == "petri"
    assert family_of("cc_evals/self_report") == "self_report"
    assert family_of("cc_evals/nothing_known") == "nothing_known"


def test_unknown_family_has_no_adapter_and_says_which_exist() -> None:
    assert adapter(EXTERNAL).family == EXTERNAL
    with pytest.raises(ValueError, match="known: preferences"):
        adapter("no_such_family")
