# tests/cli/lib.sh - helpers for the CLI tests (source after tests/lib/common.sh).
#	replay_start SCENARIO.json	start tests/cli/replay.py on a free port: URL, LOG
#	replay_stop
#	run ARGS...			run kcops (KCOPS_URL=$URL unless --config is given);
#					sets RC, OUT (stdout file), ERR (stderr file)
#	expect_rc N, expect_out TEXT, expect_out_eq TEXT, expect_err TEXT, expect_err_re RE,
#	expect_no_escape, jq_check JQ_EXPR WHAT (jq -e over stdout)
#	expect_log 'METHOD PATH-SUBSTRING', expect_no_log TEXT, expect_log_count 'METHOD PATH' N,
#	expect_log_body 'METHOD PATH' TEXT, expect_no_log_body 'METHOD PATH' TEXT,
#	expect_log_auth 'METHOD PATH' VALUE, expect_log_header 'METHOD PATH' NAME VALUE, log_reset
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
[ -x "$KCOPS" ] || kc_fail "kcops binary not found at $KCOPS"
kc_tmpdir
T=$KC_TMP_LAST
export KCOPS_CONFIG=$T/no-such-config.json
export NO_COLOR=
unset KCOPS_URL KCOPS_CONTEXT
URL=
LOG=
_replay_pid=

replay_start() {
	local i
	LOG=$T/requests.log
	: >"$LOG"
	rm -f "$T/port"
	"$KC_PY" "$KCOPS_SOURCE_ROOT/tests/cli/replay.py" "$KCOPS_SOURCE_ROOT/tests/data/connect/$1" \
		"$T/port" "$LOG" &
	_replay_pid=$!
	kc_on_exit "kill $_replay_pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	[ -s "$T/port" ] || kc_fail "replay server for $1 did not start"
	URL=http://127.0.0.1:$(cat "$T/port")
	SCENARIO=$1
	kc_note "scenario $1 on $URL"
}

replay_stop() {
	kill "$_replay_pid" 2>/dev/null || true
	wait "$_replay_pid" 2>/dev/null || true
}

log_reset() { : >"$LOG"; }

run() {
	OUT=$T/out
	ERR=$T/err
	LAST="kcops $*"
	RC=0
	case " $* " in
	*" --config "*) env -u KCOPS_URL "$KCOPS" "$@" >"$OUT" 2>"$ERR" || RC=$? ;;
	*) KCOPS_URL=$URL "$KCOPS" "$@" >"$OUT" 2>"$ERR" || RC=$? ;;
	esac
}

_show() {
	echo "--- $LAST (rc=$RC) [${SCENARIO:-}]" >&2
	echo "--- stdout:" >&2
	head -c 3000 "$OUT" >&2
	echo "--- stderr:" >&2
	head -c 3000 "$ERR" >&2
	if [ -n "$LOG" ] && [ -f "$LOG" ]; then
		echo "--- requests:" >&2
		"$KC_PY" -c 'import json,sys
for l in open(sys.argv[1]): r=json.loads(l); print(r["method"], r["path"])' "$LOG" >&2
	fi
}

_fail() { _show; kc_fail "$*"; }

expect_rc() { [ "$RC" = "$1" ] || _fail "$LAST: exit code $RC, expected $1"; }
expect_out() { grep -qF -- "$1" "$OUT" || _fail "$LAST: stdout lacks '$1'"; }
expect_out_eq() { [ "$(cat "$OUT")" = "$1" ] || _fail "$LAST: stdout is not exactly '$1'"; }
expect_err() { grep -qF -- "$1" "$ERR" || _fail "$LAST: stderr lacks '$1'"; }
expect_err_re() { grep -qE -- "$1" "$ERR" || _fail "$LAST: stderr does not match /$1/"; }
expect_no_escape() {
	if grep -q $'\033' "$OUT" "$ERR"; then _fail "$LAST: printed a raw ESC from the network"; fi
}

jq_check() {
	jq -e "$1" "$OUT" >/dev/null 2>"$T/jq.err" || { cat "$T/jq.err" >&2; _fail "$LAST: $2: $1"; }
}

# Lines "METHOD PATH" of the request log.
_reqs() {
	"$KC_PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["method"], r["path"])' "$LOG"
}

expect_log() { _reqs >"$T/reqs"; grep -qF -- "$1" "$T/reqs" || _fail "$LAST: no request '$1'"; }
expect_no_log() {
	_reqs >"$T/reqs"
	if grep -qF -- "$1" "$T/reqs"; then _fail "$LAST: unexpected request '$1'"; fi
}
expect_log_count() {
	local n
	_reqs >"$T/reqs"
	n=$(grep -cxF -- "$1" "$T/reqs" || true)
	[ "$n" = "$2" ] || _fail "$LAST: '$1' sent $n times, expected $2"
}

# _req_field 'METHOD PATH' FIELD: the field of the last matching request (JSON).
_req_field() {
	"$KC_PY" - "$LOG" "$1" "$2" <<'PY'
import json, sys
log, want, field = sys.argv[1:4]
hit = None
for l in open(log):
    r = json.loads(l)
    if r["method"] + " " + r["path"] == want:
        hit = r
if hit is None:
    sys.exit(3)
v = hit[field]
print(v if isinstance(v, str) else json.dumps(v))
PY
}

expect_log_body() {
	local b
	b=$(_req_field "$1" body) || _fail "$LAST: no request '$1'"
	b=$(printf '%s' "$b" | "$KC_PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=0))')
	grep -qF -- "$2" <<<"$b" || _fail "$LAST: body of '$1' lacks '$2': $b"
}
expect_no_log_body() {
	local b
	b=$(_req_field "$1" body) || _fail "$LAST: no request '$1'"
	if grep -qF -- "$2" <<<"$b"; then _fail "$LAST: body of '$1' has '$2'"; fi
}
expect_log_auth() {
	local a
	a=$(_req_field "$1" authorization) || _fail "$LAST: no request '$1'"
	[ "$a" = "$2" ] || _fail "$LAST: Authorization of '$1' is '$a', expected '$2'"
}
expect_log_header() {
	local h
	h=$(_req_field "$1" headers) || _fail "$LAST: no request '$1'"
	printf '%s' "$h" | "$KC_PY" -c 'import json,sys
h = {k.lower(): v for k, v in json.load(sys.stdin).items()}
sys.exit(0 if h.get(sys.argv[1].lower()) == sys.argv[2] else 1)' "$2" "$3" ||
		_fail "$LAST: header $2 of '$1' is not '$3': $h"
}
