#!/bin/bash
# tests/cli/commands.sh - every kcops command against a running kcops-worker (embedded Kafka),
# each mutation checked through the REST API with curl, and lag/tail checked against records
# produced with kcat.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/cli/lib.sh"

worker_start
URL=$WORKER_URL
LOG=
kc_note "worker $URL, kafka $WORKER_BOOTSTRAP"

# rest METHOD PATH [BODY]: curl the worker; HTTP_CODE / HTTP_BODY
rest() { kc_http "$1" "$URL$2" "${@:3}"; }
rest_state() { # NAME: connector state from GET /status
	rest GET "/connectors/$1/status"
	jq -r '.connector.state' <<<"$HTTP_BODY"
}
# poll until rest_state NAME is STATE (the verbs are asynchronous)
await_state() {
	local i s
	for ((i = 0; i < 100; i++)); do
		s=$(rest_state "$1" 2>/dev/null || true)
		[ "$s" = "$2" ] && return 0
		sleep 0.05
	done
	kc_fail "connector $1 is '$s', expected $2"
}

# ---- help, version, completion (no cluster needed) -----------------------------------------
run help
expect_rc 0
for c in info get describe create apply validate patch pause resume stop restart delete \
	offsets logger wait lag tail context completion; do
	grep -qE "^  $c( |$)" "$OUT" || _fail "help does not list '$c'"
done
run help restart
expect_rc 0
expect_out 'Usage: kcops restart'
expect_out 'refused in read-only contexts'
run restart --help
expect_out 'Usage: kcops restart'
run version
expect_out 'kcops '
run bogus
expect_rc 2
expect_err "unknown command 'bogus'"
run gte connectors
expect_rc 2
expect_err "did you mean 'get'"
run completion bash
expect_rc 0
bash -n "$OUT" || _fail "the bash completion script does not parse"
run completion zsh
expect_out '#compdef kcops'
run get connectors -o yaml
expect_rc 2

# ---- info ---------------------------------------------------------------------------------
run info
expect_rc 0
expect_out 'version'
expect_out "$WORKER_BOOTSTRAP"
run info -o json
jq_check '.version and .features["stop"] == true and .url == "'"$URL"'"' "info -o json"

# ---- create -f, with initial state, from stdin and properties ---------------------------------
cat >"$T/cron.json" <<'EOF'
{"name": "cron-a", "config": {"connector.class": "kcops.http.HttpCronSourceConnector",
 "topic": "cron-out", "jobs": "j", "job.j.url": "http://127.0.0.1:9/x", "job.j.rate": "5",
 "db.password": "hunter2"}}
EOF
run create -f "$T/cron.json"
expect_rc 0
expect_out 'connector/cron-a created'
rest GET /connectors/cron-a/config
[ "$(jq -r '."job.j.rate"' <<<"$HTTP_BODY")" = 5 ] || kc_fail "create: config not stored"
await_state cron-a RUNNING
printf 'name=sink-a\nconnector.class=kcops.http.HttpSinkConnector\ntopics=lagtopic\n' >"$T/sink.properties"
run create -f "$T/sink.properties" --initial-state stopped
expect_rc 0
await_state sink-a STOPPED
rest GET /connectors/sink-a
[ "$(jq -r '.tasks | length' <<<"$HTTP_BODY")" = 0 ] || kc_fail "stopped connector has tasks"
run create -f - <<<'{"name": "cron b", "config": {"connector.class": "kcops.http.HttpCronSourceConnector", "topic": "cron-out", "jobs": "j", "job.j.url": "http://127.0.0.1:9/y", "job.j.rate": "1"}}'
expect_rc 0
expect_out 'connector/cron b created'
rest GET "/connectors/cron%20b"
[ "$HTTP_CODE" = 200 ] || kc_fail "create from stdin: GET gives $HTTP_CODE"
run create -f "$T/cron.json"
expect_rc 1
expect_err 'already exists'
run create -f "$T/missing.json"
expect_rc 1
expect_err 'missing.json'
printf '{"name": "x", "config": {"connector.class": "kcops.http.HttpCronSourceConnector", "topic": 5' >"$T/bad.json"
run create -f "$T/bad.json"
expect_rc 1
expect_err 'bad.json'
run create
expect_rc 2

