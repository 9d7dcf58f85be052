#!/usr/bin/env bash
# Time `cc-evals report` over the 1,000,000-sample synthetic logs (run make_logs.py first):
# cold (no cache; it writes one), warm after adding one log (reads that log; tidy rows and
# unchanged figures from the cache), and --no-cache (reads every log); then checks that the warm
# and --no-cache reports wrote the same tidy.csv, tables and report.md.
# Prints wall time, CPU time (all processes) and peak memory of each run; the load average
# before each shows whether other work shared the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOGS=${1:-benchmarks/report_1m/logs}
WORK=${2:-/tmp/report_1m_bench}
PY=${PYTHON:-.venv/bin/python}
rm -rf "$WORK"
mkdir -p "$WORK/logs" "$WORK/held"
# hard links where the file system allows (the logs are not modified), else copies
mapfile -t all < <(ls "$LOGS"/*.eval | sort)
last=${all[-1]}
for f in "${all[@]}"; do
  [ "$f" = "$last" ] && continue
  ln "$f" "$WORK/logs/" 2>/dev/null || cp "$f" "$WORK/logs/"
done
cp "$last" "$WORK/held/"
run() {
  local label=$1
  shift
  echo "== $label; cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "$label: wall %e s, user %U s, system %S s, peak RSS %M KiB" \
    "$PY" -m cc_evals.cli report "$WORK/logs" --seeds "$LOGS/seeds.yaml" \
    --by group,condition --baseline ckpt00 "$@"
}
run "cold ($((${#all[@]} - 1)) logs, no cache yet)" --out "$WORK/report"
cp "$WORK/held/$(basename "$last")" "$WORK/logs/"
run "warm (one new log; the same --out)" --out "$WORK/report"
run "--no-cache (reads every log)" --out "$WORK/fresh" --no-cache
for f in tidy.csv summary.csv seed_rates.csv seeds.csv comparisons.csv report.md; do
  cmp "$WORK/report/$f" "$WORK/fresh/$f"
done
echo "warm and --no-cache reports are identical (tidy.csv, tables, report.md)"
echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
