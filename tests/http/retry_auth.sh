#!/bin/bash
# retry_auth.sh - against the stateful test server: fail N times then succeed, Retry-After in
# seconds and as an HTTP date (honoured, capped, delaying only that request), 429 without
# Retry-After, retries exhausted; OAuth2 client credentials with expiring tokens (refresh
# on a 401, discovery through a well-known URL, client_secret_post); basic and bearer auth,
# static headers, generated request ids; the rate limiter.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

tsrv_start --token-ttl 2 --hide-expiry
T=$TSRV_URL
worker_start
sv='"connector.class":"kcops.http.HttpSinkConnector","publish.mode":"PRODUCER",
 "value.converter":"org.apache.kafka.connect.storage.StringConverter",
 "key.converter":"org.apache.kafka.connect.storage.StringConverter"'
conn_create r1 "{$sv,\"topics\":\"in-r1\",\"producer.success.topic\":\"r1-ok\",
 \"producer.error.topic\":\"r1-err\",\"retry.policy.retries\":\"3\",
 \"retry.policy.retry.delay.in.ms\":\"100\",\"retry.policy.retry.delay.factor\":\"2\",
 \"retry.policy.retry.jitter.in.ms\":\"0\",
 \"retry.policy.retry.after.max.threshold.in.sec\":\"1\"}"
conn_create oa "{$sv,\"topics\":\"in-oa\",\"producer.success.topic\":\"oa-ok\",
 \"producer.error.topic\":\"oa-err\",\"retry.policy.retries\":\"0\",
 \"httpclient.authentication.oauth2.client.credentials.flow.activate\":\"true\",
 \"httpclient.authentication.oauth2.client.credentials.flow.token.url\":\"$T/token\",
 \"httpclient.authentication.oauth2.client.credentials.flow.client.id\":\"cid\",
 \"httpclient.authentication.oauth2.client.credentials.flow.client.secret\":\"secret\"}"
conn_create ow "{$sv,\"topics\":\"in-ow\",\"producer.success.topic\":\"ow-ok\",
 \"producer.error.topic\":\"ow-err\",\"retry.policy.retries\":\"0\",
 \"httpclient.authentication.oauth2.client.credentials.flow.activate\":\"true\",
 \"httpclient.authentication.oauth2.client.credentials.flow.well.known.url\":\"$T/.well-known/openid-configuration\",
 \"httpclient.authentication.oauth2.client.credentials.flow.client.authentication.method\":\"client_secret_post\",
 \"httpclient.authentication.oauth2.client.credentials.flow.client.id\":\"cid\",
 \"httpclient.authentication.oauth2.client.credentials.flow.client.secret\":\"secret\"}"
conn_create en "{$sv,\"topics\":\"in-en\",\"producer.success.topic\":\"en-ok\",
 \"producer.error.topic\":\"en-err\",
 \"enrich.request.static.header.names\":\"X-Env,X-Team\",
 \"enrich.request.static.header.X-Env\":\"test\",\"enrich.request.static.header.X-Team\":\"ops\",
 \"enrich.request.generate.missing.request.id\":\"true\",
 \"enrich.request.generate.missing.correlation.id\":\"true\",
 \"httpclient.authentication.basic.activate\":\"true\",
 \"httpclient.authentication.basic.username\":\"u\",
 \"httpclient.authentication.basic.password\":\"p w\"}"
conn_create be "{$sv,\"topics\":\"in-be\",\"producer.success.topic\":\"be-ok\",
 \"producer.error.topic\":\"be-err\",\"httpclient.authentication.bearer.token\":\"s3cr3t\"}"
conn_create rl "{$sv,\"topics\":\"in-rl\",\"producer.success.topic\":\"rl-ok\",
 \"producer.error.topic\":\"rl-err\",\"rate.limiter.max.executions\":\"5\",
 \"rate.limiter.period.in.ms\":\"1000\"}"
for c in r1 oa ow en be rl; do wait_task_state $c RUNNING; done

