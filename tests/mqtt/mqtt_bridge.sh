#!/usr/bin/env bash
# mqtt_bridge.sh - the MQTT bridge connectors against a real mosquitto started here and a
# worker with embedded Kafka: destination pattern tokens (${topic}, ${key}, ${key.version},
# ${value.version}, null keys), JSON values unchanged, retained values (last value per topic,
# tombstones clear), QoS 1 delivery across a broker restart (the sink pauses while it is
# away, every record arrives, offsets committed), the source's topic mapping (MQTT foo/bar
# -> Kafka foo_bar) with JSON and text payloads and a resubscribe after a broker restart,
# and config validation.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../streams/join_lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"

kc_tmpdir; T=$KC_TMP_LAST
mqtt_start
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500
BS=$WORKER_BOOTSTRAP

# retained messages under FILTER as "topic payload" lines, sorted (waits for at least MIN)
retained() {	# retained FILTER MIN
	local i out
	for ((i = 0; i < 50; i++)); do
		out=$(timeout 10 mosquitto_sub -p "$MQTT_PORT" -t "$1" -v -W 1 --retained-only 2>/dev/null | sort || true)
		[ "$(grep -c . <<<"$out")" -ge "$2" ] && break
		sleep 0.2
	done
	printf '%s\n' "$out"
}

SINK='"connector.class":"kcops.mqtt.MqttSinkConnector","mqtt.url":"'$MQTT_URL'","mqtt.retain":"true","mqtt.qos":"1"'

# ---- sink: ${topic}/${key}, JSON values unchanged, retained, tombstones ----
printf 'k1\t{"a":3.45,"n":[1,2.5]}\nk2\thello\nk1\t{"a":1}\n' | kcat -b "$BS" -t events -P -K '\t'
create_connector sink1 "$SINK,\"topics\":\"events\",\"mqtt.destination\":\"kafka/\${topic}/\${key}\""
wait_running sink1
wait_metric sink1 't["records"] == 3'
out=$(retained 'kafka/#' 2)
echo "$out"
[ "$out" = "$(printf '%s\n' 'kafka/events/k1 {"a":1}' 'kafka/events/k2 hello')" ] ||
	kc_fail "retained values (last value per topic): $out"
# a tombstone clears the retained value
printf 'k2\t\n' | kcat -b "$BS" -t events -P -K '\t' -Z
wait_metric sink1 't["records"] == 4'
out=$(retained 'kafka/#' 1)
[ "$out" = 'kafka/events/k1 {"a":1}' ] || kc_fail "tombstone should clear kafka/events/k2: $out"
# the sink's committed offsets are the acknowledged ones
kc_http GET "$WORKER_URL/connectors/sink1/offsets"
echo "offsets: $HTTP_BODY"

# ---- sink: version tokens from Connect JSON envelopes, null key ----
JS='"key.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter":"org.apache.kafka.connect.json.JsonConverter","key.converter.schemas.enable":"true","value.converter.schemas.enable":"true"'
{
	printf '%s\t%s\n' '{"schema":{"type":"string","version":3},"payload":"id-9"}' \
		'{"schema":{"type":"struct","version":5},"payload":{"price":3.45}}'
	printf '%s\t%s\n' '{"schema":{"type":"string"},"payload":"nov"}' \
		'{"schema":{"type":"struct","version":2},"payload":{"x":true}}'
	printf '%s\n' '{"schema":{"type":"struct","version":7},"payload":{"nokey":1}}'
} >"$T/versioned"
grep -v $'\t' "$T/versioned" | kcat -b "$BS" -t vt -P
grep $'\t' "$T/versioned" | kcat -b "$BS" -t vt -P -K '\t'
create_connector sink2 "$SINK,$JS,\"topics\":\"vt\",\"mqtt.destination\":\"v/\${topic}/\${key.version}/\${value.version}/\${key}\""
wait_running sink2
wait_metric sink2 't["records"] == 3'
out=$(retained 'v/#' 3)
echo "$out"
grep -qxF 'v/vt/3/5/id-9 {"price":3.45}' <<<"$out" || kc_fail "all four tokens: $out"
grep -qxF 'v/vt/${key.version}/2/nov {"x":true}' <<<"$out" || kc_fail "a key without a schema version keeps its token: $out"
grep -qxF 'v/vt/${key.version}/${value.version}/${key} {"nokey":1}' <<<"$out" ||
	kc_fail "null key: only \${topic} is substituted: $out"

