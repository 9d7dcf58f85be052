"""cc_evals: Inspect AI evaluations of an LLM's self-model."""

__version__ = "0.1.0"
