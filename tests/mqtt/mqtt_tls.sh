#!/usr/bin/env bash
# mqtt_tls.sh - the MQTT bridge over TLS with a user name and password: a CA and a server
# certificate made here with openssl, mosquitto with a password file and no anonymous
# access; the sink publishes over mqtts:// with mqtt.tls.ca.file, the source subscribes the
# same way; a wrong password keeps the task RUNNING, disconnected, with the broker's reason
# in the log; an untrusted CA is refused.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../streams/join_lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"

kc_tmpdir; C=$KC_TMP_LAST
chmod 755 "$C"
(
	cd "$C"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
		-subj "/CN=kcops test CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
		-subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out server.crt -days 2 -extfile san.ext 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 \
		-subj "/CN=another CA" 2>/dev/null
	touch passwd
	mosquitto_passwd -b passwd bridge 's3cret pass'
	chmod 644 ./*
) || kc_fail "cannot make test certificates"

mqtt_start "cafile $C/ca.crt" "certfile $C/server.crt" "keyfile $C/server.key" \
	"allow_anonymous false" "password_file $C/passwd"
URL=mqtts://127.0.0.1:$MQTT_PORT
SUBOPTS=(-h 127.0.0.1 -p "$MQTT_PORT" --cafile "$C/ca.crt" -u bridge -P 's3cret pass')

worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500
BS=$WORKER_BOOTSTRAP
TLS="\"mqtt.url\":\"$URL\",\"mqtt.tls.ca.file\":\"$C/ca.crt\",\"mqtt.username\":\"bridge\""

printf 'k\t{"over":"tls","n":3.45}\n' | kcat -b "$BS" -t secure -P -K '\t'
create_connector tsink "\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"topics\":\"secure\",$TLS,\"mqtt.password\":\"s3cret pass\",\"mqtt.retain\":\"true\",\"mqtt.destination\":\"t/\${key}\""
wait_running tsink
wait_metric tsink 't["records"] == 1 and t["mqtt.connected"] == 1'
out=$(timeout 10 mosquitto_sub "${SUBOPTS[@]}" -t 't/#' -v -C 1 -W 5) || kc_fail "no retained message over TLS"
[ "$out" = 't/k {"over":"tls","n":3.45}' ] || kc_fail "TLS sink: $out"

create_connector tsrc "\"connector.class\":\"kcops.mqtt.MqttSourceConnector\",$TLS,\"mqtt.password\":\"s3cret pass\",\"mqtt.selector\":\"in/#\""
wait_metric tsrc 't["mqtt.connected"] == 1'
sleep 0.3
mosquitto_pub "${SUBOPTS[@]}" -q 1 -t in/a -m '{"from":"mqtts"}'
wait_metric tsrc 't["records"] == 1'
out=$(read_topic "$BS" in_a 1 '%k\t%s\n')
[ "$out" = 'in/a	{"from":"mqtts"}' ] || kc_fail "TLS source: $out"

# wrong password: RUNNING, not connected, the broker's reason logged
create_connector badpw "\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"topics\":\"secure\",$TLS,\"mqtt.password\":\"wrong\""
sleep 2
kc_http GET "$WORKER_URL/connectors/badpw/status"
[ "$(kc_json 'j["tasks"][0]["state"]')" = RUNNING ] || kc_fail "bad password should not fail the task: $HTTP_BODY"
join_metrics badpw
[ "$(kc_json 'j["total"]["mqtt.connected"]')" = 0 ] || kc_fail "bad password connected? $HTTP_BODY"
grep -q "badpw-0: broker refused the connection" "$WORKER_LOG" || kc_fail "no refusal in the log: $(tail -5 "$WORKER_LOG")"

# a CA that did not sign the broker's certificate
create_connector badca "\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"topics\":\"secure\",\"mqtt.url\":\"$URL\",\"mqtt.tls.ca.file\":\"$C/other.crt\",\"mqtt.username\":\"bridge\",\"mqtt.password\":\"s3cret pass\""
sleep 2
join_metrics badca
[ "$(kc_json 'j["total"]["mqtt.connected"]')" = 0 ] || kc_fail "an untrusted broker certificate was accepted: $HTTP_BODY"
grep -q "badca-0: " "$WORKER_LOG" || kc_fail "no TLS failure in the log"

# validation: a key without a certificate, an unreadable CA file
kc_http PUT "$WORKER_URL/connector-plugins/MqttSinkConnector/config/validate" \
	"{\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"name\":\"x\",\"topics\":\"t\",\"mqtt.url\":\"$URL\",\"mqtt.tls.key.file\":\"$C/server.key\"}"
grep -q "go together" <<<"$HTTP_BODY" || kc_fail "key without cert: $HTTP_BODY"
kc_http PUT "$WORKER_URL/connector-plugins/MqttSinkConnector/config/validate" \
	"{\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"name\":\"x\",\"topics\":\"t\",\"mqtt.url\":\"$URL\",\"mqtt.tls.ca.file\":\"$C/nope.crt\"}"
grep -q "cannot read" <<<"$HTTP_BODY" || kc_fail "missing CA file: $HTTP_BODY"
worker_stop
echo "ok: mqtt tls"
