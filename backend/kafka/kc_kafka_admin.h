/* kc_kafka_admin.h - small admin operations over librdkafka: topic existence and creation,
 * committed offsets of a consumer group. */
#ifndef KC_KAFKA_ADMIN_H
#define KC_KAFKA_ADMIN_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Make sure `topic` exists, using a conf that reaches the cluster (copied, not consumed).
 * Order: the cluster's topic list (never creates) -> CreateTopics with partitions and
 * replication (-1 = broker default) -> on a CreateTopics timeout, or at once on librdkafka's
 * mock cluster (cluster id "mockCluster...", no CreateTopics), a Metadata request naming the
 * topic, which auto-creates on brokers that allow it (the mock does, with 4 partitions).
 * 0, or -1 with err. */
int kc_kafka_ensure_topic(const rd_kafka_conf_t *conf, const char *topic, int partitions,
    int replication, int timeout_ms, char *err, size_t errlen);

/* 1 when `topic` exists, 0 when it does not (no auto-creation), -1 with err. */
int kc_kafka_topic_exists(const rd_kafka_conf_t *conf, const char *topic, int timeout_ms,
    char *err, size_t errlen);

/* Partitions of the named topics with the group's committed offsets, as a new JSON array
 * [{"topic": T, "partition": P, "offset": O}] (only partitions with a commit). `topics` is
 * a JSON array of strings. NULL + err on failure. */
json_t *kc_kafka_group_committed(const rd_kafka_conf_t *conf, const char *group,
    const json_t *topics, int timeout_ms, char *err, size_t errlen);

/* Commit offsets for a group without joining it. `offsets` is a JSON array of
 * {"topic", "partition", "offset"}; an offset of -1 means "the partition's low watermark"
 * (a reset, because the mock has no DeleteConsumerGroupOffsets) and is replaced in place by
 * the resolved value, even when the commit then fails (so the caller can apply the same
 * offsets another way). 0, or -1 with err. */
int kc_kafka_group_commit(const rd_kafka_conf_t *conf, const char *group, json_t *offsets,
    int timeout_ms, char *err, size_t errlen);

#endif
