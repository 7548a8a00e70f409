/* tui_view_plan.c - the state-file plan: diff coloured, apply after confirmation, progress.
 *
 * Loading a state file may read a URL or git, and apply makes many REST calls, so both run
 * on a helper thread with its own Connect client; results and progress are posted to the
 * loop thread. The plan is computed against the console's last good listing. */
#include "tui_app.h"
#include "tui_lines.h"

#include <curses.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_state.h"
#include "kc_text.h"
#include "kc_util.h"

enum plan_phase { PH_LOADING, PH_READY, PH_APPLYING, PH_DONE, PH_ERROR };

struct planv {
	struct tui_app		*app;
	enum plan_phase		 phase;
	struct tui_lines	 lines;
	struct kc_state_plan	*plan;
	size_t			 nchanges;
	char			*text;		/* rendered plan or error */
	char			*progress;	/* apply log */
	size_t			 done, total, failed;
	int			 built_cols;
	int			 dirty;
	pthread_t		 thread;
	int			 thread_live;
	int			 closed;
	int			 refs;
	pthread_mutex_t		 lock;
};

static void
planv_unref(struct planv *p)
{
	int last;

	pthread_mutex_lock(&p->lock);
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->lock);
	if (!last)
		return;
	kc_state_plan_free(p->plan);
	tui_lines_free(&p->lines);
	free(p->text);
	free(p->progress);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- planning on a helper thread ---- */

struct plan_job {
	struct planv		*p;
	char			*path;
	char			*live_text;
	size_t			 live_len;
	struct kc_state_plan	*plan;
	char			*text;
	int			 ok;
};

static void
plan_posted(struct tui_app *app, void *arg)
{
	struct plan_job *j = arg;
	struct planv *p = j->p;

	if (p->thread_live) {
		pthread_join(p->thread, NULL);
		p->thread_live = 0;
	}
	if (!p->closed) {
		kc_state_plan_free(p->plan);
		p->plan = j->plan;
		j->plan = NULL;
		free(p->text);
		p->text = j->text;
		j->text = NULL;
		p->phase = j->ok ? PH_READY : PH_ERROR;
		p->nchanges = p->plan != NULL ? kc_state_plan_count(p->plan) : 0;
		p->dirty = 1;
		if (j->ok)
			tui_msg(app, TUI_MSG_INFO, p->nchanges == 0 ?
			    "plan: no changes, the cluster matches the state file" :
			    "plan: %zu change%s; D applies after confirmation", p->nchanges,
			    p->nchanges == 1 ? "" : "s");
	}
	kc_state_plan_free(j->plan);
	free(j->text);
	free(j->path);
	free(j->live_text);
	free(j);
	planv_unref(p);
}

static void *
plan_thread(void *arg)
{
	struct plan_job *j = arg;
	struct kc_err err;
	struct kc_state *st;
	struct kc_state_plan_opts o;
	struct kc_buf b;

	kc_err_clear(&err);
	kc_buf_init(&b);
	st = kc_state_load(j->path, NULL, &err);
	if (st == NULL) {
		kc_buf_printf(&b, "%s\n", err.msg);
	} else if (kc_state_ndiags(st) > 0) {
		kc_buf_printf(&b, "The state file has errors:\n\n");
		kc_state_diags_text(st, &b);
	} else {
		json_t *live = kc_json_parse(j->live_text, j->live_len, 0, &err);

		memset(&o, 0, sizeof(o));
		j->plan = live == NULL ? NULL : kc_state_plan_new(st, live, &o, &err);
		json_decref(live);
		if (j->plan == NULL)
			kc_buf_printf(&b, "%s\n", err.msg);
		else {
			kc_state_plan_text(j->plan, &b, 0);
			j->ok = 1;
		}
	}
	kc_state_free(st);
	j->text = kc_buf_steal(&b);
	tui_post(j->p->app, plan_posted, j);
	return NULL;
}

