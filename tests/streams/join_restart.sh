#!/usr/bin/env bash
# join_restart.sh - the join's LMDB checkpoint with Kafka in its own process (tests/tools
# kcops-mock-kafka): a restarted worker resumes the table from the checkpoint without
# re-reading the topic, a lost table directory is rebuilt from the topic, and the
# partitioned scope on co-partitioned topics (refused at start when partition counts differ).
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/join_lib.sh"

kc_tmpdir; T=$KC_TMP_LAST
mock_start --topic customers:2 --topic orders:2 --topic korders:2 --topic odd:3
BS=$MOCK_BOOTSTRAP
worker_start --set consumer.session.timeout.ms=6000 --set consumer.heartbeat.interval.ms=500

N=2000
"$KC_PY" -c "
for i in range(1, $N + 1):
    print('%d\t{\"id\":%d,\"name\":\"c%d\",\"score\":%d.25}' % (i, i, i, i))" >"$T/customers"
kcat -b "$BS" -t customers -P -K '\t' -l "$T/customers" || kc_fail "kcat produce customers"

create_connector enrich '"connector.class":"kcops.streams.TableJoinConnector","topics":"orders","table.topic":"customers","output.topic":"enriched","join.field":"customer","table.fields":"name,score","table.prefix":"c_"'
wait_running enrich
wait_metric enrich "t['table.size'] == $N and t['table.records.read'] == $N and t['table.resumed'] == 0"
printf '{"customer":1500,"amount":1}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 1 and t["join.hits"] == 1'

# restart: the table comes back from LMDB, nothing is read again
worker_restart
wait_running enrich
wait_metric enrich "t['table.resumed'] >= 1 and t['table.size'] == $N"
join_metrics enrich
[ "$(kc_json 'j["total"]["table.records.read"]')" = 0 ] ||
	kc_fail "the restarted task re-read the table: $HTTP_BODY"
grep -q "resumed from the LMDB checkpoint" "$WORKER_LOG" || kc_fail "no resume line in the log"
# the resumed table keeps following the topic; the old order is not joined again
printf '1500\t{"id":1500,"name":"changed","score":0.1}\n' | kcat -b "$BS" -t customers -P -K '\t'
wait_metric enrich 't["table.records.read"] == 1'
printf '{"customer":1500,"amount":2}\n{"customer":"2000","amount":3}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 2'
out=$(read_topic "$BS" enriched 3 '%s\n')
echo "$out"
[ "$(grep -c . <<<"$out")" = 3 ] || kc_fail "expected exactly 3 joined records: $out"
grep -qxF '{"customer":1500,"amount":1,"c_name":"c1500","c_score":1500.25}' <<<"$out" || kc_fail "first order"
grep -qxF '{"customer":1500,"amount":2,"c_name":"changed","c_score":0.1}' <<<"$out" || kc_fail "order after the restart and update"
grep -qxF '{"customer":"2000","amount":3,"c_name":"c2000","c_score":2000.25}' <<<"$out" || kc_fail "string key after the restart"

# a lost table directory is rebuilt from the topic
worker_stop
[ -d "$WORKER_STATE_DIR/connectors/enrich/table-0" ] || kc_fail "no LMDB directory where expected: $(find "$WORKER_STATE_DIR" -maxdepth 3)"
rm -rf "$WORKER_STATE_DIR/connectors/enrich/table-0"
_worker_launch
wait_running enrich
wait_metric enrich "t['table.size'] == $N and t['table.records.read'] == $N + 1 and t['table.resumed'] == 0"
printf '{"customer":1500,"amount":4}\n' | kcat -b "$BS" -t orders -P
wait_metric enrich 't["records"] == 1'
out=$(read_topic "$BS" enriched 4 '%s\n')
grep -qxF '{"customer":1500,"amount":4,"c_name":"changed","c_score":0.1}' <<<"$out" || kc_fail "rebuilt table: $out"

# partitioned scope: co-partitioned topics joined on the record key, two tasks
create_connector bykey '"connector.class":"kcops.streams.TableJoinConnector","topics":"korders","table.topic":"customers","output.topic":"kenriched","table.scope":"partitioned","tasks.max":"2","table.fields":"name"'
wait_running bykey
sleep 5	# let the group settle with both tasks
for i in 1 2 3 4 5 6 7 8 9 10 9999; do printf '%s\t{"n":%s}\n' "$i" "$i"; done |
	kcat -b "$BS" -t korders -P -K '\t'
# (a rebalance while the second task joins may deliver a record twice: at-least-once)
wait_metric bykey 't["records"] >= 11 and t["join.hits"] >= 10 and t["join.misses"] >= 1'
join_metrics bykey
# each task loaded only its own table partition
# a task loads a table partition only when one of its stream partitions needs it: unlike
# the global scope, not every task holds the whole table (which tasks got which partitions
# depends on when the group settled)
[ "$(kc_json 'len(j["tasks"]) == 2 and any(t["table.size"] < 2000 for t in j["tasks"].values()) and 0 < sum(t["table.size"] for t in j["tasks"].values()) <= 4000')" = true ] ||
	kc_fail "partitioned tasks should split the table: $HTTP_BODY"
out=$(read_topic "$BS" kenriched 11 '%k\t%s\n' | sort -u)
[ "$(grep -c . <<<"$out")" = 11 ] || kc_fail "expected 11 distinct keyed joins: $out"
grep -qxF '3	{"n":3,"name":"c3"}' <<<"$out" || kc_fail "keyed join: $out"
grep -qxF '9999	{"n":9999}' <<<"$out" || kc_fail "keyed miss: $out"

# partition counts that differ: refused by create (validate asks Kafka) ...
kc_http POST "$WORKER_URL/connectors" '{"name":"odd","config":{"connector.class":"kcops.streams.TableJoinConnector","topics":"odd","table.topic":"customers","output.topic":"oddout","table.scope":"partitioned"}}'
kc_expect_code 400 "create with partition counts 3 and 2"
grep -qF "stream topic odd has 3 partitions, table topic customers has 2" <<<"$HTTP_BODY" ||
	kc_fail "create should name both partition counts: $HTTP_BODY"
# ... and, for a table topic that did not exist when the config was checked (the task
# creates it: the mock auto-creates topics with 4 partitions), at start with a clear trace
create_connector odd '"connector.class":"kcops.streams.TableJoinConnector","topics":"odd","table.topic":"oddtable","output.topic":"oddout","table.scope":"partitioned"'
for ((i = 0; i < 100; i++)); do
	kc_http GET "$WORKER_URL/connectors/odd/status"
	[ "$(kc_json 'j["tasks"][0]["state"] if j["tasks"] else ""')" = FAILED ] && break
	sleep 0.1
done
[ "$(kc_json 'j["tasks"][0]["state"]')" = FAILED ] || kc_fail "odd should fail: $HTTP_BODY"
kc_json 'j["tasks"][0]["trace"]' | kc_grepq "co-partitioned topics: odd has 3 partitions, oddtable has 4" ||
	kc_fail "trace should name both partition counts: $HTTP_BODY"
worker_stop
echo "ok: join restart"
