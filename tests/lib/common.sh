# tests/lib/common.sh - shared bash helpers for kcops tests. Source it:
#	. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
# Gives: kc_fail MSG (prints "FAIL: MSG" to stderr, exits 1), kc_note MSG, kc_on_exit CMD
# (run at EXIT, last registered first), kc_dump_on_fail FILE (its tail printed when the test
# fails), kc_tmpdir (a new temporary directory removed at EXIT,
# path in $KC_TMP_LAST), kc_free_port (a free loopback TCP port), kc_dead_port (sets
# KC_DEAD_PORT, a port that refuses connections while the test runs), kc_wait_http URL [SECONDS]
# (until a 2xx answer), kc_http METHOD URL [BODY] (sets HTTP_CODE and HTTP_BODY),
# kc_expect_code CODE WHAT.
set -euo pipefail

KCOPS_SOURCE_ROOT=${KCOPS_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KCOPS_BUILD_ROOT=${KCOPS_BUILD_ROOT:-$KCOPS_SOURCE_ROOT/build}
KC_PY=${KC_PY:-/usr/bin/python3}

_kc_exit_cmds=()
_kc_devnull_at_start=$([ -c /dev/null ] && echo device || echo broken)

_kc_dump_files=()

_kc_run_exit() {
	local rc=$? i f
	# a failed test shows the end of the logs it registered (the temporary directories that
	# hold them are about to go): a CI failure can then be read without a re-run
	if [ "$rc" != 0 ]; then
		for f in "${_kc_dump_files[@]}"; do
			[ -s "$f" ] || continue
			echo "---- last 100 lines of $f ----" >&2
			tail -n 100 "$f" >&2 || true
		done
	fi
	for ((i = ${#_kc_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_kc_exit_cmds[$i]}" >/dev/null 2>&1 || true
	done
	# a test that replaces /dev/null (an in-place edit or a rename onto a path that was
	# /dev/null) breaks every later test (tmux will not start): name the culprit
	if [ ! -c /dev/null ]; then
		if [ "$_kc_devnull_at_start" = device ]; then
			echo "FAIL: $0 left /dev/null a $(stat -c %F /dev/null)" >&2
		else
			echo "FAIL: /dev/null was already a $(stat -c %F /dev/null) when $0 started" >&2
		fi
		rc=1
	fi
	return $rc
}
trap _kc_run_exit EXIT

kc_on_exit() { _kc_exit_cmds+=("$1"); }

# kc_dump_on_fail FILE: when the test fails, print FILE's last lines to stderr at exit
kc_dump_on_fail() { _kc_dump_files+=("$1"); }

kc_fail() { echo "FAIL: $*" >&2; exit 1; }

# kc_grepq [GREP OPTIONS] PATTERN: `grep -q` that reads all of its input first. Under
# pipefail, `producer | grep -q ...` fails at random: grep exits at the first match while the
# producer is still writing (bash's printf writes line by line), which then dies of SIGPIPE
# and makes the pipeline's status 141.
kc_grepq() { local in; in=$(cat; echo .); grep -q "$@" <<<"${in%.}"; }
kc_note() { echo "# $*" >&2; }

kc_tmpdir() {
	KC_TMP_LAST=$(mktemp -d "${TMPDIR:-/tmp}/kcops-test.XXXXXX")
	kc_on_exit "rm -rf '$KC_TMP_LAST'"
}

kc_free_port() {
	"$KC_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# kc_dead_port: sets KC_DEAD_PORT to a loopback port that refuses connections for the whole
# test. A helper holds it bound without listening, so no other process (parallel tests open
# listeners all the time) can take it, which a port from kc_free_port cannot promise.
kc_dead_port() {
	local f i
	kc_tmpdir
	f=$KC_TMP_LAST/port
	"$KC_PY" -c 'import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f: f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(3600)' "$f" >"$KC_TMP_LAST/out" 2>&1 &
	kc_on_exit "kill $!"
	for ((i = 0; i < 400; i++)); do
		[ -s "$f" ] && break
		sleep 0.025
	done
	[ -s "$f" ] || kc_fail "kc_dead_port: the helper did not start: $(cat "$KC_TMP_LAST/out")"
	KC_DEAD_PORT=$(cat "$f")
}

# kc_wait_http URL [SECONDS]: wait until URL answers 2xx.
kc_wait_http() {
	local url=$1 t=${2:-20} i
	for ((i = 0; i < t * 20; i++)); do
		if curl -sf -o /dev/null --max-time 2 "$url"; then return 0; fi
		sleep 0.05
	done
	kc_fail "no 2xx answer from $url within ${t}s"
}

# kc_http METHOD URL [BODY]: sets HTTP_CODE and HTTP_BODY.
kc_http() {
	local method=$1 url=$2 out
	out=$(mktemp)
	if [ $# -ge 3 ]; then
		HTTP_CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X "$method" \
			-H 'Content-Type: application/json' --data-binary "$3" "$url") || HTTP_CODE=000
	else
		HTTP_CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X "$method" "$url") ||
			HTTP_CODE=000
	fi
	HTTP_BODY=$(cat "$out")
	rm -f "$out"
}

# kc_expect_code CODE WHAT: the last kc_http answered CODE.
kc_expect_code() {
	[ "$HTTP_CODE" = "$1" ] || kc_fail "$2: expected HTTP $1, got $HTTP_CODE: $HTTP_BODY"
}

# kc_json EXPR: evaluate a Python expression on the JSON in $HTTP_BODY (bound to `j`).
kc_json() {
	HTTP_BODY=$HTTP_BODY "$KC_PY" -c 'import json,os,sys; j=json.loads(os.environ["HTTP_BODY"]); r=eval(sys.argv[1]); print(json.dumps(r) if not isinstance(r,str) else r)' "$1"
}
