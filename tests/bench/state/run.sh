#!/usr/bin/env bash
# tests/bench/state/run.sh - state-file benchmark against kcops-worker.
#   * `kcops plan` for N connectors: against an empty cluster (N creates) and against the
#     applied cluster (N unchanged). Goal: under 1 s.
#   * `kcops apply` creating N connectors (16 requests in flight) next to
#     `curl --parallel --parallel-max 16` sending the same N POST /connectors requests to a
#     fresh worker in the same run, and the ratio curl/kcops (goal: >= 1, kcops at least as
#     fast as curl's parallel mode).
# The comparison is of the two clients, so the worker keeps its state directory on tmpfs
# (/dev/shm) for it: on disk, every create waits for the worker's fdatasync of its journal,
# and with the worker's 2 REST threads those fdatasyncs come one after the other, so both
# clients measure the disk (each create ~0.5 ms on this VM's disk, varying by a third between
# runs) and neither can be faster. The same comparison on disk is still made, in fewer rounds,
# and printed for reference.
# N = 1000 (the issue's figure) in both modes: a run takes a quarter of a second, and with
# 200 the fixed start-up (process, file parse, GET /, listing) weighed five times as much
# as it does for the thousand the goal names. Connectors are created STOPPED (initial_state)
# so the measurement is the REST path, not task start-up.
set -euo pipefail
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"

KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
N=${KCOPS_BENCH_STATE_N:-1000}
kc_tmpdir
T=$KC_TMP_LAST
export NO_COLOR=1

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
count() { curl -s "$1/connectors" | "$KC_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# the state file and the same creates as curl config entries
"$KC_PY" - "$N" "$T" <<'PY'
import json, sys
n, t = int(sys.argv[1]), sys.argv[2]
base = {"connector.class": "kcops.http.HttpCronSourceConnector", "jobs": "j1",
        "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?"}
conns = [{"name": "bench-%04d" % i, "state": "stopped",
          "owner": {"name": "Bench", "email": "bench@example.com"},
          "config": {"topic": "bench-%d" % i, "tasks.max": "1"}} for i in range(n)]
json.dump({"version": 1, "require_owner": True, "defaults": {"config": base},
           "connectors": conns}, open(t + "/state.json", "w"), indent=1)
with open(t + "/curl.cfg", "w") as f:
    for k, c in enumerate(conns):
        if k:
            f.write("next\n")
        cfg = dict(base); cfg.update(c["config"]); cfg["name"] = c["name"]
        body = json.dumps({"name": c["name"], "config": cfg, "initial_state": "STOPPED"})
        f.write('url = "URL/connectors"\nrequest = "POST"\n'
                'header = "Content-Type: application/json"\n'
                'data = %s\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nsilent\n'
                % json.dumps(body))
PY

# where the worker's state directory goes: tmpfs for the headline comparison (set below),
# the test's temporary directory (disk) for the reference one
STATE_ROOT=$T
SHM_ROOT=
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
	SHM_ROOT=$(mktemp -d /dev/shm/kcops-bench-state.XXXXXX)
	kc_on_exit "rm -rf '$SHM_ROOT'"
fi

kc_on_exit 'worker_kill'
fresh_worker() {
	if [ -n "${WORKER_PID:-}" ]; then
		worker_stop
		rm -rf "$WORKER_STATE_DIR"
	fi
	WORKER_STATE_DIR=$(mktemp -d "$STATE_ROOT/worker.XXXXXX")
	worker_start
}

# kcops apply of the N creates on a fresh worker; sets apply_s (and the plan timings once)
run_kcops() {
	local t0 t1
	fresh_worker
	A=$WORKER_URL
	if [ -z "${plan_empty:-}" ]; then
		t0=$(now)
		"$KCOPS" --url "$A" plan "$T/state.json" >"$T/plan1.txt"
		t1=$(now)
		plan_empty=$(secs "$t0" "$t1")
		grep -q "^Plan: $N to create.$" "$T/plan1.txt" || kc_fail "plan: $(tail -2 "$T/plan1.txt")"
	fi
	t0=$(now)
	"$KCOPS" --url "$A" apply "$T/state.json" --yes -q -o json >"$T/report.json"
	t1=$(now)
	apply_s=$(secs "$t0" "$t1")
	"$KC_PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r["added"])==int(sys.argv[2]) and not r["failed"], r["failed"][:3]' \
		"$T/report.json" "$N" || kc_fail "kcops apply did not create $N connectors"
	phase_s=$("$KC_PY" -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["elapsed_ms"] / 1000))' "$T/report.json")
	phases="${phases:+$phases }$phase_s"
	[ "$(count "$A")" = "$N" ] || kc_fail "worker has $(count "$A") connectors after kcops apply"
	if [ -z "${plan_same:-}" ]; then
		t0=$(now)
		"$KCOPS" --url "$A" plan "$T/state.json" --exit-code >"$T/plan2.txt" ||
			kc_fail "plan after apply shows changes: $(head -5 "$T/plan2.txt")"
		t1=$(now)
		plan_same=$(secs "$t0" "$t1")
	fi
}

