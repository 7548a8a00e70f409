/* tui_view_detail.c - one connector: state, tasks with full traces, config (secrets masked),
 * topics and offsets. Four asynchronous requests; the view keeps the last good answer of
 * each and is rebuilt when any arrives or the terminal width changes. */
#include "tui_app.h"
#include "tui_lines.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "kc_cmd.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

enum { PART_INFO, PART_STATUS, PART_TOPICS, PART_OFFSETS, NPARTS };

static const char *const part_suffix[NPARTS] = { "", "/status", "/topics", "/offsets" };

struct detail {
	struct tui_app	*app;
	char		*name;
	json_t		*part[NPARTS];
	char		*part_err[NPARTS];
	int		 inflight[NPARTS];
	int		 gone;		/* 404: the connector was deleted */
	struct tui_lines lines;
	int		 built_cols;
	int		 dirty;
	int		 refs;		/* the view + requests in flight */
	int		 closed;
	int		 show_secrets;
};

struct part_req {
	struct detail	*d;
	int		 part;
};

static void
detail_unref(struct detail *d)
{
	int i;

	if (--d->refs > 0)
		return;
	for (i = 0; i < NPARTS; i++) {
		json_decref(d->part[i]);
		free(d->part_err[i]);
	}
	tui_lines_free(&d->lines);
	free(d->name);
	free(d);
}

static void
part_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct part_req *r = arg;
	struct detail *d = r->d;

	(void)c;
	d->inflight[r->part] = 0;
	if (!d->closed) {
		free(d->part_err[r->part]);
		d->part_err[r->part] = NULL;
		if (err != NULL) {
			if (err->code == 404 && r->part == PART_INFO)
				d->gone = 1;
			d->part_err[r->part] = kc_text_sanitize(err->msg, 0);
		} else if (resp->json != NULL) {
			json_decref(d->part[r->part]);
			d->part[r->part] = json_incref(resp->json);
			if (r->part == PART_INFO)
				d->gone = 0;
		}
		d->dirty = 1;
		d->app->dirty = 1;
	}
	free(r);
	detail_unref(d);
}

static void
detail_fetch(struct tui_app *app, struct tui_view *v)
{
	struct detail *d = v->priv;
	char *enc;
	int i;

	if (app->client == NULL)
		return;
	enc = kc_url_encode_segment(d->name);
	for (i = 0; i < NPARTS; i++) {
		struct part_req *r;
		char *path;

		if (d->inflight[i])
			continue;
		if (i == PART_OFFSETS && app->version_num > 0 && app->version_num < 30500)
			continue;
		if (i == PART_TOPICS && app->version_num > 0 && app->version_num < 20500)
			continue;
		r = kc_xcalloc(1, sizeof(*r));
		r->d = d;
		r->part = i;
		path = kc_xasprintf("/connectors/%s%s", enc, part_suffix[i]);
		if (tui_submit(app, "GET", path, NULL, part_done, r) == 0) {
			d->inflight[i] = 1;
			d->refs++;
		} else
			free(r);
		free(path);
	}
	free(enc);
}

static int
is_reference(const char *v)
{
	return v != NULL && strncmp(v, "${", 2) == 0 && strchr(v, '}') != NULL;
}

