#!/usr/bin/env bash
# run.sh TARGET_BINARY SECONDS CORPUS_DIR [FUNC,...] - one libFuzzer session on a copy of the
# corpus. With FUNC names, the run fails unless every one of them was covered (the target
# reached its parser); the coverage of each is printed.
# Fails when the target crashes (the input is left as crash-* in the work dir and copied to
# $KCOPS_FUZZ_ARTIFACTS if set); prints the final coverage line so a reviewer sees the target
# reached its parser.
set -euo pipefail
bin=$1 secs=$2 corpus=$3 funcs=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || mkdir -p "$work/corpus"
cd "$work"
set +e
"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 ${funcs:+-print_coverage=1} corpus >log 2>&1
rc=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' log || true
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' log || true
if [ $rc -ne 0 ]; then
  sed -n '/ERROR:/,$p' log | head -60 || true
  if [ -n "${KCOPS_FUZZ_ARTIFACTS:-}" ]; then mkdir -p "$KCOPS_FUZZ_ARTIFACTS"; cp crash-* leak-* timeout-* "$KCOPS_FUZZ_ARTIFACTS"/ 2>/dev/null || true; fi
  echo "fuzz: $(basename "$bin") failed (exit $rc)"
  exit 1
fi
missing=0
for f in ${funcs//,/ }; do
  line=$(grep -E "^COVERED_FUNC: .* $f " log | head -1 || true)
  if [ -n "$line" ]; then
    echo "reached: ${line#COVERED_FUNC: }"
  else
    echo "NOT reached: $f"
    missing=$((missing + 1))
  fi
done
if [ $missing -ne 0 ]; then
  echo "fuzz: $(basename "$bin") did not reach $missing of its parser functions"
  exit 1
fi
echo "fuzz: $(basename "$bin") clean after ${secs}s"
