/* tui_view_events.c - the events view: what `kcops watch` noticed (failed, restarted,
 * gave_up, recovered, drift, outage, ...), newest first.
 *
 * DESIGN: two sources feed one list kept on the loop thread (app->events):
 *  - --watch-log FILE: a helper thread follows another process's NDJSON event log with
 *    kc_watch_log_read() every 500 ms; --watch-log http://HOST:PORT (with
 *    --watch-token-file) long-polls a `kcops watch --listen` service's GET /events instead
 *    (a transfer is abandoned at once when the console quits: curl's progress callback);
 *  - the W toggle: a helper thread runs kc_watch_run() on the current context (auto-restart
 *    with the watch's default policy) and its on_event callback copies each event.
 * Helper threads never touch the list: they hand events over with tui_post(), which wakes the
 * loop through its pipe. Stopping the in-console watch asks it to stop and returns at once;
 * the thread posts its own end, and only then is it joined (so the keyboard never waits for
 * a Connect request in flight). Every string shown passes through the sanitising draw
 * helpers; Enter opens the whole event as JSON in a text view (sanitised there). */
#include <curl/curl.h>
#include <curses.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"
#include "kc_watch.h"
#include "tui_app.h"

#define EVENTS_MAX	2000	/* kept in memory, oldest dropped */
#define FOLLOW_MS	500

struct tui_events {
	json_t		*list;		/* events, oldest first; each has "_src": "log"/"watch" */
	uint64_t	 seen;		/* events received (the view keeps its place) */

	/* --watch-log follower */
	char		*log_path;	/* a file, or a watch service's URL */
	char		*auth;		/* "Authorization: Bearer ..." for a URL */
	pthread_t	 follow_thread;
	int		 follow_started;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 follow_stop;	/* under lock */
	char		*follow_error;	/* last read error shown (loop thread) */

	/* in-console watch */
	struct kc_watch	*watch;
	struct kc_ctx	*watch_ctx;
	pthread_t	 watch_thread;
	int		 watch_running;	/* thread started and not joined */
	int		 watch_stopping;
	char		*watch_ctx_name;
};

struct ev_batch {
	json_t		*events;	/* array (new reference) */
	const char	*src;
	char		*error;		/* or a read error */
};

static struct tui_events *
events_get(struct tui_app *app)
{
	struct tui_events *e = app->events;

	if (e == NULL) {
		e = kc_xcalloc(1, sizeof(*e));
		e->list = json_array();
		pthread_mutex_init(&e->lock, NULL);
		pthread_cond_init(&e->cond, NULL);
		app->events = e;
	}
	return e;
}

/* On the loop thread: append a batch. */
static void
batch_apply(struct tui_app *app, void *arg)
{
	struct ev_batch *b = arg;
	struct tui_events *e;
	size_t i, n;
	json_t *ev;

	if (app->quit || app->events == NULL) {	/* quitting: drop */
		json_decref(b->events);
		free(b->error);
		free(b);
		return;
	}
	e = app->events;
	if (b->error != NULL) {
		if (e->follow_error == NULL || strcmp(e->follow_error, b->error) != 0) {
			tui_msg(app, TUI_MSG_WARN, "watch log: %s", b->error);
			free(e->follow_error);
			e->follow_error = b->error;
			b->error = NULL;
		}
	} else if (json_array_size(b->events) > 0 && e->follow_error != NULL &&
	    strcmp(b->src, "log") == 0) {
		free(e->follow_error);
		e->follow_error = NULL;
	}
	json_array_foreach(b->events, i, ev) {
		if (!json_is_object(ev))
			continue;
		json_object_set_new(ev, "_src", json_string(b->src));
		json_array_append(e->list, ev);
		e->seen++;
	}
	n = json_array_size(e->list);
	while (n > EVENTS_MAX) {
		json_array_remove(e->list, 0);
		n--;
	}
	json_decref(b->events);
	free(b->error);
	free(b);
	app->dirty = 1;
}

