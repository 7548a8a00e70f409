#!/usr/bin/env bash
# cluster.sh - two, then three kcops-worker processes in distributed mode (same group.id,
# config.storage.topic) on one out-of-process mock Kafka:
#   configs made on one worker are visible on the others (create on 1, delete on 2, ...);
#   an HTTP sink's partitions split between the workers (both send requests);
#   kill -9 of the worker running the cron source moves the source to a survivor, its
#   sink task moves to a survivor with the same id, no request is lost (every record
#   in the topic reached nginx, at least once) and the restarted worker rejoins (reads the
#   config, runs its sink task again). A restart request made on one worker restarts the tasks everywhere.
#   Task ids are Kafka Connect's (0..tasks.max-1, each once, the same on every worker); a
#   task of another worker is restarted through any worker. Source offsets live in offset.storage.topic:
#   the survivor resumes the killed worker's, and PATCH/DELETE on one worker reach all.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/nginx.sh"
. "$(dirname "$0")/lib.sh"
kc_tmpdir; LOGDIR=$KC_TMP_LAST
nginx_start "location /r/ { access_log $LOGDIR/access.log; return 200 '{\"ok\":true}'; }"
dist_mock_start --topic src:4
dist_worker_start 1
dist_worker_start 2

post() { curl -s -o "$LOGDIR/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$2"; }
st() { curl -s --max-time 5 "$1/connectors/$2/status"; }
list_has() { curl -s --max-time 5 "$1/connectors" | jq -e --arg n "$2" 'index($n) != null'; }
list_lacks() { curl -s --max-time 5 "$1/connectors" | jq -e --arg n "$2" 'index($n) == null'; }
# number of RUNNING task instances of connector $2 seen from worker $1 on distinct workers
running_workers() { st "$1" "$2" | jq '[.tasks[] | select(.state == "RUNNING") | .worker_id] | unique | length'; }
requests_of() { curl -s --max-time 5 "$1/kcops/v1/connectors/snk/metrics" | jq -r '.total.requests // 0'; }

# configs: made on 1, visible on 2; made on 2, deleted on 1
[ "$(post POST "${W_URL[1]}/connectors" '{"name":"snk","config":{"connector.class":"kcops.http.HttpSinkConnector","topics":"src","tasks.max":"3"}}')" = 201 ] ||
	kc_fail "create snk on worker 1: $(cat "$LOGDIR/body")"
dist_wait "snk visible on worker 2" 20 list_has "${W_URL[2]}" snk
[ "$(post POST "${W_URL[2]}/connectors" '{"name":"tmp","config":{"connector.class":"HttpCronSource","topic":"src","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 0 1 1 ? 2097"}}')" = 201 ] ||
	kc_fail "create tmp on worker 2: $(cat "$LOGDIR/body")"
dist_wait "tmp visible on worker 1" 20 list_has "${W_URL[1]}" tmp
[ "$(post PUT "${W_URL[1]}/connectors/tmp/pause")" = 202 ] || kc_fail "pause tmp on worker 1"
dist_wait "tmp PAUSED on worker 2" 20 sh -c "curl -s '${W_URL[2]}/connectors/tmp/status' | jq -e '.connector.state == \"PAUSED\"'"
[ "$(post DELETE "${W_URL[1]}/connectors/tmp")" = 204 ] || kc_fail "delete tmp on worker 1"
dist_wait "tmp gone from worker 2" 20 list_lacks "${W_URL[2]}" tmp
[ "$(post POST "${W_URL[2]}/connectors" '{"name":"snk","config":{"connector.class":"HttpCronSource","topic":"x","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.rate":"1"}}')" = 409 ] ||
	kc_fail "creating snk again on worker 2 should answer 409"

