#!/usr/bin/env bash
# tests/state/apply.sh - plan/apply/export of state files against a real kcops-worker.
# Every kind of change is applied, checked through the REST API, and planned again (which
# must show nothing). Also: partial failure, secrets never printed, saved plans refusing a
# changed cluster, export -> plan = no change, the flat format, Connect-side validation.
set -euo pipefail
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"

KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
[ -x "$KCOPS" ] || kc_fail "no kcops binary at $KCOPS"
kc_tmpdir
T=$KC_TMP_LAST
worker_start
K() { "$KCOPS" --url "$WORKER_URL" --no-color "$@"; }
SECRET=env-s3cret-Zq81
FSECRET=file-s3cret-Hx27
export KC_T_SECRET=$SECRET
printf '%s\n' "$FSECRET" >"$T/secret.txt"
ALL_OUT=$T/all-output.txt
: >"$ALL_OUT"

# run CMD...: run kcops, keep stdout in $OUT and stderr in $ERR, status in $RC (never fails)
run() {
	RC=0
	K "$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	cat "$T/out" "$T/err" >>"$ALL_OUT"
}
expect_rc() { [ "$RC" = "$1" ] || kc_fail "$2: exit $RC, expected $1
stdout: $OUT
stderr: $ERR"; }
expect_out() { [ "$OUT" = "$1" ] || kc_fail "$2: output differs
--- expected
$1
--- got
$OUT"; }
state_of() { kc_http GET "$WORKER_URL/connectors/$1/status"; kc_expect_code 200 "status of $1"; kc_json 'j["connector"]["state"]'; }
config_of() { kc_http GET "$WORKER_URL/connectors/$1/config"; kc_expect_code 200 "config of $1"; kc_json "j.get('$2', '<absent>')"; }
wait_state() {
	local i s
	for ((i = 0; i < 100; i++)); do
		s=$(state_of "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.05
	done
	kc_fail "$1: state $s, expected $2"
}
no_changes() {
	run plan "$1" --exit-code
	expect_rc 0 "plan after $2"
	case $OUT in "No changes: the cluster matches"*) ;; *) kc_fail "plan after $2 is not empty:
$OUT" ;; esac
}

# A state file: defaults carry the cron source settings; $1..: extra top-level JSON members.
write_state() {
	local conns=$1 extra=${2:-}
	cat >"$T/state.json" <<EOF
{ "version": 1,
  "defaults": { "config": { "connector.class": "kcops.http.HttpCronSourceConnector",
     "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" } },
  "connectors": [ $conns ] $extra }
EOF
}

kc_note "create in three initial states, with env and file secrets"
write_state '
 { "name": "alpha", "config": { "topic": "a", "api.token": "${kcops:env:KC_T_SECRET}" } },
 { "name": "beta", "state": "paused", "config": { "topic": "b", "db.password": "${kcops:file:'"$T"'/secret.txt}" } },
 { "name": "gamma", "state": "stopped", "config": { "topic": "c" } }'
run plan "$T/state.json" --exit-code
expect_rc 3 "plan with creates"
grep -q '^+ create  alpha (running)$' "$T/out" || kc_fail "no create line for alpha: $OUT"
grep -q '^+ create  beta (paused)$' "$T/out" || kc_fail "no create line for beta"
grep -q '^+ create  gamma (stopped)$' "$T/out" || kc_fail "no create line for gamma"
grep -q '^Plan: 3 to create.$' "$T/out" || kc_fail "no summary: $OUT"
run apply "$T/state.json" --yes -o json
expect_rc 0 "apply creates"
HTTP_BODY=$OUT
[ "$(kc_json 'sorted(j["added"])')" = '["alpha", "beta", "gamma"]' ] || kc_fail "report: $OUT"
wait_state alpha RUNNING
wait_state beta PAUSED
wait_state gamma STOPPED
[ "$(config_of alpha api.token)" = "$SECRET" ] || kc_fail "env secret not resolved when sent"
[ "$(config_of beta db.password)" = "$FSECRET" ] || kc_fail "file secret not resolved when sent"
no_changes "$T/state.json" "create"

kc_note "update: one key changed, one added, one removed"
write_state '
 { "name": "alpha", "config": { "topic": "a2", "api.token": "${kcops:env:KC_T_SECRET}", "tasks.max": "1" } },
 { "name": "beta", "state": "paused", "config": { "topic": "b", "db.password": "${kcops:file:'"$T"'/secret.txt}" } },
 { "name": "gamma", "state": "stopped", "config": { "topic": "c", "extra.key": "x" } }'
run plan "$T/state.json"
expect_out '~ update  alpha (2 keys)
    + tasks.max: "1"
    ~ topic: "a" -> "a2"
~ update  gamma (1 key)
    + extra.key: "x"

Plan: 2 to update.' "update plan"
run apply "$T/state.json" --yes
expect_rc 0 "apply update"
grep -q '^Apply: 0 added, 2 updated, ' "$T/out" || kc_fail "report: $OUT"
[ "$(config_of alpha topic)" = a2 ] || kc_fail "alpha topic not updated"
[ "$(config_of alpha tasks.max)" = 1 ] || kc_fail "alpha tasks.max not added"
[ "$(config_of gamma extra.key)" = x ] || kc_fail "gamma key not added"
no_changes "$T/state.json" "update"
write_state '
 { "name": "alpha", "config": { "topic": "a2", "api.token": "${kcops:env:KC_T_SECRET}" } },
 { "name": "beta", "state": "paused", "config": { "topic": "b", "db.password": "${kcops:file:'"$T"'/secret.txt}" } },
 { "name": "gamma", "state": "stopped", "config": { "topic": "c", "extra.key": "x" } }'
run plan "$T/state.json"
expect_out '~ update  alpha (1 key)
    - tasks.max: "1"

Plan: 1 to update.' "key removal plan"
run apply "$T/state.json" --yes
[ "$(config_of alpha tasks.max)" = '<absent>' ] || kc_fail "alpha tasks.max not removed"
no_changes "$T/state.json" "key removal"

kc_note "a secret value changes: shown as (sensitive) -> reference, sent resolved"
KC_T_SECRET=rotated-s3cret-P0 run plan "$T/state.json"
expect_out '~ update  alpha (1 key)
    ~ api.token: (sensitive) -> "${kcops:env:KC_T_SECRET}"

Plan: 1 to update.' "secret rotation plan"
KC_T_SECRET=rotated-s3cret-P0 run apply "$T/state.json" --yes
[ "$(config_of alpha api.token)" = rotated-s3cret-P0 ] || kc_fail "rotated secret not sent"
KC_T_SECRET=rotated-s3cret-P0 no_changes "$T/state.json" "secret rotation"
grep -q 'rotated-s3cret' "$ALL_OUT" && kc_fail "a rotated secret value was printed"
KC_T_SECRET=$SECRET run apply "$T/state.json" --yes

kc_note "state changes: pause, resume, stop"
sed -i 's/"name": "alpha", "config"/"name": "alpha", "state": "paused", "config"/;
        s/"name": "beta", "state": "paused"/"name": "beta", "state": "running"/;
        s/"name": "gamma", "state": "stopped"/"name": "gamma", "state": "stopped"/' "$T/state.json"
run plan "$T/state.json"
expect_out '~ pause   alpha (RUNNING -> PAUSED)
~ resume  beta (PAUSED -> RUNNING)

Plan: 1 to pause, 1 to resume.' "pause/resume plan"
run apply "$T/state.json" --yes -o json
HTTP_BODY=$OUT
[ "$(kc_json 'j["paused"]')" = '["alpha"]' ] || kc_fail "report paused: $OUT"
[ "$(kc_json 'j["resumed"]')" = '["beta"]' ] || kc_fail "report resumed: $OUT"
wait_state alpha PAUSED
wait_state beta RUNNING
no_changes "$T/state.json" "pause/resume"
sed -i 's/"name": "alpha", "state": "paused"/"name": "alpha", "state": "stopped"/' "$T/state.json"
run plan "$T/state.json"
expect_out '~ stop    alpha (PAUSED -> STOPPED)

Plan: 1 to stop.' "stop plan"
run apply "$T/state.json" --yes
wait_state alpha STOPPED
no_changes "$T/state.json" "stop"
sed -i 's/"name": "alpha", "state": "stopped"/"name": "alpha", "state": "running"/' "$T/state.json"
run apply "$T/state.json" --yes
wait_state alpha RUNNING
no_changes "$T/state.json" "resume from stopped"

kc_note "delete only under prune rules or --prune"
kc_http POST "$WORKER_URL/connectors" '{"name": "tmp-1", "config": {"connector.class": "kcops.http.HttpCronSourceConnector", "topic": "t", "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?"}}'
kc_expect_code 201 "create tmp-1 by hand"
kc_http POST "$WORKER_URL/connectors" '{"name": "hand-made", "config": {"connector.class": "kcops.http.HttpCronSourceConnector", "topic": "t", "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?"}}'
kc_expect_code 201 "create hand-made by hand"
run plan "$T/state.json" --exit-code
expect_rc 0 "unmanaged connectors are not changes"
grep -q '^2 connectors in the cluster are not in the file and left alone' "$T/out" || kc_fail "no unmanaged note: $OUT"
cp "$T/state.json" "$T/plain.json"
sed -i 's/\] *}$/], "prune": { "match": ["tmp-*"] } }/' "$T/state.json"
run plan "$T/state.json"
expect_out '- delete  tmp-1 (prune rule "tmp-*")

Plan: 1 to delete.
1 connector in the cluster is not in the file and left alone (--prune or prune rules delete them).' "prune plan"
run apply "$T/state.json" --yes
kc_http GET "$WORKER_URL/connectors/tmp-1"
kc_expect_code 404 "tmp-1 after prune"
no_changes "$T/state.json" "prune"
run plan "$T/plain.json" --prune
expect_out '- delete  hand-made (--prune)

Plan: 1 to delete.' "--prune plan"
run apply "$T/plain.json" --prune --yes
kc_http GET "$WORKER_URL/connectors/hand-made"
kc_expect_code 404 "hand-made after --prune"

kc_note "partial failure: one bad create does not stop the others"
write_state '
 { "name": "alpha", "config": { "topic": "a2", "api.token": "${kcops:env:KC_T_SECRET}" } },
 { "name": "beta", "config": { "topic": "b", "db.password": "${kcops:file:'"$T"'/secret.txt}" } },
 { "name": "gamma", "state": "stopped", "config": { "topic": "c", "extra.key": "x" } },
 { "name": "broken", "config": { "connector.class": "does.not.Exist", "topic": "z" } },
 { "name": "delta", "state": "paused", "config": { "topic": "d" } }'
run apply "$T/state.json" --yes -o json
expect_rc 1 "apply with a failing step"
HTTP_BODY=$OUT
[ "$(kc_json 'j["added"]')" = '["delta"]' ] || kc_fail "report added: $OUT"
[ "$(kc_json '[(f["name"], f["step"]) for f in j["failed"]]')" = '[["broken", "create"]]' ] ||
	kc_fail "report failed: $OUT"
wait_state delta PAUSED
kc_http GET "$WORKER_URL/connectors/broken"
kc_expect_code 404 "broken connector"
run apply "$T/state.json" --yes
expect_rc 1 "text report with a failure"
grep -q '^  failed: create broken: HTTP ' "$T/out" || kc_fail "text report: $OUT"

kc_note "dry run sends nothing; apply needs --yes without a terminal"
sed -i 's/"name": "delta", "state": "paused"/"name": "delta", "state": "running"/;
        /"name": "broken"/d' "$T/state.json"
run apply "$T/state.json" --dry-run -o json
expect_rc 0 "dry run"
HTTP_BODY=$OUT
[ "$(kc_json 'j["dry_run"] and j["resumed"] == ["delta"]')" = true ] || kc_fail "dry run report: $OUT"
[ "$(state_of delta)" = PAUSED ] || kc_fail "dry run changed the cluster"
run apply "$T/state.json"
expect_rc 1 "apply without --yes and no terminal"
case $ERR in *"--yes"*) ;; *) kc_fail "no hint about --yes: $ERR" ;; esac
[ "$(state_of delta)" = PAUSED ] || kc_fail "unconfirmed apply changed the cluster"

