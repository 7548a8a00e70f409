#!/usr/bin/env bash
# The workers view (5, or :workers):
#  1. against kcops-worker: one row for the worker, marked as the one answering, alive, with
#     the connectors and tasks it runs and its URL; Enter shows the connectors view filtered
#     to that worker, Esc shows all again; help lists the key; while the worker is frozen
#     (SIGSTOP) the last rows stay with the error and how old they are;
#  2. against an Apache-like Connect (the fake server answers 404 to /kcops/v1/workers): the
#     view says the cluster does not list its workers and derives them from the task
#     statuses (connector and task counts per worker_id, a failed task flagged), asks for the
#     extension once only, and Enter filters by a derived worker.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/fake.sh"

# ---- 1. kcops-worker ----------------------------------------------------------------------
worker_start
tui_cron wk-alpha
tui_cron wk-beta
tui_until_state wk-alpha RUNNING 10
tui_until_state wk-beta RUNNING 10
WID=${WORKER_URL#http://}

# a context with a short request timeout (the frozen-worker case below)
tui_setup_home
cat >"$TUI_HOME/config/kcops/config.json" <<JSON
{"current_context": "wk", "contexts": {"wk": {"url": "$WORKER_URL", "timeout": "2s"}}}
JSON
tui_start --refresh 500ms
tui_wait_re 'wk-beta +source +RUNNING +1/1'
tui_keys 5
tui_wait "standalone kcops-worker"
tui_wait_re "^ +WORKER +STATE +HEARTBEAT +CONN +TASKS +SRC +URL"
# the worker answering this console: *, alive, 2 connectors, 2 tasks, source lease, its URL
tui_wait_re "^\* $WID +alive +answers +2 +2 +yes +http://$WID"
[[ "$(tui_line 2)" == *"connectors > workers"* ]] || kc_fail "breadcrumbs: $(tui_line 2)"
# a narrow terminal clips from the right, the worker id stays whole
tui_tmux resize-window -x 40 -y 10
tui_wait_re "^\* $WID +alive +answers"
tui_tmux resize-window -x 80 -y 24
tui_wait_re "^\* $WID +alive +answers +2 +2 +yes +http://$WID"
# a third connector shows up on the next refresh
tui_cron wk-gamma
tui_wait_re "^\* $WID +alive +answers +3 +3 +yes" 10
# Enter: the connectors that run there
tui_keys Enter
tui_wait "connectors @$WID"
tui_wait "3 connectors on worker $WID"
tui_wait_re 'wk-gamma +source'
tui_keys Escape
tui_wait "filter cleared"
tui_gone "connectors @"
# the prompt word and the help entry
tui_keys :
tui_type "workers"
tui_keys Enter
tui_wait "standalone kcops-worker"
# a frozen worker: the last rows stay, with the error and their age; then fresh again
kill -STOP "$WORKER_PID"
kc_on_exit "kill -CONT $WORKER_PID"
tui_wait_re "^ as of [0-9]+s ago: GET /kcops/v1/workers: no answer" 15
tui_wait_re "^\* $WID +alive +answers +3 +3 +yes"
kill -CONT "$WORKER_PID"
tui_gone "s ago: GET /kcops/v1/workers" 15
tui_keys '?'
tui_wait_re '^  5 +Workers of the cluster'
tui_keys Escape Escape
tui_gone "connectors > workers"
tui_quit

# ---- 2. Apache-like Connect: derived from the task statuses -------------------------------
kc_tmpdir
SEED=$KC_TMP_LAST/seed.json
# a: connector on :8083, tasks on :8083 and :8084; b: connector on :8084, its task 0 FAILED
# on :8084 (fake_connect.make spreads workers as 8083 + (i + task) % 3)
cat >"$SEED" <<'JSON'
[{"name": "apa-a", "i": 0, "ntasks": 2},
 {"name": "apa-b", "i": 1, "ntasks": 1, "failed_task": 0}]
JSON
fake_start --apache --seed "$SEED"
TUI_HOME=
tui_start --url "$FAKE_URL" --refresh 300ms
tui_wait_re 'apa-b +sink'
tui_keys 5
tui_wait "This cluster does not list its workers"
tui_wait "Derived from the task statuses"
tui_wait_re '^  127\.0\.0\.1:8083 +- +- +1 +1 +- +-'
tui_wait_re '^  127\.0\.0\.1:8084 +- +- +2 +2 1F +- +-'
sleep 1.2	# a few refreshes: the 404 is remembered, not asked again
n=$(grep -c ' GET /kcops/v1/workers' "$FAKE_LOG" || true)
[ "$n" = 1 ] || kc_fail "GET /kcops/v1/workers asked $n times after a 404 (expected once)"
grep -q ' GET /connectors?expand' "$FAKE_LOG" || kc_fail "no listing requests in $FAKE_LOG"
# Enter on :8083 keeps apa-a only
tui_keys Home Enter
tui_wait "connectors @127.0.0.1:8083"
tui_wait "1 connector on worker 127.0.0.1:8083"
tui_wait_re 'apa-a +sink'
tui_cap | kc_grepq 'apa-b' && kc_fail "apa-b shown although nothing of it runs on :8083"
tui_quit
