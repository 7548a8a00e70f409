#!/usr/bin/env bash
# Live views with values this test created: a cron source feeds an HTTP sink that calls a
# local endpoint and hands exchanges to an in-memory queue drained by the queue source.
# The exchanges view shows the sink's calls (method, status, latency, attempts, URL); the
# queues view shows the queue, its capacity and consumer.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

kc_tmpdir
www=$KC_TMP_LAST
echo "hello" >"$www/hello.txt"
"$KC_PY" -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$www/httpd.out" 2>&1 &
httpd=$!
kc_on_exit "kill $httpd"
for ((i = 0; i < 400; i++)); do grep -q "port" "$www/httpd.out" 2>/dev/null && break; sleep 0.05; done
hport=$(grep -oE 'port [0-9]+' "$www/httpd.out" | grep -oE '[0-9]+') ||
	kc_fail "the local HTTP endpoint did not start within 20 s: $(cat "$www/httpd.out")"

worker_start
kc_http POST "$WORKER_URL/connectors" '{"name": "st-cron", "config": {
	"connector.class": "kcops.http.HttpCronSourceConnector", "topic": "st-requests",
	"jobs": "j1", "job.j1.url": "http://127.0.0.1:'"$hport"'/hello.txt", "job.j1.method": "GET",
	"job.j1.rate": "5"}}'
kc_expect_code 201 "create st-cron"
kc_http POST "$WORKER_URL/connectors" '{"name": "st-sink", "config": {
	"connector.class": "kcops.http.HttpSinkConnector", "topics": "st-requests",
	"publish.mode": "IN_MEMORY_QUEUE", "queue.name": "st-queue", "queue.capacity": "777"}}'
kc_expect_code 201 "create st-sink"
kc_http POST "$WORKER_URL/connectors" '{"name": "st-drain", "config": {
	"connector.class": "kcops.http.HttpQueueSourceConnector", "queue.name": "st-queue",
	"success.topic": "st-ok", "error.topic": "st-err"}}'
kc_expect_code 201 "create st-drain"

tui_start --url "$WORKER_URL" --refresh 1s
tui_wait_re 'st-sink +sink +RUNNING'
# open the sink's exchanges from its row
tui_keys Down Down
tui_wait_re '^.*st-sink.*$'
tui_keys t
tui_wait "exchanges st-sink"
tui_wait_re "[0-9:]{8} +GET +200 +[0-9]+ms +1 +http://127\.0\.0\.1:$hport/hello\.txt" 30
tui_wait_re "following, [0-9]+ seen"
# f pauses following; End resumes it
tui_keys f
tui_wait "paused,"
tui_keys End
tui_wait "following,"
# Enter shows the whole exchange as the worker reported it
tui_keys Enter
tui_wait "exchange "
tui_wait_re '"latency_ms": [0-9]+'
tui_wait_re '"topic": "st-requests"'
tui_keys q
tui_wait "paused,"
tui_keys q

# queues view: the queue with its capacity and consumer, and the sink connector's row
tui_keys 3
tui_wait_re 'st-queue +[0-9]+ +777 +0 +st-drain' 20
# consumer-group lag of the sink (connect-st-sink), from the worker's embedded Kafka
tui_wait_re '^ st-sink +[0-9]+ ' 30
tui_keys q
tui_wait_re 'st-sink +sink +RUNNING +1/1 +[^ ]+ +[0-9]+$' 20
tui_wait_re 'st-drain +source +RUNNING'
tui_quit
