/* tui_view_stream.c - live views: HTTP exchanges of a connector (long-polled from the
 * worker's exchange stream) and queues with consumer-group lag (sparklines over time). */
#include "tui_app.h"
#include "tui_lines.h"

#include <curses.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_json.h"
#include "kc_kafka_tail.h"
#include "kc_text.h"
#include "kc_util.h"

/* ---- exchanges ------------------------------------------------------------------------ */

#define EX_KEEP 2000
#define EX_WAIT_MS 5000

struct exrow {
	char	 time[16];
	char	*method;
	char	*url;
	int	 status;	/* 0: transport error */
	long long latency_ms;	/* -1 unknown */
	int	 attempts;
	char	*error;
	json_t	*raw;		/* the exchange as received (Enter shows it) */
};

struct exv {
	struct tui_app	*app;
	char		*name;
	struct exrow	*rows;
	size_t		 n;
	unsigned long long since;
	int		 inflight;
	int		 follow;
	int		 closed;
	int		 refs;
	char		*error;
	int		 unsupported;
	unsigned long long total;
	/* Apache clusters: tail the response topics through librdkafka */
	int		 tail_started;
	char		*tail_topics[2];
	pthread_t	 tail_thread;
	int		 tail_running;
	volatile int	 tail_stop;
	pthread_mutex_t	 tail_lock;
	json_t		*tail_new;	/* records parsed by the thread, not yet shown */
	int		 tail_posted;
	json_t		*kconf;
};

static void
exrow_free(struct exrow *r)
{
	free(r->method);
	free(r->url);
	free(r->error);
	json_decref(r->raw);
}

static void parse_exchange(struct exrow *r, const json_t *e);

static void
exv_unref(struct exv *x)
{
	size_t i;

	/* the tail thread takes references too */
	if (__atomic_sub_fetch(&x->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < x->n; i++)
		exrow_free(&x->rows[i]);
	free(x->rows);
	free(x->name);
	free(x->error);
	free(x->tail_topics[0]);
	free(x->tail_topics[1]);
	json_decref(x->tail_new);
	json_decref(x->kconf);
	pthread_mutex_destroy(&x->tail_lock);
	free(x);
}

static void
add_row(struct exv *x, const json_t *e)
{
	if (x->n == EX_KEEP) {
		exrow_free(&x->rows[0]);
		memmove(x->rows, x->rows + 1, (EX_KEEP - 1) * sizeof(*x->rows));
		x->n--;
	}
	parse_exchange(&x->rows[x->n++], e);
	x->total++;
}

/* First present member among several names (dotted paths allowed: "request.method"). */
static json_t *
pick(const json_t *o, const char *const *names)
{
	for (; *names != NULL; names++) {
		const char *dot = strchr(*names, '.');
		json_t *v;

		if (dot != NULL) {
			char *head = kc_xstrndup(*names, (size_t)(dot - *names));

			v = json_object_get(json_object_get(o, head), dot + 1);
			free(head);
		} else
			v = json_object_get(o, *names);
		if (v != NULL && !json_is_null(v))
			return v;
	}
	return NULL;
}

static long long
num(const json_t *v, long long def)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v))
		return atoll(json_string_value(v));
	return def;
}

