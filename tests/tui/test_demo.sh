#!/usr/bin/env bash
# The README's demo command itself, under tmux: it starts kcops-worker with embedded Kafka and
# the demo connectors, opens the console showing them and the state-file plan; quitting the
# console stops everything the demo started.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"
command -v tmux >/dev/null || kc_fail "tmux is needed"

tui_setup_home
TUI_COLS=100 TUI_ROWS=30
kc_on_exit "tmux -L '$TUI_SOCK' kill-server"
tui_tmux new-session -d -x "$TUI_COLS" -y "$TUI_ROWS" \
	"cd '$KCOPS_SOURCE_ROOT' && env LANG=C.UTF-8 TERM=screen KCOPS_BUILD_DIR='$KCOPS_BUILD_ROOT' \
	XDG_CONFIG_HOME='$TUI_HOME/config' XDG_STATE_HOME='$TUI_HOME/state' TMPDIR='$TUI_HOME' \
	scripts/demo --no-setup; echo \"demo exited with status \$?\" >'$TUI_HOME/exit'; sleep 600" ||
	tui_no_server
# the demo prints its summary, then the console takes over the pane
tui_wait_re 'demo-[a-z-]+ +(source|sink) +RUNNING' 60
tui_wait_re '^ ctx http://127\.0\.0\.1:[0-9]+ +Connect [0-9.]+ +workers 1'
ndemo=$(tui_cap | grep -cE '^[ *] demo-')
[ "$ndemo" -ge 1 ] || kc_fail "no demo connectors on screen"
kc_note "$ndemo demo connectors on screen"
# the demo's state file has a pending change: the plan shows it
tui_keys 4
tui_wait_re 'create +demo-cron-nightly|[+~-] ' 30
tui_keys q
tui_wait_re 'demo-[a-z-]+ +(source|sink)'
# worker pid, then quit: the demo ends and its worker is gone
wpid=$(pgrep -f "kcops-worker .*$TUI_HOME" | head -1 || true)
[ -n "$wpid" ] || kc_fail "cannot find the demo's kcops-worker"
tui_keys Q
for ((i = 0; i < 200; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
[ -s "$TUI_HOME/exit" ] || kc_fail "the demo did not end when the console quit"
for ((i = 0; i < 100; i++)); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$wpid" 2>/dev/null && kc_fail "the demo's kcops-worker (pid $wpid) is still running"
grep -q "status 0" "$TUI_HOME/exit" || kc_fail "$(cat "$TUI_HOME/exit")"
