/* kw_routes.c - the Kafka Connect REST API handlers and the route table.
 *
 * Status codes, messages and shapes follow Apache Kafka Connect (see
 * ../shared/reference/connect-rest.md): malformed JSON, wrong types and unknown fields give
 * 500 (Connect's Jackson behaviour), pause/resume 202, stop 204, restart 204 or 202 + status.
 * Every handler takes the worker lock only to read or flip state; the herder thread does the
 * slow work (starting and joining tasks). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_kafka_admin.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"
#include "http_sink.h"	/* kw_http_rest_queues */

#define KW_CONNECT_API_VERSION "3.9.0"

/* ---- helpers -------------------------------------------------------------------------- */

/* Parse a request body as JSON; on failure answers 500 like Connect and returns NULL. */
static json_t *
body_json(struct kw_req *req, struct kw_resp *resp)
{
	struct kc_err e;
	json_t *v;

	if (req->body == NULL || req->body_len == 0) {
		kw_resp_error(resp, 500, "Request body is missing (expected a JSON document)");
		return NULL;
	}
	v = kc_json_parse(req->body, req->body_len, 0, &e);
	if (v == NULL)
		kw_resp_error(resp, 500, "Cannot parse JSON request body: %s", e.msg);
	return v;
}

/* Config map with every value as a string; NULL + 500 on objects/arrays. */
static json_t *
config_map(const json_t *obj, struct kw_resp *resp)
{
	struct kc_err e;
	json_t *m;

	if (!json_is_object(obj)) {
		kw_resp_error(resp, 500, "Cannot deserialize connector configuration: expected a "
		    "JSON object of string values");
		return NULL;
	}
	m = kc_json_string_map(obj, &e);
	if (m == NULL)
		kw_resp_error(resp, 500, "Cannot deserialize connector configuration: %s", e.msg);
	return m;
}

/* True when s holds an ISO control character (U+0000-U+001F, U+007F-U+009F). */
static bool
has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

static const char *
plugin_names_list(struct kc_buf *b)
{
	size_t i;

	for (i = 0; kw_plugins[i] != NULL; i++) {
		if (i > 0)
			kc_buf_puts(b, ", ");
		kc_buf_puts(b, kw_plugins[i]->class_name);
	}
	return kc_buf_str(b);
}

static void
unknown_plugin(struct kw_resp *resp, const char *cls)
{
	struct kc_buf b = { 0 };

	kw_resp_error(resp, 500, "Failed to find any class that implements Connector and which "
	    "name matches %s, available connectors are: %s", cls, plugin_names_list(&b));
	kc_buf_free(&b);
}

/* Validate a config for create/update. 0 ok, else the response is filled. */
static int
check_config(struct kw_worker *w, const json_t *config, struct kw_resp *resp)
{
	const char *cls = kc_json_str(config, "connector.class");
	const struct kw_plugin *p;
	char *lines;
	int nerr;

	if (cls == NULL || *cls == '\0') {
		char *dump = kc_json_dump(config);

		kw_resp_error(resp, 400, "Connector config %s contains no connector type", dump);
		free(dump);
		return -1;
	}
	p = kw_plugin_find(cls);
	if (p == NULL) {
		unknown_plugin(resp, cls);
		return -1;
	}
	nerr = kw_config_check(w, p, config, &lines);
	if (nerr > 0) {
		kw_resp_error(resp, 400, "Connector configuration is invalid and contains the "
		    "following %d error(s):%s\nYou can also find the above list of errors at the "
		    "endpoint `/connector-plugins/{connectorType}/config/validate`", nerr, lines);
		free(lines);
		return -1;
	}
	return 0;
}

static void
not_found(struct kw_resp *resp, const char *name)
{
	kw_resp_error(resp, 404, "Connector %s not found", name);
}

/* Answer 200 with render(w, c) for the connector named by the path (rendered under the
 * worker lock), or 404 with `missing` ("%s" = the name; NULL: "Connector %s not found"). */
static int
reply_conn(struct kw_req *req, struct kw_resp *resp,
    json_t *(*render)(struct kw_worker *, struct kw_connector *), const char *missing)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL)
		kw_resp_json(resp, 200, render(w, c));
	pthread_mutex_unlock(&w->lock);
	if (c == NULL && missing != NULL)
		kw_resp_error(resp, 404, missing, req->params[0]);
	else if (c == NULL)
		not_found(resp, req->params[0]);
	return 0;
}

static void
set_location(struct kw_resp *resp, const char *name)
{
	char *enc = kc_url_encode_segment(name);

	resp->location = kc_xasprintf("/connectors/%s", enc);
	free(enc);
}

static bool
query_bool(struct kw_req *req, const char *name)
{
	const char *v = kw_req_query(req, name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

/* ---- root, health --------------------------------------------------------------------- */

static int
h_root(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;

	json_t *out;

	pthread_mutex_lock(&w->lock);
	out = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b,s:s}",
	    "version", KW_CONNECT_API_VERSION, "commit", "kcops-" KCOPS_VERSION,
	    "kafka_cluster_id", w->cluster_id != NULL ? w->cluster_id : "",
	    "kcops_version", KCOPS_VERSION, "bootstrap_servers", w->bootstrap,
	    "embedded_kafka", w->embedded, "worker_id", w->worker_id);
	pthread_mutex_unlock(&w->lock);
	kw_resp_json(resp, 200, out);
	return 0;
}

