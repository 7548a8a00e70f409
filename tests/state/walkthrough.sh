#!/usr/bin/env bash
# tests/state/walkthrough.sh - the state-file walk-through of docs/state-file.md, as a new
# user would try it against a fresh kcops-worker: three connectors applied; one paused in the
# file, applied and seen paused; resumed; removed with --prune; re-added; a config key
# changed. Each plan must show exactly that change and nothing else.
set -euo pipefail
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"

KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
kc_tmpdir
cd "$KC_TMP_LAST"
worker_start
export KCOPS_URL=$WORKER_URL NO_COLOR=1
step() { kc_note "$*"; }

# the plan text must be exactly $1
plan_is() {
	local got rc=0
	got=$("$KCOPS" plan connectors.json) || rc=$?
	[ "$rc" = 0 ] || kc_fail "plan failed ($rc): $got"
	[ "$got" = "$1" ] || kc_fail "plan differs
--- expected
$1
--- got
$got"
}
apply_ok() {
	local out
	out=$("$KCOPS" apply connectors.json --yes "$@") || kc_fail "apply failed: $out"
	printf '%s\n' "$out" | kc_grepq '^Apply: .* 0 failed' || kc_fail "apply report: $out"
}
# STATE column of `kcops get connectors` for a name
state_seen() {
	"$KCOPS" get connectors -o json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = d if isinstance(d, list) else d.get("connectors", [])
for r in rows:
    if r.get("name") == sys.argv[1]:
        print(r.get("state", r.get("connector", {}).get("state", "?")))
' "$1"
}
wait_seen() {
	local i s
	for ((i = 0; i < 100; i++)); do
		s=$(state_seen "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.05
	done
	kc_fail "kcops get connectors shows $1 as '$s', expected $2"
}
conn() {	# name topic [state]
	printf '    { "name": "%s", %s"owner": { "name": "Demo team", "email": "demo@example.com" },\n' \
		"$1" "${3:+\"state\": \"$3\", }"
	printf '      "config": { "topic": "%s" } }' "$2"
}
write() {	# connector entries...
	local first=1 c
	{
		printf '{\n  "version": 1,\n  "require_owner": true,\n'
		printf '  "defaults": { "config": { "connector.class": "kcops.http.HttpCronSourceConnector",\n'
		printf '    "jobs": "ping", "job.ping.url": "http://127.0.0.1:9/ping", "job.ping.cron": "0 0 0 1 1 ?" } },\n'
		printf '  "connectors": [\n'
		for c in "$@"; do
			[ $first = 1 ] || printf ',\n'
			printf '%s' "$c"
			first=0
		done
		printf '\n  ]\n}\n'
	} >connectors.json
}
KEYS='    + connector.class: "kcops.http.HttpCronSourceConnector"
    + job.ping.cron: "0 0 0 1 1 ?"
    + job.ping.url: "http://127.0.0.1:9/ping"
    + jobs: "ping"'

step "1. a file with three connectors: validate, plan, apply"
write "$(conn orders orders)" "$(conn billing billing)" "$(conn audit audit)"
"$KCOPS" validate connectors.json >/dev/null || kc_fail "validate failed"
plan_is "+ create  orders (running)
$KEYS
    + topic: \"orders\"
+ create  billing (running)
$KEYS
    + topic: \"billing\"
+ create  audit (running)
$KEYS
    + topic: \"audit\"

Plan: 3 to create."
apply_ok
for c in orders billing audit; do wait_seen $c RUNNING; done
plan_is "No changes: the cluster matches connectors.json."

step "2. pause billing in the file"
write "$(conn orders orders)" "$(conn billing billing paused)" "$(conn audit audit)"
plan_is "~ pause   billing (RUNNING -> PAUSED)

Plan: 1 to pause."
apply_ok
wait_seen billing PAUSED
plan_is "No changes: the cluster matches connectors.json."

step "3. resume it"
write "$(conn orders orders)" "$(conn billing billing)" "$(conn audit audit)"
plan_is "~ resume  billing (PAUSED -> RUNNING)

Plan: 1 to resume."
apply_ok
wait_seen billing RUNNING
plan_is "No changes: the cluster matches connectors.json."

step "4. remove audit from the file: left alone until --prune"
write "$(conn orders orders)" "$(conn billing billing)"
plan_is "No changes: the cluster matches connectors.json.
1 connector in the cluster is not in the file and left alone (--prune or prune rules delete them)."
got=$("$KCOPS" plan connectors.json --prune)
[ "$got" = "- delete  audit (--prune)

Plan: 1 to delete." ] || kc_fail "prune plan: $got"
apply_ok --prune
[ "$(state_seen audit)" = "" ] || kc_fail "audit is still listed"
plan_is "No changes: the cluster matches connectors.json."

step "5. re-add audit"
write "$(conn orders orders)" "$(conn billing billing)" "$(conn audit audit)"
plan_is "+ create  audit (running)
$KEYS
    + topic: \"audit\"

Plan: 1 to create."
apply_ok
wait_seen audit RUNNING
plan_is "No changes: the cluster matches connectors.json."

step "6. change one config key"
write "$(conn orders orders-v2)" "$(conn billing billing)" "$(conn audit audit)"
plan_is "~ update  orders (1 key)
    ~ topic: \"orders\" -> \"orders-v2\"

Plan: 1 to update."
apply_ok
got=$("$KCOPS" describe connector orders -o json)
printf '%s' "$got" | kc_grepq '"topic": *"orders-v2"' || kc_fail "describe does not show the new topic: $got"
plan_is "No changes: the cluster matches connectors.json."
kc_note "ok"