kc_note "on a terminal apply asks, and only yes proceeds"
if command -v script >/dev/null; then
	printf 'no\n' | script -qec "'$KCOPS' --url '$WORKER_URL' --no-color apply '$T/state.json'" /dev/null \
		>"$T/tty.txt" 2>&1 && kc_fail "apply answered 'no' exited 0"
	grep -q 'Apply 1 change? Only .yes. proceeds' "$T/tty.txt" || kc_fail "no question: $(cat "$T/tty.txt")"
	grep -q 'Nothing applied' "$T/tty.txt" || kc_fail "no 'Nothing applied': $(cat "$T/tty.txt")"
	[ "$(state_of delta)" = PAUSED ] || kc_fail "'no' changed the cluster"
	printf 'yes\n' | script -qec "'$KCOPS' --url '$WORKER_URL' --no-color apply '$T/state.json'" /dev/null \
		>"$T/tty.txt" 2>&1 || kc_fail "apply answered 'yes' failed: $(cat "$T/tty.txt")"
	grep -q 'Apply: 0 added, 0 updated, 0 paused, 1 resumed' "$T/tty.txt" ||
		kc_fail "report after yes: $(cat "$T/tty.txt")"
	wait_state delta RUNNING
	cat "$T/tty.txt" >>"$ALL_OUT"
	K apply "$T/state.json" --yes >/dev/null 2>&1 || true
	sed -i 's/"name": "delta", "state": "running"/"name": "delta", "state": "paused"/' "$T/state.json"
	K apply "$T/state.json" --yes >/dev/null
	wait_state delta PAUSED
	sed -i 's/"name": "delta", "state": "paused"/"name": "delta", "state": "running"/' "$T/state.json"
