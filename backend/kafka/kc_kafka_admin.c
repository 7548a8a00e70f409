/* kc_kafka_admin.c - topic creation and group offsets (see kc_kafka_admin.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_kafka_admin.h"
#include "kc_kafka_conf.h"
#include "kc_util.h"

/* A client of `type` from a copy of conf, with extra settings; NULL + err. */
static rd_kafka_t *
client_new(const rd_kafka_conf_t *conf, rd_kafka_type_t type, const char *group, char *err,
    size_t errlen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_dup(conf);
	rd_kafka_t *rk;
	char e[512];

	if (group != NULL &&
	    rd_kafka_conf_set(c, "group.id", group, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "group.id: %s", e);
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	if (type == RD_KAFKA_CONSUMER) {
		rd_kafka_conf_set(c, "allow.auto.create.topics", "false", e, sizeof(e));
		rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof(e));
	}
	rk = rd_kafka_new(type, c, e, sizeof(e));
	if (rk == NULL) {
		snprintf(err, errlen, "cannot create Kafka client: %s", e);
		rd_kafka_conf_destroy(c);
	}
	return rk;
}

/* 1 exists, 0 unknown, -1 error (err set). With `list` the cluster's whole topic list is
 * read, which never creates anything (a Metadata request naming the topic may auto-create
 * it: librdkafka's mock cluster answers old Metadata versions and always does). */
static int
topic_lookup(rd_kafka_t *rk, const char *topic, int list, int timeout_ms, char *err,
    size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = list ? NULL : rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t r;
	int ret = 0, i;

	r = rd_kafka_metadata(rk, list, rkt, &md, timeout_ms);
	if (rkt != NULL)
		rd_kafka_topic_destroy(rkt);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "metadata for topic %s: %s", topic, rd_kafka_err2str(r));
		return -1;
	}
	for (i = 0; i < md->topic_cnt; i++) {
		if (strcmp(md->topics[i].topic, topic) != 0)
			continue;
		if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
		    md->topics[i].partition_cnt > 0)
			ret = 1;
		else if (md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
		    md->topics[i].err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
		    md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "topic %s: %s", topic,
			    rd_kafka_err2str(md->topics[i].err));
			ret = -1;
		}
	}
	rd_kafka_metadata_destroy(md);
	return ret;
}

static int
topic_exists(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err, size_t errlen)
{
	return topic_lookup(rk, topic, 1, timeout_ms, err, errlen);
}

/* CreateTopics; 0 ok/exists, 1 timed out, -1 error. */
static int
create_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
    int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_NewTopic_t *nt;
	rd_kafka_AdminOptions_t *opt;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	char e[512];
	int ret = -1;

	nt = rd_kafka_NewTopic_new(topic, partitions, replication, e, sizeof(e));
	if (nt == NULL) {
		snprintf(err, errlen, "topic %s: %s", topic, e);
		return -1;
	}
	q = rd_kafka_queue_new(rk);
	opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_request_timeout(opt, timeout_ms, e, sizeof(e));
	rd_kafka_AdminOptions_set_operation_timeout(opt, timeout_ms, e, sizeof(e));
	rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
	ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
	if (ev == NULL) {
		snprintf(err, errlen, "CreateTopics %s: no answer", topic);
		ret = 1;
	} else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_resp_err_t r = rd_kafka_event_error(ev);

		snprintf(err, errlen, "CreateTopics %s: %s", topic, rd_kafka_event_error_string(ev));
		ret = (r == RD_KAFKA_RESP_ERR__TIMED_OUT) ? 1 : -1;
	} else {
		const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
		size_t n = 0;
		const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
		rd_kafka_resp_err_t r = n > 0 ? rd_kafka_topic_result_error(tr[0]) :
		    RD_KAFKA_RESP_ERR_NO_ERROR;

		if (r == RD_KAFKA_RESP_ERR_NO_ERROR || r == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			ret = 0;
		else {
			const char *m = rd_kafka_topic_result_error_string(tr[0]);

			snprintf(err, errlen, "CreateTopics %s: %s", topic,
			    m != NULL ? m : rd_kafka_err2str(r));
			ret = r == RD_KAFKA_RESP_ERR__TIMED_OUT ||
			    r == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT ? 1 : -1;
		}
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(opt);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return ret;
}

/* Ensure a topic exists (see header for the order of attempts). */
int
kc_kafka_ensure_topic(const rd_kafka_conf_t *conf, const char *topic, int partitions,
    int replication, int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_t *rk;
	int r;

	rk = client_new(conf, RD_KAFKA_CONSUMER, NULL, err, errlen);
	if (rk == NULL)
		return -1;
	r = topic_exists(rk, topic, timeout_ms, err, errlen);
	rd_kafka_destroy(rk);
	if (r != 0)
		return r == 1 ? 0 : -1;

	rk = client_new(conf, RD_KAFKA_PRODUCER, NULL, err, errlen);
	if (rk == NULL)
		return -1;
	{
		/* librdkafka's mock cluster (cluster id "mockCluster...") has no CreateTopics:
		 * go straight to Metadata auto-creation instead of waiting for a timeout. */
		char *id = rd_kafka_clusterid(rk, timeout_ms);
		bool mock = id != NULL && strncmp(id, "mockCluster", 11) == 0;

		if (id != NULL)
			rd_kafka_mem_free(rk, id);
		if (mock) {
			snprintf(err, errlen, "mock cluster without CreateTopics");
			r = 1;
		} else
			r = create_topic(rk, topic, partitions, replication, timeout_ms, err,
			    errlen);
	}
	if (r == 1) {
		/* No CreateTopics on this cluster: let Metadata auto-create it. */
		char e2[512];

		r = topic_lookup(rk, topic, 0, timeout_ms, e2, sizeof(e2));
		if (r == 1)
			r = 0;
		else {
			size_t l = strlen(err);

			snprintf(err + l, errlen - l, "; auto-creation: %s",
			    r == 0 ? "topic still unknown" : e2);
			r = -1;
		}
	}
	rd_kafka_destroy(rk);
	return r;
}

/* Existence check without creating. */
int
kc_kafka_topic_exists(const rd_kafka_conf_t *conf, const char *topic, int timeout_ms,
    char *err, size_t errlen)
{
	rd_kafka_t *rk = client_new(conf, RD_KAFKA_CONSUMER, NULL, err, errlen);
	int r;

	if (rk == NULL)
		return -1;
	r = topic_exists(rk, topic, timeout_ms, err, errlen);
	rd_kafka_destroy(rk);
	return r;
}

/* Partition list of topics from metadata; NULL + err. */
static rd_kafka_topic_partition_list_t *
topic_partitions(rd_kafka_t *rk, const json_t *topics, int timeout_ms, char *err,
    size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t r;
	size_t i;
	int t, p;

	r = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "metadata: %s", rd_kafka_err2str(r));
		return NULL;
	}
	l = rd_kafka_topic_partition_list_new(8);
	for (i = 0; i < json_array_size(topics); i++) {
		const char *name = json_string_value(json_array_get(topics, i));

		if (name == NULL)
			continue;
		for (t = 0; t < md->topic_cnt; t++) {
			if (strcmp(md->topics[t].topic, name) != 0)
				continue;
			for (p = 0; p < md->topics[t].partition_cnt; p++)
				rd_kafka_topic_partition_list_add(l, name,
				    md->topics[t].partitions[p].id);
		}
	}
	rd_kafka_metadata_destroy(md);
	return l;
}

