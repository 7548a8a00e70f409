#!/bin/bash
# join.sh - throughput of the stream-table join: N orders (JSON, no key) joined by a field
# with a table of C customers and written to an output topic, with tasks.max 1 and 2; next
# to a kcat -C | kcat -P pipe copying the same N order records to another topic in the same
# run (the floor any Kafka-to-Kafka step pays: consume, produce). Kafka is the out-of-process
# mock. Prints records/s for each and the ratio (goal >= 1.0).
# KCOPS_BENCH_QUICK=1: fewer records (well under a minute in all).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/streams/join_lib.sh"

if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=100000 C=10000; else N=400000 C=50000; fi
P=8
kc_tmpdir; T=$KC_TMP_LAST
mock_start --topic customers:$P --topic orders1:$P --topic orders2:$P --topic copy:$P \
	--topic out1:$P --topic out2:$P
B=$MOCK_BOOTSTRAP
worker_start --set consumer.fetch.wait.max.ms=5 --set consumer.session.timeout.ms=6000 \
	--set consumer.heartbeat.interval.ms=500

awk -v c=$C 'BEGIN { for (i = 1; i <= c; i++)
	printf "%d\t{\"id\":%d,\"name\":\"customer %d\",\"tier\":\"gold\",\"credit\":%d.5}\n", i, i, i, i }' >"$T/customers"
awk -v n=$N -v c=$C 'BEGIN { srand(7); for (i = 1; i <= n; i++)
	printf "{\"order\":%d,\"customer\":%d,\"amount\":%d.25,\"item\":\"sku-%d\"}\n", i, int(rand() * c * 1.1) + 1, i % 100, i % 977 }' >"$T/orders"
kcat -P -b "$B" -t customers -K '\t' -X linger.ms=20 -l "$T/customers"
kcat -P -b "$B" -t orders1 -X linger.ms=20 -l "$T/orders"
now_ms() { date +%s%3N; }

# --- reference: kcat -> kcat copying the N order records
t0=$(now_ms)
kcat -C -b "$B" -t orders1 -e -q -f '%s\n' -X fetch.wait.max.ms=5 |
	kcat -P -b "$B" -t copy -X linger.ms=5
t1=$(now_ms)
n=$(kcat -C -b "$B" -t copy -e -q -f '.\n' | wc -l)
[ "$n" = "$N" ] || kc_fail "the kcat pipe copied $n of $N records"
PIPE=$(( N * 1000 / (t1 - t0) ))
printf '# kcat -C | kcat -P, %d records, %d partitions: %d ms, %d records/s\n' "$N" "$P" $((t1 - t0)) "$PIPE"

# --- the join: warm up (table loaded, group joined), then N orders
run() {	# run NAME TOPIC OUT TASKS
	local name=$1 topic=$2 out=$3 tasks=$4 t0 last rate
	create_connector "$name" "\"connector.class\":\"kcops.streams.TableJoinConnector\",\"topics\":\"$topic\",\"table.topic\":\"customers\",\"output.topic\":\"$out\",\"join.field\":\"customer\",\"table.fields\":\"name,tier\",\"table.prefix\":\"customer_\",\"missing.defaults\":\"{\\\"customer_name\\\":\\\"unknown\\\"}\",\"tasks.max\":\"$tasks\""
	wait_running "$name"
	wait_metric "$name" "t['table.size'] == $C * $tasks" 120
	printf '{"order":0,"customer":1,"amount":1}\n' | kcat -P -b "$B" -t "$topic"
	wait_metric "$name" 't["records"] >= 1' 60
	sleep 3	# every task has its partitions (group settled)
	join_metrics "$name"
	local base
	base=$(kc_json 'j["total"]["records"]')
	t0=$(now_ms)
	kcat -P -b "$B" -t "$topic" -X linger.ms=20 -l "$T/orders"
	wait_metric "$name" "t['records'] >= $base + $N" 300
	join_metrics "$name"
	last=$(kc_json 'max(t["last.batch.wall.ms"] for t in j["tasks"].values())')
	rate=$(( N * 1000 / (last - t0) ))
	printf '# join tasks.max=%d, %d records (table %d keys): %d ms, %d joined records/s, ratio %.2f (vs kcat pipe)\n' \
		"$tasks" "$N" "$C" $((last - t0)) "$rate" "$($KC_PY -c "print($rate / $PIPE)")"
	RESULT="$RESULT join.tasks$tasks=$rate"
	# spot check the output
	kcat -C -b "$B" -t "$out" -e -q -c 1 -f '%s\n' | grep -q '"customer_tier":"gold"\|"customer_name":"unknown"' ||
		kc_fail "the joined records do not look joined"
}
RESULT=
run bench1 orders1 out1 1
run bench2 orders2 out2 2
echo "join bench: kcat_pipe=$PIPE$RESULT"
