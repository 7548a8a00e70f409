#!/bin/bash
# join.sh - throughput of the stream-table join: N orders (JSON, keyed by order id) joined by
# a field with a table of C customers and written to an output topic, with tasks.max 1 and 2;
# next to a kcat -C | kcat -P pipe copying the same N order records (key and value) from the
# same kind of topic to another in the same run (the floor any Kafka-to-Kafka step pays:
# consume, produce). Kafka is the out-of-process mock. Both sides start with their N records
# already in the input topic and end when the last output record was delivered; each is run
# ROUNDS times (pipe runs interleaved with the joins) and the best run counts, so a busy
# machine does not decide the ratio. Also printed: CPU time per record (the worker process
# during a join round; both kcat processes for the pipe), which load on the machine does
# not change much. Prints records/s for each and the ratio (goal >= 1.0).
# KCOPS_BENCH_QUICK=1: fewer records (well under a minute in all).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/streams/join_lib.sh"

# the mock keeps about 5 MiB per partition: enough partitions that nothing is dropped
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=100000 C=10000 P=8; else N=300000 C=50000 P=16; fi
ROUNDS=3
kc_tmpdir; T=$KC_TMP_LAST
mock_start --topic customers:$P --topic orders1:$P --topic orders2:$P --topic pipein:$P --topic copy1:$P --topic copy2:$P --topic copy3:$P \
	--topic out1:$P --topic out2:$P
B=$MOCK_BOOTSTRAP
worker_start --set consumer.fetch.wait.max.ms=5 --set consumer.session.timeout.ms=6000 \
	--set consumer.heartbeat.interval.ms=500

awk -v c=$C 'BEGIN { for (i = 1; i <= c; i++)
	printf "%d\t{\"id\":%d,\"name\":\"customer %d\",\"tier\":\"gold\",\"credit\":%d.5}\n", i, i, i, i }' >"$T/customers"
# keyed by order id, so records spread evenly over the partitions (null keys would stick to
# a few partitions and overflow the mock's per-partition limit)
awk -v n=$N -v c=$C 'BEGIN { srand(7); for (i = 1; i <= n; i++)
	printf "o%d\t{\"order\":%d,\"customer\":%d,\"amount\":%d.25,\"item\":\"sku-%d\"}\n", i, i, int(rand() * c * 1.1) + 1, i % 100, i % 977 }' >"$T/orders"
kcat -P -b "$B" -t customers -K '\t' -X linger.ms=20 -l "$T/customers"
kcat -P -b "$B" -t pipein -K '\t' -X linger.ms=20 -l "$T/orders"
now_ms() { date +%s%3N; }

# CPU seconds (user + system) a process has used so far
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$1/stat"; }
# best (lowest) CPU microseconds per record: keep_min VAR VALUE
keep_min() { if [ -z "${!1}" ] || "$KC_PY" -c "import sys; sys.exit(not $2 < ${!1})"; then eval "$1=$2"; fi; }

# --- reference: kcat -> kcat copying the N order records (key and value)
pipe() {	# pipe TOPIC
	local t0 t1 n rate cpu TIMEFORMAT='%3U %3S'
	t0=$(now_ms)
	cpu=$( { time { kcat -C -b "$B" -t pipein -e -q -f '%k\t%s\n' -X fetch.wait.max.ms=5 2>>"$T/kcat.err" |
		kcat -P -b "$B" -t "$1" -K '\t' -X linger.ms=5 2>>"$T/kcat.err"; } ; } 2>&1 )
	t1=$(now_ms)
	n=$(kcat -C -b "$B" -t "$1" -e -q -f '.\n' | wc -l)
	[ "$n" = "$N" ] || kc_fail "the kcat pipe copied $n of $N records"
	rate=$(( N * 1000 / (t1 - t0) ))
	cpu=$("$KC_PY" -c "u, s = '$cpu'.split(); print('%.2f' % ((float(u) + float(s)) * 1e6 / $N))")
	printf '# kcat -C | kcat -P, %d records, %d partitions: %d ms, %d records/s, %s us CPU per record\n' \
		"$N" "$P" $((t1 - t0)) "$rate" "$cpu"
	[ "$rate" -gt "${PIPE:-0}" ] && PIPE=$rate
	keep_min PIPE_CPU "$cpu"
	return 0
}
PIPE=0 PIPE_CPU=
pipe copy1