static int
h_health(struct kw_req *req, struct kw_resp *resp)
{
	int64_t stuck_ms;
	bool started;

	pthread_mutex_lock(&req->w->lock);
	started = req->w->started;
	pthread_mutex_unlock(&req->w->lock);
	stuck_ms = kc_mono_ms() - atomic_load(&req->w->herder_beat_ms);
	if (!started)
		kw_resp_json(resp, 503, json_pack("{s:s,s:s}", "status", "starting", "message",
		    "Worker is still starting up."));
	else if (stuck_ms > 30000)
		kw_resp_json(resp, 500, json_pack("{s:s,s:s}", "status", "unhealthy", "message",
		    "Worker was unable to handle this request and may be unable to handle other "
		    "requests: the herder thread has not completed a pass for over 30 s (it may be "
		    "waiting for a task to stop)"));
	else
		kw_resp_json(resp, 200, json_pack("{s:s,s:s}", "status", "healthy", "message",
		    "Worker has completed startup and is ready to handle requests."));
	return 0;
}

/* ---- connector list (cached by generation) -------------------------------------------- */

/* The serialised listing for each expand combination, valid while the worker's generation
 * is unchanged (every visible state change bumps it, so a cached answer is never stale). */
struct list_cache {
	pthread_mutex_t	 lock;
	uint64_t	 gen;
	struct kw_blob	*blob;
};

static struct list_cache list_cache[4] = {
	{ PTHREAD_MUTEX_INITIALIZER, 0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, 0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, 0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, 0, NULL },
};

static int
h_list(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	json_t *expand = kw_req_query_all(req, "expand"), *v, *out;
	int flags = 0;
	bool any_expand = json_array_size(expand) > 0;
	struct list_cache *lc;
	uint64_t g;
	size_t i;

	json_array_foreach(expand, i, v) {
		if (strcmp(json_string_value(v), "status") == 0)
			flags |= 1;
		else if (strcmp(json_string_value(v), "info") == 0)
			flags |= 2;
	}
	json_decref(expand);
	if (any_expand && flags == 0) {
		/* Only unknown expand values: every connector maps to {}. */
		out = json_object();
		pthread_mutex_lock(&w->lock);
		for (i = 0; i < w->nconns; i++)
			json_object_set_new(out, w->conns[i]->name, json_object());
		pthread_mutex_unlock(&w->lock);
		kw_resp_json(resp, 200, out);
		return 0;
	}
	lc = &list_cache[flags];
	pthread_mutex_lock(&lc->lock);
	g = atomic_load(&w->gen);
	if (lc->blob != NULL && lc->gen == g) {
		kw_resp_blob(resp, 200, lc->blob);
		pthread_mutex_unlock(&lc->lock);
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	g = atomic_load(&w->gen);
	if (flags == 0) {
		out = json_array();
		for (i = 0; i < w->nconns; i++)
			json_array_append_new(out, json_string(w->conns[i]->name));
	} else {
		out = json_object();
		for (i = 0; i < w->nconns; i++) {
			struct kw_connector *c = w->conns[i];
			json_t *e = json_object();

			if (flags & 1)
				json_object_set_new(e, "status", kw_conn_status_locked(w, c));
			if (flags & 2)
				json_object_set_new(e, "info", kw_conn_info_locked(w, c));
			json_object_set_new(out, c->name, e);
		}
	}
	pthread_mutex_unlock(&w->lock);
	{
		char *text = json_dumps(out, JSON_COMPACT);

		kw_blob_unref(lc->blob);
		lc->blob = kw_blob_new(text, strlen(text));
		free(text);
	}
	lc->gen = g;
	json_decref(out);
	kw_resp_blob(resp, 200, lc->blob);
	pthread_mutex_unlock(&lc->lock);
	return 0;
}

/* ---- create, read, update, delete ----------------------------------------------------- */

static int
h_create(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	json_t *body, *config, *v;
	const char *key, *st;
	enum kw_ctarget target = KW_CT_STARTED;
	char *name;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	if (!json_is_object(body)) {
		kw_resp_error(resp, 500, "Cannot deserialize request body: expected a JSON object "
		    "with \"name\" and \"config\"");
		json_decref(body);
		return 0;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "name") != 0 && strcmp(key, "config") != 0 &&
		    strcmp(key, "initial_state") != 0) {
			kw_resp_error(resp, 500, "Unrecognized field \"%s\" (known properties: "
			    "\"name\", \"config\", \"initial_state\")", key);
			json_decref(body);
			return 0;
		}
	}
	v = json_object_get(body, "name");
	if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
		kw_resp_error(resp, 500, "Cannot deserialize field \"name\": expected a string");
		json_decref(body);
		return 0;
	}
	v = json_object_get(body, "initial_state");
	if (v != NULL && !json_is_null(v)) {
		st = json_string_value(v);
		if (st != NULL && strcasecmp(st, "RUNNING") == 0)
			target = KW_CT_STARTED;
		else if (st != NULL && strcasecmp(st, "PAUSED") == 0)
			target = KW_CT_PAUSED;
		else if (st != NULL && strcasecmp(st, "STOPPED") == 0)
			target = KW_CT_STOPPED;
		else {
			kw_resp_error(resp, 500, "Cannot deserialize field \"initial_state\": expected "
			    "one of RUNNING, PAUSED, STOPPED");
			json_decref(body);
			return 0;
		}
	}
	if (json_object_get(body, "config") == NULL || json_is_null(json_object_get(body,
	    "config"))) {
		kw_resp_error(resp, 400, "Connector create request must contain a \"config\" object");
		json_decref(body);
		return 0;
	}
	if ((config = config_map(json_object_get(body, "config"), resp)) == NULL) {
		json_decref(body);
		return 0;
	}
	name = kc_xstrdup(kc_json_str_or(body, "name", kc_json_str_or(config, "name", "")));
	kc_str_trim(name);
	json_decref(body);
	if (*name == '\0') {
		kw_resp_error(resp, 400, "Connector name is missing or empty");
		goto out;
	}
	if (has_control(name)) {
		kw_resp_error(resp, 400, "Connector name must not contain ISO control characters");
		goto out;
	}
	if (kc_json_str(config, "name") != NULL) {
		char *cn = kc_xstrdup(kc_json_str(config, "name"));

		kc_str_trim(cn);
		if (strcmp(cn, name) != 0) {
			kw_resp_error(resp, 400, "Connector name configuration (%s) doesn't match "
			    "connector name in the URL (%s)", cn, name);
			free(cn);
			goto out;
		}
		free(cn);
	}
	json_object_set_new(config, "name", json_string(name));
	if (check_config(w, config, resp) != 0)
		goto out;
	pthread_mutex_lock(&w->lock);
	if (kw_conn_find_locked(w, name) != NULL) {
		pthread_mutex_unlock(&w->lock);
		kw_resp_error(resp, 409, "Connector %s already exists", name);
		goto out;
	}
	{
		struct kw_connector *c = kw_conn_add_locked(w, name, json_incref(config), target);

		kw_herder_save_locked(w);
		kw_resp_json(resp, 201, kw_conn_info_locked(w, c));
	}
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush(w);
	set_location(resp, name);
	kc_log("kcops.worker.rest", KC_LOG_INFO, "created connector %s", name);