# ---- get connectors / tasks / plugins / loggers / topics / offsets ----------------------------
await_state "cron%20b" RUNNING
run get connectors
expect_rc 0
expect_out 'cron-a'
expect_out 'sink-a'
expect_out 'cron b'
run get connectors -o names
expect_out_eq $'cron b\ncron-a\nsink-a'
run get connectors -o json
jq_check 'length == 3 and (.[] | select(.name == "cron-a") | .config["db.password"]) == "********"' "json listing"
jq_check '(.[] | select(.name == "sink-a") | .state) == "STOPPED"' "json state"
run get connectors -o wide
expect_out 'kcops.http.HttpCronSourceConnector'
run get connectors --state stopped -o names
expect_out_eq 'sink-a'
run get connectors --state running -e '^cron' -o names
expect_out_eq $'cron b\ncron-a'
run get tasks cron-a
expect_rc 0
expect_out 'cron-a     0     RUNNING'
run get tasks -o json
jq_check 'map(.connector) | sort == ["cron b", "cron-a"]' "tasks json"
run get plugins
expect_out 'kcops.http.HttpSinkConnector'
run get plugins -t sink -o names
expect_out 'kcops.http.HttpSinkConnector'
if grep -q 'HttpCronSourceConnector' "$OUT"; then _fail "-t sink listed a source plugin"; fi
curl -s "$URL/connector-plugins" | jq -r '.[] | select(.type == "sink") | .class' >"$T/sinks"
cmp -s "$OUT" "$T/sinks" || _fail "-t sink differs from the worker's sink plugins"

run get plugins -t bogus
expect_rc 2
expect_err "-t 'bogus'"
run get connectors cron-a no-such -o names
expect_rc 1
expect_out_eq 'cron-a'
expect_err "no connector named 'no-such'"
run get plugins --all -o json
jq_check 'length >= 3' "plugins json"
run get loggers
expect_rc 0
expect_out 'root'
run get topics cron-a
expect_rc 0
sleep 0.5
run get topics cron-a -o json
jq_check '.["cron-a"].topics | type == "array"' "topics json"
run describe plugin kcops.http.HttpCronSourceConnector
expect_rc 0
expect_out 'connector.class'
run describe plugin kcops.http.HttpCronSourceConnector -o json
jq_check 'map(.name) | index("topic") != null' "describe plugin json"
run describe plugin no.such.Plugin
expect_rc 1
run topics get cron-a -o json
jq_check '.["cron-a"].topics | type == "array"' "topics get"
run topics reset cron-a
expect_rc 0
expect_out 'connector/cron-a topics reset'
rest GET /connectors/cron-a/topics
[ "$(jq -r '."cron-a".topics | length' <<<"$HTTP_BODY")" = 0 ] || kc_fail "topics reset not applied: $HTTP_BODY"
run get offsets cron-a -o json
expect_rc 0
jq_check '.offsets | type == "array"' "offsets json"
run get nothing
expect_rc 2

# ---- describe ---------------------------------------------------------------------------------
run describe cron-a
expect_rc 0
expect_out 'Name:      cron-a'
expect_out 'State:     RUNNING'
expect_out 'db.password = ********'
run describe connector cron-a -o json --show-secrets
jq_check '.config["db.password"] == "hunter2" and .tasks[0].state == "RUNNING"' "describe json"
run describe no-such
expect_rc 1
expect_err 'no-such'

# ---- pause / resume / stop / restart / restart task -------------------------------------------
run pause cron-a
expect_rc 0
expect_out 'connector/cron-a paused'
await_state cron-a PAUSED
run resume cron-a
expect_out 'connector/cron-a resumed'
await_state cron-a RUNNING
# --wait returns only once the change has settled: REST agrees at once, without polling
run pause cron-a --wait
expect_rc 0
expect_out 'connector/cron-a is paused'
[ "$(rest_state cron-a)" = PAUSED ] || kc_fail "pause --wait returned before PAUSED"
rest GET /connectors/cron-a/status
[ "$(jq -r '[.tasks[].state] | unique | join(",")' <<<"$HTTP_BODY")" = PAUSED ] ||
	kc_fail "pause --wait: tasks not all PAUSED: $HTTP_BODY"
