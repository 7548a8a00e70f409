#!/usr/bin/env bash
# rest_api.sh - drive kcops-worker over HTTP (curl) through every Connect REST endpoint:
# status codes, JSON error bodies, response shapes (tests/shapes/connect_shapes.py), state
# transitions, names with special characters, bad input, and persistence across a restart.
. "$(dirname "$0")/../lib/worker.sh"
SHAPES="$KCOPS_SOURCE_ROOT/tests/shapes/connect_shapes.py"

shape() {	# shape KIND WHAT: HTTP_BODY conforms to KIND
	local out
	out=$(printf '%s' "$HTTP_BODY" | "$KC_PY" "$SHAPES" "$1") || kc_fail "$2: shape $1: $out"
}
enc() { "$KC_PY" -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
jq_() { kc_json "$1"; }
expect_eq() { [ "$1" = "$2" ] || kc_fail "$3: expected '$2', got '$1'"; }
# wait_state NAME EXPR VALUE: poll status until python EXPR on it equals VALUE
wait_state() {
	local i v=
	for ((i = 0; i < 200; i++)); do
		kc_http GET "$WORKER_URL/connectors/$(enc "$1")/status"
		if [ "$HTTP_CODE" = 200 ]; then
			v=$(jq_ "$2")
			[ "$v" = "$3" ] && return 0
		fi
		sleep 0.05
	done
	kc_fail "connector $1: $2 never became $3 (last: $v, $HTTP_BODY)"
}
cron_config() {	# cron_config NAME TOPIC [extra json members]
	printf '{"connector.class":"kcops.http.HttpCronSourceConnector","name":"%s","topic":"%s","jobs":"a","job.a.url":"http://127.0.0.1:9/x","job.a.cron":"* * * * * ?"%s}' "$1" "$2" "${3:-}"
}

worker_start
U=$WORKER_URL

# ---- root, health, empty lists
kc_http GET "$U/"; kc_expect_code 200 "GET /"; shape server_info "GET /"
expect_eq "$(jq_ 'j["kcops_version"]')" "0.1.0" "kcops_version"
expect_eq "$(jq_ 'j["bootstrap_servers"]')" "$WORKER_BOOTSTRAP" "bootstrap_servers in GET /"
expect_eq "$(jq_ 'j["version"] >= "3.9"')" "true" "Connect API level"
kc_http GET "$U/health"; kc_expect_code 200 "GET /health"; shape worker_status health
kc_http GET "$U/connectors"; kc_expect_code 200 "list"; expect_eq "$HTTP_BODY" "[]" "empty list"
kc_http GET "$U/connectors?expand=status&expand=info"; expect_eq "$HTTP_BODY" "{}" "empty expanded"

# ---- plugins
kc_http GET "$U/connector-plugins"; kc_expect_code 200 plugins; shape plugin_list plugins
expect_eq "$(jq_ '"kcops.http.HttpCronSourceConnector" in [p["class"] for p in j]')" true "cron plugin listed"
expect_eq "$(jq_ 'any(p["type"]=="converter" for p in j)')" false "connectorsOnly default"
kc_http GET "$U/connector-plugins?connectorsOnly=false"; shape plugin_list "plugins all"
expect_eq "$(jq_ 'any(p["type"]=="converter" for p in j)')" true "converters listed"
kc_http GET "$U/connector-plugins/kcops.http.HttpCronSourceConnector/config"
kc_expect_code 200 "plugin config"; shape config_key_infos "plugin config"
expect_eq "$(jq_ 'sorted(k["name"] for k in j if k["name"] in ("topic","jobs","tasks.max"))')" '["jobs", "tasks.max", "topic"]' "plugin keys"
kc_http GET "$U/connector-plugins/HttpCronSource/config"; kc_expect_code 200 "plugin alias config"
kc_http GET "$U/connector-plugins/org.apache.kafka.connect.json.JsonConverter/config"
kc_expect_code 200 "converter config"; shape config_key_infos "converter config"
[ "$(jq_ '[k["default_value"] for k in j if k["name"]=="schemas.enable"]')" = '["true"]' ] || kc_fail "JsonConverter keys: $HTTP_BODY"
kc_http GET "$U/connector-plugins/NoSuchPlugin/config"; kc_expect_code 404 "unknown plugin"; shape error "unknown plugin"

# ---- validate
P=$U/connector-plugins/kcops.http.HttpCronSourceConnector/config/validate
kc_http PUT "$P" "$(cron_config v t)"; kc_expect_code 200 validate; shape config_infos validate
expect_eq "$(jq_ 'j["error_count"]')" 0 "valid config"
kc_http PUT "$P" '{"connector.class":"kcops.http.HttpCronSourceConnector","name":"v","jobs":"a","job.a.url":"u","job.a.cron":"61 * * * * ?","tasks.max":"x"}'
kc_expect_code 200 "validate invalid"; shape config_infos "validate invalid"
expect_eq "$(jq_ 'sorted(c["value"]["name"] for c in j["configs"] if c["value"]["errors"])')" '["tasks.max", "topic"]' "invalid keys"
kc_http PUT "$P" '{"connector.class":"kcops.http.HttpCronSourceConnector","name":"v","topic":"t","jobs":"a","job.a.url":"u","job.a.cron":"61 * * * * ?"}'
expect_eq "$(jq_ '[c["value"]["name"] for c in j["configs"] if c["value"]["errors"]]')" '["job.a.cron"]' "cron error keyed by job key"
expect_eq "$(jq_ '[c["definition"] for c in j["configs"] if c["value"]["name"]=="job.a.cron"]')" '[null]' "undefined key has null definition"
kc_http PUT "$P" '{"name":"v"}'; kc_expect_code 400 "validate without connector.class"; shape error v400
kc_http PUT "$U/connector-plugins/Nope/config/validate" '{"connector.class":"Nope"}'; kc_expect_code 500 "validate unknown class"; shape error v500
kc_http PUT "$U/connector-plugins/Other/config/validate" "$(cron_config v t)"; kc_expect_code 400 "validate type mismatch"
kc_http PUT "$P" '{"connector.class": '; kc_expect_code 500 "validate malformed"; shape error "validate malformed"

# ---- create
kc_http POST "$U/connectors" "{\"name\":\"c1\",\"config\":$(cron_config c1 t1)}"
kc_expect_code 201 create; shape connector_info create
loc=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "{\"name\":\"loc test\",\"config\":$(cron_config 'loc test' t1)}" "$U/connectors" | tr -d '\r' | sed -n 's/^Location: //Ip')
expect_eq "$loc" "/connectors/loc%20test" "Location header"
kc_http POST "$U/connectors" "{\"name\":\"c1\",\"config\":$(cron_config c1 t1)}"; kc_expect_code 409 duplicate; shape error duplicate
expect_eq "$(jq_ 'j["message"]')" "Connector c1 already exists" "409 message"
kc_http POST "$U/connectors" '{"name":"x"}'; kc_expect_code 400 "missing config"
kc_http POST "$U/connectors" '{"name":"x","config":{"topic":"t"}}'; kc_expect_code 400 "missing connector.class"; shape error noclass
kc_http POST "$U/connectors" '{"name":"x","config":{"connector.class":"com.example.Nope"}}'; kc_expect_code 500 "unknown class"
kc_http POST "$U/connectors" '{"name":"x","config":{"connector.class":"HttpCronSource"}}'; kc_expect_code 400 "invalid config"
expect_eq "$(jq_ '"contains the following" in j["message"]')" true "invalid config message"
expect_eq "$(jq_ '" | ".join(j["message"].split("\n")[:3])')" \
	'Connector configuration is invalid and contains the following 2 error(s): | Missing required configuration "topic" which has no default value. | Missing required configuration "jobs" which has no default value.' \
	"invalid config message: count and one line per error"
