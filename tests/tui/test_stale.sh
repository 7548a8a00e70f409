#!/usr/bin/env bash
# A worker frozen with SIGSTOP: keys keep answering within 200 ms, the data stays on screen
# marked STALE with a growing age; after SIGCONT it is fresh again.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron frozen-one
tui_start --url "$WORKER_URL" --refresh 500ms
tui_wait_re 'frozen-one +source +RUNNING'
tui_wait " ago"

kill -STOP "$WORKER_PID"
kc_on_exit "kill -CONT $WORKER_PID"
tui_wait "STALE" 10
age() { tui_line 0 | grep -oE 'STALE [0-9]+s' | grep -oE '[0-9]+'; }
a1=$(age)

# keys answer while the worker is frozen: open help and go back, timing each. A blocked loop
# would take seconds (the request timeout); on a loaded CI machine one sample of six may be
# slow because of tmux itself, so five of six must be under 200 ms and none over 1 s.
slow=0
for key in '?' q '?' q '?' q; do
	before=$(tui_cap | md5sum)
	t0=$(date +%s%N)
	tui_keys "$key"
	for ((i = 0; i < 400; i++)); do
		[ "$(tui_cap | md5sum)" != "$before" ] && break
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	kc_note "key '$key' answered in ${ms} ms with the worker stopped"
	[ "$ms" -lt 1000 ] || kc_fail "key '$key' took ${ms} ms with the worker stopped"
	[ "$ms" -lt 200 ] || slow=$((slow + 1))
done
[ "$slow" -le 1 ] || kc_fail "$slow of 6 keys took 200 ms or more with the worker stopped"
tui_wait_re 'frozen-one +source +RUNNING'	# last good data still shown
sleep 2.2
a2=$(age)
[ "$a2" -gt "$a1" ] || kc_fail "stale age did not grow ($a1 -> $a2)"

kill -CONT "$WORKER_PID"
tui_gone "STALE" 20
tui_wait " ago"
tui_quit
