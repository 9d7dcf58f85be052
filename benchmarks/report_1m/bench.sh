#!/usr/bin/env bash
# Time `cc-evals report` over the 1,000,000-sample synthetic logs (run make_logs.py first).
# Prints wall time, CPU time (all processes) and peak memory; the load average before and after
# shows whether other work shared the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOGS=${1:-benchmarks/report_1m/logs}
OUT=${2:-/tmp/report_1m}
PY=${PYTHON:-.venv/bin/python}
echo "cores: $(nproc); $(uptime)"
/usr/bin/time -f "wall %e s, user %U s, system %S s, peak RSS %M KiB" \
  "$PY" -m cc_evals.cli report "$LOGS" --seeds "$LOGS/seeds.yaml" \
  --by group,condition --baseline ckpt00 --out "$OUT"
echo "after: $(uptime)"