out:
	free(name);
	json_decref(config);
	return 0;
}

static int
h_get(struct kw_req *req, struct kw_resp *resp)
{
	return reply_conn(req, resp, kw_conn_info_locked, NULL);
}

static int
h_delete(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		kw_conn_delete_locked(w, c);
		kw_herder_save_locked(w);
	}
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush(w);
	if (c == NULL)
		not_found(resp, req->params[0]);
	else
		kw_resp_empty(resp, 204);
	return 0;
}

static int
h_get_config(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL)
		kw_resp_json(resp, 200, json_incref(c->config));
	pthread_mutex_unlock(&w->lock);
	if (c == NULL)
		not_found(resp, req->params[0]);
	return 0;
}

/* Shared by PUT and PATCH once the new config is known (steals config). */
static void
apply_config(struct kw_req *req, struct kw_resp *resp, json_t *config, bool must_exist)
{
	struct kw_worker *w = req->w;
	const char *name = req->params[0];
	struct kw_connector *c;
	const char *cn = kc_json_str(config, "name");

	if (cn != NULL && strcmp(cn, name) != 0) {
		kw_resp_error(resp, 400, "Connector name configuration (%s) doesn't match connector "
		    "name in the URL (%s)", cn, name);
		json_decref(config);
		return;
	}
	if (has_control(name)) {
		kw_resp_error(resp, 400, "Connector name must not contain ISO control characters");
		json_decref(config);
		return;
	}
	json_object_set_new(config, "name", json_string(name));
	if (check_config(w, config, resp) != 0) {
		json_decref(config);
		return;
	}
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, name);
	if (c == NULL && must_exist) {
		pthread_mutex_unlock(&w->lock);
		not_found(resp, name);
		json_decref(config);
		return;
	}
	if (c == NULL) {
		c = kw_conn_add_locked(w, name, config, KW_CT_STARTED);
		kw_resp_json(resp, 201, kw_conn_info_locked(w, c));
		set_location(resp, name);
	} else {
		if (!json_equal(c->config, config))
			kw_conn_set_config_locked(w, c, config);
		else
			json_decref(config);
		kw_resp_json(resp, 200, kw_conn_info_locked(w, c));
	}
	kw_herder_save_locked(w);
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush(w);
}

static int
h_put_config(struct kw_req *req, struct kw_resp *resp)
{
	json_t *body, *config;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	config = config_map(body, resp);
	json_decref(body);
	if (config != NULL)
		apply_config(req, resp, config, false);
	return 0;
}

static int
h_patch_config(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;
	json_t *body, *patch, *config, *v;
	const char *key;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	patch = config_map(body, resp);
	json_decref(body);
	if (patch == NULL)
		return 0;
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	config = c != NULL ? json_deep_copy(c->config) : NULL;
	pthread_mutex_unlock(&w->lock);
	if (config == NULL) {
		not_found(resp, req->params[0]);
		json_decref(patch);
		return 0;
	}
	json_object_foreach(patch, key, v) {
		if (json_is_null(v))
			json_object_del(config, key);
		else
			json_object_set(config, key, v);
	}
	json_decref(patch);
	apply_config(req, resp, config, true);
	return 0;
}

/* ---- status and tasks ----------------------------------------------------------------- */

static int
h_status(struct kw_req *req, struct kw_resp *resp)
{
	return reply_conn(req, resp, kw_conn_status_locked, "No status found for connector %s");
}

static int
h_tasks(struct kw_req *req, struct kw_resp *resp)
{
	return reply_conn(req, resp, kw_conn_tasks_locked, NULL);
}

static int
h_tasks_config(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;
	json_t *out = NULL, *tasks, *t;
	size_t i;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		tasks = kw_conn_tasks_locked(w, c);
		out = json_object();
		json_array_foreach(tasks, i, t) {
			char *k = kc_xasprintf("%s-%d", c->name, (int)i);

			json_object_set(out, k, json_object_get(t, "config"));
			free(k);
		}
		json_decref(tasks);
	}
	pthread_mutex_unlock(&w->lock);
	if (c == NULL)
		not_found(resp, req->params[0]);
	else
		kw_resp_json(resp, 200, out);
	return 0;
}

/* Task id from a path segment; -1 if not a non-negative integer. */
static int
task_id(const char *s)
{
	long v;
	char *end;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	return (*end != '\0' || v > 1000000) ? -1 : (int)v;
}

static struct kw_task *
find_task_locked(struct kw_connector *c, int id)
{
	int k;

	if (c == NULL || c->target == KW_CT_STOPPED)
		return NULL;
	for (k = 0; k < c->ntasks; k++)
		if (c->tasks[k]->id == id)
			return c->tasks[k];
	return NULL;
}

/* Distributed mode: the instance with cluster-wide id `id` of connector c (lock held), as
 * kw_dist_tasks_locked shows it; NULL if none. *local is set when it runs on this worker. */