# ---- sink: QoS 1 across a broker restart ----
"$KC_PY" -c "
for i in range(5000): print('%d\t{\"i\":%d}' % (i, i))" >"$T/bulk1"
"$KC_PY" -c "
for i in range(5000, 10000): print('%d\t{\"i\":%d}' % (i, i))" >"$T/bulk2"
"$KC_PY" -c "
for i in range(10000, 40000): print('%d\t{\"i\":%d}' % (i, i))" >"$T/bulk3"
kcat -b "$BS" -t bulk -P -K '\t' -l "$T/bulk1"
create_connector bulk "$SINK,\"topics\":\"bulk\",\"mqtt.destination\":\"b/\${key}\",\"mqtt.reconnect.backoff.max.ms\":\"500\""
wait_running bulk
wait_metric bulk 't["records"] == 5000'
# the broker goes away: the sink pauses (still RUNNING), nothing is lost
mqtt_stop
kcat -b "$BS" -t bulk -P -K '\t' -l "$T/bulk2"
wait_metric bulk 't["mqtt.connected"] == 0'
sleep 1
kc_http GET "$WORKER_URL/connectors/bulk/status"
[ "$(kc_json 'j["tasks"][0]["state"]')" = RUNNING ] || kc_fail "the sink should pause, not fail: $HTTP_BODY"
join_metrics bulk
[ "$(kc_json 'j["total"]["records"]')" = 5000 ] || kc_fail "nothing can be acknowledged while the broker is down: $HTTP_BODY"
mqtt_restart
wait_metric bulk 't["records"] == 10000 and t["mqtt.connected"] == 1' 60
# and once more while messages are in flight
kcat -b "$BS" -t bulk -P -K '\t' -l "$T/bulk3"
wait_metric bulk 't["records.in"] > 10000' 30
mqtt_restart
wait_metric bulk 't["records"] == 40000' 90
join_metrics bulk
echo "bulk: $HTTP_BODY"
[ "$(kc_json 'j["total"]["mqtt.disconnects"] >= 2')" = true ] || kc_fail "two disconnects expected: $HTTP_BODY"
n=$(timeout 30 mosquitto_sub -p "$MQTT_PORT" -t 'b/#' -v -W 3 --retained-only 2>/dev/null | sort -u | grep -c . || true)
[ "$n" = 40000 ] || kc_fail "after two broker restarts $n of 40000 retained values are at the broker"
kc_http GET "$WORKER_URL/connectors/bulk/offsets"
echo "bulk offsets: $HTTP_BODY"
if [ "$HTTP_CODE" = 200 ]; then
	[ "$(kc_json 'sum(o["offset"]["kafka_offset"] for o in j["offsets"])')" = 40000 ] ||
		kc_fail "committed offsets should cover all 40000 records: $HTTP_BODY"
fi

