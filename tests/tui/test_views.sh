#!/usr/bin/env bash
# Every view at 80x24 shows values this test created; secrets masked; escape sequences in a
# config value are drawn as text; help is generated from the key table.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron view-alpha
tui_cron view-beta ',"api.password":"hunter2","note":"\u001b[2J\u001b]0;pwned\u0007\u001b[31mred"'
tui_cron view-gamma
kc_http PUT "$WORKER_URL/connectors/view-gamma/pause"
# a sink whose task fails with a trace that quotes an escape-laden queue name
kc_http POST "$WORKER_URL/connectors" '{"name": "view-evil", "config": {
	"connector.class": "kcops.http.HttpSinkConnector", "topics": "view-evil",
	"publish.mode": "IN_MEMORY_QUEUE", "queue.consumer.wait.ms": "500",
	"queue.name": "q\u001b]0;pwned\u0007\u001b[2J\u001b[31mx"}}'
kc_expect_code 201 "create view-evil"

# a contexts file with two contexts, one read-only
tui_setup_home
cat >"$TUI_HOME/config/kcops/config.json" <<JSON
{"current_context": "local",
 "contexts": {"local": {"url": "$WORKER_URL"},
              "prod-ro": {"url": "$WORKER_URL", "read_only": true}}}
JSON

tui_start
tui_wait "view-alpha"
tui_wait "view-gamma"
tui_wait_re 'view-gamma +source +PAUSED'
tui_wait_re 'view-alpha +source +RUNNING +1/1'
# header: context, version, worker count, counts per state (view-evil is degraded)
tui_wait_re '^ ctx local +Connect 3\.9\.0 +workers 1'
tui_wait_re '4 connectors +running 3 +paused 1 +failed 0 +degraded 1' 20
# breadcrumbs and key hints
[[ "$(tui_line 2)" == *connectors* ]] || kc_fail "no breadcrumbs: $(tui_line 2)"
[[ "$(tui_line 23)" == *"?:help"* ]] || kc_fail "no key hints: $(tui_line 23)"

# detail: config with the secret masked and the escape sequence drawn as text
tui_keys Down Enter
tui_wait "Config ("
tui_wait_re 'api\.password +\*\*\*\*\*\*\*\*'
tui_cap | kc_grepq hunter2 && kc_fail "secret shown in the detail view"
tui_wait 'note'
tui_wait '^[[2J^[]0;pwned^G^[[31mred'
tui_wait_re 'task 0 +RUNNING'
# the terminal never received the escape sequences: the screen is intact, title unchanged
tui_cap -e | kc_grepq $'\e\\[2J' && kc_fail "raw escape sequence reached the terminal"
[ "$(tui_tmux display -p '#{pane_title}')" != "pwned" ] || kc_fail "pane title changed"
tui_keys Tab
tui_wait "Tasks (1)"
tui_keys q
tui_wait_re 'view-alpha +source'

# the failed task's trace, with escape sequences, in the detail view
tui_wait_re 'view-evil +sink +RUNNING +0/1 1F'
tui_keys Home Down Down Enter
tui_wait_re 'task 0 +FAILED'
tui_wait "queue 'q^[]0;pwned^G^[[2J^[[31mx' has no"
tui_cap -e | kc_grepq $'\e\\]0;' && kc_fail "OSC sequence from a trace reached the terminal"
[ "$(tui_tmux display -p '#{pane_title}')" != "pwned" ] || kc_fail "pane title changed by a trace"
[[ "$(tui_line 0)" == *"ctx local"* ]] || kc_fail "header damaged: $(tui_line 0)"
tui_keys q Home

# help generated from the key table
tui_keys '?'
tui_wait "Connector"
tui_wait_re '^  p +Pause'
tui_wait_re 'R +Restart menu'
tui_keys Escape
tui_gone "Restart menu"

# contexts view lists both contexts with their mode
tui_keys 1
tui_wait "prod-ro"
tui_wait_re '\* local +http://127\.0\.0\.1:[0-9]+ +read-write'
tui_wait_re 'prod-ro .*read-only'
tui_keys Down Enter
tui_wait "switched to context prod-ro"
tui_wait "[read-only]"
tui_wait "view-alpha"

# queues view (no queues yet: says so) and the exchanges view of a connector
tui_keys 3
tui_wait "QUEUE"
tui_wait "SINK CONNECTOR"
tui_keys q
tui_keys t
tui_wait "exchanges view-alpha"
tui_wait "METHOD"
tui_keys q
tui_wait_re 'view-alpha +source'
tui_quit
