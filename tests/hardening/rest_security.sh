#!/usr/bin/env bash
# tests/hardening/rest_security.sh - the worker REST API's TLS, authentication and limits.
#
# Starts kcops-worker with an http:// and an https:// listener (a throwaway CA and server
# certificate made with openssl), rest.auth.file holding one token and one basic user (hashes
# made with kcops-worker --hash-token / --hash-password), and small limits; then checks:
#   TLS: curl --cacert, the kcops CLI with a context naming the CA, refusal without the CA;
#        mutual TLS (client.auth=required) with a good, a missing and a foreign client cert
#   auth: no/bad/good token, basic user, wrong password, unknown user, 401 body and
#        WWW-Authenticate; reload on file change (mtime) and on SIGHUP; a broken file keeps
#        the previous credentials
#   limits: 414, 431, 413 (Content-Length and chunked), 415, slowloris cut (408), the
#        connection limit; every error is Connect's JSON shape with no internal detail
#   start-up errors: https:// without a certificate, a bad key, client.auth without a CA.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KCOPS_WORKER=${KCOPS_WORKER:-$KCOPS_BUILD_ROOT/backend/worker/kcops-worker}
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
command -v openssl >/dev/null || kc_fail "openssl is needed to make test certificates"

kc_tmpdir
T=$KC_TMP_LAST
checks=0
ok() { checks=$((checks + 1)); }

# ---- certificates -----------------------------------------------------------------------
mkcert() {	# mkcert NAME CA-NAME CN [server]
	local name=$1 ca=$2 cn=$3 ext=$T/$1.ext
	openssl req -newkey rsa:2048 -nodes -keyout "$T/$name.key" -out "$T/$name.csr" \
		-subj "/CN=$cn" 2>/dev/null || kc_fail "openssl req $name"
	if [ "${4:-}" = server ]; then
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$ext"
	else
		printf 'extendedKeyUsage=clientAuth\n' >"$ext"
	fi
	openssl x509 -req -in "$T/$name.csr" -CA "$T/$ca.pem" -CAkey "$T/$ca.key" \
		-CAcreateserial -out "$T/$name.pem" -days 2 -extfile "$ext" 2>/dev/null ||
		kc_fail "openssl x509 $name"
}
for ca in ca rogue; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$ca.key" -out "$T/$ca.pem" \
		-days 2 -subj "/CN=kcops test $ca" 2>/dev/null || kc_fail "openssl CA $ca"
done
mkcert server ca 127.0.0.1 server
mkcert client ca ops-client
mkcert intruder rogue intruder

# ---- credentials ------------------------------------------------------------------------
TOKEN=tok-$RANDOM-$RANDOM-secret
printf '%s\n' "$TOKEN" | "$KCOPS_WORKER" --hash-token ci >"$T/auth" || kc_fail "--hash-token failed"
printf 'pa:ss word\n' | "$KCOPS_WORKER" --hash-password alice >>"$T/auth" ||
	kc_fail "--hash-password failed"
grep -q "^token ci sha256:[0-9a-f]\{64\}$" "$T/auth" || kc_fail "token line: $(cat "$T/auth")"
grep -q '^user alice \$' "$T/auth" || kc_fail "user line: $(cat "$T/auth")"
grep -q -- "$TOKEN\|pa:ss" "$T/auth" && kc_fail "a secret was written to the auth file"
chmod 600 "$T/auth"
ok

# ---- worker -----------------------------------------------------------------------------
W_PID=
start_worker() {	# start_worker OUTFILE ARGS...: sets W_PID, waits for the listening lines
	local out=$1 n i
	shift
	n=$(grep -o 'https\?://' <<<"$*" | wc -l)
	"$KCOPS_WORKER" --embedded-kafka "$@" >"$out" 2>"$out.err" &
	W_PID=$!
	kc_on_exit "kill $W_PID 2>/dev/null; wait $W_PID"
	for ((i = 0; i < 400; i++)); do
		[ "$(grep -c '^kcops-worker listening on' "$out")" -ge "$n" ] && return 0
		kill -0 "$W_PID" 2>/dev/null || { cat "$out.err" >&2; kc_fail "kcops-worker exited: $*"; }
		sleep 0.025
	done
	cat "$out.err" >&2
	kc_fail "kcops-worker printed no URL within 10 s"
}