run resume cron-a --wait --wait-timeout 20s
expect_rc 0
expect_out 'connector/cron-a is running'
[ "$(rest_state cron-a)" = RUNNING ] || kc_fail "resume --wait returned before RUNNING"
run stop -e '^cron-'
expect_out 'connector/cron-a stopped'
await_state cron-a STOPPED
run resume cron-a
await_state cron-a RUNNING
run wait cron-a --for running --wait-timeout 20s
expect_rc 0
run restart cron-a
expect_rc 0
expect_out 'connector/cron-a restarted'
run restart cron-a --tasks all -o json
expect_rc 0
jq_check '.[0].name == "cron-a" and .[0].tasks_restarted >= 1' "restart json"
run restart cron-a --tasks failed
expect_rc 0
run restart task cron-a/0
expect_rc 0
expect_out 'task/cron-a/0 restarted'
run restart task cron-a/x
expect_rc 2
run pause no-such
expect_rc 1
expect_err 'no-such'
run pause cron-x
expect_rc 1
expect_err "hint: did you mean 'cron-"

# ---- patch, apply -f, validate -f ---------------------------------------------------------------
run patch cron-a --set job.j.rate=7 --remove db.password
expect_rc 0
rest GET /connectors/cron-a/config
[ "$(jq -r '."job.j.rate"' <<<"$HTTP_BODY")" = 7 ] || kc_fail "patch --set not applied"
[ "$(jq -r 'has("db.password")' <<<"$HTTP_BODY")" = false ] || kc_fail "patch --remove not applied"
run patch cron-a
expect_rc 2
run apply -f "$T/cron.json"
expect_rc 0
expect_out 'connector/cron-a configured'
run apply -f "$T/cron.json"
expect_out 'connector/cron-a unchanged'
sed 's/"cron-a"/"cron-c"/' "$T/cron.json" >"$T/cron-c.json"
run apply -f "$T/cron-c.json" --dry-run
expect_out 'would be created'
rest GET /connectors/cron-c
[ "$HTTP_CODE" = 404 ] || kc_fail "apply --dry-run created the connector"
run apply -f "$T/cron-c.json" -o json
jq_check '.[0].result == "created"' "apply json"
rest GET /connectors/cron-c
[ "$HTTP_CODE" = 200 ] || kc_fail "apply did not create cron-c"
run validate -f "$T/cron.json"
expect_rc 0
expect_out 'cron-a: valid'
sed 's/"5"/"fast"/' "$T/cron.json" >"$T/invalid.json"
run validate -f "$T/invalid.json"
expect_rc 1
expect_err 'job.j.rate'
run validate -f "$T/invalid.json" -o json
jq_check '.[0].error_count >= 1' "validate json"

# ---- offsets alter/reset, lag, tail (Kafka side) ----------------------------------------------
seq 1 10 | kcat -P -b "$WORKER_BOOTSTRAP" -t lagtopic -p 0 -k key 2>/dev/null ||
	kc_fail "kcat could not produce to the embedded Kafka"
run offsets alter sink-a --topic lagtopic --partition 0 --offset 4
expect_rc 0
run get offsets sink-a -o json
jq_check '.offsets[0].partition.kafka_topic == "lagtopic" and .offsets[0].offset.kafka_offset == 4' "offsets after alter"
run lag sink-a -o json
expect_rc 0
jq_check '.[0].group == "connect-sink-a" and .[0].total == 6' "lag = 10 - 4"
run lag
expect_out 'connect-sink-a'
run lag sink-a -o wide
expect_out 'lagtopic'
run lag cron-a
expect_err 'source connector'
run offsets reset sink-a
expect_rc 0
run get offsets sink-a -o json
jq_check '([.offsets[] | select(.offset != null)] | length == 0) or (.offsets[0].offset.kafka_offset == 0)' "offsets after reset"
run offsets alter cron-a --topic t --partition 0 --offset 1
expect_rc 1
expect_err 'STOPPED'
run offsets bogus sink-a
expect_rc 2
run tail lagtopic --from beginning -n 10 -o json
expect_rc 0
[ "$(wc -l <"$OUT")" = 10 ] || _fail "tail -n 10 printed $(wc -l <"$OUT") lines"
jq -se 'map(.value) == ["1","2","3","4","5","6","7","8","9","10"] and .[0].key == "key"' "$OUT" >/dev/null ||
	_fail "tail values"
run tail lagtopic --from -3 -n 3
expect_out '0/9 key 10'
run tail lagtopic --from end --idle 500ms
expect_rc 0
run --bootstrap 127.0.0.1:1 tail lagtopic -n 1 --idle 1s
[ "$RC" != 0 ] || _fail "tail against a closed port succeeded"

