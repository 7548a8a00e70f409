/* kc_watch_serve.c - service mode of kcops watch: the state-file service over HTTP.
 *
 * Every request needs an Authorization header carrying one of the tokens of --token-file
 * ("Bearer TOKEN", "Token TOKEN" or the bare token): none gives 401, a wrong one 403, both
 * before the path is looked at. Endpoints (JSON answers; ?context=NAME picks a context,
 * default the first one watched):
 *
 *	GET  /connectors                 {"running": [names], "paused": [...], ...}
 *	GET  /connectors/STATE           names whose aggregated state is STATE (running, paused,
 *	                                 stopped, failed, unassigned, restarting); "failed"
 *	                                 includes a RUNNING connector with a FAILED task
 *	GET  /validate                   200 {"valid": true, ...} or 400 {"valid": false,
 *	                                 "errors": [{pointer, message}], "text"}; ?remote=false
 *	                                 skips Connect's own validate endpoint
 *	GET  /plan                       the plan as JSON (kc_state_plan_json) plus "text"
 *	POST /sync (or /connectors/sync) apply: {added, removed, paused, resumed, updated,
 *	                                 restarted, stopped, failed, dry_run}; 200 when every
 *	                                 step worked, 502 when some failed; ?dry_run=true
 *	GET  /events?since=SEQ[&wait=D]  the watch's recent events; with wait (up to 60s), a
 *	                                 long poll: answers as soon as there is a newer one
 *	GET  /status                     the watch's view of every context
 *	GET  /metrics                    Prometheus text: up, connectors by state, totals
 *	                                 (polls, outages, incidents, restarts, gave_up, ...)
 *	GET  /health                     {"status": "ok"}
 *
 * Reads of the cluster are fresh (one bulk call per request, on a client of its own), so the
 * answers do not lag the poll interval. /validate, /plan and /sync re-read the state file.
 *
 * DESIGN
 * libmicrohttpd runs a thread per connection (a /sync may take a while and must not hold up a
 * /health probe); the listening socket is made here (getaddrinfo + bind), so port 0 works and
 * the bound port is known. Request bodies are read and ignored (at most 64 KiB). */
#include "kc_watch_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"

#define LOGGER "kcops.watch.serve"
#define MAX_BODY (64 * 1024)

struct conn_state {
	size_t	body;
};

struct answer {
	int		 status;
	json_t		*body;		/* owned */
	const char	*www_auth;	/* WWW-Authenticate or NULL */
	const char	*allow;		/* Allow for 405 */
	char		*text;		/* a text/plain body instead of JSON (owned) */
};

