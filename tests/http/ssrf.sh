#!/bin/bash
# ssrf.sh - the target guard (http.target.deny): off by default, a loopback target is
# reached; with the guard on it is refused as an error exchange of kind denied, not retried,
# and never reaches the server; the guard checks the address actually connected, so a
# redirect from an allowed address to a denied one is refused, and a CIDR entry denies only
# what it covers. Exchanges are read back from the error/success topics.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

# one nginx: its usual 127.0.0.1 port, plus a second port on both 127.0.0.1 and 127.0.0.2
# (all of 127/8 is loopback on Linux) whose /go redirects from either to 127.0.0.1
kc_tmpdir
D=$KC_TMP_LAST
nginx_start "listen 127.0.0.2:@PORT1@; listen 127.0.0.1:@PORT1@;
	access_log $D/access.log;
	location /go { return 302 http://127.0.0.1:\$server_port/t; }
	location /t { return 200 '{\"reached\":true}'; }"
worker_start
sv='"connector.class":"kcops.http.HttpSinkConnector","publish.mode":"PRODUCER",
 "value.converter":"org.apache.kafka.connect.storage.StringConverter",
 "key.converter":"org.apache.kafka.connect.storage.StringConverter",
 "retry.policy.retries":"3","retry.policy.retry.delay.in.ms":"50"'
mk() {	# mk NAME [DENY]
	conn_create "$1" "{$sv,\"topics\":\"in-$1\",\"producer.success.topic\":\"$1-ok\",
	 \"producer.error.topic\":\"$1-err\"${2:+,\"http.target.deny\":\"$2\"}}"
}

# a bad entry is refused at validation, naming it
kc_http PUT "$WORKER_URL/connector-plugins/HttpSinkConnector/config/validate" \
	"{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"name\":\"v\",\"topics\":\"x\",\"http.target.deny\":\"loopback, 10.0.0.0/33\"}"
expect_eq "validation errors" "$(jqv "$HTTP_BODY" .error_count)" 1
jqv "$HTTP_BODY" '.configs[].value | select(.name == "http.target.deny") | .errors[0]' |
	grep -q "10.0.0.0/33" || kc_fail "validation does not name the bad entry: $HTTP_BODY"

mk open
mk guard "loopback,private,link-local"
mk cidr "127.0.0.1/32"
for c in open guard cidr; do wait_task_state $c RUNNING; done
P2=${NGINX_PORTS[1]}
U1=$NGINX_URL U2=http://127.0.0.2:$P2
printf 'direct\t{"url":"%s/t"}\nredir\t{"url":"%s/go"}\n' "$U1" "$U2" | produce in-open
printf 'direct\t{"url":"%s/t"}\nother\t{"url":"%s/t"}\n' "$U1" "$U2" | produce in-guard
printf 'direct\t{"url":"%s/t"}\nredir\t{"url":"%s/go"}\n' "$U2" "$U2" | produce in-cidr

wait_topic_count open-ok 2 60 >/dev/null
wait_topic_count guard-err 2 60 >/dev/null
wait_topic_count cidr-ok 1 60 >/dev/null
wait_topic_count cidr-err 1 60 >/dev/null
r() { topic_dump "$1" | awk -F'\t' -v k="$2" '$1 == k { print $3 }'; }

# guard off (the default): loopback is reached, the redirect is followed
expect_eq "open direct" "$(r open-ok direct | jq -r .httpResponse.bodyAsString)" '{"reached":true}'
expect_eq "open redirect" "$(r open-ok redir | jq -r .httpResponse.bodyAsString)" '{"reached":true}'

# guard on: both loopback addresses refused, once each, as kind denied
for k in direct other; do
	ex=$(r guard-err $k)
	[ -n "$ex" ] || kc_fail "guard: no error exchange for $k"
	expect_eq "guard $k kind" "$(jqv "$ex" '.httpResponse.headers["throwable.class"][0]')" kcops:denied
	expect_eq "guard $k attempts" "$(jqv "$ex" .attempts)" 1
	jqv "$ex" .httpResponse.statusMessage | kc_grepq "refused by http.target.deny (loopback)" ||
		kc_fail "guard $k: message $(jqv "$ex" .httpResponse.statusMessage)"
done
[ -z "$(topic_dump guard-ok)" ] || kc_fail "guard: a denied request succeeded: $(topic_dump guard-ok)"

# CIDR: 127.0.0.2 is allowed, the redirect hop to 127.0.0.1 is refused
expect_eq "cidr direct" "$(r cidr-ok direct | jq -r .httpResponse.bodyAsString)" '{"reached":true}'
ex=$(r cidr-err redir)
expect_eq "cidr redirect kind" "$(jqv "$ex" '.httpResponse.headers["throwable.class"][0]')" kcops:denied
jqv "$ex" .httpResponse.statusMessage | kc_grepq "connection to 127.0.0.1 refused by http.target.deny (127.0.0.1/32)" ||
	kc_fail "cidr redirect: message $(jqv "$ex" .httpResponse.statusMessage)"

# what nginx saw: the open connector's two /t hits (direct and after the redirect), the
# cidr connector's direct /t and its /go (whose redirect hop never arrived); no guarded one
sleep 0.5
got=$(awk '$7 == "/go" || $7 == "/t" { print $7 }' "$D/access.log" | sort | uniq -c |
	awk '{ printf "%s=%s ", $2, $1 }')
expect_eq "requests nginx served" "$got" "/go=2 /t=3 "
metric guard 'transport_errors.denied' | kc_grepq -x 2 || kc_fail "guard metrics: $(curl -s "$WORKER_URL/kcops/v1/connectors/guard/metrics")"
worker_stop
echo "ssrf: ok (guard off reached, loopback and redirect hop denied, CIDR precise)"
