#!/bin/bash
# sink_producer.sh - HTTP sink in PRODUCER mode against nginx and the stateful test server:
# every body type, status codes (success, retried 5xx, non-retried 4xx), every transport
# error kind (refused, dns, tls, timeout with the POST/GET retry rule, protocol, too_large),
# bad records (invalid JSON, no url, oversized body, null value), response truncation,
# redirects, key / headers / provenance carried over, templates, content=response and pojo
# names. Results read back with kcat.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

nginx_start 'location /ok { return 200 "{\"ok\":true}"; }
	location /fail { return 500 "{\"broken\":true}"; }
	location / { return 404 "{\"nf\":true}"; }'
tsrv_start
worker_start
N=$NGINX_URL T=$TSRV_URL
LONG=$(printf 'a%.0s' {1..70})

common='"value.converter":"org.apache.kafka.connect.storage.StringConverter",
 "key.converter":"org.apache.kafka.connect.storage.StringConverter",
 "retry.policy.retries":"1","retry.policy.retry.delay.in.ms":"50",
 "retry.policy.retry.jitter.in.ms":"0","http.request.timeout.ms":"800",
 "http.connect.timeout.ms":"2000"'
conn_create p1 "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"in-p1\",
 \"publish.mode\":\"PRODUCER\",\"producer.success.topic\":\"p1-ok\",
 \"producer.error.topic\":\"p1-err\",\"http.response.max.bytes\":\"10000\",
 \"http.response.message.body.limit\":\"1000\",\"http.request.max.bytes\":\"2000\",$common}"
conn_create p2 "{\"connector.class\":\"io.github.clescot.kafka.connect.http.sink.HttpSinkConnector\",
 \"topics\":\"in-p2\",\"publish.mode\":\"PRODUCER\",\"producer.success.topic\":\"p2-ok\",
 \"producer.error.topic\":\"p2-err\",\"producer.content\":\"response\",
 \"request.template.url\":\"$T/echo/\${key}/\${value.id}\",\"request.template.method\":\"put\",
 \"request.template.headers\":\"X-Topic: \${topic}, X-Name: \${value.name}\",$common}"
conn_create p3 "{\"connector.class\":\"kcops.http.HttpSinkConnector\",\"topics\":\"in-p3\",
 \"publish.mode\":\"PRODUCER\",\"producer.success.topic\":\"p3-ok\",
 \"producer.error.topic\":\"p3-err\",\"exchange.field.names\":\"pojo\",
 \"http.transport.error.status.code\":\"599\",\"retry.policy.retries\":\"0\",
 \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
[ -n "${HTTP_TEST_DEBUG:-}" ] && kc_http PUT "$WORKER_URL/admin/loggers/kcops.worker.http" "{\"level\":\"DEBUG\"}"
wait_task_state p1 RUNNING
wait_task_state p2 RUNNING
wait_task_state p3 RUNNING

produce in-p1 <<REC
k-string	{"url":"$T/echo","method":"POST","headers":{"X-A":["1","2"],"X-B":"bare"},"bodyType":"STRING","bodyAsString":"hello","attributes":{"tenant":"t1"}}
k-form	{"url":"$T/echo","method":"POST","bodyAsForm":{"a":"1","b":"x y"}}
k-bytes	{"url":"$T/echo","method":"POST","bodyType":"BYTE_ARRAY","bodyAsByteArray":"AAEC/w=="}
k-multi	{"url":"$T/echo","method":"POST","parts":{"f":{"bodyAsString":"part-one"}}}
k-get	{"url":"$N/ok"}
k-put	{"url":"$T/echo","method":"put","bodyAsString":"p"}
k-env	{"schema":{"type":"struct"},"payload":{"url":"$N/ok","method":"GET"}}
k-trunc	{"url":"$T/big?bytes=3000"}
k-redirect	{"url":"$T/redirect?to=/ok"}
k-500	{"url":"$N/fail"}
k-404	{"url":"$N/nothing"}
k-badjson	not json
k-nourl	{"method":"GET"}
k-null	
k-refused	{"url":"http://127.0.0.1:1/x"}
k-dns	{"url":"http://$LONG.invalid/x"}
k-tls	{"url":"https://127.0.0.1:$NGINX_PORT/ok"}
k-tpost	{"url":"$T/slow?ms=3000","method":"POST","bodyAsString":"x"}
k-tget	{"url":"$T/slow?ms=3000"}
k-drop	{"url":"$T/drop"}
k-big	{"url":"$T/big?bytes=20000"}
k-reqbig	{"url":"$T/echo","method":"POST","bodyAsString":"$(printf 'b%.0s' {1..3000})"}
REC
printf 'k-hdr\t{"url":"%s/ok"}\n' "$N" | kcat -P -b "$WORKER_BOOTSTRAP" -t in-p1 -K $'\t' -H trace=abc
printf 'key7\t{"id":7,"name":"Zoë"}\n' | produce in-p2
printf 'kr\t{"url":"http://127.0.0.1:1/"}\nkg\t{"url":"%s/ok"}\n' "$N" | produce in-p3