/* ---- --watch-log follower --------------------------------------------------------------- */

static int
follow_stopped(struct tui_events *e)
{
	int stop;

	pthread_mutex_lock(&e->lock);
	stop = e->follow_stop;
	pthread_mutex_unlock(&e->lock);
	return stop;
}

static size_t
collect(char *p, size_t sz, size_t nm, void *arg)
{
	kc_buf_append(arg, p, sz * nm);
	return sz * nm;
}

/* curl progress callback: abandon the transfer when the console quits. */
static int
progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return follow_stopped(arg);
}

/* One GET /events?since=N[&wait=..] of a watch service: new events, or NULL with err. */
static json_t *
service_read(struct tui_events *e, CURL *h, struct curl_slist *hdr, int64_t *since,
    int first, struct kc_err *err)
{
	const char *base = e->log_path;
	struct kc_buf body;
	json_t *doc, *evs;
	long status = 0;
	CURLcode cr;
	char *u;

	kc_buf_init(&body);
	u = kc_xasprintf("%s%sevents?since=%lld%s", base, kc_str_has_suffix(base, "/") ? "" :
	    "/", (long long)*since, first ? "" : "&wait=5s");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, u);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, e);
	cr = curl_easy_perform(h);
	free(u);
	if (cr == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK || status != 200) {
		if (cr != CURLE_OK)
			kc_err_set(err, KC_E_IO, "%s: %s", base, curl_easy_strerror(cr));
		else
			kc_err_set(err, KC_E_IO, "%s: HTTP %ld %.200s", base, status,
			    kc_buf_str(&body));
		kc_buf_free(&body);
		return NULL;
	}
	doc = kc_json_parse(kc_buf_str(&body), body.len, 0, err);
	kc_buf_free(&body);
	if (doc == NULL)
		return NULL;
	*since = kc_json_int_or(doc, "next", *since);
	evs = json_incref(json_object_get(doc, "events"));
	json_decref(doc);
	if (!json_is_array(evs)) {
		json_decref(evs);
		evs = json_array();
	}
	return evs;
}

static void *
follow_main(void *arg)
{
	struct tui_app *app = arg;
	struct tui_events *e = app->events;
	int64_t off = 0;
	struct timespec ts;
	int url = e->auth != NULL, first = 1;
	struct curl_slist *hdr = NULL;
	CURL *h = NULL;

	if (url) {
		hdr = curl_slist_append(NULL, e->auth);
		h = curl_easy_init();
	}
	for (;;) {
		struct kc_err err;
		json_t *evs;

		kc_err_clear(&err);
		if (url)
			evs = service_read(e, h, hdr, &off, first, &err);
		else
			evs = kc_watch_log_read(e->log_path, &off, 500, &err);
		if (follow_stopped(e)) {
			json_decref(evs);
			break;
		}
		if (evs != NULL)
			first = 0;
		if (url && evs != NULL) {	/* a long poll: ask again at once */
			if (json_array_size(evs) > 0) {
				struct ev_batch *b = kc_xcalloc(1, sizeof(*b));

				b->src = "log";
				b->events = evs;
				tui_post(app, batch_apply, b);
			} else {
				json_decref(evs);
			}
			continue;
		}
		if (evs == NULL || json_array_size(evs) > 0) {
			struct ev_batch *b = kc_xcalloc(1, sizeof(*b));

			b->src = "log";
			b->events = evs != NULL ? evs : json_array();
			if (evs == NULL)
				b->error = kc_xstrdup(err.msg[0] ? err.msg : "cannot read");
			tui_post(app, batch_apply, b);
			if (evs != NULL && json_array_size(evs) >= 500)
				continue;	/* more waiting: read on at once */
		} else {
			json_decref(evs);
		}
		pthread_mutex_lock(&e->lock);
		if (!e->follow_stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)FOLLOW_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		}
		if (e->follow_stop) {
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
	}
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	return NULL;
}

