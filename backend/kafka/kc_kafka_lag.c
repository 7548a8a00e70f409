/* kc_kafka_lag.c - consumer-group lag: committed offsets (OffsetFetch, without joining the
 * group) against each partition's watermarks. See kc_kafka_lag.h. */
#include "kc_kafka_lag.h"

#include <librdkafka/rdkafka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_kafka_conf.h"
#include "kc_log.h"
#include "kc_util.h"

/* The consumer group of a sink connector. */
char *
kc_kafka_lag_group(const char *connector)
{
	return kc_xasprintf("connect-%s", connector);
}

/* librdkafka's own log goes to the "kcops.kafka" logger at debug level: never straight to
 * the terminal (the console may be on it); failures reach the caller as errors. */
static void
quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	if (kc_log_enabled("kcops.kafka", KC_LOG_DEBUG))
		kc_log("kcops.kafka", KC_LOG_DEBUG, "%s: %s", fac, buf);
}

/* A consumer handle from the string map, never joining any group. NULL + err. */
static rd_kafka_t *
lag_client(const json_t *conf, const char *group, struct kc_err *err)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char e[512];
	rd_kafka_t *rk;
	const char *bs = json_string_value(json_object_get(conf, "bootstrap.servers"));

	if (bs == NULL || *bs == '\0') {
		kc_err_set(err, KC_E_USAGE, "no Kafka bootstrap servers: set kafka "
		    "\"bootstrap.servers\" in the context, or pass --bootstrap SERVERS");
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	if (kc_kafka_conf_apply(c, conf, "", e, sizeof e) != 0) {
		kc_err_set(err, KC_E_USAGE, "Kafka settings: %s", e);
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(c, quiet_log);
	if (rd_kafka_conf_set(c, "group.id", group, e, sizeof e) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof e) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(c, "client.id", "kcops-lag", e, sizeof e) !=
	    RD_KAFKA_CONF_OK) {
		kc_err_set(err, KC_E_FAIL, "Kafka settings: %s", e);
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof e);
	if (rk == NULL) {
		kc_err_set(err, KC_E_FAIL, "cannot create a Kafka consumer: %s", e);
		rd_kafka_conf_destroy(c);
	}
	return rk;
}

/* qsort by topic, partition. */
static int
cmp_part(const void *a, const void *b)
{
	const struct kc_kafka_lag_part *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	return c != 0 ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Is this topic wanted? */
static int
wanted(const char *topic, const char *const *topics, size_t ntopics, regex_t *re)
{
	size_t i;

	for (i = 0; i < ntopics; i++)
		if (strcmp(topics[i], topic) == 0)
			return 1;
	return re != NULL && regexec(re, topic, 0, NULL, 0) == 0;
}

/* Lag of a group on topics: committed offsets against watermarks. */
struct kc_kafka_lag *
kc_kafka_lag_get(const json_t *conf, const char *group, const char *const *topics,
    size_t ntopics, const char *topics_regex, int timeout_ms, struct kc_err *err)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_partition_list_t *list = NULL;
	struct kc_kafka_lag *l = NULL;
	regex_t re, *rep = NULL;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	size_t i, k;
	int t, p;

	if (ntopics == 0 && (topics_regex == NULL || *topics_regex == '\0')) {
		kc_err_set(err, KC_E_USAGE, "no topics to measure lag on");
		return NULL;
	}
	if (ntopics == 0) {
		/* Connect's topics.regex is a Java regex; POSIX ERE covers the usual forms. */
		if (regcomp(&re, topics_regex, REG_EXTENDED | REG_NOSUB) != 0) {
			kc_err_set(err, KC_E_USAGE, "topics.regex '%s' is not a regex kcops "
			    "understands", topics_regex);
			return NULL;
		}
		rep = &re;
	}
	rk = lag_client(conf, group, err);
	if (rk == NULL)
		goto out;
	r = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_err_set(err, KC_E_IO, "Kafka metadata: %s", rd_kafka_err2str(r));
		goto out;
	}
	for (i = 0; i < ntopics; i++) {
		int found = 0;
		for (t = 0; t < md->topic_cnt; t++)
			found |= strcmp(md->topics[t].topic, topics[i]) == 0 &&
			    md->topics[t].err == RD_KAFKA_RESP_ERR_NO_ERROR;
		if (!found) {
			kc_err_set(err, KC_E_NOTFOUND, "topic '%s' does not exist on the Kafka "
			    "cluster", topics[i]);
			goto out;
		}
	}
	list = rd_kafka_topic_partition_list_new(16);
	for (t = 0; t < md->topic_cnt; t++) {
		if (!wanted(md->topics[t].topic, topics, ntopics, rep))
			continue;
		for (p = 0; p < md->topics[t].partition_cnt; p++)
			rd_kafka_topic_partition_list_add(list, md->topics[t].topic,
			    md->topics[t].partitions[p].id);
	}
	if (list->cnt > 0) {
		r = rd_kafka_committed(rk, list, timeout_ms);
		if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
			kc_err_set(err, KC_E_IO, "committed offsets of group %s: %s", group,
			    rd_kafka_err2str(r));
			goto out;
		}
	}
	l = kc_xcalloc(1, sizeof *l);
	l->group = kc_xstrdup(group);
	l->parts = list->cnt > 0 ? kc_xcalloc((size_t)list->cnt, sizeof *l->parts) : NULL;
	for (k = 0; k < (size_t)list->cnt; k++) {
		rd_kafka_topic_partition_t *tp = &list->elems[k];
		struct kc_kafka_lag_part *lp = &l->parts[l->n++];
		int64_t lo = 0, hi = 0;
		lp->topic = kc_xstrdup(tp->topic);
		lp->partition = tp->partition;
		lp->committed = tp->err == RD_KAFKA_RESP_ERR_NO_ERROR && tp->offset >= 0 ?
		    tp->offset : -1;
		r = rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi,
		    timeout_ms);
		if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
			kc_err_set(err, KC_E_IO, "watermarks of %s[%d]: %s", tp->topic,
			    (int)tp->partition, rd_kafka_err2str(r));
			kc_kafka_lag_free(l);
			l = NULL;
			goto out;
		}
		lp->low = lo;
		lp->high = hi;
		lp->lag = lp->committed >= 0 ? hi - lp->committed : hi - lo;
		if (lp->lag < 0)
			lp->lag = 0;
		l->total += lp->lag;
	}
	if (l->n > 1)
		qsort(l->parts, l->n, sizeof *l->parts, cmp_part);
out:
	if (list != NULL)
		rd_kafka_topic_partition_list_destroy(list);
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	if (rk != NULL)
		rd_kafka_destroy(rk);
	if (rep != NULL)
		regfree(rep);
	return l;
}

/* Free a lag result. */
void
kc_kafka_lag_free(struct kc_kafka_lag *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->parts[i].topic);
	free(l->parts);
	free(l->group);
	free(l);
}

/* A lag result as JSON. */
json_t *
kc_kafka_lag_json(const struct kc_kafka_lag *l)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(o, "group", json_string(l->group));
	json_object_set_new(o, "total", json_integer(l->total));
	for (i = 0; i < l->n; i++) {
		const struct kc_kafka_lag_part *p = &l->parts[i];
		json_array_append_new(arr, json_pack("{sssisIsIsIsI}", "topic", p->topic,
		    "partition", (int)p->partition, "committed", (json_int_t)p->committed,
		    "low", (json_int_t)p->low, "high", (json_int_t)p->high, "lag",
		    (json_int_t)p->lag));
	}
	json_object_set_new(o, "partitions", arr);
	return o;
}