{
printf 'a\t{"url":"%s/flaky/a?fail=2&status=503"}\n' "$T"
printf 'b\t{"url":"%s/flaky/b?fail=1&status=429&retry_after=1"}\n' "$T"
printf 'c\t{"url":"%s/flaky/c?fail=1&status=503&retry_after=date%%2B2"}\n' "$T"
printf 'd\t{"url":"%s/flaky/d?fail=1&status=429&retry_after=100"}\n' "$T"
printf 'e\t{"url":"%s/flaky/e?fail=9&status=503"}\n' "$T"
printf 'f\t{"url":"%s/flaky/f?fail=1&status=429"}\n' "$T"
printf 'g\t{"url":"%s/flaky/g?fail=1&status=400"}\n' "$T"
printf 'ok\t{"url":"%s/ok"}\n' "$T"
} | produce in-r1
wait_topic_count r1-ok 6 30 >/dev/null
wait_topic_count r1-err 2 30 >/dev/null
ALL=$(topic_dump r1-ok; topic_dump r1-err)
rec() { awk -F'\t' -v k="$1" '$1 == k { print $3 }' <<<"$ALL"; }
att() { jqv "$(rec "$1")" .attempts; }
overall() { jqv "$(rec "$1")" .timings.overallElapsedTime; }
between() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || kc_fail "$1: $2 not within [$3, $4]"; }
expect_eq "fail twice then succeed" "$(att a)/$(jqv "$(rec a)" .success)" 3/true
between "backoff 100+200 ms" "$(overall a)" 280 2000
expect_eq "429 Retry-After seconds" "$(att b)/$(jqv "$(rec b)" .success)" 2/true
between "Retry-After: 1 honoured" "$(overall b)" 950 3000
expect_eq "503 Retry-After date" "$(att c)/$(jqv "$(rec c)" .success)" 2/true
between "Retry-After date honoured" "$(overall c)" 900 3500
expect_eq "Retry-After capped" "$(att d)/$(jqv "$(rec d)" .success)" 2/true
between "Retry-After 100 capped at 1 s" "$(overall d)" 950 3000
expect_eq "retries exhausted" "$(att e)/$(jqv "$(rec e)" .success)" 4/false
expect_eq "retries exhausted status" "$(jqv "$(rec e)" .httpResponse.statusCode)" 503
expect_eq "429 without Retry-After" "$(att f)/$(jqv "$(rec f)" .success)" 2/true
expect_eq "400 not retried" "$(att g)/$(jqv "$(rec g)" .success)" 1/false
between "others not delayed" "$(overall ok)" 0 500
expect_eq "server saw e 4 times" "$(tsrv_calls /flaky/e)" 4

# OAuth2: tokens live 2 s and the client is not told: the first request after expiry gets
# a 401, the sink refreshes the token once and repeats the request
for i in 1 2 3; do printf 'o%d\t{"url":"%s/protected"}\n' $i "$T"; done | produce in-oa
wait_topic_count oa-ok 3 >/dev/null
sleep 2.5
for i in 4 5 6; do printf 'o%d\t{"url":"%s/protected"}\n' $i "$T"; done | produce in-oa
wait_topic_count oa-ok 6 >/dev/null
expect_eq "no oauth failures" "$(topic_dump oa-err | wc -l)" 0
S=$(curl -s "$T/stats")
[ "$(jqv "$S" .tokens_issued)" -ge 2 ] || kc_fail "expected a token refresh: $S"
[ "$(jqv "$S" .unauthorized)" -ge 1 ] || kc_fail "expected a 401 before the refresh: $S"
[ "$(metric oa auth_refreshes)" -ge 2 ] || kc_fail "auth_refreshes metric"
# discovery + client_secret_post
printf 'w\t{"url":"%s/protected"}\n' "$T" | produce in-ow
wait_topic_count ow-ok 1 >/dev/null

# static headers, generated ids, basic auth; bearer token
printf 'h\t{"url":"%s/echo","headers":{"X-Team":["mine"]}}\n' "$T" | produce in-en
printf 'h\t{"url":"%s/echo"}\n' "$T" | produce in-be
wait_topic_count en-ok 1 >/dev/null
wait_topic_count be-ok 1 >/dev/null
e=$(topic_dump en-ok | cut -f3 | jq -r .httpResponse.bodyAsString)
expect_eq "static header" "$(jqv "$e" '.headers["X-Env"]')" test
expect_eq "request header wins" "$(jqv "$e" '.headers["X-Team"]')" mine
jqv "$e" '.headers["X-Request-ID"]' | kc_grepq -E '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ||
	kc_fail "generated X-Request-ID: $(jqv "$e" '.headers["X-Request-ID"]')"
[ "$(jqv "$e" '.headers["X-Correlation-ID"]')" != null ] || kc_fail "no X-Correlation-ID"
expect_eq "basic auth" "$(jqv "$e" '.headers.Authorization')" "Basic $(printf 'u:p w' | base64)"
topic_dump en-ok | cut -f3 | jq -r '.httpRequest.headers | keys[]' | kc_grepq Authorization &&
	kc_fail "credentials leaked into the exchange"
e=$(topic_dump be-ok | cut -f3 | jq -r .httpResponse.bodyAsString)
expect_eq "bearer" "$(jqv "$e" '.headers.Authorization')" "Bearer s3cr3t"

# rate limiter: 5 per second, 11 requests take about 2 s
for i in $(seq 1 11); do printf 'r%d\t{"url":"%s/ok"}\n' $i "$T"; done | produce in-rl
wait_topic_count rl-ok 11 >/dev/null
span=$(topic_dump rl-ok | cut -f3 | jq -s '[.[].moment | sub("\\.[0-9]+Z$"; "Z") | fromdate] | max - min')
between "rate limited span (s)" "$span" 1 3
[ "$(metric rl rate_limited)" -ge 5 ] || kc_fail "rate_limited metric"
worker_stop
echo "retry_auth: ok"