int
tui_events_follow(struct tui_app *app, const char *path, const char *token_file,
    char *err, size_t errlen)
{
	struct tui_events *e = events_get(app);
	int url = kc_str_has_prefix(path, "http://") || kc_str_has_prefix(path, "https://");

	if (url) {
		struct kc_watch_tokens *tok;
		struct kc_err kerr;

		if (token_file == NULL) {
			snprintf(err, errlen, "--watch-log %s: a watch service needs "
			    "--watch-token-file FILE (its --token-file)", path);
			return -1;
		}
		kc_err_clear(&kerr);
		if ((tok = kc_watch_tokens_load(token_file, &kerr)) == NULL) {
			snprintf(err, errlen, "--watch-token-file: %s", kerr.msg);
			return -1;
		}
		e->auth = kc_xasprintf("Authorization: Bearer %s", kc_watch_tokens_get(tok, 0));
		kc_watch_tokens_free(tok);
	} else if (token_file != NULL) {
		snprintf(err, errlen, "--watch-token-file goes with --watch-log URL (a watch "
		    "service), not a file");
		return -1;
	}
	free(e->log_path);
	e->log_path = kc_xstrdup(path);
	if (pthread_create(&e->follow_thread, NULL, follow_main, app) != 0) {
		snprintf(err, errlen, "--watch-log: cannot start a thread");
		return -1;
	}
	e->follow_started = 1;
	return 0;
}

/* ---- the in-console watch ----------------------------------------------------------------- */

static void
watch_event(void *arg, const json_t *ev)
{
	struct tui_app *app = arg;
	struct ev_batch *b = kc_xcalloc(1, sizeof(*b));

	b->src = "watch";
	b->events = json_array();
	json_array_append_new(b->events, json_deep_copy(ev));
	tui_post(app, batch_apply, b);
}

/* On the loop thread: the watch thread has returned; join it and free the watch. */
static void
watch_ended(struct tui_app *app, void *arg)
{
	struct tui_events *e = app->events;
	char *error = arg;

	if (e == NULL || !e->watch_running) {
		free(error);
		return;
	}
	pthread_join(e->watch_thread, NULL);
	kc_watch_free(e->watch);
	e->watch = NULL;
	kc_ctx_free(e->watch_ctx);
	e->watch_ctx = NULL;
	e->watch_running = 0;
	if (error != NULL)
		tui_msg(app, TUI_MSG_ERROR, "watch: %s", error);
	else if (!e->watch_stopping)
		tui_msg(app, TUI_MSG_WARN, "watch on %s ended", e->watch_ctx_name);
	else
		tui_msg(app, TUI_MSG_INFO, "watch on %s stopped", e->watch_ctx_name);
	e->watch_stopping = 0;
	free(error);
	app->dirty = 1;
}

static void *
watch_main(void *arg)
{
	struct tui_app *app = arg;
	struct tui_events *e = app->events;
	struct kc_err err;
	char *error = NULL;

	kc_err_clear(&err);
	if (kc_watch_run(e->watch, &err) != 0)
		error = kc_xstrdup(err.msg);
	tui_post(app, watch_ended, error);
	return NULL;
}

