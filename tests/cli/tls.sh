#!/bin/bash
# tests/cli/tls.sh - transport options against a real TLS peer: nginx terminating TLS (with
# an optional client certificate) in front of the replayed 3.9 worker. Checks that the
# certificate is verified (refused without the CA, accepted with ca_file or insecure), that a
# client certificate/key is presented, and that bearer tokens and custom headers arrive.
. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
. "$KCOPS_SOURCE_ROOT/tests/cli/lib.sh"
command -v openssl >/dev/null || kc_fail "openssl is needed"

replay_start connect-3.9-failed-task.json
C=$T/certs
mkdir -p "$C"
(
	cd "$C"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=kcops test CA" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out server.pem -days 2 -extfile san.ext >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
		-subj "/CN=ops" >/dev/null 2>&1
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out client.pem -days 2 >/dev/null 2>&1
) || kc_fail "openssl could not make test certificates"
nginx_start "
	listen 127.0.0.1:@PORT1@ ssl;
	ssl_certificate $C/server.pem;
	ssl_certificate_key $C/server.key;
	ssl_client_certificate $C/ca.pem;
	ssl_verify_client optional;
	location /connectors/orders-sink {
		if (\$ssl_client_verify != SUCCESS) { return 401 'client certificate required'; }
		proxy_pass $URL;
	}
	location / { proxy_pass $URL; }
"
TLS_PORT=${NGINX_PORTS[1]}
TLS_URL=https://127.0.0.1:$TLS_PORT

export KCOPS_CONFIG=$T/config.json
run context add tls-none --url "$TLS_URL"
expect_rc 0
run context add tls-ca --url "$TLS_URL" --ca-file "$C/ca.pem" --token-env KC_TOKEN -H 'X-Team: ops'
expect_rc 0
run context add tls-insecure --url "$TLS_URL" --insecure
run context add tls-mtls --url "$TLS_URL" --ca-file "$C/ca.pem" --cert-file "$C/client.pem" --key-file "$C/client.key"

# The system trust store does not know the test CA: refused, and the message says why.
env -u KCOPS_URL "$KCOPS" --context tls-none get connectors >"$T/o" 2>"$T/e" && kc_fail "TLS without the CA succeeded"
grep -qiE "certificate|SSL" "$T/e" || kc_fail "TLS failure message: $(cat "$T/e")"
# With the CA file: works, and the bearer token and header reach the worker.
log_reset
KC_TOKEN=s3cr3t env -u KCOPS_URL "$KCOPS" --context tls-ca get connectors -o names >"$T/o" 2>"$T/e" ||
	kc_fail "TLS with ca_file: $(cat "$T/e")"
grep -qx orders-sink "$T/o" || kc_fail "TLS listing: $(cat "$T/o")"
expect_log_auth 'GET /connectors?expand=status&expand=info' 'Bearer s3cr3t'
expect_log_header 'GET /connectors?expand=status&expand=info' 'X-Team' 'ops'
env -u KCOPS_URL "$KCOPS" --context tls-ca get connectors 2>"$T/e" && kc_fail "bearer token without KC_TOKEN"
grep -q "KC_TOKEN is not set" "$T/e" || kc_fail "missing token message: $(cat "$T/e")"
# insecure skips verification.
env -u KCOPS_URL "$KCOPS" --context tls-insecure get connectors -o names >/dev/null 2>"$T/e" ||
	kc_fail "TLS insecure: $(cat "$T/e")"
# A path that needs a client certificate: refused without, served with cert/key.
KC_TOKEN=x env -u KCOPS_URL "$KCOPS" --context tls-ca describe orders-sink >/dev/null 2>"$T/e" &&
	kc_fail "client-certificate path answered without a certificate"
grep -q "client certificate required (HTTP 401)" "$T/e" || kc_fail "401 text: $(cat "$T/e")"
env -u KCOPS_URL "$KCOPS" --context tls-mtls describe orders-sink >"$T/o" 2>"$T/e" ||
	kc_fail "mutual TLS: $(cat "$T/e")"
grep -q 'Name:      orders-sink' "$T/o" || kc_fail "mutual TLS describe output"
echo "ok: TLS, client certificates, bearer tokens and headers"