kc_http POST "$U/connectors" '{"name":"x","config":'; kc_expect_code 500 "malformed JSON"; shape error malformed
kc_http POST "$U/connectors" '{"name":"x","config":[1,2]}'; kc_expect_code 500 "config not an object"
kc_http POST "$U/connectors" '{"name":"x","config":{"connector.class":{"a":1}}}'; kc_expect_code 500 "object value"
kc_http POST "$U/connectors" '{"name":5,"config":{}}'; kc_expect_code 500 "name not a string"
kc_http POST "$U/connectors" "{\"name\":\"x\",\"config\":$(cron_config x t1),\"bogus\":1}"; kc_expect_code 500 "unknown field"
expect_eq "$(jq_ '"bogus" in j["message"]')" true "unknown field named"
kc_http POST "$U/connectors" "{\"name\":\"x\",\"config\":$(cron_config y t1)}"; kc_expect_code 400 "name mismatch"
kc_http POST "$U/connectors" "{\"name\":\"bad\\u0001name\",\"config\":$(cron_config x t1 | sed 's/"name":"x",//')}"; kc_expect_code 400 "control character in name"
kc_http POST "$U/connectors" "{\"name\":\"bad\\u0085c1\",\"config\":$(cron_config x t1 | sed 's/"name":"x",//')}"; kc_expect_code 400 "C1 control character in name"
kc_http POST "$U/connectors" "{\"name\":\"   \",\"config\":{}}"; kc_expect_code 400 "empty name"
kc_http POST "$U/connectors" "{\"name\":\"  trimmed  \",\"config\":$(cron_config trimmed t1 | sed 's/"name":"trimmed",//')}"; kc_expect_code 201 "trimmed name"
expect_eq "$(jq_ 'j["name"]')" "trimmed" "name trimmed"
kc_http POST "$U/connectors" "{\"name\":\"numeric\",\"config\":{\"connector.class\":\"HttpCronSource\",\"topic\":\"t1\",\"jobs\":\"a\",\"job.a.url\":\"u\",\"job.a.rate\":1,\"tasks.max\":2}}"
kc_expect_code 201 "numbers coerced to strings"; expect_eq "$(jq_ 'j["config"]["tasks.max"]')" "2" "coerced value"
kc_http POST "$U/connectors" "{\"name\":\"paused-at-birth\",\"config\":$(cron_config paused-at-birth t1),\"initial_state\":\"paused\"}"; kc_expect_code 201 "initial_state PAUSED"
kc_http POST "$U/connectors" "{\"name\":\"stopped-at-birth\",\"config\":$(cron_config stopped-at-birth t1),\"initial_state\":\"STOPPED\"}"; kc_expect_code 201 "initial_state STOPPED"
kc_http POST "$U/connectors" "{\"name\":\"z\",\"config\":$(cron_config z t1),\"initial_state\":\"SLEEPING\"}"; kc_expect_code 500 "bad initial_state"
wait_state paused-at-birth 'j["connector"]["state"]' PAUSED
wait_state stopped-at-birth 'j["connector"]["state"]+str(len(j["tasks"]))' STOPPED0

