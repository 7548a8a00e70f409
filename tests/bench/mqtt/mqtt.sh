#!/bin/bash
# mqtt.sh - throughput of the MQTT bridge at QoS 1 through a mosquitto started here:
#   reference: mosquitto_pub -l (N lines) -> mosquitto -> mosquitto_sub -C N
#   sink:      kcat -P (N records) -> Kafka -> MqttSinkConnector -> mosquitto -> mosquitto_sub -C N
#   source:    mosquitto_pub -l (N lines) -> mosquitto -> MqttSourceConnector -> Kafka -> kcat -C -c N
# Each is timed from the first message sent to the last one received; prints messages/s and
# the ratio to the reference. KCOPS_BENCH_QUICK=1: fewer messages.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/streams/join_lib.sh"
. "$KCOPS_SOURCE_ROOT/tests/mqtt/mqtt_lib.sh"

# (at 100000 QoS 1 messages in one burst mosquitto 2.0.11 drops part of a slow subscriber's
# queue even with max_queued_messages 0, which would fail the reference itself)
if [ "${KCOPS_BENCH_QUICK:-0}" = 1 ]; then N=20000; else N=40000; fi
kc_tmpdir; T=$KC_TMP_LAST
mqtt_start
worker_start --set consumer.fetch.wait.max.ms=5 --set consumer.session.timeout.ms=6000 \
	--set consumer.heartbeat.interval.ms=500
B=$WORKER_BOOTSTRAP
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "{\"seq\":%d,\"temp\":21.5,\"unit\":\"C\"}\n", i }' >"$T/msgs"
# the same values keyed for Kafka (keys spread records over the partitions)
awk '{ printf "k%d\t%s\n", NR, $0 }' "$T/msgs" >"$T/records"
now_ms() { date +%s%3N; }
sub_until() {	# sub_until FILTER COUNT: start a subscriber, wait until it is subscribed
	mosquitto_sub -p "$MQTT_PORT" -q 1 -t "$1" -C "$2" -W 120 >"$T/sub.out" &
	SUB=$!
	sleep 0.5
}

# --- reference
sub_until 'ref/#' "$N"
t0=$(now_ms)
mosquitto_pub -p "$MQTT_PORT" -q 1 -t ref/x -l <"$T/msgs"
wait $SUB || kc_fail "reference subscriber did not get $N messages"
t1=$(now_ms)
REF=$(( N * 1000 / (t1 - t0) ))
printf '# mosquitto_pub -l -> mosquitto_sub, QoS 1, %d messages: %d ms, %d messages/s\n' "$N" $((t1 - t0)) "$REF"

# --- sink: warm up (group joined, connected), then N records
create_connector msink "\"connector.class\":\"kcops.mqtt.MqttSinkConnector\",\"topics\":\"bench\",\"mqtt.url\":\"$MQTT_URL\",\"mqtt.qos\":\"1\",\"mqtt.destination\":\"b/\${topic}\""
wait_running msink
sub_until 'b/#' 1
printf 'warm\n' | kcat -P -b "$B" -t bench
wait $SUB || kc_fail "sink warm-up message not received"
sub_until 'b/#' "$N"
t0=$(now_ms)
kcat -P -b "$B" -t bench -K '\t' -X linger.ms=5 -l "$T/records"
wait $SUB || kc_fail "the sink did not deliver $N messages"
t1=$(now_ms)
SINK=$(( N * 1000 / (t1 - t0) ))
printf '# MqttSinkConnector, QoS 1, %d records: %d ms, %d messages/s, ratio %.2f\n' "$N" $((t1 - t0)) "$SINK" "$($KC_PY -c "print($SINK / $REF)")"

# --- source
create_connector msrc "\"connector.class\":\"kcops.mqtt.MqttSourceConnector\",\"mqtt.url\":\"$MQTT_URL\",\"mqtt.qos\":\"1\",\"mqtt.selector\":\"s/#\",\"kafka.topic\":\"\${topic}\""
wait_metric msrc 't["mqtt.connected"] == 1'
sleep 0.5
mosquitto_pub -p "$MQTT_PORT" -q 1 -t s/x -m warm
wait_metric msrc 't["records"] >= 1'
# from the end, counting as records arrive (one MQTT topic = one Kafka key = one partition)
timeout 120 kcat -C -b "$B" -t s_x -o end -c "$N" -q -f '.' >/dev/null &
KC=$!
sleep 0.5
t0=$(now_ms)
mosquitto_pub -p "$MQTT_PORT" -q 1 -t s/x -l <"$T/msgs"
wait $KC || kc_fail "the source did not write $N records"
t1=$(now_ms)
SRC=$(( N * 1000 / (t1 - t0) ))
printf '# MqttSourceConnector, QoS 1, %d messages: %d ms, %d records/s, ratio %.2f\n' "$N" $((t1 - t0)) "$SRC" "$($KC_PY -c "print($SRC / $REF)")"
echo "mqtt bench: mosquitto=$REF sink=$SINK source=$SRC"
