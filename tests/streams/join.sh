#!/usr/bin/env bash
# join.sh - kcops.streams.TableJoinConnector against a worker with embedded Kafka, records
# produced and read back with kcat: the orders/customers example with an unknown customer,
# numeric and string keys, 3.45 staying 3.45, a table update between two orders, a deleted
# key, an inner join, field selection with prefixes, and config validation.
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/join_lib.sh"

worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500
BS=$WORKER_BOOTSTRAP

# the table: customer 7 keyed by the number 7, customer 8 by the JSON string "8"
printf '7\t{"id":7,"name":"Ada","tier":"gold","rate":3.45}\n"8"\t{"id":8,"name":"Bob","tier":"silver"}\n' |
	kcat -b "$BS" -t customers -P -K '\t' || kc_fail "kcat produce customers"

BASE='"connector.class":"kcops.streams.TableJoinConnector","topics":"orders","table.topic":"customers","join.field":"customer"'
create_connector enrich "$BASE,\"output.topic\":\"orders-enriched\",\"missing.defaults\":\"{\\\"name\\\":\\\"!!! unknown customer !!!\\\"}\""
create_connector enrich-inner "$BASE,\"output.topic\":\"orders-inner\",\"join.type\":\"inner\",\"table.fields\":\"name\",\"table.prefix\":\"customer_\",\"stream.fields\":\"amount\""
wait_running enrich
wait_running enrich-inner
# both loaded the table before joining anything
wait_metric enrich 't["table.size"] == 2'
wait_metric enrich-inner 't["table.size"] == 2'

# orders without keys: a numeric field, a string field, an unknown customer
printf '{"customer": 7, "amount": 12.5}\n{"customer": "8", "amount": 3.45}\n{"customer": 9, "amount": 1}\n' |
	kcat -b "$BS" -t orders -P || kc_fail "kcat produce orders"
wait_metric enrich 't["records"] == 3 and t["join.hits"] == 2 and t["join.misses"] == 1'
out=$(read_topic "$BS" orders-enriched 3 '%s\t%h\n')
echo "$out"
grep -qxF '{"customer":7,"amount":12.5,"id":7,"name":"Ada","tier":"gold","rate":3.45}	kcops.join=hit' <<<"$out" ||
	kc_fail "order of customer 7 not joined as expected"
grep -qxF '{"customer":"8","amount":3.45,"id":8,"name":"Bob","tier":"silver"}	kcops.join=hit' <<<"$out" ||
	kc_fail "string key \"8\" did not join (or 3.45 changed)"
grep -qxF '{"customer":9,"amount":1,"name":"!!! unknown customer !!!"}	kcops.join=miss' <<<"$out" ||
	kc_fail "unknown customer 9 not sent with missing.defaults"

# inner join: the unknown customer is dropped; selection and prefix apply
wait_metric enrich-inner 't["records"] == 2 and t["join.dropped"] == 1'
out=$(read_topic "$BS" orders-inner 2 '%s\n')
echo "$out"
[ "$(printf '%s\n' "$out" | sort)" = "$(printf '%s\n' '{"amount":12.5,"customer_name":"Ada"}' '{"amount":3.45,"customer_name":"Bob"}' | sort)" ] ||
	kc_fail "inner join output: $out"

# a table update between two orders: the second order sees the new value
printf '{"customer": 7, "amount": 1}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 4'
printf '7\t{"id":7,"name":"Ada Lovelace","tier":"platinum"}\n' | kcat -b "$BS" -t customers -P -K '\t'
wait_metric enrich 't["table.updates"] == 3'
printf '{"customer": 7, "amount": 2}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 5'
out=$(read_topic "$BS" orders-enriched 5 '%s\n')
grep -qxF '{"customer":7,"amount":1,"id":7,"name":"Ada","tier":"gold","rate":3.45}' <<<"$out" ||
	kc_fail "order before the update should see the old value: $out"
grep -qxF '{"customer":7,"amount":2,"id":7,"name":"Ada Lovelace","tier":"platinum"}' <<<"$out" ||
	kc_fail "order after the update should see the new value: $out"

# a deleted key (tombstone): the next order of customer 8 misses
printf '"8"\t\n' | kcat -b "$BS" -t customers -P -K '\t' -Z
wait_metric enrich 't["table.deletes"] == 1 and t["table.size"] == 1'
printf '{"customer": 8, "amount": 5}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 6'
out=$(read_topic "$BS" orders-enriched 6 '%s\n')
grep -qxF '{"customer":8,"amount":5,"name":"!!! unknown customer !!!"}' <<<"$out" ||
	kc_fail "order of deleted customer 8 should miss: $out"