start_worker "$T/w1.out" --set "state.dir=$T/s1" \
	--set 'listeners=http://127.0.0.1:0,https://127.0.0.1:0' \
	--set "listeners.https.ssl.certificate.location=$T/server.pem" \
	--set "listeners.https.ssl.key.location=$T/server.key" \
	--set "rest.auth.file=$T/auth" --set rest.request.timeout.ms=3000 \
	--set rest.max.connections=4 --set rest.threads=1 \
	--set rest.request.header.max.bytes=4096 --set rest.request.max.bytes=65536 \
	--set rest.advertised.listener=https
W1=$W_PID
H=$(sed -n 's|^kcops-worker listening on \(http://.*\)|\1|p' "$T/w1.out")
S=$(sed -n 's|^kcops-worker listening on \(https://.*\)|\1|p' "$T/w1.out")
[ -n "$H" ] && [ -n "$S" ] || kc_fail "expected an http and an https URL: $(cat "$T/w1.out")"
AUTH="Authorization: Bearer $TOKEN"

# Clean shutdown (under ASan this is where leaks and errors would be reported).
stop_worker() {	# stop_worker PID ERRFILE
	local rc=0
	kill -TERM "$1"
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || { tail -20 "$2" >&2; kc_fail "kcops-worker exited with $rc after SIGTERM"; }
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2" | head -40 >&2
		kc_fail "sanitizer report in $2"
	fi
	ok
}

# req NAME CURL-ARGS...: sets CODE, BODY, HDRS
req() {
	local name=$1
	shift
	CODE=$(curl -s -o "$T/body" -D "$T/hdrs" -w '%{http_code}' --max-time 10 "$@") || true
	BODY=$(cat "$T/body")
	HDRS=$(cat "$T/hdrs")
}
expect() {	# expect CODE WHAT
	[ "$CODE" = "$1" ] || kc_fail "$2: expected HTTP $1, got $CODE: $BODY"
	ok
}
# Connect's error shape, and nothing a client should not see.
expect_json_error() {	# expect_json_error CODE WHAT
	expect "$1" "$2"
	"$KC_PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert set(d) == {"error_code", "message"}, d
assert d["error_code"] == int(sys.argv[2]), d
assert isinstance(d["message"], str) and d["message"], d
' "$BODY" "$1" || kc_fail "$2: not Connect's JSON error shape: $BODY"
	grep -qi 'content-type: application/json' <<<"$HDRS" || kc_fail "$2: not application/json"
	if grep -Eq '<html|/tmp/|/home/|0x[0-9a-f]{6}|\.c:[0-9]|kw_|segfault' <<<"$BODY"; then
		kc_fail "$2: the error leaks internal detail: $BODY"
	fi
}

# ---- TLS --------------------------------------------------------------------------------
req tls --cacert "$T/ca.pem" -H "$AUTH" "$S/"
expect 200 "GET / over https with the CA"
grep -q '"version"' <<<"$BODY" || kc_fail "GET / over https: $BODY"
curl -s -o /dev/null --max-time 5 -H "$AUTH" "$S/" && kc_fail "https without the CA was accepted"
rc=0; curl -s -o /dev/null --max-time 5 -H "$AUTH" "$S/" || rc=$?
[ "$rc" = 60 ] || kc_fail "https without the CA: curl exit $rc, expected 60 (certificate problem)"
ok
rc=0; curl -s -o /dev/null --max-time 5 "${S/https:/http:}/" || rc=$?
[ "$rc" != 0 ] || kc_fail "plain http on the https listener was answered"
req http -H "$AUTH" "$H/"
expect 200 "GET / on the http listener of the same worker"
req wid -H "$AUTH" "$H/kcops/v1/worker"
grep -q "\"worker_id\":\"127.0.0.1:${S##*:}\"" <<<"$BODY" ||
	kc_fail "worker_id should be the https listener (rest.advertised.listener=https): $BODY"
ok

cat >"$T/contexts.json" <<EOF
{ "contexts": {
  "tls":    { "url": "$S", "tls": { "ca_file": "$T/ca.pem" },
              "auth": { "type": "bearer", "token_file": "$T/token" } },
  "basic":  { "url": "$S", "tls": { "ca_file": "$T/ca.pem" },
              "auth": { "type": "basic", "username": "alice", "password_file": "$T/pw" } },
  "noca":   { "url": "$S", "auth": { "type": "bearer", "token_file": "$T/token" } },
  "nocred": { "url": "$S", "tls": { "ca_file": "$T/ca.pem" } } } }