static void
watch_start(struct tui_app *app)
{
	struct tui_events *e = events_get(app);
	struct kc_ctx_overrides ov = app->ov;
	struct kc_watch_opts o;
	struct kc_err err;

	if (app->ctx == NULL) {
		tui_msg(app, TUI_MSG_WARN, "watch: no context");
		return;
	}
	if (tui_refuse_readonly(app, "watch (auto-restart)"))
		return;
	/* a context of its own: app->ctx goes away on a context switch */
	if (app->ctx->name != NULL) {
		ov.url = NULL;
		ov.context = app->ctx->name;
	}
	kc_err_clear(&err);
	if ((e->watch_ctx = kc_ctx_resolve(app->file, &ov, &err)) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "watch: %s", err.msg);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.ctxs = &e->watch_ctx;
	o.nctxs = 1;
	/* as the console's own requests: a frozen worker holds a stop (or quit) 15 s at most */
	o.request_timeout_ms = app->ctx->timeout_ms > 0 && app->ctx->timeout_ms < 15000 ?
	    app->ctx->timeout_ms : 15000;
	o.on_event = watch_event;
	o.on_event_arg = app;
	/* the console's --state, so its auto_restart/target states apply and drift shows up
	 * ("-" was stdin, read once at start: the terminal now) */
	if (app->state_path != NULL && strcmp(app->state_path, "-") != 0)
		o.state_src = app->state_path;
	o.managed_only = 0;
	if ((e->watch = kc_watch_new(&o, &err)) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "watch: %s", err.msg);
		kc_ctx_free(e->watch_ctx);
		e->watch_ctx = NULL;
		return;
	}
	if (pthread_create(&e->watch_thread, NULL, watch_main, app) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "watch: cannot start a thread");
		kc_watch_free(e->watch);
		e->watch = NULL;
		kc_ctx_free(e->watch_ctx);
		e->watch_ctx = NULL;
		return;
	}
	free(e->watch_ctx_name);
	e->watch_ctx_name = kc_xstrdup(app->ctx_name != NULL ? app->ctx_name : "?");
	e->watch_running = 1;
	e->watch_stopping = 0;
	tui_msg(app, TUI_MSG_INFO, "watch started on %s (auto-restart; W stops it)",
	    e->watch_ctx_name);
}

int
tui_events_toggle_watch(struct tui_app *app)
{
	struct tui_events *e = events_get(app);

	if (!e->watch_running) {
		watch_start(app);
		return TUI_R_REDRAW;
	}
	if (!e->watch_stopping) {
		e->watch_stopping = 1;
		kc_watch_stop(e->watch);	/* the thread posts watch_ended when it returns */
		tui_msg(app, TUI_MSG_INFO, "stopping the watch on %s", e->watch_ctx_name);
	}
	return TUI_R_REDRAW;
}

int
tui_events_watching(const struct tui_app *app)
{
	const struct tui_events *e = app->events;

	return e != NULL && e->watch_running && !e->watch_stopping;
}

void
tui_events_free(struct tui_app *app)
{
	struct tui_events *e = app->events;

	if (e == NULL)
		return;
	if (e->follow_started) {
		pthread_mutex_lock(&e->lock);
		e->follow_stop = 1;
		pthread_cond_signal(&e->cond);
		pthread_mutex_unlock(&e->lock);
		pthread_join(e->follow_thread, NULL);
	}
	if (e->watch_running) {
		kc_watch_stop(e->watch);
		pthread_join(e->watch_thread, NULL);
		kc_watch_free(e->watch);
		kc_ctx_free(e->watch_ctx);
	}
	json_decref(e->list);
	free(e->log_path);
	if (e->auth != NULL) {
		explicit_bzero(e->auth, strlen(e->auth));
		free(e->auth);
	}
	free(e->follow_error);
	free(e->watch_ctx_name);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
	app->events = NULL;
}

/* ---- the view ------------------------------------------------------------------------------ */

/* The event shown on row `row` (newest first), borrowed, or NULL. */
static json_t *
row_event(struct tui_app *app, long row)
{
	json_t *list = app->events != NULL ? app->events->list : NULL;
	size_t n = json_array_size(list);

	if (row < 0 || (size_t)row >= n)
		return NULL;
	return json_array_get(list, n - 1 - (size_t)row);
}

