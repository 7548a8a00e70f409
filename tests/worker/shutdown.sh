#!/usr/bin/env bash
# shutdown.sh - kcops-worker's shutdown is bounded: a task that ignores its stop (the echo
# sink's echo.stop.hang.ms) does not keep the process alive past worker.shutdown.timeout.ms,
# a second SIGTERM ends it at once, and either exit says which step was stuck (status 1).
# A worker whose tasks stop normally still exits 0 with its state written.
. "$(dirname "$0")/../lib/worker.sh"
KCOPS_WORKER=$KCOPS_BUILD_ROOT/tests/worker/kcops-worker-test

# start a worker with a stuck echo sink: NAME [--set k=v]...
stuck_worker() {
	local name=$1
	shift
	WORKER_STATE_DIR=
	worker_start --set consumer.session.timeout.ms=6000 "$@"
	kc_http POST "$WORKER_URL/connectors" "{\"name\":\"$name\",\"config\":{\"connector.class\":\"kcops.test.EchoSinkConnector\",\"topics\":\"in\",\"echo.stop.hang.ms\":\"60000\"}}"
	kc_expect_code 201 "create $name"
	for ((i = 0; i < 200; i++)); do
		kc_http GET "$WORKER_URL/connectors/$name/status"
		[ "$(kc_json 'j["tasks"][0]["state"]' 2>/dev/null)" = RUNNING ] && return 0
		sleep 0.1
	done
	kc_fail "$name: task not RUNNING: $HTTP_BODY"
}
# wait_exit SECONDS: the worker's exit status in RC, failing when it is still running by then
wait_exit() {
	local i
	RC=0
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$WORKER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$WORKER_PID" 2>/dev/null && kc_fail "worker still running $1 s after SIGTERM"
	wait "$WORKER_PID" || RC=$?
	WORKER_PID=
}

# 0. a limit that is not a number of milliseconds is refused at start-up (status 2)
rc=0
out=$("$KCOPS_WORKER" --set worker.shutdown.timeout.ms=soon --set listeners=http://127.0.0.1:0 2>&1) || rc=$?
[ "$rc" = 2 ] || kc_fail "worker.shutdown.timeout.ms=soon: exit status $rc (want 2)"
grep -q 'worker.shutdown.timeout.ms: must be an integer from 100 to 86400000' <<<"$out" ||
	kc_fail "worker.shutdown.timeout.ms=soon: $out"

# term_exit1 SECONDS WHAT PATTERN: SIGTERM, then the worker exits 1 within SECONDS and its log
# has PATTERN; sets ms (signal to exit)
term_exit1() {
	local t0
	t0=$(date +%s%N)
	kill -TERM "$WORKER_PID"
	wait_exit "$1"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$RC" = 1 ] || kc_fail "$2: exit status $RC (want 1)"
	grep -q "$3" "$WORKER_LOG" || kc_fail "$2: no '$3' in the log: $(tail -5 "$WORKER_LOG")"
}

# 1. the watchdog: a 2 s limit against a task that hangs 60 s in its stop
stuck_worker hang --set worker.shutdown.timeout.ms=2000
term_exit1 20 "stuck shutdown" \
	'shutdown still not done after 2000 ms (worker.shutdown.timeout.ms) while stopping the tasks; exiting'
[ "$ms" -ge 1900 ] && [ "$ms" -lt 10000 ] || kc_fail "watchdog exit after $ms ms (limit 2000 ms)"
kc_note "stuck task: exit 1 after $ms ms (worker.shutdown.timeout.ms=2000)"

# 2. a second SIGTERM while the first shutdown waits (default limit: 60 s)
stuck_worker hang2
kill -TERM "$WORKER_PID"
sleep 1
kill -0 "$WORKER_PID" 2>/dev/null || kc_fail "worker exited before the second signal"
term_exit1 10 "second SIGTERM" \
	'signal 15 again while stopping the tasks: exiting without finishing the shutdown'
kc_note "second SIGTERM: exit 1 after $ms ms"

# 3. tasks that stop: exit 0, "stopped" logged, no watchdog message
WORKER_STATE_DIR=
worker_start --set consumer.session.timeout.ms=6000 --set worker.shutdown.timeout.ms=2000
kc_http POST "$WORKER_URL/connectors" '{"name":"fine","config":{"connector.class":"kcops.test.EchoSinkConnector","topics":"in"}}'
kc_expect_code 201 "create fine"
sleep 1
worker_stop
grep -q 'INFO  kcops.worker: stopped' "$WORKER_LOG" || kc_fail "no 'stopped' after a normal shutdown"
grep -q 'shutdown still not done' "$WORKER_LOG" && kc_fail "watchdog fired on a normal shutdown"
echo "shutdown: all checks passed"