static json_t *
find_instance_locked(struct kw_worker *w, struct kw_connector *c, int id, struct kw_task **local)
{
	json_t *all, *e;

	*local = NULL;
	if (c == NULL || c->target == KW_CT_STOPPED)
		return NULL;
	all = kw_dist_tasks_locked(w, c);
	e = json_incref(json_array_get(all, (size_t)id));
	json_decref(all);
	if (e != NULL && strcmp(kc_json_str(e, "worker_id"), w->worker_id) == 0)
		*local = find_task_locked(c, (int)kc_json_int_or(e, json_object_get(e, "local_id") !=
		    NULL ? "local_id" : "id", -1));
	return e;
}

static int
h_task_status(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_task *t = NULL;
	json_t *inst = NULL;
	int id = task_id(req->params[1]);

	if (id < 0) {
		kw_resp_error(resp, 404, "HTTP 404 Not Found");
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	if (w->dist != NULL)
		inst = find_instance_locked(w, kw_conn_find_locked(w, req->params[0]), id, &t);
	else if ((t = find_task_locked(kw_conn_find_locked(w, req->params[0]), id)) != NULL)
		inst = kw_task_status_locked(w, t);
	pthread_mutex_unlock(&w->lock);
	if (inst == NULL)
		kw_resp_error(resp, 404, "No status found for task %s-%d", req->params[0], id);
	else
		kw_resp_json(resp, 200, inst);
	return 0;
}
/* ---- lifecycle ------------------------------------------------------------------------ */

static int
set_target(struct kw_req *req, struct kw_resp *resp, enum kw_ctarget t, int status)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		/* resume of a RUNNING connector is a no-op; of STOPPED starts it */
		if (c->target != t) {
			kw_conn_set_target_locked(w, c, t);
			kw_herder_save_locked(w);
		}
	}
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush(w);
	if (c == NULL)
		not_found(resp, req->params[0]);
	else
		kw_resp_empty(resp, status);
	return 0;
}

static int
h_pause(struct kw_req *req, struct kw_resp *resp)
{
	return set_target(req, resp, KW_CT_PAUSED, 202);
}

static int
h_resume(struct kw_req *req, struct kw_resp *resp)
{
	return set_target(req, resp, KW_CT_STARTED, 202);
}

static int
h_stop(struct kw_req *req, struct kw_resp *resp)
{
	return set_target(req, resp, KW_CT_STOPPED, 204);
}

static int
h_restart(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	bool inc = query_bool(req, "includeTasks"), only = query_bool(req, "onlyFailed");
	struct kw_connector *c;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		kw_conn_restart_locked(w, c, inc, only);
		/* distributed: every other worker restarts its instances too */
		kw_dist_queue_locked(w, json_pack("{s:s,s:s,s:b,s:b}", "op", "restart", "name",
		    c->name, "include_tasks", inc, "only_failed", only));
		if (inc || only)
			kw_resp_json(resp, 202, kw_conn_status_locked(w, c));
		else
			kw_resp_empty(resp, 204);
	}
	pthread_mutex_unlock(&w->lock);
	if (c != NULL)
		kw_herder_flush(w);
	if (c == NULL)
		kw_resp_error(resp, 404, "Unknown connector: %s", req->params[0]);
	return 0;
}

/* Restart one task. Distributed mode: a task another worker runs (or that waits for a worker)
 * is restarted through the config topic (a restart_task record): 204 once a worker confirmed
 * it (the one running it, or the one it moved to if that worker died first); 202 with an
 * explanation when none confirmed within a few heartbeat intervals (the request stays in the
 * topic: the task restarts when its worker reads it, or starts fresh where it moves to); 500
 * when the record could not be written. */
