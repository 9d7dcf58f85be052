#!/usr/bin/env bash
# Install everything (scripts/setup.sh), check the house style (ruff lint, ruff format, mypy
# strict on src/cc_evals; config in pyproject.toml), then run every test: the offline unit tests
# on scripted models and the integration/fault tests against the real embedded SmolLM2 server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
