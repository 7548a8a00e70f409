/* kw_task.c - the task context API of kw_plugin.h (implemented by the runtime). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_kafka_admin.h"
#include "kc_kafka_close.h"
#include "kc_kafka_conf.h"
#include "kc_kafka_mock.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"

#define LOGGER "kcops.worker.task"

const char *
kw_task_connector(const struct kw_task *t)
{
	return t->conn->name;
}

int
kw_task_id(const struct kw_task *t)
{
	return t->id;
}

int
kw_task_count(const struct kw_task *t)
{
	return t->count;
}

const json_t *
kw_task_config(const struct kw_task *t)
{
	return t->config;
}

const char *
kw_task_cfg(const struct kw_task *t, const char *key)
{
	return kc_json_str(t->config, key);
}

long long
kw_task_cfg_int(const struct kw_task *t, const char *key, long long def)
{
	const char *s = kc_json_str(t->config, key);
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? v : def;
}

double
kw_task_cfg_double(const struct kw_task *t, const char *key, double def)
{
	const char *s = kc_json_str(t->config, key);
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtod(s, &end);
	return *end == '\0' ? v : def;
}

bool
kw_task_cfg_bool(const struct kw_task *t, const char *key, bool def)
{
	const char *s = kc_json_str(t->config, key);

	if (s == NULL)
		return def;
	if (strcasecmp(s, "true") == 0)
		return true;
	if (strcasecmp(s, "false") == 0)
		return false;
	return def;
}

enum kw_target
kw_task_target(struct kw_task *t)
{
	return (enum kw_target)atomic_load(&t->target);
}

/* Sleep until ms passed or the target changed. */
enum kw_target
kw_task_sleep(struct kw_task *t, int ms)
{
	struct kw_worker *w = t->w;
	enum kw_target start = kw_task_target(t), cur = start;
	struct timespec ts;

	if (ms <= 0)
		return cur;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while ((cur = kw_task_target(t)) == start) {
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return kw_task_target(t);
}

void
kw_task_set_state(struct kw_task *t, enum kw_task_state state)
{
	struct kw_worker *w = t->w;

	pthread_mutex_lock(&w->lock);
	if (t->state != state) {
		t->state = state;
		if (state != KW_TASK_FAILED) {
			free(t->trace);
			t->trace = NULL;
		}
		kw_bump(w);
	}
	pthread_mutex_unlock(&w->lock);
}

int
kw_task_fail(struct kw_task *t, const char *fmt, ...)
{
	struct kw_worker *w = t->w;
	struct kc_buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	kc_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&w->lock);
	free(t->trace);
	t->trace = kc_buf_steal(&b);
	t->state = KW_TASK_FAILED;
	kw_bump(w);
	pthread_mutex_unlock(&w->lock);
	return -1;
}

const char *
kw_task_state_dir(struct kw_task *t)
{
	if (t->state_dir == NULL) {
		char *enc = kc_url_encode_segment(t->conn->name);

		t->state_dir = kc_xasprintf("%s/connectors/%s", t->w->state_dir, enc);
		free(enc);
		if (kc_mkdirs(t->state_dir) != 0)
			kc_log(LOGGER, KC_LOG_ERROR, "cannot create %s: %s", t->state_dir,
			    strerror(errno));
	}
	return t->state_dir;
}

const char *
kw_task_worker_id(const struct kw_task *t)
{
	return t->w->worker_id;
}

struct kw_worker *
kw_task_worker(struct kw_task *t)
{
	return t->w;
}

/* ---- Kafka ---------------------------------------------------------------------------- */