static void
start_plan(struct tui_app *app, struct planv *p)
{
	struct plan_job *j;

	if (p->thread_live)
		return;
	if (app->state_path == NULL) {
		p->phase = PH_ERROR;
		free(p->text);
		p->text = kc_xstrdup("No state file. Start kcops with --state FILE (a path, -, "
		    "git:REF:PATH or a URL) to see its plan here.");
		p->dirty = 1;
		return;
	}
	if (app->live_text == NULL) {
		p->phase = PH_LOADING;
		free(p->text);
		p->text = kc_xstrdup("Waiting for the connector listing...");
		p->dirty = 1;
		return;
	}
	j = kc_xcalloc(1, sizeof(*j));
	j->p = p;
	j->path = kc_xstrdup(app->state_path);
	j->live_text = kc_xstrndup(app->live_text, app->live_len);
	j->live_len = app->live_len;
	p->refs++;
	p->phase = PH_LOADING;
	if (pthread_create(&p->thread, NULL, plan_thread, j) != 0) {
		p->refs--;
		free(j->path);
		free(j->live_text);
		free(j);
		tui_msg(app, TUI_MSG_ERROR, "cannot start planning");
		return;
	}
	p->thread_live = 1;
}

/* ---- apply on a helper thread ---- */

struct exec_req {
	kc_state_done_fn done;
	void		*done_arg;
};

struct apply_job {
	struct planv		*p;
	struct kc_client	*client;
	char			*report;
	size_t			 nfailed;
};

static void
exec_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct exec_req *r = arg;

	(void)c;
	r->done(r->done_arg, resp != NULL ? (int)resp->status : 0,
	    resp != NULL && resp->body != NULL ? resp->body : "",
	    err != NULL && (resp == NULL || resp->status == 0) ? err->msg : NULL);
	free(r);
}

static int
exec_submit(void *arg, const char *method, const char *path, const char *body,
    kc_state_done_fn done, void *done_arg)
{
	struct apply_job *j = arg;
	struct exec_req *r = kc_xcalloc(1, sizeof(*r));
	json_t *jb = NULL;
	int rc;

	r->done = done;
	r->done_arg = done_arg;
	if (body != NULL)
		jb = json_loads(body, 0, NULL);
	rc = kc_client_submit(j->client, method, path, jb, exec_cb, r);
	json_decref(jb);
	if (rc != 0)
		free(r);
	return rc;
}

static void
exec_run(void *arg)
{
	struct apply_job *j = arg;

	while (kc_client_pending(j->client) > 0) {
		kc_client_wait(j->client, NULL, 0, 200);
		kc_client_perform(j->client);
	}
}

struct progress_msg {
	struct planv	*p;
	size_t		 done, total;
	char		*line;
	int		 failed;
};

static void
progress_posted(struct tui_app *app, void *arg)
{
	struct progress_msg *m = arg;
	struct planv *p = m->p;

	(void)app;
	if (!p->closed) {
		char *old = p->progress;

		p->done = m->done;
		p->total = m->total;
		if (m->failed)
			p->failed++;
		p->progress = kc_xasprintf("%s%s\n", old != NULL ? old : "", m->line);
		free(old);
		p->dirty = 1;
	}
	free(m->line);
	free(m);
	planv_unref(p);
}

static void
on_progress(void *arg, size_t done, size_t total, const struct kc_state_step *step,
    const char *error)
{
	struct apply_job *j = arg;
	struct progress_msg *m = kc_xcalloc(1, sizeof(*m));
	struct kc_buf b;

	kc_buf_init(&b);
	kc_buf_puts(&b, error == NULL ? "ok    " : "FAIL  ");
	kc_state_step_line(step, &b);
	if (error != NULL)
		kc_buf_printf(&b, ": %s", error);
	m->p = j->p;
	m->done = done;
	m->total = total;
	m->failed = error != NULL;
	m->line = kc_buf_steal(&b);
	pthread_mutex_lock(&j->p->lock);
	j->p->refs++;
	pthread_mutex_unlock(&j->p->lock);
	tui_post(j->p->app, progress_posted, m);
}