/* Committed offsets of a group for the given topics. */
json_t *
kc_kafka_group_committed(const rd_kafka_conf_t *conf, const char *group, const json_t *topics,
    int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	json_t *out;
	int i;

	rk = client_new(conf, RD_KAFKA_CONSUMER, group, err, errlen);
	if (rk == NULL)
		return NULL;
	l = topic_partitions(rk, topics, timeout_ms, err, errlen);
	if (l == NULL) {
		rd_kafka_destroy(rk);
		return NULL;
	}
	out = json_array();
	if (l->cnt > 0) {
		r = rd_kafka_committed(rk, l, timeout_ms);
		if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "committed offsets of group %s: %s", group,
			    rd_kafka_err2str(r));
			json_decref(out);
			out = NULL;
		}
	}
	for (i = 0; out != NULL && i < l->cnt; i++) {
		if (l->elems[i].offset < 0)
			continue;
		json_array_append_new(out, json_pack("{s:s,s:i,s:I}", "topic", l->elems[i].topic,
		    "partition", (int)l->elems[i].partition, "offset",
		    (json_int_t)l->elems[i].offset));
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return out;
}

/* Commit offsets without joining the group. */
int
kc_kafka_group_commit(const rd_kafka_conf_t *conf, const char *group, json_t *offsets,
    int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	size_t i;
	int ret = 0;

	rk = client_new(conf, RD_KAFKA_CONSUMER, group, err, errlen);
	if (rk == NULL)
		return -1;
	l = rd_kafka_topic_partition_list_new((int)json_array_size(offsets) + 1);
	for (i = 0; i < json_array_size(offsets); i++) {
		json_t *o = json_array_get(offsets, i);
		const char *topic = json_string_value(json_object_get(o, "topic"));
		int part = (int)json_integer_value(json_object_get(o, "partition"));
		int64_t off = json_integer_value(json_object_get(o, "offset"));

		if (topic == NULL)
			continue;
		if (off < 0) {
			int64_t lo = 0, hi = 0;

			r = rd_kafka_query_watermark_offsets(rk, topic, part, &lo, &hi, timeout_ms);
			if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
				snprintf(err, errlen, "watermarks of %s-%d: %s", topic, part,
				    rd_kafka_err2str(r));
				ret = -1;
				break;
			}
			off = lo;
			json_object_set_new(o, "offset", json_integer((json_int_t)off));
		}
		rd_kafka_topic_partition_list_add(l, topic, part)->offset = off;
	}
	if (ret == 0 && l->cnt > 0) {
		r = rd_kafka_commit(rk, l, 0);
		if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "commit for group %s: %s", group, rd_kafka_err2str(r));
			ret = -1;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return ret;
}
