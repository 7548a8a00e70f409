#!/usr/bin/env bash
# The plan view: the state file's diff against the live cluster, coloured; D asks for
# confirmation, then applies with progress; the changes are visible through the REST API.
# NO_COLOR / TERM=vt100: the same screens without colour.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron plan-keep
tui_cron plan-pauseme
tui_setup_home
cat >"$TUI_HOME/state.json" <<'JSON'
{"version": 1,
 "connectors": [
  {"name": "plan-keep", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
    "topic": "plan-keep-requests", "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/plan-keep",
    "job.j1.rate": "1"}},
  {"name": "plan-pauseme", "state": "paused", "config": {
    "connector.class": "kcops.http.HttpCronSourceConnector", "topic": "plan-pauseme-requests",
    "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/plan-pauseme", "job.j1.rate": "1"}},
  {"name": "plan-new", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
    "topic": "plan-new-requests", "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/plan-new",
    "job.j1.rate": "2"}}]}
JSON

TUI_TERM=vt100 TUI_ENV="NO_COLOR=1" tui_start --url "$WORKER_URL" --state "$TUI_HOME/state.json"
tui_wait_re 'plan-pauseme +source +RUNNING'
tui_keys 4
tui_wait "Plan: "
tui_wait_re '\+ *create +plan-new' 20
tui_wait_re 'pause +plan-pauseme'
if tui_cap | kc_grepq -E '(create|update|pause|resume|stop|delete).*plan-keep'; then
	kc_fail "the plan shows a change for plan-keep, which matches the file"
fi
# no colour escape sequences reach the terminal without colour
tui_cap -e | kc_grepq $'\e\\[3[0-7]m' && kc_fail "colours used with NO_COLOR/vt100"
# D asks first; n cancels
tui_keys D
tui_wait "apply 2 changes to"
tui_keys n
tui_wait "apply cancelled"
kc_http GET "$WORKER_URL/connectors/plan-new"
kc_expect_code 404 "nothing applied after cancel"
# D, y applies with progress
tui_keys D
tui_wait "apply 2 changes to"
tui_keys y
tui_wait "Apply (finished)" 30
tui_wait_re '\[#+\] 2/2'
tui_wait "apply finished: 2 steps, 0 failed"
kc_http GET "$WORKER_URL/connectors/plan-new"
kc_expect_code 200 "plan-new created"
tui_until_state plan-pauseme PAUSED
tui_keys q
tui_wait_re 'plan-new +source'
tui_quit
