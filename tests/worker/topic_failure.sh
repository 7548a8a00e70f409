#!/usr/bin/env bash
# topic_failure.sh - an output topic that cannot be created fails the task with a clear
# trace; once Kafka is back, restarting the task brings it to RUNNING. Uses the
# out-of-process mock cluster with its only broker down.
. "$(dirname "$0")/../lib/worker.sh"
wait_json() {	# wait_json URL EXPR VALUE [SECONDS]
	local i v= n=$(( ${4:-20} * 10 ))
	for ((i = 0; i < n; i++)); do
		kc_http GET "$1"
		if [ "$HTTP_CODE" = 200 ]; then v=$(kc_json "$2" 2>/dev/null) || v=; [ "$v" = "$3" ] && return 0; fi
		sleep 0.1
	done
	kc_fail "$1: $2 never became $3 (last: $v; $HTTP_BODY)"
}
mock_start
mock_cmd "down 1" >/dev/null
worker_start --set producer.message.timeout.ms=3000
U=$WORKER_URL
kc_http POST "$U/connectors" '{"name":"gen","config":{"connector.class":"HttpCronSource","topic":"never.created","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.rate":"10"}}'
kc_expect_code 201 create
wait_json "$U/connectors/gen/status" 'j["tasks"][0]["state"]' FAILED 40
kc_http GET "$U/connectors/gen/tasks/0/status"
trace=$(kc_json 'j["trace"]')
case $trace in
	"cannot create output topic never.created:"*) ;;
	*) kc_fail "trace does not say which topic could not be created: $trace" ;;
esac
[ "$(kc_json 'j["state"]')" = FAILED ] || kc_fail "task state: $HTTP_BODY"
kc_http GET "$U/connectors/gen/status"
[ "$(kc_json 'j["connector"]["state"]')" = RUNNING ] || kc_fail "connector state: $HTTP_BODY"
mock_cmd "up 1" >/dev/null
kc_http POST "$U/connectors/gen/tasks/0/restart"; kc_expect_code 204 "task restart"
wait_json "$U/connectors/gen/status" 'j["tasks"][0]["state"]' RUNNING 40
kc_http GET "$U/connectors/gen/tasks/0/status"
[ "$(kc_json '"trace" in j')" = false ] || kc_fail "a RUNNING task keeps no trace: $HTTP_BODY"
worker_stop

# topic.creation.enable=false: a missing topic fails the task, an existing one is used
WORKER_STATE_DIR=
MOCK_BOOTSTRAP=
worker_start --set topic.creation.enable=false
U=$WORKER_URL
kc_http POST "$U/connectors" '{"name":"nocreate","config":{"connector.class":"HttpCronSource","topic":"missing.topic","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.rate":"10"}}'
kc_expect_code 201 create
wait_json "$U/connectors/nocreate/status" 'j["tasks"][0]["state"]' FAILED 20
kc_http GET "$U/connectors/nocreate/tasks/0/status"
case $(kc_json 'j["trace"]') in
	*"missing.topic does not exist and topic.creation.enable=false"*) ;;
	*) kc_fail "trace: $HTTP_BODY" ;;
esac
echo x | kcat -b "$WORKER_BOOTSTRAP" -t missing.topic -P	# creates it (Metadata auto-creation)
kc_http POST "$U/connectors/nocreate/tasks/0/restart"; kc_expect_code 204 "task restart"
wait_json "$U/connectors/nocreate/status" 'j["tasks"][0]["state"]' RUNNING 20
worker_stop
echo "topic_failure: all checks passed"