# --- the join: warm up (table loaded, group joined), then N orders
run() {	# run NAME TOPIC OUT TASKS
	local name=$1 topic=$2 out=$3 tasks=$4 t0 last rate w
	create_connector "$name" "\"connector.class\":\"kcops.streams.TableJoinConnector\",\"topics\":\"$topic\",\"table.topic\":\"customers\",\"output.topic\":\"$out\",\"join.field\":\"customer\",\"table.fields\":\"name,tier\",\"table.prefix\":\"customer_\",\"missing.defaults\":\"{\\\"customer_name\\\":\\\"unknown\\\"}\",\"tasks.max\":\"$tasks\""
	wait_running "$name"
	wait_metric "$name" "t['table.size'] == $C * $tasks" 120
	# warm up until every task owns partitions (the group settled) and has joined records
	for ((w = 0; w < 64; w++)); do printf 'w%d\t{"order":0,"customer":1,"amount":1}\n' "$w"; done |
		kcat -P -b "$B" -t "$topic" -K '\t'
	wait_metric "$name" 't["records"] >= 64' 60
	for ((w = 0; w < 300; w++)); do
		join_metrics "$name"
		[ "$(kc_json "len(j['tasks']) == $tasks and all(t['records.in'] > 0 for t in j['tasks'].values())")" = true ] && break
		sleep 0.1
	done
	sleep 1
	local round base c0 c1 best=0 cpu bestcpu=
	for ((round = 1; round <= ROUNDS; round++)); do
		join_metrics "$name"
		base=$(kc_json 'j["total"]["records"]')
		# like the pipe, the join starts with its N records already in the topic: pause,
		# load, resume, and time from the first record consumed after the resume
		# (librdkafka takes a while to fetch again after a resume) to the delivery of the
		# last joined record
		kc_http PUT "$WORKER_URL/connectors/$name/pause"
		for ((w = 0; w < 100; w++)); do
			kc_http GET "$WORKER_URL/connectors/$name/status"
			[ "$(kc_json 'all(t["state"] == "PAUSED" for t in j["tasks"])')" = true ] && break
			sleep 0.1
		done
		kcat -P -b "$B" -t "$topic" -K '\t' -X linger.ms=20 -l "$T/orders"
		c0=$(cpu_of "$WORKER_PID")
		kc_http PUT "$WORKER_URL/connectors/$name/resume"
		wait_metric "$name" "t['records'] >= $base + $N" 300
		c1=$(cpu_of "$WORKER_PID")
		join_metrics "$name"
		last=$(kc_json 'max(t["last.batch.wall.ms"] for t in j["tasks"].values())')
		t0=$(kc_json 'min(t["first.record.wall.ms"] for t in j["tasks"].values() if t["first.record.wall.ms"] > 0)')
		rate=$(( N * 1000 / (last - t0) ))
		cpu=$("$KC_PY" -c "print('%.2f' % (($c1 - $c0) * 1e6 / $N))")
		printf '# join tasks.max=%d round %d, %d records (table %d keys): %d ms, %d joined records/s, %s us worker CPU per record\n' \
			"$tasks" "$round" "$N" "$C" $((last - t0)) "$rate" "$cpu"
		[ "$rate" -gt "$best" ] && best=$rate
		keep_min bestcpu "$cpu"
		[ "$round" = 1 ] && pipe "copy$((tasks + 1))"
	done
	RESULT="$RESULT join.tasks$tasks=$best join.tasks$tasks.cpu_us=$bestcpu"
	eval "JOIN$tasks=$best JOINCPU$tasks=$bestcpu"
	# spot check the output
	kcat -C -b "$B" -t "$out" -e -q -c 1 -f '%s\n' | kc_grepq '"customer_tier":"gold"\|"customer_name":"unknown"' ||
		kc_fail "the joined records do not look joined"
}
RESULT=
run bench1 orders1 out1 1
run bench2 orders2 out2 2
ratio() { "$KC_PY" -c "print('%.2f' % ($1 / $2))"; }
printf '# best of %d: kcat pipe %d records/s (%s us CPU per record); join tasks.max=1 %d records/s (%s us), tasks.max=2 %d records/s (%s us)\n' \
	"$ROUNDS" "$PIPE" "$PIPE_CPU" "$JOIN1" "$JOINCPU1" "$JOIN2" "$JOINCPU2"
printf '# ratio joined/piped records/s: tasks.max=1 %s, tasks.max=2 %s (goal >= 1.0); CPU per record pipe/join: tasks.max=1 %s, tasks.max=2 %s\n' \
	"$(ratio "$JOIN1" "$PIPE")" "$(ratio "$JOIN2" "$PIPE")" "$(ratio "$PIPE_CPU" "$JOINCPU1")" "$(ratio "$PIPE_CPU" "$JOINCPU2")"
echo "join bench: kcat_pipe=$PIPE kcat_pipe.cpu_us=$PIPE_CPU$RESULT"
