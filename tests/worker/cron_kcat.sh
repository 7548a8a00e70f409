#!/usr/bin/env bash
# cron_kcat.sh - kcat reads the HTTP cron source's HttpRequest records from the embedded
# broker (StringConverter and JsonConverter with schemas), and from an out-of-process mock
# cluster that keeps its data while the worker crashes (SIGKILL) and restarts.
. "$(dirname "$0")/../lib/worker.sh"

check_records() {	# check_records FILE MIN_COUNT ENVELOPE(0|1)
	"$KC_PY" - "$@" <<'PY' || kc_fail "records in $1 are not the expected HttpRequests"
import json, sys
path, want, envelope = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
recs = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip()]
assert len(recs) >= want, "only %d records, wanted %d" % (len(recs), want)
keys = set()
for line in recs:
    key, _, value = line.partition("\t")
    keys.add(key)
    v = json.loads(value)
    if envelope:
        assert set(v) == {"schema", "payload"}, v
        v = v["payload"]
    assert isinstance(v["url"], str) and v["url"].startswith("http://127.0.0.1:"), v
    assert v["method"] in ("GET", "POST"), v
    assert isinstance(v["headers"], dict) and all(isinstance(x, list) for x in v["headers"].values()), v
    assert v["bodyType"] == "STRING", v
    if key == "load":
        assert v["method"] == "POST" and v["bodyAsString"] == '{"n":1}', v
        assert v["headers"] == {"Content-Type": ["application/json"], "X-Test": ["a b"]}, v
    assert v["attributes"]["cron.job"] == key, v
print("ok: %d records, keys %s" % (len(recs), sorted(keys)))
PY
}

CFG='"connector.class":"kcops.http.HttpCronSourceConnector","jobs":"tick,load","job.tick.url":"http://127.0.0.1:9/tick","job.tick.cron":"* * * * * ?","job.load.url":"http://127.0.0.1:9/load","job.load.method":"post","job.load.body":"{\"n\":1}","job.load.headers":"Content-Type: application/json, X-Test: a b","job.load.rate":"200","tasks.max":"2"'

kc_tmpdir; T=$KC_TMP_LAST
worker_start
t_create=$(date +%s%N)
kc_http POST "$WORKER_URL/connectors" "{\"name\":\"gen\",\"config\":{$CFG,\"topic\":\"requests\"}}"
kc_expect_code 201 "create cron source"
kc_http POST "$WORKER_URL/connectors" "{\"name\":\"gen-json\",\"config\":{$CFG,\"topic\":\"requests.json\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}}"
kc_expect_code 201 "create cron source with JsonConverter"
# wait (up to 20 s, for loaded machines) until both jobs produced enough
for ((i = 0; i < 200; i++)); do
	kc_http GET "$WORKER_URL/kcops/v1/connectors/gen/metrics"
	[ "$(kc_json 'j["total"].get("records", 0) >= 300')" = true ] && break
	sleep 0.1
done
sleep 1.1	# at least one cron tick
kc_http GET "$WORKER_URL/connectors/gen/status"
[ "$(kc_json '[t["state"] for t in j["tasks"]]')" = '["RUNNING", "RUNNING"]' ] || kc_fail "two running tasks expected: $HTTP_BODY"
timeout 20 kcat -b "$WORKER_BOOTSTRAP" -t requests -C -e -q -f '%k\t%s\n' >"$T/plain" || kc_fail "kcat failed"
check_records "$T/plain" 300 0
grep -q '^tick	' "$T/plain" || kc_fail "no record from the cron job (tick)"
timeout 20 kcat -b "$WORKER_BOOTSTRAP" -t requests.json -C -e -q -f '%k\t%s\n' >"$T/json" || kc_fail "kcat failed"
check_records "$T/json" 300 1
# the rate limit holds: never more than 200/s since creation (+ one burst allowance)
el_ms=$(( ($(date +%s%N) - t_create) / 1000000 ))
n=$(grep -c '^load	' "$T/plain")
[ "$n" -ge 300 ] && [ "$n" -le $((200 * el_ms / 1000 + 50)) ] || kc_fail "rate 200/s produced $n records in $el_ms ms"
# graceful stop flushes the final source offsets
kc_http GET "$WORKER_URL/kcops/v1/connectors/gen/metrics"
seen=$(kc_json 'j["total"]["records"]')
worker_stop
stored=$("$KC_PY" -c 'import json,sys; print(sum(e["offset"]["records"] for e in json.load(open(sys.argv[1]))["gen"]))' "$WORKER_STATE_DIR/offsets.json")
[ "$stored" -ge "$seen" ] || kc_fail "offsets.json holds $stored records after SIGTERM, metrics showed $seen before"

# Out-of-process mock: the topic is auto-created through Metadata, data outlives a crash.
WORKER_STATE_DIR=
mock_start --brokers 2
worker_start
kc_http POST "$WORKER_URL/connectors" "{\"name\":\"gen\",\"config\":{$CFG,\"topic\":\"ext.requests\",\"job.load.rate\":\"50\"}}"
kc_expect_code 201 "create cron source (external mock)"
for ((i = 0; i < 200; i++)); do
	kc_http GET "$WORKER_URL/kcops/v1/connectors/gen/metrics"
	[ "$(kc_json 'j["total"].get("records", 0) >= 40')" = true ] && break
	sleep 0.1
done
sleep 0.2
worker_kill
timeout 20 kcat -b "$MOCK_BOOTSTRAP" -t ext.requests -C -e -q -f '%k\t%s\n' >"$T/ext1" || kc_fail "kcat (external) failed"
n1=$(wc -l <"$T/ext1")
[ "$n1" -ge 20 ] || kc_fail "only $n1 records before the crash"
_worker_launch
for ((i = 0; i < 40; i++)); do
	timeout 20 kcat -b "$MOCK_BOOTSTRAP" -t ext.requests -C -e -q -f '%k\t%s\n' >"$T/ext2" || kc_fail "kcat (external) failed"
	n2=$(wc -l <"$T/ext2")
	[ "$n2" -ge $((n1 + 20)) ] && break
	sleep 0.25
done
[ "$n2" -ge $((n1 + 20)) ] || kc_fail "no new records after the restart ($n1 -> $n2)"
kc_http GET "$WORKER_URL/connectors/gen/status"
[ "$(kc_json 'j["connector"]["state"]+j["tasks"][0]["state"]')" = RUNNINGRUNNING ] || kc_fail "connector not back after crash: $HTTP_BODY"
check_records "$T/ext2" "$n2" 0
mock_cmd "topic pre.created 3" >/dev/null
timeout 10 kcat -b "$MOCK_BOOTSTRAP" -L -t pre.created | kc_grepq '3 partitions' || kc_fail "runner did not create pre.created with 3 partitions"
worker_stop
echo "cron_kcat: all checks passed"
