/* tui.c - the console: options, setup, the event loop, header, breadcrumbs, status line.
 *
 * DESIGN: see tui_app.h. The loop is:
 *	submit the periodic listing when due (never more than one in flight)
 *	kc_client_wait(client sockets + stdin + wake-up pipe, until the next tick)
 *	kc_client_perform()       -> callbacks store results, mark the screen dirty
 *	run closures posted by helper threads
 *	read every pending key    -> dialogs, prompt, or the view / generic key tables
 *	redraw when dirty or when a shown age changes (curses sends only the difference)
 * A stopped or slow worker therefore only delays data, never keys. */
#include "tui.h"
#include "tui_app.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#define LISTING_PATH "/connectors?expand=status&expand=info"

static struct tui_app *the_app;
static struct sigaction old_winch;
static volatile sig_atomic_t got_term;
static int curses_on;
static int saved_stderr = -1;

/* While the screen is ours, stderr (librdkafka, libcurl, the library's own warnings) goes to
 * $XDG_STATE_HOME/kcops/console.log instead of scribbling over the screen. */
static void
stderr_to_log(void)
{
	const char *s = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL, *path, *p;
	int fd;

	if (s != NULL && *s == '/')
		dir = kc_xasprintf("%s/kcops", s);
	else if (home != NULL && *home != '\0')
		dir = kc_xasprintf("%s/.local/state/kcops", home);
	if (dir == NULL)
		path = kc_xstrdup("/dev/null");
	else {
		for (p = dir + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		mkdir(dir, 0700);
		path = kc_xasprintf("%s/console.log", dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		fflush(stderr);
		saved_stderr = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	free(path);
	free(dir);
}

static void
stderr_restore(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

/* ---- signals ---------------------------------------------------------------------------- */

static void
wake(struct tui_app *app)
{
	char c = 1;
	ssize_t n;

	n = write(app->wake_wr, &c, 1);
	(void)n;
}

/* SIGWINCH: let ncurses record the size (it queues KEY_RESIZE), then wake the loop. */
static void
on_winch(int sig)
{
	int saved = errno;

	if (old_winch.sa_handler != SIG_DFL && old_winch.sa_handler != SIG_IGN &&
	    old_winch.sa_handler != NULL)
		old_winch.sa_handler(sig);
	if (the_app != NULL)
		wake(the_app);
	errno = saved;
}

static void
on_term(int sig)
{
	int saved = errno;

	(void)sig;
	got_term = 1;
	if (the_app != NULL)
		wake(the_app);
	errno = saved;
}

static void
fatal_hook(void)
{
	if (curses_on) {
		endwin();
		curses_on = 0;
	}
	stderr_restore();
}

/* ---- messages, posts, view stack ------------------------------------------------------ */

void
tui_msg(struct tui_app *app, enum tui_msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(app->msg);
	app->msg = kc_text_sanitize(buf, 0);
	app->msg_kind = kind;
	app->msg_until = kc_mono_ms() + (kind == TUI_MSG_ERROR ? 15000 : 6000);
	app->dirty = 1;
}

void
tui_post(struct tui_app *app, void (*fn)(struct tui_app *, void *), void *arg)
{
	struct tui_post *p = kc_xcalloc(1, sizeof(*p)), **tail;

	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&app->post_lock);
	for (tail = &app->posts; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = p;
	pthread_mutex_unlock(&app->post_lock);
	wake(app);
}

static void
run_posts(struct tui_app *app)
{
	struct tui_post *p, *next;

	pthread_mutex_lock(&app->post_lock);
	p = app->posts;
	app->posts = NULL;
	pthread_mutex_unlock(&app->post_lock);
	for (; p != NULL; p = next) {
		next = p->next;
		p->fn(app, p->arg);
		free(p);
		app->dirty = 1;
	}
}

struct tui_view *
tui_top(struct tui_app *app)
{
	return app->nviews > 0 ? app->views[app->nviews - 1] : NULL;
}

void
tui_push(struct tui_app *app, const struct tui_view_ops *ops, const char *title, void *priv)
{
	struct tui_view *v;

	if (app->nviews == TUI_MAX_VIEWS) {
		tui_msg(app, TUI_MSG_WARN, "too many views open; press q to go back");
		if (ops->done != NULL) {
			struct tui_view tmp = { .ops = ops, .priv = priv };

			ops->done(app, &tmp);
		}
		return;
	}
	v = kc_xcalloc(1, sizeof(*v));
	v->ops = ops;
	v->title = kc_text_sanitize(title, 0);
	v->priv = priv;
	app->views[app->nviews++] = v;
	if (ops->fetch != NULL)
		ops->fetch(app, v);
	app->dirty = 1;
}

static void
view_free(struct tui_app *app, struct tui_view *v)
{
	if (v->ops->done != NULL)
		v->ops->done(app, v);
	free(v->title);
	free(v);
}

void
tui_pop(struct tui_app *app)
{
	if (app->nviews <= 1) {
		app->quit = 1;
		return;
	}
	view_free(app, app->views[--app->nviews]);
	app->dirty = 1;
}

void
tui_reset_views(struct tui_app *app)
{
	while (app->nviews > 1)
		view_free(app, app->views[--app->nviews]);
	if (app->nviews == 0)
		tui_push(app, &tui_connectors_ops, "connectors", NULL);
	app->dirty = 1;
}

int
tui_refuse_readonly(struct tui_app *app, const char *what)
{
	if (!app->read_only)
		return 0;
	tui_msg(app, TUI_MSG_WARN, "read-only context%s%s: %s refused",
	    app->ctx_name ? " " : "", app->ctx_name ? app->ctx_name : "", what);
	return 1;
}

/* ---- requests ------------------------------------------------------------------------ */

static void
req_unlink(struct tui_req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		r->app->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
}

static void
req_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct tui_req *r = arg;

	req_unlink(r);
	r->cb(c, resp, err, r->arg);
	free(r);
}

static int
submit(struct tui_app *app, const char *method, const char *path, const json_t *body,
    kc_client_cb cb, void *arg, int raw)
{
	struct tui_req *r;
	int rc;

	if (app->client == NULL)
		return -1;
	r = kc_xcalloc(1, sizeof(*r));
	r->app = app;
	r->cb = cb;
	r->arg = arg;
	r->next = app->reqs;
	if (app->reqs != NULL)
		app->reqs->prev = r;
	app->reqs = r;
	/* the raw form leaves parsing to the caller (the listing is parsed off this thread) */
	rc = raw ? kc_client_submit_raw(app->client, method, path, req_done, r) :
	    kc_client_submit(app->client, method, path, body, req_done, r);
	if (rc != 0) {
		req_unlink(r);
		free(r);
		return -1;
	}
	return 0;
}

int
tui_submit(struct tui_app *app, const char *method, const char *path, const json_t *body,
    kc_client_cb cb, void *arg)
{
	return submit(app, method, path, body, cb, arg, 0);
}

int
tui_submit_raw(struct tui_app *app, const char *method, const char *path, kc_client_cb cb,
    void *arg)
{
	return submit(app, method, path, NULL, cb, arg, 1);
}

/* The client is gone: every outstanding callback runs once with a "cancelled" error. */
static void
cancel_requests(struct tui_app *app)
{
	struct kc_err err;

	kc_err_set(&err, KC_E_FAIL, "cancelled");
	while (app->reqs != NULL) {
		struct tui_req *r = app->reqs;

		req_unlink(r);
		r->cb(NULL, NULL, &err, r->arg);
		free(r);
	}
}

/* ---- fetching ------------------------------------------------------------------------- */

static void
stats_line(struct tui_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
stats_line(struct tui_app *app, const char *fmt, ...)
{
	va_list ap;

	if (app->stats.fp == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(app->stats.fp, fmt, ap);
	va_end(ap);
	fflush(app->stats.fp);
}

/* Parse "3.7.0" style versions into major*10000+minor*100+patch. */
static int
parse_version(const char *v)
{
	int a = 0, b = 0, c = 0;

	if (v == NULL || sscanf(v, "%d.%d.%d", &a, &b, &c) < 2)
		return 0;
	return a * 10000 + b * 100 + c;
}

static void
info_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct tui_app *app = arg;

	(void)c;
	app->info_inflight = 0;
	if (err != NULL || resp->json == NULL)
		return;
	free(app->version);
	app->version = kc_text_sanitize(kc_json_str_or(resp->json, "version", "?"), 0);
	app->version_num = parse_version(kc_json_str(resp->json, "version"));
	free(app->server_bootstrap);
	app->server_bootstrap = kc_xstrdup(kc_json_str(resp->json, "bootstrap_servers"));
	app->dirty = 1;
}

/* A listing handed to a helper thread: parsed there (the loop thread never parses), the rows
 * come back through tui_post(). */
struct listing_job {
	struct tui_app		*app;
	char			*text;		/* the raw answer (kept as app->live_text) */
	size_t			 len;
	struct tui_conn		*rows;
	size_t			 nrows;
	char			*error;
	int64_t			 parse_us;
	pthread_t		 thread;
	int			 joined;
	unsigned int		 gen;		/* app->conn_gen when submitted */
};

static void
listing_free(struct listing_job *j)
{
	tui_rows_free(j->rows, j->nrows);
	free(j->text);
	free(j->error);
	free(j);
}

/* On the loop thread: install the rows the helper built. */
static void
listing_apply(struct tui_app *app, void *arg)
{
	struct listing_job *j = arg;
	struct tui_view *base = app->nviews > 0 ? app->views[0] : NULL;
	const char *keep = NULL;
	char *keep_copy;
	int64_t t0 = kc_wall_us();

	if (!j->joined)
		pthread_join(j->thread, NULL);
	if (j->gen != app->conn_gen) {
		/* fetched from a context that is gone */
		listing_free(j);
		return;
	}
	app->listing_job = NULL;
	app->list_inflight = 0;
	app->dirty = 1;
	if (j->error != NULL || app->client == NULL) {
		free(app->fetch_error);
		app->fetch_error = kc_text_sanitize(j->error ? j->error : "cancelled", 0);
		stats_line(app, "fetch-error %s\n", app->fetch_error);
		listing_free(j);
		return;
	}
	if (base != NULL && base->ops->selected != NULL)
		keep = base->ops->selected(app, base);
	keep_copy = kc_xstrdup(keep);
	tui_model_replace(&app->model, j->rows, j->nrows);
	j->rows = NULL;
	j->nrows = 0;
	if (base != NULL && keep_copy != NULL) {
		long i = tui_model_find(&app->model, keep_copy);

		if (i >= 0)
			base->cursor = i;
	}
	free(keep_copy);
	free(app->live_text);
	app->live_text = j->text;
	app->live_len = j->len;
	j->text = NULL;
	free(app->fetch_error);
	app->fetch_error = NULL;
	app->last_ok_ms = kc_mono_ms();
	app->fetches++;
	stats_line(app, "fetch %llu rows=%zu bytes=%zu latency_ms=%lld parse_us=%lld "
	    "load_us=%lld\n", (unsigned long long)app->fetches, app->model.nrows, app->live_len,
	    (long long)(app->list_recv_ms - app->list_sent_ms), (long long)j->parse_us,
	    (long long)(kc_wall_us() - t0));
	listing_free(j);
}

static void *
listing_thread(void *arg)
{
	struct listing_job *j = arg;
	struct kc_connector_list *l;
	struct kc_err err;
	int64_t t0 = kc_wall_us();

	kc_err_clear(&err);
	l = kc_connector_list_parse(j->text, j->len, &err);
	if (l != NULL) {
		tui_rows_from_list(l, &j->rows, &j->nrows);
		kc_connector_list_free(l);
	} else {
		/* a worker older than 2.3 answers a plain array of names */
		json_t *names = json_loadb(j->text, j->len, 0, NULL);
		struct tui_model tmp;

		if (json_is_array(names)) {
			tui_model_init(&tmp);
			tui_model_load_names(&tmp, names, &err);
			j->rows = tmp.rows;
			j->nrows = tmp.nrows;
			tmp.rows = NULL;
			tmp.nrows = 0;
			tui_model_free(&tmp);
		} else
			j->error = kc_xasprintf("connector listing: %s", err.msg[0] ? err.msg :
			    "not the expected JSON");
		json_decref(names);
	}
	j->parse_us = kc_wall_us() - t0;
	tui_post(j->app, listing_apply, j);
	return NULL;
}

static void
listing_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct tui_app *app = arg;
	struct listing_job *j;

	(void)c;
	app->list_recv_ms = kc_mono_ms();
	app->dirty = 1;
	if (err != NULL || resp == NULL || resp->body == NULL) {
		app->list_inflight = 0;
		free(app->fetch_error);
		app->fetch_error = kc_text_sanitize(err != NULL && err->msg[0] ? err->msg :
		    "request failed", 0);
		stats_line(app, "fetch-error %s\n", app->fetch_error);
		return;
	}
	j = kc_xcalloc(1, sizeof(*j));
	j->app = app;
	j->text = resp->body;	/* taken (kc_client_submit_raw): no copy of a large listing */
	j->len = resp->len;
	resp->body = NULL;
	j->gen = app->conn_gen;
	if (pthread_create(&j->thread, NULL, listing_thread, j) != 0) {
		app->list_inflight = 0;
		listing_free(j);
		return;
	}
	app->listing_job = j;	/* list_inflight stays set until it is applied */
}

void
tui_fetch_now(struct tui_app *app)
{
	if (app->client == NULL || app->list_inflight)
		return;
	if (tui_submit_raw(app, "GET", LISTING_PATH, listing_done, app) == 0) {
		app->list_inflight = 1;
		app->list_sent_ms = kc_mono_ms();
	}
	if (app->version == NULL && !app->info_inflight &&
	    tui_submit(app, "GET", "/", NULL, info_done, app) == 0)
		app->info_inflight = 1;
	app->next_fetch_ms = kc_mono_ms() + app->refresh_ms;
}

/* ---- contexts and the client -------------------------------------------------------- */

static void
client_trace(void *arg, const char *method, const char *path, long status)
{
	struct tui_app *app = arg;

	stats_line(app, "http %s %s %ld\n", method, path, status);
}

/* Build the client for app->ctx. Returns 0 or -1 with a message. */
static int
connect_ctx(struct tui_app *app)
{
	struct kc_client_opts opts;
	struct kc_err err;

	memset(&opts, 0, sizeof(opts));
	kc_ctx_client_opts(app->ctx, &opts);
	if (opts.timeout_ms == 0 || opts.timeout_ms > 15000)
		opts.timeout_ms = 15000;
	if (opts.connect_timeout_ms == 0)
		opts.connect_timeout_ms = 3000;
	opts.max_retries = 2;
	kc_err_clear(&err);
	app->client = kc_client_new(&opts, &err);
	if (app->client == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s", err.msg);
		return -1;
	}
	if (app->stats.fp != NULL)
		kc_client_set_trace(app->client, client_trace, app);
	app->read_only = app->ctx->read_only || app->ov.read_only;
	free(app->ctx_name);
	app->ctx_name = kc_text_sanitize(app->ctx->name != NULL ? app->ctx->name :
	    (app->ctx->nurls > 0 ? app->ctx->urls[0] : "?"), 0);
	return 0;
}

static void
drop_connection(struct tui_app *app)
{
	tui_lag_stop(app, app->quit || got_term);
	free(app->server_bootstrap);
	app->server_bootstrap = NULL;
	free(app->lag_error);
	app->lag_error = NULL;
	json_decref(app->lag_hist);
	app->lag_hist = NULL;
	kc_client_free(app->client);
	app->client = NULL;
	cancel_requests(app);
	kc_ctx_free(app->ctx);
	app->ctx = NULL;
	tui_model_free(&app->model);
	tui_model_init(&app->model);
	if (app->listing_job != NULL) {
		/* its result is posted; run_posts() or the next loop pass applies and frees it */
		pthread_join(app->listing_job->thread, NULL);
		app->listing_job->joined = 1;
		app->listing_job = NULL;
	}
	app->conn_gen++;
	free(app->live_text);
	app->live_text = NULL;
	app->live_len = 0;
	app->list_inflight = app->info_inflight = 0;
	app->last_ok_ms = 0;
	free(app->version);
	app->version = NULL;
	free(app->fetch_error);
	app->fetch_error = NULL;
}

int
tui_switch_context(struct tui_app *app, const char *name)
{
	struct kc_ctx_overrides ov = app->ov;
	struct kc_ctx *ctx;
	struct kc_err err;

	ov.url = NULL;
	ov.context = name;
	kc_err_clear(&err);
	if ((ctx = kc_ctx_resolve(app->file, &ov, &err)) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s", err.msg);
		return -1;
	}
	drop_connection(app);
	app->ctx = ctx;
	app->ov.url = NULL;
	if (connect_ctx(app) != 0)
		return -1;
	tui_reset_views(app);
	tui_fetch_now(app);
	tui_msg(app, TUI_MSG_INFO, "switched to context %s", app->ctx_name);
	return 0;
}

/* ---- suspend (editor) ------------------------------------------------------------------ */

void
tui_suspend(struct tui_app *app)
{
	(void)app;
	def_prog_mode();
	endwin();
	stderr_restore();	/* the editor owns the terminal, stderr included */
}

void
tui_resume(struct tui_app *app)
{
	stderr_to_log();
	reset_prog_mode();
	refresh();
	app->dirty = 1;
}

/* ---- drawing ---------------------------------------------------------------------------- */

static int
header_age(struct tui_app *app, int64_t now, char *buf, size_t len, int *stale)
{
	char age[32];
	int64_t limit = app->refresh_ms * 2 + 1000;

	*stale = 0;
	if (app->client == NULL) {
		snprintf(buf, len, "no cluster");
		*stale = 1;
		return 0;
	}
	if (app->last_ok_ms == 0) {
		if (app->fetch_error != NULL) {
			snprintf(buf, len, "UNREACHABLE");
			*stale = 1;
		} else
			snprintf(buf, len, "loading...");
		return 0;
	}
	tui_age(now - app->last_ok_ms, age, sizeof(age));
	if (app->fetch_error != NULL || now - app->last_ok_ms > limit) {
		snprintf(buf, len, "STALE %s", age);
		*stale = 1;
	} else
		snprintf(buf, len, "%s ago", age);
	return 1;
}

static void
draw_header(struct tui_app *app, int64_t now)
{
	const struct tui_model *m = &app->model;
	unsigned int lab = tui_theme_attr(TUI_ROLE_HEADER_LABEL);
	unsigned int val = tui_theme_attr(TUI_ROLE_HEADER_VALUE);
	char age[64], buf[64];
	int x = 0, stale, w;

	tui_fill(0, 0, COLS, tui_theme_attr(TUI_ROLE_HEADER));
	tui_fill(1, 0, COLS, tui_theme_attr(TUI_ROLE_HEADER));
	x += tui_put(0, x, COLS - x, " ctx ", lab, 0);
	x += tui_put_clean(0, x, 24, app->ctx_name ? app->ctx_name : "-", val, 0);
	if (app->read_only)
		x += tui_put(0, x, COLS - x, " [read-only]", tui_theme_attr(TUI_ROLE_STATUS_WARN),
		    0);
	if (tui_events_watching(app))	/* the in-console watch (W) runs */
		x += tui_put(0, x, COLS - x, " [watch]", tui_theme_attr(TUI_ROLE_STATE_RESTARTING),
		    0);
	x += tui_put(0, x, COLS - x, "  Connect ", lab, 0);
	x += tui_put_clean(0, x, 12, app->version ? app->version : "?", val, 0);
	x += tui_put(0, x, COLS - x, "  workers ", lab, 0);
	snprintf(buf, sizeof(buf), "%d", m->n_workers);
	x += tui_put(0, x, COLS - x, buf, val, 0);
	header_age(app, now, age, sizeof(age), &stale);
	w = (int)strlen(age) + 2;
	if (x + w < COLS)
		tui_put(0, COLS - w, w, age, tui_theme_attr(stale ? TUI_ROLE_STALE :
		    TUI_ROLE_HEADER_VALUE), 1);

	x = 0;
	snprintf(buf, sizeof(buf), " %zu", m->nrows);
	x += tui_put(1, x, COLS - x, buf, val, 0);
	x += tui_put(1, x, COLS - x, m->nrows == 1 ? " connector  " : " connectors  ", lab, 0);
#define COUNT(n, label, role, always) do { \
	if ((n) || (always)) { \
		snprintf(buf, sizeof(buf), "%s %d  ", label, n); \
		x += tui_put(1, x, COLS - x, buf, (n) ? tui_theme_attr(role) : lab, 0); \
	} \
} while (0)
	COUNT(m->n_running, "running", TUI_ROLE_STATE_RUNNING, 1);
	COUNT(m->n_paused, "paused", TUI_ROLE_STATE_PAUSED, 0);
	COUNT(m->n_stopped, "stopped", TUI_ROLE_STATE_STOPPED, 0);
	COUNT(m->n_failed, "failed", TUI_ROLE_STATE_FAILED, 1);
	COUNT(m->n_degraded, "degraded", TUI_ROLE_STATE_DEGRADED, 0);
	COUNT(m->n_other, "other", TUI_ROLE_STATE_UNASSIGNED, 0);
	snprintf(buf, sizeof(buf), "tasks %d", m->n_tasks);
	x += tui_put(1, x, COLS - x, buf, lab, 0);
	if (m->n_tasks_failed) {
		snprintf(buf, sizeof(buf), " (%d failed)", m->n_tasks_failed);
		x += tui_put(1, x, COLS - x, buf, tui_theme_attr(TUI_ROLE_STATE_FAILED), 0);
	}
#undef COUNT
}

static void
draw_crumbs(struct tui_app *app)
{
	int i, x = 0;

	tui_fill(2, 0, COLS, tui_theme_attr(TUI_ROLE_CRUMBS));
	for (i = 0; i < app->nviews && x < COLS; i++) {
		int active = i == app->nviews - 1;
		unsigned int a = tui_theme_attr(active ? TUI_ROLE_CRUMBS_ACTIVE : TUI_ROLE_CRUMBS);

		x += tui_put(2, x, COLS - x, " ", a, 0);
		x += tui_put_clean(2, x, COLS - x, app->views[i]->title, a, 0);
		x += tui_put(2, x, COLS - x, " ", a, 0);
		if (!active)
			x += tui_put(2, x, COLS - x, ">", tui_theme_attr(TUI_ROLE_CRUMBS), 0);
	}
}

/* Key hints for the status line, generated from the key table. */
static void
draw_hints(struct tui_app *app, struct tui_view *v)
{
	static const enum tui_action hints[] = {
		TUI_A_HELP, TUI_A_PROMPT, TUI_A_FILTER, TUI_A_OPEN, TUI_A_FAILED_ONLY,
		TUI_A_SORT_NEXT, TUI_A_RESTART, TUI_A_TOGGLE_PAUSE, TUI_A_DEPLOY,
		TUI_A_NEXT_SECTION, TUI_A_WATCH_TOGGLE, TUI_A_BACK,
	};
	static const char *const short_names[] = {
		"help", "cmd", "filter", "open", "failed", "sort", "restart", "follow", "apply",
		"section", "watch", "back",
	};
	size_t i;
	int x = 0;
	char key[16], buf[48];

	for (i = 0; i < KC_NITEMS(hints) && x < COLS; i++) {
		tui_keys_for(v->ops->keymap, hints[i], key, sizeof(key));
		if (key[0] == '\0' || tui_keys_lookup(v->ops->keymap, tui_key_parse(key)) !=
		    hints[i])
			continue;
		if (hints[i] == TUI_A_OPEN && v->ops != &tui_connectors_ops &&
		    v->ops != &tui_contexts_ops && v->ops != &tui_exchanges_ops &&
		    v->ops != &tui_events_ops)
			continue;
		if (hints[i] == TUI_A_WATCH_TOGGLE && v->ops != &tui_events_ops)
			continue;
		/* view-specific hints only where they matter (80 columns are few) */
		if (hints[i] == TUI_A_DEPLOY && v->ops != &tui_plan_ops)
			continue;
		if (hints[i] == TUI_A_NEXT_SECTION && v->ops != &tui_detail_ops &&
		    v->ops != &tui_help_ops)
			continue;
		x += tui_put(LINES - 1, x, COLS - x, key, tui_theme_attr(TUI_ROLE_KEY), 0);
		snprintf(buf, sizeof(buf), ":%s  ", short_names[i]);
		x += tui_put(LINES - 1, x, COLS - x, buf, tui_theme_attr(TUI_ROLE_DIM), 0);
	}
	(void)app;
}

static void
draw_status(struct tui_app *app, int64_t now)
{
	struct tui_view *v = tui_top(app);

	tui_fill(LINES - 1, 0, COLS, tui_theme_attr(TUI_ROLE_STATUS));
	if (tui_prompt_active()) {
		tui_prompt_draw(app);
		return;
	}
	if (tui_dialog_active()) {
		tui_dialog_draw(app);
		return;
	}
	if (app->msg != NULL && now < app->msg_until) {
		enum tui_role r = app->msg_kind == TUI_MSG_ERROR ? TUI_ROLE_STATUS_ERROR :
		    app->msg_kind == TUI_MSG_WARN ? TUI_ROLE_STATUS_WARN : TUI_ROLE_STATUS;

		tui_put_clean(LINES - 1, 0, COLS, app->msg, tui_theme_attr(r), 1);
		return;
	}
	if (app->fetch_error != NULL) {
		char buf[600];

		snprintf(buf, sizeof(buf), "error: %s", app->fetch_error);
		tui_put_clean(LINES - 1, 0, COLS, buf, tui_theme_attr(TUI_ROLE_STATUS_ERROR), 1);
		return;
	}
	if (v != NULL)
		draw_hints(app, v);
}

static void
draw(struct tui_app *app)
{
	struct tui_view *v = tui_top(app);
	int64_t now = kc_mono_ms(), t0 = kc_wall_us();
	int height = LINES - 4;

	erase();
	if (LINES < 6 || COLS < 20) {
		tui_put(0, 0, COLS, "too small", A_BOLD, 0);
		tui_put(1, 0, COLS, "for kcops", 0, 0);
		refresh();
		return;
	}
	draw_header(app, now);
	draw_crumbs(app);
	if (v != NULL && v->ops->draw != NULL) {
		v->body_height = height;
		v->ops->draw(app, v, 3, height);
	}
	draw_status(app, now);
	if (!tui_prompt_active() && !tui_dialog_active())
		curs_set(0);
	refresh();
	app->dirty = 0;
	stats_line(app, "draw_us %lld\n", (long long)(kc_wall_us() - t0));
}

/* ---- keys ------------------------------------------------------------------------------- */

static int
generic_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	switch (a) {
	case TUI_A_QUIT:
		return TUI_R_QUIT;
	case TUI_A_BACK:
		if (app->nviews <= 1 && app->last_key == 27) {
			tui_msg(app, TUI_MSG_INFO, "top view: q or Q quits");
			return TUI_R_REDRAW;
		}
		tui_pop(app);
		return app->quit ? TUI_R_QUIT : TUI_R_REDRAW;
	case TUI_A_HELP:
		if (v->ops != &tui_help_ops)
			tui_open_help(app);
		return TUI_R_REDRAW;
	case TUI_A_PROMPT:
		tui_prompt_open(app);
		return TUI_R_REDRAW;
	case TUI_A_REFRESH:
		tui_fetch_now(app);
		if (v->ops->fetch != NULL && app->nviews > 1)
			v->ops->fetch(app, v);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_CONTEXTS:
		tui_open_contexts(app);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_CONNECTORS:
		tui_reset_views(app);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_QUEUES:
		tui_open_queues(app);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_EVENTS:
		tui_open_events(app);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_WORKERS:
		tui_open_workers(app);
		return TUI_R_REDRAW;
	case TUI_A_WATCH_TOGGLE:
		return tui_events_toggle_watch(app);
	case TUI_A_VIEW_PLAN:
	case TUI_A_DEPLOY:
		if (a == TUI_A_DEPLOY && tui_refuse_readonly(app, "deploy"))
			return TUI_R_REDRAW;
		tui_open_plan(app);
		return TUI_R_REDRAW;
	case TUI_A_VIEW_EXCHANGES:
	case TUI_A_TAIL:
	case TUI_A_PAUSE:
	case TUI_A_RESUME:
	case TUI_A_STOP:
	case TUI_A_RESTART:
	case TUI_A_DELETE:
	case TUI_A_EDIT: {
		const char *name = v->ops->selected != NULL ? v->ops->selected(app, v) : NULL;

		if (a == TUI_A_VIEW_EXCHANGES || a == TUI_A_TAIL) {
			if (name == NULL)
				tui_msg(app, TUI_MSG_WARN, "select a connector first");
			else
				tui_open_exchanges(app, name);
			return TUI_R_REDRAW;
		}
		return tui_conn_action(app, a, name);
	}
	default:
		return TUI_R_NONE;
	}
}

static void
handle_key(struct tui_app *app, int key)
{
	struct tui_view *v;
	enum tui_action a;
	int64_t t0 = kc_wall_us();
	int r = TUI_R_UNHANDLED;

	app->dirty = 1;
	if (key == KEY_RESIZE)
		return;
	if (tui_prompt_active()) {
		tui_prompt_key(app, key);
		return;
	}
	if (tui_dialog_active()) {
		tui_dialog_key(app, key);
		return;
	}
	if ((v = tui_top(app)) == NULL)
		return;
	/* a key press dismisses an old message */
	if (app->msg != NULL && kc_mono_ms() > app->msg_until - 4000)
		app->msg_until = 0;
	a = tui_keys_lookup(v->ops->keymap, key);
	app->last_key = key;
	if (a == TUI_A_NONE) {
		char name[16];

		tui_key_name(key, name, sizeof(name));
		tui_msg(app, TUI_MSG_INFO, "key %s is not bound here (? for help)", name);
		return;
	}
	if (v->ops->action != NULL)
		r = v->ops->action(app, v, a);
	if (r & TUI_R_UNHANDLED)
		r = generic_action(app, v, a);
	if (r & TUI_R_QUIT)
		app->quit = 1;
	if (r & TUI_R_REFETCH)
		tui_fetch_now(app);
	stats_line(app, "key %d action=%s us=%lld\n", key, tui_action_name(a),
	    (long long)(kc_wall_us() - t0));
}

/* ---- setup ------------------------------------------------------------------------------ */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kcops [--context NAME | --url URLS] [--config PATH] [--theme NAME]\n"
	    "             [--read-only] [--refresh DURATION] [--state FILE] [--bootstrap HOSTS]\n"
	    "             [--watch-log FILE | --watch-log URL --watch-token-file FILE]\n"
	    "Opens the console. 'kcops help' lists the one-shot commands.\n");
}