# ---- logger -------------------------------------------------------------------------------------
run logger set kcops.worker DEBUG
expect_rc 0
rest GET /admin/loggers/kcops.worker
[ "$(jq -r .level <<<"$HTTP_BODY")" = DEBUG ] || kc_fail "logger set not applied"
run logger get kcops.worker -o json
jq_check '.["kcops.worker"].level == "DEBUG"' "logger get"
run logger set kcops.worker LOUD
expect_rc 2

# ---- contexts, --context, read-only -------------------------------------------------------------
export KCOPS_CONFIG=$T/ctx/config.json
run context list
expect_rc 0
run context add dev --url "$URL" --bootstrap-servers "$WORKER_BOOTSTRAP"
expect_rc 0
expect_out 'context/dev added (current)'
run context add prod-ro --url "$URL" --read-only --header 'X-Team: ops'
expect_rc 0
run context add dev --url "$URL"
expect_rc 1
expect_err 'exists'
run context list -o json
jq_check 'map(.name) == ["dev", "prod-ro"] and .[0].current == true and .[1].read_only == true' "context list"
[ "$(stat -c %a "$KCOPS_CONFIG")" = 600 ] || kc_fail "contexts file is not mode 0600"
env -u KCOPS_URL "$KCOPS" get connectors -o names >"$T/o" || kc_fail "current context not used"
grep -q cron-a "$T/o" || kc_fail "listing through the current context"
env -u KCOPS_URL "$KCOPS" --context prod-ro pause cron-a 2>"$T/e" && kc_fail "read-only context paused"
grep -q "is read-only" "$T/e" || kc_fail "read-only refusal message: $(cat "$T/e")"
env -u KCOPS_URL KCOPS_CONTEXT=prod-ro "$KCOPS" get connectors -o names >/dev/null ||
	kc_fail "read-only context refuses a read"
env -u KCOPS_URL KCOPS_CONTEXT=prod-ro "$KCOPS" delete cron-a 2>/dev/null && kc_fail "KCOPS_CONTEXT read-only delete"
env -u KCOPS_URL "$KCOPS" --read-only stop cron-a 2>/dev/null && kc_fail "--read-only stop"
await_state cron-a RUNNING
env -u KCOPS_URL "$KCOPS" --context nope get connectors 2>"$T/e" && kc_fail "unknown context"
grep -q "no context named 'nope'" "$T/e" || kc_fail "unknown context message"
run context use prod-ro
expect_out 'context/prod-ro is now current'
run context current
expect_out_eq 'prod-ro'
run context current -o json
jq_check '.current == "prod-ro"' "context current json"
run context show -o json
jq_check '.read_only == true and .headers["X-Team"] == "ops"' "context show"
run context remove prod-ro
expect_rc 0
run context current
expect_rc 1
env -u KCOPS_URL "$KCOPS" --context dev lag sink-a >/dev/null || kc_fail "lag through the context's bootstrap"
run __complete contexts
expect_out_eq 'dev'
env -u KCOPS_URL "$KCOPS" --context dev __complete connectors -- cron >"$T/o"
[ "$(cat "$T/o")" = $'cron b\ncron-a\ncron-c' ] || kc_fail "live connector completion: $(cat "$T/o")"
# bash completion, as bash runs it: commands, then live connector names of the current context
(
	PATH=$(dirname "$KCOPS"):$PATH
	export KCOPS_CONTEXT=dev
	complete() { :; }
	. <("$KCOPS" completion bash)
	COMP_WORDS=(kcops pau); COMP_CWORD=1; _kcops
	[ "${COMPREPLY[*]}" = pause ] || kc_fail "completion of 'pau': ${COMPREPLY[*]}"
	COMP_WORDS=(kcops pause cron); COMP_CWORD=2; _kcops
	[ "${COMPREPLY[*]}" = 'cron\ b cron-a cron-c' ] || kc_fail "completion of connectors: ${COMPREPLY[*]}"
	COMP_WORDS=(kcops get ''); COMP_CWORD=2; _kcops
	[ "${COMPREPLY[*]}" = "connectors tasks plugins loggers offsets topics workers" ] || kc_fail "completion after get: ${COMPREPLY[*]}"
) || exit 1
# zsh completion, with compadd stubbed (skipped where zsh is not installed)
if command -v zsh >/dev/null; then
	PATH=$(dirname "$KCOPS"):$PATH KCOPS_CONTEXT=dev zsh -c '
		compadd() { print -r -- "$*"; }
		_files() { print files; }
		source "$1" >/dev/null
		words=(kcops pause ""); CURRENT=3; _kcops
		words=(kcops get ""); CURRENT=3; _kcops
		words=(kcops ""); CURRENT=2; _kcops
	' zsh <("$KCOPS" completion zsh) >"$T/zsh.out" 2>&1 || kc_fail "zsh completion: $(cat "$T/zsh.out")"
	grep -qF -- '-Q -- cron\ b cron-a cron-c sink-a' "$T/zsh.out" || kc_fail "zsh connector completion: $(cat "$T/zsh.out")"
	grep -qx 'connectors tasks plugins loggers offsets topics workers' "$T/zsh.out" || kc_fail "zsh get completion"
	[ "$(grep -c ' apply ' "$T/zsh.out")" = 1 ] || kc_fail "zsh command completion: $(cat "$T/zsh.out")"