static int
h_task_restart(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_task *t = NULL;
	json_t *inst = NULL;
	int id = task_id(req->params[1]), status = 404, rc;
	char who[256], *owner = NULL;

	if (id < 0) {
		kw_resp_error(resp, 404, "HTTP 404 Not Found");
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	if (w->dist != NULL)
		inst = find_instance_locked(w, kw_conn_find_locked(w, req->params[0]), id, &t);
	else
		t = find_task_locked(kw_conn_find_locked(w, req->params[0]), id);
	if (t != NULL) {
		kw_task_restart_locked(w, t);
		status = 204;
	} else if (inst != NULL) {
		owner = kc_xstrdup(kc_json_str_or(inst, "worker_id", ""));
		status = 202;
	}
	pthread_mutex_unlock(&w->lock);
	json_decref(inst);
	if (status == 404) {
		kw_resp_error(resp, 404, "Unknown task: %s-%d", req->params[0], id);
		return 0;
	}
	if (status == 204) {
		kw_resp_empty(resp, 204);
		return 0;
	}
	rc = kw_dist_restart_task(w, req->params[0], id, owner, who, sizeof(who));
	if (rc > 0)
		kw_resp_empty(resp, 204);
	else if (rc < 0)
		kw_resp_error(resp, 500, "Cannot restart task %s-%d: the request could not be "
		    "written to the config topic", req->params[0], id);
	else
		kw_resp_json(resp, 202, json_pack("{s:s,s:i,s:s,s:b,s:s}", "connector",
		    req->params[0], "task", id, "worker_id", owner, "confirmed", 0, "message",
		    "restart requested through the config topic, not confirmed yet by the worker "
		    "running the task (it may be stopped or dead): the task restarts when that worker "
		    "reads the request, or starts where it moves to if that worker is gone"));
	free(owner);
	return 0;
}

/* ---- topics --------------------------------------------------------------------------- */

static int
h_topics(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;
	json_t *topics;

	if (strcmp(kw_config_get(w, "topic.tracking.enable", "true"), "false") == 0) {
		kw_resp_error(resp, 403, "Topic tracking is disabled.");
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	topics = c != NULL ? json_deep_copy(c->topics) : json_array();
	pthread_mutex_unlock(&w->lock);
	kw_resp_json(resp, 200, json_pack("{s:{s:o}}", req->params[0], "topics", topics));
	return 0;
}

static int
h_topics_reset(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;

	if (strcmp(kw_config_get(w, "topic.tracking.enable", "true"), "false") == 0) {
		kw_resp_error(resp, 403, "Topic tracking is disabled.");
		return 0;
	}
	if (strcmp(kw_config_get(w, "topic.tracking.allow.reset", "true"), "false") == 0) {
		kw_resp_error(resp, 403, "Topic tracking reset is disabled.");
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		json_array_clear(c->topics);
		kw_bump(w);
	}
	pthread_mutex_unlock(&w->lock);
	if (c == NULL)
		not_found(resp, req->params[0]);
	else
		kw_resp_empty(resp, 202);
	return 0;
}

/* ---- offsets -------------------------------------------------------------------------- */

/* Topics of a sink connector's config as a JSON array. */
static json_t *
sink_topics(const json_t *config)
{
	const char *topics = kc_json_str(config, "topics");
	json_t *arr = json_array();
	char *copy, *save = NULL, *tok;

	if (topics == NULL)
		return arr;
	copy = kc_xstrdup(topics);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		if (*tok != '\0')
			json_array_append_new(arr, json_string(tok));
	}
	free(copy);
	return arr;
}

/* Committed offsets of a sink connector's group; NULL + resp on error. */
static json_t *
sink_committed(struct kw_worker *w, const char *name, const json_t *config,
    struct kw_resp *resp)
{
	char err[512], *group;
	rd_kafka_conf_t *conf;
	json_t *topics, *out;

	conf = kw_worker_kafka_conf(w, "consumer", err, sizeof(err));
	if (conf == NULL) {
		kw_resp_error(resp, 500, "%s", err);
		return NULL;
	}
	topics = sink_topics(config);
	group = kc_xasprintf("connect-%s", name);
	out = kc_kafka_group_committed(conf, group, topics, 5000, err, sizeof(err));
	if (out == NULL)
		kw_resp_error(resp, 500, "Failed to fetch offsets: %s", err);
	free(group);
	json_decref(topics);
	rd_kafka_conf_destroy(conf);
	return out;
}

static int
h_offsets_get(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;
	json_t *config = NULL, *out = NULL;
	bool sink = false;

	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		sink = c->plugin != NULL && c->plugin->type == KW_PLUGIN_SINK;
		config = json_deep_copy(c->config);
		if (!sink)
			out = kw_offsets_get_locked(w, c->name);
	}
	pthread_mutex_unlock(&w->lock);
	if (c == NULL) {
		not_found(resp, req->params[0]);
		return 0;
	}
	if (sink) {
		json_t *committed = sink_committed(w, req->params[0], config, resp), *e;
		size_t i;

		if (committed == NULL) {
			json_decref(config);
			return 0;
		}
		pthread_mutex_lock(&w->lock);
		c = kw_conn_find_locked(w, req->params[0]);
		if (c != NULL && c->sink_pending != NULL) {
			json_t *pe;
			size_t j;

			json_array_foreach(json_object_get(c->sink_pending, "offsets"), j, pe) {
				json_array_foreach(committed, i, e)
					if (json_equal(json_object_get(pe, "topic"), json_object_get(e,
					    "topic")) && json_equal(json_object_get(pe, "partition"),
					    json_object_get(e, "partition")))
						break;
				if (i < json_array_size(committed))
					json_array_set(committed, i, pe);
				else
					json_array_append(committed, pe);
			}
		}
		pthread_mutex_unlock(&w->lock);
		out = json_array();
		json_array_foreach(committed, i, e)
			json_array_append_new(out, json_pack("{s:{s:O,s:O},s:{s:O}}",
			    "partition", "kafka_topic", json_object_get(e, "topic"),
			    "kafka_partition", json_object_get(e, "partition"),
			    "offset", "kafka_offset", json_object_get(e, "offset")));
		json_decref(committed);
	}
	json_decref(config);
	kw_resp_json(resp, 200, json_pack("{s:o}", "offsets", out));
	return 0;
}

