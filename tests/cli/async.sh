#!/bin/bash
# tests/cli/async.sh - the asynchronous client API (tests/cli/test_cli_async.c) against the
# replayed 2.2 and 3.9 workers and a closed port.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
. "$KCOPS_SOURCE_ROOT/tests/cli/lib.sh"
replay_start connect-2.2-no-expand.json
U22=$URL
T=$T/b
mkdir -p "$T"
replay_start connect-3.9-failed-task.json
kc_dead_port
dead=http://127.0.0.1:$KC_DEAD_PORT
"$1" "$U22" "$URL" "$dead"
