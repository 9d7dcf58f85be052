"""Inspect entry point: every registered cc_evals task. Keep imports cheap."""
