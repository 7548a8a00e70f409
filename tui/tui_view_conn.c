/* tui_view_conn.c - the connectors view: sortable, filterable table of every connector. */
#include "tui_app.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "kc_text.h"
#include "kc_util.h"

/* Clamp cursor and scroll to n rows in a body of `height` rows. */
static void
clamp(struct tui_view *v, long n, int height)
{
	if (height < 1)
		height = 1;
	if (v->cursor >= n)
		v->cursor = n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + height)
		v->scroll = v->cursor - height + 1;
	if (v->scroll > n - height)
		v->scroll = n - height;
	if (v->scroll < 0)
		v->scroll = 0;
}

int
tui_scroll_action(struct tui_view *v, enum tui_action a, long nlines)
{
	long page = v->body_height > 2 ? v->body_height - 1 : 1;

	switch (a) {
	case TUI_A_UP:
		v->cursor--;
		break;
	case TUI_A_DOWN:
		v->cursor++;
		break;
	case TUI_A_PAGE_UP:
		v->cursor -= page;
		break;
	case TUI_A_PAGE_DOWN:
		v->cursor += page;
		break;
	case TUI_A_HOME:
		v->cursor = 0;
		break;
	case TUI_A_END:
		v->cursor = nlines - 1;
		break;
	case TUI_A_LEFT:
		v->hscroll = v->hscroll > 8 ? v->hscroll - 8 : 0;
		break;
	case TUI_A_RIGHT:
		v->hscroll += 8;
		break;
	default:
		return TUI_R_UNHANDLED;
	}
	if (v->cursor >= nlines)
		v->cursor = nlines - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	return TUI_R_REDRAW;
}

static void
update_title(struct tui_app *app, struct tui_view *v)
{
	const struct tui_model *m = &app->model;
	char *t, marks[32] = "";
	size_t i, n = 0;

	for (i = 0; i < m->nrows; i++)
		n += m->rows[i].marked != 0;
	if (n > 0)
		snprintf(marks, sizeof(marks), " [%zu marked]", n);
	t = kc_xasprintf("connectors%s%s%s%s%s%s%s", m->worker ? " @" : "",
	    m->worker ? m->worker : "", m->filter ? " /" : "",
	    m->filter ? m->filter : "", m->filter ? "/" : "", m->failed_only ? " [failed]" : "",
	    marks);
	free(v->title);
	v->title = kc_text_sanitize(t, 0);
	free(t);
}

struct layout {
	int x[TUI_COL_COUNT];
	int w[TUI_COL_COUNT];
};

static void
layout(struct layout *l)
{
	int flex = COLS - 2 - 7 - 12 - 9 - 9 - 5, name, worker;

	if (flex < 20)
		flex = 20;
	name = flex * 3 / 5;
	worker = flex - name;
	l->w[TUI_COL_NAME] = name;
	l->w[TUI_COL_TYPE] = 7;
	l->w[TUI_COL_STATE] = 12;
	l->w[TUI_COL_TASKS] = 9;
	l->w[TUI_COL_WORKER] = worker;
	l->w[TUI_COL_LAG] = 9;
	l->x[TUI_COL_NAME] = 2;
	l->x[TUI_COL_TYPE] = l->x[TUI_COL_NAME] + name + 1;
	l->x[TUI_COL_STATE] = l->x[TUI_COL_TYPE] + 8;
	l->x[TUI_COL_TASKS] = l->x[TUI_COL_STATE] + 13;
	l->x[TUI_COL_WORKER] = l->x[TUI_COL_TASKS] + 10;
	l->x[TUI_COL_LAG] = l->x[TUI_COL_WORKER] + worker + 1;
}

static void
draw_row(struct tui_app *app, const struct tui_conn *c, int y, const struct layout *l,
    int selected)
{
	unsigned int base = selected ? tui_theme_attr(TUI_ROLE_SELECTION) :
	    c->marked ? tui_theme_attr(TUI_ROLE_MARKED) : tui_theme_attr(TUI_ROLE_NORMAL);
	enum tui_role sr = tui_theme_state_role(c->state);
	char buf[64];
	int x;

	(void)app;
	tui_fill(y, 0, COLS, base);
	tui_put(y, 0, 2, c->marked ? "*" : " ", base, 1);
	tui_put_clean(y, l->x[TUI_COL_NAME], l->w[TUI_COL_NAME], c->dname, base, 1);
	tui_put_clean(y, l->x[TUI_COL_TYPE], l->w[TUI_COL_TYPE], c->type, base, 1);
	if (strcmp(c->state, "RUNNING") == 0 && c->nfailed > 0)
		sr = TUI_ROLE_STATE_DEGRADED;
	tui_put_clean(y, l->x[TUI_COL_STATE], l->w[TUI_COL_STATE], c->state,
	    selected ? base : tui_theme_attr(sr), 1);
	snprintf(buf, sizeof(buf), "%d/%d", c->nrunning, c->ntasks);
	x = l->x[TUI_COL_TASKS];
	x += tui_put(y, x, l->w[TUI_COL_TASKS], buf, base, 0);
	if (c->nfailed > 0) {
		snprintf(buf, sizeof(buf), " %dF", c->nfailed);
		tui_put(y, x, l->x[TUI_COL_TASKS] + l->w[TUI_COL_TASKS] - x, buf,
		    tui_theme_attr(TUI_ROLE_STATE_FAILED) | (selected ? A_REVERSE : 0), 0);
	}
	tui_put_clean(y, l->x[TUI_COL_WORKER], l->w[TUI_COL_WORKER], c->worker, base, 1);
	if (c->lag >= 0)
		snprintf(buf, sizeof(buf), "%lld", c->lag);
	else
		snprintf(buf, sizeof(buf), "-");
	tui_put_right(y, l->x[TUI_COL_LAG], l->w[TUI_COL_LAG] - 1, buf, base);
}