/* Error body {"error_code", "message"} (Connect's shape). */
static void
fail(struct answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
fail(struct answer *a, int status, const char *fmt, ...)
{
	struct kc_buf b;
	va_list ap;

	kc_buf_init(&b);
	va_start(ap, fmt);
	kc_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	json_decref(a->body);
	a->status = status;
	a->body = json_object();
	json_object_set_new(a->body, "error_code", json_integer(status));
	kc_watch_event_str(a->body, "message", kc_buf_str(&b));
	kc_buf_free(&b);
}

/* A query argument or NULL. */
static const char *
query(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* A true-ish query flag. */
static int
query_flag(struct MHD_Connection *c, const char *name, int def)
{
	const char *v = query(c, name);

	if (v == NULL)
		return def;
	return *v == '\0' || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "yes") == 0;
}

/* The runner named by ?context= (default the first). */
static struct kc_watch_runner *
pick_runner(struct kc_watch *w, struct MHD_Connection *c, struct answer *a)
{
	const char *name = query(c, "context");
	size_t i;

	if (name == NULL || *name == '\0')
		return &w->r[0];
	for (i = 0; i < w->nr; i++)
		if (strcmp(w->r[i].name, name) == 0)
			return &w->r[i];
	fail(a, 404, "unknown context \"%s\" (this watch has %zu)", name, w->nr);
	return NULL;
}

/* A fresh live snapshot through a new client. */
static json_t *
fresh_live(struct kc_watch_runner *r, struct kc_client **cp, struct answer *a)
{
	struct kc_err err;
	struct kc_client *c;
	json_t *live;

	kc_err_clear(&err);
	c = kc_watch_client_for(r, &err);
	if (c == NULL) {
		fail(a, 500, "%s", err.msg);
		return NULL;
	}
	live = kc_state_live(c, &err);
	if (live == NULL) {
		fail(a, 502, "context %s: %s", r->name, err.msg);
		kc_client_free(c);
		return NULL;
	}
	if (cp != NULL)
		*cp = c;
	else
		kc_client_free(c);
	return live;
}

/* GET /connectors[/STATE]. */
static void
h_connectors(struct kc_watch *w, struct MHD_Connection *c, const char *state,
    struct answer *a)
{
	static const char *const states[] = { "running", "paused", "stopped", "failed",
	    "unassigned", "restarting" };
	struct kc_watch_runner *r;
	struct kc_connector_list *l;
	json_t *live, *out;
	size_t i, k;

	if (state != NULL) {
		for (k = 0; k < KC_NITEMS(states); k++)
			if (strcmp(state, states[k]) == 0)
				break;
		if (k == KC_NITEMS(states)) {
			fail(a, 404, "unknown state \"%s\": use running, paused, stopped, failed, "
			    "unassigned or restarting", state);
			return;
		}
	}
	if ((r = pick_runner(w, c, a)) == NULL || (live = fresh_live(r, NULL, a)) == NULL)
		return;
	l = kc_connector_list_new(live);
	json_decref(live);
	out = state != NULL ? json_array() : json_object();
	if (state == NULL)
		for (k = 0; k < KC_NITEMS(states); k++)
			json_object_set_new(out, states[k], json_array());
	for (i = 0; i < l->n; i++) {
		const char *h = kc_health_name(l->v[i].health);

		if (state != NULL) {
			if (strcmp(h, state) == 0)
				json_array_append_new(out, json_string(l->v[i].name));
		} else if (json_object_get(out, h) != NULL)
			json_array_append_new(json_object_get(out, h), json_string(l->v[i].name));
	}
	kc_connector_list_free(l);
	a->status = 200;
	a->body = out;
}

/* Load the state file for a request; fills a 4xx/5xx answer on failure. */
static struct kc_state *
request_state(struct kc_watch *w, struct answer *a)
{
	struct kc_state *st;
	struct kc_err err;

	if (w->o.state_src == NULL) {
		fail(a, 404, "this watch has no state file (start it with --state FILE)");
		return NULL;
	}
	kc_err_clear(&err);
	st = kc_watch_load_state(w, &err);
	if (st == NULL) {
		fail(a, 500, "%s", err.msg);
		return NULL;
	}
	return st;
}

/* The 400 answer for a state with diagnostics. */
static void
diag_answer(struct kc_state *st, struct answer *a)
{
	struct kc_buf b;

	kc_buf_init(&b);
	kc_state_diags_text(st, &b);
	a->status = 400;
	a->body = json_object();
	json_object_set_new(a->body, "valid", json_false());
	kc_watch_event_str(a->body, "source", kc_state_name(st));
	json_object_set_new(a->body, "errors", kc_state_diags_json(st));
	kc_watch_event_str(a->body, "text", kc_buf_str(&b));
	kc_buf_free(&b);
}

/* GET /validate. */
static void
h_validate(struct kc_watch *w, struct MHD_Connection *c, struct answer *a)
{
	struct kc_watch_runner *r;
	struct kc_state *st;
	struct kc_client *cl;
	struct kc_err err;
	int remote = query_flag(c, "remote", 1), checked = 0;
	char *note = NULL;

	if ((r = pick_runner(w, c, a)) == NULL || (st = request_state(w, a)) == NULL)
		return;
	if (kc_state_ndiags(st) == 0 && remote) {
		kc_err_clear(&err);
		cl = kc_watch_client_for(r, &err);
		if (cl != NULL && kc_state_validate_remote(st, cl, 0, &err) >= 0)
			checked = 1;
		else
			note = kc_xasprintf("Connect's validate endpoint was not reached: %s",
			    err.msg);
		kc_client_free(cl);
	}
	if (kc_state_ndiags(st) > 0)
		diag_answer(st, a);
	else {
		a->status = 200;
		a->body = json_object();
		json_object_set_new(a->body, "valid", json_true());
		kc_watch_event_str(a->body, "source", kc_state_name(st));
		json_object_set_new(a->body, "connectors", json_integer((json_int_t)
		    kc_state_count(st)));
		json_object_set_new(a->body, "checked_by_connect", json_boolean(checked));
		if (note != NULL)
			kc_watch_event_str(a->body, "note", note);
	}
	if (a->status == 400 && checked)
		json_object_set_new(a->body, "checked_by_connect", json_true());
	free(note);
	kc_state_free(st);
}

/* Plan against a fresh snapshot. */
static struct kc_state_plan *
request_plan(struct kc_watch *w, struct kc_watch_runner *r, struct kc_client **cp,
    struct answer *a)
{
	struct kc_state_plan_opts po = { .prune = w->o.prune };
	struct kc_state_plan *plan;
	struct kc_state *st;
	struct kc_err err;
	json_t *live;

	if ((st = request_state(w, a)) == NULL)
		return NULL;
	if (kc_state_ndiags(st) > 0) {
		diag_answer(st, a);
		kc_state_free(st);
		return NULL;
	}
	if ((live = fresh_live(r, cp, a)) == NULL) {
		kc_state_free(st);
		return NULL;
	}
	kc_err_clear(&err);
	plan = kc_state_plan_new(st, live, &po, &err);
	json_decref(live);
	kc_state_free(st);
	if (plan == NULL) {
		fail(a, 400, "%s", err.msg);
		if (cp != NULL && *cp != NULL) {
			kc_client_free(*cp);
			*cp = NULL;
		}
	}
	return plan;
}

/* GET /plan. */
static void
h_plan(struct kc_watch *w, struct MHD_Connection *c, struct answer *a)
{
	struct kc_watch_runner *r;
	struct kc_state_plan *plan;
	struct kc_buf b;

	if ((r = pick_runner(w, c, a)) == NULL || (plan = request_plan(w, r, NULL, a)) == NULL)
		return;
	a->status = 200;
	a->body = kc_state_plan_json(plan);
	kc_buf_init(&b);
	kc_state_plan_text(plan, &b, 0);
	kc_watch_event_str(a->body, "text", kc_buf_str(&b));
	kc_buf_free(&b);
	kc_state_plan_free(plan);
}

/* POST /sync. */
static void
h_sync(struct kc_watch *w, struct MHD_Connection *c, struct answer *a)
{
	struct kc_watch_runner *r;
	struct kc_state_plan *plan;
	struct kc_state_apply_opts ao = { 0 };
	struct kc_state_report *rep;
	struct kc_state_exec *ex;
	struct kc_client *cl = NULL;
	json_t *ev;

	if ((r = pick_runner(w, c, a)) == NULL)
		return;
	if (r->ctx->read_only) {
		fail(a, 403, "context %s is read-only", r->name);
		return;
	}
	ao.dry_run = query_flag(c, "dry_run", 0);
	pthread_mutex_lock(&w->sync_mu);
	plan = request_plan(w, r, &cl, a);
	if (plan == NULL) {
		pthread_mutex_unlock(&w->sync_mu);
		kc_client_free(cl);
		return;
	}
	ex = kc_state_exec_client_new(cl, 0);
	rep = kc_state_apply(plan, ex, &ao);
	pthread_mutex_unlock(&w->sync_mu);
	a->body = kc_state_report_json(rep);
	a->status = kc_state_report_nfailed(rep) == 0 ? 200 : 502;
	if (!ao.dry_run) {
		ev = kc_watch_event_new("applied", r->name, NULL, 0);
		kc_watch_event_str(ev, "source", w->o.state_src);
		kc_watch_event_str(ev, "via", "POST /sync");
		json_object_set(ev, "report", a->body);
		json_object_set_new(ev, "failed", json_integer((json_int_t)
		    kc_state_report_nfailed(rep)));
		json_object_set_new(ev, "message", json_sprintf("POST /sync applied %zu change%s "
		    "(%zu failed)", kc_state_plan_count(plan), kc_state_plan_count(plan) == 1 ?
		    "" : "s", kc_state_report_nfailed(rep)));
		kc_watch_emit(w, KC_WEV_APPLIED, ev);
	}
	kc_state_report_free(rep);
	kc_state_exec_client_free(ex);
	kc_state_plan_free(plan);
	kc_client_free(cl);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
label(struct kc_buf *b, const char *v)
{
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			kc_buf_putc(b, '\\');
		if (*v == '\n')
			kc_buf_puts(b, "\\n");
		else
			kc_buf_putc(b, *v);
	}
}

/* GET /metrics: Prometheus text exposition of the watch's view and totals. */
static char *
metrics_text(struct kc_watch *w)
{
	static const char *const healths[] = { "running", "paused", "stopped", "failed",
	    "unassigned", "restarting", "unknown" };
	static const struct { const char *key, *name, *help; } totals[] = {
		{ "polls", "kcops_watch_polls_total", "Bulk status polls made." },
		{ "failed_polls", "kcops_watch_failed_polls_total", "Polls that failed." },
		{ "outages", "kcops_watch_outages_total", "Outages (first failed poll of each)." },
		{ "incidents", "kcops_watch_incidents_total", "Connector failure incidents." },
		{ "restarts", "kcops_watch_restarts_total", "Restarts of failed instances." },
		{ "restart_errors", "kcops_watch_restart_errors_total",
		  "Restart requests that failed." },
		{ "gave_up", "kcops_watch_gave_up_total", "Incidents given up." },
		{ "recovered", "kcops_watch_recovered_total", "Incidents recovered." },
	};
	json_t *st = kc_watch_status_json(w), *c, *n = json_object_get(st, "notifications");
	struct kc_buf b;
	size_t i, k;

	kc_buf_init(&b);
	kc_buf_puts(&b, "# HELP kcops_watch_up Whether the last poll of the context worked.\n"
	    "# TYPE kcops_watch_up gauge\n");
	json_array_foreach(json_object_get(st, "contexts"), i, c) {
		kc_buf_puts(&b, "kcops_watch_up{context=\"");
		label(&b, kc_json_str(c, "context"));
		kc_buf_printf(&b, "\"} %d\n", json_is_true(json_object_get(c, "reachable")));
	}
	kc_buf_puts(&b, "# HELP kcops_watch_connectors Connectors by aggregated state.\n"
	    "# TYPE kcops_watch_connectors gauge\n");
	json_array_foreach(json_object_get(st, "contexts"), i, c) {
		long count[KC_NITEMS(healths)] = { 0 };
		long gave_up = 0;
		const char *name;
		json_t *v;

		json_object_foreach(json_object_get(c, "connectors"), name, v) {
			const char *h = kc_json_str_or(v, "health", "unknown");

			for (k = 0; k < KC_NITEMS(healths) - 1; k++)
				if (strcmp(h, healths[k]) == 0)
					break;
			count[k]++;
			gave_up += json_is_true(json_object_get(v, "gave_up"));
		}
		for (k = 0; k < KC_NITEMS(healths); k++) {
			kc_buf_puts(&b, "kcops_watch_connectors{context=\"");
			label(&b, kc_json_str(c, "context"));
			kc_buf_printf(&b, "\",state=\"%s\"} %ld\n", healths[k], count[k]);
		}
		kc_buf_puts(&b, "kcops_watch_given_up_connectors{context=\"");
		label(&b, kc_json_str(c, "context"));
		kc_buf_printf(&b, "\"} %ld\n", gave_up);
	}
	for (k = 0; k < KC_NITEMS(totals); k++) {
		kc_buf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n", totals[k].name,
		    totals[k].help, totals[k].name);
		json_array_foreach(json_object_get(st, "contexts"), i, c) {
			kc_buf_printf(&b, "%s{context=\"", totals[k].name);
			label(&b, kc_json_str(c, "context"));
			kc_buf_printf(&b, "\"} %lld\n", kc_json_int_or(json_object_get(c, "totals"),
			    totals[k].key, 0));
		}
	}
	kc_buf_puts(&b, "# HELP kcops_watch_notifications_total Notification deliveries.\n"
	    "# TYPE kcops_watch_notifications_total counter\n");
	kc_buf_printf(&b, "kcops_watch_notifications_total{result=\"delivered\"} %lld\n"
	    "kcops_watch_notifications_total{result=\"failed\"} %lld\n"
	    "kcops_watch_notifications_total{result=\"dropped\"} %lld\n",
	    kc_json_int_or(n, "delivered", 0), kc_json_int_or(n, "failed", 0),
	    kc_json_int_or(n, "dropped", 0));
	kc_buf_printf(&b, "# HELP kcops_watch_events_total Events emitted.\n"
	    "# TYPE kcops_watch_events_total counter\nkcops_watch_events_total %lld\n",
	    kc_json_int_or(st, "events", 0));
	json_decref(st);
	return kc_buf_steal(&b);
}

