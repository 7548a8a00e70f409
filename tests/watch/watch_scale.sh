#!/bin/bash
# watch_scale.sh - kcops watch over 2000 connectors (a scripted Connect REST API,
# fake_connect.py), 40 of them with a failed task:
#  - each poll is one bulk call (plus the client's plain name list), never one call per
#    connector: only the 40 failed connectors get a status check and a restart, once each;
#  - 40 failed events, 40 restarted, 40 recovered; nothing for the 1960 healthy ones;
#  - the CPU kcops spends per poll of 2000 connectors is printed (and bounded).
. "$(dirname "$0")/lib.sh"

N=2000 F=40
bg "$PY" "$HERE/fake_connect.py" "$N" "$F" "$T/stats.json" >"$T/fake.port"
for i in $(seq 200); do
	PORT=$(sed -n 's/^port=//p' "$T/fake.port")
	[ -n "$PORT" ] && break
	sleep 0.025
done
[ -n "$PORT" ] || fail "the fake Connect API did not start"

EV=$T/events.ndjson
t0=$(date +%s%N)
bg "$KCOPS" watch --url "http://127.0.0.1:$PORT" --interval 500ms --backoff 300ms \
	--healthy 1s --log "$EV" 2>"$T/watch.log"
WATCH_PID=$BG_PID
for i in $(seq 200); do
	[ "$(count_events "$EV" recovered)" = "$F" ] && break
	sleep 0.1
done
[ "$(count_events "$EV" recovered)" = "$F" ] || fail "expected $F recovered events, got $(count_events "$EV" recovered)"
cpu_ticks=$(awk '{print $14 + $15}' "/proc/$WATCH_PID/stat")
wall_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" || fail "watch exited non-zero: $(tail -5 "$T/watch.log")"

[ "$(count_events "$EV" failed)" = "$F" ] || fail "expected $F failed events"
[ "$(count_events "$EV" restarted)" = "$F" ] || fail "expected $F restarted events"
[ "$(count_events "$EV" gave_up)" = 0 ] || fail "nothing should give up"
stats=$(cat "$T/stats.json")
check "$stats" 'sorted(ev["restart"]) == ["conn-%05d" % i for i in range('"$F"')]' "restarted exactly the failed ones"
check "$stats" 'all(v == 1 for v in ev["restart"].values())' "one restart each"
check "$stats" 'sorted(ev["status"]) == ["conn-%05d" % i for i in range('"$F"')]' "status checks only for the failed ones"
check "$stats" 'ev["names"] == ev["bulk"] and ev["bulk"] >= 3' "bulk polls"
bulk=$(jq_py "$stats" 'ev["bulk"]')
"$PY" - "$cpu_ticks" "$(getconf CLK_TCK)" "$bulk" "$wall_ms" <<'PYEOF' || fail "kcops watch used too much CPU"
import sys
ticks, hz, polls, wall = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu_ms = ticks * 1000 / hz
print("# %d connectors: %d polls in %d ms, kcops CPU %.0f ms (%.1f ms per poll, %.0f%% of one core)"
      % (2000, polls, wall, cpu_ms, cpu_ms / polls, 100 * cpu_ms / wall), file=sys.stderr)
# generous: sanitizer builds are several times slower
sys.exit(0 if cpu_ms / polls < 400 else 1)
PYEOF
note "watch_scale: ok"
