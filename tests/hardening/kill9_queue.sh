#!/usr/bin/env bash
# kill9_queue.sh - kill -9 of kcops-worker at random points while a whole in-worker pipeline
# runs: cron source (rate job) -> topic qin -> HTTP sink in IN_MEMORY_QUEUE mode -> named
# in-memory queue -> queue source -> topics qok/qerr. Kafka runs in its own process
# (kcops-mock-kafka), so topics survive the crashes; the in-memory queue does not. Restarted
# after each kill (10 times by default). Then: every record the cron source wrote (each
# partition-offset of qin) reached nginx at least once AND has a published exchange (the
# sink commits an input offset only after the queue source published its exchange).
# Prints records checked, crashes survived, requests and duplicates.
# (tests/http/kill9.sh covers PRODUCER mode with an external producer.)
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

KILLS=${KILL9_KILLS:-10}
kc_tmpdir
D=$KC_TMP_LAST
nginx_start "location /q/ { access_log $D/access.log; return 200 '{\"ok\":true}'; }"
: >"$D/access.log"
mock_start --topic qin:4 --topic qok:4 --topic qerr:4
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500
conn_create qsrc '{"connector.class":"kcops.http.HttpQueueSourceConnector","queue.name":"q1",
 "success.topic":"qok","error.topic":"qerr"}'
conn_create qsink "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"qin\",
 \"publish.mode\":\"IN_MEMORY_QUEUE\",\"queue.name\":\"q1\",\"commit.interval.ms\":\"200\",
 \"request.template.url\":\"$NGINX_URL/q/\${partition}-\${offset}\",
 \"request.template.method\":\"GET\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
 \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
conn_create qcron '{"connector.class":"kcops.http.HttpCronSourceConnector","topic":"qin",
 "jobs":"a","job.a.url":"http://127.0.0.1:9/unused","job.a.rate":"30",
 "value.converter":"org.apache.kafka.connect.storage.StringConverter"}'
wait_task_state qsrc RUNNING
wait_task_state qsink RUNNING

flowing() {	# wait until nginx got 20 more requests (the group join after a restart)
	local before i
	before=$(wc -l <"$D/access.log")
	for ((i = 0; i < 400; i++)); do
		[ "$(wc -l <"$D/access.log")" -gt $((before + 20)) ] && return 0
		sleep 0.1
	done
	kc_fail "requests stopped flowing (after $1 kills): $(grep -v DEBUG "$WORKER_LOG" | tail -10)"
}
for ((k = 1; k <= KILLS; k++)); do
	flowing $((k - 1))
	sleep "$(awk -v s=$RANDOM 'BEGIN { printf "%.2f", 0.1 + (s % 1500) / 1000 }')"
	worker_kill
	_worker_launch
done
flowing "$KILLS"
kc_note "$KILLS kills survived; stopping the source and draining"
kc_http PUT "$WORKER_URL/connectors/qcron/pause"
kc_expect_code 202 "pause qcron"
sleep 1

dump() {	# every record of the topics, "PARTITION OFFSET VALUE" a line
	local t
	for t in "$@"; do
		timeout 60 kcat -C -b "$MOCK_BOOTSTRAP" -t "$t" -o beginning -e -q -f '%p %o %s\n' 2>/dev/null || true
	done
}
# the mock keeps about 5 MiB per partition: the check is only meaningful while nothing has
# been dropped, so every partition's first offset must still be 0
for t in qin qok qerr; do
	first=$(dump "$t" | awk '!($1 in m) || $2 < m[$1] { m[$1] = $2 } END { for (p in m) if (m[p] > 0) print p ":" m[p] }')
	[ -z "$first" ] || kc_fail "the mock dropped old records of $t (partition:first offset $first); lower the rate"
done
dump qin | awk '{ print $1 "-" $2 }' | sort -u >"$D/produced"
produced=$(wc -l <"$D/produced")
[ "$produced" -gt 100 ] || kc_fail "only $produced input records"
for ((i = 0; i < 240; i++)); do
	sed -n 's|.*"GET /q/\([0-9]*-[0-9]*\) .*|\1|p' "$D/access.log" | sort -u >"$D/seen"
	dump qok qerr | grep -o '/q/[0-9]*-[0-9]*' | cut -c4- | sort -u >"$D/published"
	m1=$(comm -23 "$D/produced" "$D/seen" | wc -l)
	m2=$(comm -23 "$D/produced" "$D/published" | wc -l)
	[ "$m1" -eq 0 ] && [ "$m2" -eq 0 ] && break
	sleep 0.5
done
requests=$(wc -l <"$D/access.log")
exchanges=$(dump qok qerr | wc -l)
echo "kill9-queue: crashes survived $KILLS, records checked $produced, requests $requests" \
	"(duplicates $((requests - $(wc -l <"$D/seen")))), exchanges published $exchanges," \
	"never requested $m1, never published $m2"
[ "$m1" -eq 0 ] || kc_fail "$m1 records never reached nginx, e.g. $(comm -23 "$D/produced" "$D/seen" | head -5 | tr '\n' ' ')"
[ "$m2" -eq 0 ] || kc_fail "$m2 records have no published exchange, e.g. $(comm -23 "$D/produced" "$D/published" | head -5 | tr '\n' ' ')"
worker_stop
echo "kill9-queue: ok"