/* Route one authorised request. */
static void
route(struct kc_watch *w, struct MHD_Connection *c, const char *method, const char *url,
    struct answer *a)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	const char *sub;

	if (strcmp(url, "/sync") == 0 || strcmp(url, "/connectors/sync") == 0) {
		if (!post) {
			a->allow = "POST";
			fail(a, 405, "use POST %s", url);
			return;
		}
		h_sync(w, c, a);
		return;
	}
	if (!get) {
		a->allow = "GET, HEAD";
		fail(a, 405, "%s %s: method not allowed", method, url);
		return;
	}
	sub = kc_str_has_prefix(url, "/connectors/") ? url + strlen("/connectors/") : NULL;
	if (strcmp(url, "/connectors") == 0 || (sub != NULL && *sub == '\0'))
		h_connectors(w, c, NULL, a);
	else if (sub != NULL && memchr(sub, '/', strlen(sub)) == NULL)
		h_connectors(w, c, sub, a);
	else if (strcmp(url, "/validate") == 0)
		h_validate(w, c, a);
	else if (strcmp(url, "/plan") == 0)
		h_plan(w, c, a);
	else if (strcmp(url, "/events") == 0) {
		const char *s = query(c, "since"), *wt = query(c, "wait");
		int64_t wait_ms = 0;

		if (wt != NULL && ((wait_ms = kc_parse_duration_ms(wt, 1000)) < 0 ||
		    wait_ms > 60000)) {
			fail(a, 400, "wait=%s: a duration up to 60s, e.g. wait=30s", wt);
			return;
		}
		a->status = 200;
		a->body = kc_watch_events_json(w, s != NULL ? strtoll(s, NULL, 10) : 0,
		    (long)wait_ms);
	} else if (strcmp(url, "/status") == 0) {
		a->status = 200;
		a->body = kc_watch_status_json(w);
	} else if (strcmp(url, "/metrics") == 0) {
		a->status = 200;
		a->text = metrics_text(w);
	} else if (strcmp(url, "/health") == 0) {
		a->status = 200;
		a->body = json_pack("{s:s}", "status", "ok");
	} else
		fail(a, 404, "no such endpoint: %s", url);
}

