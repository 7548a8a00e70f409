#!/bin/bash
# tests/bench/list - listing many connectors: `kcops get connectors -o json` (and the table)
# next to curl fetching the same ?expand=status&expand=info document from the same
# kcops-worker in the same run. Prints wall time and peak RSS of each, and the ratios
# (goal: kcops/curl <= 1.5); then the CPU ratio and, with valgrind, the instructions each
# run executes (steady on a busy machine, where wall time is not).
# N = 10,000 stopped connectors (no tasks run); KCOPS_BENCH_QUICK=1: 1,000.
# Quick mode creates them through REST (POST /connectors with initial_state STOPPED, eight
# keep-alive connections). The full run writes them into the worker's state file before it starts,
# because creating 10,000 through REST takes the worker minutes (it rewrites and fsyncs its
# whole connectors.json on every change).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
kc_tmpdir
B=$KC_TMP_LAST
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then REPS=${KCOPS_BENCH_REPS:-5}; else REPS=${KCOPS_BENCH_REPS:-9}; fi
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=1000; else N=10000; fi

conn_json() { # NAME: a stopped HTTP sink's create body
	printf '{"name": "%s", "initial_state": "STOPPED", "config": {"connector.class": "kcops.http.HttpSinkConnector", "topics": "bench-%s", "tasks.max": "2", "publish.mode": "NONE", "http.timeout.ms": "5000", "db.password": "secret-%s"}}' "$1" "$1" "$1"
}

if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then
	worker_start
	t0=$(date +%s%N)
	"$KC_PY" - "$WORKER_URL" "$N" <<'PY' || kc_fail "creating $N connectors through REST failed"
