#!/usr/bin/env bash
# ids.sh - task ids and task restarts in a cluster of kcops-worker processes.
# 1. Stable ids: a sink with tasks.max=3 has tasks 0, 1, 2 (Kafka Connect's ids, from its
#    config), each once, spread over the workers; when a third worker joins, and when one
#    is killed with kill -9, tasks move between workers but keep their ids, and every
#    worker shows the same id -> worker map. The worker running task N logs "task N of 3
#    started on this worker" (the id is the task's own, not a display number).
# 2. Restart delivery: a task of another live worker restarted through any worker answers
#    204 once that worker confirmed it (202 if it was still moving; then it is done soon). The worker running task T is SIGSTOPped, a restart
#    of T is asked through another worker, and the stopped worker is killed before it could
#    read the request: the REST call answers 204 (confirmed by the worker T moved to) or
#    202 saying it is not confirmed, never a silent success; T then runs on a survivor, and
#    that survivor logs that it did the request. A source's task restarted while its worker
#    (the lease holder) is stopped answers 202 (not confirmed: the lease moves only after
#    the session timeout), and the survivor that takes the lease after a kill -9 does it.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/lib.sh"
kc_tmpdir; TMP=$KC_TMP_LAST
dist_mock_start --topic src:3
dist_worker_start 1
dist_worker_start 2

post() { curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' ${2:+--data-binary "$2"} "$1"; }
# id -> worker map of snk as worker $1 shows it: [{"id":0,"worker_id":"..."},...]
task_map() { curl -s --max-time 5 "$1/connectors/snk/status" | jq -c '[.tasks[] | {id, worker_id, state}]'; }
wid() { echo "${W_URL[$1]#http://}"; }
# map_ok N I...: from every worker I: ids 0,1,2 each once, all RUNNING, on N distinct
# workers, the same map everywhere (printed)
map_ok() {
	local n=$1 m i
	shift
	m=$(task_map "${W_URL[$1]}")
	jq -e --argjson n "$n" '[.[].id] == [0, 1, 2] and all(.[]; .state == "RUNNING") and
		([.[].worker_id] | unique | length) == $n' <<<"$m" >/dev/null || return 1
	for i in "$@"; do [ "$(task_map "${W_URL[$i]}")" = "$m" ] || return 1; done
	jq -c 'map({(.id | tostring): .worker_id}) | add' <<<"$m"
}
# wait_map WHAT N I...: wait (40 s) until map_ok N I... holds; the map it saw in $MAP
wait_map() {
	local what=$1 k
	shift
	for ((k = 0; k < 200; k++)); do
		MAP=$(map_ok "$@") && return 0
		sleep 0.2
	done
	dist_wait "$what" 1 map_ok "$@"	# fails with the workers' state
}

[ "$(post "${W_URL[1]}/connectors" '{"name":"snk","config":{"connector.class":"kcops.http.HttpSinkConnector","topics":"src","tasks.max":"3"}}')" = 201 ] ||
	kc_fail "create snk: $(cat "$TMP/body")"
wait_map "tasks 0,1,2 RUNNING on two workers, the same map on both" 2 1 2
before=$MAP
kc_note "two workers: $before"

# a third worker joins: ids stay, tasks move (the newcomer runs one)
dist_worker_start 3
wait_map "tasks 0,1,2 RUNNING on three workers, the same map on all" 3 1 2 3
after=$MAP
kc_note "three workers: $after"
[ "$after" != "$before" ] || kc_fail "no task moved when worker 3 joined: $after"
for i in 1 2 3; do
	for id in $(jq -r --arg w "$(wid "$i")" 'to_entries[] | select(.value == $w) | .key' <<<"$after"); do
		grep -q "connector snk: task $id of 3 started on this worker" "${W_DIR[$i]}/stderr.log" ||
			kc_fail "worker $i is shown running task $id but never started a task with that id"
	done
done

# restart of a live worker's task through another worker
t2=$(jq -r --arg w "$(wid 2)" 'to_entries[] | select(.value == $w) | .key' <<<"$after" | head -1)
[ -n "$t2" ] || kc_fail "worker 2 runs no task: $after"
code=$(post "${W_URL[3]}/connectors/snk/tasks/$t2/restart")
# 204 (done), or 202 when the task was still moving (the worker it moves to does it)
dist_restart_check 3 "$t2" "$code"
did=$(dist_restart_did 3 "$t2")
kc_note "restart of task $t2 through worker 3: HTTP $code, done by worker $did"

# restart delivery: worker 3 stopped, restart of its task asked through worker 1, worker 3
# killed before it could read the request
t3=$(jq -r --arg w "$(wid 3)" 'to_entries[] | select(.value == $w) | .key' <<<"$after" | head -1)
kill -STOP "${W_PID[3]}"
post "${W_URL[1]}/connectors/snk/tasks/$t3/restart" >"$TMP/code" &
rpid=$!
sleep 0.3
dist_worker_kill 3
t_kill=$(date +%s)
wait "$rpid" || true
code=$(cat "$TMP/code")
kc_note "restart of task $t3 while its worker was stopped, then killed: HTTP $code $(cat "$TMP/body")"
case $code in
204) ;;
202) jq -e --arg w "$(wid 3)" --argjson t "$t3" '.confirmed == false and .worker_id == $w and .task == $t and
	(.message | test("not confirmed"))' "$TMP/body" >/dev/null || kc_fail "202 answer should say the restart is not confirmed: $(cat "$TMP/body")" ;;
