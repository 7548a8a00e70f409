#!/usr/bin/env bash
# Terminals, locales, themes and key overrides: TERM=xterm with colours, LANG=C (ASCII
# drawing), a per-context monochrome theme, --theme errors, the config file's "keys" section.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"

worker_start
tui_cron term-one ',"note":"caf\u00e9 \u00fcber"'
tui_setup_home
cfg="$TUI_HOME/config/kcops/config.json"
cat >"$cfg" <<JSON
{"current_context": "colour",
 "contexts": {"colour": {"url": "$WORKER_URL"},
              "mono": {"url": "$WORKER_URL", "theme": "monochrome"}},
 "keys": {"P": "pause", "p": "none", "connectors:C-x": "resume"}}
JSON

# TERM=xterm, high-contrast theme: colours are used; the keys section rebinds p/P
TUI_TERM=xterm tui_start --theme high-contrast
tui_wait_re 'term-one +source +RUNNING'
tui_cap -e | kc_grepq $'\e\\[[0-9;]*[34][0-9]m' || kc_fail "no colours with TERM=xterm"
tui_keys p
tui_wait "key p is not bound here"
[ "$(tui_state term-one)" = RUNNING ] || kc_fail "unbound p still paused"
tui_keys P
tui_until_state term-one PAUSED
tui_keys C-x
tui_until_state term-one RUNNING
tui_keys '?'
tui_wait_re '^  P +Pause'
tui_quit
tui_tmux kill-server

# a context's own theme: monochrome draws without colour
TUI_SOCK="kcops-test-mono-$$"
TUI_TERM=xterm tui_start --context mono
tui_wait_re 'term-one +source +RUNNING'
sleep 0.3
tui_cap -e | kc_grepq $'\e\\[[0-9;]*3[0-7]m' && kc_fail "colours with the monochrome theme"
tui_quit
tui_tmux kill-server

# LANG=C: ASCII arrows, non-ASCII text as '?', nothing broken
TUI_SOCK="kcops-test-c-$$"
TUI_LANG=C tui_start
tui_wait_re 'NAME\^ +TYPE'
tui_keys Enter
tui_wait "caf? ?ber"
tui_quit
tui_tmux kill-server

# a broken theme file stops start-up with FILE:LINE and a suggestion
TUI_SOCK="kcops-test-bad-$$"
printf 'normal = fg=red\nstate.faild = bold\n' >"$TUI_HOME/bad.theme"
tui_start --theme "$TUI_HOME/bad.theme"
for ((i = 0; i < 100; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
grep -q "status 1" "$TUI_HOME/exit" || kc_fail "bad theme: $(cat "$TUI_HOME/exit" 2>&1)"
grep -q "bad.theme:2: unknown role 'state.faild' (did you mean 'state.failed'?)" "$TUI_HOME/stderr" ||
	kc_fail "bad theme message: $(cat "$TUI_HOME/stderr")"
tui_tmux kill-server

# a bad key override names the file and the closest action
TUI_SOCK="kcops-test-badkey-$$"
sed -i 's/"P": "pause"/"P": "paws"/' "$cfg"
tui_start
for ((i = 0; i < 100; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
grep -q "unknown action 'paws' (did you mean 'pause'?)" "$TUI_HOME/stderr" ||
	kc_fail "bad key message: $(cat "$TUI_HOME/stderr")"
tui_tmux kill-server

# a terminal that cannot position the cursor is refused with a message, not a garbled screen
sed -i 's/"P": "paws"/"P": "pause"/' "$cfg"
TUI_SOCK="kcops-test-dumb-$$"
TUI_TERM=dumb tui_start --url "$WORKER_URL"
for ((i = 0; i < 100; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
grep -q "status 1" "$TUI_HOME/exit" || kc_fail "TERM=dumb: $(cat "$TUI_HOME/exit" 2>&1)"
grep -q "terminal 'dumb' cannot move the cursor" "$TUI_HOME/stderr" ||
	kc_fail "TERM=dumb message: $(cat "$TUI_HOME/stderr")"
tui_tmux kill-server
TUI_SOCK="kcops-test-unk-$$"
TUI_TERM=no-such-terminal tui_start --url "$WORKER_URL"
for ((i = 0; i < 100; i++)); do [ -s "$TUI_HOME/exit" ] && break; sleep 0.05; done
grep -q "unknown terminal type 'no-such-terminal'" "$TUI_HOME/stderr" ||
	kc_fail "unknown TERM message: $(cat "$TUI_HOME/stderr")"