else
	kc_note "script(1) not installed: terminal confirmation not tested"
fi

kc_note "saved plans run as reviewed and refuse a changed cluster"
sed -i 's/"topic": "a2", "api.token"/"topic": "a3", "api.token"/' "$T/state.json"
run plan "$T/state.json" --out "$T/reviewed.plan"
expect_rc 0 "plan --out"
[ "$(stat -c %a "$T/reviewed.plan")" = 600 ] || kc_fail "plan file mode"
grep -q "$SECRET\|$FSECRET" "$T/reviewed.plan" && kc_fail "a secret value is in the saved plan"
grep -q 'kcops:env:KC_T_SECRET' "$T/reviewed.plan" || kc_fail "saved plan lost the reference"
sed -i 's/"name": "delta", "state": "running"/"name": "delta", "state": "stopped"/' "$T/state.json"
run apply "$T/reviewed.plan"
expect_rc 0 "apply PLAN"
wait_state delta RUNNING
[ "$(config_of alpha topic)" = a3 ] || kc_fail "apply PLAN did not update alpha"
[ "$(config_of alpha api.token)" = "$SECRET" ] || kc_fail "apply PLAN did not resolve the secret"
run plan "$T/state.json" --out "$T/second.plan"
kc_http PUT "$WORKER_URL/connectors/alpha/pause"
wait_state alpha PAUSED
run apply "$T/second.plan"
expect_rc 1 "apply PLAN on a changed cluster"
case $ERR in *"cluster changed since"*) ;; *) kc_fail "no refusal message: $ERR" ;; esac
[ "$(state_of delta)" = RUNNING ] || kc_fail "refused plan changed the cluster"
kc_http PUT "$WORKER_URL/connectors/alpha/resume"
wait_state alpha RUNNING
run apply "$T/state.json" --yes
wait_state delta STOPPED
no_changes "$T/state.json" "saved plans"