# ---- source: MQTT -> Kafka topic mapping, JSON kept, text as strings ----
create_connector src1 '"connector.class":"kcops.mqtt.MqttSourceConnector","mqtt.url":"'$MQTT_URL'","mqtt.selector":"foo/#, source/kafka/#","kafka.topic":"${topic}","mqtt.qos":"1"'
wait_running src1
wait_metric src1 't["mqtt.connected"] == 1'
sleep 0.3	# SUBACK
mosquitto_pub -p "$MQTT_PORT" -q 1 -t foo/bar -m '{"v":3.45,"s":"x"}'
mosquitto_pub -p "$MQTT_PORT" -q 1 -t 'source/kafka/a b:c' -m 'plain text'
wait_metric src1 't["records"] == 2'
out=$(read_topic "$BS" foo_bar 1 '%k\t%s\n')
[ "$out" = 'foo/bar	{"v":3.45,"s":"x"}' ] || kc_fail "foo/bar -> foo_bar, JSON unchanged, key = MQTT topic: $out"
out=$(read_topic "$BS" source_kafka_a_b_c 1 '%k\t%s\t%h\n')
[ "$out" = 'source/kafka/a b:c	plain text	mqtt.qos=1' ] || kc_fail "other characters replaced: $out"
# JsonConverter values: text payloads become JSON strings
create_connector src2 '"connector.class":"kcops.mqtt.MqttSourceConnector","mqtt.url":"'$MQTT_URL'","mqtt.selector":"j/+","kafka.topic":"json.${topic}","value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"'
wait_metric src2 't["mqtt.connected"] == 1'
sleep 0.3
mosquitto_pub -p "$MQTT_PORT" -t j/1 -m 'say "hi"'
mosquitto_pub -p "$MQTT_PORT" -t j/1 -m '[1,2.50,{"a":null}]'
wait_metric src2 't["records"] == 2'
out=$(read_topic "$BS" json.j_1 2 '%s\n')
[ "$out" = "$(printf '%s\n' '"say \"hi\""' '[1,2.50,{"a":null}]')" ] || kc_fail "JsonConverter source values: $out"
# the source resubscribes after a broker restart
mqtt_restart
wait_metric src1 't["mqtt.connects"] >= 2 and t["mqtt.connected"] == 1' 30
sleep 0.5
mosquitto_pub -p "$MQTT_PORT" -q 1 -t foo/bar -m '{"after":"restart"}'
wait_metric src1 't["records"] == 3'
out=$(read_topic "$BS" foo_bar 2 '%s\n')
grep -qxF '{"after":"restart"}' <<<"$out" || kc_fail "message after the restart: $out"

# ---- validation ----
kc_http PUT "$WORKER_URL/connector-plugins/MqttSinkConnector/config/validate" \
	'{"connector.class":"kcops.mqtt.MqttSinkConnector","name":"x","topics":"t","mqtt.url":"ws://h","mqtt.destination":"a/#","mqtt.qos":"3"}'
kc_expect_code 200 validate
errs=$(kc_json '{c["value"]["name"]: c["value"]["errors"] for c in j["configs"] if c["value"]["errors"]}')
echo "$errs"
for k in mqtt.url mqtt.destination mqtt.qos; do grep -q "\"$k\"" <<<"$errs" || kc_fail "validate did not flag $k: $errs"; done
kc_http PUT "$WORKER_URL/connector-plugins/MqttSourceConnector/config/validate" \
	'{"connector.class":"kcops.mqtt.MqttSourceConnector","name":"x","mqtt.url":"mqtt://127.0.0.1:1","mqtt.selector":"a/#/b"}'
kc_expect_code 200 validate
grep -q "must be the last level" <<<"$HTTP_BODY" || kc_fail "bad selector not explained: $HTTP_BODY"
kc_http PUT "$WORKER_URL/connector-plugins/MqttSourceConnector/config/validate" \
	'{"connector.class":"kcops.mqtt.MqttSourceConnector","name":"x","mqtt.url":"mqtt://127.0.0.1:1","mqtt.selector":"a/#","mqtt.password":"p","mqtt.clean.session":"false"}'
grep -q "without a user name" <<<"$HTTP_BODY" || kc_fail "password without user: $HTTP_BODY"
grep -q "fixed client id" <<<"$HTTP_BODY" || kc_fail "persistent session without client id: $HTTP_BODY"
worker_stop
echo "ok: mqtt bridge"
