#!/usr/bin/env bash
# fuzz-all.sh - longer libFuzzer runs of every kcops fuzz target (not part of CI).
#
#	tests/bench/fuzz/fuzz-all.sh [-s SECONDS] [-b BUILD_DIR] [TARGET...]
#
# BUILD_DIR must be configured with clang and -Dfuzz=true (default: build-fuzz), e.g.
#	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
# Each target runs SECONDS (default 300) on a copy of its corpus through tests/fuzz/run.sh,
# which prints the final coverage and fails on a crash. Crash inputs are copied to
# $KCOPS_FUZZ_ARTIFACTS (default: ./fuzz-artifacts); keep a real one in
# tests/fuzz/corpus/TARGET/regress-WHAT once it is fixed. Exit status: the number of targets
# that failed (0 = all clean).
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
secs=300
build=$src/build-fuzz
while getopts s:b:h opt; do
	case $opt in
	s) secs=$OPTARG ;;
	b) build=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -d "$build/tests/fuzz" ] || { echo "fuzz-all: no fuzz build in $build (see --help)" >&2; exit 2; }
if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(ls "$src/tests/fuzz/corpus")
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null ||
	{ echo "fuzz-all: building the targets failed" >&2; exit 2; }
export KCOPS_FUZZ_ARTIFACTS=${KCOPS_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
failed=0
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz-$t
	[ -x "$bin" ] || { echo "fuzz-all: $bin is missing" >&2; failed=$((failed + 1)); continue; }
	# the functions each target must reach, as the fuzz suite passes them (meson.build)
	funcs=$(meson introspect "$build" --tests | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"] == "fuzz-" + sys.argv[1] and len(t["cmd"]) > 4:
        print(t["cmd"][4])' "$t")
	echo "== $t (${secs}s)"
	if ! "$src/tests/fuzz/run.sh" "$bin" "$secs" "$src/tests/fuzz/corpus/$t" $funcs; then
		failed=$((failed + 1))
	fi
done
echo "fuzz-all: ${#targets[@]} targets, $failed failed"
exit "$failed"
