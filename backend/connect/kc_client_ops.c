/* kc_client_ops.c - one function per Kafka Connect operation, with version fallbacks.
 *
 * Everything here is built on kc_client_call() (blocking) or kc_client_submit() (the
 * asynchronous bulk listing). Names are percent-encoded as single path segments. */
#include "kc_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_client_int.h"
#include "kc_json.h"
#include "kc_util.h"

/* "/connectors/<enc name><suffix>" (caller frees). */
static char *
cpath(const char *name, const char *suffix)
{
	char *enc = kc_url_encode_segment(name);
	char *p = kc_xasprintf("/connectors/%s%s", enc, suffix != NULL ? suffix : "");

	free(enc);
	return p;
}

/* Blocking call returning the parsed body (new reference). An empty 2xx body gives an
 * empty object. */
static json_t *
call_json(struct kc_client *c, const char *method, const char *path, const json_t *body,
    long *status, struct kc_err *err)
{
	struct kc_resp resp;
	json_t *v;

	if (kc_client_call(c, method, path, body, &resp, err) != 0) {
		if (status != NULL)
			*status = resp.status;
		kc_resp_free(&resp);
		return NULL;
	}
	if (status != NULL)
		*status = resp.status;
	if (resp.json == NULL && resp.len > 0) {
		kc_err_set(err, KC_E_PARSE, "%s %s: the answer is not JSON", method, path);
		kc_resp_free(&resp);
		return NULL;
	}
	v = resp.json != NULL ? resp.json : json_object();
	resp.json = NULL;
	kc_resp_free(&resp);
	return v;
}

/* Blocking call, body ignored. */
static int
call_void(struct kc_client *c, const char *method, const char *path, const json_t *body,
    struct kc_err *err)
{
	struct kc_resp resp;
	int rc = kc_client_call(c, method, path, body, &resp, err);

	kc_resp_free(&resp);
	return rc;
}

/* GET on a connector sub-resource. */
static json_t *
get_c(struct kc_client *c, const char *name, const char *suffix, struct kc_err *err)
{
	char *p = cpath(name, suffix);
	json_t *v = call_json(c, "GET", p, NULL, NULL, err);

	free(p);
	return v;
}

/* Refuse a feature the worker lacks. */
static int
need(struct kc_client *c, enum kc_feature f, struct kc_err *err)
{
	if (kc_client_has(c, f))
		return 0;
	kc_err_set(err, KC_E_USAGE, "%s needs Kafka Connect %s or later; this worker runs %s",
	    kc_feature_name(f), kc_feature_since(f),
	    kc_client_server_info(c) != NULL ?
	    kc_json_str_or(kc_client_server_info(c), "version", "?") : "an unknown version");
	return -1;
}

/* GET / (cached after the first call). */
json_t *
kc_client_info(struct kc_client *c, struct kc_err *err)
{
	if (kc_client_detect(c, err) != 0)
		return NULL;
	return json_incref((json_t *)kc_client_server_info(c));
}

/* GET /health (3.9). */
json_t *
kc_client_health(struct kc_client *c, struct kc_err *err)
{
	if (need(c, KC_FEAT_HEALTH, err) != 0)
		return NULL;
	return call_json(c, "GET", "/health", NULL, NULL, err);
}

/* GET /connectors: the name array. */
json_t *
kc_client_list_names(struct kc_client *c, struct kc_err *err)
{
	json_t *v = call_json(c, "GET", "/connectors", NULL, NULL, err);

	if (v != NULL && !json_is_array(v)) {
		json_decref(v);
		kc_err_set(err, KC_E_PARSE, "GET /connectors: expected a JSON array");
		return NULL;
	}
	return v;
}

/* ---- bulk listing (async, with the pre-2.3 fan-out) ----------------------------------- */

struct list_job {
	kc_client_list_cb cb;
	void		*arg;
	void		(*user_drop)(void *);	/* frees arg when the client dies first */
	json_t		*result;	/* {name: {status, info}} */
	json_t		*names;		/* plain list (supplement / fan-out) */
	json_t		*gone;		/* names deleted during the fan-out */
	int		 pending;
	int		 failed;
	int		 expand;
	int		 supplemented;
	struct kc_err	 err;
};