static void
build(struct tui_app *app, struct detail *d)
{
	struct tui_lines *l = &d->lines;
	json_t *info = d->part[PART_INFO], *status = d->part[PART_STATUS];
	json_t *conn = json_object_get(status, "connector");
	json_t *config = json_object_get(info, "config"), *tasks, *t, *v;
	const char *key, *trace;
	int wrap = COLS - 4, kw = 0;
	size_t i;
	char buf[256];

	(void)app;
	tui_lines_free(l);
	tui_lines_init(l);
	d->built_cols = COLS;
	if (d->gone)
		tui_lines_add(l, TUI_ROLE_STATUS_ERROR, 0, wrap,
		    "This connector no longer exists (deleted?). q goes back.");
	tui_lines_section(l, "Connector");
	tui_lines_kv(l, "name", TUI_ROLE_KEY, d->name, TUI_ROLE_HEADER_VALUE, wrap - 14);
	tui_lines_kv(l, "type", TUI_ROLE_KEY, kc_json_str_or(status, "type",
	    kc_json_str_or(info, "type", "?")), TUI_ROLE_NORMAL, wrap - 14);
	tui_lines_kv(l, "class", TUI_ROLE_KEY, kc_json_str_or(config, "connector.class", "?"),
	    TUI_ROLE_NORMAL, wrap - 14);
	if (conn != NULL) {
		const char *st = kc_json_str_or(conn, "state", "?");

		tui_lines_kv(l, "state", TUI_ROLE_KEY, st, tui_theme_state_role(st), wrap - 14);
		tui_lines_kv(l, "worker", TUI_ROLE_KEY, kc_json_str_or(conn, "worker_id", "-"),
		    TUI_ROLE_NORMAL, wrap - 14);
		if ((trace = kc_json_str(conn, "trace")) != NULL) {
			tui_lines_kv(l, "trace", TUI_ROLE_KEY, "", TUI_ROLE_TRACE, wrap);
			tui_lines_add(l, TUI_ROLE_TRACE, 4, wrap, trace);
		}
	} else if (d->part_err[PART_STATUS] != NULL)
		tui_lines_kv(l, "state", TUI_ROLE_KEY, d->part_err[PART_STATUS],
		    TUI_ROLE_STATUS_ERROR, wrap - 14);
	else
		tui_lines_kv(l, "state", TUI_ROLE_KEY, "loading...", TUI_ROLE_DIM, wrap - 14);

	tasks = json_object_get(status, "tasks");
	snprintf(buf, sizeof(buf), "Tasks (%zu)", json_array_size(tasks));
	tui_lines_section(l, buf);
	if (json_array_size(tasks) == 0)
		tui_lines_add(l, TUI_ROLE_DIM, 0, 0, "no tasks");
	json_array_foreach(tasks, i, t) {
		const char *st = kc_json_str_or(t, "state", "?");

		snprintf(buf, sizeof(buf), "task %lld", kc_json_int_or(t, "id", -1));
		snprintf(buf + 100, 150, "%-11s %s", st, kc_json_str_or(t, "worker_id", "-"));
		tui_lines_kv(l, buf, TUI_ROLE_KEY, buf + 100, tui_theme_state_role(st), 0);
		if ((trace = kc_json_str(t, "trace")) != NULL)
			tui_lines_add(l, TUI_ROLE_TRACE, 4, wrap, trace);
	}

	snprintf(buf, sizeof(buf), "Config (%zu keys%s)", json_object_size(config),
	    d->show_secrets ? ", secrets shown" : "");
	tui_lines_section(l, buf);
	json_object_foreach(config, key, v) {
		int w = (int)kc_text_width(key);

		if (w > kw)
			kw = w;
	}
	if (kw > COLS / 2)
		kw = COLS / 2;
	{
		const char **keys = kc_xcalloc(json_object_size(config) + 1, sizeof(*keys));
		size_t n = 0, j;

		json_object_foreach(config, key, v)
			keys[n++] = key;
		/* sorted keys read better and diff stably */
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
				const char *tmp = keys[j];

				keys[j] = keys[j - 1];
				keys[j - 1] = tmp;
			}
		for (i = 0; i < n; i++) {
			const char *val = json_string_value(json_object_get(config, keys[i]));
			int secret = kc_cmd_is_secret_key(keys[i]) && !is_reference(val) &&
			    !d->show_secrets;

			tui_lines_kv(l, keys[i], TUI_ROLE_KEY, secret ? "********" :
			    (val != NULL ? val : "null"), secret ? TUI_ROLE_SECRET :
			    TUI_ROLE_NORMAL, COLS - kw - 6);
		}
		free(keys);
	}
	if (config == NULL)
		tui_lines_add(l, d->part_err[PART_INFO] ? TUI_ROLE_STATUS_ERROR : TUI_ROLE_DIM, 0,
		    wrap, d->part_err[PART_INFO] ? d->part_err[PART_INFO] : "loading...");

	tui_lines_section(l, "Topics");
	{
		json_t *tp = json_object_get(json_object_get(d->part[PART_TOPICS], d->name),
		    "topics");

		if (json_array_size(tp) == 0)
			tui_lines_add(l, TUI_ROLE_DIM, 0, wrap, d->part_err[PART_TOPICS] ?
			    d->part_err[PART_TOPICS] : d->part[PART_TOPICS] ? "none in use" :
			    "not available");
		json_array_foreach(tp, i, v)
			tui_lines_add(l, TUI_ROLE_NORMAL, 0, wrap, json_string_value(v));
	}

	tui_lines_section(l, "Offsets");
	{
		json_t *offs = json_object_get(d->part[PART_OFFSETS], "offsets"), *o;

		if (json_array_size(offs) == 0)
			tui_lines_add(l, TUI_ROLE_DIM, 0, wrap, d->part_err[PART_OFFSETS] ?
			    d->part_err[PART_OFFSETS] : d->part[PART_OFFSETS] ? "none committed" :
			    "not available");
		json_array_foreach(offs, i, o) {
			char *p = kc_json_dump(json_object_get(o, "partition"));
			char *f = kc_json_dump(json_object_get(o, "offset"));

			tui_lines_kv(l, p, TUI_ROLE_KEY, f, TUI_ROLE_NORMAL, COLS / 2);
			free(p);
			free(f);
		}
	}
	d->dirty = 0;
}

