#!/usr/bin/env bash
# join_crash.sh - the join's table survives SIGKILL: with Kafka in its own process, the
# worker is killed three times while table updates stream in; after each restart the task
# resumes from the LMDB checkpoint (table and offsets were committed in one transaction, so
# no update between the checkpoint and the crash is lost or applied twice), and at the end
# every key joins with its last value. Suite: slow.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/join_lib.sh"

kc_tmpdir; T=$KC_TMP_LAST
mock_start --topic customers:4 --topic orders:4
BS=$MOCK_BOOTSTRAP
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500
K=20000
gen() {	# gen VERSION: every key once, with its version
	awk -v k=$K -v v="$1" 'BEGIN { for (i = 1; i <= k; i++) printf "%d\t{\"id\":%d,\"v\":%d}\n", i, i, v }'
}
gen 0 >"$T/v0"
kcat -b "$BS" -t customers -P -K '\t' -l "$T/v0"
create_connector crash '"connector.class":"kcops.streams.TableJoinConnector","topics":"orders","table.topic":"customers","output.topic":"out","join.field":"id","table.checkpoint.interval.ms":"50","table.fields":"v"'
wait_running crash
wait_metric crash "t['table.size'] == $K"

for v in 1 2 3; do
	gen $v >"$T/v$v"
	# updates stream in while the worker is killed part-way
	kcat -b "$BS" -t customers -P -K '\t' -X linger.ms=50 -l "$T/v$v" &
	P=$!
	sleep 0.$((RANDOM % 3 + 1))
	worker_kill
	wait $P || kc_fail "kcat produce v$v"
	_worker_launch
	wait_running crash 60
	# caught up: every key at version v
	wait_metric crash "t['table.size'] == $K and t['table.resumed'] == 1" 60
	grep -q "resumed from the LMDB checkpoint" "$WORKER_LOG" || kc_fail "restart $v did not resume from the checkpoint"
done

# every key joins with its last version (a lost update would leave an older one)
for ((i = 1; i <= K; i += 97)); do printf '{"id":%d}\n' "$i"; done >"$T/orders"
n=$(grep -c . "$T/orders")
# a record per key plus the final value's offset: wait until the table is at the end
sleep 1
kcat -b "$BS" -t orders -P -l "$T/orders"
wait_metric crash "t['records'] >= $n" 60
out=$(read_topic "$BS" out "$n" '%s\n')
bad=$(grep -v '"v":3}$' <<<"$out" | head -5 || true)
[ -z "$bad" ] || kc_fail "keys not at their last version after the crashes: $bad"
echo "ok: join crash ($n keys checked at version 3)"
worker_stop