static enum tui_role
kind_role(const char *kind)
{
	if (strcmp(kind, "failed") == 0 || strcmp(kind, "gave_up") == 0 ||
	    strcmp(kind, "outage") == 0 || strcmp(kind, "restart_error") == 0 ||
	    strcmp(kind, "state_error") == 0 || strcmp(kind, "notify_failed") == 0)
		return TUI_ROLE_STATE_FAILED;
	if (strcmp(kind, "restarted") == 0)
		return TUI_ROLE_STATE_RESTARTING;
	if (strcmp(kind, "recovered") == 0 || strcmp(kind, "resumed") == 0 ||
	    strcmp(kind, "drift_cleared") == 0)
		return TUI_ROLE_STATE_RUNNING;
	if (strcmp(kind, "drift") == 0)
		return TUI_ROLE_DIFF_CHANGE;
	return TUI_ROLE_NORMAL;
}

/* The free-text column: trace excerpt, else error, message or a summary. */
static const char *
ev_text(const json_t *ev)
{
	static const char *const keys[] = { "trace", "error", "summary", "reason", "message",
	    "url" };
	size_t i;

	for (i = 0; i < KC_NITEMS(keys); i++) {
		const char *s = json_string_value(json_object_get(ev, keys[i]));

		if (s != NULL && *s != '\0')
			return s;
	}
	return "";
}

/* New events go on top: a cursor away from the top stays on the event it was on. */
static void
follow_new(struct tui_app *app, struct tui_view *v)
{
	uint64_t *seen = v->priv;

	if (app->events != NULL && *seen != app->events->seen) {
		long delta = (long)(app->events->seen - *seen);

		if (v->cursor > 0) {
			v->cursor += delta;
			v->scroll += delta;
		}
		*seen = app->events->seen;
	}
}

static void
events_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	size_t n = app->events != NULL ? json_array_size(app->events->list) : 0;
	unsigned int hdr = tui_theme_attr(TUI_ROLE_TABLE_HEADER);
	long row;
	int y, wide;

	follow_new(app, v);
	if (v->cursor >= (long)n)
		v->cursor = (long)n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (height < 2)
		return;
	tui_fill(top, 0, COLS, hdr);
	wide = COLS >= 110;	/* the owner column only when the trace still has room */
	if (wide)
		tui_putf(top, 0, COLS, hdr, " %-8s %-1s %-10s %-20s %-4s %-13s %3s %-12s %s",
		    "TIME", "", "CONTEXT", "CONNECTOR", "TASK", "EVENT", "ATT", "OWNER",
		    "TRACE");
	else
		tui_putf(top, 0, COLS, hdr, " %-8s %-1s %-10s %-20s %-4s %-13s %3s %s",
		    "TIME", "", "CONTEXT", "CONNECTOR", "TASK", "EVENT", "ATT",
		    "TRACE");
	height--;
	top++;
	if (n == 0) {
		const char *hint = app->events != NULL && app->events->log_path != NULL ?
		    "  no events yet in the watch log" : tui_events_watching(app) ?
		    "  the watch is running: no events yet" :
		    "  no events: W runs a watch here, or start kcops with --watch-log FILE";

		tui_put(top, 0, COLS, hint, tui_theme_attr(TUI_ROLE_DIM), 1);
		return;
	}
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (v->cursor >= v->scroll + height)
		v->scroll = v->cursor - height + 1;
	for (y = 0, row = v->scroll; y < height && (size_t)row < n; y++, row++) {
		const json_t *ev = row_event(app, row);
		const char *t = json_string_value(json_object_get(ev, "time"));
		const char *kind = json_string_value(json_object_get(ev, "event"));
		const char *src = json_string_value(json_object_get(ev, "_src"));
		const json_t *task = json_object_get(ev, "task");
		const json_t *att = json_object_get(ev, "attempts");
		const json_t *owner = json_object_get(ev, "owner");
		const char *oname = json_string_value(json_object_get(owner, "name"));
		unsigned int base = row == v->cursor ? tui_theme_attr(TUI_ROLE_SELECTION) :
		    tui_theme_attr(TUI_ROLE_NORMAL);
		char tm[9], tk[8], at[8];
		int x = 1, w;

		memset(tm, 0, sizeof(tm));
		if (t != NULL && strlen(t) >= 19)
			memcpy(tm, t + 11, 8);
		snprintf(tk, sizeof(tk), "-");
		if (json_is_integer(task))
			snprintf(tk, sizeof(tk), "%lld", (long long)json_integer_value(task));
		snprintf(at, sizeof(at), "-");
		if (json_is_integer(att))
			snprintf(at, sizeof(at), "%lld", (long long)json_integer_value(att));
		if (kind == NULL)
			kind = "?";
		tui_fill(top + y, 0, COLS, base);
		x += tui_put(top + y, x, 8, tm, base, 1) + 1;
		x += tui_put(top + y, x, 1, src != NULL && strcmp(src, "watch") == 0 ? "W" :
		    "L", base | tui_theme_attr(TUI_ROLE_DIM), 1) + 1;
		x += tui_put(top + y, x, 10, json_string_value(json_object_get(ev, "context")) ?
		    json_string_value(json_object_get(ev, "context")) : "", base, 1) + 1;
		x += tui_put(top + y, x, 20, json_string_value(json_object_get(ev, "connector")) ?
		    json_string_value(json_object_get(ev, "connector")) : "", base, 1) + 1;
		x += tui_put(top + y, x, 4, tk, base, 1) + 1;
		x += tui_put(top + y, x, 13, kind, row == v->cursor ? base :
		    tui_theme_attr(kind_role(kind)), 1) + 1;
		w = tui_put(top + y, x, 3, "", base, 1);
		tui_put_right(top + y, x, 3, at, base);
		x += w + 1;
		if (wide)
			x += tui_put(top + y, x, 12, oname != NULL ? oname : "", base, 1) + 1;
		if (x < COLS) {
			/* one line: the excerpt's lines (first line, last Caused by) side by side */
			char *one = kc_xstrdup(ev_text(ev)), *p;

			for (p = one; *p != '\0'; p++)
				if (*p == '\n' || *p == '\r' || *p == '\t')
					*p = ' ';
			tui_put(top + y, x, COLS - x, one, row == v->cursor ? base :
			    tui_theme_attr(TUI_ROLE_TRACE), 0);
			free(one);
		}
	}
}