static void
apply_posted(struct tui_app *app, void *arg)
{
	struct apply_job *j = arg;
	struct planv *p = j->p;

	if (p->thread_live) {
		pthread_join(p->thread, NULL);
		p->thread_live = 0;
	}
	kc_client_free(j->client);
	if (!p->closed) {
		char *old = p->progress;

		p->progress = kc_xasprintf("%s\n%s", old != NULL ? old : "", j->report);
		free(old);
		p->phase = PH_DONE;
		p->dirty = 1;
		tui_msg(app, j->nfailed ? TUI_MSG_ERROR : TUI_MSG_INFO,
		    "apply finished: %zu step%s, %zu failed", p->total, p->total == 1 ? "" : "s",
		    j->nfailed);
		tui_fetch_now(app);
	}
	free(j->report);
	free(j);
	planv_unref(p);
}

static void *
apply_thread(void *arg)
{
	struct apply_job *j = arg;
	struct kc_state_exec ex = { .arg = j, .submit = exec_submit, .run = exec_run };
	struct kc_state_apply_opts o;
	struct kc_state_report *r;
	struct kc_buf b;

	memset(&o, 0, sizeof(o));
	o.progress = on_progress;
	o.progress_arg = j;
	r = kc_state_apply(j->p->plan, &ex, &o);
	kc_buf_init(&b);
	kc_state_report_text(r, &b);
	j->report = kc_buf_steal(&b);
	j->nfailed = kc_state_report_nfailed(r);
	kc_state_report_free(r);
	tui_post(j->p->app, apply_posted, j);
	return NULL;
}

static void
apply_confirmed(struct tui_app *app, int choice, void *arg)
{
	struct planv *p = arg;
	struct kc_client_opts opts;
	struct apply_job *j;
	struct kc_err err;

	if (choice != 0 || p->closed || p->plan == NULL || app->ctx == NULL) {
		if (choice != 0)
			tui_msg(app, TUI_MSG_INFO, "apply cancelled");
		planv_unref(p);
		return;
	}
	memset(&opts, 0, sizeof(opts));
	kc_ctx_client_opts(app->ctx, &opts);
	kc_err_clear(&err);
	j = kc_xcalloc(1, sizeof(*j));
	j->p = p;
	if ((j->client = kc_client_new(&opts, &err)) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s", err.msg);
		free(j);
		planv_unref(p);
		return;
	}
	p->phase = PH_APPLYING;
	p->done = p->failed = 0;
	p->total = p->nchanges;
	free(p->progress);
	p->progress = NULL;
	p->dirty = 1;
	/* the reference taken for the menu now belongs to the job */
	if (pthread_create(&p->thread, NULL, apply_thread, j) != 0) {
		kc_client_free(j->client);
		free(j);
		p->phase = PH_READY;
		tui_msg(app, TUI_MSG_ERROR, "cannot start apply");
		planv_unref(p);
		return;
	}
	p->thread_live = 1;
}

/* ---- the view ---- */

static enum tui_role
line_role(const char *s)
{
	while (*s == ' ')
		s++;
	if (*s == '+')
		return TUI_ROLE_DIFF_ADD;
	if (*s == '-')
		return TUI_ROLE_DIFF_REMOVE;
	if (*s == '~')
		return TUI_ROLE_DIFF_CHANGE;
	if (strncmp(s, "FAIL", 4) == 0)
		return TUI_ROLE_STATE_FAILED;
	return TUI_ROLE_NORMAL;
}

static void
add_text(struct tui_lines *l, const char *text)
{
	char *copy = kc_xstrdup(text), *line, *next;

	for (line = copy; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (next == NULL && *line == '\0')
			break;
		tui_lines_add(l, line_role(line), 4, COLS - 3, line);
	}
	free(copy);
}

