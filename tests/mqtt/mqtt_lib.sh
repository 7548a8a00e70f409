# mqtt_lib.sh - start a real mosquitto for MQTT bridge tests (sourced after tests/lib/common.sh).
#	mqtt_start [CONFIG LINE]...	on a free loopback port, anonymous access, persistence in
#					a temp dir (kept across mqtt_restart); sets MQTT_PORT,
#					MQTT_URL, MQTT_PID, MQTT_DIR
#	mqtt_stop			graceful stop (retained messages are saved)
#	mqtt_restart			stop, then start again on the same port
# The broker is stopped at EXIT.
MQTT_PID=
MQTT_DIR=

# _mqtt_launch: start mosquitto on $MQTT_PORT and wait until it listens; returns 2 when it
# exited because the port was in use (another process took it after kc_free_port chose it)
_mqtt_launch() {
	local i from
	[ -e "$MQTT_DIR/log" ] || : >"$MQTT_DIR/log"
	from=$(($(wc -l <"$MQTT_DIR/log") + 1))	# the log is kept across restarts
	"${MOSQUITTO:-mosquitto}" -c "$MQTT_DIR/mosquitto.conf" >>"$MQTT_DIR/log" 2>&1 &
	MQTT_PID=$!
	for ((i = 0; i < 200; i++)); do
		# the listening socket must be mosquitto's own (ss names its owner): a connection
		# alone could reach the program that took the port
		if ss -Hltnp "sport = :$MQTT_PORT" 2>/dev/null | grep -q "pid=$MQTT_PID," &&
			(exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$MQTT_PID" 2>/dev/null; then
			wait "$MQTT_PID" 2>/dev/null || true
			MQTT_PID=
			tail -n +"$from" "$MQTT_DIR/log" | grep -q 'Address already in use' && return 2
			cat "$MQTT_DIR/log" >&2
			kc_fail "mosquitto exited"
		fi
		sleep 0.025
	done
	kc_fail "mosquitto is not listening on $MQTT_PORT"
}

mqtt_start() {
	local line attempt rc
	kc_tmpdir
	MQTT_DIR=$KC_TMP_LAST
	chmod 777 "$MQTT_DIR"	# mosquitto started as root runs as its own user
	kc_on_exit 'mqtt_stop'
	# a port from kc_free_port can be taken by a parallel test before mosquitto binds it:
	# start again on another one, at most five times
	for ((attempt = 1; ; attempt++)); do
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
		rc=0
		_mqtt_launch || rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$attempt" -lt 5 ] || kc_fail "mosquitto: port in use on five attempts: $(tail -5 "$MQTT_DIR/log")"
		kc_note "mosquitto: port $MQTT_PORT was taken meanwhile; starting again on another"
	done
}

mqtt_stop() {
	[ -n "$MQTT_PID" ] || return 0
	kill -TERM "$MQTT_PID" 2>/dev/null || true
	wait "$MQTT_PID" 2>/dev/null || true
	MQTT_PID=
}

mqtt_restart() {
	mqtt_stop
	_mqtt_launch || kc_fail "mosquitto cannot listen on $MQTT_PORT again: another process took it"
}