/* PATCH (body != NULL) or DELETE (reset) of offsets. */
static int
offsets_change(struct kw_req *req, struct kw_resp *resp, json_t *body)
{
	struct kw_worker *w = req->w;
	struct kw_connector *c;
	json_t *offsets = NULL, *config = NULL, *e;
	bool sink = false, stopped = false;
	size_t i;

	if (body != NULL) {
		offsets = json_object_get(body, "offsets");
		if (!json_is_object(body) || !json_is_array(offsets)) {
			kw_resp_error(resp, 500, "Cannot deserialize request body: expected "
			    "{\"offsets\": [...]}");
			return 0;
		}
		if (json_array_size(offsets) == 0) {
			kw_resp_error(resp, 400, "Partitions / offsets need to be provided for an alter "
			    "offsets request");
			return 0;
		}
		json_array_foreach(offsets, i, e) {
			if (!json_is_object(e) || !json_is_object(json_object_get(e, "partition")) ||
			    !(json_is_object(json_object_get(e, "offset")) ||
			    json_is_null(json_object_get(e, "offset")))) {
				kw_resp_error(resp, 500, "Cannot deserialize offsets entry %zu: expected "
				    "{\"partition\": {...}, \"offset\": {...} or null}", i);
				return 0;
			}
		}
	}
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		sink = c->plugin != NULL && c->plugin->type == KW_PLUGIN_SINK;
		if (c->target == KW_CT_STOPPED) {	/* no task left, on any worker */
			json_t *all = kw_dist_tasks_locked(w, c);

			stopped = json_array_size(all) == 0;
			json_decref(all);
		}
		config = json_deep_copy(c->config);
	}
	if (c != NULL && stopped && !sink) {
		if (body == NULL)
			kw_offsets_set_locked(w, c->name, NULL);
		else {
			json_t *cur = kw_offsets_get_locked(w, c->name);

			json_array_foreach(offsets, i, e) {
				json_t *p = json_object_get(e, "partition"), *o = json_object_get(e,
				    "offset"), *ce;
				size_t j;
				bool found = false;

				json_array_foreach(cur, j, ce)
					if (json_equal(json_object_get(ce, "partition"), p)) {
						found = true;
						break;
					}
				if (found && json_is_null(o))
					json_array_remove(cur, j);
				else if (found)
					json_object_set(ce, "offset", o);
				else if (!json_is_null(o))
					json_array_append_new(cur, json_pack("{s:O,s:O}", "partition",
					    p, "offset", o));
			}
			kw_offsets_set_locked(w, c->name, cur);
		}
	}
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush_offsets(w);
	if (c == NULL) {
		not_found(resp, req->params[0]);
		goto out;
	}
	if (stopped && !sink && kw_dist_sync(w) != 0) {	/* distributed: offsets topic */
		kw_resp_error(resp, 500, "Failed to %s offsets: not written to offset.storage.topic "
		    "(see the worker log)", body ? "alter" : "reset");
		goto out;
	}
	if (!stopped) {
		kw_resp_error(resp, 400, "Connectors must be in the STOPPED state before their offsets "
		    "can be modified. This can be done for the specified connector by issuing a 'PUT' "
		    "request to the '/connectors/%s/stop' endpoint", req->params[0]);
		goto out;
	}
	if (sink) {
		json_t *commits = json_array();
		char err[512], *group;
		rd_kafka_conf_t *conf;
		int r;

		if (body == NULL) {
			json_t *committed = sink_committed(w, req->params[0], config, resp);

			if (committed == NULL) {
				json_decref(commits);
				goto out;
			}
			json_array_foreach(committed, i, e)
				json_array_append_new(commits, json_pack("{s:O,s:O,s:i}", "topic",
				    json_object_get(e, "topic"), "partition",
				    json_object_get(e, "partition"), "offset", -1));
			json_decref(committed);
		} else {
			json_array_foreach(offsets, i, e) {
				json_t *p = json_object_get(e, "partition"), *o = json_object_get(e,
				    "offset");
				const char *topic = kc_json_str(p, "kafka_topic");
				json_t *pp = json_object_get(p, "kafka_partition");
				json_t *ko = json_is_object(o) ? json_object_get(o, "kafka_offset") : NULL;

				if (topic == NULL || !json_is_integer(pp) || json_integer_value(pp) < 0 ||
				    (json_is_object(o) && (!json_is_integer(ko) ||
				    json_integer_value(ko) < 0))) {
					kw_resp_error(resp, 400, "Invalid sink connector offset entry %zu: "
					    "partition needs kafka_topic (string) and kafka_partition "
					    "(integer >= 0), offset needs kafka_offset (integer >= 0) or "
					    "null", i);
					json_decref(commits);
					goto out;
				}
				json_array_append_new(commits, json_pack("{s:s,s:O,s:I}", "topic", topic,
				    "partition", pp, "offset", ko != NULL ? json_integer_value(ko) :
				    (json_int_t)-1));
			}
		}
		conf = kw_worker_kafka_conf(w, "consumer", err, sizeof(err));
		if (conf == NULL) {
			kw_resp_error(resp, 500, "%s", err);
			json_decref(commits);
			goto out;
		}
		group = kc_xasprintf("connect-%s", req->params[0]);
		r = kc_kafka_group_commit(conf, group, commits, 5000, err, sizeof(err));
		free(group);
		rd_kafka_conf_destroy(conf);
		if (r != 0) {
			/* Could not commit from outside the group (librdkafka's mock refuses that
			 * once the group exists; a real cluster with live members does too): the
			 * next sink consumer applies them on assignment. */
			bool ok = true;

			json_array_foreach(commits, i, e)
				if (json_integer_value(json_object_get(e, "offset")) < 0)
					ok = false;
			if (!ok) {
				kw_resp_error(resp, 500, "Failed to %s offsets: %s", body ? "alter" :
				    "reset", err);
				json_decref(commits);
				goto out;
			}
			pthread_mutex_lock(&w->lock);
			c = kw_conn_find_locked(w, req->params[0]);
			if (c != NULL) {
				json_t *pend = c->sink_pending != NULL ?
				    json_object_get(c->sink_pending, "offsets") : NULL, *pe;
				size_t j;

				if (pend == NULL) {
					json_decref(c->sink_pending);
					c->sink_pending = json_pack("{s:[]}", "offsets");
					pend = json_object_get(c->sink_pending, "offsets");
				}
				json_array_foreach(commits, i, e) {
					json_array_foreach(pend, j, pe)
						if (json_equal(json_object_get(pe, "topic"),
						    json_object_get(e, "topic")) &&
						    json_equal(json_object_get(pe, "partition"),
						    json_object_get(e, "partition")))
							break;
					if (j < json_array_size(pend))
						json_array_set(pend, j, e);
					else
						json_array_append(pend, e);
				}
				kw_conn_persist_locked(w, c);
				kw_herder_save_locked(w);
				kc_log("kcops.worker.rest", KC_LOG_INFO, "connector %s: sink offsets will "
				    "be applied when its tasks start (%s)", c->name, err);
			}
			pthread_mutex_unlock(&w->lock);
			kw_herder_flush(w);
		}
		json_decref(commits);
		kw_resp_json(resp, 200, json_pack("{s:s}", "message", body != NULL ?
		    "The offsets for this connector have been altered successfully" :
		    "The offsets for this connector have been reset successfully"));
		goto out;
	}
	kw_resp_json(resp, 200, json_pack("{s:s}", "message", body != NULL ?
	    "The offsets for this connector have been altered successfully" :
	    "The offsets for this connector have been reset successfully"));
out:
	json_decref(config);
	return 0;
}