*) kc_fail "restart of task $t3 through worker 1: HTTP $code $(cat "$TMP/body")" ;;
esac
wait_map "tasks 0,1,2 RUNNING on the two survivors" 2 1 2
final=$MAP
kc_note "after kill -9 of worker 3: $final"
[ "$(jq -r --arg t "$t3" '.[$t]' <<<"$final")" != "$(wid 3)" ] || kc_fail "task $t3 still on worker 3"
for ((n = 0; n < 50; n++)); do [ -n "$(dist_restart_did 1 "$t3")" ] && break; sleep 0.2; done
did=$(dist_restart_did 1 "$t3")
[ -n "$did" ] && [ "$did" != 3 ] ||
	kc_fail "no survivor did the restart request of task $t3; their logs say: $(grep -E "snk-$t3|restart|task $t3 |assignment" "${W_DIR[1]}/stderr.log" "${W_DIR[2]}/stderr.log")"
kc_note "the restart of task $t3 was done by worker(s) $(echo $did) after worker 3 died"

# a source runs on the lease holder, which moves only after the consumer session timeout
# (6 s here): a restart of its task while that worker is stopped cannot be confirmed within
# the REST call's wait (3 heartbeat intervals + 3 s): 202, said so; once the stopped worker is
# killed, the survivor that takes the lease starts the task and logs the request as done.
# (the lease group rebalances once worker 3's consumer session expired: 6 s after the kill,
# plus the mock's rebalance; wait for it to settle on one holder first)
while [ $(( $(date +%s) - t_kill )) -lt 10 ]; do sleep 0.5; done
one_holder() { curl -s --max-time 5 "$1/kcops/v1/workers" | jq -e '[.workers[] | select(.alive and .source_owner)] | length == 1'; }
dist_wait "one source lease holder" 20 sh -c "$(declare -f one_holder); one_holder '${W_URL[1]}' && sleep 1 && one_holder '${W_URL[2]}'"
[ "$(post "${W_URL[1]}/connectors" '{"name":"gen","config":{"connector.class":"HttpCronSource","topic":"src2","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 0 1 1 ? 2097"}}')" = 201 ] ||
	kc_fail "create gen: $(cat "$TMP/body")"
for i in 1 2; do
	dist_wait "gen's task RUNNING, seen from worker $i" 30 sh -c "curl -s '${W_URL[$i]}/connectors/gen/status' | jq -e '.tasks | length == 1 and .[0].state == \"RUNNING\" and .[0].id == 0'"
done
holder=$(curl -s "${W_URL[1]}/connectors/gen/status" | jq -r '.tasks[0].worker_id')
if [ "$holder" = "$(wid 1)" ]; then L=1 O=2; else L=2 O=1; fi
kill -STOP "${W_PID[$L]}"
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST "${W_URL[$O]}/connectors/gen/tasks/0/restart")
kc_note "restart of gen's task 0 while its worker is stopped: HTTP $code $(cat "$TMP/body")"
[ "$code" = 202 ] && jq -e '.confirmed == false and .task == 0' "$TMP/body" >/dev/null ||
	kc_fail "restart of a stopped worker's source task: expected 202 with confirmed false, got $code $(cat "$TMP/body")"
# kcops says so too, in words and in -o json, and does not call it restarted (exit 0: accepted)
out=$("$KCOPS_BUILD_ROOT/tui/kcops" --url "${W_URL[$O]}" restart task gen/0) ||
	kc_fail "kcops restart task gen/0 (answered 202) exited non-zero: $out"
kc_grepq -F "task/gen/0 restart requested, not confirmed yet" <<<"$out" ||
	kc_fail "kcops restart task after a 202 should say it is not confirmed: $out"
dist_worker_kill "$L"
for ((n = 0; n < 150; n++)); do
	did=$(sed -n "s/.*restart request \([^ ]*\) of task gen-0 (run by .*) written\$/\1/p" "${W_DIR[$O]}/stderr.log" | tail -1)
	[ -n "$did" ] && grep -qF "task gen-0 started on this worker: restart request $did" "${W_DIR[$O]}/stderr.log" && break
	sleep 0.2
done
grep -qF "task gen-0 started on this worker: restart request $did" "${W_DIR[$O]}/stderr.log" ||
	kc_fail "worker $O took gen over but did not log the restart request $did as done: $(grep -E "gen|lease" "${W_DIR[$O]}/stderr.log" | tail -10)"
dist_wait "gen's task 0 RUNNING on worker $O" 10 sh -c "curl -s '${W_URL[$O]}/connectors/gen/status' | jq -e --arg w '$(wid "$O")' '.tasks[0].state == \"RUNNING\" and .tasks[0].worker_id == \$w'"
dist_worker_stop "$O"
echo "ids: all checks passed"
