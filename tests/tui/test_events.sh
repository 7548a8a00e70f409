#!/usr/bin/env bash
# The events view (w) shows what a watch noticed, from both sources:
#  1. --watch-log FILE: a separate `kcops watch --log FILE` process; the console follows the
#     file (and then, with --watch-log URL, the service of a `kcops watch --listen`) and shows
#     its failed and restarted events for a sink failing on purpose (an HTTP
#     sink in IN_MEMORY_QUEUE mode whose queue never gets a consumer), newest first, with
#     Enter showing the whole event (trace included);
#  2. W: a watch run inside the console on the current context shows its own failed and
#     restarted events (marked W), and W again stops it, answering at once even while the
#     worker is frozen (SIGSTOP);
#  3. a read-only console refuses W and the prompt's bare `watch`;
#  0. (first) hostile text in a log is drawn sanitised, non-event lines are skipped, a torn
#     last line is read once complete.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
kc_http POST "$WORKER_URL/connectors" '{"name":"orders-http","config":{
	"connector.class":"kcops.http.HttpSinkConnector","topics":"orders",
	"publish.mode":"IN_MEMORY_QUEUE","queue.name":"orders-q","queue.consumer.wait.ms":"300"}}'
kc_expect_code 201 "create orders-http"
tui_until_state orders-http RUNNING 10

kc_tmpdir
T=$KC_TMP_LAST
EV=$T/events.ndjson

# ---- 0. a hand-written log: hostile text is drawn sanitised, bad lines are skipped ----------
HOSTILE=$T/hostile.ndjson
printf '%s\n' 'not json at all' \
	'{"time":"2026-11-21T06:00:00.000001Z","event":"failed","context":"prod","connector":"evil\u001b[2Jname","task":3,"attempts":1,"trace":"boom\u001b]0;owned\u0007 trace"}' \
	'["an array"]' >"$HOSTILE"
printf '{"time":"2026-11-21T06:00:01.000001Z","event":"recovered","connector":"half' >>"$HOSTILE"
tui_start --url "$WORKER_URL" --watch-log "$HOSTILE"
tui_wait_re 'orders-http +sink'
tui_keys w
tui_wait_re '^ 06:00:00 L prod +evil\^\[\[2Jname +3 +failed +1 boom\^\[\]0;owne'
[ "$(tui_cap | grep -cE '^ [0-9:]{8} L ')" = 1 ] || { tui_cap >&2; kc_fail "expected exactly one event row"; }
# the torn last line completes: the event appears
printf '%s\n' '-one","context":"prod"}' >>"$HOSTILE"
tui_wait_re '^ 06:00:01 L prod +half-one +- +recovered ' 10
tui_quit

# ---- 1. another process's watch, through its log file -------------------------------------
"$KCOPS_BUILD_ROOT/tui/kcops" watch --url "$WORKER_URL" --interval 300ms --backoff 1s \
	--max-restarts 2 --log "$EV" 2>"$T/watch.err" &
WATCH_PID=$!
kc_on_exit "kill $WATCH_PID 2>/dev/null"

tui_start --url "$WORKER_URL" --watch-log "$EV"
tui_wait_re 'orders-http +sink'
tui_keys w
tui_wait_re "EVENT +ATT +TRACE"
tui_wait_re '^ [0-9:]{8} L .*orders-http +0 +failed ' 20
tui_wait_re '^ [0-9:]{8} L .*orders-http +0 +restarted ' 20
# newest first: the first restarted row is above the first failed row
first_failed=$(tui_cap | grep -nE ' L .*orders-http +0 +failed ' | tail -1 | cut -d: -f1)
last_restart=$(tui_cap | grep -nE ' L .*orders-http +0 +restarted ' | tail -1 | cut -d: -f1)
[ "$last_restart" -lt "$first_failed" ] || { tui_cap >&2; kc_fail "events are not newest first"; }
# Enter on the failed row: the whole event (the external watch is stopped first so the list
# holds still; the cursor starts on the newest row, screen line 4)
kill "$WATCH_PID"
wait "$WATCH_PID" || true
sleep 1
n=$(tui_cap | grep -nE ' L .*orders-http +0 +failed ' | tail -1 | cut -d: -f1)
for ((i = 0; i < n - 5; i++)); do tui_keys Down; done
tui_keys Enter
tui_wait '"event": "failed"'
tui_wait 'no consumer'
tui_keys End
tui_wait '"max_attempts": 2'
tui_keys q
tui_wait_re "EVENT +ATT +TRACE"
tui_quit

