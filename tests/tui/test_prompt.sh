#!/usr/bin/env bash
# The ':' prompt: Tab completion of commands and connector names, no stray output on the
# screen, history saved in the XDG state directory, output of a command shown in a view.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron prompt-one
tui_cron other-two

tui_start --url "$WORKER_URL"
tui_wait_re 'prompt-one +source +RUNNING'
sleep 1.2
before=$(tui_cap | sed '1d;$d')

# complete the command, then the connector name; several candidates are listed in place
tui_keys :
tui_wait_re '^:$'
tui_type "paus"
tui_keys Tab
tui_wait_re '^:pause$'
tui_type "pro"
tui_keys Tab
tui_wait_re '^:pause prompt-one$'
tui_keys C-u
tui_type "get "
tui_keys Tab
tui_wait "connectors"
# cancel: the screen is exactly what it was (header age aside), no stray characters
tui_keys Escape
tui_gone ":get"
sleep 0.3
after=$(tui_cap | sed '1d;$d')
if [ "$before" != "$after" ]; then
	diff <(echo "$before") <(echo "$after") >&2 || true
	kc_fail "the prompt left stray output on the screen"
fi

# run a completed command: the change is visible through the REST API
tui_keys :
tui_type "pause pro"
tui_keys Tab Enter
tui_until_state prompt-one PAUSED
tui_wait_re 'prompt-one +source +PAUSED'
# history: saved, and Up recalls it
hist="$TUI_HOME/state/kcops/history"
for ((i = 0; i < 50; i++)); do [ -s "$hist" ] && break; sleep 0.05; done
grep -qx "pause prompt-one" "$hist" || kc_fail "history not saved: $(cat "$hist" 2>&1)"
tui_keys : Up
tui_wait_re '^:pause prompt-one$'
tui_keys C-u
tui_type "resume prompt-one"
tui_keys Enter
tui_until_state prompt-one RUNNING

# a command with several lines of output opens an output view
tui_keys :
tui_type "get connectors"
tui_keys Enter
tui_wait ":get connectors"
tui_wait_re 'other-two +source +RUNNING'
tui_keys q
tui_gone ":get connectors"
# unknown commands are reported, not run
tui_keys :
tui_type "frobnicate"
tui_keys Enter
tui_wait "unknown command 'frobnicate'"
tui_quit
