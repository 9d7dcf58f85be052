"""Locate the published reference files that loader tests read (never copied into the repo).

CI clones the repository with ``shared/`` beside it, so the default is ``<repo>/../shared``;
``CC_EVALS_SHARED`` overrides it (e.g. when running from a worktree). A missing folder fails
the test with a message saying where it looked; it is never skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    override = os.environ.get("CC_EVALS_SHARED")
    return Path(override) if override else REPO_ROOT.parent / "shared"


def reference_file(*parts: str) -> Path:
    path = shared_dir().joinpath("reference", *parts)
    if not path.exists():
        pytest.fail(
            f"reference file missing: {path} (expected <repo>/../shared/reference; "
            "set CC_EVALS_SHARED to the shared folder)",
            pytrace=False,
        )
    return path
