#!/bin/bash
# watch_outage.sh - kcops watch survives a cluster outage: the worker is stopped, the watch
# reports the outage once (not once per poll), keeps its last state (no connector reported
# deleted or added around the outage), /status says unreachable, and when the worker comes
# back on the same address the watch resumes by itself (one resumed event with the outage
# duration) and keeps working (a failure after the outage is still reported, a deletion
# too).
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_worker "$PORT"
rest POST /connectors '{"name":"steady","config":{"connector.class":"kcops.http.HttpSinkConnector",
 "topics":"steady","publish.mode":"NONE"}}'
[ "$CODE" = 201 ] || fail "create steady: $CODE $BODY"
printf 'tok\n' >"$T/token"
chmod 600 "$T/token"

EV=$T/events.ndjson
bg "$KCOPS" watch --url "$WORKER_URL" --interval 200ms --log "$EV" --listen 127.0.0.1:0 \
	--token-file "$T/token" --backoff 30s 2>"$T/watch.log"
WATCH_PID=$BG_PID
wait_event "$EV" started "" 10 >/dev/null
SVC=$(jq_py "$(wait_event "$EV" listening "" 5)" 'ev["url"]')
sleep 0.6
[ "$(count_events "$EV" outage)" = 0 ] || fail "an outage before the worker stopped"

stop_worker
out=$(wait_event "$EV" outage "" 10)
check "$out" 'ev["url"] == "'"$WORKER_URL"'" and ev["error"] != ""' "outage event"
sleep 1.5	# about seven failed polls
[ "$(count_events "$EV" outage)" = 1 ] || fail "the outage must be reported once, got $(count_events "$EV" outage)"
st=$(curl -s --max-time 10 -H 'Authorization: Bearer tok' "$SVC/status")
check "$st" 'ev["contexts"][0]["reachable"] is False and ev["contexts"][0]["outage_for_ms"] >= 1000' "/status during the outage"
check "$st" '"steady" in ev["contexts"][0]["connectors"]' "last state kept"

start_worker "$PORT"
res=$(wait_event "$EV" resumed "" 15)
check "$res" 'ev["outage_ms"] >= 1500 and ev["failed_polls"] >= 3' "resumed event"
sleep 0.5
[ "$(count_events "$EV" deleted)" = 0 ] && [ "$(count_events "$EV" added)" = 0 ] ||
	fail "connectors reported deleted/added across the outage"
[ "$(count_events "$EV" outage)" = 1 ] && [ "$(count_events "$EV" resumed)" = 1 ] ||
	fail "one outage and one resumed event expected"

# still watching: a failure after the outage is reported
rest POST /connectors '{"name":"late-fail","config":{"connector.class":"kcops.http.HttpSinkConnector",
 "topics":"late","publish.mode":"IN_MEMORY_QUEUE","queue.name":"late-q","queue.consumer.wait.ms":"200"}}'
[ "$CODE" = 201 ] || fail "create late-fail: $CODE $BODY"
wait_event "$EV" added late-fail 10 >/dev/null
wait_event "$EV" failed late-fail 10 >/dev/null
# and a real deletion is reported (after two polls 2 s apart)
rest DELETE /connectors/late-fail
[ "$CODE" = 204 ] || fail "delete late-fail: $CODE $BODY"
del=$(wait_event "$EV" deleted late-fail 10)
check "$del" 'ev["last_state"] == "failed"' "deleted event"

kill -TERM "$WATCH_PID"
rc=0
wait "$WATCH_PID" || rc=$?
[ "$rc" = 0 ] || fail "watch exited with $rc"
note "watch_outage: ok"