EOF
printf '%s\n' "$TOKEN" >"$T/token"
printf 'pa:ss word\n' >"$T/pw"
chmod 600 "$T/contexts.json" "$T/token" "$T/pw"
export KCOPS_CONFIG=$T/contexts.json
code=$(curl -s -o "$T/body" -w "%{http_code}" --cacert "$T/ca.pem" -H "$AUTH" -H "Content-Type: application/json" \
	-X POST --data-binary '{"name":"sec-probe","config":{"connector.class":"kcops.http.HttpCronSourceConnector","topic":"t","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 0 1 1 ? 2097"}}' \
	"$S/connectors")
[ "$code" = 201 ] || kc_fail "create over https: $code $(cat "$T/body")"
for c in tls basic; do
	out=$("$KCOPS" --context "$c" get connectors -o names 2>&1) || kc_fail "kcops --context $c: $out"
	grep -qx 'sec-probe' <<<"$out" || kc_fail "kcops --context $c: expected sec-probe, got: $out"
	ok
done
out=$("$KCOPS" --context noca get connectors 2>&1) && kc_fail "kcops without the CA succeeded: $out"
grep -qi 'certificate' <<<"$out" || kc_fail "kcops without the CA: unclear error: $out"
out=$("$KCOPS" --context nocred get connectors 2>&1) && kc_fail "kcops without credentials succeeded"
grep -q '401' <<<"$out" || kc_fail "kcops without credentials: expected a 401 error, got: $out"
ok

# ---- authentication ---------------------------------------------------------------------
req none "$H/connectors"
expect 401 "no credentials"
[ "$BODY" = "User cannot access the resource." ] || kc_fail "401 body (Connect's text): $BODY"
grep -qi '^content-type: text/plain' <<<"$HDRS" || kc_fail "401 is not text/plain: $HDRS"
grep -qi '^www-authenticate: basic realm=' <<<"$HDRS" || kc_fail "401 without Basic challenge"
grep -qi '^www-authenticate: bearer realm=' <<<"$HDRS" || kc_fail "401 without Bearer challenge"
req badtok -H "Authorization: Bearer ${TOKEN}x" "$H/connectors"
expect 401 "wrong token"
req tok -H "$AUTH" "$H/connectors"
expect 200 "good token"
req tokcase -H "Authorization: bearer $TOKEN" "$H/connectors"
expect 200 "good token, scheme in lower case"
req basic -u 'alice:pa:ss word' "$H/connectors"
expect 200 "basic user (password with ':' and a space)"
req basic2 -u 'alice:pa:ss word' "$H/connectors"
expect 200 "basic user again (cached check)"
req badpw -u 'alice:pa:ss wordx' "$H/connectors"
expect 401 "basic user, wrong password"
req nouser -u 'mallory:pa:ss word' "$H/connectors"
expect 401 "unknown basic user"
req garbage -H 'Authorization: Basic %%%not-base64' "$H/connectors"
expect 401 "malformed basic credentials"
req post -X POST -H 'Content-Type: application/json' --data-binary '{}' "$H/connectors"
expect 401 "POST without credentials"

# A flood of made-up passwords: slow checks are budgeted (rest.auth.password.checks.per.second,
# default 10 with a burst of 10); the rest are answered 429 at once. How many get through
# depends on how fast crypt runs here, so the check is the budget itself: at most
# 10 + 10/s x the flood's duration were checked (401). A token keeps working meanwhile.
pids=()
t0=$(date +%s%N)
for ((i = 0; i < 30; i++)); do
	curl -s -o "$T/flood.$i" -D "$T/flood.$i.h" -w '%{http_code}' --max-time 20 \
		-u "alice:guess-$i" "$H/" >"$T/flood.$i.code" &
	pids+=($!)
done
req during -H "$AUTH" "$H/"
expect 200 "token during a password flood"
for p in "${pids[@]}"; do wait "$p" || true; done
ms=$((($(date +%s%N) - t0) / 1000000))
n429=0 n401=0
for ((i = 0; i < 30; i++)); do
	case $(cat "$T/flood.$i.code") in
	429) n429=$((n429 + 1)) ;;
	401) n401=$((n401 + 1)) ;;
	*) kc_fail "password flood: request $i got $(cat "$T/flood.$i.code")" ;;
	esac
done
[ "$n401" -le $((10 + 10 * ms / 1000 + 2)) ] ||
	kc_fail "password flood: $n401 passwords checked in $ms ms, over the budget of 10/s"
kc_note "password flood: $n401 checked (401), $n429 refused at once (429) in $ms ms"
ok
sleep 1.1	# let the budget refill for the checks below