static void
parse_exchange(struct exrow *r, const json_t *e)
{
	/* kcops-worker's summaries, and HttpExchange records (Struct and POJO field names) */
	static const char *const t_names[] = { "time", "timestamp", "ts", "time_ms", "moment",
		"request.time", NULL };
	static const char *const m_names[] = { "method", "request.method", "httpRequest.method",
		NULL };
	static const char *const u_names[] = { "url", "request.url", "httpRequest.url", NULL };
	static const char *const s_names[] = { "status", "status_code", "statusCode",
		"response.status", "response.statusCode", "httpResponse.statusCode", NULL };
	static const char *const l_names[] = { "latency_ms", "duration_ms", "latency",
		"elapsed_ms", "duration", "durationInMillis", NULL };
	static const char *const a_names[] = { "attempts", "attempt", "tries", NULL };
	static const char *const e_names[] = { "error", "message", "response.statusMessage",
		"httpResponse.statusMessage", NULL };
	json_t *t = pick(e, t_names);

	memset(r, 0, sizeof(*r));
	r->raw = json_deep_copy(e);
	if (json_is_string(t)) {
		/* ISO-8601: keep HH:MM:SS */
		const char *s = json_string_value(t), *tt = strchr(s, 'T');

		snprintf(r->time, sizeof(r->time), "%.8s", tt != NULL ? tt + 1 : s);
	} else if (t != NULL) {
		long long ms = num(t, 0);
		time_t sec = (time_t)(ms > 100000000000LL ? ms / 1000 : ms);
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(r->time, sizeof(r->time), "%H:%M:%S", &tm);
	} else {
		/* no time in the summary: when it reached the console */
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(r->time, sizeof(r->time), "%H:%M:%S", &tm);
	}
	r->method = kc_text_sanitize(json_string_value(pick(e, m_names)) ?
	    json_string_value(pick(e, m_names)) : "?", 0);
	r->url = kc_text_sanitize(json_string_value(pick(e, u_names)), 0);
	r->status = (int)num(pick(e, s_names), 0);
	r->latency_ms = num(pick(e, l_names), -1);
	r->attempts = (int)num(pick(e, a_names), 1);
	if (json_is_string(pick(e, e_names)))
		r->error = kc_text_sanitize(json_string_value(pick(e, e_names)), 0);
}

static void ex_poll(struct tui_app *app, struct exv *x);

/* ---- Apache clusters: the response topics, tailed on a helper thread ---- */

static void
tail_drain(struct tui_app *app, void *arg)
{
	struct exv *x = arg;
	json_t *list, *e;
	size_t i;

	pthread_mutex_lock(&x->tail_lock);
	list = x->tail_new;
	x->tail_new = json_array();
	x->tail_posted = 0;
	pthread_mutex_unlock(&x->tail_lock);
	if (!x->closed)
		json_array_foreach(list, i, e)
			add_row(x, e);
	json_decref(list);
	app->dirty = 1;
	exv_unref(x);
}

static void *
tail_main(void *arg)
{
	struct exv *x = arg;
	struct kc_kafka_tail *t[2] = { NULL, NULL };
	struct kc_err err;
	int i, nt = 0;

	for (i = 0; i < 2; i++) {
		if (x->tail_topics[i] == NULL)
			continue;
		kc_err_clear(&err);
		t[nt] = kc_kafka_tail_new(x->kconf, x->tail_topics[i], "-20", 2000, &err);
		if (t[nt] != NULL)
			nt++;
	}
	while (!x->tail_stop && nt > 0) {
		for (i = 0; i < nt && !x->tail_stop; i++) {
			struct kc_kafka_rec rec;
			int rc;

			kc_err_clear(&err);
			rc = kc_kafka_tail_poll(t[i], 100, &rec, &err);
			if (rc == 1 && rec.value != NULL) {
				json_t *v = json_loadb(rec.value, rec.value_len, 0, NULL);

				if (json_is_object(v)) {
					if (json_object_get(v, "moment") == NULL && rec.timestamp_ms > 0)
						json_object_set_new(v, "time",
						    json_integer(rec.timestamp_ms));
					pthread_mutex_lock(&x->tail_lock);
					json_array_append(x->tail_new, v);
					if (!x->tail_posted) {
						x->tail_posted = 1;
						__atomic_add_fetch(&x->refs, 1, __ATOMIC_ACQ_REL);
						tui_post(x->app, tail_drain, x);
					}
					pthread_mutex_unlock(&x->tail_lock);
				}
				json_decref(v);
			}
		}
	}
	for (i = 0; i < nt; i++)
		kc_kafka_tail_free(t[i]);
	return NULL;
}

