#!/bin/bash
# sink_modes.sh - the publish modes NONE, DLQ and IN_MEMORY_QUEUE (two sinks sharing one
# queue, a source with content=response), and batching; bad records in every mode; input
# offsets committed once results are acknowledged. Results read back with kcat.
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/http/lib.sh"

tsrv_start
worker_start
T=$TSRV_URL
sv='"value.converter":"org.apache.kafka.connect.storage.StringConverter",
 "key.converter":"org.apache.kafka.connect.storage.StringConverter",
 "retry.policy.retries":"0"'
sink='"connector.class":"kcops.http.HttpSinkConnector"'

conn_create n1 "{$sink,\"topics\":\"in-n1\",\"publish.mode\":\"NONE\",$sv}"
conn_create d1 "{$sink,\"topics\":\"in-d1\",\"publish.mode\":\"DLQ\",
 \"errors.deadletterqueue.topic.name\":\"d1-dlq\",$sv}"
conn_create qa "{$sink,\"topics\":\"in-qa\",\"publish.mode\":\"IN_MEMORY_QUEUE\",
 \"queue.name\":\"shared\",$sv}"
conn_create qb "{$sink,\"topics\":\"in-qb\",\"publish.mode\":\"IN_MEMORY_QUEUE\",
 \"queue.name\":\"shared\",$sv}"
conn_create qr "{$sink,\"topics\":\"in-qr\",\"publish.mode\":\"IN_MEMORY_QUEUE\",
 \"queue.name\":\"resp\",$sv}"
conn_create b1 "{$sink,\"topics\":\"in-b1\",\"publish.mode\":\"PRODUCER\",
 \"producer.success.topic\":\"b1-ok\",\"producer.error.topic\":\"b1-err\",
 \"batch.max.size\":\"5\",\"batch.json.as.array\":\"true\",\"batch.linger.ms\":\"1000\",$sv}"
# the sinks wait for their queue's consumer: start the sources a little later
sleep 1
expect_eq "qa waits for its consumer" "$(task_state qa)" UNASSIGNED
conn_create qs '{"connector.class":"io.github.clescot.kafka.connect.http.source.queue.HttpInMemoryQueueSourceConnector",
 "queue.name":"shared","success.topic":"q-ok","error.topic":"q-err"}'
conn_create qsr '{"connector.class":"kcops.http.HttpQueueSourceConnector","queue.name":"resp",
 "success.topic":"qr-ok","error.topic":"qr-err","content":"response"}'
for c in n1 d1 qa qb qr b1 qs qsr; do wait_task_state $c RUNNING; done

# NONE: requests sent, responses dropped (counted), bad record counted
{ for i in 1 2 3 4 5; do printf 'k%d\t{"url":"%s/echo/n1"}\n' $i "$T"; done
  printf 'kbad\t{"url":42}\n'; } | produce in-n1
# DLQ: every exchange and every connector error to the dead-letter topic
{ for i in 1 2 3; do printf 'k%d\t{"url":"%s/ok"}\n' $i "$T"; done
  printf 'k500\t{"url":"%s/status/500"}\n' "$T"
  printf 'kbad\t{"nourl":true}\n'; } | produce in-d1
# IN_MEMORY_QUEUE: two sinks, one queue, one source
{ for i in 1 2 3 4; do printf 'a%d\t{"url":"%s/echo/qa"}\n' $i "$T"; done
  printf 'a404\t{"url":"%s/status/404"}\n' "$T"
  printf 'abad\tnot json\n'; } | produce in-qa
for i in 1 2 3; do printf 'b%d\t{"url":"%s/echo/qb"}\n' $i "$T"; done | produce in-qb
printf 'r1\t{"url":"%s/status/201"}\n' "$T" | produce in-qr
# batching: 12 records, 5 per request, as a JSON array
for i in $(seq 1 12); do
	printf 'bk%d\t{"url":"%s/echo/batch","method":"POST","bodyAsString":"{\\"n\\":%d}"}\n' $i "$T" $i
done | produce in-b1

# --- NONE
wait_committed n1 6
expect_eq "NONE requests" "$(tsrv_calls /echo/n1)" 5
expect_eq "NONE dropped" "$(metric n1 dropped_responses)" 6
expect_eq "NONE bad" "$(metric n1 bad_records)" 1
# --- DLQ
wait_topic_count d1-dlq 5 >/dev/null
D=$(topic_dump d1-dlq)
expect_eq "DLQ exchanges" "$(grep -c 'kcops.dlq.kind=exchange' <<<"$D")" 4
expect_eq "DLQ errors" "$(grep -c 'kcops.dlq.kind=error' <<<"$D")" 1
bad=$(awk -F'\t' '$1 == "kbad"' <<<"$D")
expect_eq "DLQ error keeps the record" "$(cut -f3 <<<"$bad")" '{"nourl":true}'
grep -q '__connect.errors.exception.message=url: missing' <<<"$bad" || kc_fail "DLQ error headers: $bad"
grep -q '__connect.errors.offset=' <<<"$bad" || kc_fail "DLQ offset header"
r500=$(awk -F'\t' '$1 == "k500" { print $3 }' <<<"$D")
expect_eq "DLQ failed exchange" "$(jqv "$r500" .success)" false
wait_committed d1 5
# --- IN_MEMORY_QUEUE
wait_topic_count q-ok 7 >/dev/null
wait_topic_count q-err 2 >/dev/null
Q=$(topic_dump q-ok)
expect_eq "queue ok from qa" "$(grep -c 'kcops.input.topic=in-qa' <<<"$Q")" 4
expect_eq "queue ok from qb" "$(grep -c 'kcops.input.topic=in-qb' <<<"$Q")" 3
awk -F'\t' '$1 == "b2"' <<<"$Q" | kc_grepq '"statusCode":200' || kc_fail "key b2 not carried"
E=$(topic_dump q-err)
expect_eq "queue err 404" "$(awk -F'\t' '$1 == "a404" { print $3 }' <<<"$E" | jq .httpResponse.statusCode)" 404
expect_eq "queue err bad" "$(awk -F'\t' '$1 == "abad" { print $3 }' <<<"$E" | jq -r '.attributes["x.error.kind"]')" invalid_request
wait_committed qa 6
wait_committed qb 3
L=$(curl -s "$WORKER_URL/kcops/v1/queues")
expect_eq "queue consumer" "$(jqv "$L" '.[] | select(.name == "shared") | .consumer')" qs/0
expect_eq "queue enqueued" "$(jqv "$L" '.[] | select(.name == "shared") | .enqueued')" 9
expect_eq "queue dequeued" "$(jqv "$L" '.[] | select(.name == "shared") | .dequeued')" 9
expect_eq "queue producers" "$(jqv "$L" '.[] | select(.name == "shared") | .producers')" 2
# content=response on the source
wait_topic_count qr-ok 1 >/dev/null
expect_eq "source content=response" "$(topic_dump qr-ok | cut -f3 | jq .statusCode)" 201
# --- batching
wait_topic_count b1-ok 3 >/dev/null
B=$(topic_dump b1-ok | cut -f3)
expect_eq "batches" "$(wc -l <<<"$B")" 3
expect_eq "records in batches" "$(jq -s '[.[].attributes["x.batch.size"] | tonumber] | add' <<<"$B")" 12
expect_eq "bodies are JSON arrays" \
	"$(jq -r '.httpResponse.bodyAsString | fromjson | .body | @base64d | fromjson | length' <<<"$B" | jq -s add)" 12
expect_eq "batch requests" "$(tsrv_calls /echo/batch)" 3
wait_committed b1 12
worker_stop
echo "sink_modes: ok"
