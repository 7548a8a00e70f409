#!/bin/bash
# tests/cli/replay.sh - kcops against canned Apache Kafka Connect responses
# (tests/data/connect/*.json, replayed by tests/cli/replay.py): version fallbacks, rebalance
# retries, timeouts, plain-text/HTML errors, failed tasks, odd names. Every case checks both
# what kcops printed and which requests it made.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
. "$KCOPS_SOURCE_ROOT/tests/cli/lib.sh"

"$KC_PY" "$KCOPS_SOURCE_ROOT/tests/cli/check_data.py" "$KCOPS_SOURCE_ROOT" >&2 ||
	kc_fail "canned responses do not pass the shape checks"

# ---- 2.2: no expand, per-connector status calls, per-task restarts, gates --------------------
replay_start connect-2.2-no-expand.json
run get connectors -o json
expect_rc 0
expect_log 'GET /'
expect_log 'GET /connectors'
expect_log 'GET /connectors/orders-sink/status'
expect_log 'GET /connectors/audit-source/status'
expect_log 'GET /connectors/orders-sink'
expect_log_count 'GET /connectors?expand=status&expand=info' 1   # ignored by 2.2: a name array comes back
jq_check '[.[].name] == ["audit-source", "orders-sink"]' "both connectors listed"
jq_check '.[0].state == "UNASSIGNED" and .[0].health == "unknown"' "no status yet reads as UNASSIGNED"
jq_check '.[1].health == "failed" and .[1].tasks[1].state == "FAILED"' "failed task aggregated"
run get connectors --state failed -o names
expect_rc 0
expect_out_eq 'orders-sink'
log_reset
run restart orders-sink --tasks failed
expect_rc 0
expect_out 'restarted (1 task, failed only)'
expect_log 'POST /connectors/orders-sink/tasks/1/restart'
expect_no_log 'POST /connectors/orders-sink/tasks/0/restart'
expect_no_log 'includeTasks'
expect_no_log 'POST /connectors/orders-sink/restart'
log_reset
run restart orders-sink --tasks all
expect_rc 0
expect_log 'POST /connectors/orders-sink/restart'
expect_log 'POST /connectors/orders-sink/tasks/0/restart'
expect_log 'POST /connectors/orders-sink/tasks/1/restart'
log_reset
run stop orders-sink
expect_rc 1
expect_err 'needs Kafka Connect 3.5 or later; this worker runs 2.2.0'
expect_no_log '/stop'
run get loggers
expect_rc 1
expect_err 'needs Kafka Connect 2.4'
expect_no_log '/admin/loggers'
run get topics orders-sink
expect_rc 1
expect_err 'needs Kafka Connect 2.5'
log_reset
run patch orders-sink --set tasks.max=3
expect_rc 0
expect_out 'connector/orders-sink patched'
expect_log 'GET /connectors/orders-sink/config'
expect_log_body 'PUT /connectors/orders-sink/config' '"tasks.max": "3"'
expect_no_log 'PATCH'
log_reset
printf '%s\n' '{"name": "new-one", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "topic": "t", "file": "/tmp/in"}}' >"$T/new.json"
run create -f "$T/new.json" --initial-state paused
expect_rc 0
expect_out 'connector/new-one created'
expect_err 'no initial_state'
expect_log 'POST /connectors'
expect_no_log_body 'POST /connectors' 'initial_state'
expect_log 'PUT /connectors/new-one/pause'
replay_stop

# ---- 3.4: no stop; restart with includeTasks/onlyFailed in one call ---------------------------
replay_start connect-3.4-no-stop.json
run get connectors
expect_rc 0
expect_out 'jdbc-orders'
expect_out '1/2 (1 failed)'
expect_log 'GET /connectors?expand=status&expand=info'
expect_no_log '/connectors/jdbc-orders/status'
run restart jdbc-orders --tasks failed
expect_rc 0
expect_out 'restarted (1 task, failed only)'
expect_log 'POST /connectors/jdbc-orders/restart?includeTasks=true&onlyFailed=true'
expect_no_log '/tasks/0/restart'
log_reset
run stop jdbc-orders
expect_rc 1
expect_err 'stop needs Kafka Connect 3.5 or later; this worker runs 3.4.0'
expect_no_log '/stop'
run get offsets jdbc-orders
expect_rc 1
expect_err 'needs Kafka Connect 3.5'
run describe jdbc-orders -o json
expect_rc 1
run get connectors -o json
jq_check '.[0].config["connection.password"] == "********"' "password masked in -o json"
run get connectors -o json --show-secrets
jq_check '.[0].config["connection.password"] == "s3cr3t-pw"' "--show-secrets shows it"
replay_stop

