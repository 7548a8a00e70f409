/* tui_view_misc.c - help (generated from the key tables), text output, contexts. */
#include "tui_app.h"
#include "tui_lines.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

/* ---- text-like views share this ---- */

struct textv {
	struct tui_lines lines;
	char		*raw;		/* text to wrap again on resize (NULL for help) */
	int		 built_cols;
	enum tui_keymap	 for_map;	/* help: the key table described */
	void		(*rebuild)(struct tui_app *, struct textv *);
};

static void
text_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct textv *t = v->priv;

	if (t->built_cols != COLS && t->rebuild != NULL) {
		tui_lines_free(&t->lines);
		tui_lines_init(&t->lines);
		t->rebuild(app, t);
		t->built_cols = COLS;
	}
	if (v->cursor >= (long)t->lines.n)
		v->cursor = (long)t->lines.n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + height)
		v->scroll = v->cursor - height + 1;
	tui_lines_draw(&t->lines, top, height, v->scroll, v->cursor, v->hscroll);
}

static int
text_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct textv *t = v->priv;
	long next;

	(void)app;
	if (a == TUI_A_NEXT_SECTION) {
		if ((next = tui_lines_next_section(&t->lines, v->cursor)) >= 0)
			v->cursor = v->scroll = next;
		return TUI_R_REDRAW;
	}
	if (a == TUI_A_OPEN)
		return TUI_R_NONE;
	return tui_scroll_action(v, a, (long)t->lines.n);
}

static void
text_done(struct tui_app *app, struct tui_view *v)
{
	struct textv *t = v->priv;

	(void)app;
	tui_lines_free(&t->lines);
	free(t->raw);
	free(t);
}

const struct tui_view_ops tui_text_ops = {
	.name = "output",
	.keymap = TUI_KM_OUTPUT,
	.draw = text_draw,
	.action = text_action,
	.done = text_done,
};

const struct tui_view_ops tui_help_ops = {
	.name = "help",
	.keymap = TUI_KM_HELP,
	.draw = text_draw,
	.action = text_action,
	.done = text_done,
};

static void
text_rebuild(struct tui_app *app, struct textv *t)
{
	(void)app;
	tui_lines_add(&t->lines, TUI_ROLE_NORMAL, 2, COLS - 4, t->raw);
}

void
tui_open_text(struct tui_app *app, const char *title, char *text)
{
	struct textv *t = kc_xcalloc(1, sizeof(*t));

	tui_lines_init(&t->lines);
	t->raw = text;
	t->rebuild = text_rebuild;
	tui_push(app, &tui_text_ops, title, t);
}

/* ---- help ---- */

static void
help_rebuild(struct tui_app *app, struct textv *t)
{
	static const char *const groups[] = { "Connector", "Table", "Views", "Move", "Stream" };
	const struct tui_binding *b;
	size_t nb, g, i, j;

	(void)app;
	tui_lines_add(&t->lines, TUI_ROLE_DIM, 0, COLS - 4,
	    "Keys for this view, then the ones that work everywhere. Override them in the "
	    "\"keys\" section of the config file, e.g. \"keys\": {\"P\": \"pause\", "
	    "\"connectors:x\": \"none\"}.");
	b = tui_keys_all(&nb);
	for (g = 0; g < KC_NITEMS(groups); g++) {
		int shown = 0;

		for (i = 0; i < nb; i++) {
			char key[16], keys[64];
			enum tui_action a = b[i].action;
			int dup = 0;

			if (strcmp(tui_action_group(a), groups[g]) != 0)
				continue;
			if (b[i].map != t->for_map && b[i].map != TUI_KM_GENERIC)
				continue;
			/* shadowed by the view's own table? */
			if (tui_keys_lookup(t->for_map, b[i].key) != a)
				continue;
			/* one line per action: list every key bound to it */
			for (j = 0; j < i; j++)
				if (b[j].action == a && (b[j].map == t->for_map ||
				    b[j].map == TUI_KM_GENERIC) &&
				    tui_keys_lookup(t->for_map, b[j].key) == a)
					dup = 1;
			if (dup)
				continue;
			keys[0] = '\0';
			for (j = i; j < nb; j++)
				if (b[j].action == a && (b[j].map == t->for_map ||
				    b[j].map == TUI_KM_GENERIC) &&
				    tui_keys_lookup(t->for_map, b[j].key) == a) {
					tui_key_name(b[j].key, key, sizeof(key));
					if (keys[0] != '\0')
						strncat(keys, " ", sizeof(keys) - strlen(keys) - 1);
					strncat(keys, key, sizeof(keys) - strlen(keys) - 1);
				}
			if (!shown) {
				tui_lines_add(&t->lines, TUI_ROLE_NORMAL, 0, 0, "");
				tui_lines_section(&t->lines, groups[g]);
				shown = 1;
			}
			{
				char *help = kc_xasprintf("%s%s", tui_action_help(a),
				    tui_action_mutates(a) && app->read_only ?
				    " (refused: read-only)" : "");

				tui_lines_kv(&t->lines, keys, TUI_ROLE_KEY, help, TUI_ROLE_NORMAL,
				    COLS - 20);
				free(help);
			}
		}
	}
	tui_lines_add(&t->lines, TUI_ROLE_NORMAL, 0, 0, "");
	tui_lines_section(&t->lines, "Command prompt");
	tui_lines_add(&t->lines, TUI_ROLE_NORMAL, 2, COLS - 4,
	    ": runs the same commands as the command line (e.g. \"get connectors\", "
	    "\"restart NAME --tasks failed\"), plus the view names connectors, contexts, "
	    "exchanges NAME, queues, plan, workers, help and quit. Tab completes commands and "
	    "connector names; Up/Down walk the history (saved in the XDG state directory).");
}

