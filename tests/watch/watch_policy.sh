#!/bin/bash
# watch_policy.sh - who kcops watch restarts, and --once / --exec / --apply, against a real
# kcops-worker:
#  - a connector the state file wants paused is never restarted (reported, with the reason);
#  - with --managed-only, a connector not in the state file is left alone;
#  - --exec gets each notified event as JSON on stdin, run without a shell;
#  - --once runs one cycle and exits 0; a failed connector is restarted at once;
#  - --apply applies the plan (create the missing connector, pause the one meant paused);
#  - with one poll every 30 s, a capped, unlimited back-off still restarts on time (gaps
#    equal to the cap, as the worker saw them), never giving up;
#  - usage errors, a state file wrong at start-up, --format text, --state -.
. "$(dirname "$0")/lib.sh"

start_worker
rest PUT /admin/loggers/kcops.worker.rest '{"level":"DEBUG"}'

failing() {	# failing NAME QUEUE: an HTTP sink whose queue never gets a consumer
	rest POST /connectors "{\"name\":\"$1\",\"config\":{\"connector.class\":\"kcops.http.HttpSinkConnector\",
	 \"topics\":\"$1\",\"publish.mode\":\"IN_MEMORY_QUEUE\",\"queue.name\":\"$2\",\"queue.consumer.wait.ms\":\"200\"}}"
	[ "$CODE" = 201 ] || fail "create $1: $CODE $BODY"
}
failing billing-http billing-q
failing audit-http audit-q
# wait until both tasks have failed
for i in $(seq 100); do
	rest GET '/connectors?expand=status'
	n=$(jq_py "$BODY" 'sum(1 for c in ev.values() for t in c["status"]["tasks"] if t["state"] == "FAILED")')
	[ "$n" = 2 ] && break
	sleep 0.1
done
[ "$n" = 2 ] || fail "the two sinks did not fail: $BODY"

cat >"$T/state.json" <<'EOF'
{"version": 1,
 "connectors": [
  {"name": "billing-http", "state": "paused",
   "owner": {"name": "Billing", "email": "billing@example.com"},
   "config": {"connector.class": "kcops.http.HttpSinkConnector", "topics": "billing-http",
              "publish.mode": "IN_MEMORY_QUEUE", "queue.name": "billing-q",
              "queue.consumer.wait.ms": "200"}},
  {"name": "orders-new", "state": "running",
   "config": {"connector.class": "kcops.http.HttpSinkConnector", "topics": "orders",
              "publish.mode": "NONE"}}]}
EOF
restarts() { grep -c "POST /connectors/$1/restart -> 20" "$WORKER_LOG" || true; }

# ---- --once, --managed-only, --exec: report only -------------------------------------------
EV=$T/once.ndjson
rc=0
"$KCOPS" watch --once --url "$WORKER_URL" --state "$T/state.json" --managed-only \
	--exec "/bin/sh -c 'cat >> \"\$0\"' '$T/exec out.ndjson'" --notify failed,drift \
	--log "$EV" 2>"$T/once.log" || rc=$?
[ "$rc" = 0 ] || fail "watch --once exited $rc: $(cat "$T/once.log")"
b=$(wait_event "$EV" failed billing-http 1)
check "$b" 'ev["auto_restart"] is False and "paused" in ev["reason"]' "billing-http not restarted"
check "$b" 'ev["owner"]["name"] == "Billing"' "billing-http owner"
a=$(wait_event "$EV" failed audit-http 1)
check "$a" 'ev["auto_restart"] is False and "managed-only" in ev["reason"] and ev["owner"] is None' "audit-http left alone"
d=$(wait_event "$EV" drift "" 1)
check "$d" 'ev["summary"]["create"] == 1 and ev["summary"]["pause"] == 1 and ev["apply"] is False' "drift summary"
[ "$(restarts billing-http)" = 0 ] && [ "$(restarts audit-http)" = 0 ] || fail "nothing may be restarted"
wait_event "$EV" stopped "" 1 >/dev/null
# the command got three events on stdin (two failed, one drift), one JSON line each
"$PY" - "$T/exec out.ndjson" <<'PYEOF' || fail "--exec did not get the events: $(cat "$T/exec out.ndjson" 2>&1)"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
kinds = sorted((e["event"], e.get("connector")) for e in evs)
assert kinds == [("drift", None), ("failed", "audit-http"), ("failed", "billing-http")], kinds
PYEOF

