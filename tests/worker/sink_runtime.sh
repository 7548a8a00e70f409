#!/usr/bin/env bash
# sink_runtime.sh - the runtime's sink side, through kcops-worker-test's echo sink
# (test_plugins.c): consumer group connect-<name>, JsonConverter decoding, exchanges and the
# long poll woken by a new record, sink offsets (GET, PATCH, DELETE while STOPPED), pause of
# a sink, a FAILED task with its trace and restart?onlyFailed, password masking.
. "$(dirname "$0")/../lib/worker.sh"
KCOPS_WORKER=$KCOPS_BUILD_ROOT/tests/worker/kcops-worker-test
SHAPES="$KCOPS_SOURCE_ROOT/tests/shapes/connect_shapes.py"
shape() { local out; out=$(printf '%s' "$HTTP_BODY" | "$KC_PY" "$SHAPES" "$1") || kc_fail "$2: $out"; }
wait_json() {	# wait_json URL EXPR VALUE [SECONDS]
	local i v= n=$(( ${4:-20} * 10 ))
	for ((i = 0; i < n; i++)); do
		kc_http GET "$1"
		if [ "$HTTP_CODE" = 200 ]; then v=$(kc_json "$2" 2>/dev/null) || v=; [ "$v" = "$3" ] && return 0; fi
		sleep 0.1
	done
	kc_fail "$1: $2 never became $3 (last: $v; $HTTP_BODY)"
}
produce() { printf '%s\n' "$@" | kcat -b "$WORKER_BOOTSTRAP" -t in -P -K '|' -p 0; }

worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500 \
	--set value.converter=org.apache.kafka.connect.json.JsonConverter \
	--set value.converter.schemas.enable=false
U=$WORKER_URL
produce 'k1|{"n":1}' 'k2|{"n":2}' 'k3|[3]'

kc_http PUT "$U/connector-plugins/kcops.test.EchoSinkConnector/config/validate" \
	'{"connector.class":"kcops.test.EchoSinkConnector","name":"e","topics":"in","secret":"hunter2"}'
kc_expect_code 200 validate; shape config_infos validate
[ "$(kc_json '[c["value"]["value"] for c in j["configs"] if c["value"]["name"]=="secret"]')" = '["[hidden]"]' ] ||
	kc_fail "password not masked: $HTTP_BODY"
kc_http PUT "$U/connector-plugins/kcops.test.EchoSinkConnector/config/validate" \
	'{"connector.class":"kcops.test.EchoSinkConnector","name":"e"}'
[ "$(kc_json 'j["error_count"]')" = 2 ] || kc_fail "sink without topics: $HTTP_BODY"

kc_http POST "$U/connectors" '{"name":"echo","config":{"connector.class":"kcops.test.EchoSinkConnector","topics":"in","fail.on":"boom","secret":"hunter2","key.converter":"org.apache.kafka.connect.storage.StringConverter"}}'
kc_expect_code 201 "create echo sink"
[ "$(kc_json 'j["config"]["secret"]')" = hunter2 ] || kc_fail "stored config must show the secret (as Connect)"

# exchanges: long polls collect the three decoded records (group join takes ~3 s)
got='[]'; next=0
for ((i = 0; i < 10; i++)); do
	kc_http GET "$U/kcops/v1/connectors/echo/exchanges?since=$next&wait=15000"
	kc_expect_code 200 "exchanges"
	got=$(HTTP_BODY="$HTTP_BODY" GOT="$got" "$KC_PY" -c 'import json,os; print(json.dumps(json.loads(os.environ["GOT"]) + [[e["key"], e["value"], e["seq"]] for e in json.loads(os.environ["HTTP_BODY"])["exchanges"]]))')
	next=$(kc_json 'j["next"]')
	[ "$next" -ge 3 ] && break
done
[ "$got" = '[["k1", {"n": 1}, 1], ["k2", {"n": 2}, 2], ["k3", [3], 3]]' ] || kc_fail "exchanges: $got"
[ "$next" = 3 ] || kc_fail "next should be 3: $HTTP_BODY"
# a waiting long poll is woken by a new record, well before its 10 s
( sleep 1; produce 'k4|"four"' ) &
prod=$!
t0=$(date +%s%N)
kc_http GET "$U/kcops/v1/connectors/echo/exchanges?since=$next&wait=10000"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(kc_json '[e["value"] for e in j["exchanges"]]')" = '["four"]' ] || kc_fail "woken long poll: $HTTP_BODY"
[ "$el" -lt 6000 ] || kc_fail "long poll was not woken by the new record (${el} ms)"
[ "$el" -ge 800 ] || kc_fail "long poll answered before the record existed (${el} ms)"
wait "$prod"
wait_json "$U/kcops/v1/connectors/echo/metrics" 'j["total"]["records"]' 4

# sink offsets from the consumer group
wait_json "$U/connectors/echo/offsets" 'j["offsets"]' '[{"partition": {"kafka_topic": "in", "kafka_partition": 0}, "offset": {"kafka_offset": 4}}]'
shape connector_offsets offsets