/* The MHD access handler. */
static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct kc_watch *w = cls;
	struct conn_state *cs = *con_cls;
	struct answer a = { 0 };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text;

	(void)version;
	(void)upload;
	if (cs == NULL) {
		cs = kc_xcalloc(1, sizeof(*cs));
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		cs->body += *upload_size;
		*upload_size = 0;
		if (cs->body <= MAX_BODY)
			return MHD_YES;
	}
	switch (kc_watch_tokens_check(w->tokens, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION))) {
	case KC_AUTH_MISSING:
		fail(&a, 401, "an Authorization header with the service token is required");
		a.www_auth = "Bearer realm=\"kcops watch\"";
		break;
	case KC_AUTH_BAD:
		fail(&a, 403, "the Authorization header does not carry a valid token");
		break;
	case KC_AUTH_OK:
		if (cs->body > MAX_BODY)
			fail(&a, 413, "request body over %d bytes", MAX_BODY);
		else
			route(w, c, method, url, &a);
		break;
	}
	if (a.text != NULL) {
		resp = MHD_create_response_from_buffer(strlen(a.text), a.text,
		    MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/plain; version=0.0.4; charset=utf-8");
	} else {
		size_t len;

		if (a.body == NULL)
			fail(&a, 500, "no answer");
		text = json_dumps(a.body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(a.body);
		if (text == NULL)
			text = kc_xstrdup("{}");
		len = strlen(text);
		text = kc_xrealloc(text, len + 2);
		text[len] = '\n';
		text[len + 1] = '\0';
		resp = MHD_create_response_from_buffer(len + 1, text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	}
	if (a.www_auth != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, a.www_auth);
	if (a.allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, a.allow);
	kc_log(LOGGER, KC_LOG_DEBUG, "%s %s -> %d", method, url, a.status);
	ret = MHD_queue_response(c, (unsigned)a.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Free per-connection state. */
static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

/* Bind the listening socket. */
static int
bind_listen(struct kc_watch *w, const char *host, int port, int *family, struct kc_err *err)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char pbuf[16];
	int fd = -1, rc, one = 1;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(pbuf, sizeof(pbuf), "%d", port);
	rc = getaddrinfo(host, pbuf, &hints, &res);
	if (rc != 0) {
		kc_err_set(err, KC_E_USAGE, "--listen %s: %s", w->o.listen, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
			*family = ai->ai_family;
			break;
		}
		kc_err_set(err, KC_E_IO, "--listen %s: %s", w->o.listen, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0 && err != NULL && err->code == 0)
		kc_err_set(err, KC_E_IO, "--listen %s: no usable address", w->o.listen);
	return fd;
}

/* Start the server. */
int
kc_watch_serve_start(struct kc_watch *w, struct kc_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char *host = NULL, addr[INET6_ADDRSTRLEN + 1] = "";
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;
	int port, family = AF_INET;
	json_t *ev;

	kc_err_clear(err);
	if (kc_watch_parse_listen(w->o.listen, &host, &port, err) != 0) {
		kc_err_prefix(err, "--listen");
		return -1;
	}
	w->listen_fd = bind_listen(w, host, port, &family, err);
	free(host);
	if (w->listen_fd < 0)
		return -1;
	if (getsockname(w->listen_fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			w->port = ntohs(s6->sin6_port);
			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			w->port = ntohs(s4->sin_port);
			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		}
	}
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, w,
	    MHD_OPTION_LISTEN_SOCKET, w->listen_fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 64u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120u,
	    MHD_OPTION_END);
	if (w->mhd == NULL) {
		kc_err_set(err, KC_E_IO, "--listen %s: cannot start the HTTP server", w->o.listen);
		close(w->listen_fd);
		w->listen_fd = -1;
		return -1;
	}
	w->listen_fd = -1;	/* MHD owns and closes it now */
	ev = kc_watch_event_new("listening", NULL, NULL, 0);
	json_object_del(ev, "context");
	kc_watch_event_str(ev, "address", addr);
	json_object_set_new(ev, "port", json_integer(w->port));
	json_object_set_new(ev, "url", json_sprintf(family == AF_INET6 ? "http://[%s]:%d" :
	    "http://%s:%d", addr, w->port));
	kc_watch_emit(w, KC_WEV_LISTENING, ev);
	return 0;
}

/* Stop the server (idempotent). */
void
kc_watch_serve_stop(struct kc_watch *w)
{
	if (w->mhd != NULL) {
		MHD_stop_daemon(w->mhd);
		w->mhd = NULL;
	}
	if (w->listen_fd >= 0) {
		close(w->listen_fd);
		w->listen_fd = -1;
	}
}