static void
detail_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct detail *d = v->priv;

	if (d->dirty || d->built_cols != COLS)
		build(app, d);
	if (v->cursor >= (long)d->lines.n)
		v->cursor = (long)d->lines.n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + height)
		v->scroll = v->cursor - height + 1;
	tui_lines_draw(&d->lines, top, height, v->scroll, v->cursor, v->hscroll);
}

static int
detail_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct detail *d = v->priv;
	long next;
	int r;

	if ((r = tui_scroll_action(v, a, (long)d->lines.n)) != TUI_R_UNHANDLED)
		return r;
	switch (a) {
	case TUI_A_NEXT_SECTION:
		if ((next = tui_lines_next_section(&d->lines, v->cursor)) >= 0) {
			v->cursor = next;
			v->scroll = next;
		}
		return TUI_R_REDRAW;
	case TUI_A_OPEN:
		return TUI_R_NONE;
	case TUI_A_RESTART: {
		json_t *tasks = json_object_get(d->part[PART_STATUS], "tasks"), *t;
		const char *states[10];
		int ids[10], n = 0;
		size_t i;

		json_array_foreach(tasks, i, t) {
			if (n == 10)
				break;
			ids[n] = (int)kc_json_int_or(t, "id", -1);
			states[n] = kc_json_str(t, "state");
			n++;
		}
		tui_restart_menu_tasks(app, d->name, ids, states, n);
		return TUI_R_REDRAW;
	}
	default:
		return TUI_R_UNHANDLED;
	}
}

static void
detail_done(struct tui_app *app, struct tui_view *v)
{
	struct detail *d = v->priv;

	(void)app;
	d->closed = 1;
	detail_unref(d);
}

static const char *
detail_selected(struct tui_app *app, struct tui_view *v)
{
	struct detail *d = v->priv;

	(void)app;
	return d->name;
}

const struct tui_view_ops tui_detail_ops = {
	.name = "detail",
	.keymap = TUI_KM_DETAIL,
	.fetch = detail_fetch,
	.draw = detail_draw,
	.action = detail_action,
	.done = detail_done,
	.selected = detail_selected,
};

void
tui_open_detail(struct tui_app *app, const char *name)
{
	struct detail *d = kc_xcalloc(1, sizeof(*d));

	d->app = app;
	d->name = kc_xstrdup(name);
	d->refs = 1;
	d->dirty = 1;
	tui_lines_init(&d->lines);
	tui_push(app, &tui_detail_ops, name, d);
}
