#!/usr/bin/env bash
# Each key acts and the change is visible through the REST API: p r s R d e, marks for bulk
# actions, the ':' prompt running the command table; read-only contexts refuse mutations.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
for n in key-a key-b key-c key-d; do tui_cron "$n"; done

# an editor that changes one value (used by 'e')
tui_setup_home
cat >"$TUI_HOME/editor" <<'SH'
#!/bin/sh
# good: a valid change; bad: a value Connect's validation rejects; junk: not JSON
case "$(cat "$(dirname "$0")/edit-mode" 2>/dev/null)" in
bad)	sed -i 's/"job.j1.rate": "3"/"job.j1.rate": "-5"/' "$1" ;;
junk)	echo '{"unterminated": ' >"$1" ;;
*)	sed -i 's/"job.j1.rate": "1"/"job.j1.rate": "3"/' "$1" ;;
esac
SH
chmod +x "$TUI_HOME/editor"
TUI_EDITOR="$TUI_HOME/editor"

tui_start --url "$WORKER_URL" --refresh 1s
tui_wait_re 'key-d +source +RUNNING'

# p pauses the selected row (key-a), r resumes it, s stops it
tui_keys p
tui_wait "paused key-a"
tui_until_state key-a PAUSED
tui_wait_re 'key-a +source +PAUSED'
tui_keys r
tui_wait "resumed key-a"
tui_until_state key-a RUNNING
tui_keys s
tui_wait "stopped key-a"
tui_until_state key-a STOPPED
tui_wait_re 'key-a +source +STOPPED'
tui_keys r
tui_until_state key-a RUNNING

# R opens the restart menu; 'a' restarts the connector and all its tasks
tui_keys R
tui_wait "restart key-a:"
tui_wait "all tasks"
tui_keys a
tui_wait "restarted (with all tasks) key-a"
tui_until_state key-a RUNNING
kc_http GET "$WORKER_URL/connectors/key-a/status"
[ "$(kc_json 'len(j["tasks"])')" = 1 ] || kc_fail "key-a lost its task: $HTTP_BODY"
# Esc cancels a menu without acting
tui_keys R
tui_wait "restart key-a:"
tui_keys Escape
tui_gone "restart key-a:"

# marks: bulk pause of key-b and key-c
tui_keys Down Space Space
tui_wait_re '^\* key-b'
tui_wait_re '^\* key-c'
tui_keys p
tui_wait "paused 2 connectors"
tui_until_state key-b PAUSED
tui_until_state key-c PAUSED
[ "$(tui_state key-a)" = RUNNING ] || kc_fail "key-a was paused by the bulk action"
[ "$(tui_state key-d)" = RUNNING ] || kc_fail "key-d was paused by the bulk action"
tui_keys C-\\
tui_wait "marks cleared"
tui_keys r
tui_until_state key-d RUNNING

# e edits the config in $EDITOR; the change is validated and PUT
tui_keys Home e
tui_wait "key-a: config updated"
kc_http GET "$WORKER_URL/connectors/key-a/config"
[ "$(kc_json 'j["job.j1.rate"]')" = 3 ] || kc_fail "edit not applied: $HTTP_BODY"
# an edit Connect rejects: its messages are shown, nothing is sent, discard ends it
echo bad >"$TUI_HOME/edit-mode"
tui_keys e
tui_wait "config rejected:"
tui_wait_re 'job\.j1\.rate: .*'
tui_keys d
tui_wait "edit of key-a discarded"
tui_keys q
# an edit that is not JSON: the parse error names the place, nothing is sent
echo junk >"$TUI_HOME/edit-mode"
tui_keys e
tui_wait "config rejected:"
tui_keys d
tui_wait "discarded"
kc_http GET "$WORKER_URL/connectors/key-a/config"
[ "$(kc_json 'j["job.j1.rate"]')" = 3 ] || kc_fail "a rejected edit changed the config: $HTTP_BODY"

# in the detail view the restart menu also lists each task
tui_keys Home Enter
tui_wait "Tasks (1)"
tui_keys R
tui_wait "0) task 0"
tui_keys 0
tui_wait "restarted key-a task 0"
tui_keys q
tui_wait_re 'key-a +source'

# d asks for the name; a wrong name does nothing, the right one deletes
tui_keys G d
tui_wait "delete key-d? type its name to confirm:"
tui_type "key-x"
tui_keys Enter
tui_wait "not deleted"
kc_http GET "$WORKER_URL/connectors/key-d"
kc_expect_code 200 "key-d still there"
tui_keys d
tui_wait "type its name"
tui_type "key-d"
tui_keys Enter
tui_wait "deleted key-d"
for ((i = 0; i < 100; i++)); do
	kc_http GET "$WORKER_URL/connectors/key-d"
	[ "$HTTP_CODE" = 404 ] && break
	sleep 0.05
done
kc_expect_code 404 "key-d deleted"
tui_gone "key-d"

# the ':' prompt runs the shared command table
tui_keys :
tui_type "pause key-b"
tui_keys Enter
tui_until_state key-b PAUSED
tui_keys :
tui_type "resume key-b"
tui_keys Enter
tui_until_state key-b RUNNING
tui_wait_re 'key-b +source'
tui_quit
tui_tmux kill-server

# read-only: every mutation is refused with a message and nothing changes
TUI_SOCK="kcops-test-ro-$$"
tui_start --url "$WORKER_URL" --read-only
tui_wait "[read-only]"
tui_wait_re 'key-a +source +RUNNING'
for k in p s d e R; do
	tui_keys "$k"
	tui_wait "refused"
	tui_keys Escape
done
tui_keys :
tui_type "pause key-a"
tui_keys Enter
tui_wait "refused"
sleep 0.3
[ "$(tui_state key-a)" = RUNNING ] || kc_fail "read-only console changed key-a"
tui_quit
