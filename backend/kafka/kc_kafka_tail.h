/* kc_kafka_tail.h - follow a topic through librdkafka (like `kcat -C -o end`).
 *
 * Uses partition assignment, not a consumer group, so it starts at once (no group join) and
 * commits nothing. The start is "end" (only new records), "beginning", or "-N" (the last N
 * records of each partition).
 *
 * kc_kafka_tail_poll() waits at most timeout_ms, so the TUI can call it from a worker thread
 * in a loop, or with timeout 0 from its event loop.
 */
#ifndef KC_KAFKA_TAIL_H
#define KC_KAFKA_TAIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_err.h"

struct kc_kafka_tail;

/* One record; every pointer is valid until the next poll or free. */
struct kc_kafka_rec {
	const char	*topic;
	int32_t		 partition;
	int64_t		 offset;
	int64_t		 timestamp_ms;	/* -1 when unknown */
	const char	*key;		/* may hold NULs; NULL when absent */
	size_t		 key_len;
	const char	*value;		/* NULL for a tombstone */
	size_t		 value_len;
	json_t		*headers;	/* borrowed: [[name, value-or-null], ...] or NULL */
};

/* conf: librdkafka string map (bootstrap.servers, security.*, sasl.*, ssl.*). */
struct kc_kafka_tail *kc_kafka_tail_new(const json_t *conf, const char *topic,
    const char *start, int timeout_ms, struct kc_err *err);
void kc_kafka_tail_free(struct kc_kafka_tail *t);
/* 1 with rec filled, 0 when nothing arrived within timeout_ms, -1 with err on an error. */
int kc_kafka_tail_poll(struct kc_kafka_tail *t, int timeout_ms, struct kc_kafka_rec *rec,
    struct kc_err *err);
/* The record as a JSON object {topic, partition, offset, timestamp, key, value, headers}
 * (strings sanitised only for non-UTF-8 bytes, i.e. valid JSON). New reference. */
json_t *kc_kafka_rec_json(const struct kc_kafka_rec *rec);

#endif
