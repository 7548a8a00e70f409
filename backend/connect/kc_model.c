/* kc_model.c - the parsed connector listing shared by the CLI, the TUI and the state code.
 *
 * Built from the expanded listing {name: {"status": ..., "info": ...}}; every string points
 * into that JSON document, which the list keeps a reference to. */
#include "kc_client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_client_int.h"
#include "kc_json.h"
#include "kc_util.h"

static const char *const health_names[] = {
	[KC_HEALTH_UNKNOWN] = "unknown",
	[KC_HEALTH_RUNNING] = "running",
	[KC_HEALTH_PAUSED] = "paused",
	[KC_HEALTH_STOPPED] = "stopped",
	[KC_HEALTH_FAILED] = "failed",
	[KC_HEALTH_UNASSIGNED] = "unassigned",
	[KC_HEALTH_RESTARTING] = "restarting",
};

/* Lower-case name of a health value. */
const char *
kc_health_name(enum kc_health h)
{
	if ((size_t)h >= KC_NITEMS(health_names))
		return "unknown";
	return health_names[h];
}

/* Parse a health/state word, any case. */
int
kc_health_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < KC_NITEMS(health_names); i++)	/* first letters first: cheap */
		if (tolower((unsigned char)s[0]) == health_names[i][0] &&
		    strcasecmp(s, health_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Health of one ConnectorStateInfo. */
enum kc_health
kc_connector_health(const json_t *status)
{
	const char *st;
	json_t *t;
	size_t i;
	int h;

	if (status == NULL || !json_is_object(status))
		return KC_HEALTH_UNKNOWN;
	st = kc_json_str(json_object_get(status, "connector"), "state");
	h = kc_health_parse(st);
	if (h < 0)
		return KC_HEALTH_UNKNOWN;
	if (h == KC_HEALTH_FAILED)
		return KC_HEALTH_FAILED;
	json_array_foreach(json_object_get(status, "tasks"), i, t)
		if (kc_str_eq(kc_json_str(t, "state"), "FAILED"))
			return KC_HEALTH_FAILED;
	return (enum kc_health)h;
}

/* qsort comparator on name. */
static int
cmp_view(const void *a, const void *b)
{
	const struct kc_connector_view *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* qsort comparator on task id. */
/* Already in name order (workers usually answer sorted)? */
static int
sorted(const struct kc_connector_list *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (strcmp(l->v[i - 1].name, l->v[i].name) > 0)
			return 0;
	return 1;
}

/* qsort: tasks by id. */
static int
cmp_task(const void *a, const void *b)
{
	const struct kc_task_view *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Fill one view from its {status, info} entry. */
static void
fill_view(struct kc_connector_view *v, const char *name, json_t *entry)
{
	json_t *status = json_object_get(entry, "status");
	json_t *info = json_object_get(entry, "info");
	json_t *conn, *tasks, *t;
	size_t i, n;

	v->name = name;
	v->status = json_is_object(status) ? status : NULL;
	v->config = json_is_object(info) ? json_object_get(info, "config") : NULL;
	if (v->config != NULL && !json_is_object(v->config))
		v->config = NULL;
	v->type = kc_json_str(v->status, "type");
	if (v->type == NULL)
		v->type = kc_json_str(info, "type");
	if (v->type == NULL)
		v->type = "unknown";
	conn = json_object_get(v->status, "connector");
	v->state = kc_json_str(conn, "state");
	if (v->state == NULL)
		v->state = "UNASSIGNED";
	v->worker_id = kc_json_str_or(conn, "worker_id", "");
	v->trace = kc_json_str(conn, "trace");
	v->class_name = kc_json_str_or(v->config, "connector.class", "");
	v->has_config = v->config != NULL;
	v->nconfig = v->config != NULL ? json_object_size(v->config) : 0;
	if (v->nconfig > 0) {
		const char **kv = kc_xcalloc(v->nconfig * 2, sizeof *kv);
		const char *k;
		json_t *x;
		n = 0;
		json_object_foreach((json_t *)v->config, k, x) {
			kv[n] = k;
			kv[v->nconfig + n] = json_is_string(x) ? json_string_value(x) : NULL;
			n++;
		}
		v->config_keys = kv;
		v->config_vals = kv + v->nconfig;
	}
	v->health = v->status != NULL ? kc_connector_health(v->status) : KC_HEALTH_UNKNOWN;
	tasks = json_object_get(v->status, "tasks");
	n = json_is_array(tasks) ? json_array_size(tasks) : 0;
	v->ntasks = 0;
	v->tasks = n > 0 ? kc_xcalloc(n, sizeof *v->tasks) : NULL;
	json_array_foreach(tasks, i, t) {
		struct kc_task_view *tv;
		if (!json_is_object(t))
			continue;
		tv = &v->tasks[v->ntasks++];
		tv->id = (int)kc_json_int_or(t, "id", -1);
		tv->state = kc_json_str_or(t, "state", "UNASSIGNED");
		tv->worker_id = kc_json_str_or(t, "worker_id", "");
		tv->trace = kc_json_str(t, "trace");
		if (strcmp(tv->state, "RUNNING") == 0)
			v->tasks_running++;
		else if (strcmp(tv->state, "FAILED") == 0)
			v->tasks_failed++;
	}
	if (v->ntasks > 1)
		qsort(v->tasks, v->ntasks, sizeof *v->tasks, cmp_task);
}

/* Build the model. */
struct kc_connector_list *
kc_connector_list_new(json_t *expanded)
{
	struct kc_connector_list *l = kc_xcalloc(1, sizeof *l);
	const char *k;
	json_t *e;
	size_t n;

	l->raw = json_is_object(expanded) ? json_incref(expanded) : json_object();
	n = json_object_size(l->raw);
	l->v = n > 0 ? kc_xcalloc(n, sizeof *l->v) : NULL;
	json_object_foreach(l->raw, k, e)
		fill_view(&l->v[l->n++], k, e);
	if (l->n > 1 && !sorted(l))
		qsort(l->v, l->n, sizeof *l->v, cmp_view);
	return l;
}

/* Free the model. */
void
kc_connector_list_free(struct kc_connector_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	if (l->priv != NULL) {
		kc_listing_store_free(l->priv);
	} else {
		for (i = 0; i < l->n; i++) {
			free(l->v[i].tasks);
			free((void *)l->v[i].config_keys);
		}
	}
	free(l->v);
	json_decref(l->raw);
	free(l);
}

/* Find by name. */
const struct kc_connector_view *
kc_connector_list_find(const struct kc_connector_list *l, const char *name)
{
	size_t lo = 0, hi;

	if (l == NULL || name == NULL)
		return NULL;
	hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Config value lookup on a view. */
const char *
kc_connector_view_config(const struct kc_connector_view *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->nconfig; i++)
		if (strcmp(v->config_keys[i], key) == 0)
			return v->config_vals[i];
	return NULL;
}