static int
events_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	size_t n = app->events != NULL ? json_array_size(app->events->list) : 0;
	int r;

	follow_new(app, v);
	if ((r = tui_scroll_action(v, a, (long)n)) != TUI_R_UNHANDLED)
		return r;
	if (a == TUI_A_OPEN) {
		json_t *ev = row_event(app, v->cursor);
		json_t *copy;
		const char *kind;
		char *text, title[64];

		if (ev == NULL)
			return TUI_R_NONE;
		copy = json_deep_copy(ev);
		json_object_del(copy, "_src");
		text = json_dumps(copy, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(copy);
		kind = json_string_value(json_object_get(ev, "event"));
		/* tui_push sanitises the title */
		snprintf(title, sizeof(title), "event %s", kind != NULL ? kind : "?");
		if (text != NULL)
			tui_open_text(app, title, text);
		return TUI_R_REDRAW;
	}
	return TUI_R_UNHANDLED;
}

static void
events_done(struct tui_app *app, struct tui_view *v)
{
	(void)app;
	free(v->priv);
}

const struct tui_view_ops tui_events_ops = {
	.name = "events",
	.keymap = TUI_KM_EVENTS,
	.draw = events_draw,
	.action = events_action,
	.done = events_done,
};

void
tui_open_events(struct tui_app *app)
{
	struct tui_view *top = tui_top(app);
	uint64_t *seen;

	if (top != NULL && top->ops == &tui_events_ops)
		return;
	seen = kc_xcalloc(1, sizeof(*seen));
	*seen = events_get(app)->seen;
	tui_push(app, &tui_events_ops, "events", seen);
}