struct list_item {
	struct list_job	*job;
	char		*name;
	int		 part;		/* 0 status, 1 info */
};

static void list_start(struct kc_client *c, struct list_job *j);

/* The client was freed with this job's request outstanding. */
static void
job_drop(void *arg)
{
	struct list_job *j = arg;

	if (--j->pending > 0)
		return;
	if (j->user_drop != NULL)
		j->user_drop(j->arg);
	json_decref(j->result);
	json_decref(j->names);
	json_decref(j->gone);
	free(j);
}
static void submit_item(struct kc_client *c, struct list_job *j, const char *name, int part);

/* All parts in: merge and deliver. */
static void
list_done(struct kc_client *c, struct list_job *j)
{
	size_t i;
	json_t *n;

	if (j->failed) {
		j->cb(c, NULL, &j->err, j->arg);
	} else {
		json_array_foreach(j->gone, i, n)
			json_object_del(j->result, json_string_value(n));
		j->cb(c, j->result, NULL, j->arg);
	}
	json_decref(j->result);
	json_decref(j->names);
	json_decref(j->gone);
	free(j);
}

/* Every outstanding request of the job has finished: on the expanded path, fetch the
 * connectors that the plain list has and the expanded answer left out (no status record
 * yet); then deliver. */
static void
list_step(struct kc_client *c, struct list_job *j)
{
	size_t i;
	json_t *n;

	if (!j->failed && j->expand && !j->supplemented && j->names != NULL) {
		j->supplemented = 1;
		json_array_foreach(j->names, i, n) {
			const char *name = json_string_value(n);
			if (name != NULL && json_object_get(j->result, name) == NULL)
				submit_item(c, j, name, 1);
		}
		if (j->pending > 0)
			return;
	}
	list_done(c, j);
}

/* Record a failure of the whole listing (first one wins). */
static void
list_fail(struct list_job *j, const struct kc_err *err, const char *what)
{
	if (j->failed)
		return;
	j->failed = 1;
	j->err = *err;
	if (what != NULL)
		kc_err_prefix(&j->err, "%s", what);
}

/* One per-connector part arrived. */
static void
item_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct list_item *it = arg;
	struct list_job *j = it->job;
	json_t *entry;

	if (err != NULL) {
		if (err->code == 404) {
			/* status 404: no status yet (keep info); info 404: deleted meanwhile. */
			if (it->part == 1)
				json_array_append_new(j->gone, json_string(it->name));
		} else {
			list_fail(j, err, it->name);
		}
	} else if (resp->json != NULL) {
		entry = json_object_get(j->result, it->name);
		if (entry == NULL) {
			entry = json_object();
			json_object_set_new(j->result, it->name, entry);
		}
		json_object_set(entry, it->part == 0 ? "status" : "info", resp->json);
	}
	free(it->name);
	free(it);
	if (--j->pending == 0)
		list_step(c, j);
}

/* The client was freed with this item outstanding. */
static void
item_drop(void *arg)
{
	struct list_item *it = arg;
	struct list_job *j = it->job;

	free(it->name);
	free(it);
	job_drop(j);
}

/* Queue one per-connector part. */
static void
submit_item(struct kc_client *c, struct list_job *j, const char *name, int part)
{
	struct list_item *it = kc_xcalloc(1, sizeof *it);
	char *p = cpath(name, part == 0 ? "/status" : "");

	it->job = j;
	it->name = kc_xstrdup(name);
	it->part = part;
	j->pending++;
	kc_client_submit_drop(c, "GET", p, NULL, item_cb, it, item_drop);
	free(p);
}

/* The plain name list arrived. */
static void
names_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct list_job *j = arg;
	size_t i;
	json_t *n;

	if (err != NULL) {
		list_fail(j, err, "GET /connectors");
	} else if (resp->json == NULL || !json_is_array(resp->json)) {
		struct kc_err e;
		kc_err_set(&e, KC_E_PARSE, "GET /connectors: expected a JSON array");
		list_fail(j, &e, NULL);
	} else {
		j->names = json_incref(resp->json);
	}
	if (!j->failed && j->names != NULL) {
		json_array_foreach(j->names, i, n) {
			if (!json_is_string(n))
				continue;
			json_object_set_new(j->result, json_string_value(n), json_object());
			submit_item(c, j, json_string_value(n), 0);
			submit_item(c, j, json_string_value(n), 1);
		}
	}
	if (--j->pending == 0)
		list_step(c, j);
}