static void
build(struct tui_app *app, struct planv *p)
{
	struct tui_lines *l = &p->lines;
	char buf[256];

	tui_lines_free(l);
	tui_lines_init(l);
	snprintf(buf, sizeof(buf), "Plan: %s against %s", app->state_path ? app->state_path :
	    "(no state file)", app->ctx_name ? app->ctx_name : "?");
	tui_lines_section(l, buf);
	if (p->phase == PH_LOADING)
		tui_lines_add(l, TUI_ROLE_DIM, 0, 0, p->text ? p->text : "planning...");
	else if (p->text != NULL)
		add_text(l, p->text);
	if (p->phase == PH_APPLYING || p->phase == PH_DONE) {
		int barw = COLS - 30, fill;
		char *bar;

		if (barw < 10)
			barw = 10;
		fill = p->total > 0 ? (int)((size_t)barw * p->done / p->total) : barw;
		bar = kc_xcalloc((size_t)barw + 1, 1);
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(barw - fill));
		tui_lines_add(l, TUI_ROLE_NORMAL, 0, 0, "");
		snprintf(buf, sizeof(buf), "Apply %s", p->phase == PH_DONE ? "(finished)" :
		    "(running)");
		tui_lines_section(l, buf);
		tui_lines_addf(l, p->failed ? TUI_ROLE_STATE_FAILED : TUI_ROLE_STATE_RUNNING,
		    "[%s] %zu/%zu", bar, p->done, p->total);
		free(bar);
		if (p->progress != NULL)
			add_text(l, p->progress);
	}
	p->built_cols = COLS;
	p->dirty = 0;
}

static void
plan_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct planv *p = v->priv;

	if (p->dirty || p->built_cols != COLS)
		build(app, p);
	if (v->cursor >= (long)p->lines.n)
		v->cursor = (long)p->lines.n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + height)
		v->scroll = v->cursor - height + 1;
	tui_lines_draw(&p->lines, top, height, v->scroll, v->cursor, v->hscroll);
}

static int
plan_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct planv *p = v->priv;
	int r;

	if ((r = tui_scroll_action(v, a, (long)p->lines.n)) != TUI_R_UNHANDLED)
		return r;
	switch (a) {
	case TUI_A_DEPLOY:
	case TUI_A_OPEN: {
		static const char *const items[] = { "yyes, apply", "nno" };
		char *title;

		if (tui_refuse_readonly(app, "apply"))
			return TUI_R_REDRAW;
		if (p->phase == PH_APPLYING) {
			tui_msg(app, TUI_MSG_WARN, "apply is running");
			return TUI_R_REDRAW;
		}
		if (p->phase == PH_DONE) {
			/* plan again against the fresh listing */
			start_plan(app, p);
			return TUI_R_REDRAW;
		}
		if (p->phase != PH_READY || p->nchanges == 0) {
			tui_msg(app, TUI_MSG_INFO, "nothing to apply");
			return TUI_R_REDRAW;
		}
		title = kc_xasprintf("apply %zu change%s to %s?", p->nchanges,
		    p->nchanges == 1 ? "" : "s", app->ctx_name ? app->ctx_name : "?");
		p->refs++;
		tui_menu(app, title, items, 2, apply_confirmed, p);
		free(title);
		return TUI_R_REDRAW;
	}
	case TUI_A_REFRESH:
		if (p->phase != PH_APPLYING)
			start_plan(app, p);
		return TUI_R_UNHANDLED;
	default:
		return TUI_R_UNHANDLED;
	}
}

static void
plan_fetch(struct tui_app *app, struct tui_view *v)
{
	struct planv *p = v->priv;

	/* the first plan waits for a listing; later ones only on request (C-r) */
	if (p->phase == PH_LOADING && !p->thread_live)
		start_plan(app, p);
}

static void
plan_done(struct tui_app *app, struct tui_view *v)
{
	struct planv *p = v->priv;

	(void)app;
	p->closed = 1;
	if (p->thread_live) {
		/* let the thread finish: its post frees what it holds */
		pthread_join(p->thread, NULL);
		p->thread_live = 0;
	}
	planv_unref(p);
}

const struct tui_view_ops tui_plan_ops = {
	.name = "plan",
	.keymap = TUI_KM_PLAN,
	.fetch = plan_fetch,
	.draw = plan_draw,
	.action = plan_action,
	.done = plan_done,
};

void
tui_open_plan(struct tui_app *app)
{
	struct planv *p = kc_xcalloc(1, sizeof(*p));

	p->app = app;
	p->refs = 1;
	p->dirty = 1;
	p->phase = PH_LOADING;
	pthread_mutex_init(&p->lock, NULL);
	tui_lines_init(&p->lines);
	tui_push(app, &tui_plan_ops, "plan", p);
}
