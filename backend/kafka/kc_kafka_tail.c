/* kc_kafka_tail.c - follow a topic by partition assignment (no group join, no commits). */
#include "kc_kafka_tail.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_kafka_close.h"
#include "kc_codec.h"
#include "kc_kafka_conf.h"
#include "kc_log.h"
#include "kc_util.h"

struct kc_kafka_tail {
	rd_kafka_t		*rk;
	rd_kafka_message_t	*last;	/* the record handed out by the last poll */
	json_t			*headers;
	char			*topic;
};

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

/* Assign every partition of the topic at the start position. */
struct kc_kafka_tail *
kc_kafka_tail_new(const json_t *conf, const char *topic, const char *start, int timeout_ms,
    struct kc_err *err)
{
	const char *bs = json_string_value(json_object_get(conf, "bootstrap.servers"));
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_conf_t *c;
	struct kc_kafka_tail *t;
	rd_kafka_topic_t *rkt;
	rd_kafka_resp_err_t r;
	long long last_n = -1;
	char e[512], gid[64];
	int p;

	if (bs == NULL || *bs == '\0') {
		kc_err_set(err, KC_E_USAGE, "no Kafka bootstrap servers: set kafka "
		    "\"bootstrap.servers\" in the context, or pass --bootstrap SERVERS");
		return NULL;
	}
	if (start == NULL)
		start = "end";
	if (start[0] == '-') {
		char *end;
		last_n = strtoll(start + 1, &end, 10);
		if (*end != '\0' || last_n < 0) {
			kc_err_set(err, KC_E_USAGE, "start '%s': expected end, beginning or -N",
			    start);
			return NULL;
		}
	} else if (strcmp(start, "end") != 0 && strcmp(start, "beginning") != 0) {
		kc_err_set(err, KC_E_USAGE, "start '%s': expected end, beginning or -N", start);
		return NULL;
	}
	c = rd_kafka_conf_new();
	if (kc_kafka_conf_apply(c, conf, "", e, sizeof e) != 0) {
		kc_err_set(err, KC_E_USAGE, "Kafka settings: %s", e);
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	snprintf(gid, sizeof gid, "kcops-tail-%ld", (long)getpid());
	rd_kafka_conf_set_log_cb(c, quiet_log);
	if (rd_kafka_conf_set(c, "group.id", gid, e, sizeof e) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof e) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(c, "client.id", "kcops-tail", e, sizeof e) !=
	    RD_KAFKA_CONF_OK) {
		kc_err_set(err, KC_E_FAIL, "Kafka settings: %s", e);
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	t = kc_xcalloc(1, sizeof *t);
	t->topic = kc_xstrdup(topic);
	t->rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof e);
	if (t->rk == NULL) {
		kc_err_set(err, KC_E_FAIL, "cannot create a Kafka consumer: %s", e);
		rd_kafka_conf_destroy(c);
		kc_kafka_tail_free(t);
		return NULL;
	}
	rkt = rd_kafka_topic_new(t->rk, topic, NULL);
	r = rd_kafka_metadata(t->rk, 0, rkt, &md, timeout_ms);
	rd_kafka_topic_destroy(rkt);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt < 1 ||
	    md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topics[0].partition_cnt < 1) {
		kc_err_set(err, KC_E_NOTFOUND, "topic '%s': %s", topic,
		    r != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(r) :
		    md->topic_cnt < 1 || md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR ?
		    "no partitions" : rd_kafka_err2str(md->topics[0].err));
		if (md != NULL)
			rd_kafka_metadata_destroy(md);
		kc_kafka_tail_free(t);
		return NULL;
	}
	list = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (p = 0; p < md->topics[0].partition_cnt; p++) {
		int32_t id = md->topics[0].partitions[p].id;
		int64_t off = strcmp(start, "beginning") == 0 ? RD_KAFKA_OFFSET_BEGINNING :
		    RD_KAFKA_OFFSET_END;
		if (last_n >= 0) {
			int64_t lo = 0, hi = 0;
			r = rd_kafka_query_watermark_offsets(t->rk, topic, id, &lo, &hi,
			    timeout_ms);
			if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
				kc_err_set(err, KC_E_IO, "watermarks of %s[%d]: %s", topic, (int)id,
				    rd_kafka_err2str(r));
				rd_kafka_topic_partition_list_destroy(list);
				rd_kafka_metadata_destroy(md);
				kc_kafka_tail_free(t);
				return NULL;
			}
			off = hi - last_n > lo ? hi - last_n : lo;
		}
		rd_kafka_topic_partition_list_add(list, topic, id)->offset = off;
	}
	rd_kafka_metadata_destroy(md);
	r = rd_kafka_assign(t->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_err_set(err, KC_E_FAIL, "assign %s: %s", topic, rd_kafka_err2str(r));
		kc_kafka_tail_free(t);
		return NULL;
	}
	return t;
}

