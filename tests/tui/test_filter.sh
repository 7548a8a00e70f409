#!/usr/bin/env bash
# Filter (regex, '!' inverse), the failed-only toggle (failed tasks under running connectors
# included), sort by column and order; a trace with escape sequences is drawn harmlessly.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/fake.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

kc_tmpdir
seed=$KC_TMP_LAST/seed.json
cat >"$seed" <<'JSON'
[{"name": "ok-orders", "i": 0, "ntasks": 2},
 {"name": "bad-billing", "i": 1, "state": "FAILED", "ctype": "source",
  "cls": "kcops.http.HttpCronSourceConnector",
  "trace": "java.lang.IllegalStateException: \u001b[2J\u001b]0;pwned\u0007evil\n\tat x.Y.z(Y.java:7)"},
 {"name": "deg-audit", "i": 2, "ntasks": 3, "failed_task": 1},
 {"name": "zz-paused", "i": 3, "state": "PAUSED", "ntasks": 1}]
JSON
fake_start --seed "$seed"

tui_start --url "$FAKE_URL"
tui_wait "zz-paused"
tui_wait_re 'deg-audit +sink +RUNNING +2/3 1F'
rows() { tui_cap | sed -n '5,22p' | grep -oE '^[ *] [a-z][a-z-]+' | sed 's/^..//'; }

# name ascending by default
[ "$(rows | tr '\n' ' ')" = "bad-billing deg-audit ok-orders zz-paused " ] ||
	kc_fail "default order: $(rows | tr '\n' ' ')"

# failed-only: the FAILED connector and the RUNNING one with a failed task
tui_keys f
tui_wait "[failed]"
tui_gone "ok-orders"
[ "$(rows | tr '\n' ' ')" = "bad-billing deg-audit " ] || kc_fail "failed-only: $(rows | tr '\n' ' ')"
tui_keys f
tui_wait "ok-orders"

# the filter applies as it is typed; Esc in the prompt restores the previous one
tui_keys /
tui_type "zz"
tui_wait "connectors /zz/"
[ "$(rows | tr '\n' ' ')" = "zz-paused " ] || kc_fail "live filter: $(rows | tr '\n' ' ')"
tui_keys Escape
tui_wait "ok-orders"
tui_gone "/zz/"
# regex filter, then its inverse; Esc clears
tui_keys /
tui_type "ok|paused"
tui_keys Enter
tui_wait "connectors /ok|paused/"
[ "$(rows | tr '\n' ' ')" = "ok-orders zz-paused " ] || kc_fail "filter: $(rows | tr '\n' ' ')"
tui_keys /
tui_keys C-u
tui_type "!ok|paused"
tui_keys Enter
tui_wait "/!ok|paused/"
[ "$(rows | tr '\n' ' ')" = "bad-billing deg-audit " ] || kc_fail "inverse: $(rows | tr '\n' ' ')"
# a bad regex is reported and the filter stays
tui_keys /
tui_keys C-u
tui_type "(unclosed"
tui_keys Enter
tui_wait "filter '(unclosed'"
[ "$(rows | tr '\n' ' ')" = "bad-billing deg-audit " ] || kc_fail "bad regex changed rows"
tui_keys Escape
tui_wait "filter cleared"
tui_wait "zz-paused"

# sort: reverse name order, then by STATE (failing first), TASKS
tui_keys O
tui_wait_re 'NAME. '
[ "$(rows | head -1)" = "zz-paused" ] || kc_fail "reverse: $(rows | tr '\n' ' ')"
tui_keys O o o
tui_wait "sorted by STATE"
[ "$(rows | head -2 | tr '\n' ' ')" = "bad-billing deg-audit " ] ||
	kc_fail "state sort: $(rows | tr '\n' ' ')"
tui_keys o
tui_wait "sorted by TASKS"
[ "$(rows | head -1)" = "deg-audit" ] || kc_fail "tasks sort: $(rows | tr '\n' ' ')"
tui_keys '<' '<' '<'
tui_wait "sorted by NAME"

# the trace with escape sequences, in the detail view
tui_keys Home Enter
tui_wait "bad-billing"
tui_wait "IllegalStateException: ^[[2J^[]0;pwned^Gevil"
tui_wait "at x.Y.z(Y.java:7)"
tui_cap -e | kc_grepq $'\e\\]0;' && kc_fail "OSC sequence reached the terminal"
[ "$(tui_tmux display -p '#{pane_title}')" != "pwned" ] || kc_fail "pane title changed"
[[ "$(tui_line 0)" == *"ctx "* ]] || kc_fail "header damaged: $(tui_line 0)"
tui_quit
