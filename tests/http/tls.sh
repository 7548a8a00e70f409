#!/bin/bash
# tls.sh - HTTPS: a server certificate trusted through http.ssl.ca.location, the same
# server without the CA (tls error, not retried), with httpclient.ssl.truststore.always.trust,
# mutual TLS with a client certificate, and no redirect from https down to http.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

kc_tmpdir
PKI=$KC_TMP_LAST
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kcops-test-ca" \
	-keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$PKI/srv.key" \
	-out "$PKI/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
	-days 2 -extfile "$PKI/ext" -out "$PKI/srv.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kcops-client" -keyout "$PKI/cli.key" \
	-out "$PKI/cli.csr" 2>/dev/null
openssl x509 -req -in "$PKI/cli.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
	-days 2 -out "$PKI/cli.pem" 2>/dev/null
nginx_start "location / { return 200 '{\"plain\":true}'; } }
	server {
		listen 127.0.0.1:@PORT1@ ssl;
		ssl_certificate $PKI/srv.pem; ssl_certificate_key $PKI/srv.key;
		location /down { return 302 http://127.0.0.1:@PORT2@/; }
		location / { return 200 '{\"tls\":true}'; }
	}
	server {
		listen 127.0.0.1:@PORT2@ ssl;
		ssl_certificate $PKI/srv.pem; ssl_certificate_key $PKI/srv.key;
		ssl_client_certificate $PKI/ca.pem; ssl_verify_client on;
		location / { return 200 '{\"mtls\":true}'; }"
worker_start
TLS_PORT=${NGINX_PORTS[1]} MTLS_PORT=${NGINX_PORTS[2]}
S="https://127.0.0.1:$TLS_PORT" M="https://127.0.0.1:$MTLS_PORT"
sv='"connector.class":"kcops.http.HttpSinkConnector","publish.mode":"PRODUCER",
 "value.converter":"org.apache.kafka.connect.storage.StringConverter",
 "key.converter":"org.apache.kafka.connect.storage.StringConverter",
 "retry.policy.retries":"2","retry.policy.retry.delay.in.ms":"50"'
conn_create ca "{$sv,\"topics\":\"in-ca\",\"producer.success.topic\":\"ca-ok\",
 \"producer.error.topic\":\"ca-err\",\"http.ssl.ca.location\":\"$PKI/ca.pem\"}"
conn_create noca "{$sv,\"topics\":\"in-noca\",\"producer.success.topic\":\"noca-ok\",
 \"producer.error.topic\":\"noca-err\"}"
conn_create trust "{$sv,\"topics\":\"in-trust\",\"producer.success.topic\":\"trust-ok\",
 \"producer.error.topic\":\"trust-err\",\"httpclient.ssl.truststore.always.trust\":\"true\"}"
conn_create mtls "{$sv,\"topics\":\"in-mtls\",\"producer.success.topic\":\"mtls-ok\",
 \"producer.error.topic\":\"mtls-err\",\"http.ssl.ca.location\":\"$PKI/ca.pem\",
 \"http.ssl.certificate.location\":\"$PKI/cli.pem\",\"http.ssl.key.location\":\"$PKI/cli.key\"}"
for c in ca noca trust mtls; do wait_task_state $c RUNNING; done
printf 'a\t{"url":"%s/x"}\nd\t{"url":"%s/down"}\n' "$S" "$S" | produce in-ca
printf 'a\t{"url":"%s/x"}\n' "$S" | produce in-noca
printf 'a\t{"url":"%s/x"}\n' "$S" | produce in-trust
printf 'a\t{"url":"%s/x"}\n' "$M" | produce in-mtls
printf 'b\t{"url":"%s/x"}\n' "$M" | produce in-ca	# no client certificate

wait_topic_count ca-ok 1 >/dev/null
wait_topic_count ca-err 2 >/dev/null
r() { topic_dump "$1" | awk -F'\t' -v k="$2" '$1 == k { print $3 }'; }
expect_eq "trusted CA" "$(r ca-ok a | jq -r .httpResponse.bodyAsString)" '{"tls":true}'
expect_eq "no https->http redirect" "$(r ca-err d | jq -r '.attributes["x.error.kind"]')" protocol
expect_eq "mTLS refused without a client certificate" "$(r ca-err b | jq .httpResponse.statusCode)" 400
wait_topic_count noca-err 1 >/dev/null
x=$(r noca-err a)
expect_eq "unknown CA: tls" "$(jqv "$x" '.attributes["x.error.kind"]')" tls
expect_eq "tls not retried" "$(jqv "$x" .attempts)" 1
wait_topic_count trust-ok 1 >/dev/null
expect_eq "always.trust" "$(r trust-ok a | jq -r .httpResponse.bodyAsString)" '{"tls":true}'
wait_topic_count mtls-ok 1 >/dev/null
expect_eq "mutual TLS" "$(r mtls-ok a | jq -r .httpResponse.bodyAsString)" '{"mtls":true}'
worker_stop
echo "tls: ok"