# pause a sink: no records flow while paused
kc_http PUT "$U/connectors/echo/pause"; kc_expect_code 202 pause
wait_json "$U/connectors/echo/status" 'j["tasks"][0]["state"]' PAUSED
produce 'k5|5'
sleep 1.5
kc_http GET "$U/kcops/v1/connectors/echo/metrics"
[ "$(kc_json 'j["total"]["records"]')" = 4 ] || kc_fail "records consumed while paused: $HTTP_BODY"
kc_http PUT "$U/connectors/echo/resume"
wait_json "$U/kcops/v1/connectors/echo/metrics" 'j["total"]["records"]' 5

# offsets: refused while running, altered and reset while STOPPED
kc_http PATCH "$U/connectors/echo/offsets" '{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":{"kafka_offset":1}}]}'
kc_expect_code 400 "PATCH offsets while running"
kc_http PUT "$U/connectors/echo/stop"; kc_expect_code 204 stop
wait_json "$U/connectors/echo/status" 'j["connector"]["state"]+str(len(j["tasks"]))' STOPPED0
kc_http PATCH "$U/connectors/echo/offsets" '{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":"x"},"offset":{"kafka_offset":1}}]}'
kc_expect_code 400 "PATCH bad sink partition"
kc_http PATCH "$U/connectors/echo/offsets" '{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":{"kafka_offset":3}}]}'
kc_expect_code 200 "PATCH sink offsets"; shape message "PATCH sink offsets"
wait_json "$U/connectors/echo/offsets" 'j["offsets"][0]["offset"]["kafka_offset"]' 3
kc_http DELETE "$U/connectors/echo/offsets"; kc_expect_code 200 "DELETE sink offsets"
wait_json "$U/connectors/echo/offsets" '[o["offset"]["kafka_offset"] for o in j["offsets"]]' "[0]"
# resumed, it re-reads everything from the reset offset
kc_http PUT "$U/connectors/echo/resume"
wait_json "$U/kcops/v1/connectors/echo/metrics" 'j["total"]["records"]' 5
kc_http GET "$U/kcops/v1/connectors/echo/exchanges?since=5"
[ "$(kc_json '[e["offset"] for e in j["exchanges"]]')" = '[0, 1, 2, 3, 4]' ] || kc_fail "re-read after reset: $HTTP_BODY"

# a failing record fails the task with a trace; restart?onlyFailed marks only it
kc_http PUT "$U/connectors/echo/config" '{"connector.class":"kcops.test.EchoSinkConnector","topics":"in","fail.on":"boom","tasks.max":"2","value.converter":"org.apache.kafka.connect.storage.StringConverter"}'
kc_expect_code 200 "reconfigure"
wait_json "$U/connectors/echo/status" 'len(j["tasks"])' 2
produce 'kb|boom'
wait_json "$U/connectors/echo/status" '"FAILED" in [t["state"] for t in j["tasks"]]' true 30
kc_http GET "$U/connectors/echo/status"; shape connector_state "failed task status"
[ "$(kc_json 'j["connector"]["state"]')" = RUNNING ] || kc_fail "connector must stay RUNNING with a FAILED task"
failed=$(kc_json '[t["id"] for t in j["tasks"] if t["state"]=="FAILED"][0]')
[ "$(kc_json '[t.get("trace","") for t in j["tasks"] if t["state"]=="FAILED"][0].startswith("echo: found the fail.on value")')" = true ] ||
	kc_fail "trace: $HTTP_BODY"
kc_http GET "$U/connectors/echo/tasks/$failed/status"; shape task_state "failed task"
kc_http POST "$U/connectors/echo/restart?includeTasks=true&onlyFailed=true"; kc_expect_code 202 "restart onlyFailed"
[ "$(kc_json '{t["id"]: t["state"] for t in j["tasks"]}['"$failed"']')" = RESTARTING ] || kc_fail "failed task not RESTARTING: $HTTP_BODY"
[ "$(kc_json 'sorted(t["state"] for t in j["tasks"])')" = '["RESTARTING", "RUNNING"]' ] || kc_fail "healthy task touched: $HTTP_BODY"
[ "$(kc_json 'j["connector"]["state"]')" = RUNNING ] || kc_fail "connector restarted although not FAILED: $HTTP_BODY"
# the record is still there, so the restarted task fails again on it
wait_json "$U/connectors/echo/status" '"FAILED" in [t["state"] for t in j["tasks"]]' true 30
[ -e "$WORKER_STATE_DIR/connectors/echo/task-0" ] || kc_fail "no private state directory for echo"
kc_http DELETE "$U/connectors/echo"; kc_expect_code 204 delete
for ((i = 0; i < 100; i++)); do [ -e "$WORKER_STATE_DIR/connectors/echo" ] || break; sleep 0.1; done
[ ! -e "$WORKER_STATE_DIR/connectors/echo" ] || kc_fail "private state directory kept after DELETE"
worker_stop
echo "sink_runtime: all checks passed"