static void
config_for_tail(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	/* success topics first, then error topics (queue source, PRODUCER mode, DLQ) */
	static const char *const ok_keys[] = { "success.topic", "producer.success.topic", NULL };
	static const char *const bad_keys[] = { "error.topic", "producer.error.topic",
		"errors.deadletterqueue.topic.name", NULL };
	struct exv *x = arg;
	struct tui_app *app = x->app;
	const char *const *k;

	(void)c;
	if (x->closed || err != NULL || resp == NULL || !json_is_object(resp->json)) {
		exv_unref(x);
		return;
	}
	for (k = ok_keys; *k != NULL && x->tail_topics[0] == NULL; k++)
		x->tail_topics[0] = kc_xstrdup(kc_json_str(resp->json, *k));
	for (k = bad_keys; *k != NULL && x->tail_topics[1] == NULL; k++)
		x->tail_topics[1] = kc_xstrdup(kc_json_str(resp->json, *k));
	if (x->tail_topics[0] == NULL && x->tail_topics[1] == NULL) {
		free(x->error);
		x->error = kc_xstrdup("no exchange stream here (not kcops-worker) and the "
		    "connector names no response topic to tail");
	} else if ((x->kconf = tui_kafka_conf(app)) == NULL) {
		free(x->error);
		x->error = kc_xstrdup("to tail the response topics, give Kafka bootstrap servers "
		    "(context \"kafka\" section or --bootstrap)");
	} else {
		x->tail_new = json_array();
		x->tail_stop = 0;
		if (pthread_create(&x->tail_thread, NULL, tail_main, x) == 0) {
			x->tail_running = 1;
			free(x->error);
			x->error = kc_text_sanitize(x->tail_topics[1] == NULL ?
			    x->tail_topics[0] : x->tail_topics[0] == NULL ? x->tail_topics[1] :
			    x->tail_topics[0], 0);
			tui_msg(app, TUI_MSG_INFO, "tailing %s%s%s through Kafka",
			    x->tail_topics[0] ? x->tail_topics[0] : "",
			    x->tail_topics[0] && x->tail_topics[1] ? " and " : "",
			    x->tail_topics[1] ? x->tail_topics[1] : "");
		}
	}
	app->dirty = 1;
	exv_unref(x);
}

/* The worker has no exchange stream: find the connector's response topics. */
static void
tail_begin(struct tui_app *app, struct exv *x)
{
	char *enc, *path;

	if (x->tail_started)
		return;
	x->tail_started = 1;
	enc = kc_url_encode_segment(x->name);
	path = kc_xasprintf("/connectors/%s/config", enc);
	if (tui_submit(app, "GET", path, NULL, config_for_tail, x) == 0)
		__atomic_add_fetch(&x->refs, 1, __ATOMIC_ACQ_REL);
	free(path);
	free(enc);
}

static void
ex_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct exv *x = arg;
	json_t *list, *e;
	size_t i;

	(void)c;
	x->inflight = 0;
	if (x->closed) {
		exv_unref(x);
		return;
	}
	free(x->error);
	x->error = NULL;
	if (err != NULL) {
		if ((err->code == 404 && strstr(err->msg, "onnector") == NULL) || err->code == 405)
			x->unsupported = 1;
		x->error = kc_text_sanitize(err->msg, 0);
		x->app->dirty = 1;
		if (x->unsupported && c != NULL)
			tail_begin(x->app, x);
		exv_unref(x);
		return;	/* the next refresh tick retries */
	}
	list = json_is_array(resp->json) ? resp->json :
	    json_object_get(resp->json, "exchanges");
	json_array_foreach(list, i, e) {
		unsigned long long seq = (unsigned long long)num(json_object_get(e, "seq"), 0);

		if (seq != 0 && seq <= x->since)
			continue;
		add_row(x, e);
		if (seq > x->since)
			x->since = seq;
	}
	if (json_is_object(resp->json) && json_object_get(resp->json, "next") != NULL) {
		unsigned long long next = (unsigned long long)num(json_object_get(resp->json,
		    "next"), 0);

		/* the worker's "next" is the seq to pass as since */
		if (next > x->since)
			x->since = next;
	}
	x->app->dirty = 1;
	ex_poll(x->app, x);
	exv_unref(x);
}

