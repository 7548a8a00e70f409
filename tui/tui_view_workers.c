/* tui_view_workers.c - the workers view: one row per worker of the cluster.
 *
 * DESIGN: the rows (tui_workers.h) merge kcops-worker's GET /kcops/v1/workers with the worker
 * ids of the connectors listing the loop already keeps fresh. The view fetches the extension
 * on the console's refresh cadence while it is on top, asynchronously like every other view;
 * a 404 (Apache Kafka Connect) is remembered and the view then shows what the task statuses
 * say, with a plain note instead of an error. Rows are rebuilt only when a new listing or a
 * new answer arrived, and the cursor follows the selected worker's id. Enter goes back to
 * the connectors view filtered to what runs on the selected worker. */
#include "tui_app.h"
#include "tui_workers.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

/* ---- rows (no curses) -------------------------------------------------------------------- */

static char *
san(const char *s)
{
	if (s == NULL)
		return NULL;
	if (kc_text_is_clean(s, 0))
		return kc_xstrdup(s);
	return kc_text_sanitize(s, 0);
}

const char *
tui_worker_state_name(enum tui_worker_state s)
{
	switch (s) {
	case TUI_WS_ALIVE:
		return "alive";
	case TUI_WS_SILENT:
		return "silent";
	default:
		return "-";
	}
}

struct wlist {
	struct tui_worker *v;
	size_t		 n, cap;
};

static struct tui_worker *
wl_find(struct wlist *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

/* The row of id, appended (derived from the statuses) when not there yet. */
static struct tui_worker *
wl_get(struct wlist *l, const char *id)
{
	struct tui_worker *w;

	if ((w = wl_find(l, id)) != NULL)
		return w;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = kc_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	w = &l->v[l->n++];
	memset(w, 0, sizeof(*w));
	w->id = kc_xstrdup(id);
	w->state = TUI_WS_UNKNOWN;
	w->hb_age_ms = -1;
	w->source_owner = -1;
	return w;
}

static int
cmp_worker(const void *pa, const void *pb)
{
	const struct tui_worker *a = pa, *b = pb;

	if (a->self != b->self)
		return b->self - a->self;
	return strcmp(a->id, b->id);
}

void
tui_workers_build(const json_t *workers, const struct tui_model *m, const char *self_hint,
    struct tui_worker **out, size_t *n)
{
	struct wlist l = { NULL, 0, 0 };
	const json_t *e;
	size_t i, k;

	json_array_foreach((json_t *)workers, i, e) {
		const char *id = kc_json_str(e, "worker_id");
		const json_t *so = json_object_get(e, "source_owner");
		struct tui_worker *w;
		char *sid;

		if (!json_is_object(e) || id == NULL || *id == '\0')
			continue;
		sid = san(id);
		w = wl_get(&l, sid);
		free(sid);
		w->listed = 1;
		free(w->url);
		w->url = san(kc_json_str(e, "url"));
		w->self = json_is_true(json_object_get(e, "self"));
		w->state = json_is_false(json_object_get(e, "alive")) ? TUI_WS_SILENT :
		    TUI_WS_ALIVE;
		w->hb_age_ms = kc_json_int_or(e, "last_heartbeat_ms_ago", -1);
		if (w->hb_age_ms < -1)
			w->hb_age_ms = -1;
		w->source_owner = json_is_boolean(so) ? json_is_true(so) : -1;
	}
	for (i = 0; m != NULL && i < m->nrows; i++) {
		const struct tui_conn *c = &m->rows[i];
		struct tui_worker *w;

		/* the connector counts once on every worker where its instance or a task runs */
		if (c->worker != NULL && *c->worker != '\0')
			wl_get(&l, c->worker)->nconn++;
		for (k = 0; k < c->ntworkers; k++) {
			size_t j;
			int seen = c->worker != NULL && strcmp(c->worker, c->tworkers[k]) == 0;

			for (j = 0; j < k && !seen; j++)
				seen = strcmp(c->tworkers[j], c->tworkers[k]) == 0;
			w = wl_get(&l, c->tworkers[k]);
			if (!seen)
				w->nconn++;
			w->ntasks++;
			if (c->tstates != NULL && c->tstates[k] == TUI_TS_FAILED)
				w->nfailed++;
			else if (c->tstates != NULL && c->tstates[k] == TUI_TS_UNASSIGNED)
				w->nunassigned++;
		}
	}
	/* the cluster did not say which worker answered: the one at the URL we use */
	if (self_hint != NULL && *self_hint != '\0') {
		int any = 0;

		for (i = 0; i < l.n; i++)
			any |= l.v[i].self;
		for (i = 0; !any && i < l.n; i++)
			if (strcmp(l.v[i].id, self_hint) == 0)
				l.v[i].self = 1;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_worker);
	*out = l.v;
	*n = l.n;
}

void
tui_workers_free(struct tui_worker *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].id);
		free(w[i].url);
	}
	free(w);
}

