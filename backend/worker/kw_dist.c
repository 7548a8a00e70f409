/* kw_dist.c - distributed mode: several kcops-worker processes as one cluster.
 *
 * DESIGN
 * On when both group.id and config.storage.topic are configured; otherwise nothing here
 * runs and the worker is standalone. Kafka is the coordination engine:
 *
 * - Config topic (partition 0, produced in order): one JSON record per change, the same
 *   shape as a connectors.journal line ({"op": "put", "name", "config", "target"} or
 *   {"op": "del", "name"}), plus {"op": "restart", ...} requests, each with "origin" (the
 *   writer's worker_id). A REST change is applied locally, journaled to state.dir and
 *   produced (delivery awaited) before the answer; every worker reads the topic from the
 *   beginning and applies every record in topic order, so concurrent writes end as the
 *   last one in the topic on every worker. state.dir is only a cache: at start-up the
 *   topic is read up to its end first and wins (a connector missing from a non-empty topic
 *   is dropped); an empty topic is seeded from the cache.
 * - Task ids are Kafka Connect's: a connector has tasks 0..n-1 (n from its config), and the
 *   id never depends on the worker. Sink tasks are spread over the live workers (those whose
 *   heartbeats arrive; sorted by worker_id): task i of connector c runs on member
 *   (hash(c) + i) mod members. Every worker computes the same assignment from the same
 *   heartbeats; when a worker joins or dies, tasks move and keep their ids. The tasks'
 *   consumers share group connect-<name>, so Kafka spreads the partitions over them.
 * - Restarting one task through any worker: a restart_task record with a request id; the
 *   worker running the task restarts it and lists the request in its heartbeat
 *   (restart_acks); every other worker keeps the request pending until a heartbeat shows it
 *   done, and does it itself if the task lands there (its worker died before reading it).
 * - Sources (except the queue source, which runs wherever a sink feeds its queue): run on
 *   one worker only, the member of consumer group group.id (subscribed to the lease topic,
 *   config.storage.topic + "-lease") that is assigned partition 0. When that worker dies
 *   the group rebalances after its session timeout and another member starts them.
 * - Status topic (status.storage.topic, default config.storage.topic + "-status"): each
 *   worker publishes every kw_dist_heartbeat_ms its tasks' states; every worker reads them
 *   and shows other workers' tasks in GET /connectors/{c}/status, as UNASSIGNED once that
 *   worker's heartbeats stop (3 intervals; its tasks then move), and forgets them after 60
 *   intervals. A worker stopping cleanly says "leaving" in its last heartbeat.
 *
 * Threads: one "dist" thread polls the reader (config + status topics) and the lease
 * consumer and publishes heartbeats. Records from the topic are applied under w->lock with
 * w->applying_remote set, so they are journaled locally but not produced again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_kafka_close.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"

#define LOGGER "kcops.worker.dist"
/* heartbeat intervals of silence after which a worker's tasks move to the others */
#define KW_DIST_MEMBER_BEATS	6

extern const struct kw_plugin kw_http_queue_source_plugin;

struct kw_dist {
	struct kw_worker	*w;
	char			*config_topic, *status_topic, *lease_topic, *offsets_topic;
	rd_kafka_t		*prod;		/* config + status records */
	rd_kafka_t		*reader;	/* assigned: config p0, status p0, offsets p0 */
	rd_kafka_t		*lease;		/* group group.id on the lease topic */
	pthread_t		 thread;
	bool			 thread_started;
	atomic_bool		 stop;
	int64_t			 heartbeat_ms;
	atomic_int		 delivery_err;	/* last delivery error of the batch being sent */
	/* lock: the live workers (this one included), sorted; recomputed every 50 ms at most */
	char			**members;
	size_t			 nmembers;
	int64_t			 members_ms;
	/* lock: restart_task requests read from the config topic for tasks that did not run
	 * here then, [{name, task, req, origin, ts}]: done by whichever worker starts the task
	 * next, unless a heartbeat shows another worker did it */
	json_t			*pending;
	json_t			*acks;		/* lock: requests done here, [{req, ms}] */
	unsigned		 req_seq;	/* lock: restart requests made here */
	int64_t			 boot_ms;	/* wall clock at start (request ids) */
	atomic_bool		 hb_now;	/* publish a heartbeat at once (an ack) */
	/* the status topic is read up to where it was when the dist thread started: every live
	 * worker's recent heartbeat is known, sink tasks may start (before that, a starting
	 * worker would take itself for alone and start every task for a moment) */
	atomic_bool		 members_ready;
	int64_t			 status_start, status_ready_at;	/* dist thread */
};

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kw_dist *d = opaque;

	(void)rk;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		atomic_store(&d->delivery_err, (int)m->err);
}

bool
kw_dist_enabled_conf(const json_t *conf)
{
	const char *g = kc_json_str(conf, "group.id"), *t = kc_json_str(conf, "config.storage.topic");

	return g != NULL && *g != '\0' && t != NULL && *t != '\0';
}

/* Does this worker run connector c's tasks? (lock held) */
bool
kw_dist_runs_here_locked(struct kw_worker *w, const struct kw_connector *c)
{
	if (w->dist == NULL || c->plugin == NULL || c->plugin->type == KW_PLUGIN_SINK ||
	    c->plugin == &kw_http_queue_source_plugin)
		return true;
	return w->source_owner;
}

static bool
json_bool_or(const json_t *o, const char *key, bool def)
{
	const json_t *v = json_object_get(o, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

/* ---- applying records ------------------------------------------------------------------ */

static void restart_task_locked(struct kw_worker *w, struct kw_connector *c, const json_t *rec);

static int
parse_target(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "STARTED") == 0)
		return KW_CT_STARTED;
	if (strcmp(s, "PAUSED") == 0)
		return KW_CT_PAUSED;
	if (strcmp(s, "STOPPED") == 0)
		return KW_CT_STOPPED;
	return -1;
}

/* Apply one config-topic record (lock held, applying_remote set). */
static void
apply_locked(struct kw_worker *w, const json_t *rec, bool own)
{
	const char *op = kc_json_str(rec, "op"), *name = kc_json_str(rec, "name");
	struct kw_connector *c;
	json_t *config;
	int t;

	if (op == NULL || name == NULL)
		return;
	c = kw_conn_find_locked(w, name);
	if (strcmp(op, "del") == 0) {
		if (c != NULL) {
			kw_conn_delete_locked(w, c);
			kc_log(LOGGER, KC_LOG_INFO, "connector %s deleted (config topic)", name);
		}
	} else if (strcmp(op, "put") == 0) {
		config = json_object_get(rec, "config");
		t = parse_target(kc_json_str(rec, "target"));
		if (!json_is_object(config) || t < 0)
			return;
		if (c == NULL) {
			c = kw_conn_add_locked(w, name, json_deep_copy(config), (enum kw_ctarget)t);
			kw_conn_mark_dirty_locked(w, c);
			kc_log(LOGGER, KC_LOG_INFO, "connector %s created (config topic)", name);
		} else {
			if (!json_equal(c->config, config))
				kw_conn_set_config_locked(w, c, json_deep_copy(config));
			if ((int)c->target != t)
				kw_conn_set_target_locked(w, c, (enum kw_ctarget)t);
		}
	} else if (strcmp(op, "restart") == 0 && !own && c != NULL) {
		kw_conn_restart_locked(w, c, json_bool_or(rec, "include_tasks", false),
		    json_bool_or(rec, "only_failed", false));
	} else if (strcmp(op, "restart_task") == 0 && c != NULL) {
		restart_task_locked(w, c, rec);
	}
}