# ---- 3.6: rebalance 409s and 500 retried, "already exists" never ------------------------------
replay_start connect-3.6-rebalance.json
run restart pay-sink --tasks all
expect_rc 0
expect_out 'connector/pay-sink restarted (1 task)'
expect_log_count 'POST /connectors/pay-sink/restart?includeTasks=true&onlyFailed=false' 3
run delete pay-sink
expect_rc 0
expect_out 'connector/pay-sink deleted'
expect_log_count 'DELETE /connectors/pay-sink' 2
printf '%s\n' '{"name": "pay-sink", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": "payments"}}' >"$T/pay.json"
run apply -f "$T/pay.json"
expect_rc 0
expect_out 'connector/pay-sink unchanged'
expect_log_count 'GET /connectors/pay-sink/config' 2
run create -f "$T/pay.json"
expect_rc 1
expect_err 'Connector pay-sink already exists (HTTP 409)'
expect_err "hint: 'kcops apply -f"
expect_log_count 'POST /connectors' 1
replay_stop

# ---- 3.7: 500 Request timed out (simulated, no 90 s wait) -------------------------------------
replay_start connect-3.7-timeout.json
printf '%s\n' '{"name": "slow-sink", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": "slow,other"}}' >"$T/slow.json"
run apply -f "$T/slow.json"
expect_rc 1
expect_err 'Request timed out. The worker is currently reading to the end of the config topic'
expect_err 'the worker may still complete it'
expect_log_count 'PUT /connectors/slow-sink/config' 1
printf '%s\n' '{"name": "broken", "config": {"connector.class": "X"}}' >"$T/broken.json"
run apply -f "$T/broken.json"
expect_rc 1
expect_err 'broken: Internal Server Error (HTTP 500)'
run pause slow-sink -o json
expect_rc 1
jq_check '.[0].result == "error" and (.[0].error | startswith("Request timed out"))' "json error entry"
replay_stop

# ---- 3.8: plain-text 401, basic auth from a context, HTML 403 ---------------------------------
replay_start connect-3.8-auth.json
run get connectors
expect_rc 1
expect_err 'User cannot access the resource. (HTTP 401)'
cat >"$T/config.json" <<EOF
{"current_context": "secured", "contexts": {"secured": {"url": "$URL", "auth": {"type": "basic", "username": "ops", "password_env": "KC_TEST_PW"}, "headers": {"X-Team": "payments"}}}}
EOF
KC_TEST_PW=hunter2 run --config "$T/config.json" get connectors
expect_rc 0
expect_err 'No connectors found.'
expect_log_auth 'GET /connectors?expand=status&expand=info' 'Basic b3BzOmh1bnRlcjI='
expect_log_header 'GET /connectors?expand=status&expand=info' 'X-Team' 'payments'
run --config "$T/config.json" get connectors
expect_rc 1
expect_err 'KC_TEST_PW is not set'
KC_TEST_PW=hunter2 run --config "$T/config.json" describe guarded
expect_rc 1
expect_err_re 'guarded: (403 Forbidden|User cannot)'
KC_TEST_PW=hunter2 run --config "$T/config.json" wait guarded --for running --wait-timeout 1s
expect_rc 1
replay_stop

