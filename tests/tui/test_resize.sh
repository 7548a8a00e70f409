#!/usr/bin/env bash
# Resizing redraws cleanly: after each resize the screen equals a fresh start at that size.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
TUI_TERM=tmux-256color	# this test also covers TERM=tmux
for n in resize-a resize-b resize-c; do tui_cron "$n"; done

tui_start --url "$WORKER_URL"
tui_wait_re 'resize-c +source +RUNNING'
main_sock=$TUI_SOCK

# reference screens from fresh consoles at each size
ref() {	# ref COLS ROWS -> prints the screen without the header's age
	local TUI_SOCK="kcops-test-ref-$1-$$" TUI_COLS=$1 TUI_ROWS=$2
	tui_start --url "$WORKER_URL"
	tui_wait_re 'resize-c +source +RUNNING'
	sleep 0.3
	tui_cap | sed '1s/ [0-9]*s ago *$//'
	tui_tmux kill-server
}
check() {	# check COLS ROWS
	local want got i
	want=$(ref "$1" "$2")
	TUI_SOCK=$main_sock
	for ((i = 0; i < 50; i++)); do
		got=$(tui_cap | sed '1s/ [0-9]*s ago *$//')
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	diff <(echo "$want") <(echo "$got") >&2 || true
	kc_fail "screen after resizing to $1x$2 differs from a fresh start"
}

tui_tmux resize-window -x 120 -y 40
check 120 40
tui_tmux resize-window -x 80 -y 24
check 80 24
# a tiny terminal does not crash; growing again restores everything
TUI_SOCK=$main_sock
tui_tmux resize-window -x 15 -y 5
tui_wait "too small"
tui_tmux resize-window -x 100 -y 30
check 100 30
TUI_SOCK=$main_sock
tui_quit