# the load: a cron source at 48 records/s into src (4 partitions)
# (12 jobs: the record key is the job id, so the records spread over the partitions)
gen_cfg=$(jq -nc --arg u "$NGINX_URL/r/x" '{name: "gen", config: ({"connector.class": "HttpCronSource",
	topic: "src", jobs: ([range(12)] | map("j\(.)") | join(","))} +
	([range(12)] | map({("job.j\(.).url"): $u, ("job.j\(.).rate"): "4"}) | add))}')
[ "$(post POST "${W_URL[2]}/connectors" "$gen_cfg")" = 201 ] ||
	kc_fail "create gen: $(cat "$LOGDIR/body")"
dist_wait "sink tasks RUNNING on both workers" 40 sh -c "[ \$(curl -s '${W_URL[1]}/connectors/snk/status' | jq '[.tasks[] | select(.state == \"RUNNING\") | .worker_id] | unique | length') = 2 ]"
dist_wait "both workers send requests (partitions split)" 40 sh -c "[ \$(curl -s '${W_URL[1]}/kcops/v1/connectors/snk/metrics' | jq '.total.requests') -gt 0 ] && [ \$(curl -s '${W_URL[2]}/kcops/v1/connectors/snk/metrics' | jq '.total.requests') -gt 0 ]"
kc_note "requests: worker 1 $(requests_of "${W_URL[1]}"), worker 2 $(requests_of "${W_URL[2]}")"
dist_wait "the cron source shown RUNNING on one worker" 20 sh -c "curl -s '${W_URL[1]}/connectors/gen/status' | jq -e '[.tasks[] | select(.state == \"RUNNING\")] | length == 1'"
sleep 2
gen_tasks=$(st "${W_URL[2]}" gen | jq '.tasks | length')
[ "$gen_tasks" = 1 ] || kc_fail "the cron source should run on exactly one worker: $(st "${W_URL[2]}" gen)"