# ---- special names
for name in "with space" "ünïcødé ☃" "per%cent" "what?name" "a+b" "hash#tag" "slash/inside"; do
	body=$("$KC_PY" -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"config":json.loads(sys.argv[2])}))' "$name" "$(cron_config x t1 | sed 's/"name":"x",//')")
	kc_http POST "$U/connectors" "$body"; kc_expect_code 201 "create '$name'"
	expect_eq "$(jq_ 'j["name"]')" "$name" "name round trip"
	kc_http GET "$U/connectors/$(enc "$name")"; kc_expect_code 200 "GET '$name'"
	expect_eq "$(jq_ 'j["name"]')" "$name" "GET name"
	wait_state "$name" 'j["connector"]["state"]' RUNNING
done
kc_http GET "$U/connectors"; shape connector_list list
expect_eq "$(jq_ '"ünïcødé ☃" in j and "slash/inside" in j')" true "listed names"

# ---- read, status, tasks
kc_http GET "$U/connectors/c1"; kc_expect_code 200 get; shape connector_info get
kc_http GET "$U/connectors/nope"; kc_expect_code 404 "get unknown"; shape error "get unknown"
expect_eq "$(jq_ 'j["message"]')" "Connector nope not found" "404 message"
wait_state c1 'j["tasks"][0]["state"]' RUNNING
kc_http GET "$U/connectors/c1/status"; shape connector_state status
kc_http GET "$U/connectors/nope/status"; kc_expect_code 404 "status unknown"; shape error "status unknown"
kc_http GET "$U/connectors/c1/tasks"; kc_expect_code 200 tasks; shape task_info_list tasks
expect_eq "$(jq_ 'j[0]["id"]')" '{"connector": "c1", "task": 0}' "task id"
kc_http GET "$U/connectors/c1/tasks-config"; kc_expect_code 200 tasks-config; shape tasks_config tasks-config
kc_http GET "$U/connectors/c1/tasks/0/status"; kc_expect_code 200 "task status"; shape task_state "task status"
kc_http GET "$U/connectors/c1/tasks/7/status"; kc_expect_code 404 "unknown task"; shape error "unknown task"
kc_http GET "$U/connectors/c1/tasks/x/status"; kc_expect_code 404 "non-integer task"
kc_http GET "$U/connectors/numeric/tasks"; expect_eq "$(jq_ 'len(j)')" 1 "cron: one task per job"