kc_note "export -> plan = no change"
run export --out "$T/exported.json"
expect_rc 0 "export"
grep -q "$SECRET\|$FSECRET" "$T/exported.json" && kc_fail "export wrote a secret value"
case $ERR in *KCOPS_SECRET_ALPHA_API_TOKEN*KCOPS_SECRET_BETA_DB_PASSWORD*) ;;
	*) kc_fail "export did not list the secret variables: $ERR" ;; esac
KCOPS_SECRET_ALPHA_API_TOKEN=$SECRET KCOPS_SECRET_BETA_DB_PASSWORD=$FSECRET \
	no_changes "$T/exported.json" "export"
run export --secrets mask
grep -q '"api.token": "\*\*\*\*\*\*\*\*"' "$T/out" || kc_fail "export --secrets mask: $OUT"
run export --owner "Platform team" --owner-email platform@example.com --out "$T/owned.json"
expect_rc 0 "export with owners"
grep -q '"require_owner": true' "$T/owned.json" || kc_fail "export --owner: $(head -12 "$T/owned.json")"
KCOPS_SECRET_ALPHA_API_TOKEN=$SECRET KCOPS_SECRET_BETA_DB_PASSWORD=$FSECRET \
	no_changes "$T/owned.json" "export with owners"

kc_note "flat format"
cat >"$T/flat.json" <<'EOF'
{ "connectors": [
  { "nameSpace": "sales", "connectorName": "flat-orders", "ownerName": "Sales",
    "ownerEmail": "sales@example.com", "tCode": "T1", "paused": true,
    "connectorConfig": { "connector.class": "kcops.http.HttpCronSourceConnector", "topic": "o",
      "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" },
    "connectorType": "SOURCE", "connectorStatus": "RUNNING" },
  { "nameSpace": "sales", "connectorName": "flat-refunds", "ownerName": "Sales",
    "ownerEmail": "sales@example.com", "paused": false,
    "connectorConfig": { "connector.class": "kcops.http.HttpCronSourceConnector", "topic": "r",
      "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" } } ] }
