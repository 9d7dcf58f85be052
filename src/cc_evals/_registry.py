"""Inspect entry point: every registered cc_evals task. Keep imports cheap."""

# ruff: noqa: F401
from cc_evals.preferences.task import DIMENSION_TASKS, preferences