# ---- config
kc_http GET "$U/connectors/c1/config"; kc_expect_code 200 config
expect_eq "$(jq_ 'j["topic"]')" t1 "config topic"
kc_http PUT "$U/connectors/c1/config" "$(cron_config c1 t2)"; kc_expect_code 200 "PUT update"; shape connector_info "PUT update"
expect_eq "$(jq_ 'j["config"]["topic"]')" t2 "PUT applied"
kc_http PUT "$U/connectors/c2/config" "$(cron_config c2 t1)"; kc_expect_code 201 "PUT create"
kc_http PUT "$U/connectors/c2/config" "{\"name\":\"c2\",\"config\":$(cron_config c2 t1)}"; kc_expect_code 500 "PUT wrapped body"
kc_http PUT "$U/connectors/c2/config" "$(cron_config other t1)"; kc_expect_code 400 "PUT name mismatch"
kc_http PUT "$U/connectors/c2/config" '{"connector.class":"HttpCronSource"}'; kc_expect_code 400 "PUT invalid"
kc_http PATCH "$U/connectors/c1/config" '{"job.a.cron":"0/2 * * * * ?","job.a.body":"hello"}'; kc_expect_code 200 PATCH
expect_eq "$(jq_ 'j["config"]["job.a.body"]+j["config"]["job.a.cron"]')" "hello0/2 * * * * ?" "PATCH merged"
kc_http PATCH "$U/connectors/c1/config" '{"job.a.body":null}'; kc_expect_code 200 "PATCH null"
expect_eq "$(jq_ '"job.a.body" in j["config"]')" false "PATCH null removes key"
kc_http PATCH "$U/connectors/nope/config" '{"a":"b"}'; kc_expect_code 404 "PATCH unknown"
kc_http PATCH "$U/connectors/c1/config" '{"topic":null}'; kc_expect_code 400 "PATCH making config invalid"
wait_state c1 'j["tasks"][0]["state"]' RUNNING

# ---- lifecycle
kc_http PUT "$U/connectors/c1/pause"; kc_expect_code 202 pause; expect_eq "$HTTP_BODY" "" "pause body"
kc_http GET "$U/connectors/c1/status"; expect_eq "$(jq_ 'j["connector"]["state"]')" PAUSED "pause visible in the very next GET"
kc_http GET "$U/connectors?expand=status"; shape expanded_list "expand=status"
expect_eq "$(jq_ 'j["c1"]["status"]["connector"]["state"]')" PAUSED "pause visible in the expanded list"
wait_state c1 'j["tasks"][0]["state"]' PAUSED
kc_http PUT "$U/connectors/c1/pause"; kc_expect_code 202 "pause is idempotent"
kc_http PUT "$U/connectors/c1/resume"; kc_expect_code 202 resume
wait_state c1 'j["connector"]["state"]+j["tasks"][0]["state"]' RUNNINGRUNNING
kc_http PUT "$U/connectors/c1/stop"; kc_expect_code 204 stop
wait_state c1 'j["connector"]["state"]+str(len(j["tasks"]))' STOPPED0
kc_http GET "$U/connectors/c1"; expect_eq "$(jq_ 'j["tasks"]')" "[]" "stopped connector has no tasks"
kc_http PUT "$U/connectors/c1/resume"; kc_expect_code 202 "resume from STOPPED"
wait_state c1 'j["connector"]["state"]+j["tasks"][0]["state"]' RUNNINGRUNNING
for v in pause resume stop; do kc_http PUT "$U/connectors/nope/$v"; kc_expect_code 404 "$v unknown"; shape error "$v unknown"; done
kc_http PUT "$U/connectors/c1/resume"

# restart
kc_http POST "$U/connectors/c1/restart"; kc_expect_code 204 "plain restart"; expect_eq "$HTTP_BODY" "" "plain restart body"
kc_http POST "$U/connectors/c1/restart?includeTasks=true"; kc_expect_code 202 "restart includeTasks"
shape connector_state "restart 202 body"
expect_eq "$(jq_ 'j["connector"]["state"]+j["tasks"][0]["state"]')" RESTARTINGRESTARTING "RESTARTING in the 202 body"
wait_state c1 'j["connector"]["state"]+j["tasks"][0]["state"]' RUNNINGRUNNING
kc_http POST "$U/connectors/c1/restart?includeTasks=true&onlyFailed=true"; kc_expect_code 202 "restart onlyFailed"
expect_eq "$(jq_ 'j["connector"]["state"]+j["tasks"][0]["state"]')" RUNNINGRUNNING "onlyFailed leaves healthy instances alone"
kc_http POST "$U/connectors/nope/restart"; kc_expect_code 404 "restart unknown"; shape error "restart unknown"
kc_http POST "$U/connectors/c1/tasks/0/restart"; kc_expect_code 204 "task restart"
wait_state c1 'j["tasks"][0]["state"]' RUNNING
kc_http POST "$U/connectors/c1/tasks/9/restart"; kc_expect_code 404 "task restart unknown"; shape error "task restart unknown"