void
tui_open_help(struct tui_app *app)
{
	struct textv *t = kc_xcalloc(1, sizeof(*t));
	struct tui_view *top = tui_top(app);

	tui_lines_init(&t->lines);
	t->for_map = top != NULL ? top->ops->keymap : TUI_KM_CONNECTORS;
	t->rebuild = help_rebuild;
	tui_push(app, &tui_help_ops, "help", t);
}

/* ---- contexts ---- */

struct ctxv {
	char	**names;
	size_t	  n;
};

static void
ctx_load(struct tui_app *app, struct ctxv *c)
{
	const json_t *all = app->file ? kc_ctx_file_contexts(app->file) : NULL;
	const char *name;
	json_t *v;
	size_t i = 0;

	c->n = json_object_size(all);
	c->names = kc_xcalloc(c->n + 1, sizeof(*c->names));
	json_object_foreach((json_t *)all, name, v)
		c->names[i++] = kc_xstrdup(name);
	c->n = i;
}

static void
ctx_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct ctxv *c = v->priv;
	const json_t *all = app->file ? kc_ctx_file_contexts(app->file) : NULL;
	const char *cur = app->ctx != NULL ? app->ctx->name : NULL;
	size_t i;

	tui_fill(top, 0, COLS, tui_theme_attr(TUI_ROLE_TABLE_HEADER));
	tui_put(top, 2, 20, "CONTEXT", tui_theme_attr(TUI_ROLE_TABLE_HEADER), 0);
	tui_put(top, 23, COLS - 40, "URL", tui_theme_attr(TUI_ROLE_TABLE_HEADER), 0);
	tui_put(top, COLS - 16, 16, "MODE", tui_theme_attr(TUI_ROLE_TABLE_HEADER), 0);
	if (c->n == 0) {
		char *p = app->file ? kc_xstrdup(kc_ctx_file_path(app->file)) :
		    kc_xstrdup("the config file");

		tui_putf(top + 2, 2, COLS - 4, tui_theme_attr(TUI_ROLE_DIM), "No contexts in %s.",
		    p);
		tui_put(top + 3, 2, COLS - 4, "Add one with ':context add NAME --url URL', then "
		    "Esc and 1.", tui_theme_attr(TUI_ROLE_DIM), 0);
		free(p);
		return;
	}
	if (v->cursor >= (long)c->n)
		v->cursor = (long)c->n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->cursor >= v->scroll + height - 1)
		v->scroll = v->cursor - height + 2;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	for (i = (size_t)v->scroll; i < c->n && (long)(i - (size_t)v->scroll) < height - 1;
	    i++) {
		const json_t *ctx = json_object_get(all, c->names[i]);
		const json_t *urls = json_object_get(ctx, "urls");
		const char *url = kc_json_str(ctx, "url");
		int y = top + 1 + (int)(i - (size_t)v->scroll), sel = (long)i == v->cursor;
		unsigned int a = tui_theme_attr(sel ? TUI_ROLE_SELECTION : TUI_ROLE_NORMAL);
		int ro = json_is_true(json_object_get(ctx, "read_only"));

		if (url == NULL && json_array_size(urls) > 0)
			url = json_string_value(json_array_get(urls, 0));
		tui_fill(y, 0, COLS, a);
		tui_put(y, 0, 2, kc_str_eq(cur, c->names[i]) ? "*" : " ", a, 0);
		tui_put(y, 2, 20, c->names[i], a, 1);
		tui_put(y, 23, COLS - 40, url != NULL ? url : "-", a, 1);
		tui_put(y, COLS - 16, 16, ro ? "read-only" : "read-write",
		    ro && !sel ? tui_theme_attr(TUI_ROLE_STATUS_WARN) : a, 0);
	}
}

static int
ctx_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct ctxv *c = v->priv;
	int r;

	if ((r = tui_scroll_action(v, a, (long)c->n)) != TUI_R_UNHANDLED)
		return r;
	if (a == TUI_A_OPEN) {
		if (v->cursor >= 0 && (size_t)v->cursor < c->n) {
			char *name = kc_xstrdup(c->names[v->cursor]);

			tui_switch_context(app, name);	/* pops this view */
			free(name);
		}
		return TUI_R_REDRAW;
	}
	return TUI_R_UNHANDLED;
}

static void
ctx_done(struct tui_app *app, struct tui_view *v)
{
	struct ctxv *c = v->priv;
	size_t i;

	(void)app;
	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c);
}

const struct tui_view_ops tui_contexts_ops = {
	.name = "contexts",
	.keymap = TUI_KM_CONTEXTS,
	.draw = ctx_draw,
	.action = ctx_action,
	.done = ctx_done,
};

void
tui_open_contexts(struct tui_app *app)
{
	struct ctxv *c = kc_xcalloc(1, sizeof(*c));
	struct tui_view *top;
	struct kc_ctx_file *f;
	struct kc_err err;
	size_t i;

	/* re-read the file: ':context add' or another shell may have changed it */
	kc_err_clear(&err);
	if ((f = kc_ctx_file_load(app->config_path, &err)) != NULL) {
		kc_ctx_file_free(app->file);
		app->file = f;
	} else
		tui_msg(app, TUI_MSG_ERROR, "%s", err.msg);
	ctx_load(app, c);
	tui_push(app, &tui_contexts_ops, "contexts", c);
	top = tui_top(app);
	if (top != NULL && top->ops == &tui_contexts_ops && app->ctx != NULL)
		for (i = 0; i < c->n; i++)
			if (kc_str_eq(app->ctx->name, c->names[i]))
				top->cursor = (long)i;
}