static int
apply_keys(struct tui_app *app, char *err, size_t errlen)
{
	const json_t *keys = app->file ? kc_ctx_file_section(app->file, "keys") : NULL;
	const char *spec;
	json_t *val;

	tui_keys_init();
	if (keys == NULL)
		return 0;
	if (json_is_string(keys))
		return tui_keys_parse(json_string_value(keys), "config keys", err, errlen);
	if (!json_is_object(keys)) {
		snprintf(err, errlen, "%s: keys: expected an object {\"KEY\": \"action\"}",
		    kc_ctx_file_path(app->file));
		return -1;
	}
	json_object_foreach((json_t *)keys, spec, val) {
		const char *act = json_is_null(val) ? "none" : json_string_value(val);

		if (act == NULL) {
			snprintf(err, errlen, "%s: keys.%s: expected an action name",
			    kc_ctx_file_path(app->file), spec);
			return -1;
		}
		if (tui_keys_override(spec, act, err, errlen) != 0) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s: %s", kc_ctx_file_path(app->file), err);
			snprintf(err, errlen, "%s", tmp);
			return -1;
		}
	}
	return 0;
}

static void
app_free(struct tui_app *app)
{
	struct tui_post *p, *next;

	app->quit = 1;		/* helper threads are waited for from here on */
	tui_events_free(app);	/* stops the watch and the log follower (their posts are dropped) */
	while (app->nviews > 0)
		view_free(app, app->views[--app->nviews]);
	/* finish what helper threads posted, then cancel what is still in flight */
	run_posts(app);
	drop_connection(app);
	run_posts(app);		/* a listing parsed meanwhile is dropped here */
	tui_dialog_cancel(app);
	while (app->nviews > 0)
		view_free(app, app->views[--app->nviews]);
	kc_ctx_file_free(app->file);
	tui_theme_free(&app->theme);
	tui_keys_free();
	free(app->ctx_name);
	free(app->config_path);
	free(app->state_path);
	free(app->msg);
	for (p = app->posts; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	if (app->wake_rd >= 0)
		close(app->wake_rd);
	if (app->wake_wr >= 0)
		close(app->wake_wr);
	if (app->stats.fp != NULL)
		fclose(app->stats.fp);
	pthread_mutex_destroy(&app->post_lock);
}

static int
make_pipe(struct tui_app *app)
{
	int fds[2];

	if (pipe(fds) != 0)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	app->wake_rd = fds[0];
	app->wake_wr = fds[1];
	return 0;
}

static void
loop(struct tui_app *app)
{
	while (!app->quit && !got_term) {
		struct curl_waitfd extra[2];
		int64_t now = kc_mono_ms(), timeout;
		int key;

		if (app->client != NULL && now >= app->next_fetch_ms) {
			struct tui_view *v = tui_top(app);

			tui_fetch_now(app);
			if (v != NULL && app->nviews > 1 && v->ops->fetch != NULL)
				v->ops->fetch(app, v);
		}
		if (app->client != NULL && now >= app->next_lag_ms && app->last_ok_ms != 0) {
			tui_lag_tick(app);
			app->next_lag_ms = now + (app->refresh_ms > 5000 ? app->refresh_ms : 5000);
		}
		timeout = 1000 - (kc_wall_ms() % 1000);
		if (app->client != NULL && app->next_fetch_ms - now < timeout)
			timeout = app->next_fetch_ms - now;
		if (timeout < 0)
			timeout = 0;
		memset(extra, 0, sizeof(extra));
		extra[0].fd = STDIN_FILENO;
		extra[0].events = CURL_WAIT_POLLIN;
		extra[1].fd = app->wake_rd;
		extra[1].events = CURL_WAIT_POLLIN;
		if (app->client != NULL) {
			kc_client_wait(app->client, extra, 2, (int)timeout);
			kc_client_perform(app->client);
		} else {
			struct pollfd pfd[2] = {
				{ .fd = STDIN_FILENO, .events = POLLIN },
				{ .fd = app->wake_rd, .events = POLLIN },
			};

			poll(pfd, 2, (int)timeout);
		}
		{
			char buf[64];

			while (read(app->wake_rd, buf, sizeof(buf)) > 0)
				;
		}
		run_posts(app);
		while ((key = getch()) != ERR) {
			handle_key(app, key);
			if (app->quit)
				break;
			if (app->dirty && !tui_prompt_active())
				draw(app);
		}
		now = kc_mono_ms();
		if (now / 1000 != app->last_second) {
			app->last_second = now / 1000;
			app->dirty = 1;	/* ages on screen */
		}
		if (app->msg != NULL && app->msg_until != 0 && now >= app->msg_until) {
			app->msg_until = 0;
			app->dirty = 1;
		}
		if (app->dirty && !app->quit)
			draw(app);
	}
}

int
tui_wants(int argc, char **argv)
{
	static const char *const with_value[] = {
		"--context", "--url", "--config", "--theme", "--refresh", "--state", "--bootstrap",
		"--watch-log", "--watch-token-file",
	};
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ok = 0;

		if (strcmp(a, "--read-only") == 0)
			continue;
		for (k = 0; k < KC_NITEMS(with_value); k++) {
			size_t n = strlen(with_value[k]);

			if (strncmp(a, with_value[k], n) == 0 && a[n] == '=') {
				ok = 1;
				break;
			}
			if (strcmp(a, with_value[k]) == 0 && i + 1 < argc) {
				i++;
				ok = 1;
				break;
			}
		}
		if (!ok)
			return 0;
	}
	return 1;
}