# ---- topics
wait_state numeric 'j["tasks"][0]["state"]' RUNNING
kc_http GET "$U/connectors/numeric/topics"; kc_expect_code 200 topics; shape topics topics
expect_eq "$(jq_ 'j["numeric"]["topics"]')" '["t1"]' "topics in use"
kc_http PUT "$U/connectors/numeric/topics/reset"; kc_expect_code 202 "topics reset"
kc_http GET "$U/connectors/numeric/topics"; expect_eq "$(jq_ 'j["numeric"]["topics"]')" '[]' "topics after reset"
kc_http GET "$U/connectors/nope/topics"; kc_expect_code 200 "topics of unknown connector (as Connect)"

# ---- offsets (source)
sleep 1.2	# numeric produces 1 record/s; offsets are stored every second
kc_http GET "$U/connectors/numeric/offsets"; kc_expect_code 200 offsets; shape connector_offsets offsets
expect_eq "$(jq_ 'j["offsets"][0]["partition"]')" '{"job": "a"}' "source partition"
kc_http PATCH "$U/connectors/numeric/offsets" '{"offsets":[{"partition":{"job":"a"},"offset":{"records":5}}]}'
kc_expect_code 400 "PATCH offsets of a running connector"; shape error "offsets not stopped"
kc_http PUT "$U/connectors/numeric/stop"
wait_state numeric 'j["connector"]["state"]+str(len(j["tasks"]))' STOPPED0
sleep 0.3
kc_http PATCH "$U/connectors/numeric/offsets" '{"offsets":[{"partition":{"job":"a"},"offset":{"records":5}}]}'
kc_expect_code 200 "PATCH offsets"; shape message "PATCH offsets"
kc_http GET "$U/connectors/numeric/offsets"; expect_eq "$(jq_ 'j["offsets"][0]["offset"]')" '{"records": 5}' "offset altered"
kc_http PATCH "$U/connectors/numeric/offsets" '{"offsets":[]}'; kc_expect_code 400 "PATCH empty offsets"
kc_http PATCH "$U/connectors/numeric/offsets" '{"offsets":[{"partition":"x"}]}'; kc_expect_code 500 "PATCH malformed offsets"
kc_http DELETE "$U/connectors/numeric/offsets"; kc_expect_code 200 "DELETE offsets"; shape message "DELETE offsets"
kc_http GET "$U/connectors/numeric/offsets"; expect_eq "$HTTP_BODY" '{"offsets":[]}' "offsets reset"
kc_http GET "$U/connectors/nope/offsets"; kc_expect_code 404 "offsets unknown"

# ---- loggers
kc_http GET "$U/admin/loggers"; kc_expect_code 200 loggers; shape loggers loggers
kc_http PUT "$U/admin/loggers/kcops.worker" '{"level":"debug"}'; kc_expect_code 200 "logger PUT"
expect_eq "$(jq_ '"kcops.worker" in j')" true "affected loggers listed"
kc_http GET "$U/admin/loggers/kcops.worker"; kc_expect_code 200 "logger GET"; shape logger_level "logger GET"
expect_eq "$(jq_ 'j["level"]')" DEBUG "logger level"
kc_http GET "$U/admin/loggers/no.such.logger"; kc_expect_code 404 "unknown logger"; shape error "unknown logger"
kc_http PUT "$U/admin/loggers/kcops.worker" '{"level":"LOUD"}'; kc_expect_code 404 "invalid level (as Connect)"
kc_http PUT "$U/admin/loggers/kcops.worker" '{}'; kc_expect_code 400 "missing level"
kc_http PUT "$U/admin/loggers/kcops.worker?scope=cluster" '{"level":"INFO"}'; kc_expect_code 204 "cluster scope"

