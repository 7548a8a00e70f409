/* kc_kafka_mock.c - the embedded mock Kafka cluster (see kc_kafka_mock.h). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_kafka_mock.h"
#include "kc_util.h"

struct kc_kafka_mock {
	rd_kafka_t		*rk;
	rd_kafka_mock_cluster_t	*mc;
	char			*bootstraps;
	int			 brokers;
};

/* Start the mock cluster inside a private producer handle. */
struct kc_kafka_mock *
kc_kafka_mock_new(int brokers, char *err, size_t errlen)
{
	struct kc_kafka_mock *m;
	rd_kafka_conf_t *conf;
	char e[256];

	if (brokers < 1 || brokers > 16) {
		snprintf(err, errlen, "mock cluster: broker count %d out of range 1..16", brokers);
		return NULL;
	}
	conf = rd_kafka_conf_new();
	/* The hosting handle never connects anywhere; silence its "no bootstrap" warning. */
	rd_kafka_conf_set(conf, "log_level", "0", e, sizeof(e));
	m = kc_xcalloc(1, sizeof(*m));
	m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (m->rk == NULL) {
		snprintf(err, errlen, "mock cluster: %s", e);
		free(m);
		return NULL;
	}
	m->mc = rd_kafka_mock_cluster_new(m->rk, brokers);
	if (m->mc == NULL) {
		snprintf(err, errlen, "mock cluster: cannot start %d brokers", brokers);
		rd_kafka_destroy(m->rk);
		free(m);
		return NULL;
	}
	m->bootstraps = kc_xstrdup(rd_kafka_mock_cluster_bootstraps(m->mc));
	m->brokers = brokers;
	return m;
}

/* Stop the cluster; its data is gone. */
void
kc_kafka_mock_free(struct kc_kafka_mock *m)
{
	if (m == NULL)
		return;
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->rk);
	free(m->bootstraps);
	free(m);
}

/* Bootstrap servers of the cluster. */
const char *
kc_kafka_mock_bootstraps(const struct kc_kafka_mock *m)
{
	return m->bootstraps;
}

/* Number of brokers. */
int
kc_kafka_mock_broker_count(const struct kc_kafka_mock *m)
{
	return m->brokers;
}

/* Create a topic on the mock. */
int
kc_kafka_mock_topic_create(struct kc_kafka_mock *m, const char *topic, int partitions,
    int replication, char *err, size_t errlen)
{
	rd_kafka_resp_err_t r;

	if (partitions < 1)
		partitions = 1;
	if (replication < 1)
		replication = 1;
	if (replication > m->brokers)
		replication = m->brokers;
	r = rd_kafka_mock_topic_create(m->mc, topic, partitions, replication);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR && r != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
		snprintf(err, errlen, "mock cluster: cannot create topic %s: %s", topic,
		    rd_kafka_err2str(r));
		return -1;
	}
	return 0;
}

/* Broker down/up. */
int
kc_kafka_mock_broker_set(struct kc_kafka_mock *m, int id, int up, char *err, size_t errlen)
{
	rd_kafka_resp_err_t r;

	if (id < 1 || id > m->brokers) {
		snprintf(err, errlen, "no broker %d (brokers are 1..%d)", id, m->brokers);
		return -1;
	}
	r = up ? rd_kafka_mock_broker_set_up(m->mc, id) : rd_kafka_mock_broker_set_down(m->mc, id);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "broker %d: %s", id, rd_kafka_err2str(r));
		return -1;
	}
	return 0;
}

/* The underlying rd_kafka_mock_cluster_t. */
void *
kc_kafka_mock_cluster(struct kc_kafka_mock *m)
{
	return m->mc;
}