static void
conn_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct tui_model *m = &app->model;
	struct layout l;
	long i, rows = height - 1;
	int c;

	layout(&l);
	update_title(app, v);
	tui_fill(top, 0, COLS, tui_theme_attr(TUI_ROLE_TABLE_HEADER));
	for (c = 0; c < TUI_COL_COUNT; c++) {
		char buf[32];
		int sorted = (int)m->sort_col == c;

		snprintf(buf, sizeof(buf), "%s%s", tui_col_name((enum tui_col)c),
		    !sorted ? "" : m->sort_desc ? (app->ascii ? "v" : "\xe2\x86\x93") :
		    (app->ascii ? "^" : "\xe2\x86\x91"));
		if (c == TUI_COL_LAG)
			tui_put_right(top, l.x[c], l.w[c] - 1, buf, tui_theme_attr(sorted ?
			    TUI_ROLE_TABLE_SORT : TUI_ROLE_TABLE_HEADER));
		else
			tui_put(top, l.x[c], l.w[c], buf, tui_theme_attr(sorted ?
			    TUI_ROLE_TABLE_SORT : TUI_ROLE_TABLE_HEADER), 0);
	}
	clamp(v, (long)m->norder, (int)rows);
	v->body_height = (int)rows;
	if (m->norder == 0) {
		const char *what = app->last_ok_ms == 0 ? (app->fetch_error ?
		    "no data: the cluster did not answer" : "loading...") :
		    m->nrows == 0 ? "no connectors" : m->worker != NULL && m->filter == NULL &&
		    !m->failed_only ? "no connector runs on this worker (Esc: all)" :
		    "no connector matches the filter";

		tui_put(top + 2, 2, COLS - 4, what, tui_theme_attr(TUI_ROLE_DIM), 0);
		return;
	}
	for (i = 0; i < rows && v->scroll + i < (long)m->norder; i++) {
		const struct tui_conn *cn = &m->rows[m->order[v->scroll + i]];

		draw_row(app, cn, top + 1 + (int)i, &l, v->scroll + i == v->cursor);
	}
	/* position indicator */
	if ((long)m->norder > rows) {
		char buf[48];

		snprintf(buf, sizeof(buf), " %ld/%zu ", v->cursor + 1, m->norder);
		/* on the breadcrumb line, right-aligned (the table's own rows stay intact) */
		tui_put_right(top - 1, 0, COLS, buf, tui_theme_attr(TUI_ROLE_CRUMBS));
	}
}

static const char *
conn_selected(struct tui_app *app, struct tui_view *v)
{
	struct tui_model *m = &app->model;

	if (v->cursor < 0 || v->cursor >= (long)m->norder)
		return NULL;
	return m->rows[m->order[v->cursor]].name;
}

/* The filter as it was when '/' was pressed (Esc restores it). */
static char *filter_before;
static int filter_before_set;

/* Live: apply each edit that is a valid regex; errors wait for Enter. */
static void
filter_change(struct tui_app *app, const char *text, void *arg)
{
	struct tui_view *v = arg;
	const char *keep = conn_selected(app, v);
	char *k = kc_xstrdup(keep);
	long i;

	if (tui_model_set_filter(&app->model, text, NULL) == 0) {
		i = tui_model_find(&app->model, k);
		v->cursor = i >= 0 ? i : 0;
	}
	free(k);
}

