#!/usr/bin/env bash
# A worker frozen with SIGSTOP: keys keep answering as fast as with the worker alive (measured
# in the same run), the data stays on screen marked STALE with a growing age; after SIGCONT it
# is fresh again.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron frozen-one
tui_start --url "$WORKER_URL" --refresh 500ms
tui_wait_re 'frozen-one +source +RUNNING'
tui_wait " ago"

# One key round trip: send KEY, poll the screen until the help is shown (show) or gone (hide),
# give up after 20 s (beyond the 15 s request timeout a blocked loop would wait). Prints ms.
# Timed with $EPOCHREALTIME (no fork) and a specific screen change (the help), not "any
# change": the stale age ticking every second must not end a measurement.
roundtrip() {
	local key=$1 want=$2 t0 now
	t0=${EPOCHREALTIME/./}
	tui_keys "$key"
	while :; do
		if tui_cap | kc_grepq -F "Keys for this view"; then
			[ "$want" = show ] && break
		else
			[ "$want" = hide ] && break
		fi
		now=${EPOCHREALTIME/./}
		[ $((now - t0)) -lt 20000000 ] || break
	done
	now=${EPOCHREALTIME/./}
	echo $(((now - t0) / 1000))
}
# six round trips (help open, closed, three times); prints "median max" and notes each
six_keys() {
	local what=$1 k ms all=()
	for k in '? show' 'q hide' '? show' 'q hide' '? show' 'q hide'; do
		ms=$(roundtrip ${k% *} ${k#* })
		kc_note "key '${k% *}' answered in ${ms} ms with the worker $what"
		all+=("$ms")
	done
	printf '%s\n' "${all[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }'
}

# Reference, in this run and under this machine's load: the same keys with the worker alive.
# The screen polling itself (a tmux client per look) is what a loaded CI machine slows down,
# so the bounds below are that reference plus a margin, not absolute numbers alone.
read -r ref_med ref_max < <(six_keys running)
[ -n "${ref_max:-}" ] || kc_fail "no reference key timings"

kill -STOP "$WORKER_PID"
kc_on_exit "kill -CONT $WORKER_PID"
tui_wait "STALE" 10
age() { tui_line 0 | grep -oE 'STALE [0-9]+s' | grep -oE '[0-9]+'; }
a1=$(age)

# Keys answer while the worker is frozen. A loop blocked on the worker would make a key wait
# for the request timeout (15 s): every key must answer within 5 s and within the slowest
# reference key plus 1 s, and the median within the reference median plus 200 ms.
read -r med max < <(six_keys stopped)
[ -n "${max:-}" ] || kc_fail "no key timings with the worker stopped"
[ "$max" -lt 5000 ] || kc_fail "a key took ${max} ms with the worker stopped (request timeout: 15 s)"
[ "$max" -le $((ref_max + 1000)) ] ||
	kc_fail "a key took ${max} ms with the worker stopped (slowest with it running: ${ref_max} ms)"
[ "$med" -le $((ref_med + 200)) ] ||
	kc_fail "keys took ${med} ms (median) with the worker stopped, ${ref_med} ms with it running"
tui_wait_re 'frozen-one +source +RUNNING'	# last good data still shown
sleep 2.2
a2=$(age)
[ "$a2" -gt "$a1" ] || kc_fail "stale age did not grow ($a1 -> $a2)"

kill -CONT "$WORKER_PID"
tui_gone "STALE" 20
tui_wait " ago"
tui_quit