/* The expanded listing arrived. */
static void
expand_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct list_job *j = arg;
	const char *k;
	json_t *v;

	if (err != NULL) {
		list_fail(j, err, "GET /connectors?expand=status&expand=info");
	} else if (resp->json == NULL || !json_is_object(resp->json)) {
		struct kc_err e;
		kc_err_set(&e, KC_E_PARSE, "GET /connectors?expand=...: expected a JSON object");
		list_fail(j, &e, NULL);
	} else {
		json_object_foreach(resp->json, k, v)
			json_object_set(j->result, k, v);
	}
	if (--j->pending == 0)
		list_step(c, j);
}

/* The plain list arrived on the expanded path: kept to find connectors that the expanded
 * answer leaves out (list_step). Its failure is not fatal. */
static void
supplement_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct list_job *j = arg;

	if (err == NULL && resp->json != NULL && json_is_array(resp->json))
		j->names = json_incref(resp->json);
	if (--j->pending == 0)
		list_step(c, j);
}

/* GET / arrived (async detection) — continue with the listing. */
static void
detect_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct list_job *j = arg;

	if (err != NULL) {
		list_fail(j, err, NULL);
		list_done(c, j);
		return;
	}
	if (resp->json == NULL || !json_is_object(resp->json)) {
		struct kc_err e;
		kc_err_set(&e, KC_E_PARSE, "%s/ did not answer with a JSON object: is this a "
		    "Kafka Connect worker?", kc_client_url(c));
		list_fail(j, &e, NULL);
		list_done(c, j);
		return;
	}
	kc_client_set_info(c, resp->json);
	list_start(c, j);
}

/* Submit the listing requests for the detected version. */
static void
list_start(struct kc_client *c, struct list_job *j)
{
	j->expand = kc_client_has(c, KC_FEAT_EXPAND);
	if (j->expand) {
		j->pending = 2;
		kc_client_submit_drop(c, "GET", "/connectors?expand=status&expand=info", NULL,
		    expand_cb, j, job_drop);
		kc_client_submit_drop(c, "GET", "/connectors", NULL, supplement_cb, j, job_drop);
	} else {
		j->pending = 1;
		kc_client_submit_drop(c, "GET", "/connectors", NULL, names_cb, j, job_drop);
	}
}

/* Start the expanded listing; detects the version first when needed. */
int
kc_client_list_expanded_async(struct kc_client *c, kc_client_list_cb cb, void *arg)
{
	return kc_client_list_expanded_async_drop(c, cb, arg, NULL);
}

/* The same, with a drop handler for arg. */
int
kc_client_list_expanded_async_drop(struct kc_client *c, kc_client_list_cb cb, void *arg,
    void (*drop)(void *))
{
	struct list_job *j;

	if (c == NULL || cb == NULL)
		return -1;
	j = kc_xcalloc(1, sizeof *j);
	j->cb = cb;
	j->arg = arg;
	j->user_drop = drop;
	j->result = json_object();
	j->gone = json_array();
	if (kc_client_version(c) == 0 && kc_client_server_info(c) == NULL) {
		/* Detect without blocking: GET / first, then list. */
		j->pending = 1;
		kc_client_submit_drop(c, "GET", "/", NULL, detect_cb, j, job_drop);
		return 0;
	}
	list_start(c, j);
	return 0;
}

struct list_sync {
	int		 done;
	json_t		*v;
	struct kc_err	*err;
};

/* Completion of the blocking listing. */
static void
list_sync_cb(struct kc_client *c, json_t *expanded, const struct kc_err *err, void *arg)
{
	struct list_sync *s = arg;

	(void)c;
	s->done = 1;
	if (expanded != NULL)
		s->v = json_incref(expanded);
	else if (s->err != NULL && err != NULL)
		*s->err = *err;
}

/* The expanded listing, blocking. */
json_t *
kc_client_list_expanded(struct kc_client *c, struct kc_err *err)
{
	struct list_sync s;

	memset(&s, 0, sizeof s);
	s.err = err;
	if (kc_client_detect(c, err) != 0)
		return NULL;
	kc_client_list_expanded_async(c, list_sync_cb, &s);
	while (!s.done) {
		kc_client_perform(c);
		if (s.done)
			break;
		kc_client_wait(c, NULL, 0, 1000);
	}
	return s.v;
}

