# tests/lib/nginx.sh - run nginx-light as a test peer on a free loopback port.
#	. "$KCOPS_SOURCE_ROOT/tests/lib/nginx.sh"
#	nginx_start 'location / { return 200 "{\"ok\":true}"; }' [ROOT_DIR]
#		writes a config with that server-level snippet (root ROOT_DIR when given), starts
#		nginx in the foreground (daemon off) with a temporary prefix, waits for the port;
#		sets NGINX_URL (http://127.0.0.1:PORT), NGINX_PORT, NGINX_PID, NGINX_PREFIX
#		(access.log and error.log are there). NGINX_WORKERS (default 2) sets worker_processes.
#		@PORT1@, @PORT2@, @PORT3@ in the snippet become more free ports (NGINX_PORTS[1..3]),
#		chosen again with NGINX_PORT when another process took one before nginx bound it.
#	nginx_stop
# nginx is stopped at EXIT.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NGINX_BIN=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}

# _nginx_conf SNIPPET ROOT USER_LINE: the configuration for $NGINX_PREFIX and $NGINX_PORT
_nginx_conf() {
	local snippet=$1 root=$2 user_line=$3
	cat <<CONF
$user_line
worker_processes ${NGINX_WORKERS:-2};
pid $NGINX_PREFIX/nginx.pid;
error_log $NGINX_PREFIX/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=100;
	client_body_temp_path $NGINX_PREFIX/tmp/body;
	proxy_temp_path $NGINX_PREFIX/tmp/proxy;
	fastcgi_temp_path $NGINX_PREFIX/tmp/fastcgi;
	uwsgi_temp_path $NGINX_PREFIX/tmp/uwsgi;
	scgi_temp_path $NGINX_PREFIX/tmp/scgi;
	default_type application/json;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		${root:+root $root;}
		$snippet
	}
}
CONF
}

nginx_start() {
	local snippet=$1 root=${2:-} i n s attempt user_line=
	kc_tmpdir
	NGINX_PREFIX=$KC_TMP_LAST
	mkdir -p "$NGINX_PREFIX/logs" "$NGINX_PREFIX/tmp"
	[ "$(id -u)" = 0 ] && user_line="user root;"
	kc_on_exit "nginx_stop"
	# a port from kc_free_port can be taken by another process before nginx binds it (tests
	# run in parallel): then nginx gives up after its own retries, and the start is repeated
	# on a new port, at most five times
	for ((attempt = 1; ; attempt++)); do
		NGINX_PORT=$(kc_free_port)
		NGINX_PORTS=()
		s=$snippet
		for n in 1 2 3; do
			[[ $s == *"@PORT$n@"* ]] || continue
			NGINX_PORTS[$n]=$(kc_free_port)
			s=${s//"@PORT$n@"/${NGINX_PORTS[$n]}}
		done
		rm -f "$NGINX_PREFIX/nginx.pid"
		_nginx_conf "$s" "$root" "$user_line" >"$NGINX_PREFIX/nginx.conf"
		"$NGINX_BIN" -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf" -g 'daemon off;' \
			2>>"$NGINX_PREFIX/logs/error.log" &
		NGINX_PID=$!
		NGINX_URL=http://127.0.0.1:$NGINX_PORT
		for ((i = 0; i < 400; i++)); do
			# nginx writes its pid file once every socket is bound: an answer alone could
			# come from the program that took the port
			if [ -s "$NGINX_PREFIX/nginx.pid" ] &&
				curl -s -o /dev/null --max-time 1 "$NGINX_URL/"; then
				return 0
			fi
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.025
		done
		if ! kill -0 "$NGINX_PID" 2>/dev/null && [ "$attempt" -lt 5 ] &&
			grep -q "failed (98: Address already in use)" "$NGINX_PREFIX/logs/error.log"; then
			wait "$NGINX_PID" 2>/dev/null || true
			kc_note "nginx: $(grep -o 'bind() to [^ ]*' "$NGINX_PREFIX/logs/error.log" | tail -1) was taken meanwhile; starting again on other ports"
			: >"$NGINX_PREFIX/logs/error.log"
			continue
		fi
		kill -0 "$NGINX_PID" 2>/dev/null || kc_fail "nginx exited: $(cat "$NGINX_PREFIX/logs/error.log")"
		kc_fail "nginx did not listen on $NGINX_PORT: $(cat "$NGINX_PREFIX/logs/error.log")"
	done
}

nginx_stop() {
	[ -n "${NGINX_PID:-}" ] || return 0
	kill -QUIT "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
}