/* ---- restarts of single tasks ----------------------------------------------------------- */

/* Is the herder stopping this task for good (it moved to another worker, or the connector
 * stops), rather than restarting it? Such a task does not take restart requests: the fresh
 * instance the herder starts next does (kw_dist_task_started_locked). */
static bool
being_stopped(struct kw_task *t)
{
	return atomic_load(&t->target) == KW_TARGET_STOP && !t->restart_req;
}

/* Note that this worker did restart request `req` (lock held): its next heartbeat, sent at
 * once, tells the requester and the other workers. */
static void
ack_locked(struct kw_worker *w, const char *req)
{
	if (req == NULL)
		return;
	json_array_append_new(w->dist->acks, json_pack("{s:s,s:I}", "req", req, "ms",
	    (json_int_t)kc_mono_ms()));
	atomic_store(&w->dist->hb_now, true);
}

/* The worker that did request `req` (lock held): this one or one whose heartbeat lists it;
 * NULL if none did yet. */
static const char *
acked_by_locked(struct kw_worker *w, const char *req)
{
	const char *wid;
	json_t *a, *peer;
	size_t i;

	json_array_foreach(w->dist->acks, i, a)
		if (strcmp(kc_json_str_or(a, "req", ""), req) == 0)
			return w->worker_id;
	json_object_foreach(w->dist_peers, wid, peer)
		if (strcmp(wid, w->worker_id) != 0)
			json_array_foreach(json_object_get(peer, "restart_acks"), i, a)
				if (json_is_string(a) && strcmp(json_string_value(a), req) == 0)
					return wid;
	return NULL;
}

/* A heartbeat of another worker: forget the pending requests it did (lock held). */
static void
pending_drop_acked_locked(struct kw_worker *w, const json_t *hb)
{
	json_t *acks = json_object_get(hb, "restart_acks"), *a;
	size_t i, j;

	if (!json_is_array(acks) || json_array_size(w->dist->pending) == 0)
		return;
	json_array_foreach(acks, j, a)
		for (i = json_array_size(w->dist->pending); i-- > 0;)
			if (json_is_string(a) && strcmp(kc_json_str_or(json_array_get(w->dist->pending,
			    i), "req", ""), json_string_value(a)) == 0)
				json_array_remove(w->dist->pending, i);
}

/* A restart_task record {name, task, req, ts, origin} (lock held). The worker running the
 * task restarts it and says so in its heartbeat; every other worker keeps the request until
 * a heartbeat shows it done, or it starts the task itself (the task's worker died before it
 * read the request, and the task moved here), or 60 heartbeat intervals passed. */
static void
restart_task_locked(struct kw_worker *w, struct kw_connector *c, const json_t *rec)
{
	const char *req = kc_json_str(rec, "req"), *origin = kc_json_str_or(rec, "origin",
	    "another worker");
	long long id = kc_json_int_or(rec, "task", -1), ts = kc_json_int_or(rec, "ts", 0);
	int k;

	if (c->target == KW_CT_STOPPED || id < 0 || id > 1000000)
		return;
	for (k = 0; k < c->ntasks; k++)	/* (not one being stopped: it moved away) */
		if (c->tasks[k]->id == id && kw_dist_task_here_locked(w, c, (int)id) &&
		    !being_stopped(c->tasks[k])) {
			kw_task_restart_locked(w, c->tasks[k]);
			kc_log(LOGGER, KC_LOG_INFO, "task %s-%lld restart requested by %s (request "
			    "%s)", c->name, id, origin, req != NULL ? req : "-");
			ack_locked(w, req);
			return;
		}
	if (req == NULL || acked_by_locked(w, req) != NULL ||
	    kc_wall_ms() - ts > 60 * w->dist->heartbeat_ms)
		return;
	json_array_append_new(w->dist->pending, json_pack("{s:s,s:I,s:s,s:s,s:I}", "name",
	    c->name, "task", (json_int_t)id, "req", req, "origin", origin, "ts", (json_int_t)ts));
	kc_log(LOGGER, KC_LOG_INFO, "restart request %s of task %s-%lld by %s noted: the task "
	    "does not run on this worker now", req, c->name, id, origin);
}

/* Pending requests of tasks that run here now and were running here before (they were
 * moving away, or this worker was still learning who is alive when it read the request):
 * restart them (lock held; dist thread). */
static void
pending_sweep_locked(struct kw_worker *w)
{
	json_t *p;
	size_t i;
	int k;

	for (i = json_array_size(w->dist->pending); i-- > 0;) {
		struct kw_connector *c;
		int id;

		p = json_array_get(w->dist->pending, i);
		c = kw_conn_find_locked(w, kc_json_str_or(p, "name", ""));
		id = (int)kc_json_int_or(p, "task", -1);
		if (c == NULL || c->target == KW_CT_STOPPED || !kw_dist_task_here_locked(w, c, id))
			continue;
		for (k = 0; k < c->ntasks; k++)
			if (c->tasks[k]->id == id && !c->tasks[k]->restart_req &&
			    !being_stopped(c->tasks[k])) {
				kw_task_restart_locked(w, c->tasks[k]);
				kc_log(LOGGER, KC_LOG_INFO, "task %s-%d restart requested by %s "
				    "(request %s)", c->name, id, kc_json_str_or(p, "origin", ""),
				    kc_json_str_or(p, "req", ""));
				ack_locked(w, kc_json_str(p, "req"));
				json_array_remove(w->dist->pending, i);
				break;
			}
	}
}

void
kw_dist_task_started_locked(struct kw_worker *w, const struct kw_connector *c, int id)
{
	json_t *p;
	size_t i;

	if (w->dist == NULL)
		return;
	for (i = json_array_size(w->dist->pending); i-- > 0;) {
		p = json_array_get(w->dist->pending, i);
		if (strcmp(kc_json_str_or(p, "name", ""), c->name) != 0 ||
		    kc_json_int_or(p, "task", -1) != id)
			continue;
		kc_log(LOGGER, KC_LOG_INFO, "task %s-%d started on this worker: restart request %s "
		    "by %s done (the task moved here before its worker took the request)", c->name,
		    id, kc_json_str_or(p, "req", ""), kc_json_str_or(p, "origin", ""));
		ack_locked(w, kc_json_str(p, "req"));
		json_array_remove(w->dist->pending, i);
	}
}

