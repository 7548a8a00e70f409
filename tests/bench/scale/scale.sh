#!/usr/bin/env bash
# scale.sh - distributed mode: HTTP sink requests/s with one worker and with two workers
# (same group.id) on the same input, next to wrk on the same nginx location; and the time
# a partition takes to move to the survivor after kill -9 of the other worker. On a 2-core
# machine two workers share the same CPUs, so the ratio shows the cost of the cluster, not
# a speed-up.
# KCOPS_BENCH_QUICK=1: fewer records (under a minute in all).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/distributed/lib.sh"
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=20000 WRK_S=3; else N=100000 WRK_S=10; fi
PARTS=8
nginx_start 'location /b { return 200 "{\"ok\":true}"; }'
URL=$NGINX_URL/b
WRK=$(wrk -t2 -c64 -d${WRK_S}s "$URL" | awk '/Requests\/sec/ { printf "%d", $2 }')
printf '# wrk -t2 -c64 %ss %s: %d req/s\n' "$WRK_S" "$URL" "$WRK"
dist_mock_start --topic in1:$PARTS --topic in2:$PARTS --topic mv:$PARTS
gen() { awk -v n="$1" -v u="$URL" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"url\":\"%s\",\"method\":\"POST\",\"bodyAsString\":\"{\\\"n\\\":%d}\"}\n", u, i }'; }
load() { gen $N | kcat -P -b "$MOCK_BOOTSTRAP" -t "$1" -X linger.ms=20 -X sticky.partitioning.linger.ms=0; }
# settle NAME WORKERS: tasks RUNNING on that many workers, then time for the group to settle
# (the input is produced afterwards: a rebalance in the middle of the run can leave a
# consumer on a stale generation on the mock, see docs/distributed.md)
settle() {
	dist_wait "sink '$1' RUNNING on $2 worker(s)" 60 sh -c "[ \$(curl -s '${W_URL[1]}/connectors/$1/status' | jq '[.tasks[] | select(.state == \"RUNNING\") | .worker_id] | unique | length') = $2 ]"
	sleep "${SETTLE_S:-5}"
}
dist_worker_start 1
sink() { # NAME TOPIC
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "{\"name\":\"$1\",\"config\":{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"$2\",\"tasks.max\":\"2\"}}" \
		"${W_URL[1]}/connectors")
	[ "$code" = 201 ] || kc_fail "create $1: HTTP $code"
}
requests() { # NAME WORKER...: sum of the sink's requests on those workers
	local name=$1 s=0 i v
	shift
	for i in "$@"; do
		v=$(curl -s --max-time 5 "${W_URL[$i]}/kcops/v1/connectors/$name/metrics" | jq -r '.total.requests // 0' 2>/dev/null) || v=0
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
# measure NAME WANT WORKER...: req/s from the first request to the WANT-th (group joins excluded)
measure() {
	local name=$1 want=$2 t0= n k
	shift 2
	for ((k = 0; k < 3000; k++)); do
		n=$(requests "$name" "$@")
		[ -z "$t0" ] && [ "$n" -gt 0 ] && { t0=$(date +%s%N); n0=$n; }
		[ "$n" -ge "$want" ] && break
		sleep 0.1
	done
	[ "$n" -ge "$want" ] || kc_fail "$name: $n of $want requests after 300 s"
	awk -v n=$((n - n0)) -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%d", n / (ns / 1e9) }'
}
sink one in1
settle one 1
load in1
ONE=$(measure one $N 1)
printf '# one worker:  %d records -> %d req/s\n' "$N" "$ONE"
curl -s -o /dev/null --max-time 10 -X DELETE "${W_URL[1]}/connectors/one" ||
	{ tail -20 "${W_DIR[1]}/stderr.log" >&2; kill -0 "${W_PID[1]}" 2>/dev/null ||
	kc_fail "worker 1 died after the one-worker run"; kc_fail "DELETE /connectors/one failed"; }
dist_worker_start 2
sink two in2
settle two 2
load in2
TWO=$(measure two $N 1 2)
printf '# two workers: %d records -> %d req/s (worker 1 sent %d, worker 2 %d)\n' "$N" "$TWO" \
	"$(requests two 1)" "$(requests two 2)"
[ "$(requests two 2)" -gt 0 ] || kc_fail "worker 2 sent no request: partitions did not split"

# partition move: both workers idle on topic mv; kill -9 worker 2, then one record per
# partition: the time until all are requested by worker 1 is the move time
sink mv mv
settle mv 2
base=$(requests mv 1)
t0=$(date +%s%N)
dist_worker_kill 2
for ((p = 0; p < PARTS; p++)); do gen 1 | kcat -P -b "$MOCK_BOOTSTRAP" -t mv -p $p; done
for ((k = 0; k < 1200; k++)); do
	[ "$(requests mv 1)" -ge $((base + PARTS)) ] && break
	sleep 0.1
done
[ "$(requests mv 1)" -ge $((base + PARTS)) ] || kc_fail "worker 1 did not take over every partition within 120 s"
MOVE=$(( ($(date +%s%N) - t0) / 1000000 ))
dist_worker_stop 1
awk -v one="$ONE" -v two="$TWO" -v wrk="$WRK" -v mv="$MOVE" 'BEGIN {
	printf "scale: one worker %d req/s, two workers %d req/s: ratio two/one %.2f (both workers share the same 2 cores; other load on the machine makes this noisy); wrk %d req/s (one worker %.2f of wrk)\n", one, two, two / one, wrk, one / wrk
	printf "scale: partition move after kill -9: %d ms (consumer.session.timeout.ms=6000 + the mock'"'"'s ~3 s join)\n", mv }'
