# tests/watch/lib.sh - helpers for the kcops watch integration tests (bash).
#	. "$(dirname "$0")/lib.sh"
# Gives: T (a temporary directory removed at exit), fail MSG, note MSG, bg CMD... (run in the
# background, killed at exit; pid in BG_PID), start_worker [PORT] (embedded Kafka, state in
# $T/worker kept across restarts; sets WORKER_URL, WORKER_PID, WORKER_LOG), stop_worker,
# free_port, rest METHOD PATH [BODY] (sets CODE and BODY), start_hook OUT [FAIL_FIRST]
# (sets HOOK_URL), wait_event FILE KIND [CONNECTOR] [SECONDS] (prints the event line),
# count_events FILE KIND [CONNECTOR], jq_py FILE EXPR (evaluates a Python expression over
# `ev`, the JSON of a one-line file or a string).
set -euo pipefail

KCOPS_BUILD_ROOT=${KCOPS_BUILD_ROOT:?run through meson test (KCOPS_BUILD_ROOT unset)}
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
KCOPS_WORKER=${KCOPS_WORKER:-$KCOPS_BUILD_ROOT/backend/worker/kcops-worker}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/kcops-watch-test.XXXXXX")
_bg_pids=()

_cleanup() {
	local rc=$? p
	for p in "${_bg_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${_bg_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$rc" != 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		for f in "$T"/*.log "$T"/*.ndjson; do
			[ -f "$f" ] || continue
			echo "---- $f (last 40 lines)" >&2
			tail -40 "$f" >&2
		done
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
	return $rc
}
trap _cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

bg() {
	"$@" &
	BG_PID=$!
	_bg_pids+=("$BG_PID")
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_worker() {
	local i port=${1:-0}
	mkdir -p "$T/worker"
	WORKER_LOG=$T/worker.log
	bg "$KCOPS_WORKER" --embedded-kafka --set "listeners=http://127.0.0.1:$port" \
		--set "state.dir=$T/worker" >"$T/worker.out" 2>>"$WORKER_LOG"
	WORKER_PID=$BG_PID
	WORKER_URL=
	for ((i = 0; i < 400; i++)); do
		WORKER_URL=$(sed -n 's/^kcops-worker listening on //p' "$T/worker.out")
		[ -n "$WORKER_URL" ] && break
		kill -0 "$WORKER_PID" 2>/dev/null || fail "kcops-worker exited: $(tail -5 "$WORKER_LOG")"
		sleep 0.025
	done
	[ -n "$WORKER_URL" ] || fail "kcops-worker printed no URL within 10 s"
	for ((i = 0; i < 200; i++)); do
		curl -sf -o /dev/null --max-time 2 "$WORKER_URL/" && return 0
		sleep 0.05
	done
	fail "kcops-worker at $WORKER_URL does not answer"
}

stop_worker() {
	kill -TERM "$WORKER_PID" 2>/dev/null || true
	wait "$WORKER_PID" 2>/dev/null || true
}

rest() {
	local method=$1 path=$2 out=$T/.rest
	if [ $# -ge 3 ]; then
		CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X "$method" \
			-H 'Content-Type: application/json' --data-binary "$3" "$WORKER_URL$path") || CODE=000
	else
		CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X "$method" "$WORKER_URL$path") ||
			CODE=000
	fi
	BODY=$(cat "$out")
}

start_hook() {
	local i
	: >"$1"
	bg "$PY" "$HERE/hook_server.py" "$1" "${2:-0}" >"$T/hook.port"
	for ((i = 0; i < 200; i++)); do
		HOOK_PORT=$(sed -n 's/^port=//p' "$T/hook.port")
		[ -n "$HOOK_PORT" ] && break
		sleep 0.025
	done
	[ -n "$HOOK_PORT" ] || fail "the webhook receiver did not start"
	HOOK_URL=http://127.0.0.1:$HOOK_PORT/hook
}

# Lines of FILE whose event is KIND (and connector CONNECTOR when given).
_events() {
	"$PY" - "$@" <<'PYEOF'
import json, sys
path, kind = sys.argv[1], sys.argv[2]
conn = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
try:
    lines = open(path).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    if not line.strip():
        continue
    ev = json.loads(line)
    if ev.get("event") == kind and (conn is None or ev.get("connector") == conn):
        print(line)
PYEOF
}

wait_event() {
	local file=$1 kind=$2 conn=${3:-} secs=${4:-30} i out
	for ((i = 0; i < secs * 10; i++)); do
		out=$(_events "$file" "$kind" "$conn" | head -1)
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	fail "no '$kind' event${conn:+ for $conn} in $file within ${secs}s"
}

count_events() {
	_events "$1" "$2" "${3:-}" | wc -l
}

# jq_py JSON EXPR: evaluate EXPR with `ev` bound to the parsed JSON text; prints the result.
jq_py() {
	"$PY" -c 'import json,sys; ev=json.loads(sys.argv[1]); r=eval(sys.argv[2]); print(r if isinstance(r,str) else json.dumps(r))' "$1" "$2"
}

# check JSON EXPR WHAT: fail unless EXPR (Python, over `ev`) is true.
check() {
	local r
	r=$(jq_py "$1" "bool($2)") || fail "$3: cannot evaluate $2"
	[ "$r" = "true" ] || fail "$3: expected $2, in: $1"
}
