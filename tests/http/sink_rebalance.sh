#!/bin/bash
# sink_rebalance.sh - the HTTP sink across consumer-group changes with a surviving task:
# another member (kcat) joins the sink's group and leaves again while the sink is paused and
# resumed, and while its uncommitted window is full. librdkafka keeps an application pause
# on a partition across assignments, so a partition paused, taken away, and given back after
# the sink resumed must be resumed by the sink itself; and records of partitions it lost must
# not hold its window. Checks: every record of every partition reaches nginx after the
# group settles, and the committed offsets reach the end of the topic.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

kc_tmpdir
D=$KC_TMP_LAST
nginx_start "location /r/ { access_log $D/access.log; return 200 '{\"ok\":true}'; }"
mock_start --topic rb:4
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=300
conn_create rb "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"rb\",
 \"publish.mode\":\"NONE\",\"commit.interval.ms\":\"200\",\"max.pending.records\":\"40\",
 \"request.template.url\":\"$NGINX_URL/r/\${partition}-\${offset}\",
 \"request.template.method\":\"GET\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
wait_task_state rb RUNNING
send() {	# send N: N records to each partition
	local p
	for p in 0 1 2 3; do
		seq "$1" | kcat -P -b "$MOCK_BOOTSTRAP" -t rb -p $p
	done
}
seen() { sed -n 's|.*"GET /r/\([0-9]*-[0-9]*\) .*|\1|p' "$D/access.log" 2>/dev/null | sort -u | wc -l; }
wait_seen() {	# wait_seen N SECONDS WHAT
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(seen)" -ge "$1" ] && return 0
		sleep 0.1
	done
	kc_fail "$3: $(seen) of $1 records reached nginx after $2s; per partition: $(sed -n 's|.*"GET /r/\([0-9]*\)-[0-9]* .*|\1|p' "$D/access.log" | sort | uniq -c | tr -s ' \n' ' '); committed: $(curl -s "$WORKER_URL/connectors/rb/offsets" | jq -c '[.offsets[] | [.partition.kafka_partition, .offset.kafka_offset]]'); metrics: $(curl -s "$WORKER_URL/kcops/v1/connectors/rb/metrics" | jq -c '.tasks["0"] | {records, pending_records, uncommitted_records, backpressure_paused, held_records, rebalance}'); log: $(grep -E "partition|commit" "$WORKER_LOG" | tail -12)"
}
intruder() {	# start a kcat member of the sink's group; waits until it has partitions
	: >"$D/kcat.err"
	kcat -G connect-rb -b "$MOCK_BOOTSTRAP" -X enable.auto.commit=false \
		-X enable.auto.offset.store=false \
		-X session.timeout.ms=6000 -X heartbeat.interval.ms=300 rb \
		>"$D/kcat.out" 2>"$D/kcat.err" &
	KCAT_PID=$!
	kc_on_exit "kill $KCAT_PID 2>/dev/null"
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "assigned: rb" "$D/kcat.err" 2>/dev/null && return 0
		sleep 0.1
	done
	kc_fail "kcat did not join the group: $(cat "$D/kcat.err")"
}
intruder_leave() {
	kill -TERM "$KCAT_PID" 2>/dev/null || true
	wait "$KCAT_PID" 2>/dev/null || true
}

send 10
wait_seen 40 60 "before the group changes"

# 1. paused, a member joins (the sink keeps two partitions, still paused), the sink resumes,
#    the member leaves: the two partitions come back and must be fetched
kc_http PUT "$WORKER_URL/connectors/rb/pause"
wait_task_state rb PAUSED
intruder
kc_http PUT "$WORKER_URL/connectors/rb/resume"
wait_task_state rb RUNNING
intruder_leave
send 10
wait_seen 80 60 "after pause, rebalance, resume and a partition handed back"

# 2. the window (40 records) fills while a member joins and leaves: records of partitions
#    the sink lost must not hold it; then everything is requested and committed
send 200
intruder
send 50
intruder_leave
wait_seen 1080 90 "after a rebalance with a full window"
wait_committed rb 1080 60
kc_note "sink metrics: $(curl -s "$WORKER_URL/kcops/v1/connectors/rb/metrics" | jq -c '.tasks["0"] | {records, requests, commits, rebalance}')"
worker_stop
echo "sink-rebalance: ok"