# ---- kcops extensions
kc_http GET "$U/kcops/v1/worker"; kc_expect_code 200 "worker metrics"
t0=$(date +%s%N)
kc_http GET "$U/kcops/v1/connectors/c1/exchanges?since=0&wait=300"; kc_expect_code 200 "exchanges long poll"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$el" -ge 250 ] || kc_fail "long poll answered after ${el} ms, before its 300 ms wait"
expect_eq "$(jq_ 'j["exchanges"]')" "[]" "no exchanges for a cron source"
kc_http GET "$U/kcops/v1/connectors/c1/metrics"; kc_expect_code 200 metrics
kc_http GET "$U/kcops/v1/connectors/nope/exchanges"; kc_expect_code 404 "exchanges unknown"

# ---- bad requests keep the worker serving
kc_http GET "$U/no/such/path"; kc_expect_code 404 "unknown path"; shape error "unknown path"
kc_http DELETE "$U/connectors"; kc_expect_code 405 "wrong method"; shape error "wrong method"
kc_http POST "$U/connectors/c1/pause"; kc_expect_code 405 "POST pause"
kc_http GET "$U/connectors/%zz"; kc_expect_code 404 "bad escape"
big=$(mktemp); kc_on_exit "rm -f $big"
"$KC_PY" -c 'import sys; sys.stdout.write("{\"name\":\"big\",\"config\":{\"x\":\"" + "a"*2000000 + "\"}}")' >"$big"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$big" "$U/connectors")
expect_eq "$code" 413 "oversized body"
printf 'GARBAGE\r\n\r\n' | timeout 2 "$KC_PY" -c '
import socket,sys,urllib.parse
u=urllib.parse.urlparse(sys.argv[1]); s=socket.create_connection((u.hostname,u.port)); s.sendall(sys.stdin.buffer.read()); s.settimeout(1)
try: s.recv(100)
except Exception: pass' "$U" || true
kc_http GET "$U/"; kc_expect_code 200 "still serving after bad input"

# ---- delete
kc_http DELETE "$U/connectors/c2"; kc_expect_code 204 delete
kc_http GET "$U/connectors/c2"; kc_expect_code 404 "deleted"
kc_http DELETE "$U/connectors/c2"; kc_expect_code 404 "delete twice"

# ---- persistence across a restart
kc_http PUT "$U/connectors/$(enc 'ünïcødé ☃')/pause"; kc_expect_code 202 "pause unicode"
kc_http PUT "$U/connectors/$(enc 'per%cent')/stop"; kc_expect_code 204 "stop per%cent"
kc_http GET "$U/connectors?expand=info&expand=status"; shape expanded_list "expand both"
before=$(jq_ '{n: (v["info"]["config"], v["status"]["connector"]["state"]) for n, v in sorted(j.items())}')
worker_restart
U=$WORKER_URL
for n in "ünïcødé ☃" "per%cent" "c1" "with space"; do
	case $n in "ünïcødé ☃") want=PAUSED ;; "per%cent") want=STOPPED ;; *) want=RUNNING ;; esac
	wait_state "$n" 'j["connector"]["state"]' "$want"
done
wait_state c1 'j["tasks"][0]["state"]' RUNNING
kc_http GET "$U/connectors?expand=info&expand=status"
after=$(jq_ '{n: (v["info"]["config"], v["status"]["connector"]["state"]) for n, v in sorted(j.items())}')
expect_eq "$after" "$before" "configs and target states after restart"

# a connector whose plugin vanished comes back FAILED, with a trace, and restart reports it
worker_stop
"$KC_PY" - "$WORKER_STATE_DIR/connectors.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["connectors"]:
    if c["name"] == "c1":
        c["config"]["connector.class"] = "com.example.RemovedConnector"
json.dump(d, open(sys.argv[1], "w"))
PY
worker_restart_plain() { _worker_launch; }
worker_restart_plain
U=$WORKER_URL
wait_state c1 'j["connector"]["state"]+j["type"]' FAILEDunknown
kc_http GET "$U/connectors/c1/status"; shape connector_state "failed status"
expect_eq "$(jq_ '"RemovedConnector" in j["connector"]["trace"]')" true "trace names the class"
kc_http POST "$U/connectors/c1/restart?onlyFailed=true"; kc_expect_code 202 "restart failed connector"
expect_eq "$(jq_ 'j["connector"]["state"]')" RESTARTING "failed connector RESTARTING"
wait_state c1 'j["connector"]["state"]' FAILED
worker_stop
echo "rest_api: all checks passed"