/* ---- the view ---------------------------------------------------------------------------- */

struct wv {
	struct tui_app	*app;
	json_t		*answer;	/* last good "workers" array, or NULL */
	int		 distributed;
	char		*group;		/* group.id (sanitised) or NULL */
	char		*error;		/* last fetch error (sanitised), or NULL */
	int		 unsupported;	/* 404: not kcops-worker */
	int		 inflight;
	int		 closed;
	int		 refs;
	unsigned int	 answer_gen;
	int64_t		 answer_ms;	/* mono ms the last good answer arrived */
	/* rows, rebuilt when a listing or an answer arrives */
	struct tui_worker *rows;
	size_t		 n;
	uint64_t	 built_fetches;
	unsigned int	 built_gen;
	int		 built;
	char		*sel;		/* id of the selected row */
};

static void
wv_unref(struct wv *w)
{
	if (--w->refs > 0)
		return;
	json_decref(w->answer);
	free(w->group);
	free(w->error);
	tui_workers_free(w->rows, w->n);
	free(w->sel);
	free(w);
}

static void
w_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct wv *w = arg;
	json_t *list;

	(void)c;
	w->inflight = 0;
	if (!w->closed) {
		free(w->error);
		w->error = NULL;
		if (err != NULL) {
			if (err->code == 404)
				w->unsupported = 1;
			else
				w->error = kc_text_sanitize(err->msg, 0);
		} else if (!json_is_array(list = json_object_get(resp->json, "workers"))) {
			w->error = kc_xstrdup("GET /kcops/v1/workers: the answer has no "
			    "\"workers\" array");
		} else {
			json_decref(w->answer);
			w->answer = json_incref(list);
			w->distributed = json_is_true(json_object_get(resp->json, "distributed"));
			free(w->group);
			w->group = san(kc_json_str(resp->json, "group_id"));
			w->answer_gen++;
			w->answer_ms = kc_mono_ms();
		}
		w->app->dirty = 1;
	}
	wv_unref(w);
}

static void
w_fetch(struct tui_app *app, struct tui_view *v)
{
	struct wv *w = v->priv;

	if (w->inflight || app->client == NULL || w->unsupported)
		return;
	if (tui_submit(app, "GET", "/kcops/v1/workers", NULL, w_done, w) == 0) {
		w->inflight = 1;
		w->refs++;
	}
}

/* host:port of the URL the console talks to (written into buf, "" when none). */
static void
self_hint(struct tui_app *app, char *buf, size_t len)
{
	const char *u = app->client != NULL ? kc_client_url(app->client) : NULL;
	const char *p;
	size_t n;

	buf[0] = '\0';
	if (u == NULL)
		return;
	if ((p = strstr(u, "://")) != NULL)
		u = p + 3;
	n = strcspn(u, "/?#");
	if (n >= len)
		n = len - 1;
	memcpy(buf, u, n);
	buf[n] = '\0';
}

static void
rebuild(struct tui_app *app, struct wv *w)
{
	char hint[256];

	if (w->built && w->built_fetches == app->fetches && w->built_gen == w->answer_gen)
		return;
	self_hint(app, hint, sizeof(hint));
	tui_workers_free(w->rows, w->n);
	tui_workers_build(w->unsupported ? NULL : w->answer, &app->model, hint, &w->rows, &w->n);
	w->built = 1;
	w->built_fetches = app->fetches;
	w->built_gen = w->answer_gen;
}

/* "0.4s ago", "12s ago", "3m5s ago": the age in the answer plus the time since it came, so
 * it keeps growing between refreshes (and while the cluster does not answer). */
static void
hb_text(const struct tui_worker *r, int64_t since_answer, char *buf, size_t len)
{
	char age[32];
	long long ms = r->hb_age_ms + (since_answer > 0 ? since_answer : 0);

	if (r->self && r->listed)
		snprintf(buf, len, "answers");
	else if (r->hb_age_ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 10000)
		snprintf(buf, len, "%.1fs ago", (double)ms / 1000.0);
	else {
		tui_age(ms, age, sizeof(age));
		snprintf(buf, len, "%s ago", age);
	}
}