static void
ex_poll(struct tui_app *app, struct exv *x)
{
	char *enc, *path;

	if (x->inflight || x->closed || app->client == NULL || x->unsupported)
		return;
	enc = kc_url_encode_segment(x->name);
	path = kc_xasprintf("/kcops/v1/connectors/%s/exchanges?since=%llu&wait=%d", enc,
	    x->since, EX_WAIT_MS);
	if (tui_submit(app, "GET", path, NULL, ex_done, x) == 0) {
		x->inflight = 1;
		__atomic_add_fetch(&x->refs, 1, __ATOMIC_ACQ_REL);
	}
	free(path);
	free(enc);
}

static void
ex_fetch(struct tui_app *app, struct tui_view *v)
{
	ex_poll(app, v->priv);
}

static void
ex_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct exv *x = v->priv;
	unsigned int h = tui_theme_attr(TUI_ROLE_TABLE_HEADER);
	long rows = height - 1, i;
	int urlw = COLS - 40;
	char buf[64];

	(void)app;
	tui_fill(top, 0, COLS, h);
	tui_put(top, 1, 8, "TIME", h, 0);
	tui_put(top, 10, 7, "METHOD", h, 0);
	tui_put(top, 17, 6, "STATUS", h, 0);
	tui_put(top, 24, 8, "LATENCY", h, 0);
	tui_put(top, 33, 4, "ATT", h, 0);
	tui_put(top, 38, urlw, "URL", h, 0);
	snprintf(buf, sizeof(buf), "%s %llu seen ", x->follow ? "following," : "paused,",
	    x->total);
	tui_put_right(top, COLS - 24, 24, buf, h);
	if (x->follow)
		v->cursor = (long)x->n - 1;
	if (v->cursor >= (long)x->n)
		v->cursor = (long)x->n - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	if (v->cursor >= v->scroll + rows)
		v->scroll = v->cursor - rows + 1;
	if (v->scroll > v->cursor)
		v->scroll = v->cursor;
	if (x->n == 0) {
		tui_put(top + 2, 2, COLS - 4, x->tail_running ?
		    "waiting for records on the response topics..." : x->error ? x->error :
		    "waiting for exchanges...", tui_theme_attr(x->error && !x->tail_running ?
		    TUI_ROLE_STATUS_ERROR : TUI_ROLE_DIM), 0);
		return;
	}
	for (i = 0; i < rows && v->scroll + i < (long)x->n; i++) {
		const struct exrow *r = &x->rows[v->scroll + i];
		int y = top + 1 + (int)i, sel = v->scroll + i == v->cursor && !x->follow;
		unsigned int a = tui_theme_attr(sel ? TUI_ROLE_SELECTION : TUI_ROLE_NORMAL);
		enum tui_role sr = r->status >= 500 || r->status == 0 ? TUI_ROLE_HTTP_SERVER_ERR :
		    r->status >= 400 ? TUI_ROLE_HTTP_CLIENT_ERR : r->status >= 300 ?
		    TUI_ROLE_HTTP_REDIRECT : TUI_ROLE_HTTP_OK;

		tui_fill(y, 0, COLS, a);
		tui_put_clean(y, 1, 8, r->time, a, 0);
		tui_put_clean(y, 10, 7, r->method, a, 0);
		snprintf(buf, sizeof(buf), "%d", r->status);
		tui_put(y, 17, 6, r->status ? buf : "ERR", sel ? a : tui_theme_attr(sr), 0);
		if (r->latency_ms >= 0)
			snprintf(buf, sizeof(buf), "%lldms", r->latency_ms);
		else
			snprintf(buf, sizeof(buf), "-");
		tui_put_right(y, 24, 7, buf, a);
		snprintf(buf, sizeof(buf), "%d", r->attempts);
		tui_put_right(y, 33, 3, buf, a);
		tui_put_clean(y, 38, urlw, r->error != NULL && r->status == 0 ? r->error :
		    r->url, a, 0);
	}
}