EOF
run validate "$T/flat.json" --offline
expect_rc 0 "validate flat"
run apply "$T/flat.json" --yes
expect_rc 0 "apply flat"
wait_state flat-orders PAUSED
wait_state flat-refunds RUNNING
no_changes "$T/flat.json" "flat apply"

kc_note "a worker older than 3.7 (no initial_state): created, then paused/stopped at once"
cat >"$T/old.json" <<'EOF2'
{ "version": 1,
  "defaults": { "config": { "connector.class": "kcops.http.HttpCronSourceConnector",
     "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" } },
  "connectors": [ { "name": "old-paused", "state": "paused", "config": { "topic": "op" } },
                  { "name": "old-stopped", "state": "stopped", "config": { "topic": "os" } } ] }
EOF2
KCOPS_FORCE_VERSION=3.6.0 run apply "$T/old.json" --yes -o json
expect_rc 0 "apply on a 3.6 worker"
HTTP_BODY=$OUT
[ "$(kc_json 'sorted(j["added"])')" = '["old-paused", "old-stopped"]' ] || kc_fail "report: $OUT"
wait_state old-paused PAUSED
wait_state old-stopped STOPPED
KCOPS_FORCE_VERSION=3.6.0 no_changes "$T/old.json" "apply on a 3.6 worker"

kc_note "validate with the cluster maps Connect's errors to pointers"
cat >"$T/invalid.json" <<'EOF'
{ "version": 1,
  "defaults": { "config": { "connector.class": "kcops.http.HttpCronSourceConnector" } },
  "connectors": [ { "name": "v1", "config": { "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" } },
                  { "name": "v2", "config": { "connector.class": "no.such.Plugin", "topic": "t" } } ] }
EOF
run validate "$T/invalid.json"
expect_rc 1 "validate against the cluster"
case $ERR in *'invalid.json: /connectors/0/config: topic: '*) ;; *) kc_fail "topic error not mapped: $ERR" ;; esac
case $ERR in *'invalid.json: /connectors/1/config/connector.class: Connect: HTTP '*) ;;
	*) kc_fail "unknown class not mapped: $ERR" ;; esac