# ---- --once restarts a failed connector at once; --apply applies the plan -----------------
EV=$T/apply.ndjson
rc=0
"$KCOPS" watch --once --url "$WORKER_URL" --state "$T/state.json" --apply --log "$EV" \
	2>"$T/apply.log" || rc=$?
[ "$rc" = 0 ] || fail "watch --once --apply exited $rc: $(cat "$T/apply.log")"
r=$(wait_event "$EV" restarted audit-http 1)
check "$r" 'ev["attempts"] == 1' "audit-http restarted once"
[ "$(restarts audit-http)" = 1 ] || fail "the worker saw $(restarts audit-http) restarts of audit-http"
[ "$(restarts billing-http)" = 0 ] || fail "billing-http (meant paused) was restarted"
ap=$(wait_event "$EV" applied "" 1)
check "$ap" 'ev["report"]["added"] == ["orders-new"] and ev["report"]["paused"] == ["billing-http"] and ev["failed"] == 0' "apply report"
rest GET /connectors/orders-new
[ "$CODE" = 200 ] || fail "orders-new was not created: $CODE"
for i in $(seq 50); do
	rest GET /connectors/billing-http/status
	[ "$(jq_py "$BODY" 'ev["connector"]["state"]')" = PAUSED ] && break
	sleep 0.1
done
[ "$(jq_py "$BODY" 'ev["connector"]["state"]')" = PAUSED ] || fail "billing-http not paused: $BODY"

# ---- the cap, no limit, and restarts on time whatever the poll interval --------------------
# One poll every 30 s, base 500 ms, cap 1 s, no limit: restarts keep coming about 1 s apart
# (the delay is capped), re-checked just before each one, between two polls.
failing capped-http capped-q
sleep 0.5
EV=$T/cap.ndjson
polls_before=$(grep -c 'GET /connectors -> 200' "$WORKER_LOG" || true)
bg "$KCOPS" watch --url "$WORKER_URL" --interval 30s --backoff 500ms --backoff-max 1s \
	--max-restarts unlimited --log "$EV" 2>"$T/cap.log"
CAP_PID=$BG_PID
for i in $(seq 100); do [ "$(count_events "$EV" restarted capped-http)" -ge 5 ] && break; sleep 0.1; done
kill -TERM "$CAP_PID"
wait "$CAP_PID" || fail "watch exited non-zero"
mapfile -t times < <(sed -n 's/^\([0-9T:.-]*Z\) DEBUG kcops.worker.rest: POST \/connectors\/capped-http\/restart -> 20[24]$/\1/p' "$WORKER_LOG")
[ "${#times[@]}" -ge 5 ] || fail "expected at least 5 restarts of capped-http, got ${#times[@]}"
"$PY" - "${times[@]}" <<'PYEOF' || fail "capped restart gaps"
import sys
from datetime import datetime
t = [datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for s in sys.argv[1:]]
gaps = [b - a for a, b in zip(t, t[1:])]
print("# capped restart gaps: %s" % ", ".join("%.3f" % g for g in gaps), file=sys.stderr)
sys.exit(0 if all(0.8 <= g <= 1.2 for g in gaps) else 1)
PYEOF
[ "$(count_events "$EV" gave_up)" = 0 ] || fail "an unlimited policy gave up"
# one poll (the bulk call and its companion name list: two log lines) in those seconds
[ $(( $(grep -c 'GET /connectors -> 200' "$WORKER_LOG") - polls_before )) -le 2 ] ||
	fail "more than one poll at a 30 s interval"

# ---- --once against a cluster it can't reach: exit 1 (and an outage event) ----------------
rc=0; "$KCOPS" watch --once --url http://127.0.0.1:1 --log "$T/down.ndjson" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q 'could not be reached' "$T/u.log" || fail "--once, cluster down: $rc $(cat "$T/u.log")"
wait_event "$T/down.ndjson" outage "" 1 >/dev/null