# Reload on change (no signal): a new token works within ~1 s of the file changing.
TOKEN2=second-$RANDOM-token
printf '%s\n' "$TOKEN2" | "$KCOPS_WORKER" --hash-token deploy >>"$T/auth"
for ((i = 0; i < 60; i++)); do
	req tok2 -H "Authorization: Bearer $TOKEN2" "$H/"
	[ "$CODE" = 200 ] && break
	sleep 0.1
done
expect 200 "token added to rest.auth.file (reload on change)"
# SIGHUP: the first token commented out takes effect at once. Same size, inode and mtime,
# so only the signal can make the worker notice.
cp -p "$T/auth" "$T/auth.ref"
sed 's/^token ci /#oken ci /' "$T/auth.ref" >"$T/auth.new"
cp "$T/auth.new" "$T/auth"
touch -r "$T/auth.ref" "$T/auth"
req still -H "$AUTH" "$H/"
expect 200 "an edit the worker cannot see yet (no SIGHUP)"
kill -HUP "$W1"
for ((i = 0; i < 40; i++)); do
	req gone -H "$AUTH" "$H/"
	[ "$CODE" = 401 ] && break
	sleep 0.05
done
expect 401 "token removed from the file, then SIGHUP"
req tok2b -H "Authorization: Bearer $TOKEN2" "$H/"
expect 200 "remaining token after SIGHUP"
# A broken file is refused; the credentials in force stay.
cp "$T/auth" "$T/auth.good"
echo 'token broken sha256:nothex' >>"$T/auth"
kill -HUP "$W1"
for ((i = 0; i < 40; i++)); do
	grep -q 'keeping the previous credentials' "$T/w1.out.err" && break
	sleep 0.05
done
grep -q "auth:[0-9]*: token broken" "$T/w1.out.err" ||
	kc_fail "a broken auth file was not reported with its line: $(tail -3 "$T/w1.out.err")"
req kept -H "Authorization: Bearer $TOKEN2" "$H/"
expect 200 "credentials kept after a broken reload"
cp "$T/auth.good" "$T/auth"
kill -0 "$W1" || kc_fail "the worker died during reloads"

# ---- limits -----------------------------------------------------------------------------
AUTH="Authorization: Bearer $TOKEN2"	# the first token was retired above
big=$(head -c 5000 /dev/zero | tr '\0' a)
req hdr -H "$AUTH" -H "X-Padding: $big" "$H/"
expect_json_error 431 "headers over rest.request.header.max.bytes"
req uri -H "$AUTH" "$H/connectors/$big"
expect_json_error 414 "URI over rest.request.header.max.bytes"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big.json"
req body -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$H/connectors"
expect_json_error 413 "body over rest.request.max.bytes (Content-Length)"
req chunked -H "$AUTH" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big.json" "$H/connectors"
expect_json_error 413 "body over rest.request.max.bytes (chunked)"
req ctype -H "$AUTH" -H 'Content-Type: text/plain' --data-binary '{}' "$H/connectors"
expect_json_error 415 "POST with a non-JSON Content-Type"
req ctype2 -H "$AUTH" -X PUT -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary 'a=b' "$H/connectors/sec-probe/config"
expect_json_error 415 "PUT with a form Content-Type"
req ctype3 -H "$AUTH" -H 'Content-Type: application/json; charset=utf-8' --data-binary '{}' \
	"$H/connectors"
expect_json_error 400 "POST with application/json; charset=utf-8 reaches the handler"
req notfound -H "$AUTH" "$H/no/such/path"
expect_json_error 404 "unknown path"
req badjson -H "$AUTH" -H 'Content-Type: application/json' --data-binary '{"name":' "$H/connectors"
[ "$CODE" -ge 400 ] || kc_fail "malformed JSON accepted"
expect_json_error "$CODE" "malformed JSON"

# Slowloris: one header byte every 0.4 s is cut off after rest.request.timeout.ms (3 s).
"$KC_PY" - "${H#http://}" <<'EOF' || kc_fail "slowloris check failed"
import socket, sys, time, json
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
cut = None
try:
    for i in range(40):
        s.sendall(b"X-Slow-%d: y\r\n" % i)
        time.sleep(0.4)
except OSError:
    cut = time.time() - t0
s.settimeout(5)
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
if cut is None:
    cut = time.time() - t0
if cut > 9:
    sys.exit("slow client was not cut off (%.1f s)" % cut)
if cut < 2.5:
    sys.exit("slow client cut too early (%.1f s < rest.request.timeout.ms)" % cut)
