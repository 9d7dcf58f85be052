"""Locate the suite's data folders (datasets/, scorers/, tasks/).

In a wheel they live inside the package under ``cc_evals/_data``; in an editable
install or a source checkout they are the repository's top-level folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent

# where `cc-evals judge-check` writes its logs by default, and the report looks for them
CHECKS_DIR = "judge_checks"


@cache
def data_root() -> Path:
    packaged = _PACKAGE_DIR / "_data"
    if (packaged / "datasets").is_dir():
        return packaged
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "datasets").is_dir():
        return checkout
    raise FileNotFoundError(
        f"cc_evals data folders not found: looked in {packaged} and {checkout}. "
        "Reinstall the package (pip install cc-evals) or run from a source checkout."
    )


def datasets_dir() -> Path:
    return data_root() / "datasets"


def scorers_dir() -> Path:
    return data_root() / "scorers"


def tasks_dir() -> Path:
    return data_root() / "tasks"
