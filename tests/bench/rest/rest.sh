#!/usr/bin/env bash
# tests/bench/rest/rest.sh - REST throughput of kcops-worker against nginx in the same run.
#   wrk -t2 -c64 on GET /connectors?expand=status&expand=info with 100 connectors, then nginx
#   serving the identical bytes as a static file; prints both, the ratio (goal >= 0.5), checks
#   that a pause made over REST shows in the very next GET while wrk is running (no stale
#   cache), and prints the idle RSS with 100 connectors and the time from start to the first
#   200 on GET /. KCOPS_BENCH_QUICK=1 uses short wrk runs.
. "$(dirname "$0")/../../lib/worker.sh"
. "$(dirname "$0")/../../lib/nginx.sh"

dur=10
[ "${KCOPS_BENCH_QUICK:-0}" = 1 ] && dur=3
N=100
LIST='/connectors?expand=status&expand=info'

worker_start
start_ms=$WORKER_START_MS
U=$WORKER_URL
for ((i = 0; i < N; i++)); do
	body=$(printf '{"name":"bench-%03d","config":{"connector.class":"kcops.http.HttpCronSourceConnector","topic":"bench.requests","jobs":"nightly","job.nightly.url":"http://127.0.0.1:9/report/%d","job.nightly.method":"POST","job.nightly.body":"{\\"report\\":%d}","job.nightly.cron":"0 0 3 * * ?"}}' "$i" "$i" "$i")
	kc_http POST "$U/connectors" "$body"
	kc_expect_code 201 "create bench-$i"
done
# wait until every task runs
for ((t = 0; t < 600; t++)); do
	kc_http GET "$U$LIST"
	running=$(kc_json 'sum(1 for v in j.values() for x in v["status"]["tasks"] if x["state"]=="RUNNING")')
	[ "$running" = "$N" ] && break
	sleep 0.1
done
[ "$running" = "$N" ] || kc_fail "only $running of $N tasks running"

kc_tmpdir; root=$KC_TMP_LAST
curl -sf "$U$LIST" -o "$root/connectors"
bytes=$(stat -c %s "$root/connectors")
nginx_start 'location = /connectors { default_type application/json; }' "$root"
cmp -s <(curl -sf "$NGINX_URL/connectors") "$root/connectors" || kc_fail "nginx does not serve the identical bytes"

# CPU ticks (user + system, all threads) of a process and its children
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$t"; }

wrk_run() {	# wrk_run URL OUTFILE PIDS... -> "req/s requests cpu_ticks" in OUTFILE
	local url=$1 file=$2 out c0 c1
	shift 2
	c0=$(ticks "$@")
	out=$(wrk -t2 -c64 -d"${dur}s" --latency "$url" 2>&1) || kc_fail "wrk failed: $out"
	c1=$(ticks "$@")
	if grep -q 'Non-2xx' <<<"$out"; then kc_fail "wrk saw non-2xx answers from $url: $out"; fi
	if grep -qE 'Socket errors: .*(read|write) [1-9]' <<<"$out"; then kc_fail "wrk socket errors on $url: $out"; fi
	echo "$(awk '/^Requests\/sec:/ { printf "%d", $2 }' <<<"$out") $(awk '/requests in/ { print $1 }' <<<"$out") $((c1 - c0))" >"$file"
}

# Pause/resume while wrk hammers the worker: every change must be in the very next GET.
pause_checks() {
	local i ok=0 want
	sleep 0.5
	for ((i = 0; i < 20; i++)); do
		if ((i % 2 == 0)); then
			curl -sf -X PUT -o /dev/null "$U/connectors/bench-007/pause"; want=PAUSED
		else
			curl -sf -X PUT -o /dev/null "$U/connectors/bench-007/resume"; want=RUNNING
		fi
		# grep, not a JSON parser: the check must not steal CPU from the measured worker
		got=$(curl -sf "$U$LIST" | grep -o '"bench-007":{"status":{"name":"bench-007","connector":{"state":"[A-Z]*"' | grep -o '[A-Z]*"$' | tr -d '"')
		[ "$got" = "$want" ] && ok=$((ok + 1))
		sleep 0.05
	done
	echo "$ok" >"$root/pause_ok"
}
pause_checks &
pchk=$!
wrk_run "$U$LIST" "$root/w" "$WORKER_PID"
wait $pchk
pause_ok=$(cat "$root/pause_ok")
wrk_run "$NGINX_URL/connectors" "$root/n" "$NGINX_PID" $(pgrep -P "$NGINX_PID")
read -r w_rps w_n w_ticks <"$root/w"
read -r n_rps n_n n_ticks <"$root/n"
tick_us=$((1000000 / $(getconf CLK_TCK)))
sleep 1
rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$WORKER_PID/status")
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$WORKER_PID/status")

ratio=$("$KC_PY" -c "print('%.2f' % ($w_rps / $n_rps))")
echo "bench rest: wrk -t2 -c64 -d${dur}s GET $LIST ($N connectors, $bytes bytes)"
echo "bench rest: kcops-worker     $w_rps req/s, $((w_ticks * tick_us / w_n)) us CPU per request"
echo "bench rest: nginx (static)   $n_rps req/s, $((n_ticks * tick_us / n_n)) us CPU per request"
echo "bench rest: ratio $ratio (goal >= 0.5)$("$KC_PY" -c "print('' if $ratio >= 0.5 else '  BELOW GOAL (req/s on a shared machine; compare CPU per request)')")"
echo "bench rest: pause visible in the very next GET: $pause_ok/20"
echo "bench rest: idle RSS with $N connectors: $((rss_kib / 1024)) MiB ($threads threads)"
echo "bench rest: start to first 200 on GET /: $start_ms ms"
[ "$pause_ok" = 20 ] || kc_fail "a pause/resume was not visible in the very next GET ($pause_ok/20)"
worker_stop
