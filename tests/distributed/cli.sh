#!/usr/bin/env bash
# cli.sh - kcops (CLI and TUI) against a two-worker kcops-worker cluster: 'get workers'
# lists both (table and -o json) and marks a killed one silent; 'get tasks' and 'describe
# connector' show each sink task (tasks.max=2: ids 0 and 1) once with the worker running it,
# and a killed worker's task on the survivor with the same id; the TUI
# header counts both workers, its detail view shows the workers of the tasks and ':get
# workers' shows the worker list.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../tui/lib.sh"
. "$(dirname "$0")/lib.sh"
kcops() { "$KCOPS_BIN" "$@"; }
dist_mock_start --topic src:2
dist_worker_start 1
dist_worker_start 2
id1=${W_URL[1]#http://} id2=${W_URL[2]#http://}

kc_tmpdir; body=$KC_TMP_LAST/body
code=$(curl -s -o "$body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary '{"name":"snk","config":{"connector.class":"kcops.http.HttpSinkConnector","topics":"src","tasks.max":"2"}}' \
	"${W_URL[1]}/connectors")
[ "$code" = 201 ] || kc_fail "create snk: $code $(cat "$body")"
dist_wait "snk RUNNING on both workers" 40 sh -c "curl -s '${W_URL[2]}/connectors/snk/status' | jq -e '[.tasks[] | select(.state == \"RUNNING\") | .worker_id] | unique | length == 2'"

# get workers: both listed, alive, one task each
dist_wait "both workers in the list with a task each" 20 sh -c "'$KCOPS_BIN' --url '${W_URL[1]}' get workers -o json | jq -e '.distributed and (.workers | length == 2) and ([.workers[] | select(.alive and .tasks == 1)] | length == 2)'"
out=$(kcops --url "${W_URL[1]}" get workers)
kc_note "get workers:"$'\n'"$out"
head -1 <<<"$out" | kc_grepq -E '^WORKER +STATE +HEARTBEAT +TASKS +SOURCES +URL$' || kc_fail "get workers header: $out"
grep -qE "^$id1 +alive +\(answered\) +1 " <<<"$out" || kc_fail "get workers: no row for worker 1 ($id1): $out"
grep -qE "^$id2 +alive +[0-9.]+s ago +1 .*http://$id2\$" <<<"$out" || kc_fail "get workers: no row for worker 2 ($id2): $out"
[ "$(kcops --url "${W_URL[2]}" get workers -o names | sort)" = "$(printf '%s\n' "$id1" "$id2" | sort)" ] ||
	kc_fail "get workers -o names on worker 2: $(kcops --url "${W_URL[2]}" get workers -o names)"

# get tasks / describe connector: each task once, distinct ids, the worker of each
tasks=$(kcops --url "${W_URL[2]}" get tasks snk -o json)
jq -e --arg a "$id1" --arg b "$id2" '([.[].id] | sort) == [0, 1] and ([.[].worker_id] | sort) == ([$a, $b] | sort)' <<<"$tasks" >/dev/null ||
	kc_fail "get tasks snk -o json: $tasks"
table=$(kcops --url "${W_URL[1]}" get tasks snk)
for id in "$id1" "$id2"; do
	grep -qE "^snk +[01] +RUNNING +$id" <<<"$table" || kc_fail "get tasks: no RUNNING task on $id: $table"
done
desc=$(kcops --url "${W_URL[1]}" describe connector snk)
for id in "$id1" "$id2"; do
	grep -q "$id" <<<"$desc" || kc_fail "describe connector snk does not name worker $id: $desc"
done

# the TUI: the detail view names both workers; ':get workers' shows the list
TUI_COLS=100 tui_start --url "${W_URL[1]}"
tui_wait_re 'snk +sink +RUNNING'
tui_wait "workers 2"	# the header counts the workers of the tasks too
tui_keys Enter
tui_wait "$id1"
tui_wait "$id2"
tui_keys q
tui_keys :
tui_type "get workers"
tui_keys Enter
tui_wait "HEARTBEAT"
tui_wait_re "$id2 +alive"
tui_keys q
tui_quit

# worker 2 killed: shown silent, its task moves to worker 1 and keeps its id
t2=$(jq -r --arg w "$id2" '.[] | select(.worker_id == $w) | .id' <<<"$tasks")
dist_worker_kill 2
dist_wait "worker 2 shown silent" 20 sh -c "'$KCOPS_BIN' --url '${W_URL[1]}' get workers | grep -qE '^$id2 +silent '"
dist_wait "worker 2's task $t2 RUNNING on worker 1 in get tasks" 20 sh -c "'$KCOPS_BIN' --url '${W_URL[1]}' get tasks snk | grep -qE '^snk +$t2 +RUNNING +$id1'"
# hostile records in the cluster topics: skipped or shown sanitised, the worker survives
# (the fake worker's heartbeat is current: it counts as a worker for a few seconds, and the
# task assigned to it in that time is shown UNASSIGNED under its sanitised id)
printf '%s\n' '{"worker_id":"evil\u001b[31mX","url":"http://\u001b]0;t\u0007x","ts":'"$(date +%s%3N)"',"connectors":{"snk":[{"id":0},{"id":"x"},5,{"id":1,"state":7}],"gone":"y"}}' \
	'[1,2]' 'not json' | kcat -P -b "$MOCK_BOOTSTRAP" -t kc-config-status -p 0
printf '%s\n' 'garbage|{"x":1}' '["snk",{"p":1}]|[1,2]' '["snk",5]|{"o":1}' '["snk",{"p":2}]|not json' |
	kcat -P -b "$MOCK_BOOTSTRAP" -t kc-config-offsets -p 0 -K '|'
dist_wait "the hostile worker listed" 10 sh -c "'$KCOPS_BIN' --url '${W_URL[1]}' get workers -o json | jq -e '.workers | length == 3'"
for what in "get workers" "get tasks snk" "describe connector snk"; do
	# shellcheck disable=SC2086
	out=$(kcops --url "${W_URL[1]}" $what) || kc_fail "kcops $what failed with hostile records around"
	if grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$out"; then kc_fail "kcops $what printed a control character: $(cat -v <<<"$out")"; fi
done
for id in $(curl -s "${W_URL[1]}/connectors/snk/status" | jq -r '.tasks[].id'); do
	code=$(curl -s -o "$body" -w '%{http_code}' -X POST "${W_URL[1]}/connectors/snk/tasks/$id/restart")
	case $code in 204|202) ;; *) kc_fail "restart of task $id with hostile records around: $code $(cat "$body")" ;; esac
done
[ "$(curl -s "${W_URL[1]}/connectors/snk/offsets" -o "$body" -w '%{http_code}')" = 200 ] || kc_fail "offsets after hostile records: $(cat "$body")"
kc_wait_http "${W_URL[1]}/" 5

# nothing answering: a clear error
err=$(kcops --url "http://127.0.0.1:9" get workers 2>&1) && kc_fail "get workers against nothing should fail"
kc_note "$err"
dist_worker_stop 1
echo "cli: all checks passed"
