#!/usr/bin/env bash
# join_validate.sh - table.scope=partitioned is refused by validate and by create when the
# stream and table topics' partition counts differ (the plugin's validate hook asks the
# worker's Kafka cluster through kw_validation_partition_count); accepted when they match
# or when a topic does not exist yet; a clear error when Kafka does not answer. Kafka is the
# out-of-process mock (its broker can be taken down).
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/join_lib.sh"

mock_start --topic cust4:4 --topic ord4:4 --topic ord2:2 --topic ord4b:4
worker_start

# validate CONFIG_EXTRA: PUT validate; sets ERRS to the table.scope errors (one per line)
validate() {
	kc_http PUT "$WORKER_URL/connector-plugins/TableJoinConnector/config/validate" \
		"{\"name\":\"j\",\"connector.class\":\"kcops.streams.TableJoinConnector\",\"output.topic\":\"out\",\"table.scope\":\"partitioned\",$1}"
	kc_expect_code 200 "validate $1"
	# the cross-key checks run only when every key is valid: no other errors
	[ "$(kc_json 'sum(len(c["value"]["errors"]) for c in j["configs"] if c["value"]["name"] != "table.scope")')" = 0 ] ||
		kc_fail "validate $1: unexpected errors: $HTTP_BODY"
	ERRS=$(kc_json '"\n".join(e for c in j["configs"] if c["value"]["name"] == "table.scope" for e in c["value"]["errors"])')
}

# co-partitioned: valid (two stream topics, both with 4 partitions)
validate '"topics":"ord4,ord4b","table.topic":"cust4"'
[ -z "$ERRS" ] || kc_fail "co-partitioned topics refused: $ERRS"

# 2 partitions against 4: refused, naming both topics and both counts
validate '"topics":"ord4,ord2","table.topic":"cust4"'
grep -qF 'stream topic ord2 has 2 partitions, table topic cust4 has 4' <<<"$ERRS" ||
	kc_fail "partition counts 2 vs 4 not refused by validate: $ERRS"
[ "$(grep -c . <<<"$ERRS")" = 1 ] || kc_fail "only ord2 differs: $ERRS"

# the same config is refused by create (400 with the message) and by PUT config
kc_http POST "$WORKER_URL/connectors" '{"name":"j1","config":{"connector.class":"kcops.streams.TableJoinConnector","topics":"ord2","table.topic":"cust4","output.topic":"out","table.scope":"partitioned"}}'
kc_expect_code 400 "create with differing partition counts"
grep -qF 'stream topic ord2 has 2 partitions, table topic cust4 has 4' <<<"$HTTP_BODY" ||
	kc_fail "create: no partition-count message: $HTTP_BODY"
kc_http PUT "$WORKER_URL/connectors/j1/config" '{"connector.class":"kcops.streams.TableJoinConnector","topics":"ord2","table.topic":"cust4","output.topic":"out","table.scope":"partitioned"}'
kc_expect_code 400 "PUT config with differing partition counts"
kc_http GET "$WORKER_URL/connectors/j1"
kc_expect_code 404 "the refused connector must not exist"

# global scope with the same topics is fine (every task reads the whole table)
kc_http PUT "$WORKER_URL/connector-plugins/TableJoinConnector/config/validate" \
	'{"name":"j","connector.class":"kcops.streams.TableJoinConnector","topics":"ord2","table.topic":"cust4","output.topic":"out","table.scope":"global"}'
[ "$(kc_json 'j["error_count"]')" = 0 ] || kc_fail "global scope refused: $HTTP_BODY"

# a topic that does not exist yet is not judged (and validate does not create it)
validate '"topics":"ord4","table.topic":"not-yet"'
[ -z "$ERRS" ] || kc_fail "a missing table topic should not be judged: $ERRS"
topics=$(kcat -b "$MOCK_BOOTSTRAP" -L 2>&1 | grep -c 'topic "not-yet"' || true)
[ "$topics" = 0 ] || kc_fail "validate created the topic not-yet"

# Kafka not answering: a clear error within the short timeout, not a hang
mock_cmd "down 1" >/dev/null
t0=$(date +%s%3N)
validate '"topics":"ord4","table.topic":"cust4"'
t1=$(date +%s%3N)
grep -qF 'did not answer a metadata request within' <<<"$ERRS" ||
	kc_fail "no clear error when Kafka does not answer: $ERRS"
[ $((t1 - t0)) -lt 15000 ] || kc_fail "validate took $((t1 - t0)) ms with Kafka down"
kc_note "validate with Kafka down answered in $((t1 - t0)) ms: $ERRS"
mock_cmd "up 1" >/dev/null
validate '"topics":"ord4","table.topic":"cust4"'
[ -z "$ERRS" ] || kc_fail "after the broker came back: $ERRS"
echo "ok"