/* ---- single connector reads ----------------------------------------------------------- */

/* GET /connectors/C (ConnectorInfo). */
json_t *
kc_client_connector(struct kc_client *c, const char *name, struct kc_err *err)
{
	return get_c(c, name, "", err);
}

/* GET /connectors/C/config. */
json_t *
kc_client_config(struct kc_client *c, const char *name, struct kc_err *err)
{
	return get_c(c, name, "/config", err);
}

/* GET /connectors/C/status. */
json_t *
kc_client_status(struct kc_client *c, const char *name, struct kc_err *err)
{
	return get_c(c, name, "/status", err);
}

/* GET /connectors/C/tasks. */
json_t *
kc_client_tasks(struct kc_client *c, const char *name, struct kc_err *err)
{
	return get_c(c, name, "/tasks", err);
}

/* GET /connectors/C/tasks/T/status. */
json_t *
kc_client_task_status(struct kc_client *c, const char *name, int task, struct kc_err *err)
{
	char suffix[48];

	snprintf(suffix, sizeof suffix, "/tasks/%d/status", task);
	return get_c(c, name, suffix, err);
}

/* GET /connectors/C/topics (2.5). */
json_t *
kc_client_topics(struct kc_client *c, const char *name, struct kc_err *err)
{
	if (need(c, KC_FEAT_TOPICS, err) != 0)
		return NULL;
	return get_c(c, name, "/topics", err);
}

/* PUT /connectors/C/topics/reset (2.5). */
int
kc_client_topics_reset(struct kc_client *c, const char *name, struct kc_err *err)
{
	char *p;
	int rc;

	if (need(c, KC_FEAT_TOPICS, err) != 0)
		return -1;
	p = cpath(name, "/topics/reset");
	rc = call_void(c, "PUT", p, NULL, err);
	free(p);
	return rc;
}

/* GET /connectors/C/offsets (3.5). */
json_t *
kc_client_offsets(struct kc_client *c, const char *name, struct kc_err *err)
{
	if (need(c, KC_FEAT_OFFSETS_READ, err) != 0)
		return NULL;
	return get_c(c, name, "/offsets", err);
}

/* ---- writes --------------------------------------------------------------------------- */

/* PUT a lifecycle verb. */
static int
verb(struct kc_client *c, const char *name, const char *method, const char *suffix,
    struct kc_err *err)
{
	char *p = cpath(name, suffix);
	int rc = call_void(c, method, p, NULL, err);

	free(p);
	return rc;
}

/* POST /connectors, with initial_state or its pre-3.7 emulation. */
json_t *
kc_client_create(struct kc_client *c, const char *name, const json_t *config,
    const char *initial_state, const char **note, struct kc_err *err)
{
	json_t *body, *v;
	int native = 1, stop = 0, pause = 0;

	if (note != NULL)
		*note = NULL;
	if (initial_state != NULL && strcasecmp(initial_state, "RUNNING") != 0) {
		stop = strcasecmp(initial_state, "STOPPED") == 0;
		pause = strcasecmp(initial_state, "PAUSED") == 0;
		if (!stop && !pause) {
			kc_err_set(err, KC_E_USAGE, "initial state '%s': expected RUNNING, PAUSED "
			    "or STOPPED", initial_state);
			return NULL;
		}
		native = kc_client_has(c, KC_FEAT_INITIAL_STATE);
		if (!native && stop && need(c, KC_FEAT_STOP, err) != 0)
			return NULL;
	}
	body = json_object();
	json_object_set_new(body, "name", json_string(name));
	json_object_set(body, "config", (json_t *)config);
	if ((stop || pause) && native)
		json_object_set_new(body, "initial_state", json_string(stop ? "STOPPED" :
		    "PAUSED"));
	v = call_json(c, "POST", "/connectors", body, NULL, err);
	json_decref(body);
	if (v == NULL || native || (!stop && !pause))
		return v;
	/* Pre-3.7: create, then pause or stop at once. */
	if (note != NULL)
		*note = stop ? "this worker has no initial_state (Kafka Connect 3.7+): the "
		    "connector was created, then stopped at once" :
		    "this worker has no initial_state (Kafka Connect 3.7+): the connector was "
		    "created, then paused at once";
	if ((stop ? kc_client_stop(c, name, err) : kc_client_pause(c, name, err)) != 0) {
		kc_err_prefix(err, "created, but %s failed", stop ? "stop" : "pause");
		json_decref(v);
		return NULL;
	}
	return v;
}