# a third worker joins; then the source's worker is killed
dist_worker_start 3
dist_wait "worker 3 sees snk and gen" 30 sh -c "curl -s '${W_URL[3]}/connectors' | jq -e 'index(\"snk\") != null and index(\"gen\") != null'"
dist_wait "sink tasks RUNNING on three workers" 60 sh -c "[ \$(curl -s '${W_URL[1]}/connectors/snk/status' | jq '[.tasks[] | select(.state == \"RUNNING\") | .worker_id] | unique | length') = 3 ]"
# task ids are Kafka Connect's: 0..tasks.max-1, each once, one task per worker here, the same
# on every worker, in the status, GET /connectors/{c}/tasks and GET /connectors/{c} alike
task_map() { st "$1" snk | jq -c '[.tasks[] | {id, worker_id}] | sort_by(.id)'; }
ids_ok() {
	local m
	m=$(task_map "${W_URL[1]}")
	jq -e '[.[].id] == [0, 1, 2] and ([.[].worker_id] | unique | length) == 3' <<<"$m" &&
		[ "$(task_map "${W_URL[2]}")" = "$m" ] && [ "$(task_map "${W_URL[3]}")" = "$m" ] &&
		[ "$(curl -s "${W_URL[2]}/connectors/snk/tasks" | jq -c '[.[] | {id: .id.task, worker_id}] | sort_by(.id)')" = "$m" ] &&
		[ "$(curl -s "${W_URL[3]}/connectors/snk" | jq -c '[.tasks[].task]')" = "$(jq -c '[.[].id]' <<<"$m")" ]
}
dist_wait "distinct task ids, the same on every worker" 20 ids_ok
kc_note "snk tasks: $(task_map "${W_URL[1]}")"
# a task of worker 2, addressed by its id on worker 1: status and restart
w2id=${W_URL[2]#http://}
tid=$(st "${W_URL[1]}" snk | jq -r --arg w "$w2id" '.tasks[] | select(.worker_id == $w) | .id')
[ "$(curl -s "${W_URL[1]}/connectors/snk/tasks/$tid/status" | jq -r .worker_id)" = "$w2id" ] ||
	kc_fail "GET /connectors/snk/tasks/$tid/status on worker 1 should name $w2id"
dist_restart_check 1 "$tid" "$(post POST "${W_URL[1]}/connectors/snk/tasks/$tid/restart")"
[ "$(post POST "${W_URL[1]}/connectors/snk/tasks/99/restart")" = 404 ] || kc_fail "restart of task 99 should answer 404"

# (the lease group rebalanced when worker 3 joined: the source may have moved)
dist_wait "the cron source RUNNING after worker 3 joined" 30 sh -c "curl -s '${W_URL[1]}/connectors/gen/status' | jq -e '[.tasks[] | select(.state == \"RUNNING\")] | length == 1'"
owner_id=$(st "${W_URL[1]}" gen | jq -r '.tasks[] | select(.state == "RUNNING") | .worker_id')
# every worker names the lease holder as the source connector's worker
for i in 1 2 3; do
	dist_wait "worker $i reports gen on $owner_id" 10 sh -c "curl -s '${W_URL[$i]}/connectors/gen/status' | jq -e --arg w '$owner_id' '.connector.worker_id == \$w and .connector.state == \"RUNNING\"'"
done
victim=
for i in 1 2 3; do [ "${W_URL[$i]#http://}" = "$owner_id" ] && victim=$i; done
[ -n "$victim" ] || kc_fail "no worker runs gen ($owner_id)"
survivor=$(( victim % 3 + 1 ))
vtid=$(jq -r --arg w "$owner_id" '.[] | select(.worker_id == $w) | .id' <<<"$(task_map "${W_URL[1]}")")
[ -n "$vtid" ] || kc_fail "no sink task on worker $victim ($owner_id)"
kc_note "killing worker $victim (runs the source)"
t0=$(date +%s%N)
dist_worker_kill "$victim"
# the dead worker's sink task moves to a survivor and keeps its id
dist_wait "the victim's sink task $vtid RUNNING on a survivor" 20 sh -c "curl -s '${W_URL[$survivor]}/connectors/snk/status' | jq -e --arg w '$owner_id' --argjson t $vtid '[.tasks[] | select(.id == \$t)][0] | .state == \"RUNNING\" and .worker_id != \$w'"
st "${W_URL[$survivor]}" snk | jq -e '[.tasks[].id] == [0, 1, 2]' >/dev/null || kc_fail "task ids changed after kill -9: $(st "${W_URL[$survivor]}" snk)"
dist_wait "victim shown not alive in /kcops/v1/workers" 20 sh -c "curl -s '${W_URL[$survivor]}/kcops/v1/workers' | jq -e --arg w '$owner_id' '.distributed and ([.workers[] | select(.worker_id == \$w)][0].alive == false) and ([.workers[] | select(.alive)] | length == 2)'"
dist_wait "gen RUNNING on a survivor" 60 sh -c "curl -s '${W_URL[$survivor]}/connectors/gen/status' | jq -e --arg w '$owner_id' '[.tasks[] | select(.state == \"RUNNING\" and .worker_id != \$w)] | length == 1'"
kc_note "source moved $(( ($(date +%s%N) - t0) / 1000000 )) ms after kill -9"
sleep 2
# stop the load through a survivor; every record in src must reach nginx
[ "$(post PUT "${W_URL[$survivor]}/connectors/gen/stop")" = 204 ] || kc_fail "stop gen"
sleep 2
N=$(kcat -C -b "$MOCK_BOOTSTRAP" -t src -e -q -f 'x\n' 2>/dev/null | wc -l)
[ "$N" -gt 100 ] || kc_fail "only $N records produced"
dist_wait "every record of src requested at nginx ($N)" 60 sh -c "[ \$(wc -l <'$LOGDIR/access.log') -ge $N ]"
kc_note "$N records in src, $(wc -l <"$LOGDIR/access.log") requests at nginx (at-least-once)"

# source offsets live in offset.storage.topic: the survivor that took gen over resumed the
# victim's counts (the cron source's offset counts the records each job sent), and every
# worker shows the same offsets
other=$(( survivor % 3 + 1 )); [ "$other" = "$victim" ] && other=$(( other % 3 + 1 ))
offs() { curl -s --max-time 5 "$1/connectors/gen/offsets" | jq -c '.offsets | sort_by(.partition.job)'; }
dist_wait "gen's offsets the same on both survivors" 20 sh -c "[ \"\$(curl -s '${W_URL[$survivor]}/connectors/gen/offsets' | jq -c '.offsets | sort_by(.partition.job)')\" = \"\$(curl -s '${W_URL[$other]}/connectors/gen/offsets' | jq -c '.offsets | sort_by(.partition.job)')\" ]"
sum=$(offs "${W_URL[$survivor]}" | jq '[.[].offset.records] | add // 0')
kc_note "gen's offsets count $sum records sent, $N in src"
[ "$sum" -ge $(( N - 96 )) ] && [ "$sum" -le $(( N + 96 )) ] ||
	kc_fail "gen's offsets count $sum records, src holds $N: the survivor did not resume the victim's offsets"
# PATCH on one worker reaches the other through the topic
[ "$(post PATCH "${W_URL[$survivor]}/connectors/gen/offsets" '{"offsets":[{"partition":{"job":"j0"},"offset":{"records":5,"time":0}}]}')" = 200 ] ||
	kc_fail "PATCH gen's offsets: $(cat "$LOGDIR/body")"
j0() { curl -s --max-time 5 "$1/connectors/gen/offsets" | jq -e '.offsets[] | select(.partition.job == "j0") | .offset.records == 5'; }
dist_wait "altered offset visible on worker $other" 20 j0 "${W_URL[$other]}"

# the killed worker rejoins
dist_worker_relaunch "$victim"
dist_wait "rejoined worker lists snk" 30 list_has "${W_URL[$victim]}" snk
# its state.dir still has its own older offsets of gen: the topic wins
j0 "${W_URL[$victim]}" >/dev/null || kc_fail "rejoined worker shows gen's offsets $(offs "${W_URL[$victim]}"), not the topic's (j0: 5 records)"
[ "$(post DELETE "${W_URL[$victim]}/connectors/gen/offsets")" = 200 ] || kc_fail "DELETE gen's offsets: $(cat "$LOGDIR/body")"
dist_wait "reset offsets visible on worker $survivor" 20 sh -c "curl -s '${W_URL[$survivor]}/connectors/gen/offsets' | jq -e '.offsets == []'"
dist_wait "rejoined worker runs its sink task" 60 sh -c "curl -s '${W_URL[$victim]}/connectors/snk/status' | jq -e --arg w '${W_URL[$victim]#http://}' '[.tasks[] | select(.worker_id == \$w and .state == \"RUNNING\")] | length == 1'"
# restart through any worker restarts the task instances on the others
# (once the tasks have settled: one per worker, none still moving)
dist_wait "one snk task on each of the three live workers" 60 sh -c "curl -s '${W_URL[$survivor]}/kcops/v1/workers' | jq -e '[.workers[] | select(.alive)] | length == 3 and all(.tasks == 1)'"
before=$(grep -cE "task snk-[0-9]+ restarted" "${W_DIR[$survivor]}/stderr.log" || true)
[ "$(post POST "${W_URL[$victim]}/connectors/snk/restart?includeTasks=true")" = 202 ] || kc_fail "restart via worker $victim"
dist_wait "worker $survivor restarted its snk task" 30 sh -c "[ \$(grep -cE 'task snk-[0-9]+ restarted' '${W_DIR[$survivor]}/stderr.log') -gt $before ]"
for i in 1 2 3; do dist_worker_stop "$i"; done
echo "cluster: all checks passed"
