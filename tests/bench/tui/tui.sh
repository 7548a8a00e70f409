#!/bin/bash
# tests/bench/tui - the console against kcops-worker with N connectors (10,000; 1,000 with
# KCOPS_BENCH_QUICK=1), driven in tmux at 80x24. Prints:
#  - per refresh cycle: fetch (request sent -> answer in), parse into rows (helper thread),
#    install + sort + filter (loop thread), draw; next to curl's own transfer time for the
#    same listing (time_total, process start-up excluded) as the reference
#  - the worst stall of the loop thread while refreshing (what a key press could wait)
#  - per navigation key: handling + draw time
#  - peak RSS of kcops
#  - bytes written to the terminal by one idle refresh (goal < 200: the screen is diffed)
#  - listings in the worker's request log per refresh interval (goal: exactly one)
#  - time from a REST change to the screen (goal: within one interval)
# kcops writes its timings with KCOPS_TUI_STATS=FILE; tmux pipe-pane counts terminal bytes.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"
kc_tmpdir
B=$KC_TMP_LAST
# glibc filling every allocation (meson sets MALLOC_PERTURB_) would dominate the timings
unset MALLOC_PERTURB_
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=1000; IDLE=4; else N=10000; IDLE=8; fi
REFRESH_MS=2000

# N stopped connectors written into the worker's state before it starts (REST creation of
# 10,000 takes minutes: the worker rewrites its state file on every change)
kc_tmpdir
WORKER_STATE_DIR=$KC_TMP_LAST
kc_on_exit 'worker_kill'
"$KC_PY" - "$N" >"$WORKER_STATE_DIR/connectors.json" <<'PY'
import json, sys
n = int(sys.argv[1])
conns = [{"name": "bench-%05d" % i, "target": "STOPPED", "config": {
    "connector.class": "kcops.http.HttpSinkConnector", "topics": "bench-%05d" % i,
    "tasks.max": "2", "publish.mode": "NONE", "name": "bench-%05d" % i}} for i in range(n)]
print(json.dumps({"version": 1, "connectors": conns}))
PY
worker_start
for ((i = 0; i < 300; i++)); do
	n=$(curl -s "$WORKER_URL/connectors?expand=status" | jq '[.[] | select(.status.connector.state == "STOPPED")] | length')
	[ "$n" = "$N" ] && break
	sleep 0.1
done
[ "$n" = "$N" ] || kc_fail "only $n of $N connectors report STOPPED"
# the worker's request log: one DEBUG line per request
kc_http PUT "$WORKER_URL/admin/loggers/kcops.worker.rest" '{"level": "DEBUG"}'
kc_expect_code 200 "enable the request log"

# reference: curl fetching the same listing (best of 5)
best_curl=0
for ((r = 0; r < 5; r++)); do
	us=$(curl -s -o "$B/listing.json" -w '%{time_total}' "$WORKER_URL/connectors?expand=status&expand=info" |
		"$KC_PY" -c 'import sys; print(int(float(sys.stdin.read()) * 1e6))')
	if [ "$best_curl" = 0 ] || [ "$us" -lt "$best_curl" ]; then best_curl=$us; fi
done
size=$(wc -c <"$B/listing.json")

STATS=$B/stats
TUI_ENV="KCOPS_TUI_STATS=$STATS"
tui_start --url "$WORKER_URL" --refresh "${REFRESH_MS}ms"
tui_wait "$N connectors" 60
tui_wait_re 'bench-00000 +sink +STOPPED'
# let a few cycles pass, then measure
sleep $((REFRESH_MS * 3 / 1000))

# navigation keys: Down x40, PgDn x10, End, Home, filter + clear
: >"$B/keys.mark"
nkeys_before=$(grep -c '^key ' "$STATS" || true)
for ((i = 0; i < 40; i++)); do tui_keys Down; done
for ((i = 0; i < 10; i++)); do tui_keys PgDn; done
tui_keys End Home
tui_wait_re "1/$N"
sleep 0.5

# idle refreshes: count terminal bytes over IDLE intervals with nothing changing
sleep 1
log_before=$(grep -c 'GET /connectors -> 200' "$WORKER_LOG" || true)
fetch_before=$(grep -c '^fetch ' "$STATS" || true)
: >"$B/pipe"
tui_tmux pipe-pane -o "cat >>'$B/pipe'"
t_idle0=$(date +%s%N)
sleep $((IDLE * REFRESH_MS / 1000))
tui_tmux pipe-pane
t_idle1=$(date +%s%N)
idle_bytes=$(wc -c <"$B/pipe")
log_after=$(grep -c 'GET /connectors -> 200' "$WORKER_LOG" || true)
fetch_after=$(grep -c '^fetch ' "$STATS" || true)
idle_fetches=$((fetch_after - fetch_before))
idle_requests=$((log_after - log_before))
idle_s=$(( (t_idle1 - t_idle0) / 1000000 ))
[ "$idle_fetches" -gt 0 ] || kc_fail "no refresh happened in ${idle_s} ms"