# ---- 3.9: FAILED task with a multi-line trace, state filters, sanitising ----------------------
replay_start connect-3.9-failed-task.json
run get connectors --state failed -o names
expect_rc 0
expect_out_eq $'legacy-sink\norders-sink'
run get connectors --state paused -o names
expect_out_eq 'audit-source'
run get connectors --state stopped,paused -o names
expect_out_eq $'archive\naudit-source'
run get connectors --state running -o names
expect_out_eq 'orders-sink'
run get connectors -o json
jq_check '[.[].name] == ["archive","audit-source","legacy-sink","new-one","orders-sink"]' "the expanded list is completed with the plain list"
jq_check '(.[] | select(.name == "new-one") | .state) == "UNASSIGNED"' "connector without status"
jq_check '(.[] | select(.name == "orders-sink") | .config["aws.secret.access.key"]) == "********"' "secret key masked"
expect_log 'GET /connectors/new-one'
run get connectors --state bogus
expect_rc 2
expect_err "expected running, paused"
run describe orders-sink
expect_rc 0
expect_out 'State:     RUNNING (has failed tasks)'
expect_out '  1  FAILED  10.0.0.6:8083'
expect_out '       Caused by: org.apache.kafka.connect.errors.DataException: bad record ^[[31mred^[[0m at offset 17'
expect_out '       	at org.apache.kafka.connect.json.JsonConverter'
expect_out 'aws.secret.access.key = ********'
expect_out 'Topics:    orders'
expect_no_escape
run get tasks --state failed -o names
expect_out_eq 'orders-sink/1'
run get tasks --state paused -o json
jq_check 'length == 1 and .[0].connector == "audit-source"' "tasks by state"
run get tasks -o wide
expect_rc 0
expect_out 'orders-sink   1     FAILED   10.0.0.6:8083  org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask'
expect_no_escape
run --color get connectors
expect_rc 0
grep -q $'\033\\[31;1mFAILED' "$OUT" || kc_fail "--color: FAILED is not red"
# On a terminal (a pty from script(1)) states are coloured unless NO_COLOR is set.
if command -v script >/dev/null; then
	TERM=xterm script -qec "$KCOPS --url $URL get connectors" /dev/null >"$T/tty.out" </dev/null ||
		kc_fail "kcops under script(1) failed"
	grep -q $'\033\\[31;1mFAILED' "$T/tty.out" || kc_fail "no colour on a terminal: $(cat -v "$T/tty.out")"
	NO_COLOR=1 TERM=xterm script -qec "$KCOPS --url $URL get connectors" /dev/null >"$T/tty.out" </dev/null
	if grep -q $'\033\\[3' "$T/tty.out"; then kc_fail "colour despite NO_COLOR"; fi
	grep -q 'orders-sink' "$T/tty.out" || kc_fail "NO_COLOR output: $(cat -v "$T/tty.out")"
fi
run get connectors
if grep -q $'\033' "$OUT"; then _fail "colour in a pipe"; fi
run restart orders-sink --tasks failed
expect_rc 0
expect_out 'connector/orders-sink restarted (1 task, failed only)'
expect_log 'POST /connectors/orders-sink/restart?includeTasks=true&onlyFailed=true'
run restart orders-sink --tasks failed --wait --wait-timeout 600ms
expect_rc 1
expect_out 'connector/orders-sink restarted'
expect_err 'orders-sink did not become running in time (it is RUNNING, with a FAILED task)'
run wait orders-sink --for running --wait-timeout 700ms --interval 100ms
expect_rc 1
expect_err 'timed out after 700 ms waiting for running'
run wait orders-sink --for failed --wait-timeout 5s
expect_rc 0
run info -o json
jq_check '.version == "3.9.0" and .health.status == "healthy" and .features["health endpoint"] == true' "info"
KCOPS_FORCE_VERSION=2.2.0 run info -o json
jq_check '.features["expanded connector listing"] == false' "forced version gates features"
replay_stop

# ---- names with spaces, slashes and unicode: percent-encoded as one segment ------------------
replay_start connect-3.9-names.json
run pause -e '.'
expect_rc 0
expect_log 'PUT /connectors/orders%20sink/pause'
expect_log 'PUT /connectors/team%2Forders/pause'
expect_log 'PUT /connectors/commandes-%C3%A9t%C3%A9-%E2%9C%93/pause'
expect_out 'connector/commandes-été-✓ paused'
run describe 'team/orders' -o json
expect_rc 0
jq_check '.name == "team/orders" and .topics == ["t"]' "describe by a name with a slash"
run get connectors -o names
expect_out_eq $'commandes-été-✓\norders sink\nteam/orders'
run __complete connectors -- 'or'
expect_out_eq 'orders sink'
replay_stop
echo "ok: replayed Apache Connect scenarios"
