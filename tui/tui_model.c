/* tui_model.c - connectors table model: bulk-listing parse, sort and regex filter. */
#include "tui_model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_client.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

static void replace_rows(struct tui_model *m, struct tui_conn *rows, size_t n);

static const char *const col_names[TUI_COL_COUNT] = {
	"NAME", "TYPE", "STATE", "TASKS", "WORKER", "LAG"
};

const char *
tui_col_name(enum tui_col c)
{
	return c < TUI_COL_COUNT ? col_names[c] : "?";
}

void
tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
}

static void
conn_free(struct tui_conn *c)
{
	free(c->name);
	free(c->dname);
	free(c->type);
	free(c->state);
	free(c->worker);
	while (c->ntworkers > 0)
		free(c->tworkers[--c->ntworkers]);
	free(c->tworkers);
	free(c->tstates);
	free(c->klass);
	free(c->topics);
	free(c->topics_regex);
}

void
tui_rows_free(struct tui_conn *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		conn_free(&rows[i]);
	free(rows);
}

static void
rows_free(struct tui_conn *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		conn_free(&rows[i]);
	free(rows);
}

void
tui_model_free(struct tui_model *m)
{
	if (m == NULL)
		return;
	rows_free(m->rows, m->nrows);
	free(m->order);
	free(m->filter);
	free(m->worker);
	if (m->has_re)
		regfree(&m->re);
	memset(m, 0, sizeof(*m));
}

static char *
san(const char *s)
{
	if (s == NULL)
		return kc_xstrdup("");
	if (kc_text_is_clean(s, 0))
		return kc_xstrdup(s);
	return kc_text_sanitize(s, 0);
}

int
tui_conn_failed(const struct tui_conn *c)
{
	return c->nfailed > 0 || (c->state != NULL && strcmp(c->state, "FAILED") == 0);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct tui_conn *)a)->name, ((const struct tui_conn *)b)->name);
}

static int
sorted_by_name(const struct tui_conn *r, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(r[i - 1].name, r[i].name) > 0)
			return 0;
	return 1;
}