wait_topic_count p1-ok 10 60 >/dev/null
wait_topic_count p1-err 12 60 >/dev/null
OK=$(topic_dump p1-ok)
ERR=$(topic_dump p1-err)
rec() { printf '%s\n%s\n' "$OK" "$ERR" | awk -F'\t' -v k="$1" '$1 == k { print $3 }'; }
hdr() { printf '%s\n%s\n' "$OK" "$ERR" | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }
expect_eq "p1-ok count" "$(wc -l <<<"$OK")" 10
expect_eq "p1-err count" "$(wc -l <<<"$ERR")" 12

# bodies as the server received them (the echo answer is in the exchange)
echo_of() { jqv "$(rec "$1")" '.httpResponse.bodyAsString' ; }
e=$(echo_of k-string)
expect_eq "string body" "$(jqv "$e" .body)" "$(printf hello | base64)"
expect_eq "string method" "$(jqv "$e" .method)" POST
expect_eq "multi-valued header" "$(jqv "$e" '.headers["X-A"]')" "1, 2"
expect_eq "bare-string header" "$(jqv "$e" '.headers["X-B"]')" bare
expect_eq "attributes kept" "$(jqv "$(rec k-string)" .httpRequest.attributes.tenant)" t1
e=$(echo_of k-form)
expect_eq "form body" "$(jqv "$e" .body | base64 -d)" "a=1&b=x+y"
expect_eq "form content type" "$(jqv "$e" '.headers["Content-Type"]')" application/x-www-form-urlencoded
expect_eq "bytes body" "$(jqv "$(echo_of k-bytes)" .body)" "AAEC/w=="
jqv "$(echo_of k-multi)" .body | base64 -d | kc_grepq 'name="f"' || kc_fail "multipart part missing"
jqv "$(echo_of k-multi)" '.headers["Content-Type"]' | kc_grepq '^multipart/form-data; boundary=' ||
	kc_fail "multipart content type"
expect_eq "put method" "$(jqv "$(echo_of k-put)" .method)" PUT
expect_eq "default GET" "$(jqv "$(rec k-get)" .httpRequest.method)" GET
expect_eq "GET status" "$(jqv "$(rec k-get)" .httpResponse.statusCode)" 200
expect_eq "GET body" "$(jqv "$(rec k-get)" .httpResponse.bodyAsString)" '{"ok":true}'
expect_eq "envelope" "$(jqv "$(rec k-env)" .httpResponse.statusCode)" 200
expect_eq "success flag" "$(jqv "$(rec k-get)" .success)" true
jqv "$(rec k-get)" .moment | kc_grepq -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$' ||
	kc_fail "moment format: $(jqv "$(rec k-get)" .moment)"