fi
# the shipped copies of the completion scripts are current
"$KCOPS" completion bash | cmp -s - "$KCOPS_SOURCE_ROOT/docs/completion/kcops.bash" ||
	kc_fail "docs/completion/kcops.bash differs from 'kcops completion bash'"
"$KCOPS" completion zsh | cmp -s - "$KCOPS_SOURCE_ROOT/docs/completion/_kcops" ||
	kc_fail "docs/completion/_kcops differs from 'kcops completion zsh'"
# the man page renders without warnings
w=$(groff -man -Tutf8 -ww -z "$KCOPS_SOURCE_ROOT/docs/kcops.1" 2>&1)
[ -z "$w" ] || kc_fail "docs/kcops.1: $w"
unset KCOPS_CONFIG
export KCOPS_CONFIG=$T/no-such-config.json

# ---- delete, wait ------------------------------------------------------------------------------
run delete cron-c "cron b"
expect_rc 0
rest GET /connectors/cron-c
[ "$HTTP_CODE" = 404 ] || kc_fail "delete: cron-c still there"
run wait cron-c --for deleted --wait-timeout 5s
expect_rc 0
run wait
expect_rc 0
expect_out 'is answering'
run wait -o json
jq_check '.met == true and .url == "'"$URL"'"' "wait json"
run wait sink-a --for stopped -o json
expect_rc 0
jq_check '.met == true and .connectors == ["sink-a"]' "wait json with names"
run delete -e '.'
expect_rc 0
rest GET /connectors
[ "$HTTP_BODY" = "[]" ] || kc_fail "delete -e . left $HTTP_BODY"
run get connectors
expect_rc 0
expect_err 'No connectors found.'
run pause -e 'nothing-matches'
expect_rc 1
expect_err "no connector matches -e 'nothing-matches'"

# ---- a worker that is down -------------------------------------------------------------------
kc_dead_port
port=$KC_DEAD_PORT
RC2=0
KCOPS_URL=http://127.0.0.1:$port "$KCOPS" get connectors 2>"$T/e" || RC2=$?
[ "$RC2" = 1 ] || kc_fail "unreachable worker: exit $RC2"
grep -q "cannot reach http://127.0.0.1:$port" "$T/e" || kc_fail "unreachable message: $(cat "$T/e")"
# a worker that accepts connections but never answers (hung): wait keeps its deadline
"$KC_PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/hung.port" &
hung_pid=$!
kc_on_exit "kill $hung_pid"
for ((i = 0; i < 100; i++)); do [ -s "$T/hung.port" ] && break; sleep 0.05; done
t0=$(date +%s%N)
KCOPS_URL=http://127.0.0.1:$(cat "$T/hung.port") "$KCOPS" wait --wait-timeout 2s 2>"$T/e" &&
	kc_fail "wait on a hung worker succeeded"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 6000 ] || kc_fail "wait --wait-timeout 2s took $ms ms on a hung worker"
grep -q "no answer from" "$T/e" || kc_fail "hung worker message: $(cat "$T/e")"
kill "$hung_pid" 2>/dev/null || true
# failover: the first URL is down, the second answers
KCOPS_URL="http://127.0.0.1:$port,$URL" "$KCOPS" info -o json >"$T/o" || kc_fail "failover to the second URL"
jq -e '.url == "'"$URL"'"' "$T/o" >/dev/null || kc_fail "failover used $(jq -r .url "$T/o")"
echo "ok: every command against kcops-worker"
