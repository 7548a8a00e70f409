#!/usr/bin/env bash
# cli_errors.sh - kcops-worker's command line and configuration errors: each names what is
# wrong, exits 2 (usage/config) or 1 (runtime), and never starts half-way.
. "$(dirname "$0")/../lib/worker.sh"
kc_tmpdir; D=$KC_TMP_LAST
W=$KCOPS_WORKER
expect() {	# expect RC PATTERN -- ARGS...
	local rc=$1 pat=$2 got=0
	shift 3
	timeout -s KILL 10 "$W" "$@" >"$D/out" 2>"$D/err" </dev/null || got=$?
	[ "$got" = "$rc" ] || kc_fail "kcops-worker $*: exit $got, expected $rc; stderr: $(cat "$D/err")"
	grep -qF -- "$pat" "$D/err" || kc_fail "kcops-worker $*: stderr lacks '$pat': $(cat "$D/err")"
	if grep -q 'listening on' "$D/out"; then kc_fail "kcops-worker $*: started listening despite the error"; fi
}
printf 'bootstrap.server=127.0.0.1:9092\n' >"$D/typo.properties"
printf 'listeners=http://127.0.0.1:0\nplugin.path=/opt/connectors\nstate.dir=%s/s1\n' "$D" >"$D/ok.properties"
printf 'bad line \\u12\n' >"$D/broken.properties"
expect 2 'did you mean "bootstrap.servers"' -- "$D/typo.properties"
expect 2 'did you mean "listeners"' -- --set listners=http://127.0.0.1:0
expect 2 'expected key=value' -- --set novalue
expect 2 'unknown option --bogus' -- --bogus
expect 2 'only one properties file' -- "$D/ok.properties" "$D/typo.properties"
expect 2 "$D/missing.properties" -- "$D/missing.properties"
expect 2 'broken.properties' -- "$D/broken.properties"
expect 2 'session.timeout.ms' -- --set consumer.session.timeout.ms=abc --set "state.dir=$D/s0"
expect 2 'security.protocol' -- --set security.protocol=bogus --set "state.dir=$D/s0"
expect 2 'log.level' -- --set log.level=LOUD
expect 2 'listeners.https.ssl.certificate.location' -- --set listeners=https://127.0.0.1:0 --set "state.dir=$D/s0"
expect 2 'bad port' -- --set listeners=http://127.0.0.1:99999 --set "state.dir=$D/s0"
# a properties file with an ignored key starts (with a warning); a second worker on the
# same state.dir or the same port is refused
"$W" "$D/ok.properties" >"$D/w1.out" 2>"$D/w1.err" &
p1=$!
kc_on_exit "kill $p1; wait $p1"
for ((i = 0; i < 200; i++)); do grep -q 'listening on' "$D/w1.out" && break; sleep 0.05; done
url=$(sed -n 's/^kcops-worker listening on //p' "$D/w1.out")
[ -n "$url" ] || kc_fail "worker with ok.properties did not start: $(cat "$D/w1.err")"
grep -q 'plugin.path does not apply' "$D/w1.err" || kc_fail "no warning for plugin.path: $(cat "$D/w1.err")"
expect 1 'in use by another kcops-worker' -- "$D/ok.properties"
expect 1 'cannot listen' -- --set "listeners=$url" --set "state.dir=$D/s2"
# --demo creates the demo connector; rest.advertised.* set the worker_id
WORKER_STATE_DIR=
worker_start --demo --set rest.advertised.host.name=worker-a.example --set rest.advertised.port=18083
for ((i = 0; i < 100; i++)); do
	kc_http GET "$WORKER_URL/connectors/demo-cron/status"
	[ "$HTTP_CODE" = 200 ] && [ "$(kc_json '[t["state"] for t in j["tasks"]]')" = '["RUNNING"]' ] && break
	sleep 0.1
done
[ "$(kc_json 'j["connector"]["worker_id"]')" = worker-a.example:18083 ] || kc_fail "--demo / advertised worker_id: $HTTP_BODY"
[ "$(kc_json '[t["state"] for t in j["tasks"]]')" = '["RUNNING"]' ] || kc_fail "demo connector not running: $HTTP_BODY"
worker_stop
"$W" --help | kc_grepq 'usage: kcops-worker' || kc_fail "--help"
"$W" --version | kc_grepq '^kcops-worker 0.1.0' || kc_fail "--version"
kill -TERM $p1; wait $p1 || kc_fail "worker exited non-zero on SIGTERM"
echo "cli_errors: all checks passed"
