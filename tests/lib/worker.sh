# tests/lib/worker.sh - start kcops-worker (and the out-of-process mock Kafka) in tests.
#	. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
#	worker_start [--set key=value]... [other kcops-worker args]
#		starts a worker on a free loopback port with a temporary state.dir (kept across
#		worker_restart), waits for GET / to answer 200, and sets:
#		WORKER_URL (http://127.0.0.1:PORT), WORKER_BOOTSTRAP (its Kafka bootstrap servers),
#		WORKER_PID, WORKER_STATE_DIR, WORKER_LOG (stderr), WORKER_START_MS (ms to first 200)
#		Without bootstrap.servers in the args it runs embedded Kafka; with
#		MOCK_BOOTSTRAP set (mock_start) it uses that cluster.
#	worker_stop [SIGNAL]	stops it (default TERM) and waits; fails if it exited non-zero
#	worker_restart		stop, then start again with the same args and state.dir
#	worker_kill		SIGKILL (crash) and wait
#	mock_start [--brokers N] [--topic T[:P]]...
#		starts tests/tools kcops-mock-kafka; sets MOCK_BOOTSTRAP, MOCK_PID
#	mock_cmd "down 1"	sends one command, prints its answer, fails on "error:"
# Everything started is stopped at EXIT. The worker binary is $KCOPS_WORKER or
# $KCOPS_BUILD_ROOT/backend/worker/kcops-worker.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KCOPS_WORKER=${KCOPS_WORKER:-$KCOPS_BUILD_ROOT/backend/worker/kcops-worker}
KCOPS_MOCK_KAFKA=${KCOPS_MOCK_KAFKA:-$KCOPS_BUILD_ROOT/tests/tools/kcops-mock-kafka}
WORKER_PID=
WORKER_STATE_DIR=
_worker_args=()

_worker_launch() {
	local out t0 i
	out=$WORKER_STATE_DIR/stdout
	: >"$out"
	WORKER_LOG=$WORKER_STATE_DIR/stderr.log
	case " ${_kc_dump_files[*]} " in *" $WORKER_LOG "*) ;; *) kc_dump_on_fail "$WORKER_LOG" ;; esac
	t0=$(date +%s%N)
	"$KCOPS_WORKER" "${_worker_args[@]}" --set listeners=http://127.0.0.1:0 \
		--set "state.dir=$WORKER_STATE_DIR" >"$out" 2>>"$WORKER_LOG" &
	WORKER_PID=$!
	WORKER_URL=
	for ((i = 0; i < 400; i++)); do
		WORKER_URL=$(sed -n 's/^kcops-worker listening on //p' "$out")
		[ -n "$WORKER_URL" ] && break
		kill -0 "$WORKER_PID" 2>/dev/null || { cat "$WORKER_LOG" >&2; kc_fail "kcops-worker exited during start-up"; }
		sleep 0.025
	done
	[ -n "$WORKER_URL" ] || { cat "$WORKER_LOG" >&2; kc_fail "kcops-worker printed no URL within 10 s"; }
	kc_wait_http "$WORKER_URL/" 20
	WORKER_START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	WORKER_BOOTSTRAP=$(sed -n 's/^kcops-worker embedded kafka bootstrap.servers=//p' "$out")
	[ -n "$WORKER_BOOTSTRAP" ] || WORKER_BOOTSTRAP=${MOCK_BOOTSTRAP:-}
}

worker_start() {
	_worker_args=("$@")
	if [ -n "${MOCK_BOOTSTRAP:-}" ]; then
		_worker_args+=(--set "bootstrap.servers=$MOCK_BOOTSTRAP")
	fi
	if [ -z "$WORKER_STATE_DIR" ]; then
		kc_tmpdir
		WORKER_STATE_DIR=$KC_TMP_LAST
		kc_on_exit 'worker_kill'
	fi
	_worker_launch
}

# worker_gone PID SECONDS LOG NAME: wait until the process PID exits; one still running after
# SECONDS has a hung shutdown (the worker's own watchdog, worker.shutdown.timeout.ms, ends it
# after 60 s): its threads' stacks (gdb) and the end of LOG are printed, it is killed and the
# test fails naming NAME.
worker_gone() {
	local n
	for ((n = 0; n < $2 * 10; n++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "$4 still running $2 s after the signal; its threads:" >&2
	command -v gdb >/dev/null && gdb -batch -p "$1" -ex 'thread apply all bt' 2>&1 |
		grep -E '^(Thread|#)' >&2
	tail -20 "$3" >&2
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	kc_fail "$4 did not exit within $2 s of the signal"
}

worker_stop() {
	local sig=${1:-TERM} rc=0
	[ -n "$WORKER_PID" ] || return 0
	kill -"$sig" "$WORKER_PID" 2>/dev/null || true
	worker_gone "$WORKER_PID" "${WORKER_STOP_S:-90}" "$WORKER_LOG" kcops-worker
	wait "$WORKER_PID" || rc=$?
	WORKER_PID=
	[ "$rc" = 0 ] || { tail -20 "$WORKER_LOG" >&2; kc_fail "kcops-worker exited with status $rc after SIG$sig"; }
}

worker_kill() {
	[ -n "$WORKER_PID" ] || return 0
	kill -KILL "$WORKER_PID" 2>/dev/null || true
	wait "$WORKER_PID" 2>/dev/null || true
	WORKER_PID=
}

worker_restart() {
	worker_stop
	_worker_launch
}

mock_start() {
	local i
	kc_tmpdir
	_mock_dir=$KC_TMP_LAST
	mkfifo "$_mock_dir/in"
	# the output file exists before the poll below reads it: the child opens it only after
	# its open of the FIFO returns, i.e. after the exec below, and a sed on a missing file
	# exits 2 (a whole test failed on that race under load)
	: >"$_mock_dir/out"
	"$KCOPS_MOCK_KAFKA" "$@" <"$_mock_dir/in" >"$_mock_dir/out" 2>"$_mock_dir/err" &
	MOCK_PID=$!
	exec {_mock_fd}>"$_mock_dir/in"
	kc_on_exit "kill $MOCK_PID; wait $MOCK_PID"
	# a failed test shows the mock's own log (hardening-faults once lost every broker for good
	# after its all-brokers outage: was it the mock?)
	kc_dump_on_fail "$_mock_dir/err"
	MOCK_BOOTSTRAP=
	for ((i = 0; i < 200; i++)); do
		MOCK_BOOTSTRAP=$(sed -n '1s/^bootstrap.servers=//p' "$_mock_dir/out")
		[ -n "$MOCK_BOOTSTRAP" ] && break
		sleep 0.025
	done
	[ -n "$MOCK_BOOTSTRAP" ] || kc_fail "kcops-mock-kafka did not start: $(cat "$_mock_dir/err")"
}

mock_cmd() {
	local before after i ans
	before=$(wc -l <"$_mock_dir/out")
	echo "$1" >&"$_mock_fd"
	for ((i = 0; i < 200; i++)); do
		after=$(wc -l <"$_mock_dir/out")
		[ "$after" -gt "$before" ] && break
		sleep 0.025
	done
	ans=$(tail -1 "$_mock_dir/out")
	echo "$ans"
	case $ans in error:*) kc_fail "mock_cmd '$1': $ans" ;; esac
}