/* PUT /connectors/C/config (create or replace). */
json_t *
kc_client_put_config(struct kc_client *c, const char *name, const json_t *config,
    int *created, struct kc_err *err)
{
	char *p = cpath(name, "/config");
	long status = 0;
	json_t *v = call_json(c, "PUT", p, config, &status, err);

	free(p);
	if (created != NULL)
		*created = status == 201;
	return v;
}

/* PATCH /connectors/C/config on 3.8+, else GET, merge and PUT. */
json_t *
kc_client_patch_config(struct kc_client *c, const char *name, const json_t *set,
    struct kc_err *err)
{
	json_t *cur, *v;
	const char *k;
	json_t *val;
	char *p;

	if (kc_client_has(c, KC_FEAT_PATCH_CONFIG)) {
		p = cpath(name, "/config");
		v = call_json(c, "PATCH", p, set, NULL, err);
		free(p);
		return v;
	}
	/* Pre-3.8: read, merge, replace. */
	cur = kc_client_config(c, name, err);
	if (cur == NULL)
		return NULL;
	json_object_foreach((json_t *)set, k, val) {
		if (json_is_null(val))
			json_object_del(cur, k);
		else
			json_object_set(cur, k, val);
	}
	v = kc_client_put_config(c, name, cur, NULL, err);
	json_decref(cur);
	return v;
}

/* DELETE /connectors/C. */
int
kc_client_delete(struct kc_client *c, const char *name, struct kc_err *err)
{
	return verb(c, name, "DELETE", "", err);
}

/* PUT /connectors/C/pause. */
int
kc_client_pause(struct kc_client *c, const char *name, struct kc_err *err)
{
	return verb(c, name, "PUT", "/pause", err);
}

/* PUT /connectors/C/resume. */
int
kc_client_resume(struct kc_client *c, const char *name, struct kc_err *err)
{
	return verb(c, name, "PUT", "/resume", err);
}

/* PUT /connectors/C/stop (3.5). */
int
kc_client_stop(struct kc_client *c, const char *name, struct kc_err *err)
{
	if (need(c, KC_FEAT_STOP, err) != 0)
		return -1;
	return verb(c, name, "PUT", "/stop", err);
}

/* Count instances shown RESTARTING in a 202 restart answer. */
static int
count_restarting(const json_t *st)
{
	size_t i;
	json_t *t;
	int n = 0;

	json_array_foreach(json_object_get(st, "tasks"), i, t)
		if (kc_str_eq(kc_json_str(t, "state"), "RESTARTING"))
			n++;
	return n;
}

/* Restart a connector and maybe its tasks (per-task calls before 3.0). */
json_t *
kc_client_restart(struct kc_client *c, const char *name, enum kc_restart how, int *ntasks,
    struct kc_err *err)
{
	json_t *st, *t;
	size_t i;
	char *p;
	int n = 0;

	if (ntasks != NULL)
		*ntasks = 0;
	if (how == KC_RESTART_CONNECTOR) {
		if (verb(c, name, "POST", "/restart", err) != 0)
			return NULL;
		return json_object();
	}
	if (kc_client_has(c, KC_FEAT_RESTART_PARAMS)) {
		p = cpath(name, how == KC_RESTART_ALL ? "/restart?includeTasks=true&onlyFailed=false" :
		    "/restart?includeTasks=true&onlyFailed=true");
		st = call_json(c, "POST", p, NULL, NULL, err);
		free(p);
		if (st != NULL && ntasks != NULL)
			*ntasks = count_restarting(st);
		return st;
	}
	/* Pre-3.0: restart the connector and then each (failed) task. */
	st = kc_client_status(c, name, err);
	if (st == NULL)
		return NULL;
	if (how == KC_RESTART_ALL || kc_str_eq(kc_json_str(json_object_get(st, "connector"),
	    "state"), "FAILED")) {
		if (verb(c, name, "POST", "/restart", err) != 0) {
			json_decref(st);
			return NULL;
		}
	}
	json_array_foreach(json_object_get(st, "tasks"), i, t) {
		int id = (int)kc_json_int_or(t, "id", -1);
		if (id < 0)
			continue;
		if (how == KC_RESTART_FAILED && !kc_str_eq(kc_json_str(t, "state"), "FAILED"))
			continue;
		if (kc_client_restart_task(c, name, id, err) < 0) {
			kc_err_prefix(err, "task %d", id);
			json_decref(st);
			return NULL;
		}
		n++;
	}
	if (ntasks != NULL)
		*ntasks = n;
	return st;
}

