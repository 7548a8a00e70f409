# join_lib.sh - helpers for the stream-table join tests (sourced after tests/lib/worker.sh).

# join_metrics CONNECTOR: fetch the connector's metrics into HTTP_BODY.
join_metrics() {
	kc_http GET "$WORKER_URL/kcops/v1/connectors/$1/metrics"
}

# wait_metric CONNECTOR PYEXPR [SECONDS]: wait until PYEXPR over t (the "total" metrics) holds.
wait_metric() {
	local c=$1 expr=$2 secs=${3:-30} i
	for ((i = 0; i < secs * 10; i++)); do
		join_metrics "$c"
		if [ "$HTTP_CODE" = 200 ] && [ "$(kc_json "(lambda t: bool($expr))(j['total'])" 2>/dev/null)" = true ]; then
			return 0
		fi
		sleep 0.1
	done
	kc_http GET "$WORKER_URL/connectors/$c/status"
	kc_fail "connector $c: '$expr' not reached in $secs s; status: $HTTP_BODY; metrics: $(join_metrics "$c"; echo "$HTTP_BODY")"
}

# read_topic BOOTSTRAP TOPIC MIN [FORMAT]: all records of TOPIC (waits until MIN are there).
read_topic() {
	local bs=$1 topic=$2 min=$3 fmt=${4:-'%k\t%s\n'} i out
	for ((i = 0; i < 100; i++)); do
		out=$(timeout 20 kcat -b "$bs" -t "$topic" -C -e -q -f "$fmt" 2>/dev/null || true)
		if [ "$(printf '%s' "$out" | grep -c .)" -ge "$min" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.2
	done
	kc_fail "topic $topic: fewer than $min records: $out"
}

# create_connector NAME JSON_CONFIG_BODY (the inside of "config":{...})
create_connector() {
	kc_http POST "$WORKER_URL/connectors" "{\"name\":\"$1\",\"config\":{$2}}"
	kc_expect_code 201 "create connector $1"
}

# wait_running NAME [SECONDS]
wait_running() {
	local i
	for ((i = 0; i < ${2:-30} * 10; i++)); do
		kc_http GET "$WORKER_URL/connectors/$1/status"
		[ "$(kc_json '[t["state"] for t in j["tasks"]] and all(t["state"] == "RUNNING" for t in j["tasks"])' 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	kc_fail "connector $1 not RUNNING: $HTTP_BODY"
}