static int
ex_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	struct exv *x = v->priv;
	int r;

	if (a == TUI_A_TOGGLE_PAUSE) {
		x->follow = !x->follow;
		tui_msg(app, TUI_MSG_INFO, x->follow ? "following new exchanges" :
		    "paused following (f resumes)");
		return TUI_R_REDRAW;
	}
	if (a == TUI_A_OPEN) {
		if (v->cursor >= 0 && (size_t)v->cursor < x->n && x->rows[v->cursor].raw != NULL) {
			char *text = json_dumps(x->rows[v->cursor].raw, JSON_INDENT(2) |
			    JSON_SORT_KEYS);
			char *title = kc_xasprintf("exchange %s %s", x->rows[v->cursor].time,
			    x->rows[v->cursor].method);

			x->follow = 0;	/* stay on this row when coming back */
			tui_open_text(app, title, text != NULL ? text : kc_xstrdup("{}"));
			free(title);
		}
		return TUI_R_REDRAW;
	}
	if ((r = tui_scroll_action(v, a, (long)x->n)) != TUI_R_UNHANDLED) {
		if (a == TUI_A_UP || a == TUI_A_PAGE_UP || a == TUI_A_HOME)
			x->follow = 0;
		if (a == TUI_A_END)
			x->follow = 1;
		return r;
	}
	return TUI_R_UNHANDLED;
}

static void
ex_done_view(struct tui_app *app, struct tui_view *v)
{
	struct exv *x = v->priv;

	(void)app;
	x->closed = 1;
	if (x->tail_running) {
		x->tail_stop = 1;
		pthread_join(x->tail_thread, NULL);
		x->tail_running = 0;
	}
	exv_unref(x);
}

static const char *
ex_selected(struct tui_app *app, struct tui_view *v)
{
	(void)app;
	return ((struct exv *)v->priv)->name;
}

const struct tui_view_ops tui_exchanges_ops = {
	.name = "exchanges",
	.keymap = TUI_KM_EXCHANGES,
	.fetch = ex_fetch,
	.draw = ex_draw,
	.action = ex_action,
	.done = ex_done_view,
	.selected = ex_selected,
};

void
tui_open_exchanges(struct tui_app *app, const char *name)
{
	struct exv *x = kc_xcalloc(1, sizeof(*x));
	char *title = kc_xasprintf("exchanges %s", name);

	x->app = app;
	x->name = kc_xstrdup(name);
	x->refs = 1;
	x->follow = 1;
	x->rows = kc_xcalloc(EX_KEEP, sizeof(*x->rows));
	pthread_mutex_init(&x->tail_lock, NULL);
	tui_push(app, &tui_exchanges_ops, title, x);
	free(title);
}

/* ---- queues and lag ------------------------------------------------------------------- */

#define HIST 120

struct qhist {
	char	*name;
	double	 v[HIST];
	size_t	 n;
};

struct qv {
	struct tui_app	*app;
	json_t		*queues;	/* last answer */
	char		*error;
	int		 unsupported;
	int		 inflight;
	int		 closed;
	int		 refs;
	struct qhist	*hist;
	size_t		 nhist;
	struct tui_lines lines;
};

static void
qv_unref(struct qv *q)
{
	size_t i;

	if (--q->refs > 0)
		return;
	json_decref(q->queues);
	free(q->error);
	for (i = 0; i < q->nhist; i++)
		free(q->hist[i].name);
	free(q->hist);
	tui_lines_free(&q->lines);
	free(q);
}