# REST changes reach the screen within one interval (three changes, each timed from the
# request to the screen showing it)
change_ms=""
for step in pause:PAUSED resume:RUNNING pause:PAUSED; do
	sleep 0.$((RANDOM % 9 + 1))	# not in step with the refresh timer
	t0=$(date +%s%N)
	kc_http PUT "$WORKER_URL/connectors/bench-00000/${step%%:*}"
	kc_expect_code 202 "${step%%:*} bench-00000"
	tui_wait_re "bench-00000 +sink +${step##*:}" 10
	change_ms+="$(( ($(date +%s%N) - t0) / 1000000 )),"
done

tui_quit
grep -q '^maxrss_kb ' "$STATS" || kc_fail "kcops wrote no stats at exit"

"$KC_PY" - "$STATS" "$N" "$size" "$best_curl" "$idle_bytes" "$idle_fetches" "$idle_requests" \
	"$idle_s" "$REFRESH_MS" "$change_ms" "$nkeys_before" <<'PY'
import sys, statistics as st
stats, n, size, curl_us, idle_bytes, idle_fetches, idle_req, idle_ms, refresh_ms, change_ms, nk0 = sys.argv[1:]
n = int(n); curl_us = int(curl_us); idle_bytes = int(idle_bytes); idle_fetches = int(idle_fetches)
fetch, parse, load, draw, keys, rss = [], [], [], [], [], 0
lines = open(stats).read().splitlines()
for i, l in enumerate(lines):
    w = l.split()
    if w[0] == "fetch" and int(w[2].split("=")[1]) == n:
        kv = dict(x.split("=") for x in w[2:])
        fetch.append(int(kv["latency_ms"])); load.append(int(kv["load_us"]))
        parse.append(int(kv["parse_us"]))
    elif w[0] == "draw_us":
        draw.append(int(w[1]))
    elif w[0] == "key":
        kv = dict(x.split("=") for x in w[2:])
        # the draw that follows the key
        d = next((int(x.split()[1]) for x in lines[i + 1:i + 4] if x.startswith("draw_us")), 0)
        keys.append(int(kv["us"]) + d)
    elif w[0] == "maxrss_kb":
        rss = int(w[1])
def p(v, q):
    v = sorted(v); return v[min(len(v) - 1, int(len(v) * q))]
if not fetch or not keys:
    sys.exit("bench tui: no cycles or keys recorded")
cycle_ms = st.median(fetch) + (st.median(parse) + st.median(load) + st.median(draw)) / 1000
print("bench tui: %d connectors, listing %d bytes, refresh every %d ms, 80x24" % (n, int(size), int(refresh_ms)))
print("bench tui: refresh cycle: fetch median %d ms (p95 %d); parse into rows (helper thread) median %.1f ms; "
      "install/sort/filter (loop thread) median %.1f ms; draw median %.2f ms" %
      (st.median(fetch), p(fetch, .95), st.median(parse) / 1000, st.median(load) / 1000, st.median(draw) / 1000))
print("bench tui: curl fetching the same listing (time_total, best of 5): %.1f ms; refresh cycle / curl = %.2f" %
      (curl_us / 1000, cycle_ms / (curl_us / 1000)))
print("bench tui: loop thread busy per refresh (install + draw, the longest a key waits): median %.2f ms, max %.2f ms" %
      ((st.median(load) + st.median(draw)) / 1000, (max(load) + max(draw)) / 1000))
print("bench tui: navigation key (handle + draw): median %.2f ms, p95 %.2f ms, max %.2f ms over %d keys" %
      (st.median(keys) / 1000, p(keys, .95) / 1000, max(keys) / 1000, len(keys)))
print("bench tui: peak RSS %d KiB (%.1f KiB per connector)" % (rss, rss / n))
per = idle_bytes / idle_fetches
print("bench tui: idle: %d bytes to the terminal over %d refreshes in %d ms = %.0f bytes per refresh (goal < 200)%s" %
      (idle_bytes, idle_fetches, int(idle_ms), per, "" if per < 200 else "  ABOVE GOAL"))
print("bench tui: worker request log: %d listings in %d intervals (goal: one per interval)%s" %
      (int(idle_req), round(int(idle_ms) / int(refresh_ms)),
       "" if abs(int(idle_req) - int(idle_ms) / int(refresh_ms)) <= 1 else "  OFF GOAL"))
ch = [int(x) for x in change_ms.strip(",").split(",")]
bound = int(refresh_ms) + p(fetch, .95) + (st.median(parse) + st.median(load)) / 1000
print("bench tui: REST changes reached the screen in %s ms (goal: within one interval, %d ms, plus the "
      "refresh that sees it: fetch p95 + parse + install = %.0f ms)%s" %
      (", ".join(str(c) for c in ch), int(refresh_ms), bound - int(refresh_ms),
       "" if max(ch) <= bound + 100 else "  ABOVE GOAL"))
change_ms = max(ch)
if per >= 200 or change_ms > 2 * int(refresh_ms) + 1000:
    sys.exit(1)
PY
