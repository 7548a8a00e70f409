# mqtt_lib.sh - start a real mosquitto for MQTT bridge tests (sourced after tests/lib/common.sh).
#	mqtt_start [CONFIG LINE]...	on a free loopback port, anonymous access, persistence in
#					a temp dir (kept across mqtt_restart); sets MQTT_PORT,
#					MQTT_URL, MQTT_PID, MQTT_DIR
#	mqtt_stop			graceful stop (retained messages are saved)
#	mqtt_restart			stop, then start again on the same port
# The broker is stopped at EXIT.
MQTT_PID=
MQTT_DIR=

_mqtt_launch() {
	local i
	"${MOSQUITTO:-mosquitto}" -c "$MQTT_DIR/mosquitto.conf" >>"$MQTT_DIR/log" 2>&1 &
	MQTT_PID=$!
	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && return 0
		kill -0 "$MQTT_PID" 2>/dev/null || { cat "$MQTT_DIR/log" >&2; kc_fail "mosquitto exited"; }
		sleep 0.025
	done
	kc_fail "mosquitto is not listening on $MQTT_PORT"
}

mqtt_start() {
	local line
	kc_tmpdir
	MQTT_DIR=$KC_TMP_LAST
	chmod 777 "$MQTT_DIR"	# mosquitto started as root runs as its own user
	MQTT_PORT=$(kc_free_port)
	MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT
	{
		echo "listener $MQTT_PORT 127.0.0.1"
		echo "allow_anonymous true"
		echo "persistence true"
		echo "persistence_location $MQTT_DIR/"
		echo "autosave_interval 0"
		echo "max_queued_messages 0"
		echo "log_dest stdout"
		for line in "$@"; do echo "$line"; done
	} >"$MQTT_DIR/mosquitto.conf"
	kc_on_exit 'mqtt_stop'
	_mqtt_launch
}

mqtt_stop() {
	[ -n "$MQTT_PID" ] || return 0
	kill -TERM "$MQTT_PID" 2>/dev/null || true
	wait "$MQTT_PID" 2>/dev/null || true
	MQTT_PID=
}

mqtt_restart() {
	mqtt_stop
	_mqtt_launch
}
