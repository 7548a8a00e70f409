#!/bin/bash
# watch_outage.sh - kcops watch survives a cluster outage: the worker is stopped, the watch
# reports the outage once (not once per poll), keeps its last state (no connector reported
# deleted or added around the outage), /status says unreachable, and when the worker comes
# back on the same address the watch resumes by itself (one resumed event with the outage
# duration) and keeps working (a failure after the outage is still reported, a deletion
# too). Also: /events long polls, --follow of the log file and of the service, and SIGHUP
# reopening a rotated --log file.
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

# a long poll of /events answers as soon as a new event comes (the connector added below)
ev_next=$(jq_py "$(curl -s --max-time 10 -H 'Authorization: Bearer tok' "$SVC/events?since=0")" 'ev["next"]')
t0=$(date +%s%N)
empty=$(curl -s --max-time 10 -H 'Authorization: Bearer tok' "$SVC/events?since=$ev_next&wait=700ms")
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$empty" 'ev["events"] == [] and ev["next"] == '"$ev_next" "/events wait timeout"
[ "$waited" -ge 600 ] || fail "/events?wait=700ms answered after $waited ms"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tok' "$SVC/events?wait=2h")" = 400 ] ||
	fail "/events?wait=2h must be 400"
curl -s --max-time 30 -H 'Authorization: Bearer tok' "$SVC/events?since=$ev_next&wait=20s" >"$T/longpoll.json" &
LP_PID=$!
sleep 0.3

# still watching: a failure after the outage is reported
rest POST /connectors '{"name":"late-fail","config":{"connector.class":"kcops.http.HttpSinkConnector",
 "topics":"late","publish.mode":"IN_MEMORY_QUEUE","queue.name":"late-q","queue.consumer.wait.ms":"200"}}'
[ "$CODE" = 201 ] || fail "create late-fail: $CODE $BODY"
wait_event "$EV" added late-fail 10 >/dev/null
t0=$(date +%s%N)
wait "$LP_PID" || fail "the long poll failed"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ] || fail "the long poll did not end with the event"
check "$(cat "$T/longpoll.json")" 'any(e["event"] == "added" and e["connector"] == "late-fail" for e in ev["events"])' "long poll"
wait_event "$EV" failed late-fail 10 >/dev/null
# and a real deletion is reported (after two polls 2 s apart)
rest DELETE /connectors/late-fail
[ "$CODE" = 204 ] || fail "delete late-fail: $CODE $BODY"
del=$(wait_event "$EV" deleted late-fail 10)
check "$del" 'ev["last_state"] == "failed"' "deleted event"

# --follow: the events of this running watch, from its log file and from its service
bg "$KCOPS" watch --follow "$EV" >"$T/follow-file.out" 2>&1
FF_PID=$BG_PID
bg "$KCOPS" watch --follow "$SVC" --token-file "$T/token" --format json >"$T/follow-url.out" 2>&1
FU_PID=$BG_PID
sleep 1
rest POST /connectors '{"name":"followed","config":{"connector.class":"kcops.http.HttpSinkConnector",
 "topics":"f","publish.mode":"NONE"}}'
[ "$CODE" = 201 ] || fail "create followed: $CODE $BODY"
wait_event "$EV" added followed 10 >/dev/null
# both followers show the new event (a fixed second was too short on a loaded machine);
# a follower that never shows it fails the checks below after 15 s
for ((i = 0; i < 150; i++)); do
	grep -q followed "$T/follow-file.out" && grep -q followed "$T/follow-url.out" && break
	sleep 0.1
done
kill -TERM "$FF_PID" "$FU_PID"
wait "$FF_PID" || fail "--follow FILE exited non-zero: $(cat "$T/follow-file.out")"
wait "$FU_PID" || fail "--follow URL exited non-zero: $(cat "$T/follow-url.out")"
grep -Eq '^[0-9T:-]{19} outage ' "$T/follow-file.out" || fail "--follow FILE: no outage line: $(cat "$T/follow-file.out")"
grep -Eq '^[0-9T:-]{19} added +[^ ]+ +followed ' "$T/follow-file.out" ||
	fail "--follow FILE: the new event did not show: $(cat "$T/follow-file.out")"
"$PY" - "$T/follow-url.out" <<'PYEOF' || fail "--follow URL: $(cat "$T/follow-url.out")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
kinds = [e["event"] for e in evs]
assert "resumed" in kinds and any(e["event"] == "added" and e.get("connector") == "followed" for e in evs), kinds
seqs = [e["seq"] for e in evs]
assert seqs == sorted(set(seqs)), seqs   # no event twice, in order
PYEOF
rc=0; "$KCOPS" watch --follow "$SVC" 2>"$T/u.log" || rc=$?
[ "$rc" = 1 ] && grep -q 'needs --token-file' "$T/u.log" || fail "--follow URL without a token file"

# log rotation: move the file away, SIGHUP, and new events go to a new file
mv "$EV" "$EV.1"
kill -HUP "$WATCH_PID"
rest DELETE /connectors/steady
wait_event "$EV" deleted steady 10 >/dev/null
[ "$(count_events "$EV.1" deleted steady)" = 0 ] || fail "an event went to the rotated file"

kill -TERM "$WATCH_PID"
rc=0
wait "$WATCH_PID" || rc=$?
[ "$rc" = 0 ] || fail "watch exited with $rc"
wait_event "$EV" stopped "" 2 >/dev/null
note "watch_outage: ok"