static struct qhist *
hist_for(struct qv *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->nhist; i++)
		if (strcmp(q->hist[i].name, name) == 0)
			return &q->hist[i];
	q->hist = kc_xrealloc(q->hist, (q->nhist + 1) * sizeof(*q->hist));
	memset(&q->hist[q->nhist], 0, sizeof(q->hist[0]));
	q->hist[q->nhist].name = kc_xstrdup(name);
	return &q->hist[q->nhist++];
}

static void
hist_add(struct qhist *h, double v)
{
	if (h->n == HIST) {
		memmove(h->v, h->v + 1, (HIST - 1) * sizeof(double));
		h->n--;
	}
	h->v[h->n++] = v;
}

static void
q_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct qv *q = arg;
	json_t *list, *e;
	size_t i;

	(void)c;
	q->inflight = 0;
	if (!q->closed) {
		free(q->error);
		q->error = NULL;
		if (err != NULL) {
			if (err->code == 404)
				q->unsupported = 1;
			q->error = kc_text_sanitize(err->msg, 0);
		} else {
			list = json_is_array(resp->json) ? resp->json :
			    json_object_get(resp->json, "queues");
			json_decref(q->queues);
			q->queues = json_incref(list);
			json_array_foreach(list, i, e)
				hist_add(hist_for(q, kc_json_str_or(e, "name", "?")),
				    (double)kc_json_int_or(e, "depth", 0));
		}
		q->app->dirty = 1;
	}
	qv_unref(q);
}

static void
q_fetch(struct tui_app *app, struct tui_view *v)
{
	struct qv *q = v->priv;

	if (q->inflight || app->client == NULL || q->unsupported)
		return;
	if (tui_submit(app, "GET", "/kcops/v1/queues", NULL, q_done, q) == 0) {
		q->inflight = 1;
		q->refs++;
	}
}