/* POST /connectors/C/tasks/T/restart. */
int
kc_client_restart_task(struct kc_client *c, const char *name, int task, struct kc_err *err)
{
	struct kc_resp resp;
	char suffix[48], *p;
	int rc;

	snprintf(suffix, sizeof suffix, "/tasks/%d/restart", task);
	p = cpath(name, suffix);
	rc = kc_client_call(c, "POST", p, NULL, &resp, err);
	free(p);
	if (rc == 0 && resp.status == 202)
		rc = 1;		/* accepted, not confirmed (a kcops-worker cluster) */
	kc_resp_free(&resp);
	return rc;
}

/* PATCH /connectors/C/offsets (3.6). */
json_t *
kc_client_offsets_alter(struct kc_client *c, const char *name, const json_t *body,
    struct kc_err *err)
{
	char *p;
	json_t *v;

	if (need(c, KC_FEAT_OFFSETS_WRITE, err) != 0)
		return NULL;
	p = cpath(name, "/offsets");
	v = call_json(c, "PATCH", p, body, NULL, err);
	free(p);
	return v;
}

/* DELETE /connectors/C/offsets (3.6). */
json_t *
kc_client_offsets_reset(struct kc_client *c, const char *name, struct kc_err *err)
{
	char *p;
	json_t *v;

	if (need(c, KC_FEAT_OFFSETS_WRITE, err) != 0)
		return NULL;
	p = cpath(name, "/offsets");
	v = call_json(c, "DELETE", p, NULL, NULL, err);
	free(p);
	return v;
}

/* ---- plugins, validation, loggers ----------------------------------------------------- */

/* GET /connector-plugins[?connectorsOnly=false]. */
json_t *
kc_client_plugins(struct kc_client *c, int all_types, struct kc_err *err)
{
	if (all_types && need(c, KC_FEAT_PLUGIN_CONFIG, err) != 0)
		return NULL;
	return call_json(c, "GET", all_types ? "/connector-plugins?connectorsOnly=false" :
	    "/connector-plugins", NULL, NULL, err);
}

/* GET /connector-plugins/P/config (3.2). */
json_t *
kc_client_plugin_config(struct kc_client *c, const char *plugin, struct kc_err *err)
{
	char *enc, *p;
	json_t *v;

	if (need(c, KC_FEAT_PLUGIN_CONFIG, err) != 0)
		return NULL;
	enc = kc_url_encode_segment(plugin);
	p = kc_xasprintf("/connector-plugins/%s/config", enc);
	v = call_json(c, "GET", p, NULL, NULL, err);
	free(enc);
	free(p);
	return v;
}

/* PUT /connector-plugins/P/config/validate. */
json_t *
kc_client_validate(struct kc_client *c, const json_t *config, struct kc_err *err)
{
	const char *cls = kc_json_str(config, "connector.class");
	char *enc, *p;
	json_t *v;

	if (cls == NULL || *cls == '\0') {
		kc_err_set(err, KC_E_USAGE, "the config has no connector.class");
		return NULL;
	}
	enc = kc_url_encode_segment(cls);
	p = kc_xasprintf("/connector-plugins/%s/config/validate", enc);
	v = call_json(c, "PUT", p, config, NULL, err);
	free(enc);
	free(p);
	return v;
}

/* GET /admin/loggers (2.4). */
json_t *
kc_client_loggers(struct kc_client *c, struct kc_err *err)
{
	if (need(c, KC_FEAT_LOGGERS, err) != 0)
		return NULL;
	return call_json(c, "GET", "/admin/loggers", NULL, NULL, err);
}