int
kw_dist_restart_task(struct kw_worker *w, const char *name, int id, const char *owner,
    char *who, size_t wholen)
{
	struct kw_dist *d = w->dist;
	json_t *recs;
	char *req;
	int64_t deadline;
	int rc;

	pthread_mutex_lock(&w->lock);
	req = kc_xasprintf("%s/%lld/%u", w->worker_id, (long long)d->boot_ms, ++d->req_seq);
	pthread_mutex_unlock(&w->lock);
	recs = json_pack("[{s:s,s:s,s:i,s:s,s:s,s:I}]", "op", "restart_task", "name", name,
	    "task", id, "worker_id", owner != NULL ? owner : "", "req", req, "ts",
	    (json_int_t)kc_wall_ms());
	pthread_mutex_lock(&w->save_lock);
	rc = kw_dist_publish(w, recs);
	pthread_mutex_unlock(&w->save_lock);
	json_decref(recs);
	if (rc != 0) {
		free(req);
		return -1;
	}
	kc_log(LOGGER, KC_LOG_INFO, "restart request %s of task %s-%d (run by %s) written",
	    req, name, id, owner != NULL && *owner != '\0' ? owner : "no worker");
	/* the worker running it reads the record at once and acknowledges it in a heartbeat
	 * sent at once; allow for the time a dead worker's task takes to move (3 intervals)
	 * and scheduling slack on a loaded machine */
	deadline = kc_mono_ms() + 3 * d->heartbeat_ms + 3000;
	for (rc = 0; rc == 0;) {
		const char *by;

		pthread_mutex_lock(&w->lock);
		by = acked_by_locked(w, req);
		if (by != NULL) {
			snprintf(who, wholen, "%s", by);
			kc_log(LOGGER, KC_LOG_INFO, "restart request %s of task %s-%d done by %s",
			    req, name, id, by);
			rc = 1;
		}
		pthread_mutex_unlock(&w->lock);
		if (rc == 0 && kc_mono_ms() >= deadline)
			break;
		if (rc == 0)
			usleep(20000);
	}
	free(req);
	return rc;
}

/* ---- publishing -------------------------------------------------------------------------- */

/* Produce records (array of JSON objects) to the config topic, partition 0, and wait for
 * their delivery. 0 or -1 (logged). Called with save_lock held, so batches keep order. */
