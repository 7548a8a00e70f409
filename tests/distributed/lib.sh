# tests/distributed/lib.sh - several kcops-worker processes in distributed mode on one
# out-of-process mock Kafka (sourced after tests/lib/worker.sh).
#	dist_mock_start [--topic T:P]...	mock with the cluster topics (1 partition each)
#	dist_worker_start I [--set k=v]...	worker I (1, 2, 3...) with its own state.dir;
#		sets W_URL[I], W_PID[I], W_DIR[I]
#	dist_worker_kill I / dist_worker_stop I / dist_worker_relaunch I
#	dist_wait WHAT SECONDS CMD...		until CMD succeeds, else fail naming WHAT
#	dist_restart_did I TASK		the worker that did the last restart request of task
#		TASK of snk made through worker I (its logs name the request), or nothing
#	dist_restart_check I TASK CODE	after POST .../tasks/TASK/restart through worker I
#		answered CODE: 204 means a worker did it already, 202 that one does it soon
DIST_GROUP=kc-cluster
declare -a W_URL W_PID W_DIR W_ARGS

dist_mock_start() {
	mock_start --topic kc-config:1 --topic kc-config-status:1 --topic kc-config-lease:1 --topic kc-config-offsets:1 "$@"
}

_dist_launch() {
	local i=$1 out=${W_DIR[$1]}/stdout n
	: >"$out"
	# shellcheck disable=SC2086
	"$KCOPS_WORKER" --set "bootstrap.servers=$MOCK_BOOTSTRAP" --set "group.id=$DIST_GROUP" \
		--set config.storage.topic=kc-config --set status.storage.topic=kc-config-status \
		--set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500 \
		--set worker.heartbeat.interval.ms=500 \
		--set listeners=http://127.0.0.1:0 --set "state.dir=${W_DIR[$i]}" ${W_ARGS[$i]} \
		>"$out" 2>>"${W_DIR[$i]}/stderr.log" &
	W_PID[$i]=$!
	kc_on_exit "kill -9 ${W_PID[$i]} 2>/dev/null"
	W_URL[$i]=
	for ((n = 0; n < 1200; n++)); do
		W_URL[$i]=$(sed -n 's/^kcops-worker listening on //p' "$out")
		[ -n "${W_URL[$i]}" ] && break
		kill -0 "${W_PID[$i]}" 2>/dev/null || { tail -20 "${W_DIR[$i]}/stderr.log" >&2; kc_fail "worker $i exited during start-up"; }
		sleep 0.025
	done
	[ -n "${W_URL[$i]}" ] || kc_fail "worker $i printed no URL within 30 s"
	kc_wait_http "${W_URL[$i]}/" 20
}

dist_worker_start() {
	local i=$1
	shift
	kc_tmpdir
	W_DIR[$i]=$KC_TMP_LAST
	kc_dump_on_fail "${W_DIR[$i]}/stderr.log"
	W_ARGS[$i]="$*"
	_dist_launch "$i"
}

dist_worker_relaunch() { _dist_launch "$1"; }

dist_worker_kill() {
	kill -9 "${W_PID[$1]}" 2>/dev/null || true
	wait "${W_PID[$1]}" 2>/dev/null || true
}

# SIGTERM, then at most WORKER_STOP_S (90) seconds for the worker to exit (worker_gone)
dist_worker_stop() {
	local rc=0
	kill -TERM "${W_PID[$1]}" 2>/dev/null || true
	worker_gone "${W_PID[$1]}" "${WORKER_STOP_S:-90}" "${W_DIR[$1]}/stderr.log" "worker $1"
	wait "${W_PID[$1]}" || rc=$?
	[ "$rc" = 0 ] || { tail -20 "${W_DIR[$1]}/stderr.log" >&2; kc_fail "worker $1 exited with $rc after SIGTERM"; }
}

dist_wait() {
	local what=$1 t=$2 n
	shift 2
	for ((n = 0; n < t * 5; n++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	if [ "${DIST_DEBUG:-1}" = 1 ]; then
		for n in "${!W_URL[@]}"; do
			curl -s "${W_URL[$n]}/connectors?expand=status" || true; echo
			curl -s "${W_URL[$n]}/kcops/v1/connectors/snk/metrics" | jq -c '.total | {requests, records, commits}' || true
			tail -5 "${W_DIR[$n]}/stderr.log"
		done >&2
	fi
	kc_fail "$what: not true after ${t}s"
}

dist_restart_did() {
	local req n
	req=$(sed -n "s/.*restart request \([^ ]*\) of task snk-$2 (run by .*) written\$/\1/p" "${W_DIR[$1]}/stderr.log" | tail -1)
	[ -n "$req" ] || return 0
	for n in "${!W_DIR[@]}"; do
		if grep -qF -e "restart requested by ${W_URL[$1]#http://} (request $req)" \
			-e "restart request $req by ${W_URL[$1]#http://} done" "${W_DIR[$n]}/stderr.log"; then
			echo "$n"
		fi
	done
}

dist_restart_check() {
	local n
	case $3 in
	204) [ -n "$(dist_restart_did "$1" "$2")" ] || kc_fail "restart of task $2 answered 204 but no worker logged doing it" ;;
	202) for ((n = 0; n < 100; n++)); do [ -n "$(dist_restart_did "$1" "$2")" ] && break; sleep 0.2; done
		[ -n "$(dist_restart_did "$1" "$2")" ] || kc_fail "restart of task $2 answered 202 and no worker did it within 20 s" ;;
	*) kc_fail "restart of task $2 through worker $1: HTTP $3" ;;
	esac
}