/* GET /admin/loggers/L (2.4). */
json_t *
kc_client_logger(struct kc_client *c, const char *logger, struct kc_err *err)
{
	char *enc, *p;
	json_t *v;

	if (need(c, KC_FEAT_LOGGERS, err) != 0)
		return NULL;
	enc = kc_url_encode_segment(logger);
	p = kc_xasprintf("/admin/loggers/%s", enc);
	v = call_json(c, "GET", p, NULL, NULL, err);
	free(enc);
	free(p);
	return v;
}

/* PUT /admin/loggers/L[?scope=cluster]. */
json_t *
kc_client_logger_set(struct kc_client *c, const char *logger, const char *level,
    const char *scope, struct kc_err *err)
{
	char *enc, *p;
	json_t *body, *v;
	int cluster = scope != NULL && strcasecmp(scope, "cluster") == 0;

	if (scope != NULL && !cluster && strcasecmp(scope, "worker") != 0) {
		kc_err_set(err, KC_E_USAGE, "scope '%s': expected worker or cluster", scope);
		return NULL;
	}
	if (need(c, KC_FEAT_LOGGERS, err) != 0)
		return NULL;
	if (cluster && need(c, KC_FEAT_LOGGER_SCOPE, err) != 0)
		return NULL;
	enc = kc_url_encode_segment(logger);
	p = kc_xasprintf("/admin/loggers/%s%s", enc, cluster ? "?scope=cluster" : "");
	body = json_pack("{ss}", "level", level);
	v = call_json(c, "PUT", p, body, NULL, err);
	json_decref(body);
	free(enc);
	free(p);
	if (v != NULL && !json_is_array(v)) {
		json_decref(v);
		v = json_array();
	}
	return v;
}

/* ---- the fast whole-cluster model ------------------------------------------------------ */

struct fast_job {
	kc_client_model_cb cb;
	void		*arg;
	int		 pending;
	struct kc_connector_list *list;	/* the expanded answer, parsed as soon as it came */
	int		 plain;		/* it was a plain name array (pre-2.3 worker) */
	struct kc_resp	 names;
	struct kc_err	 err;
	int		 failed;	/* the expanded request failed, or its parse: err */
	int		 names_ok;
	unsigned int	 flags;		/* KC_LIST_* */
};

/* Free a job without delivering (the client was freed, or it is done). */
static void
fast_free(struct fast_job *f)
{
	kc_connector_list_free(f->list);
	kc_resp_free(&f->names);
	free(f);
}

/* Drop handler of the general path's job. */
static void
fast_free_v(void *arg)
{
	fast_free(arg);
}

/* The client was freed with one of the job's requests outstanding. */
static void
fast_drop(void *arg)
{
	struct fast_job *f = arg;

	if (--f->pending == 0)
		fast_free(f);
}

/* The general path's answer: build the model and deliver. */
static void
fast_slow_cb(struct kc_client *c, json_t *expanded, const struct kc_err *err, void *arg)
{
	struct fast_job *f = arg;
	struct kc_connector_list *l = expanded != NULL ? kc_connector_list_new(expanded) : NULL;

	f->cb(c, l, l != NULL ? NULL : err, f->arg);
	fast_free(f);
}

/* Both answers are in: deliver the parsed list, or fall back to the general path. */
static void
fast_step(struct kc_client *c, struct fast_job *f)
{
	struct kc_connector_list *l;
	struct kc_err err;

	if (f->failed) {
		f->cb(c, NULL, &f->err, f->arg);
		fast_free(f);
		return;
	}
	if (f->plain)
		goto slow;
	if (f->names_ok && (f->names.body == NULL ||
	    !kc_listing_has_all(f->list, f->names.body, f->names.len))) {
		/* Just created, no status yet: the general path fills it in. */
		kc_connector_list_free(f->list);
		f->list = NULL;
		goto slow;
	}
	l = f->list;
	f->list = NULL;
	f->cb(c, l, NULL, f->arg);
	fast_free(f);
	return;
slow:
	if (kc_client_list_expanded_async_drop(c, fast_slow_cb, f, fast_free_v) != 0) {
		kc_err_set(&err, KC_E_FAIL, "listing failed");
		f->cb(c, NULL, &err, f->arg);
		fast_free(f);
	}
}