rd_kafka_conf_t *
kw_worker_kafka_conf(struct kw_worker *w, const char *role, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *key;
	json_t *v;
	char prefix[32], e[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", w->bootstrap, e, sizeof(e)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "bootstrap.servers: %s", e);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	json_object_foreach(w->conf, key, v) {
		bool skipped;

		if (!kc_kafka_conf_is_client_key(key) || !json_is_string(v))
			continue;
		if (kc_kafka_conf_set(conf, key, json_string_value(v), &skipped, err, errlen) != 0) {
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	if (role != NULL) {
		snprintf(prefix, sizeof(prefix), "%s.", role);
		if (kc_kafka_conf_apply(conf, w->conf, prefix, err, errlen) != 0) {
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	return conf;
}

rd_kafka_conf_t *
kw_task_kafka_conf(struct kw_task *t, const char *role, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = kw_worker_kafka_conf(t->w, role, err, errlen);
	char prefix[48], cid[256], e[256];

	if (conf == NULL)
		return NULL;
	snprintf(cid, sizeof(cid), "connector-%s-%s-%d", role, t->conn->name, t->id);
	rd_kafka_conf_set(conf, "client.id", cid, e, sizeof(e));
	snprintf(prefix, sizeof(prefix), "%s.override.", role);
	if (kc_kafka_conf_apply(conf, t->config, prefix, err, errlen) != 0) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

/* Apply sink offsets altered while the connector was stopped (kw_connector.sink_pending)
 * to the partitions just assigned, and commit them from inside the group. */
static void
apply_pending_locked(struct kw_task *t, rd_kafka_topic_partition_list_t *parts,
    rd_kafka_topic_partition_list_t *applied)
{
	json_t *pend, *pe = NULL;
	size_t j;
	int i;

	if (t->conn->sink_pending == NULL)
		return;
	pend = json_object_get(t->conn->sink_pending, "offsets");
	for (i = 0; i < parts->cnt; i++) {
		json_array_foreach(pend, j, pe) {
			if (kc_str_eq(kc_json_str(pe, "topic"), parts->elems[i].topic) &&
			    json_integer_value(json_object_get(pe, "partition")) ==
			    parts->elems[i].partition)
				break;
		}
		if (j == json_array_size(pend))
			continue;
		parts->elems[i].offset = json_integer_value(json_object_get(pe, "offset"));
		rd_kafka_topic_partition_list_add(applied, parts->elems[i].topic,
		    parts->elems[i].partition)->offset = parts->elems[i].offset;
		json_array_remove(pend, j);
	}
	if (json_array_size(pend) == 0) {
		json_decref(t->conn->sink_pending);
		t->conn->sink_pending = NULL;
	}
	if (applied->cnt > 0) {
		kc_log(LOGGER, KC_LOG_INFO, "task %s-%d: applied %d altered sink offset(s)",
		    t->conn->name, t->id, applied->cnt);
		kw_conn_persist_locked(t->w, t->conn);
		kw_herder_save_locked(t->w);
	}
}

void
kw_task_set_rebalance_hook(struct kw_task *t, kw_rebalance_hook fn, void *arg)
{
	t->rebalance_hook = fn;
	t->rebalance_arg = arg;
}

/* librdkafka's rebalance callback (served on the task thread when it polls the consumer).
 * REVOKE: the task hears of it first (it may still commit), then the partitions go; ASSIGN:
 * the partitions are added (from their committed offsets, or altered ones), then the task
 * hears of it. An assign/unassign that fails is logged: the consumer is then in an error
 * state the next rebalance repairs. */
static void
sink_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
    void *opaque)
{
	struct kw_task *t = opaque;
	/* NULL once the group handle is gone (a revocation served while the consumer closes):
	 * the protocol the group used last */
	const char *proto = rd_kafka_rebalance_protocol(rk);
	bool coop = proto != NULL ? strcmp(proto, "COOPERATIVE") == 0 : t->rebalance_coop;
	rd_kafka_error_t *e = NULL;
	rd_kafka_resp_err_t r = RD_KAFKA_RESP_ERR_NO_ERROR;

	t->rebalance_coop = coop;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_topic_partition_list_t *applied = rd_kafka_topic_partition_list_new(4);

		pthread_mutex_lock(&t->w->lock);
		apply_pending_locked(t, parts, applied);
		pthread_mutex_unlock(&t->w->lock);
		if (t->rebalance_hook != NULL)
			t->rebalance_hook(t, KW_REBALANCE_ASSIGNING, parts, false, t->rebalance_arg);
		if (coop)
			e = rd_kafka_incremental_assign(rk, parts);
		else
			r = rd_kafka_assign(rk, parts);
		if (applied->cnt > 0)
			rd_kafka_commit(rk, applied, 1);
		rd_kafka_topic_partition_list_destroy(applied);
		kc_log(LOGGER, KC_LOG_INFO, "task %s-%d: %d partition(s) assigned",
		    t->conn->name, t->id, parts->cnt);
		if (t->rebalance_hook != NULL)
			t->rebalance_hook(t, KW_REBALANCE_ASSIGN, parts, false, t->rebalance_arg);
	} else {
		bool lost = rd_kafka_assignment_lost(rk) != 0;

		kc_log(LOGGER, KC_LOG_INFO, "task %s-%d: %d partition(s) %s", t->conn->name, t->id,
		    parts->cnt, lost ? "lost (the group gave them away)" : "revoked");
		if (t->rebalance_hook != NULL)
			t->rebalance_hook(t, KW_REBALANCE_REVOKE, parts, lost, t->rebalance_arg);
		if (coop)
			e = rd_kafka_incremental_unassign(rk, parts);
		else
			r = rd_kafka_assign(rk, NULL);
	}
	if (e != NULL) {
		kc_log(LOGGER, KC_LOG_WARN, "task %s-%d: rebalance: %s", t->conn->name, t->id,
		    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	} else if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_log(LOGGER, KC_LOG_WARN, "task %s-%d: rebalance: %s", t->conn->name, t->id,
		    rd_kafka_err2str(r));
	}
}

void
kw_task_consumer_destroy(struct kw_task *t, rd_kafka_t *rk, const char *what)
{
	char who[300];

	if (rk == NULL)
		return;
	snprintf(who, sizeof who, "task %s-%d: %s", t->conn->name, t->id, what);
	kc_kafka_consumer_destroy(rk, (int)kw_task_cfg_int(t, "task.shutdown.graceful.timeout.ms",
	    5000), who);
}

rd_kafka_t *
kw_task_sink_consumer(struct kw_task *t, char *err, size_t errlen)
{
	return kw_task_sink_consumer_with(t, NULL, err, errlen);
}

rd_kafka_t *
kw_task_sink_consumer_with(struct kw_task *t, const json_t *defaults, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = kw_task_kafka_conf(t, "consumer", err, errlen);
	rd_kafka_topic_partition_list_t *subs;
	const char *topics, *regex, *dkey;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	char e[512], *group, *wk, *ck;
	json_t *dval;

	if (conf == NULL)
		return NULL;
	/* the plugin's defaults, where neither the worker nor the connector sets the key */
	json_object_foreach((json_t *)defaults, dkey, dval) {
		wk = kc_xasprintf("consumer.%s", dkey);
		ck = kc_xasprintf("consumer.override.%s", dkey);
		if (json_is_string(dval) && kc_json_str(t->w->conf, wk) == NULL &&
		    kc_json_str(t->config, ck) == NULL &&
		    rd_kafka_conf_set(conf, dkey, json_string_value(dval), e, sizeof(e)) !=
		    RD_KAFKA_CONF_OK)
			kc_log(LOGGER, KC_LOG_WARN, "task %s-%d: consumer default %s: %s",
			    t->conn->name, t->id, dkey, e);
		free(wk);
		free(ck);
	}
	group = kc_xasprintf("connect-%s", t->conn->name);
	if (rd_kafka_conf_set(conf, "group.id", group, e, sizeof(e)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", e, sizeof(e)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "consumer config: %s", e);
		free(group);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	/* auto.offset.reset=earliest unless overridden (worker consumer. or connector
	 * consumer.override.). */
	if (kc_json_str(t->w->conf, "consumer.auto.offset.reset") == NULL &&
	    kc_json_str(t->config, "consumer.override.auto.offset.reset") == NULL)
		rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", e, sizeof(e));
	free(group);
	rd_kafka_conf_set_rebalance_cb(conf, sink_rebalance);
	rd_kafka_conf_set_opaque(conf, t);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
	if (rk == NULL) {
		snprintf(err, errlen, "cannot create consumer: %s", e);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	subs = rd_kafka_topic_partition_list_new(4);
	topics = kw_task_cfg(t, "topics");
	regex = kw_task_cfg(t, "topics.regex");
	if (topics != NULL && *topics != '\0') {
		char *copy = kc_xstrdup(topics), *save = NULL, *tok;

		for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			kc_str_trim(tok);
			if (*tok == '\0')
				continue;
			rd_kafka_topic_partition_list_add(subs, tok, RD_KAFKA_PARTITION_UA);
			pthread_mutex_lock(&t->w->lock);
			kw_conn_topic_used_locked(t->w, t->conn, tok);
			pthread_mutex_unlock(&t->w->lock);
		}
		free(copy);
	} else if (regex != NULL && *regex != '\0') {
		char *re = regex[0] == '^' ? kc_xstrdup(regex) : kc_xasprintf("^%s", regex);

		rd_kafka_topic_partition_list_add(subs, re, RD_KAFKA_PARTITION_UA);
		free(re);
	}
	r = rd_kafka_subscribe(rk, subs);
	rd_kafka_topic_partition_list_destroy(subs);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(r));
		rd_kafka_destroy(rk);
		return NULL;
	}
	return rk;
}

rd_kafka_t *
kw_task_producer(struct kw_task *t, const json_t *conf_overrides, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = kw_task_kafka_conf(t, "producer", err, errlen);
	rd_kafka_t *rk;
	char e[512];

	if (conf == NULL)
		return NULL;
	if (conf_overrides != NULL && kc_kafka_conf_apply(conf, conf_overrides, "", err,
	    errlen) != 0) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (rk == NULL) {
		snprintf(err, errlen, "cannot create producer: %s", e);
		rd_kafka_conf_destroy(conf);
	}
	return rk;
}

int
kw_task_ensure_topic(struct kw_task *t, const char *topic, char *err, size_t errlen)
{
	struct kw_worker *w = t->w;
	int parts = (int)kw_task_cfg_int(t, "topic.creation.default.partitions", 1);
	int repl = (int)kw_task_cfg_int(t, "topic.creation.default.replication.factor", -1);
	int r;

	if (strcmp(kw_config_get(w, "topic.creation.enable", "true"), "false") == 0) {
		/* Topic creation is off for this worker: the topic must already exist. */
		rd_kafka_conf_t *conf = kw_task_kafka_conf(t, "admin", err, errlen);

		if (conf == NULL)
			return -1;
		r = kc_kafka_topic_exists(conf, topic, 5000, err, errlen);
		rd_kafka_conf_destroy(conf);
		if (r == 0)
			snprintf(err, errlen, "topic %s does not exist and topic.creation.enable=false",
			    topic);
		r = r == 1 ? 0 : -1;
	} else if (w->mock != NULL) {
		r = kc_kafka_mock_topic_create(w->mock, topic, parts < 1 ? 1 : parts,
		    repl < 1 ? 1 : repl, err, errlen);
	} else {
		rd_kafka_conf_t *conf = kw_task_kafka_conf(t, "admin", err, errlen);

		if (conf == NULL)
			return -1;
		r = kc_kafka_ensure_topic(conf, topic, parts, repl, 5000, err, errlen);
		rd_kafka_conf_destroy(conf);
	}
	if (r == 0) {
		pthread_mutex_lock(&w->lock);
		kw_conn_topic_used_locked(w, t->conn, topic);
		pthread_mutex_unlock(&w->lock);
	}
	return r;
}

/* ---- converters ----------------------------------------------------------------------- */

const struct kw_converter *
kw_task_key_converter(const struct kw_task *t)
{
	return &t->kconv;
}

const struct kw_converter *
kw_task_value_converter(const struct kw_task *t)
{
	return &t->vconv;
}

/* ---- metrics and exchanges ------------------------------------------------------------ */

void
kw_task_set_metrics(struct kw_task *t, json_t *metrics)
{
	struct kw_worker *w = t->w;

	pthread_mutex_lock(&w->lock);
	json_decref(t->metrics);
	t->metrics = metrics;
	pthread_mutex_unlock(&w->lock);
}

void
kw_task_publish_exchange(struct kw_task *t, json_t *summary)
{
	struct kw_worker *w = t->w;
	struct kw_connector *c = t->conn;
	size_t slot;
	char *name;

	if (!json_is_object(summary)) {
		json_decref(summary);
		return;
	}
	pthread_mutex_lock(&w->lock);
	json_object_set_new(summary, "seq", json_integer((json_int_t)c->next_seq));
	json_object_set_new(summary, "task", json_integer(t->id));
	if (c->ring == NULL)
		c->ring = kc_xcalloc(c->ring_size, sizeof(*c->ring));
	slot = c->next_seq % c->ring_size;
	json_decref(c->ring[slot]);
	c->ring[slot] = summary;
	c->next_seq++;
	name = kc_xstrdup(c->name);
	pthread_mutex_unlock(&w->lock);
	if (w->rest != NULL)
		kw_rest_wake(w->rest, name);
	free(name);
}

/* ---- source offsets ------------------------------------------------------------------- */

json_t *
kw_task_source_offset_get(struct kw_task *t, const json_t *partition)
{
	struct kw_worker *w = t->w;
	json_t *arr, *e, *out = NULL;
	size_t i;

	pthread_mutex_lock(&w->lock);
	arr = json_object_get(w->offsets, t->conn->name);
	json_array_foreach(arr, i, e)
		if (json_equal(json_object_get(e, "partition"), (json_t *)partition)) {
			out = json_deep_copy(json_object_get(e, "offset"));
			break;
		}
	pthread_mutex_unlock(&w->lock);
	return out;
}

void
kw_task_source_offset_put(struct kw_task *t, const json_t *partition, const json_t *offset)
{
	struct kw_worker *w = t->w;
	json_t *arr, *e;
	size_t i;

	pthread_mutex_lock(&w->lock);
	if (t->conn->deleted) {	/* its offsets went with it */
		pthread_mutex_unlock(&w->lock);
		return;
	}
	arr = json_object_get(w->offsets, t->conn->name);
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(w->offsets, t->conn->name, arr);
	}
	json_array_foreach(arr, i, e)
		if (json_equal(json_object_get(e, "partition"), (json_t *)partition)) {
			json_object_set_new(e, "offset", json_deep_copy(offset));
			break;
		}
	if (i == json_array_size(arr))
		json_array_append_new(arr, json_pack("{s:o,s:o}", "partition",
		    json_deep_copy(partition), "offset", json_deep_copy(offset)));
	w->offsets_dirty = true;
	kw_dist_offset_write_locked(w, t->conn->name, partition, offset);	/* distributed */
	pthread_mutex_unlock(&w->lock);
}