/* Copy marks and lag from the old rows (sorted by name) to the new ones. */
static void
carry_over(struct tui_conn *old, size_t nold, struct tui_conn *rows, size_t n)
{
	size_t i;

	if (nold == 0)
		return;
	/* both sides usually come sorted by name (the parsed listing is): merge in O(n) */
	if (sorted_by_name(old, nold) && sorted_by_name(rows, n)) {
		size_t a = 0, b = 0;

		while (a < nold && b < n) {
			int c = strcmp(old[a].name, rows[b].name);

			if (c == 0) {
				rows[b].marked = old[a].marked;
				rows[b].lag = old[a].lag;
				a++;
				b++;
			} else if (c < 0)
				a++;
			else
				b++;
		}
		return;
	}
	qsort(old, nold, sizeof(*old), cmp_name);
	for (i = 0; i < n; i++) {
		struct tui_conn key = { .name = rows[i].name }, *o;

		o = bsearch(&key, old, nold, sizeof(*old), cmp_name);
		if (o != NULL) {
			rows[i].marked = o->marked;
			rows[i].lag = o->lag;
		}
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Header counts: states, tasks, distinct workers (of connectors and of tasks: a
 * distributed cluster runs tasks on workers other than the one answering). */
static void
count(struct tui_model *m)
{
	const char **workers;
	size_t i, k, nw = 0, cap = m->nrows + 1;

	m->n_running = m->n_paused = m->n_stopped = m->n_failed = m->n_other = 0;
	m->n_degraded = m->n_tasks = m->n_tasks_failed = m->n_workers = 0;
	for (i = 0; i < m->nrows; i++)
		cap += m->rows[i].ntworkers;
	workers = kc_xcalloc(cap, sizeof(*workers));
	for (i = 0; i < m->nrows; i++) {
		const struct tui_conn *c = &m->rows[i];

		for (k = 0; k < c->ntworkers; k++)
			workers[nw++] = c->tworkers[k];

		if (strcmp(c->state, "RUNNING") == 0) {
			m->n_running++;
			if (c->nfailed > 0)
				m->n_degraded++;
		} else if (strcmp(c->state, "PAUSED") == 0)
			m->n_paused++;
		else if (strcmp(c->state, "STOPPED") == 0)
			m->n_stopped++;
		else if (strcmp(c->state, "FAILED") == 0)
			m->n_failed++;
		else
			m->n_other++;
		m->n_tasks += c->ntasks;
		m->n_tasks_failed += c->nfailed;
		if (*c->worker != '\0')
			workers[nw++] = c->worker;
	}
	qsort(workers, nw, sizeof(*workers), cmp_str);
	for (i = 0; i < nw; i++)
		if (i == 0 || strcmp(workers[i], workers[i - 1]) != 0)
			m->n_workers++;
	free(workers);
}

void
tui_rows_from_list(const struct kc_connector_list *l, struct tui_conn **rowsp, size_t *np)
{
	struct tui_conn *rows = kc_xcalloc(l->n + 1, sizeof(*rows));
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		const struct kc_connector_view *v = &l->v[i];
		struct tui_conn *c = &rows[i];

		c->name = kc_xstrdup(v->name);
		c->dname = san(v->name);
		c->type = san(v->type != NULL ? v->type : "?");
		c->state = san(v->state != NULL ? v->state : "UNKNOWN");
		c->worker = san(v->worker_id);
		c->tworkers = kc_xcalloc(v->ntasks + 1, sizeof(*c->tworkers));
		c->tstates = kc_xcalloc(v->ntasks + 1, sizeof(*c->tstates));
		for (k = 0; k < v->ntasks; k++)
			if (v->tasks[k].worker_id != NULL && *v->tasks[k].worker_id != '\0') {
				c->tstates[c->ntworkers] = (unsigned char)tui_task_state_code(
				    v->tasks[k].state);
				c->tworkers[c->ntworkers++] = san(v->tasks[k].worker_id);
			}
		c->klass = san(v->class_name);
		c->ntasks = (int)v->ntasks;
		c->nrunning = v->tasks_running;
		c->nfailed = v->tasks_failed;
		c->lag = -1;
		for (k = 0; k < v->nconfig; k++) {
			if (v->config_vals[k] == NULL)
				continue;
			if (strcmp(v->config_keys[k], "topics") == 0)
				c->topics = kc_xstrdup(v->config_vals[k]);
			else if (strcmp(v->config_keys[k], "topics.regex") == 0)
				c->topics_regex = kc_xstrdup(v->config_vals[k]);
		}
	}
	*rowsp = rows;
	*np = l->n;
}

void
tui_model_replace(struct tui_model *m, struct tui_conn *rows, size_t n)
{
	replace_rows(m, rows, n);
}

static void
replace_rows(struct tui_model *m, struct tui_conn *rows, size_t n)
{
	carry_over(m->rows, m->nrows, rows, n);
	rows_free(m->rows, m->nrows);
	m->rows = rows;
	m->nrows = n;
	count(m);
	tui_model_refresh(m);
}

int
tui_model_load(struct tui_model *m, const json_t *expanded, struct kc_err *err)
{
	struct tui_conn *rows;
	const char *key;
	json_t *val;
	size_t n = 0;

	if (json_is_array(expanded))
		return tui_model_load_names(m, expanded, err);
	if (!json_is_object(expanded)) {
		kc_err_set(err, KC_E_PARSE, "connector listing: expected a JSON object");
		return -1;
	}
	rows = kc_xcalloc(json_object_size(expanded) + 1, sizeof(*rows));
	json_object_foreach((json_t *)expanded, key, val) {
		struct tui_conn *c = &rows[n++];
		json_t *status = json_object_get(val, "status");
		json_t *info = json_object_get(val, "info");
		json_t *conn = json_object_get(status, "connector");
		json_t *tasks = json_object_get(status, "tasks"), *t;
		const char *type = kc_json_str(status, "type");
		size_t i;

		c->name = kc_xstrdup(key);
		c->dname = san(key);
		if (type == NULL)
			type = kc_json_str(info, "type");
		c->type = san(type != NULL ? type : "?");
		c->state = san(conn != NULL ? kc_json_str_or(conn, "state", "UNKNOWN") : "UNKNOWN");
		c->worker = san(kc_json_str(conn, "worker_id"));
		c->klass = san(kc_json_str(json_object_get(info, "config"), "connector.class"));
		c->topics = kc_xstrdup(kc_json_str(json_object_get(info, "config"), "topics"));
		c->topics_regex = kc_xstrdup(kc_json_str(json_object_get(info, "config"),
		    "topics.regex"));
		c->lag = -1;
		c->tworkers = kc_xcalloc(json_array_size(tasks) + 1, sizeof(*c->tworkers));
		c->tstates = kc_xcalloc(json_array_size(tasks) + 1, sizeof(*c->tstates));
		json_array_foreach(tasks, i, t) {
			const char *st = kc_json_str_or(t, "state", "");

			if (kc_json_str(t, "worker_id") != NULL && *kc_json_str(t, "worker_id") != '\0') {
				c->tstates[c->ntworkers] = (unsigned char)tui_task_state_code(st);
				c->tworkers[c->ntworkers++] = san(kc_json_str(t, "worker_id"));
			}
			c->ntasks++;
			if (strcmp(st, "RUNNING") == 0)
				c->nrunning++;
			else if (strcmp(st, "FAILED") == 0)
				c->nfailed++;
		}
	}
	replace_rows(m, rows, n);
	return 0;
}

int
tui_model_load_names(struct tui_model *m, const json_t *names, struct kc_err *err)
{
	struct tui_conn *rows;
	size_t i, n = 0;
	json_t *v;

	if (!json_is_array(names)) {
		kc_err_set(err, KC_E_PARSE, "connector listing: expected a JSON array of names");
		return -1;
	}
	rows = kc_xcalloc(json_array_size(names) + 1, sizeof(*rows));
	json_array_foreach(names, i, v) {
		struct tui_conn *c;

		if (!json_is_string(v))
			continue;
		c = &rows[n++];
		c->name = kc_xstrdup(json_string_value(v));
		c->dname = san(c->name);
		c->type = san("?");
		c->state = san("UNKNOWN");
		c->worker = san("");
		c->klass = san("");
		c->lag = -1;
	}
	replace_rows(m, rows, n);
	return 0;
}

int
tui_model_set_filter(struct tui_model *m, const char *filter, struct kc_err *err)
{
	regex_t re;
	const char *pat;
	int inverse = 0, rc;

	if (filter == NULL || *filter == '\0') {
		if (m->has_re)
			regfree(&m->re);
		m->has_re = 0;
		free(m->filter);
		m->filter = NULL;
		m->filter_inverse = 0;
		tui_model_refresh(m);
		return 0;
	}
	pat = filter;
	if (*pat == '!') {
		inverse = 1;
		pat++;
		while (*pat == ' ')
			pat++;
	}
	if ((rc = regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		char msg[256];

		regerror(rc, &re, msg, sizeof(msg));
		kc_err_set(err, KC_E_USAGE, "filter '%s': %s", filter, msg);
		return -1;
	}
	if (m->has_re)
		regfree(&m->re);
	m->re = re;
	m->has_re = 1;
	m->filter_inverse = inverse;
	free(m->filter);
	m->filter = kc_xstrdup(filter);
	tui_model_refresh(m);
	return 0;
}

void
tui_model_set_sort(struct tui_model *m, enum tui_col col, int desc)
{
	m->sort_col = col < TUI_COL_COUNT ? col : TUI_COL_NAME;
	m->sort_desc = desc;
	tui_model_refresh(m);
}

void
tui_model_set_failed_only(struct tui_model *m, int on)
{
	m->failed_only = on;
	tui_model_refresh(m);
}

/* qsort has no context argument in C11: the model being sorted. */
static const struct tui_model *sort_model;

static int
cmp_ll(long long a, long long b)
{
	return a < b ? -1 : a > b;
}

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct tui_conn *a = &sort_model->rows[*(const size_t *)pa];
	const struct tui_conn *b = &sort_model->rows[*(const size_t *)pb];
	int r = 0;

	switch (sort_model->sort_col) {
	case TUI_COL_TYPE:
		r = strcmp(a->type, b->type);
		break;
	case TUI_COL_STATE:
		/* failing first when ascending: FAILED, degraded, then by name of state */
		r = cmp_ll(!tui_conn_failed(a), !tui_conn_failed(b));
		if (r == 0)
			r = strcmp(a->state, b->state);
		break;
	case TUI_COL_TASKS:
		r = cmp_ll(b->nfailed, a->nfailed);
		if (r == 0)
			r = cmp_ll(a->ntasks, b->ntasks);
		break;
	case TUI_COL_WORKER:
		r = strcmp(a->worker, b->worker);
		break;
	case TUI_COL_LAG:
		r = cmp_ll(a->lag, b->lag);
		break;
	default:
		break;
	}
	if (r == 0)
		r = strcmp(a->name, b->name);
	return sort_model->sort_desc ? -r : r;
}

int
tui_task_state_code(const char *state)
{
	if (state == NULL)
		return TUI_TS_OTHER;
	if (strcmp(state, "RUNNING") == 0)
		return TUI_TS_RUNNING;
	if (strcmp(state, "FAILED") == 0)
		return TUI_TS_FAILED;
	if (strcmp(state, "UNASSIGNED") == 0)
		return TUI_TS_UNASSIGNED;
	return TUI_TS_OTHER;
}

int
tui_conn_on_worker(const struct tui_conn *c, const char *id)
{
	size_t k;

	if (c->worker != NULL && strcmp(c->worker, id) == 0)
		return 1;
	for (k = 0; k < c->ntworkers; k++)
		if (strcmp(c->tworkers[k], id) == 0)
			return 1;
	return 0;
}

void
tui_model_set_worker(struct tui_model *m, const char *id)
{
	free(m->worker);
	m->worker = id != NULL && *id != '\0' ? kc_xstrdup(id) : NULL;
	tui_model_refresh(m);
}

static int
row_visible(const struct tui_model *m, const struct tui_conn *c)
{
	if (m->failed_only && !tui_conn_failed(c))
		return 0;
	if (m->worker != NULL && !tui_conn_on_worker(c, m->worker))
		return 0;
	if (m->has_re) {
		int hit = regexec(&m->re, c->name, 0, NULL, 0) == 0 ||
		    regexec(&m->re, c->klass, 0, NULL, 0) == 0;

		if (hit == m->filter_inverse)
			return 0;
	}
	return 1;
}

void
tui_model_refresh(struct tui_model *m)
{
	size_t i;

	free(m->order);
	m->order = kc_xcalloc(m->nrows + 1, sizeof(*m->order));
	m->norder = 0;
	for (i = 0; i < m->nrows; i++)
		if (row_visible(m, &m->rows[i]))
			m->order[m->norder++] = i;
	sort_model = m;
	qsort(m->order, m->norder, sizeof(*m->order), cmp_rows);
	sort_model = NULL;
}

long
tui_model_find(const struct tui_model *m, const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < m->norder; i++)
		if (strcmp(m->rows[m->order[i]].name, name) == 0)
			return (long)i;
	return -1;
}

void
tui_model_set_lag(struct tui_model *m, const char *name, long long lag)
{
	size_t i;

	for (i = 0; i < m->nrows; i++)
		if (strcmp(m->rows[i].name, name) == 0) {
			m->rows[i].lag = lag;
			return;
		}
}