# curl --parallel with the same N POSTs on a fresh worker; sets curl_s
run_curl() {
	local t0 t1
	fresh_worker
	sed "s#URL/connectors#$WORKER_URL/connectors#" "$T/curl.cfg" >"$T/curl.run.cfg"
	t0=$(now)
	curl -s --no-progress-meter --parallel --parallel-max 16 -K "$T/curl.run.cfg" >"$T/curl.codes"
	t1=$(now)
	curl_s=$(secs "$t0" "$t1")
	[ "$(grep -c '^201$' "$T/curl.codes")" = "$N" ] || kc_fail "curl: $(sort "$T/curl.codes" | uniq -c)"
	[ "$(count "$WORKER_URL")" = "$N" ] || kc_fail "worker has $(count "$WORKER_URL") connectors after curl"
}


# ROUNDS rounds, each a kcops run and a curl run on fresh workers, the order alternating
# (kcops first, then curl first, ...); sets ks, cs (the times) and rr (per-round ratios,
# curl's time over kcops' time in the same round). The ratio printed is their median: the
# machine is shared (CI runs two benchmarks at once), so single runs vary by a third, and a
# ratio of best runs (printed too) follows whichever side had the one lucky run.
rounds() {
	local round
	ks=() cs=() rr=() phases=
	for ((round = 0; round < $1; round++)); do
		if ((round % 2 == 0)); then run_kcops; run_curl; else run_curl; run_kcops; fi
		ks+=("$apply_s") cs+=("$curl_s")
		rr+=("$(awk -v c="$curl_s" -v k="$apply_s" 'BEGIN { printf "%.2f", c / k }')")
	done
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [ -n "$SHM_ROOT" ]; then
	STATE_ROOT=$SHM_ROOT where="state on tmpfs"
else
	where="state on disk: /dev/shm is not a writable tmpfs here"
fi
rounds 15
k_best=$(best "${ks[@]}") c_best=$(best "${cs[@]}")
ratio=$(median "${rr[@]}")
best_ratio=$(awk -v c="$c_best" -v k="$k_best" 'BEGIN { printf "%.2f", c / k }')
k_runs="${ks[*]}" c_runs="${cs[*]}" r_runs="${rr[*]}" k_phases=$phases
disk_line=
if [ -n "$SHM_ROOT" ]; then
	STATE_ROOT=$T
	rounds 3
	disk_line="  for reference, worker state on disk (each create waits for its fdatasync; 3 rounds): kcops ${ks[*]} s, curl ${cs[*]} s, ratio $(median "${rr[@]}") (rounds ${rr[*]})"
fi

echo "state bench: $N connectors (kcops-worker, loopback)"
echo "  plan, empty cluster ($N creates):   $plan_empty s   (goal < 1 s)"
echo "  plan, applied cluster (no change):  $plan_same s   (goal < 1 s)"
echo "  kcops apply, $N creates, 16 in flight ($where): $k_best s   (runs: $k_runs)"
echo "    (requests phase inside kcops, per run: $k_phases s; the rest is start-up, reading the file, GET / and the listing)"
echo "  curl --parallel --parallel-max 16, same $N POSTs: $c_best s   (runs: $c_runs)"
echo "  ratio curl/kcops: $ratio (median of the rounds $r_runs; >= 1.00: kcops at least as fast; best run over best run: $best_ratio)"
[ -z "$disk_line" ] || echo "$disk_line"
awk -v a="$plan_empty" -v b="$plan_same" 'BEGIN { exit !(a < 1 && b < 1) }' ||
	echo "  NOTE: plan goal (< 1 s) missed"
awk -v r="$ratio" 'BEGIN { exit !(r >= 1) }' || echo "  NOTE: apply goal (ratio >= 1) missed"