# ---- usage errors -------------------------------------------------------------------------
rc=0; "$KCOPS" watch --url "$WORKER_URL" --apply 2>"$T/u.log" || rc=$?
[ "$rc" = 2 ] && grep -q -- '--apply needs --state' "$T/u.log" || fail "--apply without --state: $rc $(cat "$T/u.log")"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --listen 127.0.0.1:0 2>"$T/u.log" || rc=$?
[ "$rc" = 2 ] && grep -q -- 'token-file' "$T/u.log" || fail "--listen without a token file: $rc"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --notify faild 2>"$T/u.log" || rc=$?
[ "$rc" = 2 ] && grep -q 'did you mean "failed"' "$T/u.log" || fail "--notify typo: $rc $(cat "$T/u.log")"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --exec "x 'y" --once 2>"$T/u.log" || rc=$?
[ "$rc" = 2 ] && grep -q 'unterminated' "$T/u.log" || fail "--exec quote: $rc $(cat "$T/u.log")"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --interval 0 2>"$T/u.log" || rc=$?
[ "$rc" = 2 ] || fail "--interval 0 must be refused"
printf 'tok\n' >"$T/tok.ok"; chmod 600 "$T/tok.ok"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --listen "${WORKER_URL#http://}" --token-file "$T/tok.ok" \
	--log "$T/inuse.ndjson" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q 'Address already in use' "$T/u.log" || fail "--listen on a busy port: $rc $(cat "$T/u.log")"
printf 'tok\n' >"$T/tok.open"; chmod 644 "$T/tok.open"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --listen 127.0.0.1:0 --token-file "$T/tok.open" 2>"$T/u.log" || rc=$?
[ "$rc" != 0 ] && grep -q 'chmod 600' "$T/u.log" || fail "a world-readable token file must be refused"
# a state file that is wrong at start-up is an error (later errors are reported, not fatal)
rc=0; "$KCOPS" watch --url "$WORKER_URL" --state "$T/missing.json" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q 'missing.json' "$T/u.log" || fail "missing state file: $rc $(cat "$T/u.log")"
sed 's/"paused"/"pausd"/' "$T/state.json" >"$T/bad.json"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --state "$T/bad.json" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q '/connectors/0/state' "$T/u.log" || fail "bad state file: $rc $(cat "$T/u.log")"
rc=0; "$KCOPS" watch --url "$WORKER_URL" --webhook http://127.0.0.1:1/ --webhook-header @"$T/nope" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q 'nope' "$T/u.log" || fail "--webhook-header @missing: $rc"

# ---- --format text: one line per event for people ------------------------------------------
"$KCOPS" watch --once --no-restart --url "$WORKER_URL" --format text >"$T/text.out" 2>&1 ||
	fail "--format text: $(cat "$T/text.out")"
grep -Eq '^[0-9T:-]{19} failed +[^ ]+ +capped-http +task 0 FAILED: ' "$T/text.out" ||
	fail "no failed line in the text output: $(cat "$T/text.out")"
grep -Eq '^[0-9T:-]{19} stopped ' "$T/text.out" || fail "no stopped line: $(cat "$T/text.out")"
! grep -q '^{' "$T/text.out" || fail "JSON in the text output"

# ---- the state file from standard input (read once) --------------------------------------
sed 's/"paused"/"running"/' "$T/state.json" >"$T/state.stdin"
rc=0
"$KCOPS" watch --once --no-restart --url "$WORKER_URL" --state - --log "$T/stdin.ndjson" \
	<"$T/state.stdin" 2>"$T/stdin.log" || rc=$?
[ "$rc" = 0 ] || fail "--state -: exit $rc: $(cat "$T/stdin.log")"
d=$(wait_event "$T/stdin.ndjson" drift "" 1)
check "$d" 'ev["summary"]["resume"] == 1 and ev["source"] == "-"' "drift from --state -"
note "watch_policy: ok"
