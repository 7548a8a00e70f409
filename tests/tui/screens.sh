#!/usr/bin/env bash
# tests/tui/screens.sh - print the text captures used in docs/tui.md (not a test): a worker
# with a small pipeline and a failing sink, the console in tmux at 80x24, one capture per view.
#	KCOPS_BUILD_ROOT=build tests/tui/screens.sh > /tmp/screens.txt
KCOPS_SOURCE_ROOT=${KCOPS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

kc_tmpdir
www=$KC_TMP_LAST
echo ok >"$www/orders"
"$KC_PY" -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$www/httpd.out" 2>&1 &
kc_on_exit "kill $!"
for ((i = 0; i < 100; i++)); do grep -q port "$www/httpd.out" 2>/dev/null && break; sleep 0.05; done
hport=$(grep -oE 'port [0-9]+' "$www/httpd.out" | grep -oE '[0-9]+')

worker_start
mk() { kc_http POST "$WORKER_URL/connectors" "$1"; kc_expect_code 201 "create"; }
mk '{"name": "orders-cron", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
	"topic": "orders-requests", "jobs": "orders,missing", "job.orders.url": "http://127.0.0.1:'"$hport"'/orders",
	"job.orders.method": "GET", "job.orders.rate": "4", "job.missing.url": "http://127.0.0.1:'"$hport"'/missing",
	"job.missing.method": "GET", "job.missing.rate": "1"}}'
mk '{"name": "orders-http", "config": {"connector.class": "kcops.http.HttpSinkConnector",
	"topics": "orders-requests", "publish.mode": "IN_MEMORY_QUEUE", "queue.name": "orders",
	"queue.capacity": "5000", "api.token": "s3cr3t"}}'
mk '{"name": "orders-drain", "config": {"connector.class": "kcops.http.HttpQueueSourceConnector",
	"queue.name": "orders", "success.topic": "orders-ok", "error.topic": "orders-failed"}}'
mk '{"name": "audit-http", "config": {"connector.class": "kcops.http.HttpSinkConnector",
	"topics": "orders-requests", "publish.mode": "IN_MEMORY_QUEUE", "queue.name": "audit",
	"queue.consumer.wait.ms": "1500"}}'
mk '{"name": "billing-poll", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
	"topic": "billing-requests", "jobs": "j", "job.j.url": "http://127.0.0.1:'"$hport"'/orders",
	"job.j.rate": "1"}}'
kc_http PUT "$WORKER_URL/connectors/billing-poll/pause"
cat >"$www/state.json" <<JSON
{"version": 1, "connectors": [
 {"name": "billing-poll", "state": "running", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
  "topic": "billing-requests", "jobs": "j", "job.j.url": "http://127.0.0.1:$hport/orders", "job.j.rate": "2"}}]}
JSON

shot() { echo; echo "=== $1"; echo '```'; tui_cap | sed 's/[[:space:]]*$//'; echo '```'; }
tui_start --url "$WORKER_URL" --refresh 1s --state "$www/state.json"
sleep 6
tui_wait_re 'audit-http +sink +(FAILED|RUNNING)'
sleep 2
shot "connectors"
tui_keys Home Enter
tui_wait "Tasks ("
sleep 1
shot "detail audit-http"
tui_keys Tab Tab
sleep 0.5
shot "detail audit-http, config section"
tui_keys q f
sleep 0.5
shot "failed only (f)"
tui_keys f /
tui_type "orders"
tui_keys Enter
sleep 0.5
shot "filter /orders/"
tui_keys Escape
tui_wait_re 'orders-http'
tui_keys Down Down Down Down
sleep 0.3
tui_keys t
sleep 4
shot "exchanges orders-http"
tui_keys q 3
sleep 7
shot "queues and lag"
tui_keys q 4
sleep 2
shot "plan"
tui_keys q 5
sleep 1
shot "workers (a standalone worker; docs/tui.md shows a two-worker cluster)"
tui_keys q R
sleep 0.3
shot "restart menu (R)"
tui_keys Escape :
tui_type "get con"
tui_keys Tab
sleep 0.3
shot "command prompt with completion (: then Tab)"
tui_keys Escape '?'
sleep 0.3
shot "help (?)"
tui_keys q
tui_quit
