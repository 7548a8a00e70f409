# tests/tui/lib.sh - drive the console in tmux for tests. Source after tests/lib/worker.sh.
#	tui_start [kcops args...]	kcops in a private tmux server (socket kcops-test-$$),
#					80x24, LANG=C.UTF-8, its own XDG dirs; sets TUI_SOCK
#	tui_cap				print the screen (plain text)
#	tui_wait TEXT [SECONDS]		until the screen contains TEXT (fixed string)
#	tui_wait_re REGEX [SECONDS]	until a screen line matches REGEX (grep -E)
#	tui_gone TEXT [SECONDS]		until TEXT is no longer on the screen
#	tui_keys KEY...			tmux send-keys (names as tmux knows them)
#	tui_type TEXT			send literal text
#	tui_line N			print screen line N (0-based)
#	tui_alive			fails when kcops exited
#	tui_quit			Q, then exit status 0 and no sanitizer report
# Everything is torn down at EXIT. TUI_HOME holds the config/state dirs.
KCOPS_BIN=${KCOPS_BIN:-$KCOPS_BUILD_ROOT/tui/kcops}
TUI_SOCK="kcops-test-$$"
TUI_COLS=${TUI_COLS:-80}
TUI_ROWS=${TUI_ROWS:-24}

tui_tmux() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }

tui_setup_home() {
	if [ -z "${TUI_HOME:-}" ]; then
		kc_tmpdir
		TUI_HOME=$KC_TMP_LAST
		mkdir -p "$TUI_HOME/config/kcops" "$TUI_HOME/state"
	fi
}

tui_start() {
	local args="" a
	tui_setup_home
	for a in "$@"; do args+=" $(printf '%q' "$a")"; done
	rm -f "$TUI_HOME/exit"
	kc_on_exit "tmux -L '$TUI_SOCK' kill-server"
	tui_tmux new-session -d -x "$TUI_COLS" -y "$TUI_ROWS" \
		"env LANG=${TUI_LANG:-C.UTF-8} TERM=${TUI_TERM:-screen} XDG_CONFIG_HOME='$TUI_HOME/config' \
		XDG_STATE_HOME='$TUI_HOME/state' HOME='$TUI_HOME' EDITOR='${TUI_EDITOR:-false}' \
		${TUI_ENV:-} $(printf '%q' "$KCOPS_BIN")$args 2>'$TUI_HOME/stderr'; \
		echo \"kcops exited with status \$?\" >'$TUI_HOME/exit'; sleep 600" ||
		tui_no_server
	tui_tmux set-option -g remain-on-exit on >/dev/null
}

# tmux could not start its server: say the likely reason instead of tmux's bare message
tui_no_server() {
	[ -c /dev/null ] || kc_fail "tmux cannot start: /dev/null is a $(stat -c %F /dev/null), not the device"
	kc_fail "tmux could not start a server (socket -L $TUI_SOCK)"
}

tui_cap() { tui_tmux capture-pane -p "$@"; }

tui_alive() {
	if [ -s "$TUI_HOME/exit" ]; then
		cat "$TUI_HOME/stderr" >&2 || true
		kc_fail "kcops is gone: $(cat "$TUI_HOME/exit")"
	fi
}

tui_wait() {
	local text=$1 t=${2:-10} i
	for ((i = 0; i < t * 50; i++)); do
		if tui_cap | kc_grepq -F -- "$text"; then return 0; fi
		sleep 0.02
	done
	tui_alive
	echo "---- screen ----" >&2
	tui_cap >&2
	kc_fail "screen never showed '$text' within ${t}s"
}

tui_wait_re() {
	local re=$1 t=${2:-10} i
	for ((i = 0; i < t * 50; i++)); do
		if tui_cap | kc_grepq -E -- "$re"; then return 0; fi
		sleep 0.02
	done
	tui_alive
	echo "---- screen ----" >&2
	tui_cap >&2
	kc_fail "no screen line matched /$re/ within ${t}s"
}

tui_gone() {
	local text=$1 t=${2:-10} i
	for ((i = 0; i < t * 50; i++)); do
		if ! tui_cap | kc_grepq -F -- "$text"; then return 0; fi
		sleep 0.02
	done
	echo "---- screen ----" >&2
	tui_cap >&2
	kc_fail "'$text' still on the screen after ${t}s"
}

# tui_quit: Q quits; kcops must exit 0 with nothing from the sanitizers on stderr.
tui_quit() {
	local i
	tui_keys Q
	for ((i = 0; i < 200; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
	[ -s "$TUI_HOME/exit" ] || kc_fail "kcops did not quit on Q"
	if grep -qE 'Sanitizer|runtime error' "$TUI_HOME/stderr"; then
		cat "$TUI_HOME/stderr" >&2
		kc_fail "sanitizer report from kcops"
	fi
	grep -q "status 0" "$TUI_HOME/exit" || { cat "$TUI_HOME/stderr" >&2; kc_fail "$(cat "$TUI_HOME/exit")"; }
}

tui_keys() { tui_tmux send-keys "$@"; }
tui_type() { tui_tmux send-keys -l -- "$1"; }
tui_line() { tui_cap | sed -n "$(($1 + 1))p"; }

# A connector of the bundled runtime: a cron source emitting HttpRequest records.
# tui_cron NAME [extra JSON config members]
tui_cron() {
	local name=$1 extra=${2:-}
	kc_http POST "$WORKER_URL/connectors" "{\"name\":\"$name\",\"config\":{
		\"connector.class\":\"kcops.http.HttpCronSourceConnector\",\"topic\":\"$name-requests\",
		\"jobs\":\"j1\",\"job.j1.url\":\"http://127.0.0.1:9/$name\",\"job.j1.rate\":\"1\"$extra}}"
	kc_expect_code 201 "create $name"
}

# tui_state NAME: the connector state the REST API reports.
tui_state() {
	kc_http GET "$WORKER_URL/connectors/$1/status"
	kc_json 'j["connector"]["state"]'
}

# tui_until_state NAME STATE [SECONDS]
tui_until_state() {
	local i s=""
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		s=$(tui_state "$1" 2>/dev/null || true)
		[ "$s" = "$2" ] && return 0
		sleep 0.05
	done
	kc_fail "$1: REST API says '$s', expected $2"
}
