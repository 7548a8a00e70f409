/* kc_kafka_mock.h - librdkafka's mock cluster as an embedded development broker.
 *
 * DESIGN
 * rd_kafka_mock_cluster_new() needs an rd_kafka_t to live in; we create a dedicated producer
 * handle for it and keep both for the lifetime of the kc_kafka_mock object. The mock speaks
 * the real protocol on random loopback ports; data lives in memory only (about 5 MiB kept per
 * partition), there is no CreateTopics (topics are created with kc_kafka_mock_topic_create()
 * or auto-created by Metadata requests from producers, 4 partitions by default). */
#ifndef KC_KAFKA_MOCK_H
#define KC_KAFKA_MOCK_H

#include <stddef.h>

struct kc_kafka_mock;

/* Start a mock cluster with `brokers` brokers (1..16). NULL + err on failure. */
struct kc_kafka_mock *kc_kafka_mock_new(int brokers, char *err, size_t errlen);
void kc_kafka_mock_free(struct kc_kafka_mock *m);
/* "127.0.0.1:p1,127.0.0.1:p2,..." Borrowed, valid until _free. */
const char *kc_kafka_mock_bootstraps(const struct kc_kafka_mock *m);
int kc_kafka_mock_broker_count(const struct kc_kafka_mock *m);
/* Create a topic (partitions >= 1, replication 1..brokers). An existing topic is not an error.
 * 0, or -1 with err. */
int kc_kafka_mock_topic_create(struct kc_kafka_mock *m, const char *topic, int partitions,
    int replication, char *err, size_t errlen);
/* Take broker `id` (1-based) down or up. 0, or -1 with err. */
int kc_kafka_mock_broker_set(struct kc_kafka_mock *m, int id, int up, char *err, size_t errlen);
/* The mock cluster's rd_kafka_mock_cluster_t (opaque void to keep rdkafka_mock.h private). */
void *kc_kafka_mock_cluster(struct kc_kafka_mock *m);

#endif