static void
filter_done(struct tui_app *app, const char *text, void *arg)
{
	struct tui_view *v = arg;
	const char *keep = conn_selected(app, v);
	char *k = kc_xstrdup(keep);
	struct kc_err err;

	if (text == NULL) {
		/* cancelled: back to the filter from before */
		if (filter_before_set)
			tui_model_set_filter(&app->model, filter_before, NULL);
		free(filter_before);
		filter_before = NULL;
		filter_before_set = 0;
		free(k);
		return;
	}
	if (filter_before_set && tui_model_set_filter(&app->model, filter_before, NULL) != 0)
		tui_model_set_filter(&app->model, NULL, NULL);
	free(filter_before);
	filter_before = NULL;
	filter_before_set = 0;
	kc_err_clear(&err);
	if (tui_model_set_filter(&app->model, text, &err) != 0)
		tui_msg(app, TUI_MSG_ERROR, "%s", err.msg);
	else {
		long i = tui_model_find(&app->model, k);

		v->cursor = i >= 0 ? i : 0;
		if (app->model.filter != NULL)
			tui_msg(app, TUI_MSG_INFO, "%zu of %zu connectors match %s",
			    app->model.norder, app->model.nrows, app->model.filter);
	}
	free(k);
}

static int
conn_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct tui_model *m = &app->model;
	const char *name = conn_selected(app, v);
	size_t i;
	int r;

	if ((r = tui_scroll_action(v, a, (long)m->norder)) != TUI_R_UNHANDLED)
		return r;
	switch (a) {
	case TUI_A_OPEN:
		if (name != NULL)
			tui_open_detail(app, name);
		return TUI_R_REDRAW;
	case TUI_A_FILTER:
		free(filter_before);
		filter_before = kc_xstrdup(m->filter);
		filter_before_set = 1;
		tui_input_live(app, "filter (regex, ! inverts): ", m->filter ? m->filter : "",
		    filter_done, filter_change, v);
		return TUI_R_REDRAW;
	case TUI_A_SORT_NEXT:
	case TUI_A_SORT_PREV: {
		char *k = kc_xstrdup(name);
		long at;
		int col = (int)m->sort_col + (a == TUI_A_SORT_NEXT ? 1 : -1);

		col = (col + TUI_COL_COUNT) % TUI_COL_COUNT;
		tui_model_set_sort(m, (enum tui_col)col, 0);
		at = tui_model_find(m, k);
		v->cursor = at >= 0 ? at : 0;
		free(k);
		tui_msg(app, TUI_MSG_INFO, "sorted by %s", tui_col_name(m->sort_col));
		return TUI_R_REDRAW;
	}
	case TUI_A_SORT_REVERSE: {
		char *k = kc_xstrdup(name);
		long at;

		tui_model_set_sort(m, m->sort_col, !m->sort_desc);
		at = tui_model_find(m, k);
		v->cursor = at >= 0 ? at : 0;
		free(k);
		return TUI_R_REDRAW;
	}
	case TUI_A_FAILED_ONLY: {
		char *k = kc_xstrdup(name);
		long at;

		tui_model_set_failed_only(m, !m->failed_only);
		at = tui_model_find(m, k);
		v->cursor = at >= 0 ? at : 0;
		free(k);
		tui_msg(app, TUI_MSG_INFO, m->failed_only ?
		    "only failed connectors and connectors with failed tasks (f: all)" :
		    "all connectors");
		return TUI_R_REDRAW;
	}
	case TUI_A_MARK:
		if (name != NULL) {
			m->rows[m->order[v->cursor]].marked ^= 1;
			v->cursor++;
			if (v->cursor >= (long)m->norder)
				v->cursor = (long)m->norder - 1;
		}
		return TUI_R_REDRAW;
	case TUI_A_MARK_ALL:
		for (i = 0; i < m->norder; i++)
			m->rows[m->order[i]].marked = 1;
		tui_msg(app, TUI_MSG_INFO, "%zu connectors marked", m->norder);
		return TUI_R_REDRAW;
	case TUI_A_CLEAR_MARKS:
		for (i = 0; i < m->nrows; i++)
			m->rows[i].marked = 0;
		tui_msg(app, TUI_MSG_INFO, "marks cleared");
		return TUI_R_REDRAW;
	case TUI_A_BACK:
		if (m->filter != NULL || m->failed_only || m->worker != NULL) {
			tui_model_set_filter(m, NULL, NULL);
			tui_model_set_failed_only(m, 0);
			tui_model_set_worker(m, NULL);
			tui_msg(app, TUI_MSG_INFO, "filter cleared (q again to quit)");
			return TUI_R_REDRAW;
		}
		return TUI_R_UNHANDLED;
	default:
		return TUI_R_UNHANDLED;
	}
}

const struct tui_view_ops tui_connectors_ops = {
	.name = "connectors",
	.keymap = TUI_KM_CONNECTORS,
	.fetch = NULL,		/* the listing is fetched by the loop for every view */
	.draw = conn_draw,
	.action = conn_action,
	.done = NULL,
	.selected = conn_selected,
};