/* Drop the record of the previous poll. */
static void
drop_last(struct kc_kafka_tail *t)
{
	if (t->last != NULL)
		rd_kafka_message_destroy(t->last);
	t->last = NULL;
	json_decref(t->headers);
	t->headers = NULL;
}

/* Close the consumer. */
void
kc_kafka_tail_free(struct kc_kafka_tail *t)
{
	if (t == NULL)
		return;
	drop_last(t);
	if (t->rk != NULL) {
		rd_kafka_assign(t->rk, NULL);
		kc_kafka_consumer_destroy(t->rk, 5000, "tail");
	}
	free(t->topic);
	free(t);
}

/* Next record within timeout_ms. */
int
kc_kafka_tail_poll(struct kc_kafka_tail *t, int timeout_ms, struct kc_kafka_rec *rec,
    struct kc_err *err)
{
	rd_kafka_message_t *m;
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_timestamp_type_t tst;
	size_t i;

	drop_last(t);
	m = rd_kafka_consumer_poll(t->rk, timeout_ms);
	if (m == NULL)
		return 0;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_resp_err_t e = m->err;
		rd_kafka_message_destroy(m);
		if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			return 0;
		kc_err_set(err, KC_E_IO, "%s: %s", t->topic, rd_kafka_err2str(e));
		return -1;
	}
	t->last = m;
	memset(rec, 0, sizeof *rec);
	rec->topic = rd_kafka_topic_name(m->rkt);
	rec->partition = m->partition;
	rec->offset = m->offset;
	rec->timestamp_ms = rd_kafka_message_timestamp(m, &tst);
	if (tst == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
		rec->timestamp_ms = -1;
	rec->key = m->key;
	rec->key_len = m->key_len;
	rec->value = m->payload;
	rec->value_len = m->len;
	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != NULL) {
		const char *name;
		const void *val;
		size_t len;
		t->headers = json_array();
		for (i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &len) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
			json_t *pair = json_array(), *n = json_string(name), *v = NULL;
			if (val != NULL && memchr(val, '\0', len) == NULL)
				v = json_stringn((const char *)val, len);
			json_array_append_new(pair, n != NULL ? n : json_string("?"));
			json_array_append_new(pair, v != NULL ? v : json_null());
			json_array_append_new(t->headers, pair);
		}
		rec->headers = t->headers;
	}
	return 1;
}

/* A JSON string for bytes: the text when it is valid UTF-8 without NULs, else NULL (the
 * caller then uses base64). */
static json_t *
utf8_or_null(const char *p, size_t n)
{
	if (memchr(p, '\0', n) != NULL)
		return NULL;
	return json_stringn(p, n);
}

/* Set o[name] (or o[name_base64]) from bytes; null when absent. */
static void
set_bytes(json_t *o, const char *name, const char *p, size_t n)
{
	json_t *s;
	char key[64];
	struct kc_buf enc = { 0 };

	if (p == NULL) {
		json_object_set_new(o, name, json_null());
		return;
	}
	s = utf8_or_null(p, n);
	if (s != NULL) {
		json_object_set_new(o, name, s);
		return;
	}
	snprintf(key, sizeof key, "%s_base64", name);
	kc_base64_encode(p, n, &enc);
	json_object_set_new(o, key, json_stringn(enc.data, enc.len));
	kc_buf_free(&enc);
}

/* One record as JSON. */
json_t *
kc_kafka_rec_json(const struct kc_kafka_rec *rec)
{
	json_t *o = json_object(), *h;

	json_object_set_new(o, "topic", json_string(rec->topic));
	json_object_set_new(o, "partition", json_integer(rec->partition));
	json_object_set_new(o, "offset", json_integer(rec->offset));
	json_object_set_new(o, "timestamp", rec->timestamp_ms >= 0 ?
	    json_integer(rec->timestamp_ms) : json_null());
	set_bytes(o, "key", rec->key, rec->key_len);
	set_bytes(o, "value", rec->value, rec->value_len);
	h = rec->headers != NULL ? json_deep_copy(rec->headers) : json_array();
	json_object_set_new(o, "headers", h);
	return o;
}
