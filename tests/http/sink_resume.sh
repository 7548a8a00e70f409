#!/bin/bash
# sink_resume.sh - partitions handed back to the HTTP sink after what it finished, past their
# last commit, get that position committed even when no later record arrives. The sink
# finishes records while every offset commit is refused (injected OffsetCommit errors); a
# second member (kcat) joins its group and leaves again, so its partitions are revoked with
# their finished positions uncommitted and handed back, and the sink starts them after the
# finished records. Once commits are accepted again, the committed offsets must reach the end
# of the topic without any new record and without requesting the finished records again
# (before the fix they stayed at the last accepted commit for good: lag that never clears).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

tsrv_start
mock_start --topic rs:2
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=300
conn_create rs "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"rs\",
 \"publish.mode\":\"NONE\",\"commit.interval.ms\":\"300\",
 \"request.template.url\":\"$TSRV_URL/echo/rs/\${partition}-\${offset}\",
 \"request.template.method\":\"GET\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
wait_task_state rs RUNNING
send() { local p; for p in 0 1; do seq "$1" | kcat -P -b "$MOCK_BOOTSTRAP" -t rs -p $p; done; }
calls() {
	curl -s "$TSRV_URL/stats" |
		jq '[.calls | to_entries[] | select(.key | startswith("/echo/rs/")) | .value] | add // 0'
}
wait_calls() {
	local i
	for ((i = 0; i < 120; i++)); do
		[ "$(calls)" -ge "$1" ] && return 0
		sleep 0.25
	done
	kc_fail "$(calls) requests after 30s, expected $1"
}
assigned() { grep -c "task rs-0: 2 partition(s) assigned" "$WORKER_LOG" || true; }

send 3
wait_calls 6
wait_committed rs 6
# from now on every offset commit is refused (until drained below)
mock_cmd "errors OffsetCommit 3000 INVALID_COMMIT_OFFSET_SIZE" >/dev/null
send 2
wait_calls 10
sleep 1
expect_eq "commits refused" "$(committed_sum rs)" 6
before=$(assigned)
kc_tmpdir
K=$KC_TMP_LAST
kcat -G connect-rs -b "$MOCK_BOOTSTRAP" -X enable.auto.commit=false \
	-X enable.auto.offset.store=false -X session.timeout.ms=6000 \
	-X heartbeat.interval.ms=300 rs >/dev/null 2>"$K/kcat.err" &
KCAT_PID=$!
kc_on_exit "kill $KCAT_PID 2>/dev/null"
for ((i = 0; i < 300; i++)); do
	grep -q "assigned: rs" "$K/kcat.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "assigned: rs" "$K/kcat.err" || kc_fail "kcat did not join the group: $(cat "$K/kcat.err")"
kill -TERM "$KCAT_PID"
wait "$KCAT_PID" 2>/dev/null || true
for ((i = 0; i < 300; i++)); do
	[ "$(assigned)" -gt "$before" ] && break
	sleep 0.1
done
[ "$(assigned)" -gt "$before" ] ||
	kc_fail "the sink did not get both partitions back: $(grep 'rs' "$WORKER_LOG" | tail -8)"
grep -q "rs task 0: . partition(s) given back start after" "$WORKER_LOG" ||
	kc_fail "no partition started after its finished records: $(grep 'rs' "$WORKER_LOG" | tail -8)"
# accept commits again: use up the injected errors with commits of another group
"$KC_PY" - "$MOCK_BOOTSTRAP" <<'PY' || kc_fail "could not drain the injected commit errors"
import sys
from confluent_kafka import Consumer, TopicPartition, KafkaException
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "rs-drain",
              "enable.auto.commit": False})
for _ in range(20000):
    try:
        c.commit(offsets=[TopicPartition("rs", 0, 0)], asynchronous=False)
        break
    except KafkaException:
        pass
else:
    sys.exit(1)
c.close()
PY
wait_committed rs 10 15
expect_eq "finished records not requested again" "$(calls)" 10
worker_stop
echo "sink_resume: ok"