import http.client, json, sys, threading
from urllib.parse import urlparse
u = urlparse(sys.argv[1]); n = int(sys.argv[2])
names = ["bench-%05d" % i for i in range(n)]
bad = []
def work(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    for i in range(k, n, 8):
        body = {"name": names[i], "initial_state": "STOPPED", "config": {
            "connector.class": "kcops.http.HttpSinkConnector", "topics": "bench-" + names[i],
            "tasks.max": "2", "publish.mode": "NONE", "http.timeout.ms": "5000",
            "db.password": "secret-" + names[i]}}
        c.request("POST", "/connectors", json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        if r.status != 201:
            bad.append((names[i], r.status))
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
if bad:
    print("creates failed:", bad[:5], file=sys.stderr); sys.exit(1)
PY
	kc_note "created $N connectors through REST in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
	kc_tmpdir
	WORKER_STATE_DIR=$KC_TMP_LAST
	kc_on_exit 'worker_kill'
	"$KC_PY" - "$N" >"$WORKER_STATE_DIR/connectors.json" <<'PY'
import json, sys
n = int(sys.argv[1])
conns = []
for i in range(n):
    name = "bench-%05d" % i
    conns.append({"name": name, "config": {
        "connector.class": "kcops.http.HttpSinkConnector", "topics": "bench-" + name,
        "tasks.max": "2", "publish.mode": "NONE", "http.timeout.ms": "5000",
        "db.password": "secret-" + name, "name": name}, "target": "STOPPED"})
print(json.dumps({"version": 1, "connectors": conns}))
PY
	worker_start
fi
got=$(curl -s "$WORKER_URL/connectors" | jq length)
[ "$got" = "$N" ] || kc_fail "the worker has $got connectors, expected $N"
# Every connector has a status (STOPPED) before measuring.
for ((i = 0; i < 200; i++)); do
	n=$(curl -s "$WORKER_URL/connectors?expand=status" | jq '[.[] | select(.status.connector.state == "STOPPED")] | length')
	[ "$n" = "$N" ] && break
	sleep 0.1
done
[ "$n" = "$N" ] || kc_fail "only $n of $N connectors report STOPPED"

# meson test sets MALLOC_PERTURB_ (glibc then fills every allocation and every freed block),
# which costs a program in proportion to what it allocates: curl and kcops run without it,
# as users run them.
# Rounds: each round runs curl and the three kcops forms once, back to back, so all four see
# the same load; per form the median wall time, its CPU time (user+sys from wait4), the peak
# RSS, and the median of the per-round ratios to curl. Outputs are kept in $B/LABEL.out.
"$KC_PY" - "$REPS" "$B" "$WORKER_URL" "$KCOPS" >"$B/results" <<'PY' || kc_fail "measurement failed"
import os, statistics, subprocess, sys, time
reps, outdir, url, kcops = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
forms = [
    ("curl", ["curl", "-s", "-o", "/dev/stdout", url + "/connectors?expand=status&expand=info"]),
    ("json", [kcops, "--url", url, "get", "connectors", "-o", "json"]),
    ("table", [kcops, "--url", url, "get", "connectors"]),
    ("names", [kcops, "--url", url, "get", "connectors", "-o", "names"]),
]
env = dict(os.environ, NO_COLOR="1")
env.pop("MALLOC_PERTURB_", None)	# see above: as users run them
runs = {f: [] for f, _ in forms}
for _ in range(reps):
    for label, cmd in forms:
        with open(os.path.join(outdir, label + ".out"), "wb") as out:
            t0 = time.perf_counter_ns()
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
            _, status, ru = os.wait4(p.pid, 0)
            t1 = time.perf_counter_ns()
            err = p.stderr.read()
        if status != 0:
            sys.stderr.write(err.decode(errors="replace"))
            sys.exit("%s failed (status %d)" % (label, status))
        runs[label].append(((t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3, ru.ru_maxrss))
for label, _ in forms:
    r = runs[label]
    wall = statistics.median(x[0] for x in r)
    cpu = statistics.median(x[1] for x in r)
    rss = max(x[2] for x in r)
    ratio = statistics.median(r[i][0] / runs["curl"][i][0] for i in range(reps))
    print(label, "%.1f" % wall, "%.1f" % cpu, rss, "%.2f" % ratio)
PY
while read -r label wall cpu rss ratio; do
	eval "${label}_ms=$wall ${label}_cpu=$cpu ${label}_rss=$rss ${label}_ratio=$ratio"
done <"$B/results"

# The outputs are complete and right (not just fast).
[ "$(jq 'length' "$B/curl.out")" = "$N" ] || kc_fail "curl document does not hold $N connectors"
jq -e --argjson n "$N" 'length == $n and all(.[]; .state == "STOPPED" and .config["db.password"] == "********")' \
	"$B/json.out" >/dev/null || kc_fail "kcops -o json output is incomplete or unmasked"
[ "$(($(wc -l <"$B/table.out") - 1))" = "$N" ] || kc_fail "the table does not have $N rows"
[ "$(wc -l <"$B/names.out")" = "$N" ] || kc_fail "-o names does not have $N lines"

goal() { "$KC_PY" -c "print('' if $1 <= 1.5 else '  ABOVE GOAL')"; }
printf 'bench list: %d stopped connectors, %s bytes expanded document, median of %d rounds\n' \
	"$N" "$(wc -c <"$B/curl.out")" "$REPS"
printf 'bench list: curl (expand=status&expand=info)  %7s ms (cpu %5s ms)  peak RSS %6d KiB\n' \
	"$curl_ms" "$curl_cpu" "$curl_rss"
printf 'bench list: kcops get connectors -o json      %7s ms (cpu %5s ms)  peak RSS %6d KiB  ratio %s (goal <= 1.5)%s\n' \
	"$json_ms" "$json_cpu" "$json_rss" "$json_ratio" "$(goal "$json_ratio")"
printf 'bench list: kcops get connectors (table)      %7s ms (cpu %5s ms)  peak RSS %6d KiB  ratio %s (goal <= 1.5)%s\n' \
	"$table_ms" "$table_cpu" "$table_rss" "$table_ratio" "$(goal "$table_ratio")"
printf 'bench list: kcops get connectors -o names     %7s ms (cpu %5s ms)  peak RSS %6d KiB  ratio %s\n' \
	"$names_ms" "$names_cpu" "$names_rss" "$names_ratio"
printf 'bench list: cpu ratio (median cpu / curl median cpu): json %s, table %s, names %s\n' \
	"$("$KC_PY" -c "print('%.2f' % ($json_cpu / $curl_cpu))")" \
	"$("$KC_PY" -c "print('%.2f' % ($table_cpu / $curl_cpu))")" \
	"$("$KC_PY" -c "print('%.2f' % ($names_cpu / $curl_cpu))")"

# Instructions (callgrind, user space only): unlike time, the same on a busy machine. One run
# each of curl and of kcops -o json and the table; skipped without valgrind or with
# KCOPS_BENCH_CALLGRIND=0.
if [ "${KCOPS_BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
	irefs() { # LABEL CMD...: total instructions of one run (output kept in $B/LABEL.cg.out)
		local label=$1
		shift
		NO_COLOR=1 env -u MALLOC_PERTURB_ valgrind --tool=callgrind --callgrind-out-file="$B/$label.callgrind" "$@" \
			>"$B/$label.cg.out" 2>"$B/$label.cg.err" ||
			kc_fail "callgrind run of $label failed: $(tail -3 "$B/$label.cg.err")"
		sed -n 's/^==[0-9]*== Collected : //p' "$B/$label.cg.err"
	}
	ir_curl=$(irefs curl curl -s -o /dev/stdout "$WORKER_URL/connectors?expand=status&expand=info")
	ir_json=$(irefs json "$KCOPS" --url "$WORKER_URL" get connectors -o json)
	ir_table=$(irefs table "$KCOPS" --url "$WORKER_URL" get connectors)
	[ -n "$ir_curl" ] && [ -n "$ir_json" ] && [ -n "$ir_table" ] ||
		kc_fail "callgrind printed no instruction count"
	printf 'bench list: instructions: curl %s, kcops -o json %s (%s x), table %s (%s x)\n' \
		"$ir_curl" "$ir_json" "$("$KC_PY" -c "print('%.2f' % ($ir_json / $ir_curl))")" \
		"$ir_table" "$("$KC_PY" -c "print('%.2f' % ($ir_table / $ir_curl))")"
fi
printf 'bench list: load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
