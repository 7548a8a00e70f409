# tests/tui/fake.sh - start tests/tui/fake_connect.py (a canned Connect REST server).
#	fake_start [--connectors N] [--seed FILE]	sets FAKE_URL, FAKE_LOG, FAKE_PID
fake_start() {
	local dir i
	kc_tmpdir
	dir=$KC_TMP_LAST
	FAKE_LOG=$dir/requests.log
	: >"$FAKE_LOG"
	"$KC_PY" "$KCOPS_SOURCE_ROOT/tests/tui/fake_connect.py" --port-file "$dir/port" \
		--log "$FAKE_LOG" "$@" 2>"$dir/stderr" &
	FAKE_PID=$!
	kc_on_exit "kill $FAKE_PID"
	for ((i = 0; i < 400; i++)); do
		[ -s "$dir/port" ] && break
		kill -0 "$FAKE_PID" 2>/dev/null || { cat "$dir/stderr" >&2; kc_fail "fake Connect server died"; }
		sleep 0.05
	done
	[ -s "$dir/port" ] || kc_fail "fake Connect server did not start"
	FAKE_URL="http://127.0.0.1:$(cat "$dir/port")"
}