static int
h_offsets_patch(struct kw_req *req, struct kw_resp *resp)
{
	json_t *body;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	offsets_change(req, resp, body);
	json_decref(body);
	return 0;
}

static int
h_offsets_delete(struct kw_req *req, struct kw_resp *resp)
{
	return offsets_change(req, resp, NULL);
}

/* ---- plugins and validation ----------------------------------------------------------- */

static const char *const converter_classes[] = {
	"org.apache.kafka.connect.converters.ByteArrayConverter",
	"org.apache.kafka.connect.json.JsonConverter",
	"org.apache.kafka.connect.storage.StringConverter",
};

static int
h_plugins(struct kw_req *req, struct kw_resp *resp)
{
	const char *co = kw_req_query(req, "connectorsOnly");
	json_t *out = json_array();
	size_t i;

	for (i = 0; kw_plugins[i] != NULL; i++)
		json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "class",
		    kw_plugins[i]->class_name, "type", kw_plugins[i]->type == KW_PLUGIN_SINK ?
		    "sink" : "source", "version", kw_plugins[i]->version != NULL ?
		    kw_plugins[i]->version : KCOPS_VERSION));
	if (co != NULL && strcasecmp(co, "false") == 0)
		for (i = 0; i < KC_NITEMS(converter_classes); i++)
			json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "class",
			    converter_classes[i], "type", "converter", "version", KCOPS_VERSION));
	kw_resp_json(resp, 200, out);
	return 0;
}

static int
h_plugin_config(struct kw_req *req, struct kw_resp *resp)
{
	const struct kw_plugin *p = kw_plugin_find(req->params[0]);

	if (p == NULL) {
		if (kw_converter_class_known(req->params[0]))
			kw_resp_json(resp, 200, kw_config_converter_keys(req->params[0]));
		else
			kw_resp_error(resp, 404, "Unknown plugin %s.", req->params[0]);
		return 0;
	}
	kw_resp_json(resp, 200, kw_config_plugin_keys(p));
	return 0;
}

static int
h_validate(struct kw_req *req, struct kw_resp *resp)
{
	const struct kw_plugin *p, *pp;
	json_t *body, *config;
	const char *cls;
	int nerr;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	config = config_map(body, resp);
	json_decref(body);
	if (config == NULL)
		return 0;
	cls = kc_json_str(config, "connector.class");
	if (cls == NULL || *cls == '\0') {
		char *dump = kc_json_dump(config);

		kw_resp_error(resp, 400, "Connector config %s contains no connector type", dump);
		free(dump);
		json_decref(config);
		return 0;
	}
	p = kw_plugin_find(cls);
	if (p == NULL) {
		unknown_plugin(resp, cls);
		json_decref(config);
		return 0;
	}
	pp = kw_plugin_find(req->params[0]);
	if (pp != p) {
		kw_resp_error(resp, 400, "Included connector type %s does not match request type %s",
		    cls, req->params[0]);
		json_decref(config);
		return 0;
	}
	kw_resp_json(resp, 200, kw_config_validate_kafka(req->w, p, config, &nerr));
	json_decref(config);
	return 0;
}

/* ---- loggers -------------------------------------------------------------------------- */

static int
h_loggers(struct kw_req *req, struct kw_resp *resp)
{
	(void)req;
	kw_resp_json(resp, 200, kc_log_loggers_json());
	return 0;
}

static int
h_logger_get(struct kw_req *req, struct kw_resp *resp)
{
	const char *name = req->params[0];
	json_t *all, *e;

	if (!kc_log_known(name)) {
		kw_resp_error(resp, 404, "Logger %s not found.", name);
		return 0;
	}
	all = kc_log_loggers_json();
	e = json_object_get(all, name);
	kw_resp_json(resp, 200, json_pack("{s:s,s:O}", "level",
	    kc_log_level_name(kc_log_effective(name)), "last_modified",
	    e != NULL && json_object_get(e, "last_modified") != NULL ?
	    json_object_get(e, "last_modified") : json_null()));
	json_decref(all);
	return 0;
}

static int
h_logger_put(struct kw_req *req, struct kw_resp *resp)
{
	const char *scope = kw_req_query(req, "scope"), *lv;
	json_t *body, *affected;
	int level;

	if ((body = body_json(req, resp)) == NULL)
		return 0;
	if (!json_is_object(body)) {
		kw_resp_error(resp, 500, "Cannot deserialize request body: expected {\"level\": ...}");
		json_decref(body);
		return 0;
	}
	if (json_object_get(body, "level") == NULL || json_is_null(json_object_get(body,
	    "level"))) {
		kw_resp_error(resp, 400, "Desired 'level' parameter was not specified in request.");
		json_decref(body);
		return 0;
	}
	lv = json_string_value(json_object_get(body, "level"));
	level = kc_log_level_parse(lv);
	if (level < 0 || level == KC_LOG_OFF) {
		kw_resp_error(resp, 404, "invalid log level '%s'.", lv != NULL ? lv : "(not a string)");
		json_decref(body);
		return 0;
	}
	json_decref(body);
	affected = kc_log_set_level(req->params[0], (enum kc_log_level)level);
	if (scope != NULL && strcasecmp(scope, "cluster") == 0) {
		json_decref(affected);
		kw_resp_empty(resp, 204);
	} else
		kw_resp_json(resp, 200, affected);
	return 0;
}

/* ---- kcops extensions ----------------------------------------------------------------- */