/* The raw expanded answer: parsed at once, while the name list may still be on its way. */
static void
fast_expanded_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err,
    void *arg)
{
	struct fast_job *f = arg;
	size_t k = 0;

	if (err != NULL) {
		f->failed = 1;
		f->err = *err;
		kc_err_prefix(&f->err, "GET /connectors?expand=status&expand=info");
	} else {
		/* A worker before 2.3 ignores expand and answers the plain name array. */
		while (k < resp->len && (resp->body[k] == ' ' || resp->body[k] == '\n'))
			k++;
		if (k < resp->len && resp->body[k] == '[') {
			f->plain = 1;
		} else {
			kc_err_clear(&f->err);
			f->list = kc_listing_parse_owned(resp->body, resp->len, f->flags,
			    &f->err);
			resp->body = NULL;	/* the list (or the failed parse) took it */
			resp->len = 0;
			if (f->list == NULL)
				f->failed = 1;
		}
	}
	if (--f->pending == 0)
		fast_step(c, f);
}

/* The plain name list (to find connectors the expanded answer leaves out). */
static void
fast_names_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct fast_job *f = arg;

	if (err == NULL) {
		f->names_ok = 1;
		f->names = *resp;
		memset(resp, 0, sizeof *resp);
	}
	if (--f->pending == 0)
		fast_step(c, f);
}

/* Start the whole-cluster model (see kc_client_list_opts). */
static int
list_async(struct kc_client *c, unsigned int flags, kc_client_model_cb cb, void *arg)
{
	struct fast_job *f;

	if (c == NULL || cb == NULL)
		return -1;
	f = kc_xcalloc(1, sizeof *f);
	f->cb = cb;
	f->arg = arg;
	f->flags = flags;
	/* A known pre-2.3 worker (or a forced version) takes the fan-out path at once. */
	if ((kc_client_version(c) != 0 || kc_client_server_info(c) != NULL) &&
	    !kc_client_has(c, KC_FEAT_EXPAND)) {
		if (kc_client_list_expanded_async_drop(c, fast_slow_cb, f, fast_free_v) != 0) {
			free(f);
			return -1;
		}
		return 0;
	}
	f->pending = 2;
	/* The short name list first: its request then goes out at once and its answer is in
	 * before the long one ends (queued second, it waited for the megabytes to be read). */
	kc_client_submit_drop(c, "GET", "/connectors", NULL, fast_names_cb, f, fast_drop);
	kc_client_raw_last(c);
	kc_client_submit_drop(c, "GET", "/connectors?expand=status&expand=info", NULL,
	    fast_expanded_cb, f, fast_drop);
	kc_client_raw_last(c);
	return 0;
}

/* Start the whole-cluster model (see kc_client_list). */
int
kc_client_list_async(struct kc_client *c, kc_client_model_cb cb, void *arg)
{
	return list_async(c, 0, cb, arg);
}

struct model_sync {
	int				 done;
	struct kc_connector_list	*l;
	struct kc_err			*err;
};

/* Completion of the blocking model listing. */
static void
model_sync_cb(struct kc_client *c, struct kc_connector_list *l, const struct kc_err *err,
    void *arg)
{
	struct model_sync *m = arg;

	(void)c;
	m->done = 1;
	m->l = l;
	if (l == NULL && err != NULL && m->err != NULL)
		*m->err = *err;
}

/* The whole cluster as a model: the expanded answer parsed directly, or the general path. */
struct kc_connector_list *
kc_client_list(struct kc_client *c, struct kc_err *err)
{
	return kc_client_list_opts(c, 0, err);
}

/* The same, with KC_LIST_* flags. */
struct kc_connector_list *
kc_client_list_opts(struct kc_client *c, unsigned int flags, struct kc_err *err)
{
	struct model_sync m;

	memset(&m, 0, sizeof m);
	m.err = err;
	if (list_async(c, flags, model_sync_cb, &m) != 0) {
		kc_err_set(err, KC_E_USAGE, "bad arguments");
		return NULL;
	}
	while (!m.done) {
		kc_client_perform(c);
		if (!m.done)
			kc_client_wait(c, NULL, 0, 1000);
	}
	return m.l;
}
