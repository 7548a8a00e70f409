# tests/http/lib.sh - helpers for the HTTP connector tests (sourced after tests/lib/*.sh).
#	tsrv_start [ARGS]		start http_test_server.py; sets TSRV_URL, TSRV_PID
#	conn_create NAME JSON		POST /connectors (config JSON object), expects 201
#	task_state NAME [TASK]		prints the task state (or NONE)
#	wait_task_state NAME STATE [SECONDS]
#	produce TOPIC			records from stdin, one per line, "KEY<TAB>VALUE"
#	topic_dump TOPIC		prints "KEY<TAB>HEADERS<TAB>VALUE" lines of the whole topic
#	wait_topic_count TOPIC N [SECONDS]	until TOPIC holds >= N records; prints the count
#	expect_eq WHAT GOT WANT
#	jqv JSON FILTER			jq -r on a string
HTTP_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tsrv_start() {
	local out i
	kc_tmpdir
	out=$KC_TMP_LAST/tsrv.out
	: >"$out"
	"$KC_PY" "$HTTP_TEST_DIR/http_test_server.py" "$@" >"$out" 2>"$KC_TMP_LAST/tsrv.err" &
	TSRV_PID=$!
	kc_on_exit "kill $TSRV_PID"
	for ((i = 0; i < 200; i++)); do
		TSRV_PORT=$(sed -n 's/^PORT //p' "$out")
		[ -n "$TSRV_PORT" ] && break
		sleep 0.025
	done
	[ -n "$TSRV_PORT" ] || kc_fail "test server did not start: $(cat "$KC_TMP_LAST/tsrv.err")"
	TSRV_URL=http://127.0.0.1:$TSRV_PORT
}

conn_create() {
	kc_http POST "$WORKER_URL/connectors" "{\"name\":\"$1\",\"config\":$2}"
	[ "$HTTP_CODE" = 201 ] || kc_fail "create $1: HTTP $HTTP_CODE $HTTP_BODY"
}

task_state() {
	curl -s --max-time 5 "$WORKER_URL/connectors/$1/status" |
		jq -r ".tasks[${2:-0}].state // \"NONE\"" 2>/dev/null || echo NONE
}

wait_task_state() {
	local name=$1 want=$2 t=${3:-30} i st
	for ((i = 0; i < t * 10; i++)); do
		st=$(task_state "$name")
		[ "$st" = "$want" ] && return 0
		sleep 0.1
	done
	kc_fail "connector $name: task state $st, expected $want after ${t}s: $(curl -s "$WORKER_URL/connectors/$name/status")"
}

produce() {
	kcat -P -b "$WORKER_BOOTSTRAP" -t "$1" -K $'\t' -Z
}

topic_dump() {
	kcat -C -b "$WORKER_BOOTSTRAP" -t "$1" -e -q -f '%k\t%h\t%s\n' 2>/dev/null || true
}

wait_topic_count() {
	local topic=$1 want=$2 t=${3:-30} i n=0
	for ((i = 0; i < t * 4; i++)); do
		n=$(topic_dump "$topic" | wc -l)
		[ "$n" -ge "$want" ] && { echo "$n"; return 0; }
		sleep 0.25
	done
	kc_fail "topic $topic: $n records after ${t}s, expected $want"
}

expect_eq() {
	[ "$2" = "$3" ] || kc_fail "$1: got '$2', expected '$3'"
}

jqv() { jq -r "$2" <<<"$1"; }

# committed_sum NAME: sum of the committed offsets of a sink connector (all partitions)
committed_sum() {
	curl -s --max-time 10 "$WORKER_URL/connectors/$1/offsets" |
		jq '[.offsets[].offset.kafka_offset] | add // 0'
}

# wait_committed NAME N [SECONDS]: until the committed offsets add up to N
wait_committed() {
	local name=$1 want=$2 t=${3:-30} i n=0
	for ((i = 0; i < t * 4; i++)); do
		n=$(committed_sum "$name")
		[ "$n" = "$want" ] && return 0
		sleep 0.25
	done
	# what the group committed per partition, what the task still holds, and what the
	# topics hold: enough to tell a lost commit from a record never finished
	kc_note "offsets: $(curl -s --max-time 10 "$WORKER_URL/connectors/$name/offsets")"
	kc_note "metrics: $(curl -s --max-time 10 "$WORKER_URL/kcops/v1/connectors/$name/metrics")"
	kc_note "status: $(curl -s --max-time 10 "$WORKER_URL/connectors/$name/status")"
	kc_fail "connector $name: committed offsets add up to $n after ${t}s, expected $want"
}

# tsrv_calls PATH: how many requests the test server got on PATH
tsrv_calls() {
	curl -s "$TSRV_URL/stats" | jq --arg p "$1" '.calls[$p] // 0'
}

# metric NAME KEY: a task-0 metric of a connector
metric() {
	curl -s "$WORKER_URL/kcops/v1/connectors/$1/metrics" | jq -r ".tasks[\"0\"].$2"
}
