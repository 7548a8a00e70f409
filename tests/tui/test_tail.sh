#!/usr/bin/env bash
# Exchanges on an Apache-style cluster (no /kcops/v1 stream): the console tails the
# connector's response topics through librdkafka. The Connect REST side is the canned server
# without kcops extensions; the Kafka side is kcops-worker's embedded Kafka, where a real
# queue source publishes the exchanges of an HTTP sink.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/fake.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

kc_tmpdir
www=$KC_TMP_LAST
echo ok >"$www/ping"
"$KC_PY" -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$www/httpd.out" 2>&1 &
kc_on_exit "kill $!"
for ((i = 0; i < 400; i++)); do grep -q port "$www/httpd.out" 2>/dev/null && break; sleep 0.05; done
hport=$(grep -oE 'port [0-9]+' "$www/httpd.out" | grep -oE '[0-9]+') ||
	kc_fail "python's http.server did not start within 20 s: $(cat "$www/httpd.out")"

worker_start
kc_http POST "$WORKER_URL/connectors" '{"name": "t-cron", "config": {
	"connector.class": "kcops.http.HttpCronSourceConnector", "topic": "t-requests", "jobs": "j",
	"job.j.url": "http://127.0.0.1:'"$hport"'/ping", "job.j.method": "GET", "job.j.rate": "5"}}'
kc_expect_code 201 "t-cron"
kc_http POST "$WORKER_URL/connectors" '{"name": "t-sink", "config": {
	"connector.class": "kcops.http.HttpSinkConnector", "topics": "t-requests",
	"publish.mode": "IN_MEMORY_QUEUE", "queue.name": "tq"}}'
kc_expect_code 201 "t-sink"
kc_http POST "$WORKER_URL/connectors" '{"name": "t-drain", "config": {
	"connector.class": "kcops.http.HttpQueueSourceConnector", "queue.name": "tq",
	"success.topic": "t-ok", "error.topic": "t-err"}}'
kc_expect_code 201 "t-drain"

cat >"$www/seed.json" <<'JSON'
[{"name": "apache-drain", "ctype": "source", "ntasks": 1,
  "cls": "io.github.clescot.kafka.connect.http.source.queue.HttpInMemoryQueueSourceConnector",
  "config": {"success.topic": "t-ok", "error.topic": "t-err", "queue.name": "tq"}}]
JSON
fake_start --apache --seed "$www/seed.json"

tui_start --url "$FAKE_URL" --bootstrap "$WORKER_BOOTSTRAP"
tui_wait_re 'apache-drain +source +RUNNING'
tui_keys t
tui_wait "exchanges apache-drain"
tui_wait "tailing t-ok and t-err through Kafka" 20
tui_wait_re "[0-9:]{8} +GET +200 +[0-9]+ms +[0-9]+ +http://127\.0\.0\.1:$hport/ping" 40
tui_keys q
tui_quit
