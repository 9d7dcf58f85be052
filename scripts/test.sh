#!/usr/bin/env bash
# Install everything (scripts/setup.sh) and run every test: the offline unit tests on scripted
# models and the integration/fault tests against the real embedded SmolLM2 server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest -q "$@"
