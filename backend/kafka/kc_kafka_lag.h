/* kc_kafka_lag.h - consumer-group lag of a sink connector, through librdkafka.
 *
 * A sink connector's tasks consume as the group "connect-<connector>" (Apache Kafka Connect
 * and kcops-worker alike). Lag per partition = high watermark - committed offset; a
 * partition with no committed offset counts its whole range (high - low) and is flagged.
 *
 * These calls BLOCK (broker round trips, bounded by timeout_ms): the TUI runs them on a
 * worker thread. conf is a JSON string map of librdkafka properties (bootstrap.servers,
 * security.protocol, sasl.*, ssl.*), as kept in a context's "kafka" section.
 */
#ifndef KC_KAFKA_LAG_H
#define KC_KAFKA_LAG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_err.h"

struct kc_kafka_lag_part {
	char	*topic;
	int32_t	 partition;
	int64_t	 committed;	/* -1: nothing committed */
	int64_t	 low;
	int64_t	 high;
	int64_t	 lag;
};

struct kc_kafka_lag {
	char	*group;
	size_t	 n;
	struct kc_kafka_lag_part *parts;	/* sorted by topic, partition */
	int64_t	 total;
};

/* "connect-<name>" (caller frees). */
char *kc_kafka_lag_group(const char *connector);
/* Lag of `group` on the given topics (names), or on every topic matching topics_regex when
 * ntopics is 0 and topics_regex is set. NULL with err on failure. */
struct kc_kafka_lag *kc_kafka_lag_get(const json_t *conf, const char *group,
    const char *const *topics, size_t ntopics, const char *topics_regex, int timeout_ms,
    struct kc_err *err);
void kc_kafka_lag_free(struct kc_kafka_lag *l);
/* {"group":..., "total":N, "partitions":[{"topic","partition","committed","low","high",
 * "lag"}]} (new reference). */
json_t *kc_kafka_lag_json(const struct kc_kafka_lag *l);

#endif
