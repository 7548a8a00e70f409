#!/bin/bash
# kill9.sh - at-least-once under crashes. Kafka runs in its own process (kcops-mock-kafka);
# request records trickle in while kcops-worker is killed with SIGKILL at random points
# (at least 10 times) and restarted. Then: every request id reached nginx at least once,
# every request id has an exchange, and the duplicate requests after each kill stay within
# the window of records taken but not committed (max.pending.records per task).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

KILLS=${KILL9_KILLS:-10} RATE=120 WINDOW=200 COMMIT_MS=100
kc_tmpdir
LOGDIR=$KC_TMP_LAST
nginx_start "location /r/ { access_log $LOGDIR/access.log; return 200 '{\"ok\":true}'; }"
# the mock keeps ~5 MiB per partition: small exchanges (content=response) over 16 partitions
mock_start --topic kin:4 --topic kok:16 --topic kerr:4
# session.timeout.ms must exceed the mock's 3 s initial rebalance delay, or members expire
# while they wait for the join
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=1000
conn_create k "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"kin\",
 \"tasks.max\":\"2\",\"publish.mode\":\"PRODUCER\",\"producer.success.topic\":\"kok\",
 \"producer.error.topic\":\"kerr\",\"max.in.flight\":\"32\",
 \"producer.content\":\"response\",
 \"max.pending.records\":\"$WINDOW\",\"commit.interval.ms\":\"$COMMIT_MS\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
 \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
wait_task_state k RUNNING

# the load: records at RATE/s until the kills are done, each with its id in the URL, the
# key and X-Request-ID; the generator writes how many it sent to $LOGDIR/sent
"$KC_PY" - "$RATE" "$NGINX_URL" "$LOGDIR" <<'PY' | kcat -P -b "$MOCK_BOOTSTRAP" -t kin -K $'\t' &
import os, sys, time
rate, url, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0, i = time.time(), 0
while not os.path.exists(d + "/stop"):
    rid = "id-%06d" % i
    sys.stdout.write('%s\t{"url":"%s/r/%s","headers":{"X-Request-ID":["%s"]}}\n' % (rid, url, rid, rid))
    i += 1
    if i % 20 == 0:
        sys.stdout.flush()
        time.sleep(max(0.0, t0 + i / rate - time.time()))
sys.stdout.flush()
open(d + "/sent", "w").write("%d\n" % i)
PY
LOAD_PID=$!
kc_on_exit "kill $LOAD_PID"

: >"$LOGDIR/kills"
acked_total() { curl -s --max-time 5 "$WORKER_URL/kcops/v1/connectors/k/metrics" |
	jq -r '.total.acked_records // 0' 2>/dev/null || echo 0; }
for ((k = 1; k <= KILLS; k++)); do
	# kill at a random point while requests are flowing (after the group join)
	for ((i = 0; i < 300; i++)); do
		[ "$(acked_total)" -gt 0 ] && break
		sleep 0.1
	done
	sleep "$(awk -v s=$RANDOM 'BEGIN { printf "%.2f", 0.2 + (s % 1300) / 1000 }')"
	kc_note "kill $k: committed $(committed_sum k), exchanges acknowledged since start $(acked_total)"
	worker_kill
	echo "$(wc -l <"$LOGDIR/access.log")" >>"$LOGDIR/kills"
	_worker_launch
done
touch "$LOGDIR/stop"
wait "$LOAD_PID" || kc_fail "producing the load failed"
N=$(cat "$LOGDIR/sent")
kc_note "$KILLS kills done, $N records sent; waiting for the backlog"

# every id has an exchange
for ((i = 0; i < 60; i++)); do
	got=$( { topic_dump kok; topic_dump kerr; } | cut -f1 | sort -u | wc -l)
	[ "$got" -ge "$N" ] && break
	sleep 1
done
expect_eq "request ids with an exchange" "$got" "$N"
wait_committed k "$N" 60
worker_stop

"$KC_PY" - "$N" "$LOGDIR/access.log" "$LOGDIR/kills" "$WINDOW" "$COMMIT_MS" \
	"$( { topic_dump kok; topic_dump kerr; } | wc -l)" <<'PY'
import re, sys
n, log, kills, window, commit_ms, exchanges = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
ids = [re.search(r'/r/(id-\d+) ', l).group(1) for l in open(log) if '/r/id-' in l]
marks = [int(x) for x in open(kills).read().split()]
missing = n - len(set(ids))
seen, per_kill, bounds = set(), [], marks + [len(ids)]
start = 0
for end in bounds:
    seg = ids[start:end]
    per_kill.append(sum(1 for i in seg if i in seen))
    seen.update(seg)
    start = end
dups = len(ids) - len(set(ids))
print("# kill -9: %d kills, %d request ids, %d HTTP requests (%d duplicates), %d exchange "
      "records (%d duplicates)" % (len(marks), n, len(ids), dups, exchanges, exchanges - n))
print("# duplicate requests after each kill: %s (max %d; window: %d uncommitted records per "
      "task, 2 tasks, commits every %d ms)" % (per_kill[1:], max(per_kill[1:]), window, commit_ms))
if missing:
    sys.exit("FAIL: %d request ids never reached the HTTP server" % missing)
if per_kill[0]:
    sys.exit("FAIL: duplicates before the first kill")
bound = 2 * window    # each of the 2 tasks holds at most `window` uncommitted records
if max(per_kill[1:]) > bound:
    sys.exit("FAIL: %d duplicates after one kill exceed the window (%d)" % (max(per_kill[1:]), bound))
PY
echo "kill9: ok"
