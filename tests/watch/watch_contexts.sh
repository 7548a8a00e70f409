#!/bin/bash
# watch_contexts.sh - kcops watch over two contexts of a contexts file, against two
# kcops-workers:
#  - each context is polled with one bulk status call per interval, and nothing else
#    while nothing fails (counted in the worker's REST access log);
#  - events carry the context name; the read-only context is watched but never restarted;
#  - on an "old" worker (KCOPS_FORCE_VERSION=2.8.0: no restart?onlyFailed) failed tasks are
#    restarted one by one (POST .../tasks/T/restart).
. "$(dirname "$0")/lib.sh"

start_worker
A_URL=$WORKER_URL A_LOG=$WORKER_LOG
mv "$T/worker.out" "$T/worker-a.out"
T_A=$T
# the second worker gets its own state directory and logs
T=$T/b
mkdir -p "$T"
start_worker
B_URL=$WORKER_URL B_LOG=$WORKER_LOG
T=$T_A
for u in "$A_URL" "$B_URL"; do
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' \
		--data '{"level":"DEBUG"}' "$u/admin/loggers/kcops.worker.rest"
done

mk() {	# mk URL NAME CONFIG-EXTRA
	local code
	code=$(curl -s -o "$T/mk.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "{\"name\":\"$2\",\"config\":{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"$2\",$3}}" \
		"$1/connectors")
	[ "$code" = 201 ] || fail "create $2: $code $(cat "$T/mk.out")"
}
FAILING='"publish.mode":"IN_MEMORY_QUEUE","queue.name":"nobody","queue.consumer.wait.ms":"200"'
mk "$A_URL" a-fail "$FAILING"
mk "$A_URL" a-ok1 '"publish.mode":"NONE"'
mk "$A_URL" a-ok2 '"publish.mode":"NONE"'
mk "$B_URL" b-fail "$FAILING"
sleep 0.6	# let the failing tasks fail

cat >"$T/config.json" <<EOF
{"current_context": "a",
 "contexts": {"a": {"url": "$A_URL"},
              "b": {"url": "$B_URL", "read_only": true}}}
EOF
export KCOPS_CONFIG=$T/config.json

EV=$T/events.ndjson
polls_before=$(grep -c 'GET /connectors -> 200' "$A_LOG" || true)
t0=$(date +%s%N)
bg "$KCOPS" watch -c a,b --interval 300ms --backoff 1s --max-restarts 1 --healthy 5s \
	--log "$EV" 2>"$T/watch.log"
WATCH_PID=$BG_PID
wait_event "$EV" gave_up a-fail 15 >/dev/null
sleep 1
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" || fail "watch exited non-zero: $(tail -5 "$T/watch.log")"
secs=$("$PY" -c "print(($(date +%s%N) - $t0) / 1e9)")

# events carry their context; the read-only one is not restarted
fa=$(wait_event "$EV" failed a-fail 1)
check "$fa" 'ev["context"] == "a" and ev["auto_restart"] is True' "a-fail"
fb=$(wait_event "$EV" failed b-fail 1)
check "$fb" 'ev["context"] == "b" and ev["auto_restart"] is False and "read-only" in ev["reason"]' "b-fail"
[ "$(count_events "$EV" started)" = 2 ] && [ "$(count_events "$EV" stopped)" = 2 ] ||
	fail "expected started/stopped for both contexts"
grep -q 'context b is read-only' "$T/watch.log" || fail "no note about the read-only context"
[ "$(grep -c 'POST /connectors/a-fail/restart -> 20' "$A_LOG")" = 1 ] || fail "a-fail: expected 1 restart"
! grep -q 'restart' "$B_LOG" || fail "the read-only context was restarted: $(grep restart "$B_LOG")"

# one bulk call per interval, and no per-connector calls for healthy connectors
# (the client pairs the bulk call with the plain name list, which finds connectors that have
# no status yet; the worker logs both as "GET /connectors": two lines per poll)
polls=$(( ($(grep -c 'GET /connectors -> 200' "$A_LOG") - polls_before) / 2 ))
"$PY" - "$polls" "$secs" <<'PYEOF' || fail "poll cadence: $polls bulk calls in $secs s at 300ms"
import sys
polls, secs = int(sys.argv[1]), float(sys.argv[2])
expected = secs / 0.3
print("# %d bulk calls in %.1f s (%.1f expected at 300 ms)" % (polls, secs, expected), file=sys.stderr)
sys.exit(0 if 0.6 * expected <= polls <= 1.2 * expected + 1 else 1)
PYEOF
! grep -q 'GET /connectors/a-ok[12]' "$A_LOG" || fail "per-connector calls for healthy connectors"

# an old worker: per-task restarts
EV2=$T/old.ndjson
KCOPS_FORCE_VERSION=2.8.0 "$KCOPS" watch --once --url "$A_URL" --log "$EV2" 2>"$T/old.log" ||
	fail "watch --once on an old worker: $(cat "$T/old.log")"
r=$(wait_event "$EV2" restarted a-fail 1)
check "$r" 'ev["tasks_restarted"] == 1' "old-worker restart"
grep -q 'POST /connectors/a-fail/tasks/0/restart -> 204' "$A_LOG" ||
	fail "no per-task restart on the old worker: $(grep 'a-fail' "$A_LOG" | tail -5)"
[ "$(grep -c 'POST /connectors/a-fail/restart -> 20' "$A_LOG")" = 1 ] ||
	fail "the old worker got a restart?onlyFailed call"
note "watch_contexts: ok"
