#!/bin/bash
# queue_backpressure.sh - IN_MEMORY_QUEUE bounds: with the queue source paused the queue
# fills to queue.capacity and never beyond, the sink pauses its partitions (consumed
# records and committed offsets frozen), and after the source resumes every exchange
# arrives and every input offset is committed. Also: a sink whose queue has no consumer
# fails after queue.consumer.wait.ms with a trace saying so, and a second consumer for a
# queue is refused.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

nginx_start 'location / { return 200 "{\"ok\":true}"; }'
worker_start
N=500 CAP=20
conn_create qs '{"connector.class":"kcops.http.HttpQueueSourceConnector","queue.name":"bp",
 "success.topic":"bp-ok","error.topic":"bp-err"}'
conn_create s "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"in-bp\",
 \"publish.mode\":\"IN_MEMORY_QUEUE\",\"queue.name\":\"bp\",\"queue.capacity\":\"$CAP\",
 \"max.in.flight\":\"8\",\"max.pending.records\":\"60\",\"commit.interval.ms\":\"200\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
conn_create lonely '{"connector.class":"kcops.http.HttpSinkConnector","topics":"in-lonely",
 "publish.mode":"IN_MEMORY_QUEUE","queue.name":"nobody","queue.consumer.wait.ms":"1500"}'
wait_task_state qs RUNNING
wait_task_state s RUNNING

# a second consumer for the same queue is refused
conn_create qs2 '{"connector.class":"kcops.http.HttpQueueSourceConnector","queue.name":"bp",
 "success.topic":"x-ok","error.topic":"x-err"}'
wait_task_state qs2 FAILED
curl -s "$WORKER_URL/connectors/qs2/status" | jq -r '.tasks[0].trace' |
	grep -q "already has a consumer (qs/0)" || kc_fail "duplicate consumer trace"
# the missing consumer
wait_task_state lonely FAILED 10
curl -s "$WORKER_URL/connectors/lonely/status" | jq -r '.tasks[0].trace' |
	grep -q "queue 'nobody' has no consumer after 1500 ms" || kc_fail "missing consumer trace: $(curl -s "$WORKER_URL/connectors/lonely/status")"

# fill: pause the source, send N records
kc_http PUT "$WORKER_URL/connectors/qs/pause"
wait_task_state qs PAUSED
for i in $(seq 1 $N); do printf 'k%d\t{"url":"%s/r/%d"}\n' $i "$NGINX_URL" $i; done | produce in-bp
qstat() { curl -s "$WORKER_URL/kcops/v1/queues" | jq -r ".[] | select(.name == \"bp\") | .$1"; }
for ((i = 0; i < 120; i++)); do
	[ "$(qstat depth)" = "$CAP" ] && break
	sleep 0.25
done
expect_eq "queue full" "$(qstat depth)" $CAP
# the sink pauses its partitions once the queue has refused it for a second (metrics are
# published every 250 ms)
for ((i = 0; i < 40; i++)); do
	[ "$(metric s backpressure_paused)" = true ] && break
	sleep 0.25
done
expect_eq "sink paused by backpressure" "$(metric s backpressure_paused)" true
sleep 0.5
r1=$(metric s records) c1=$(committed_sum s)
sleep 2
r2=$(metric s records) c2=$(committed_sum s)
expect_eq "consumed records frozen while full" "$r2" "$r1"
expect_eq "committed offsets frozen while full" "$c2" "$c1"
[ "$r1" -lt $N ] || kc_fail "sink consumed all $N records despite the full queue"
expect_eq "depth never above capacity" "$(qstat max_depth)" $CAP
kc_note "queue full at $CAP; sink consumed $r1 of $N records, committed $c1, frozen"

# drain
kc_http PUT "$WORKER_URL/connectors/qs/resume"
n=$(wait_topic_count bp-ok $N 60)
expect_eq "every exchange delivered" "$n" $N
wait_committed s $N
expect_eq "depth never above capacity" "$(qstat max_depth)" $CAP
expect_eq "dequeued" "$(qstat dequeued)" $N
expect_eq "nothing rejected lost" "$(topic_dump bp-ok | cut -f1 | sort -u | wc -l)" $N
expect_eq "sink resumed" "$(metric s backpressure_paused)" false
worker_stop
echo "queue_backpressure: ok"