static int
h_exchanges(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	const char *s_since = kw_req_query(req, "since"), *s_wait = kw_req_query(req, "wait");
	const char *s_max = kw_req_query(req, "max");
	uint64_t since = s_since != NULL ? strtoull(s_since, NULL, 10) : 0, next = 0;
	long wait = s_wait != NULL ? strtol(s_wait, NULL, 10) : 0;
	long max = s_max != NULL ? strtol(s_max, NULL, 10) : 1000;
	struct kw_connector *c;
	json_t *arr = NULL;

	if (wait < 0)
		wait = 0;
	if (wait > 60000)
		wait = 60000;
	if (max < 1 || max > 100000)
		max = 1000;
	pthread_mutex_lock(&w->lock);
	c = kw_conn_find_locked(w, req->params[0]);
	if (c != NULL) {
		arr = kw_conn_exchanges_locked(c, since, (size_t)max, &next);
		if (json_array_size(arr) == 0 && wait > 0 && !req->resumed) {
			/* Registered under the worker lock, so a publish cannot slip between. */
			kw_rest_wait(req, c->name, (int)wait);
			pthread_mutex_unlock(&w->lock);
			json_decref(arr);
			return 0;
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (c == NULL) {
		not_found(resp, req->params[0]);
		return 0;
	}
	kw_resp_json(resp, 200, json_pack("{s:s,s:I,s:o}", "connector", req->params[0], "next",
	    (json_int_t)(next > since ? next - 1 : since), "exchanges", arr));
	return 0;
}

/* kw_conn_metrics_locked in the render shape of reply_conn. */
static json_t *
metrics_render(struct kw_worker *w, struct kw_connector *c)
{
	(void)w;
	return kw_conn_metrics_locked(c);
}

static int
h_metrics(struct kw_req *req, struct kw_resp *resp)
{
	return reply_conn(req, resp, metrics_render, NULL);
}

/* Resident set size in KiB from /proc/self/statm. */
static long
rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * 4;
}

static int
h_worker(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	int tasks = 0, running = 0, failed = 0;
	size_t i, nconns;
	int k;

	pthread_mutex_lock(&w->lock);
	nconns = w->nconns;
	for (i = 0; i < w->nconns; i++)
		for (k = 0; k < w->conns[i]->ntasks; k++) {
			tasks++;
			running += w->conns[i]->tasks[k]->state == KW_TASK_RUNNING;
			failed += w->conns[i]->tasks[k]->state == KW_TASK_FAILED;
		}
	pthread_mutex_unlock(&w->lock);
	kw_resp_json(resp, 200, json_pack("{s:s,s:s,s:I,s:i,s:i,s:i,s:i,s:I,s:s,s:b}",
	    "worker_id", w->worker_id, "kcops_version", KCOPS_VERSION,
	    "uptime_ms", (json_int_t)(kc_mono_ms() - w->start_ms), "connectors", (int)nconns,
	    "tasks", tasks, "tasks_running", running, "tasks_failed", failed,
	    "rss_kib", (json_int_t)rss_kib(), "state_dir", w->state_dir,
	    "embedded_kafka", w->embedded));
	return 0;
}

/* GET /kcops/v1/workers: every worker of the cluster this worker knows (itself only when
 * standalone), with liveness from the status topic's heartbeats. */
static int
h_workers(struct kw_req *req, struct kw_resp *resp)
{
	struct kw_worker *w = req->w;
	json_t *arr;

	pthread_mutex_lock(&w->lock);
	arr = kw_dist_workers_locked(w);
	pthread_mutex_unlock(&w->lock);
	kw_resp_json(resp, 200, json_pack("{s:b,s:s?,s:o}", "distributed", w->dist != NULL,
	    "group_id", w->dist != NULL ? kc_json_str(w->conf, "group.id") : NULL, "workers", arr));
	return 0;
}

/* The route table. Other modules add one line each (see kw_rest.h). */
const struct kw_route kw_routes[] = {
	{ "GET", "/", h_root },
	{ "GET", "/health", h_health },
	{ "GET", "/connectors", h_list },
	{ "POST", "/connectors", h_create },
	{ "GET", "/connectors/{}", h_get },
	{ "DELETE", "/connectors/{}", h_delete },
	{ "GET", "/connectors/{}/config", h_get_config },
	{ "PUT", "/connectors/{}/config", h_put_config },
	{ "PATCH", "/connectors/{}/config", h_patch_config },
	{ "GET", "/connectors/{}/status", h_status },
	{ "GET", "/connectors/{}/tasks", h_tasks },
	{ "GET", "/connectors/{}/tasks-config", h_tasks_config },
	{ "GET", "/connectors/{}/tasks/{}/status", h_task_status },
	{ "POST", "/connectors/{}/tasks/{}/restart", h_task_restart },
	{ "POST", "/connectors/{}/restart", h_restart },
	{ "PUT", "/connectors/{}/pause", h_pause },
	{ "PUT", "/connectors/{}/resume", h_resume },
	{ "PUT", "/connectors/{}/stop", h_stop },
	{ "GET", "/connectors/{}/topics", h_topics },
	{ "PUT", "/connectors/{}/topics/reset", h_topics_reset },
	{ "GET", "/connectors/{}/offsets", h_offsets_get },
	{ "PATCH", "/connectors/{}/offsets", h_offsets_patch },
	{ "DELETE", "/connectors/{}/offsets", h_offsets_delete },
	{ "GET", "/connector-plugins", h_plugins },
	{ "GET", "/connector-plugins/{}/config", h_plugin_config },
	{ "PUT", "/connector-plugins/{}/config/validate", h_validate },
	{ "GET", "/admin/loggers", h_loggers },
	{ "GET", "/admin/loggers/{}", h_logger_get },
	{ "PUT", "/admin/loggers/{}", h_logger_put },
	{ "GET", "/kcops/v1/worker", h_worker },
	{ "GET", "/kcops/v1/workers", h_workers },
	{ "GET", "/kcops/v1/connectors/{}/exchanges", h_exchanges },
	{ "GET", "/kcops/v1/connectors/{}/metrics", h_metrics },
	/* ---- routes added by other modules (one line each) ---- */
	{ "GET", "/kcops/v1/queues", kw_http_rest_queues },
	{ NULL, NULL, NULL },
};