struct wlayout {
	int id_x, id_w, st_x, hb_x, conn_x, task_x, src_x, url_x, url_w;
};

static void
wlayout(struct wlayout *l, const struct wv *w)
{
	size_t i, longest = 6;
	int cap = COLS - 55;	/* leave the URL 10 columns; narrow screens clip from the right */

	if (cap < 24)
		cap = 24;
	for (i = 0; i < w->n; i++)
		if (strlen(w->rows[i].id) > longest)
			longest = strlen(w->rows[i].id);
	l->id_w = (int)longest < cap ? (int)longest : cap;
	l->id_x = 2;
	l->st_x = l->id_x + l->id_w + 1;
	l->hb_x = l->st_x + 7;
	l->conn_x = l->hb_x + 10;
	l->task_x = l->conn_x + 6;
	l->src_x = l->task_x + 12;
	l->url_x = l->src_x + 5;
	l->url_w = COLS - l->url_x;
	if (l->url_w < 0)
		l->url_w = 0;
}

static void
draw_row(struct tui_app *app, const struct tui_worker *r, int64_t since_answer, int y,
    const struct wlayout *l, int selected)
{
	unsigned int base = tui_theme_attr(selected ? TUI_ROLE_SELECTION : TUI_ROLE_NORMAL);
	enum tui_role sr = r->state == TUI_WS_ALIVE ? TUI_ROLE_STATE_RUNNING :
	    r->state == TUI_WS_SILENT ? TUI_ROLE_STATE_FAILED : TUI_ROLE_DIM;
	char buf[64];
	int x;

	(void)app;
	tui_fill(y, 0, COLS, base);
	tui_put(y, 0, 2, r->self ? "*" : " ", selected ? base : tui_theme_attr(TUI_ROLE_KEY), 0);
	tui_put_clean(y, l->id_x, l->id_w, r->id, base, 1);
	tui_put(y, l->st_x, 6, tui_worker_state_name(r->state), selected ? base :
	    tui_theme_attr(sr), 0);
	hb_text(r, since_answer, buf, sizeof(buf));
	tui_put(y, l->hb_x, 9, buf, r->state == TUI_WS_SILENT && !selected ?
	    tui_theme_attr(TUI_ROLE_STATE_FAILED) : base, 0);
	snprintf(buf, sizeof(buf), "%d", r->nconn);
	tui_put_right(y, l->conn_x, 4, buf, base);
	snprintf(buf, sizeof(buf), "%d", r->ntasks);
	x = l->task_x;
	x += tui_put(y, x, 11, buf, base, 0);
	if (r->nfailed > 0) {
		snprintf(buf, sizeof(buf), " %dF", r->nfailed);
		x += tui_put(y, x, l->task_x + 11 - x, buf, tui_theme_attr(TUI_ROLE_STATE_FAILED) |
		    (selected ? A_REVERSE : 0), 0);
	}
	if (r->nunassigned > 0 && x < l->task_x + 11) {
		snprintf(buf, sizeof(buf), " %dU", r->nunassigned);
		tui_put(y, x, l->task_x + 11 - x, buf, tui_theme_attr(TUI_ROLE_STATE_UNASSIGNED) |
		    (selected ? A_REVERSE : 0), 0);
	}
	tui_put(y, l->src_x, 4, r->source_owner == 1 ? "yes" : "-", base, 0);
	if (l->url_w > 0)
		tui_put_clean(y, l->url_x, l->url_w, r->url != NULL ? r->url : "-", base, 1);
}