int
kw_dist_publish(struct kw_worker *w, json_t *records)
{
	struct kw_dist *d = w->dist;
	size_t i;
	json_t *r;
	int err;

	atomic_store(&d->delivery_err, 0);
	json_array_foreach(records, i, r) {
		char *v;
		const char *name = kc_json_str(r, "name");
		size_t klen = name != NULL ? strlen(name) : 0;

		json_object_set_new(r, "origin", json_string(w->worker_id));
		v = json_dumps(r, JSON_COMPACT);
		err = rd_kafka_producev(d->prod, RD_KAFKA_V_TOPIC(d->config_topic),
		    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(name, klen),
		    RD_KAFKA_V_VALUE(v, strlen(v)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
		    RD_KAFKA_V_END);
		if (err != 0) {
			free(v);
			kc_log(LOGGER, KC_LOG_ERROR, "cannot produce to %s: %s", d->config_topic,
			    rd_kafka_err2str(err));
			return -1;
		}
	}
	if (rd_kafka_flush(d->prod, 15000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_log(LOGGER, KC_LOG_ERROR, "config records not delivered to %s within 15 s",
		    d->config_topic);
		return -1;
	}
	if ((err = atomic_load(&d->delivery_err)) != 0) {
		kc_log(LOGGER, KC_LOG_ERROR, "config record not delivered to %s: %s",
		    d->config_topic, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

/* Queue a record for the config topic (lock held); kw_herder_flush publishes it. */
void
kw_dist_queue_locked(struct kw_worker *w, json_t *rec)
{
	if (w->dist == NULL || w->applying_remote) {
		json_decref(rec);
		return;
	}
	json_array_append_new(w->dist_out, rec);
}

/* ---- source offsets (offset.storage.topic) ----------------------------------------------- */

/* Produce a source offset to the offsets topic, partition 0, without waiting (lock held):
 * key ["<connector>", {partition}], value {offset} or a tombstone (offset NULL), Kafka
 * Connect's shape; header "origin" names this worker. kw_dist_sync awaits delivery. */
void
kw_dist_offset_write_locked(struct kw_worker *w, const char *conn, const json_t *partition,
    const json_t *offset)
{
	struct kw_dist *d = w->dist;
	json_t *k;
	char *key, *v;
	size_t vlen;
	rd_kafka_resp_err_t err;

	if (d == NULL)
		return;
	k = json_pack("[s,O]", conn, partition);
	key = json_dumps(k, JSON_COMPACT);
	json_decref(k);
	v = offset != NULL ? json_dumps(offset, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	vlen = v != NULL ? strlen(v) : 0;
	err = rd_kafka_producev(d->prod, RD_KAFKA_V_TOPIC(d->offsets_topic),
	    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(v, vlen),
	    RD_KAFKA_V_HEADER("origin", w->worker_id, (ssize_t)strlen(w->worker_id)),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		free(v);
		kc_log(LOGGER, KC_LOG_WARN, "cannot produce a source offset of %s to %s: %s", conn,
		    d->offsets_topic, rd_kafka_err2str(err));
	}
	free(key);
}

/* Await delivery of everything produced so far (lock NOT held). 0, or -1 (logged). */
int
kw_dist_sync(struct kw_worker *w)
{
	int err;

	if (w->dist == NULL)
		return 0;
	atomic_store(&w->dist->delivery_err, 0);
	if (rd_kafka_flush(w->dist->prod, 15000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_log(LOGGER, KC_LOG_ERROR, "records not delivered within 15 s");
		return -1;
	}
	if ((err = atomic_load(&w->dist->delivery_err)) != 0) {
		kc_log(LOGGER, KC_LOG_ERROR, "record not delivered: %s", rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

/* Apply one offsets-topic record to w->offsets (lock held). While following the topic
 * (initial false) this worker's own records are skipped: its map is already newer. */
static void
apply_offset_locked(struct kw_worker *w, const rd_kafka_message_t *m, bool initial)
{
	rd_kafka_headers_t *hdrs = NULL;
	const void *hv;
	size_t hlen, i;
	struct kc_err e;
	json_t *key, *val = NULL, *arr, *ent;
	const char *conn;
	const json_t *part;

	if (!initial && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(hdrs, "origin", &hv, &hlen) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    hlen == strlen(w->worker_id) && memcmp(hv, w->worker_id, hlen) == 0)
		return;
	key = m->key != NULL ? kc_json_parse(m->key, m->key_len, 0, &e) : NULL;
	conn = json_string_value(json_array_get(key, 0));
	part = json_array_get(key, 1);
	if (m->payload != NULL)		/* (not inside json_is_object(): a macro) */
		val = kc_json_parse(m->payload, m->len, 0, &e);
	if (!json_is_array(key) || json_array_size(key) != 2 || conn == NULL ||
	    !json_is_object(part) || (m->payload != NULL && !json_is_object(val) &&
	    !json_is_null(val))) {
		kc_log(LOGGER, KC_LOG_WARN, "offsets topic offset %lld: not a [\"connector\", "
		    "{partition}] -> {offset} record; skipped", (long long)m->offset);
		json_decref(key);
		json_decref(val);
		return;
	}
	if (json_is_null(val)) {
		json_decref(val);
		val = NULL;
	}
	arr = json_object_get(w->offsets, conn);
	json_array_foreach(arr, i, ent)
		if (json_equal(json_object_get(ent, "partition"), part))
			break;
	if (val == NULL) {
		if (arr != NULL && i < json_array_size(arr))
			json_array_remove(arr, i);
		if (arr != NULL && json_array_size(arr) == 0)
			json_object_del(w->offsets, conn);
	} else {
		if (arr == NULL) {
			arr = json_array();
			json_object_set_new(w->offsets, conn, arr);
		}
		if (i < json_array_size(arr))
			json_object_set(json_array_get(arr, i), "offset", val);
		else
			json_array_append_new(arr, json_pack("{s:O,s:O}", "partition", part,
			    "offset", val));
	}
	w->offsets_dirty = true;
	kw_bump(w);
	json_decref(key);
	json_decref(val);
}

/* ---- status ------------------------------------------------------------------------------ */

/* This worker's advertised URL: the first listener's scheme and the worker_id. New ref. */
static json_t *
self_url(const struct kw_worker *w)
{
	const char *l = kc_json_str(w->conf, "listeners");

	while (l != NULL && (*l == ' ' || *l == ','))
		l++;
	return json_sprintf("%s://%s", l != NULL && strncasecmp(l, "https:", 6) == 0 ? "https" :
	    "http", w->worker_id);
}

static void
publish_heartbeat(struct kw_dist *d, bool leaving)
{
	struct kw_worker *w = d->w;
	json_t *conns = json_object(), *rec;
	size_t i;
	char *v;
	json_t *url, *acks, *a;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nconns; i++) {
		struct kw_connector *c = w->conns[i];
		json_t *st;

		if (c->ntasks == 0)	/* (a stopped connector's tasks until they exit) */
			continue;
		st = kw_conn_status_local_locked(w, c);
		json_object_set(conns, c->name, json_object_get(st, "tasks"));
		json_decref(st);
	}
	url = self_url(w);
	acks = json_array();
	json_array_foreach(d->acks, i, a)
		json_array_append(acks, json_object_get(a, "req"));
	pthread_mutex_unlock(&w->lock);
	rec = json_pack("{s:s,s:o,s:I,s:b,s:o,s:o}", "worker_id", w->worker_id, "url",
	    url, "ts", (json_int_t)kc_wall_ms(), "source_owner",
	    w->source_owner, "connectors", conns, "restart_acks", acks);
	if (leaving)	/* stopped cleanly: the others take its tasks at once */
		json_object_set_new(rec, "leaving", json_true());
	v = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (rd_kafka_producev(d->prod, RD_KAFKA_V_TOPIC(d->status_topic), RD_KAFKA_V_PARTITION(0),
	    RD_KAFKA_V_KEY(w->worker_id, strlen(w->worker_id)), RD_KAFKA_V_VALUE(v, strlen(v)),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END) != 0)
		free(v);
	rd_kafka_poll(d->prod, 0);
}

static bool
peer_stale(const struct kw_worker *w, const json_t *peer, int64_t now)
{
	return now - kc_json_int_or(peer, "seen_ms", 0) > 3 * w->dist->heartbeat_ms ||
	    json_bool_or(peer, "leaving", false);
}

/* Does connector c run on one worker only (a source other than the queue source)? */
static bool
single_worker(const struct kw_connector *c)
{
	return c->plugin != NULL && c->plugin->type == KW_PLUGIN_SOURCE &&
	    c->plugin != &kw_http_queue_source_plugin;
}

static int
cmp_instance(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = strcmp(kc_json_str(x, "worker_id"), kc_json_str(y, "worker_id"));

	if (r != 0)
		return r;
	return (int)(kc_json_int_or(x, "id", 0) - kc_json_int_or(y, "id", 0));
}

/* The queue source runs on every worker (its tasks have the same ids on each): every
 * instance in the cluster (lock held), in the order (worker_id, the worker's own task
 * number), numbered 0..n-1 in that order: "id" is the cluster-wide id, "local_id" the task's
 * number on its worker, "worker_id" the worker. Instances of a worker whose heartbeats
 * stopped are UNASSIGNED. These ids follow the set of workers. New reference. */
static json_t *
instances_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *tasks = json_array(), *peer, *arr, *t, **v;
	const char *wid;
	int64_t now = kc_mono_ms();
	bool live = c->ntasks > 0;
	size_t i, n;
	int k;

	for (k = 0; k < c->ntasks; k++)
		json_array_append_new(tasks, kw_task_status_locked(w, c->tasks[k]));
	if (w->dist == NULL)
		return tasks;
	json_object_foreach(w->dist_peers, wid, peer)
		if (strcmp(wid, w->worker_id) != 0 && !peer_stale(w, peer, now) &&
		    json_array_size(json_object_get(json_object_get(peer, "connectors"),
		    c->name)) > 0)
			live = true;
	json_object_foreach(w->dist_peers, wid, peer) {
		bool stale = peer_stale(w, peer, now);

		if (strcmp(wid, w->worker_id) == 0 || (stale && (c->target == KW_CT_STOPPED ||
		    (live && single_worker(c)))))
			continue;
		arr = json_object_get(json_object_get(peer, "connectors"), c->name);
		json_array_foreach(arr, i, t) {
			json_t *e;

			if (!json_is_object(t) || !json_is_integer(json_object_get(t, "id")))
				continue;
			e = json_deep_copy(t);
			json_object_set_new(e, "worker_id", json_string(wid));
			if (stale) {
				json_object_set_new(e, "state", json_string("UNASSIGNED"));
				json_object_del(e, "trace");
			}
			json_array_append_new(tasks, e);
		}
	}
	n = json_array_size(tasks);
	v = kc_xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(tasks, i));
	qsort(v, n, sizeof(*v), cmp_instance);
	json_array_clear(tasks);
	for (i = 0; i < n; i++) {
		json_object_set(v[i], "local_id", json_object_get(v[i], "id"));
		json_object_set_new(v[i], "id", json_integer((json_int_t)i));
		json_array_append_new(tasks, v[i]);
	}
	free(v);
	return tasks;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Recompute the sorted list of live workers, this one included (lock held). Every worker
 * sees the same heartbeats, so every worker computes the same list (give or take a
 * heartbeat while a worker comes or goes). A worker stays a member until it has been silent
 * for KW_DIST_MEMBER_BEATS intervals (it is shown silent, its tasks UNASSIGNED, after 3):
 * a worker starved of CPU for a moment on a loaded machine does not lose its tasks. */
static void
members_refresh_locked(struct kw_worker *w)
{
	struct kw_dist *d = w->dist;
	int64_t now = kc_mono_ms();
	const char *wid;
	json_t *peer;
	char **old;
	size_t i, old_n;
	bool changed;

	if (d->members != NULL && now - d->members_ms < 50)
		return;
	old = d->members;
	old_n = d->nmembers;
	d->members = kc_xcalloc(json_object_size(w->dist_peers) + 1, sizeof(*d->members));
	d->nmembers = 0;
	d->members[d->nmembers++] = kc_xstrdup(w->worker_id);
	json_object_foreach(w->dist_peers, wid, peer)
		if (strcmp(wid, w->worker_id) != 0 && !json_bool_or(peer, "leaving", false) &&
		    now - kc_json_int_or(peer, "seen_ms", 0) <= KW_DIST_MEMBER_BEATS *
		    d->heartbeat_ms)
			d->members[d->nmembers++] = kc_xstrdup(wid);
	qsort(d->members, d->nmembers, sizeof(*d->members), cmp_str);
	d->members_ms = now;
	for (i = 0, changed = old_n != d->nmembers; i < d->nmembers && !changed; i++)
		changed = strcmp(old[i], d->members[i]) != 0;
	if (changed) {
		struct kc_buf b;

		kc_buf_init(&b);
		for (i = 0; i < d->nmembers; i++)
			kc_buf_printf(&b, "%s%s", i > 0 ? " " : "", d->members[i]);
		kc_log(LOGGER, KC_LOG_INFO, "task assignment: %zu live worker(s): %.*s",
		    d->nmembers, (int)b.len, b.data != NULL ? b.data : "");
		kc_buf_free(&b);
	}
	for (i = 0; i < old_n; i++)
		free(old[i]);
	free(old);
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The worker that runs task `id` of connector c (lock held): sink tasks go round the live
 * workers in worker_id order, starting at a place that depends on the connector's name (so
 * that the first tasks of many connectors do not all land on one worker); a source's tasks
 * run on the lease holder (NULL when no live worker holds it). The task id never depends on
 * the worker: only who runs task N changes when workers come or go. */
static const char *
task_owner_locked(struct kw_worker *w, struct kw_connector *c, int id)
{
	struct kw_dist *d = w->dist;

	if (single_worker(c))
		return kw_dist_conn_worker_locked(w, c);
	members_refresh_locked(w);
	return d->members[((size_t)name_hash(c->name) + (size_t)id) % d->nmembers];
}

bool
kw_dist_task_here_locked(struct kw_worker *w, const struct kw_connector *c, int id)
{
	if (w->dist == NULL || c->plugin == NULL || c->plugin == &kw_http_queue_source_plugin)
		return true;
	if (single_worker(c))
		return w->source_owner;
	if (!atomic_load(&w->dist->members_ready))
		return false;
	return strcmp(task_owner_locked(w, (struct kw_connector *)c, id), w->worker_id) == 0;
}

struct cand {
	json_t	*e;
	int	 id;
	int	 rank;	/* 4 from the worker that should run it, 3 this worker, 2 another live
			 * worker (moving), 1 a silent worker (shown UNASSIGNED) */
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return y->rank - x->rank;
}

/* The tasks of connector c (lock held): ids 0..n-1 of its config (Kafka Connect's task
 * ids), each once, with the worker that runs it. Each id is shown as the worker that should
 * run it reports it, else as another live worker still running it reports it, else
 * UNASSIGNED (its worker stopped heartbeating, or its new worker has not started it yet).
 * A stopped connector lists the tasks still running anywhere. New reference. */
json_t *
kw_dist_tasks_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *tasks = json_array(), *peer, *arr, *t;
	const char *wid, *owner;
	int64_t now = kc_mono_ms();
	struct cand *v = NULL;
	size_t i, nv = 0, cap = 0;
	int k, n, next;

	if (w->dist == NULL) {
		for (k = 0; k < c->ntasks; k++)
			json_array_append_new(tasks, kw_task_status_locked(w, c->tasks[k]));
		return tasks;
	}
	if (c->plugin == NULL || c->plugin == &kw_http_queue_source_plugin) {
		json_decref(tasks);
		return instances_locked(w, c);
	}
	n = c->target == KW_CT_STOPPED ? -1 : kw_conn_task_total_locked(w, c);
	for (k = 0; k < c->ntasks; k++) {
		if (n >= 0 && c->tasks[k]->id >= n)
			continue;
		if (nv == cap) {
			cap = cap ? cap * 2 : 8;
			v = kc_xrealloc(v, cap * sizeof(*v));
		}
		owner = n >= 0 ? task_owner_locked(w, c, c->tasks[k]->id) : NULL;
		v[nv].e = kw_task_status_locked(w, c->tasks[k]);
		v[nv].id = c->tasks[k]->id;
		v[nv++].rank = owner != NULL && strcmp(owner, w->worker_id) == 0 ? 4 : 3;
	}
	json_object_foreach(w->dist_peers, wid, peer) {
		bool stale = peer_stale(w, peer, now);

		if (strcmp(wid, w->worker_id) == 0 || (stale && n < 0))
			continue;
		arr = json_object_get(json_object_get(peer, "connectors"), c->name);
		json_array_foreach(arr, i, t) {
			json_t *idv = json_object_get(t, "id"), *e;
			json_int_t id;

			if (!json_is_object(t) || !json_is_integer(idv))
				continue;
			id = json_integer_value(idv);
			if (id < 0 || id > 1000000 || (n >= 0 && id >= n))
				continue;
			e = json_deep_copy(t);
			json_object_set_new(e, "worker_id", json_string(wid));
			if (stale) {
				json_object_set_new(e, "state", json_string("UNASSIGNED"));
				json_object_del(e, "trace");
			}
			if (nv == cap) {
				cap = cap ? cap * 2 : 8;
				v = kc_xrealloc(v, cap * sizeof(*v));
			}
			owner = n >= 0 ? task_owner_locked(w, c, (int)id) : NULL;
			v[nv].e = e;
			v[nv].id = (int)id;
			v[nv++].rank = stale ? 1 : owner != NULL && strcmp(owner, wid) == 0 ? 4 : 2;
		}
	}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), cmp_cand);
	next = 0;
	for (i = 0; i < nv; i++) {
		if (i > 0 && v[i].id == v[i - 1].id) {
			json_decref(v[i].e);
			continue;
		}
		for (; n >= 0 && next < v[i].id; next++) {
			owner = task_owner_locked(w, c, next);
			json_array_append_new(tasks, json_pack("{s:i,s:s,s:s}", "id", next, "state",
			    "UNASSIGNED", "worker_id", owner != NULL ? owner : ""));
		}
		json_array_append_new(tasks, v[i].e);
		next = v[i].id + 1;
	}
	for (; n >= 0 && next < n; next++) {
		owner = task_owner_locked(w, c, next);
		json_array_append_new(tasks, json_pack("{s:i,s:s,s:s}", "id", next, "state",
		    "UNASSIGNED", "worker_id", owner != NULL ? owner : ""));
	}
	free(v);
	return tasks;
}

/* The worker_id that runs connector c's instance (lock held): this worker, except for a
 * source on a worker without the lease, where it is the live lease holder (or NULL when no
 * live worker holds it: shown UNASSIGNED by the caller). */
const char *
kw_dist_conn_worker_locked(struct kw_worker *w, const struct kw_connector *c)
{
	const char *wid;
	json_t *peer;
	int64_t now = kc_mono_ms();

	if (kw_dist_runs_here_locked(w, c))
		return w->worker_id;
	json_object_foreach(w->dist_peers, wid, peer)
		if (strcmp(wid, w->worker_id) != 0 && json_bool_or(peer, "source_owner", false) &&
		    !peer_stale(w, peer, now))
			return wid;
	return NULL;
}

/* GET /kcops/v1/workers: every worker seen (lock held), this one first: worker_id, url
 * (http:// + worker_id), self, alive, source_owner, tasks (task instances it runs, from its
 * last heartbeat), last_heartbeat_ms_ago (0 for this worker). New reference. */
json_t *
kw_dist_workers_locked(struct kw_worker *w)
{
	json_t *arr = json_array(), *peer, *list;
	const char *wid, *name;
	int64_t now = kc_mono_ms();
	size_t i, ntasks = 0;

	for (i = 0; i < w->nconns; i++)
		ntasks += (size_t)w->conns[i]->ntasks;
	json_array_append_new(arr, json_pack("{s:s,s:o,s:b,s:b,s:b,s:I,s:I}", "worker_id",
	    w->worker_id, "url", self_url(w), "self", 1, "alive", 1, "source_owner",
	    w->dist == NULL || w->source_owner, "tasks", (json_int_t)ntasks,
	    "last_heartbeat_ms_ago", (json_int_t)0));
	if (w->dist == NULL)
		return arr;
	json_object_foreach(w->dist_peers, wid, peer) {
		int64_t age = now - kc_json_int_or(peer, "seen_ms", 0);

		if (strcmp(wid, w->worker_id) == 0)
			continue;
		ntasks = 0;
		json_object_foreach(json_object_get(peer, "connectors"), name, list)
			ntasks += json_array_size(list);
		json_array_append_new(arr, json_pack("{s:s,s:o,s:b,s:b,s:b,s:I,s:I}", "worker_id",
		    wid, "url", kc_json_str(peer, "url") != NULL ?
		    json_string(kc_json_str(peer, "url")) : json_sprintf("http://%s", wid), "self", 0, "alive", !peer_stale(w, peer, now),
		    "source_owner", json_bool_or(peer, "source_owner", false), "tasks",
		    (json_int_t)ntasks, "last_heartbeat_ms_ago", (json_int_t)age));
	}
	return arr;
}

/* ---- the dist thread --------------------------------------------------------------------- */

static void
lease_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
    void *opaque)
{
	struct kw_dist *d = opaque;
	struct kw_worker *w = d->w;
	bool owner = false;
	int i;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (i = 0; i < parts->cnt; i++)
			if (parts->elems[i].partition == 0)
				owner = true;
		rd_kafka_assign(rk, parts);
	} else {
		rd_kafka_assign(rk, NULL);
	}
	pthread_mutex_lock(&w->lock);
	if (w->source_owner != owner) {
		w->source_owner = owner;
		kc_log(LOGGER, KC_LOG_INFO, "%s the source connectors (lease %s partition 0)",
		    owner ? "this worker now runs" : "this worker no longer runs", d->lease_topic);
		kw_bump(w);
		kw_herder_kick_locked(w);
	}
	pthread_mutex_unlock(&w->lock);
}

static void
handle_message(struct kw_dist *d, const rd_kafka_message_t *m)
{
	struct kw_worker *w = d->w;
	const char *topic = rd_kafka_topic_name(m->rkt);
	struct kc_err e;
	json_t *rec;

	if (strcmp(topic, d->offsets_topic) == 0) {
		pthread_mutex_lock(&w->lock);
		apply_offset_locked(w, m, false);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (m->payload == NULL)
		return;
	rec = kc_json_parse(m->payload, m->len, 0, &e);
	if (!json_is_object(rec)) {
		kc_log(LOGGER, KC_LOG_WARN, "%s offset %lld: not a JSON object; skipped", topic,
		    (long long)m->offset);
		json_decref(rec);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (strcmp(topic, d->config_topic) == 0) {
		const char *origin = kc_json_str(rec, "origin");

		w->applying_remote = true;
		apply_locked(w, rec, origin != NULL && strcmp(origin, w->worker_id) == 0);
		kw_herder_save_locked(w);
		w->applying_remote = false;
	} else {
		const char *wid = kc_json_str(rec, "worker_id");

		if (!atomic_load(&d->members_ready) && m->offset + 1 >= d->status_ready_at) {
			atomic_store(&d->members_ready, true);
			d->members_ms = 0;
			kw_herder_kick_locked(w);
		}
		if (wid != NULL) {
			/* a record written long ago (replayed, or a hostile ts) is as old as it
			 * says, so it does not make a worker count as alive */
			int64_t age = kc_wall_ms() - kc_json_int_or(rec, "ts", 0);

			if (age < 60 * d->heartbeat_ms || age < 60000)
				age = 0;
			json_object_set_new(rec, "seen_ms", json_integer(kc_mono_ms() - age));
			json_object_set(w->dist_peers, wid, rec);
			if (strcmp(wid, w->worker_id) != 0)
				pending_drop_acked_locked(w, rec);
			kw_bump(w);
		}
	}
	pthread_mutex_unlock(&w->lock);
	json_decref(rec);
}

static void *
dist_main(void *arg)
{
	struct kw_dist *d = arg;
	struct kw_worker *w = d->w;
	int64_t last_hb = 0, ready_deadline;

	pthread_setname_np(pthread_self(), "dist");
	{
		int64_t lo = 0, hi = 0;

		if (rd_kafka_query_watermark_offsets(d->reader, d->status_topic, 0, &lo, &hi,
		    5000) != RD_KAFKA_RESP_ERR_NO_ERROR || hi <= d->status_start) {
			pthread_mutex_lock(&w->lock);
			atomic_store(&d->members_ready, true);
			kw_herder_kick_locked(w);
			pthread_mutex_unlock(&w->lock);
		}
		d->status_ready_at = hi;
	}
	ready_deadline = kc_mono_ms() + 10000;
	while (!atomic_load(&d->stop)) {
		rd_kafka_message_t *m;
		int n = 0;

		while (n < 500 && (m = rd_kafka_consumer_poll(d->reader, n == 0 ? 50 : 0)) != NULL) {
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
				handle_message(d, m);
			rd_kafka_message_destroy(m);
			n++;
		}
		/* the herder writes the applied records to the local cache (not this thread:
		 * a flush can wait for a REST write's delivery or an fdatasync, and heartbeats
		 * must not) */
		if (n > 0) {
			pthread_mutex_lock(&w->lock);
			kw_herder_kick_locked(w);
			pthread_mutex_unlock(&w->lock);
		}
		m = rd_kafka_consumer_poll(d->lease, 0);
		if (m != NULL)
			rd_kafka_message_destroy(m);
		if (!atomic_load(&d->members_ready) && kc_mono_ms() > ready_deadline) {
			kc_log(LOGGER, KC_LOG_WARN, "status topic %s not read up to offset %lld within "
			    "10 s: assigning tasks with the heartbeats read so far", d->status_topic,
			    (long long)d->status_ready_at);
			pthread_mutex_lock(&w->lock);
			atomic_store(&d->members_ready, true);
			d->members_ms = 0;
			kw_herder_kick_locked(w);
			pthread_mutex_unlock(&w->lock);
		}
		pthread_mutex_lock(&w->lock);
		if (json_array_size(d->pending) > 0)
			pending_sweep_locked(w);
		pthread_mutex_unlock(&w->lock);
		if (kc_mono_ms() - last_hb >= d->heartbeat_ms || atomic_exchange(&d->hb_now, false)) {
			last_hb = kc_mono_ms();
			publish_heartbeat(d, false);
			/* forget workers gone for 60 intervals */
			pthread_mutex_lock(&w->lock);
			{
				const char *wid;
				json_t *peer;
				void *tmp;

				json_t *p;
				size_t i;

				json_object_foreach_safe(w->dist_peers, tmp, wid, peer)
					if (last_hb - kc_json_int_or(peer, "seen_ms", 0) >
					    60 * d->heartbeat_ms)
						json_object_del(w->dist_peers, wid);
				/* restart requests: done ones are announced for 60 intervals;
				 * pending ones nobody did in that time are dropped */
				for (i = json_array_size(d->acks); i-- > 0;)
					if (last_hb - kc_json_int_or(json_array_get(d->acks, i), "ms",
					    0) > 60 * d->heartbeat_ms)
						json_array_remove(d->acks, i);
				for (i = json_array_size(d->pending); i-- > 0;) {
					p = json_array_get(d->pending, i);
					if (kc_wall_ms() - kc_json_int_or(p, "ts", 0) <=
					    60 * d->heartbeat_ms)
						continue;
					kc_log(LOGGER, KC_LOG_WARN, "restart request %s of task %s-%lld "
					    "by %s dropped: no worker reported doing it", kc_json_str_or(p,
					    "req", ""), kc_json_str_or(p, "name", ""), kc_json_int_or(p,
					    "task", -1), kc_json_str_or(p, "origin", ""));
					json_array_remove(d->pending, i);
				}
			}
			pthread_mutex_unlock(&w->lock);
		}
	}
	return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------- */

static rd_kafka_t *
make_client(struct kw_worker *w, rd_kafka_type_t type, const char *role, const char *group,
    struct kw_dist *d, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = kw_worker_kafka_conf(w, strcmp(role, "lease") == 0 ?
	    "consumer" : role, err, errlen);
	char e[512], cid[256];
	rd_kafka_t *rk;

	if (conf == NULL)
		return NULL;
	snprintf(cid, sizeof(cid), "kcops-worker-%s-%s", role, w->worker_id);
	rd_kafka_conf_set(conf, "client.id", cid, e, sizeof(e));
	rd_kafka_conf_set_opaque(conf, d);
	if (type == RD_KAFKA_PRODUCER) {
		rd_kafka_conf_set(conf, "acks", "all", e, sizeof(e));
		rd_kafka_conf_set(conf, "linger.ms", "0", e, sizeof(e));
		rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	} else {
		rd_kafka_conf_set(conf, "group.id", group, e, sizeof(e));
		rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e));
		rd_kafka_conf_set(conf, "enable.partition.eof", "false", e, sizeof(e));
		if (strcmp(role, "lease") == 0) {
			rd_kafka_conf_set_rebalance_cb(conf, lease_rebalance);
		}
	}
	rk = rd_kafka_new(type, conf, e, sizeof(e));
	if (rk == NULL)
		snprintf(err, errlen, "%s client: %s", role, e);
	return rk;
}

/* Read partition 0 of `topic` from the beginning to its end now, passing each message to
 * fn. *high: the end offset. 0, or -1 + err. */
static int
catch_up(struct kw_dist *d, const char *topic, int64_t *high,
    void (*fn)(struct kw_dist *, const rd_kafka_message_t *, void *), void *arg, char *err,
    size_t errlen)
{
	int64_t lo = 0, hi = 0, deadline = kc_mono_ms() + 30000;
	rd_kafka_resp_err_t e;

	/* the mock creates the topic on first Metadata; retry while it appears */
	while ((e = rd_kafka_query_watermark_offsets(d->reader, topic, 0, &lo, &hi,
	    5000)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (kc_mono_ms() > deadline) {
			snprintf(err, errlen, "topic %s: %s", topic, rd_kafka_err2str(e));
			return -1;
		}
		usleep(200000);
	}
	*high = hi;
	if (hi > lo) {
		rd_kafka_t *rk = d->reader;
		rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);

		rd_kafka_topic_partition_list_add(tp, topic, 0)->offset = lo;
		rd_kafka_assign(rk, tp);
		rd_kafka_topic_partition_list_destroy(tp);
		for (;;) {
			rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
			bool mine;

			if (m == NULL) {
				if (kc_mono_ms() > deadline) {
					snprintf(err, errlen, "topic %s: not read to its end (%lld) "
					    "within 30 s", topic, (long long)hi);
					return -1;
				}
				continue;
			}
			mine = m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->rkt != NULL &&
			    strcmp(rd_kafka_topic_name(m->rkt), topic) == 0;
			if (mine)
				fn(d, m, arg);
			if (mine && m->offset + 1 >= hi) {
				rd_kafka_message_destroy(m);
				break;
			}
			rd_kafka_message_destroy(m);
		}
	}
	return 0;
}

/* catch_up callback of the config topic: collect the records (a JSON array). */
static void
collect_config(struct kw_dist *d, const rd_kafka_message_t *m, void *arg)
{
	json_t *recs = arg, *r;
	struct kc_err je;

	(void)d;
	if (m->payload == NULL)
		return;
	r = kc_json_parse(m->payload, m->len, 0, &je);
	if (json_is_object(r))
		json_array_append_new(recs, r);
	else
		json_decref(r);
}

/* catch_up callback of the offsets topic: apply every record, this worker's own too (the
 * topic wins over the state.dir cache). */
static void
load_offset(struct kw_dist *d, const rd_kafka_message_t *m, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&d->w->lock);
	apply_offset_locked(d->w, m, true);
	pthread_mutex_unlock(&d->w->lock);
}

/* catch_up callback of the status topic: the last heartbeat of every worker, aged by the
 * time it was sent (so a worker that died long ago is not taken for alive). */
static void
load_status(struct kw_dist *d, const rd_kafka_message_t *m, void *arg)
{
	struct kw_worker *w = d->w;
	struct kc_err je;
	json_t *rec;
	const char *wid;
	int64_t age;

	(void)arg;
	if (m->payload == NULL)
		return;
	rec = kc_json_parse(m->payload, m->len, 0, &je);
	wid = kc_json_str(rec, "worker_id");
	if (json_is_object(rec) && wid != NULL) {
		age = kc_wall_ms() - kc_json_int_or(rec, "ts", 0);
		if (age < 0)
			age = 0;
		if (age > 86400000)
			age = 86400000;
		json_object_set_new(rec, "seen_ms", json_integer(kc_mono_ms() - age));
		pthread_mutex_lock(&w->lock);
		json_object_set(w->dist_peers, wid, rec);
		pthread_mutex_unlock(&w->lock);
	}
	json_decref(rec);
}

int
kw_dist_start(struct kw_worker *w, char *err, size_t errlen)
{
	struct kw_dist *d;
	const char *group = kc_json_str(w->conf, "group.id");
	char *reader_group;
	rd_kafka_topic_partition_list_t *tp;
	json_t *recs, *r, *seen;
	int64_t high = 0, offsets_high = 0, status_high = 0;
	size_t i;

	if (!kw_dist_enabled_conf(w->conf))
		return 0;
	d = kc_xcalloc(1, sizeof(*d));
	d->w = w;
	d->config_topic = kc_xstrdup(kc_json_str(w->conf, "config.storage.topic"));
	d->status_topic = kc_json_str(w->conf, "status.storage.topic") != NULL ?
	    kc_xstrdup(kc_json_str(w->conf, "status.storage.topic")) :
	    kc_xasprintf("%s-status", d->config_topic);
	d->lease_topic = kc_xasprintf("%s-lease", d->config_topic);
	d->offsets_topic = kc_json_str(w->conf, "offset.storage.topic") != NULL ?
	    kc_xstrdup(kc_json_str(w->conf, "offset.storage.topic")) :
	    kc_xasprintf("%s-offsets", d->config_topic);
	d->heartbeat_ms = kc_json_int_or(w->conf, "worker.heartbeat.interval.ms", 1000);
	if (d->heartbeat_ms < 100)
		d->heartbeat_ms = 100;
	d->pending = json_array();
	d->acks = json_array();
	d->boot_ms = kc_wall_ms();
	w->dist = d;
	w->dist_out = json_array();
	w->dist_peers = json_object();
	reader_group = kc_xasprintf("%s-reader-%s", group, w->worker_id);
	d->prod = make_client(w, RD_KAFKA_PRODUCER, "producer", NULL, d, err, errlen);
	if (d->prod != NULL)
		d->reader = make_client(w, RD_KAFKA_CONSUMER, "consumer", reader_group, d, err,
		    errlen);
	if (d->reader != NULL)
		d->lease = make_client(w, RD_KAFKA_CONSUMER, "lease", group, d, err, errlen);
	free(reader_group);
	if (d->lease == NULL)
		return -1;
	recs = json_array();
	/* the status topic first: which workers are alive decides which tasks run here */
	if (catch_up(d, d->status_topic, &status_high, load_status, NULL, err, errlen) != 0 ||
	    catch_up(d, d->config_topic, &high, collect_config, recs, err, errlen) != 0 ||
	    catch_up(d, d->offsets_topic, &offsets_high, load_offset, NULL, err, errlen) != 0) {
		json_decref(recs);
		return -1;
	}
	/* the topic wins over the state.dir cache; an empty topic is seeded from it */
	pthread_mutex_lock(&w->lock);
	if (high == 0) {
		for (i = 0; i < w->nconns; i++)
			kw_conn_persist_locked(w, w->conns[i]);
		kw_herder_save_locked(w);
		if (w->nconns > 0)
			kc_log(LOGGER, KC_LOG_INFO, "config topic %s is empty: seeding it with %zu "
			    "connector(s) from %s", d->config_topic, w->nconns, w->state_dir);
	} else {
		seen = json_object();
		w->applying_remote = true;
		json_array_foreach(recs, i, r) {
			const char *name = kc_json_str(r, "name"), *op = kc_json_str(r, "op");

			apply_locked(w, r, true);
			if (name != NULL && op != NULL && strcmp(op, "put") == 0)
				json_object_set_new(seen, name, json_true());
			else if (name != NULL && op != NULL && strcmp(op, "del") == 0)
				json_object_del(seen, name);
		}
		for (i = w->nconns; i-- > 0;)
			if (json_object_get(seen, w->conns[i]->name) == NULL) {
				kc_log(LOGGER, KC_LOG_INFO, "connector %s is not in config topic %s: "
				    "dropped from the cache", w->conns[i]->name, d->config_topic);
				kw_conn_delete_locked(w, w->conns[i]);
			}
		kw_herder_save_locked(w);
		w->applying_remote = false;
		json_decref(seen);
		kc_log(LOGGER, KC_LOG_INFO, "config topic %s read: %zu record(s), %zu connector(s)",
		    d->config_topic, json_array_size(recs), w->nconns);
	}
	pthread_mutex_unlock(&w->lock);
	json_decref(recs);
	kw_herder_flush(w);

	tp = rd_kafka_topic_partition_list_new(3);
	rd_kafka_topic_partition_list_add(tp, d->config_topic, 0)->offset = high;
	rd_kafka_topic_partition_list_add(tp, d->offsets_topic, 0)->offset = offsets_high;
	rd_kafka_topic_partition_list_add(tp, d->status_topic, 0)->offset = status_high;
	d->status_start = status_high;
	rd_kafka_assign(d->reader, tp);
	rd_kafka_topic_partition_list_destroy(tp);
	tp = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tp, d->lease_topic, RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(d->lease, tp) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_topic_partition_list_destroy(tp);
		snprintf(err, errlen, "cannot subscribe to lease topic %s", d->lease_topic);
		return -1;
	}
	rd_kafka_topic_partition_list_destroy(tp);
	if (pthread_create(&d->thread, NULL, dist_main, d) != 0) {
		snprintf(err, errlen, "cannot start dist thread: %s", strerror(errno));
		return -1;
	}
	d->thread_started = true;
	kc_log(LOGGER, KC_LOG_INFO, "distributed mode: group %s, config %s, status %s, offsets %s, "
	    "lease %s", group, d->config_topic, d->status_topic, d->offsets_topic, d->lease_topic);
	return 0;
}

/* Stop the dist thread and close the clients (after the herder stopped the tasks). */
void
kw_dist_stop(struct kw_worker *w)
{
	struct kw_dist *d = w->dist;

	if (d == NULL)
		return;
	atomic_store(&d->stop, true);
	if (d->thread_started)
		pthread_join(d->thread, NULL);
	if (d->thread_started)
		publish_heartbeat(d, true);	/* last statuses: no tasks, leaving */
	/* leaving the lease group lets another worker take the source connectors at once */
	kc_kafka_consumer_destroy(d->lease, 5000, "distributed mode: lease consumer");
	kc_kafka_consumer_destroy(d->reader, 5000, "distributed mode: config reader");
	if (d->prod != NULL) {
		rd_kafka_flush(d->prod, 5000);
		rd_kafka_destroy(d->prod);
	}
	free(d->config_topic);
	free(d->status_topic);
	free(d->lease_topic);
	free(d->offsets_topic);
	for (size_t i = 0; i < d->nmembers; i++)
		free(d->members[i]);
	free(d->members);
	json_decref(d->pending);
	json_decref(d->acks);
	free(d);
	w->dist = NULL;
	json_decref(w->dist_out);
	w->dist_out = NULL;
	json_decref(w->dist_peers);
	w->dist_peers = NULL;
}