expect_eq "timings" "$(jqv "$(rec k-get)" '.timings | has("directElapsedTime")')" true
expect_eq "truncated flag" "$(jqv "$(rec k-trunc)" '.attributes["x.truncated"]')" true
expect_eq "truncated length" "$(jqv "$(rec k-trunc)" '.httpResponse.bodyAsString | length')" 1000
expect_eq "redirect followed" "$(jqv "$(rec k-redirect)" .httpResponse.statusCode)" 200
# provenance, key and input headers
hdr k-get | kc_grepq 'kcops.input.topic=in-p1' || kc_fail "provenance topic: $(hdr k-get)"
hdr k-get | kc_grepq 'kcops.input.offset=' || kc_fail "provenance offset"
hdr k-hdr | kc_grepq 'trace=abc' || kc_fail "input headers not carried: $(hdr k-hdr)"
# failures
chk() {	# KEY STATUS ATTEMPTS KIND
	[ -n "${HTTP_TEST_DEBUG:-}" ] && echo "$1: $(rec "$1" | cut -c1-600)" >&2
	local r; r=$(rec "$1")
	[ -n "$r" ] || kc_fail "$1: no exchange"
	expect_eq "$1 success" "$(jqv "$r" .success)" false
	expect_eq "$1 status" "$(jqv "$r" .httpResponse.statusCode)" "$2"
	expect_eq "$1 attempts" "$(jqv "$r" .attempts)" "$3"
	expect_eq "$1 kind" "$(jqv "$r" '.attributes["x.error.kind"] // "-"')" "$4"
}
chk k-500 500 2 -
chk k-404 404 1 -
chk k-badjson 400 0 invalid_request
chk k-nourl 400 0 invalid_request
chk k-reqbig 400 0 too_large
chk k-refused 400 2 connect_refused
chk k-dns 400 2 dns
chk k-tls 400 1 tls
chk k-tpost 400 1 timeout
chk k-tget 400 2 timeout
chk k-drop 400 2 protocol
[ -n "${HTTP_TEST_DEBUG:-}" ] && grep -i "big" "$WORKER_LOG" >&2
chk k-big 400 1 too_large
jqv "$(rec k-nourl)" .httpResponse.statusMessage | kc_grepq 'url: missing' || kc_fail "nourl message"
expect_eq "throwable.class" "$(jqv "$(rec k-refused)" '.httpResponse.headers["throwable.class"][0]')" curl:7
# null value skipped and counted, nothing left pending, task alive
M=$(curl -s "$WORKER_URL/kcops/v1/connectors/p1/metrics")
expect_eq "skipped null" "$(jqv "$M" .tasks[\"0\"].skipped_null)" 1
expect_eq "bad records" "$(jqv "$M" .tasks[\"0\"].bad_records)" 3
expect_eq "p1 still running" "$(task_state p1)" RUNNING

# p2: templates + content=response
wait_topic_count p2-ok 1 30 >/dev/null
r=$(topic_dump p2-ok | cut -f3)
expect_eq "response only" "$(jqv "$r" 'has("httpRequest")')" false
b=$(jqv "$r" .bodyAsString)
expect_eq "template url" "$(jqv "$b" .path)" /echo/key7/7
expect_eq "template method" "$(jqv "$b" .method)" PUT
expect_eq "template body" "$(jqv "$b" .body | base64 -d)" '{"id":7,"name":"Zoë"}'
expect_eq "template header" "$(jqv "$b" '.headers["X-Topic"]')" in-p2
# p3: pojo names and a distinct transport status
wait_topic_count p3-err 1 30 >/dev/null
wait_topic_count p3-ok 1 30 >/dev/null
r=$(topic_dump p3-err | cut -f3)
expect_eq "pojo names" "$(jqv "$r" '.response.statusCode')" 599
expect_eq "pojo request" "$(jqv "$r" '.request.url')" "http://127.0.0.1:1/"
# the exchange stream
X=$(curl -s "$WORKER_URL/kcops/v1/connectors/p1/exchanges?since=0")
[ "$(jqv "$X" '.exchanges | length')" -ge 20 ] || kc_fail "exchange stream: $X"
# offsets committed up to the end (every record finished)
sleep 1.5
M=$(curl -s "$WORKER_URL/kcops/v1/connectors/p1/metrics")
expect_eq "nothing pending" "$(jqv "$M" .tasks[\"0\"].pending_records)" 0
[ -n "${HTTP_TEST_DEBUG:-}" ] && grep -i "retrying" "$WORKER_LOG" >&2
worker_stop
echo "sink_producer: ok"