int
tui_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "context", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'C' },
		{ "theme", required_argument, NULL, 't' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "state", required_argument, NULL, 's' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "watch-log", required_argument, NULL, 'w' },
		{ "watch-token-file", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tui_app app;
	struct kc_err err;
	struct sigaction sa;
	const char *theme_name = NULL, *nc, *stats;
	char msg[1024];
	int ch, rc = 0;

	memset(&app, 0, sizeof(app));
	app.wake_rd = app.wake_wr = -1;
	app.refresh_ms = 2000;
	pthread_mutex_init(&app.post_lock, NULL);
	tui_model_init(&app.model);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			app.ov.context = optarg;
			break;
		case 'u':
			app.ov.url = optarg;
			break;
		case 'C':
			app.config_path = kc_xstrdup(optarg);
			break;
		case 't':
			theme_name = optarg;
			break;
		case 'r':
			app.ov.read_only = 1;
			break;
		case 'R':
			app.refresh_ms = kc_parse_duration_ms(optarg, 1000);
			if (app.refresh_ms < 200) {
				fprintf(stderr, "kcops: error: --refresh '%s': expected a duration "
				    "of at least 200ms (e.g. 2s)\n", optarg);
				app_free(&app);
				return 2;
			}
			break;
		case 's':
			app.state_path = kc_xstrdup(optarg);
			break;
		case 'b':
			app.ov.bootstrap = optarg;
			break;
		case 'w':
			app.watch_log = optarg;
			break;
		case 'W':
			app.watch_token = optarg;
			break;
		case 'h':
			usage(stdout);
			app_free(&app);
			return 0;
		default:
			fprintf(stderr, "kcops: error: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			app_free(&app);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kcops: error: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		app_free(&app);
		return 2;
	}
	if (app.watch_log != NULL || app.watch_token != NULL) {
		int url = app.watch_log != NULL && (kc_str_has_prefix(app.watch_log, "http://") ||
		    kc_str_has_prefix(app.watch_log, "https://"));

		if (url != (app.watch_token != NULL)) {
			fprintf(stderr, "kcops: error: %s\n", url ? "--watch-log URL (a watch "
			    "service) needs --watch-token-file FILE (its --token-file)" :
			    "--watch-token-file goes with --watch-log URL (a watch service)");
			usage(stderr);
			app_free(&app);
			return 2;
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "kcops: error: the console needs a terminal; use a command "
		    "such as 'kcops get connectors' in scripts\n");
		app_free(&app);
		return 1;
	}
	if ((stats = getenv("KCOPS_TUI_STATS")) != NULL && *stats != '\0')
		app.stats.fp = fopen(stats, "a");

	kc_err_clear(&err);
	app.file = kc_ctx_file_load(app.config_path, &err);
	if (app.file == NULL) {
		fprintf(stderr, "kcops: error: %s\n", err.msg);
		app_free(&app);
		return 1;
	}
	if (apply_keys(&app, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "kcops: error: %s\n", msg);
		app_free(&app);
		return 1;
	}
	kc_err_clear(&err);
	app.ctx = kc_ctx_resolve(app.file, &app.ov, &err);
	if (theme_name == NULL && app.ctx != NULL && app.ctx->theme != NULL)
		theme_name = app.ctx->theme;
	if (theme_name == NULL) {
		const json_t *t = kc_ctx_file_section(app.file, "theme");

		if (json_is_string(t))
			theme_name = json_string_value(t);
	}
	if (tui_theme_load(&app.theme, theme_name, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "kcops: error: %s\n", msg);
		app_free(&app);
		return 1;
	}
	nc = getenv("NO_COLOR");
	app.use_colour = !(nc != NULL && *nc != '\0') &&
	    strcmp(app.theme.name, "monochrome") != 0;
	app.ascii = strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	tui_draw_ascii = app.ascii;
	if (make_pipe(&app) != 0) {
		fprintf(stderr, "kcops: error: pipe: %s\n", strerror(errno));
		app_free(&app);
		return 1;
	}
	if (app.watch_log != NULL && tui_events_follow(&app, app.watch_log, app.watch_token, msg,
	    sizeof(msg)) != 0) {
		fprintf(stderr, "kcops: error: %s\n", msg);
		app_free(&app);
		return 1;
	}

	/* curses */
	stderr_to_log();
	the_app = &app;
	kc_set_fatal_hook(fatal_hook);
	{
		const char *term = getenv("TERM");
		int tierr = 0;

		/* check the terminal description first: initscr() would exit on its own */
		if (term == NULL || *term == '\0' || setupterm(term, STDOUT_FILENO, &tierr) != OK) {
			stderr_restore();
			fprintf(stderr, "kcops: error: unknown terminal type '%s' (set TERM, e.g. "
			    "TERM=xterm)\n", term != NULL ? term : "");
			app_free(&app);
			return 1;
		}
		if (tigetstr("cup") == NULL || tigetstr("cup") == (char *)-1) {
			stderr_restore();
			fprintf(stderr, "kcops: error: terminal '%s' cannot move the cursor; the "
			    "console needs one that can (TERM=xterm, screen, tmux, vt100...)\n", term);
			del_curterm(cur_term);
			app_free(&app);
			return 1;
		}
		del_curterm(cur_term);
		if ((app.screen = newterm(term, stdout, stdin)) == NULL) {
			stderr_restore();
			fprintf(stderr, "kcops: error: cannot initialise the terminal (TERM=%s)\n",
			    term);
			app_free(&app);
			return 1;
		}
		set_term(app.screen);
	}
	curses_on = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	tui_theme_apply(&app.theme, app.use_colour);
	curs_set(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &old_winch);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	tui_prompt_init(&app);

	tui_push(&app, &tui_connectors_ops, "connectors", NULL);
	if (app.ctx == NULL) {
		tui_msg(&app, TUI_MSG_ERROR, "%s", err.msg);
		tui_open_contexts(&app);
	} else if (connect_ctx(&app) == 0) {
		tui_fetch_now(&app);
	}
	draw(&app);
	loop(&app);

	tui_prompt_done(&app);
	endwin();
	curses_on = 0;
	stderr_restore();
	delscreen(app.screen);
	app.screen = NULL;
	sigaction(SIGWINCH, &old_winch, NULL);
	if (app.stats.fp != NULL) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		stats_line(&app, "maxrss_kb %ld\n", ru.ru_maxrss);
	}
	app_free(&app);
	the_app = NULL;
	return rc;
}