static void
q_draw(struct tui_app *app, struct tui_view *v, int top, int height)
{
	struct qv *q = v->priv;
	unsigned int h = tui_theme_attr(TUI_ROLE_TABLE_HEADER);
	int y = top, sw = COLS - 69;
	size_t i;
	json_t *e;
	char buf[64];

	if (sw < 8)
		sw = 8;
	tui_fill(y, 0, COLS, h);
	tui_put(y, 1, 20, "QUEUE", h, 0);
	tui_put(y, 22, 9, "DEPTH", h, 0);
	tui_put(y, 32, 9, "CAPACITY", h, 0);
	tui_put(y, 42, 8, "REJECTED", h, 0);
	tui_put(y, 52, 16, "CONSUMER", h, 0);
	tui_put(y, 69, sw, "DEPTH OVER TIME", h, 0);
	y++;
	if (json_array_size(q->queues) == 0)
		tui_put(y++, 2, COLS - 4, q->unsupported ?
		    "This cluster has no in-memory queues (not kcops-worker)." : q->error ?
		    q->error : q->queues ? "no queues" : "loading...",
		    tui_theme_attr(q->error && !q->unsupported ? TUI_ROLE_STATUS_ERROR :
		    TUI_ROLE_DIM), 0);
	json_array_foreach(q->queues, i, e) {
		const char *name = kc_json_str_or(e, "name", "?");
		long long depth = kc_json_int_or(e, "depth", 0);
		long long cap = kc_json_int_or(e, "capacity", 0);
		struct qhist *hh = hist_for(q, name);
		json_t *cons = json_object_get(e, "consumer");

		if (y >= top + height)
			break;
		tui_put(y, 1, 20, name, 0, 0);
		snprintf(buf, sizeof(buf), "%lld", depth);
		tui_put_right(y, 22, 8, buf, cap > 0 && depth * 10 >= cap * 9 ?
		    tui_theme_attr(TUI_ROLE_STATE_FAILED) : 0);
		snprintf(buf, sizeof(buf), "%lld", cap);
		tui_put_right(y, 32, 8, buf, 0);
		snprintf(buf, sizeof(buf), "%lld", kc_json_int_or(e, "rejected", 0));
		tui_put_right(y, 42, 8, buf, 0);
		tui_put(y, 52, 16, json_is_string(cons) ? json_string_value(cons) :
		    cons != NULL && !json_is_null(cons) ? "yes" : "none",
		    cons == NULL || json_is_null(cons) ? tui_theme_attr(TUI_ROLE_STATUS_WARN) :
		    0, 0);
		tui_sparkline(app, y, 69, sw, hh->v, hh->n, tui_theme_attr(TUI_ROLE_SPARK));
		y++;
	}
	/* consumer-group lag of sink connectors (from the lag thread) */
	y++;
	if (y < top + height) {
		tui_fill(y, 0, COLS, h);
		tui_put(y, 1, 30, "SINK CONNECTOR", h, 0);
		tui_put(y, 32, 18, "CONSUMER LAG", h, 0);
		tui_put(y, 52, COLS - 53, "LAG OVER TIME", h, 0);
		y++;
	}
	{
		int shown = 0;

		for (i = 0; i < app->model.nrows && y < top + height; i++) {
			const struct tui_conn *cn = &app->model.rows[i];

			if (strcmp(cn->type, "sink") != 0)
				continue;
			shown++;
			tui_put_clean(y, 1, 30, cn->dname, 0, 0);
			if (cn->lag >= 0)
				snprintf(buf, sizeof(buf), "%lld", cn->lag);
			else
				snprintf(buf, sizeof(buf), "-");
			tui_put_right(y, 32, 12, buf, 0);
			{
				json_t *hist = json_object_get(app->lag_hist, cn->name), *sample;
				double vals[120];
				size_t k, nv = 0;

				json_array_foreach(hist, k, sample)
					if (nv < 120)
						vals[nv++] = (double)json_integer_value(sample);
				tui_sparkline(app, y, 52, COLS - 53, vals, nv,
				    tui_theme_attr(TUI_ROLE_SPARK));
			}
			y++;
		}
		if (shown == 0 && y < top + height)
			tui_put(y, 2, COLS - 4, "no sink connectors", tui_theme_attr(TUI_ROLE_DIM),
			    0);
		else if (app->ctx != NULL && kc_ctx_bootstrap(app->ctx) == NULL &&
		    app->server_bootstrap == NULL && y < top + height)
			tui_put(y, 2, COLS - 4, "lag needs Kafka bootstrap servers (context "
			    "\"kafka\" section or --bootstrap)", tui_theme_attr(TUI_ROLE_DIM), 0);
		else if (app->lag_error != NULL && y < top + height)
			tui_put(y, 2, COLS - 4, app->lag_error, tui_theme_attr(TUI_ROLE_STATUS_WARN),
			    0);
	}
	(void)v;
}

static void
q_fetch_all(struct tui_app *app, struct tui_view *v)
{
	q_fetch(app, v);
}

static int
q_action(struct tui_app *app, struct tui_view *v, enum tui_action a)
{
	(void)app;
	(void)v;
	if (a == TUI_A_OPEN)
		return TUI_R_NONE;
	return TUI_R_UNHANDLED;
}

static void
q_done_view(struct tui_app *app, struct tui_view *v)
{
	struct qv *q = v->priv;

	(void)app;
	q->closed = 1;
	qv_unref(q);
}

const struct tui_view_ops tui_queues_ops = {
	.name = "queues",
	.keymap = TUI_KM_QUEUES,
	.fetch = q_fetch_all,
	.draw = q_draw,
	.action = q_action,
	.done = q_done_view,
};

void
tui_open_queues(struct tui_app *app)
{
	struct qv *q = kc_xcalloc(1, sizeof(*q));

	q->app = app;
	q->refs = 1;
	tui_lines_init(&q->lines);
	tui_push(app, &tui_queues_ops, "queues", q);
}