run validate "$T/invalid.json" --offline
expect_rc 0 "validate --offline"

kc_note "restart of a failed task (a queue sink without a consumer fails; its consumer is resumed first)"
cat >"$T/restart.json" <<'EOF2'
{ "version": 1,
  "connectors": [
    { "name": "qsink", "config": { "connector.class": "kcops.http.HttpSinkConnector", "topics": "qin",
        "publish.mode": "IN_MEMORY_QUEUE", "queue.name": "rq", "queue.consumer.wait.ms": "2500" } },
    { "name": "qsource", "state": "stopped", "config": { "connector.class": "kcops.http.HttpQueueSourceConnector",
        "queue.name": "rq", "success.topic": "qok", "error.topic": "qerr" } } ] }
EOF2
run apply "$T/restart.json" --yes
expect_rc 0 "apply queue connectors"
task_state() { kc_http GET "$WORKER_URL/connectors/$1/status"; kc_json '",".join(t["state"] for t in j["tasks"])'; }
for ((i = 0; i < 200; i++)); do [ "$(task_state qsink)" = FAILED ] && break; sleep 0.05; done
[ "$(task_state qsink)" = FAILED ] || kc_fail "qsink task did not fail: $(task_state qsink)"
run plan "$T/restart.json"
OUT=$(printf '%s\n' "$OUT" | grep -v 'not in the file and left alone')
expect_out '~ restart qsink (failed: task 0)

Plan: 1 to restart.' "restart plan"
sed -i 's/"name": "qsource", "state": "stopped"/"name": "qsource", "state": "running"/' "$T/restart.json"
run plan "$T/restart.json"
OUT=$(printf '%s\n' "$OUT" | grep -v 'not in the file and left alone')
expect_out '~ resume  qsource (STOPPED -> RUNNING)
~ restart qsink (failed: task 0)

Plan: 1 to resume, 1 to restart.' "resume + restart plan"
run apply "$T/restart.json" --yes -o json
expect_rc 0 "apply restart"
HTTP_BODY=$OUT
[ "$(kc_json 'j["restarted"]')" = '["qsink"]' ] || kc_fail "report restarted: $OUT"
for ((i = 0; i < 100; i++)); do [ "$(task_state qsink)" = RUNNING ] && break; sleep 0.05; done
[ "$(task_state qsink)" = RUNNING ] || kc_fail "qsink task after restart: $(task_state qsink)"
no_changes "$T/restart.json" "restart"
sleep 2.7	# past queue.consumer.wait.ms: the sink keeps running now that it has a consumer
[ "$(task_state qsink)" = RUNNING ] || kc_fail "qsink task failed again: $(task_state qsink)"

kc_note "a label selector limits the plan"
cat >"$T/labels.json" <<'EOF2'
{ "version": 1,
  "defaults": { "config": { "connector.class": "kcops.http.HttpCronSourceConnector",
     "jobs": "j1", "job.j1.url": "http://127.0.0.1:9/x", "job.j1.cron": "0 0 0 1 1 ?" } },
  "connectors": [ { "name": "lab-a", "labels": { "team": "a" }, "config": { "topic": "la" } },
                  { "name": "lab-b", "labels": { "team": "b" }, "config": { "topic": "lb" } } ],
  "prune": true }
EOF2
run apply "$T/labels.json" -l team=a --yes -o json
expect_rc 0 "apply with a selector"
HTTP_BODY=$OUT
[ "$(kc_json 'j["added"] == ["lab-a"] and j["removed"] == []')" = true ] || kc_fail "selector report: $OUT"
kc_http GET "$WORKER_URL/connectors/lab-b"
kc_expect_code 404 "lab-b outside the selector"
run plan "$T/labels.json" -l team
expect_rc 2 "bad selector"

kc_note "secrets never appear in any output"
grep -q "$SECRET" "$ALL_OUT" && kc_fail "the env secret was printed"
grep -q "$FSECRET" "$ALL_OUT" && kc_fail "the file secret was printed"
kc_note "ok"