# the inner join dropped it
wait_metric enrich-inner 't["join.dropped"] == 2'

# an order without the join field is a miss, not an error; a non-JSON value too
printf '{"amount": 9}\nnot json at all\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 8 and t["errors"] == 0'
out=$(read_topic "$BS" orders-enriched 8 '%s\n')
grep -qxF '{"amount":9,"name":"!!! unknown customer !!!"}' <<<"$out" || kc_fail "order without customer: $out"
grep -qxF '{"value":"not json at all","name":"!!! unknown customer !!!"}' <<<"$out" || kc_fail "text order: $out"

# compact stream values are copied as they are, others compacted: nested values, spaces
# inside strings and between tokens, and a stream field that wins over the table's
printf '%s\n' '{"customer":7,"meta":{"a":[1,2]},"amount":3.45}' \
	'{"customer":7,"meta":{"b":"x y"},"amount":1e3}' \
	'{"customer":7, "meta":{ "a":[1, 2]},"amount":3.45 }' \
	'{"customer":7,"name":"mine"}' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 12'
out=$(read_topic "$BS" orders-enriched 12 '%s\n')
[ "$(grep -cxF '{"customer":7,"meta":{"a":[1,2]},"amount":3.45,"id":7,"name":"Ada Lovelace","tier":"platinum"}' <<<"$out")" = 2 ] ||
	kc_fail "compact and spaced values with nested members: $out"
grep -qxF '{"customer":7,"meta":{"b":"x y"},"amount":1e3,"id":7,"name":"Ada Lovelace","tier":"platinum"}' <<<"$out" ||
	kc_fail "space inside a nested string: $out"
grep -qxF '{"customer":7,"name":"mine","id":7,"tier":"platinum"}' <<<"$out" ||
	kc_fail "the stream field should win over the table field of the same name: $out"

# a nested join field (dotted path) and the table nested under one field
create_connector nested '"connector.class":"kcops.streams.TableJoinConnector","topics":"orders-nested","table.topic":"customers","output.topic":"orders-nested-out","join.field":"cust.id","table.nest":"customer","table.fields":"name"'
wait_running nested
wait_metric nested 't["table.size"] == 1'
printf '{"cust":{"id":7},"n":1}\n{"cust":{"id":"7"},"n":2}\n{"cust":{"id":9},"n":3}\n' | kcat -b "$BS" -t orders-nested -P
wait_metric nested 't["records"] == 3 and t["join.hits"] == 2'
out=$(read_topic "$BS" orders-nested-out 3 '%s\n')
echo "$out"
grep -qxF '{"cust":{"id":7},"n":1,"customer":{"name":"Ada Lovelace"}}' <<<"$out" || kc_fail "nested join field: $out"
grep -qxF '{"cust":{"id":"7"},"n":2,"customer":{"name":"Ada Lovelace"}}' <<<"$out" || kc_fail "nested string key: $out"
grep -qxF '{"cust":{"id":9},"n":3}' <<<"$out" || kc_fail "nested miss: $out"

# validation: clear errors for bad values, then (the runtime runs cross-key checks only when
# every key is valid) for impossible combinations
validate() {	# validate EXTRA_JSON KEYS...
	local body=$1 k
	shift
	kc_http PUT "$WORKER_URL/connector-plugins/TableJoinConnector/config/validate" \
		"{\"connector.class\":\"kcops.streams.TableJoinConnector\",\"name\":\"bad\",\"topics\":\"orders\",\"table.topic\":\"customers\",$body}"
	kc_expect_code 200 "validate"
	errs=$(kc_json '{c["value"]["name"]: c["value"]["errors"] for c in j["configs"] if c["value"]["errors"]}')
	echo "$errs"
	for k in "$@"; do
		grep -q "\"$k\"" <<<"$errs" || kc_fail "validate did not flag $k: $errs"
	done
}
validate '"output.topic":"x","join.type":"outer","table.scope":"sideways","missing.defaults":"[1]"' \
	join.type table.scope missing.defaults
validate '"output.topic":"orders","join.field":"customer","table.scope":"partitioned"' \
	output.topic table.scope
grep -q "join.field" <<<"$errs" || kc_fail "partitioned with join.field should explain why: $errs"
validate '"output.topic":"out","join.field":"","table.scope":"partitioned"'
[ "$errs" = "{}" ] || kc_fail "a partitioned join on the record key is valid: $errs"

kc_http GET "$WORKER_URL/connectors/enrich/status"
[ "$(kc_json 'j["tasks"][0]["state"]')" = RUNNING ] || kc_fail "enrich not running at the end: $HTTP_BODY"
worker_stop
echo "ok: join"
