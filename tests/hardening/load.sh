#!/usr/bin/env bash
# load.sh - the worker REST API under wrk while connectors are created, paused, resumed and
# deleted concurrently. Every wrk answer must be 2xx with a JSON object body (a Lua script
# counts the others); every churn answer must be the status Connect gives (201, 202, 202,
# 204, then 404 for the deleted name); RSS is sampled each second and must stay flat.
# 60 s normally, ~10 s with KCOPS_BENCH_QUICK=1. Prints requests served, churn operations and
# the RSS samples.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
command -v wrk >/dev/null || kc_fail "wrk is not installed"

SECS=${LOAD_SECS:-60}
[ "${KCOPS_BENCH_QUICK:-0}" = 1 ] && SECS=${LOAD_SECS:-10}
kc_tmpdir
D=$KC_TMP_LAST
worker_start
cfg() { printf '{"connector.class":"kcops.http.HttpCronSourceConnector","topic":"load","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 * * * ?"}'; }
for i in 1 2 3 4 5; do	# a few long-lived connectors so the listing has content
	kc_http POST "$WORKER_URL/connectors" "{\"name\":\"base-$i\",\"config\":$(cfg)}"
	kc_expect_code 201 "create base-$i"
done

cat >"$D/check.lua" <<'LUA'
-- counts answers that are not 2xx or whose body is not a JSON object/array
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; ok = 0; first_bad = "" end
paths = { "/connectors?expand=status&expand=info", "/connectors", "/connectors/base-1/status",
          "/connectors/base-2/config", "/", "/kcops/v1/worker", "/connector-plugins" }
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
function response(status, headers, body)
  local c = string.sub(body, 1, 1)
  if status >= 200 and status < 300 and (c == "{" or c == "[") then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 120) end
  end
end
function done(summary, latency, requests)
  local b, o, fb = 0, 0, ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad"); o = o + t:get("ok")
    if fb == "" then fb = t:get("first_bad") end
  end
  io.write(string.format("LUA ok=%d bad=%d first_bad=%s\n", o, b, fb))
  io.write(string.format("LUA p99_ms=%.2f\n", latency:percentile(99) / 1000))
end
LUA

# churn: create, pause, resume, delete, check it is gone; two clients in parallel
churn() {	# churn ID : runs until $D/stop exists; writes "ops bad" to $D/churn.ID
	local id=$1 k=0 ops=0 bad=0 n code
	local -a want=(201 202 202 204 404)
	while [ ! -e "$D/stop" ]; do
		n="churn-$id-$k"
		k=$((k + 1))
		local -a got=()
		got+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
			-H 'Content-Type: application/json' \
			--data-binary "{\"name\":\"$n\",\"config\":$(cfg)}" "$WORKER_URL/connectors")")
		got+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X PUT "$WORKER_URL/connectors/$n/pause")")
		got+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X PUT "$WORKER_URL/connectors/$n/resume")")
		got+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE "$WORKER_URL/connectors/$n")")
		got+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$WORKER_URL/connectors/$n")")
		for i in 0 1 2 3 4; do
			ops=$((ops + 1))
			if [ "${got[$i]}" != "${want[$i]}" ]; then
				bad=$((bad + 1))
				echo "churn $n: step $i answered ${got[$i]}, expected ${want[$i]}" >>"$D/churn-errors"
			fi
		done
	done
	echo "$ops $bad" >"$D/churn.$id"
}
churn 1 & C1=$!
churn 2 & C2=$!
kc_on_exit "touch $D/stop; kill $C1 $C2 2>/dev/null || true"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$WORKER_PID/status"; }
: >"$D/rss"
( for ((s = 0; s <= SECS + 1; s++)); do rss >>"$D/rss" 2>/dev/null || break; sleep 1; done ) & RSSP=$!
wrk -t 2 -c 16 -d "${SECS}s" --timeout 10s -s "$D/check.lua" "$WORKER_URL" >"$D/wrk.out" 2>&1 ||
	kc_fail "wrk failed: $(cat "$D/wrk.out")"
touch "$D/stop"
wait "$C1" "$C2" "$RSSP" || true

cat "$D/wrk.out" >&2
ok=$(sed -n 's/^LUA ok=\([0-9]*\) .*/\1/p' "$D/wrk.out")
bad=$(sed -n 's/^LUA ok=[0-9]* bad=\([0-9]*\) .*/\1/p' "$D/wrk.out")
errs=$(grep -c 'Non-2xx\|Socket errors' "$D/wrk.out" || true)
read -r ops1 bad1 <"$D/churn.1"
read -r ops2 bad2 <"$D/churn.2"
samples=$(tr '\n' ' ' <"$D/rss")
echo "load: ${SECS}s, requests served $ok (bad $bad), churn operations $((ops1 + ops2))" \
	"(bad $((bad1 + bad2))), RSS KiB samples: $samples"
[ -n "$ok" ] && [ "$ok" -gt 0 ] || kc_fail "wrk served nothing"
[ "$bad" = 0 ] || kc_fail "$bad wrong answers under load: $(grep first_bad "$D/wrk.out")"
[ "$errs" = 0 ] || kc_fail "wrk reported errors: $(grep 'Non-2xx\|Socket errors' "$D/wrk.out")"
[ $((bad1 + bad2)) = 0 ] || kc_fail "churn answers were wrong: $(head -5 "$D/churn-errors")"
[ $((ops1 + ops2)) -gt 20 ] || kc_fail "churn made only $((ops1 + ops2)) operations"

# flat memory: after the first quarter (warm-up), no sample may exceed the warm sample by
# more than 50% + 16 MiB, and the last third's median must stay within 25% + 8 MiB of it.
# Not under AddressSanitizer, whose quarantine keeps freed memory (up to 256 MiB) on purpose;
# there the leak check at worker_stop is the memory test.
if ldd "$KCOPS_WORKER" 2>/dev/null | kc_grepq libasan; then
	kc_note "RSS flatness not checked: the worker is an ASan build"
else
"$KC_PY" - "$D/rss" <<'PY' || kc_fail "RSS grew under load: $samples"
import sys
s = [int(x) for x in open(sys.argv[1]).read().split()]
if len(s) < 4:
    sys.exit(0)
warm = s[len(s) // 4]
tail = sorted(s[-max(1, len(s) // 3):])
med = tail[len(tail) // 2]
print("load: RSS warm %d KiB, max %d KiB, last-third median %d KiB" % (warm, max(s[len(s)//4:]), med))
sys.exit(0 if max(s[len(s)//4:]) <= warm * 1.5 + 16384 and med <= warm * 1.25 + 8192 else 1)
PY
fi
# the worker is still healthy and only the base connectors remain
kc_http GET "$WORKER_URL/connectors"
kc_expect_code 200 "list after load"
[ "$(kc_json 'len(j)')" = 5 ] || kc_fail "connectors left after churn: $HTTP_BODY"
worker_stop
echo "load: ok"
