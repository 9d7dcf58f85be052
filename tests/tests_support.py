"""Small helpers shared by the tests (beside kit.py, which runs evaluations)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inspect_ai.model._model import init_model_roles

from kit import scripted


@contextmanager
def grader_env() -> Iterator[None]:
    """Bind the grader role to a scripted model, as `--model-role grader=...` would."""
    init_model_roles({"grader": scripted(lambda _: "verdict: no\ncoherence: 90")})
    try:
        yield
    finally:
        init_model_roles({})