if data:	# plain http gets a 408 before the close
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 408"):
        sys.exit("expected 408, got %r" % data[:200])
    d = json.loads(body)
    assert d["error_code"] == 408, d
print("# slowloris cut after %.1f s (%s)" % (cut, "408 sent" if data else "closed"))
EOF
ok
req alive -H "$AUTH" "$H/"
expect 200 "worker answers after the slowloris"

# Connection limit: 4 idle connections fill rest.max.connections; a 5th request waits
# until one closes, then is served.
"$KC_PY" - "${H#http://}" "$TOKEN2" <<'EOF' || kc_fail "connection limit check failed"
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
hold = [socket.create_connection((host, int(port))) for _ in range(4)]
time.sleep(0.3)
t = socket.create_connection((host, int(port)))
t.settimeout(1.0)
t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % sys.argv[2].encode())
try:
    got = t.recv(100)
    sys.exit("a 5th connection was served over rest.max.connections=4: %r" % got)
except socket.timeout:
    pass
hold[0].close()
t.settimeout(5)
got = t.recv(100)
if not got.startswith(b"HTTP/1.1 200"):
    sys.exit("5th connection after one closed: %r" % got)
print("# 5th connection held until a slot freed, then served")
EOF
ok

# ---- mutual TLS ---------------------------------------------------------------------------
# (also a password budget of 1 check a second, for a certain 429)
cp "$T/server.pem" "$T/w2.pem"
cp "$T/server.key" "$T/w2.key"
start_worker "$T/w2.out" --set "state.dir=$T/s2" --set 'listeners=https://127.0.0.1:0' \
	--set "listeners.https.ssl.certificate.location=$T/w2.pem" \
	--set "listeners.https.ssl.key.location=$T/w2.key" \
	--set "listeners.https.ssl.ca.location=$T/ca.pem" \
	--set listeners.https.ssl.client.auth=required \
	--set "rest.auth.file=$T/auth" --set rest.auth.password.checks.per.second=1