# ---- 1b. the same through the watch's service (GET /events long polls) ----------------------
kc_http POST "$WORKER_URL/connectors/orders-http/restart?includeTasks=true" ''
EV2=$T/events2.ndjson
printf 'tok-%s\n' "$RANDOM$RANDOM" >"$T/token"
chmod 600 "$T/token"
"$KCOPS_BUILD_ROOT/tui/kcops" watch --url "$WORKER_URL" --interval 300ms --backoff 1s \
	--max-restarts 2 --log "$EV2" --listen 127.0.0.1:0 --token-file "$T/token" 2>"$T/watch2.err" &
WATCH_PID=$!
kc_on_exit "kill $WATCH_PID 2>/dev/null"
SVC=""
for ((i = 0; i < 100; i++)); do
	SVC=$(grep -o '"event":"listening".*' "$EV2" 2>/dev/null | grep -oE '"url":"[^"]*"' | cut -d'"' -f4 || true)
	[ -n "$SVC" ] && break
	sleep 0.1
done
[ -n "$SVC" ] || kc_fail "the watch service never said where it listens: $(cat "$T/watch2.err")"
tui_start --url "$WORKER_URL" --watch-log "$SVC" --watch-token-file "$T/token"
tui_wait_re 'orders-http +sink'
tui_keys w
tui_wait_re '^ [0-9:]{8} L .*orders-http +0 +failed ' 20
tui_wait_re '^ [0-9:]{8} L .*orders-http +0 +restarted ' 20
tui_quit
kill "$WATCH_PID"
wait "$WATCH_PID" || true
# a service URL without its token file is a usage error, before the screen starts
rc=0; "$KCOPS_BUILD_ROOT/tui/kcops" --url "$WORKER_URL" --watch-log "$SVC" </dev/null >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || kc_fail "--watch-log URL without a token file: status $rc, expected 2"
grep -q "watch-token-file" "$T/out" || kc_fail "unclear error: $(cat "$T/out")"

# ---- 2. a watch inside the console (W), its own events -------------------------------------
tui_start --url "$WORKER_URL"
tui_wait_re 'orders-http +sink'
tui_keys W
tui_wait "watch started on"
tui_wait "[watch]"
tui_keys w
tui_wait_re '^ [0-9:]{8} W .*started ' 10
tui_wait "W:watch"
tui_wait_re '^ [0-9:]{8} W .*orders-http +0 +failed ' 30
tui_wait_re '^ [0-9:]{8} W .*orders-http +0 +restarted ' 40
tui_cap | kc_grepq -E ' L ' && { tui_cap >&2; kc_fail "log events without --watch-log"; }
# stopping never blocks the keyboard, even with the worker frozen (the watch may be waiting for
# its poll or idle between polls): the key answers at once, the watch ends on its own thread
kill -STOP "$WORKER_PID"
kc_on_exit "kill -CONT $WORKER_PID 2>/dev/null"
sleep 0.5
t0=$(date +%s%N)
tui_keys W
tui_wait_re "stopping the watch|watch on .* stopped" 5
tui_keys '?'
tui_wait "Keys for this view" 5
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 3000 ] || kc_fail "W and ? took $ms ms with the worker frozen"
tui_keys q
kill -CONT "$WORKER_PID"
tui_wait "stopped" 30
tui_gone "[watch]" 20
tui_wait_re '^ [0-9:]{8} W .* +stopped ' 20
tui_quit

# ---- 3. read-only refuses the in-console watch ----------------------------------------------
tui_start --url "$WORKER_URL" --read-only
tui_wait_re 'orders-http +sink'
tui_keys W
tui_wait "watch (auto-restart) refused"
tui_keys w
tui_wait "no events: W runs a watch here"
tui_quit
# the prompt's words: `events` opens the view, a bare `watch` is the same toggle (refused)
tui_start --url "$WORKER_URL" --read-only
tui_wait_re 'orders-http +sink'
tui_keys :
tui_type events
tui_keys Enter
tui_wait "no events: W runs a watch here"
tui_keys :
tui_type watch
tui_keys Enter
tui_wait "watch (auto-restart) refused"
tui_gone "[watch]" 1
tui_quit
echo "ok: events view from a watch log and from the in-console watch; read-only refuses W"
