#!/bin/bash
# tests/cli/session.sh - a first session, typed as a new user would: add a context, list,
# find the failed connector, pause, resume, fix the cause and restart the failed tasks,
# delete. Each step is checked through the REST API afterwards (curl), not through kcops.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
kc_tmpdir
H=$KC_TMP_LAST
export HOME=$H XDG_CONFIG_HOME=$H/.config NO_COLOR=1
unset KCOPS_URL KCOPS_CONTEXT KCOPS_CONFIG

worker_start
kc_note "worker $WORKER_URL"

say() { kc_note "\$ kcops $*"; }
k() { say "$@"; "$KCOPS" "$@"; }
state_of() { curl -s "$WORKER_URL/connectors/$1/status"; }
# until STATUS-JSON | jq -e FILTER holds (10 s)
until_rest() {
	local i
	for ((i = 0; i < 200; i++)); do
		state_of "$1" | jq -e "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	kc_fail "$1: REST status never matched $2: $(state_of "$1")"
}

# 1. No context yet: a clear hint, exit code 1.
if "$KCOPS" get connectors 2>"$H/err"; then kc_fail "listing without a context succeeded"; fi
grep -q "kcops context add NAME --url URL" "$H/err" || kc_fail "no hint without a context: $(cat "$H/err")"

# 2. Add a context; it becomes current and lands in the XDG config dir.
k context add local --url "$WORKER_URL" || kc_fail "context add"
[ -f "$XDG_CONFIG_HOME/kcops/config.json" ] || kc_fail "contexts file not in \$XDG_CONFIG_HOME/kcops"
jq -e '.current_context == "local"' "$XDG_CONFIG_HOME/kcops/config.json" >/dev/null || kc_fail "current context"
k get connectors 2>"$H/err" || kc_fail "empty listing"
grep -q "No connectors found" "$H/err" || kc_fail "empty listing message"

# 3. Deploy an HTTP sink that hands its exchanges to a queue nobody reads yet: its task fails.
cat >"$H/orders-http.json" <<'JSON'
{"name": "orders-http", "config": {"connector.class": "kcops.http.HttpSinkConnector",
 "topics": "orders", "publish.mode": "IN_MEMORY_QUEUE", "queue.name": "orders-q",
 "queue.consumer.wait.ms": "300"}}
JSON
k create -f "$H/orders-http.json" || kc_fail "create"
until_rest orders-http '.tasks[0].state == "FAILED"'
k get connectors | tee "$H/list" >&2
grep -q 'orders-http.*RUNNING.*0/1 (1 failed)' "$H/list" || kc_fail "the listing does not show the failed task"
[ "$(k get connectors --state failed -o names)" = orders-http ] || kc_fail "--state failed"
k describe orders-http | tee "$H/desc" >&2
grep -q "queue 'orders-q' has no consumer" "$H/desc" || kc_fail "describe does not show the trace"

# 4. Pause and resume, checked through REST.
k pause orders-http || kc_fail "pause"
until_rest orders-http '.connector.state == "PAUSED"'
[ "$(k get connectors --state paused -o names)" = orders-http ] || kc_fail "--state paused"
k resume orders-http || kc_fail "resume"
until_rest orders-http '.connector.state == "RUNNING"'

# 5. Fix the cause (start the queue's consumer) and restart only the failed tasks.
cat >"$H/orders-results.json" <<'JSON'
{"name": "orders-results", "config": {"connector.class": "kcops.http.HttpQueueSourceConnector",
 "queue.name": "orders-q", "success.topic": "orders-ok", "error.topic": "orders-ko"}}
JSON
k create -f "$H/orders-results.json" || kc_fail "create the queue source"
until_rest orders-results '.connector.state == "RUNNING" and .tasks[0].state == "RUNNING"'
until_rest orders-http '.tasks[0].state == "FAILED"'
k restart orders-http --tasks failed | tee "$H/restart" >&2
grep -q 'restarted (1 task, failed only)' "$H/restart" || kc_fail "restart output"
until_rest orders-http '.connector.state == "RUNNING" and .tasks[0].state == "RUNNING"'
sleep 1
until_rest orders-http '.tasks[0].state == "RUNNING"'
k wait orders-http --for running --wait-timeout 10s || kc_fail "wait"
[ -z "$(k get connectors --state failed -o names)" ] || kc_fail "still failed after the restart"

# 6. Delete both, checked through REST.
k delete orders-http orders-results || kc_fail "delete"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$WORKER_URL/connectors/orders-http")" = 404 ] ||
	kc_fail "orders-http still exists"
[ "$(curl -s "$WORKER_URL/connectors")" = "[]" ] || kc_fail "connectors left: $(curl -s "$WORKER_URL/connectors")"
echo "ok: a new user's session"