W2=$W_PID
S2=$(sed -n 's|^kcops-worker listening on ||p' "$T/w2.out")
MTLS=(--cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key")
req mtls "${MTLS[@]}" -H "$AUTH" "$S2/"
expect 200 "mutual TLS with a client certificate from the CA, and a token"
req mtls-notoken "${MTLS[@]}" "$S2/"
expect 401 "mutual TLS with a good client certificate but no credentials"
# Back-to-back made-up passwords with a budget of 1/s: the second or third is refused.
got429=
for i in 1 2 3; do
	req guess "${MTLS[@]}" -u "mallory:guess-$i" "$S2/"
	if [ "$CODE" = 429 ]; then got429=1; break; fi
	expect 401 "made-up password $i"
done
[ -n "$got429" ] || kc_fail "3 back-to-back password guesses with a budget of 1/s: no 429"
expect_json_error 429 "password check over the budget"
grep -qi '^retry-after: 1' <<<"$HDRS" || kc_fail "429 without Retry-After"
req mtls-none --cacert "$T/ca.pem" "$S2/"
expect 401 "mutual TLS without a client certificate"
req mtls-rogue --cacert "$T/ca.pem" --cert "$T/intruder.pem" --key "$T/intruder.key" "$S2/"
expect 401 "mutual TLS with a client certificate from another CA"
grep -q 'TLS client refused: client certificate not signed' "$T/w2.out.err" ||
	kc_fail "the foreign client certificate was not logged"
cat >"$T/contexts2.json" <<EOF
{ "contexts": { "mtls": { "url": "$S2", "auth": { "type": "bearer", "token_file": "$T/token2" },
  "tls": { "ca_file": "$T/ca.pem", "cert_file": "$T/client.pem", "key_file": "$T/client.key" } } } }
EOF
printf '%s\n' "$TOKEN2" >"$T/token2"
chmod 600 "$T/token2"
chmod 600 "$T/contexts2.json"
out=$(KCOPS_CONFIG=$T/contexts2.json "$KCOPS" --context mtls get connectors 2>&1) ||
	kc_fail "kcops with a client certificate: $out"
ok

# ---- certificate rotation: SIGHUP installs the new files, a broken one is refused ----------
subject() { curl -sv --max-time 10 --cacert "$T/ca.pem" "${MTLS[@]:2}" -H "$AUTH" -o /dev/null "$S2/" 2>&1 |
	sed -n 's/^\*  *subject: //p'; }
grep -q 'rotated' <<<"$(subject)" && kc_fail "subject before rotation: $(subject)"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$T/rotated.ext"
openssl req -newkey rsa:2048 -nodes -keyout "$T/rot.key" -out "$T/rot.csr" \
	-subj "/O=rotated/CN=127.0.0.1" 2>/dev/null || kc_fail "openssl req rotated"
openssl x509 -req -in "$T/rot.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-out "$T/rot.pem" -days 2 -extfile "$T/rotated.ext" 2>/dev/null || kc_fail "openssl x509 rotated"
cp "$T/rot.pem" "$T/w2.pem"
cp "$T/rot.key" "$T/w2.key"
kill -HUP "$W2"
for ((i = 0; i < 40; i++)); do
	grep -q 'rotated' <<<"$(subject)" && break
	sleep 0.05
done
grep -q 'O *= *rotated' <<<"$(subject)" || kc_fail "certificate not rotated by SIGHUP: $(subject)"
ok
echo 'not a certificate' >"$T/w2.pem"
kill -HUP "$W2"
for ((i = 0; i < 40; i++)); do
	grep -q 'TLS certificate not reloaded' "$T/w2.out.err" && break
	sleep 0.05
done
grep -q 'TLS certificate not reloaded' "$T/w2.out.err" || kc_fail "a broken certificate was not reported"
grep -q 'O *= *rotated' <<<"$(subject)" || kc_fail "after a broken reload: $(subject)"
ok

# ---- Connect's PEM keystore/truststore names ---------------------------------------------
cat "$T/server.key" "$T/server.pem" >"$T/keystore.pem"
start_worker "$T/w3.out" --set "state.dir=$T/s3w" --set 'listeners=https://127.0.0.1:0' \
	--set listeners.https.ssl.keystore.type=PEM \
	--set "listeners.https.ssl.keystore.location=$T/keystore.pem" \
	--set listeners.https.ssl.truststore.type=PEM \
	--set "listeners.https.ssl.truststore.location=$T/ca.pem" \
	--set listeners.https.ssl.client.auth=required
W3=$W_PID
S3=$(sed -n 's|^kcops-worker listening on ||p' "$T/w3.out")
req pemstore "${MTLS[@]}" "$S3/"
expect 200 "PEM keystore (key + chain in one file) and PEM truststore"
req pemstore-nocert --cacert "$T/ca.pem" "$S3/"
expect 401 "PEM truststore: client without a certificate"
stop_worker "$W3" "$T/w3.out.err"

# ---- start-up errors ----------------------------------------------------------------------
bad_start() {	# bad_start WANT-IN-MESSAGE ARGS...
	local want=$1 rc=0
	shift
	"$KCOPS_WORKER" --embedded-kafka --set "state.dir=$T/s3" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
	[ "$rc" = 2 ] || kc_fail "kcops-worker $*: exit $rc, expected 2 ($(cat "$T/bad.err"))"
	grep -q -- "$want" "$T/bad.err" || kc_fail "kcops-worker $*: message lacks '$want': $(cat "$T/bad.err")"
	grep -q 'listening on' "$T/bad.out" && kc_fail "kcops-worker $*: listened despite the error"
	ok
}
bad_start 'listeners.https.ssl.certificate.location' --set 'listeners=https://127.0.0.1:0'
bad_start 'listeners.https.ssl.key.location=' --set 'listeners=https://127.0.0.1:0' \
	--set "listeners.https.ssl.certificate.location=$T/server.pem" \
	--set "listeners.https.ssl.key.location=$T/missing.key"
bad_start 'listeners.https.ssl.certificate.location=' --set 'listeners=https://127.0.0.1:0' \
	--set "listeners.https.ssl.certificate.location=$T/server.pem" \
	--set "listeners.https.ssl.key.location=$T/client.key"
bad_start 'needs listeners.https.ssl.ca.location' --set listeners.https.ssl.client.auth=required
bad_start 'rest.auth.file' --set "rest.auth.file=$T/missing-auth"
bad_start 'rest.request.timeout.ms=abc' --set rest.request.timeout.ms=abc
bad_start 'only http:// and https://' --set 'listeners=ftp://127.0.0.1:0'
bad_start 'reads PEM files only' --set 'listeners=https://127.0.0.1:0' \
	--set "listeners.https.ssl.keystore.location=$T/store.jks"

stop_worker "$W1" "$T/w1.out.err"
stop_worker "$W2" "$T/w2.out.err"

echo "# rest_security: $checks checks passed"