static long
find_row(const struct wv *w, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < w->n; i++)
		if (strcmp(w->rows[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void
w_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct wv *w = v->priv;
	unsigned int h = tui_theme_attr(TUI_ROLE_TABLE_HEADER);
	unsigned int dim = tui_theme_attr(TUI_ROLE_DIM);
	struct wlayout l;
	int y = top, nsilent = 0, rows;
	long at, i;
	size_t k;

	rebuild(app, w);
	/* the cursor follows the selected worker across refreshes */
	if ((at = find_row(w, w->sel)) >= 0)
		v->cursor = at;
	for (k = 0; k < w->n; k++)
		nsilent += w->rows[k].state == TUI_WS_SILENT;
	/* what this list is */
	if (w->unsupported) {
		tui_put(y++, 1, COLS - 2, "This cluster does not list its workers (it is not "
		    "kcops-worker).", tui_theme_attr(TUI_ROLE_STATUS_WARN), 0);
		tui_put(y++, 1, COLS - 2, "Derived from the task statuses: every worker_id "
		    "they name; liveness unknown.", dim, 0);
	} else if (w->answer != NULL) {
		if (w->distributed)
			tui_putf(y++, 1, COLS - 2, dim, "kcops-worker cluster %s: %zu worker%s, "
			    "%d silent; * answers this console", w->group ? w->group : "?", w->n,
			    w->n == 1 ? "" : "s", nsilent);
		else
			tui_putf(y++, 1, COLS - 2, dim, "standalone kcops-worker (no group.id)%s",
			    w->n > 1 ? "; more workers named in the statuses" : "");
	} else
		tui_put(y++, 1, COLS - 2, w->error ? w->error : "loading...",
		    tui_theme_attr(w->error ? TUI_ROLE_STATUS_ERROR : TUI_ROLE_DIM), 0);
	if (w->answer != NULL && w->error != NULL && y < top + height) {
		char age[32];

		tui_age(kc_mono_ms() - w->answer_ms, age, sizeof(age));
		tui_putf(y++, 1, COLS - 2, tui_theme_attr(TUI_ROLE_STATUS_ERROR),
		    "as of %s ago: %s", age, w->error);
	}
	if (y >= top + height)
		return;
	wlayout(&l, w);
	tui_fill(y, 0, COLS, h);
	tui_put(y, l.id_x, l.id_w, "WORKER", h, 0);
	tui_put(y, l.st_x, 6, "STATE", h, 0);
	tui_put(y, l.hb_x, 9, "HEARTBEAT", h, 0);
	tui_put_right(y, l.conn_x, 4, "CONN", h);
	tui_put(y, l.task_x, 11, "TASKS", h, 0);
	tui_put(y, l.src_x, 4, "SRC", h, 0);
	if (l.url_w > 0)
		tui_put(y, l.url_x, l.url_w, "URL", h, 0);
	y++;
	rows = top + height - y;
	if (w->n == 0) {
		if (rows > 0)
			tui_put(y, 2, COLS - 4, app->last_ok_ms == 0 ? "loading..." :
			    "no worker named: no connector has a status with a worker_id yet", dim, 0);
		v->body_height = rows;
		return;
	}
	if (rows < 1)
		return;
	v->body_height = rows;
	if (v->cursor >= (long)w->n)
		v->cursor = (long)w->n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + rows)
		v->scroll = v->cursor - rows + 1;
	for (i = 0; i < rows && v->scroll + i < (long)w->n; i++)
		draw_row(app, &w->rows[v->scroll + i], w->answer != NULL ? kc_mono_ms() -
		    w->answer_ms : 0, y + (int)i, &l, v->scroll + i == v->cursor);
	free(w->sel);
	w->sel = kc_xstrdup(w->rows[v->cursor].id);
}

static int
w_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct wv *w = v->priv;
	int r;

	if ((r = tui_scroll_action(v, a, (long)w->n)) != TUI_R_UNHANDLED) {
		free(w->sel);
		w->sel = v->cursor >= 0 && (size_t)v->cursor < w->n ?
		    kc_xstrdup(w->rows[v->cursor].id) : NULL;
		return r;
	}
	if (a == TUI_A_OPEN) {
		char *id;

		if (v->cursor < 0 || (size_t)v->cursor >= w->n)
			return TUI_R_NONE;
		id = kc_xstrdup(w->rows[v->cursor].id);
		tui_reset_views(app);	/* frees this view */
		tui_model_set_worker(&app->model, id);
		if (app->nviews > 0)
			app->views[0]->cursor = 0;
		tui_msg(app, TUI_MSG_INFO, "%zu connector%s on worker %s (Esc: all)",
		    app->model.norder, app->model.norder == 1 ? "" : "s", id);
		free(id);
		return TUI_R_REDRAW;
	}
	return TUI_R_UNHANDLED;
}

static void
w_done_view(struct tui_app *app, struct tui_view *v)
{
	struct wv *w = v->priv;

	(void)app;
	w->closed = 1;
	wv_unref(w);
}

const struct tui_view_ops tui_workers_ops = {
	.name = "workers",
	.keymap = TUI_KM_WORKERS,
	.fetch = w_fetch,
	.draw = w_draw,
	.action = w_action,
	.done = w_done_view,
};

void
tui_open_workers(struct tui_app *app)
{
	struct tui_view *top = tui_top(app);
	struct wv *w;

	if (top != NULL && top->ops == &tui_workers_ops)
		return;
	w = kc_xcalloc(1, sizeof(*w));
	w->app = app;
	w->refs = 1;
	tui_push(app, &tui_workers_ops, "workers", w);
}
