#!/usr/bin/env bash
# crash_loop.sh - kill -9 kcops-worker at random moments while clients create, pause,
# delete and list connectors; after every crash the worker must start again with a valid
# state file holding every connector whose creation was acknowledged (201) and not deleted.
# Finally SIGTERM while long polls are waiting must still exit 0 promptly.
. "$(dirname "$0")/../lib/worker.sh"
rounds=${KCOPS_CRASH_ROUNDS:-12}
cfg() { printf '{"name":"%s","config":{"connector.class":"HttpCronSource","topic":"crash","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 * * * ?"}}' "$1"; }
worker_start
kc_tmpdir; T=$KC_TMP_LAST
: >"$T/acked"
for ((r = 0; r < rounds; r++)); do
	U=$WORKER_URL
	(
		for ((k = 0; k < 15; k++)); do
			n="r$r-c$k"
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json' --data-binary "$(cfg "$n")" "$U/connectors") || true
			[ "$code" = 201 ] && echo "$n" >>"$T/acked"
			curl -s -o /dev/null --max-time 5 -X PUT "$U/connectors/$n/pause" || true
		done
	) &
	c1=$!
	( for ((k = 0; k < 40; k++)); do curl -s -o /dev/null --max-time 5 "$U/connectors?expand=status&expand=info" || true; done ) &
	c2=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	worker_kill
	wait "$c1" "$c2" || true
	"$KC_PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORKER_STATE_DIR/connectors.json" 2>/dev/null ||
		[ ! -e "$WORKER_STATE_DIR/connectors.json" ] || kc_fail "round $r: connectors.json is not valid JSON after kill -9"
	_worker_launch
	kc_http GET "$WORKER_URL/connectors"
	kc_expect_code 200 "round $r: list after restart"
	missing=$(HTTP_BODY="$HTTP_BODY" "$KC_PY" -c '
import json, os, sys
have = set(json.loads(os.environ["HTTP_BODY"]))
print(" ".join(n for n in open(sys.argv[1]).read().split() if n not in have))' "$T/acked")
	[ -z "$missing" ] || kc_fail "round $r: acknowledged connectors lost after kill -9: $missing"
done
kc_note "$(wc -l <"$T/acked") acknowledged creations survived $rounds crashes"
# SIGTERM with long polls waiting
U=$WORKER_URL
for k in 1 2 3 4; do curl -s -o /dev/null --max-time 30 "$U/kcops/v1/connectors/r0-c0/exchanges?wait=20000" & done
sleep 0.3
t0=$(date +%s%N)
worker_stop
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$el" -lt 8000 ] || kc_fail "SIGTERM with waiting long polls took ${el} ms"
echo "crash_loop: all checks passed"
