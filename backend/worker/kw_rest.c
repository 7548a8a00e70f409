/* kw_rest.c - the REST server on libmicrohttpd (see kw_rest.h for the design). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_log.h"
#include "kc_text.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"

#define LOGGER "kcops.worker.rest"

struct waiter {
	struct MHD_Connection	*conn;
	struct reqstate		*rs;
	char			*key;
	int64_t			 deadline;
	struct waiter		*next;
};

struct kw_rest {
	struct kw_worker	*w;
	struct MHD_Daemon	*d;
	size_t			 max_body;
	pthread_mutex_t		 wlock;
	struct waiter		*waiters;
	pthread_t		 timer;
	bool			 timer_stop;
	pthread_cond_t		 timer_cond;
};

struct reqstate {
	struct kw_rest		*rest;
	struct MHD_Connection	*conn;
	struct kc_buf		 body;
	bool			 too_big;
	bool			 resumed;
	bool			 waiting;	/* kw_rest_wait was called in this run */
	char			*wait_key;
	int			 wait_ms;
};

/* ---- request helpers ------------------------------------------------------------------ */

/* Decode a query component ('+' is a space). New string or NULL. */
static char *
decode_query(const char *raw)
{
	char *s = kc_xstrdup(raw), *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '+')
			*p = ' ';
	if (kc_url_decode_inplace(s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

struct qfind {
	const char	*name;
	json_t		*all;
	char		*first;
};

static enum MHD_Result
query_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct qfind *q = cls;
	char *k, *v;

	(void)kind;
	k = decode_query(key);
	if (k == NULL || strcmp(k, q->name) != 0) {
		free(k);
		return MHD_YES;
	}
	free(k);
	v = decode_query(value != NULL ? value : "");
	if (v == NULL)
		return MHD_YES;
	if (q->all != NULL)
		json_array_append_new(q->all, json_string(v));
	if (q->first == NULL)
		q->first = v;
	else
		free(v);
	return q->all != NULL ? MHD_YES : MHD_NO;
}

/* Query parameters are decoded into strings owned by the request (freed with it). */
struct req_priv {
	struct reqstate	*rs;
	json_t		*owned;		/* strings handed out by kw_req_query */
};

const char *
kw_req_query(struct kw_req *req, const char *name)
{
	struct req_priv *p = req->priv;
	struct qfind q = { name, NULL, NULL };
	json_t *s;

	MHD_get_connection_values(p->rs->conn, MHD_GET_ARGUMENT_KIND, query_iter, &q);
	if (q.first == NULL)
		return NULL;
	s = json_string(q.first);
	free(q.first);
	if (s == NULL)
		return NULL;	/* not UTF-8 */
	json_array_append_new(p->owned, s);
	return json_string_value(s);
}

json_t *
kw_req_query_all(struct kw_req *req, const char *name)
{
	struct req_priv *p = req->priv;
	struct qfind q = { name, json_array(), NULL };

	MHD_get_connection_values(p->rs->conn, MHD_GET_ARGUMENT_KIND, query_iter, &q);
	free(q.first);
	return q.all;
}

const char *
kw_req_header(struct kw_req *req, const char *name)
{
	struct req_priv *p = req->priv;

	return MHD_lookup_connection_value(p->rs->conn, MHD_HEADER_KIND, name);
}

/* ---- responses ------------------------------------------------------------------------ */

struct kw_blob {
	atomic_int	refs;
	size_t		len;
	char		data[];
};

struct kw_blob *
kw_blob_new(const char *data, size_t len)
{
	struct kw_blob *b = kc_xmalloc(sizeof(*b) + len + 1);

	atomic_init(&b->refs, 1);
	b->len = len;
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

struct kw_blob *
kw_blob_ref(struct kw_blob *b)
{
	atomic_fetch_add(&b->refs, 1);
	return b;
}

void
kw_blob_unref(struct kw_blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static void
blob_free_cb(void *cls)
{
	kw_blob_unref(cls);
}

void
kw_resp_blob(struct kw_resp *resp, int status, struct kw_blob *blob)
{
	kw_resp_empty(resp, status);
	resp->blob = kw_blob_ref(blob);
}

void
kw_resp_json(struct kw_resp *resp, int status, json_t *body)
{
	resp->status = status;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (body != NULL) {
		resp->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		resp->body_len = resp->body != NULL ? strlen(resp->body) : 0;
		json_decref(body);
	}
}

void
kw_resp_raw(struct kw_resp *resp, int status, const char *body, size_t len)
{
	resp->status = status;
	free(resp->body);
	resp->body = kc_xmalloc(len + 1);
	memcpy(resp->body, body, len);
	resp->body[len] = '\0';
	resp->body_len = len;
}

void
kw_resp_empty(struct kw_resp *resp, int status)
{
	resp->status = status;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	kw_blob_unref(resp->blob);
	resp->blob = NULL;
}

void
kw_resp_error(struct kw_resp *resp, int status, const char *fmt, ...)
{
	struct kc_buf b = { 0 };
	va_list ap;

	json_t *body;

	va_start(ap, fmt);
	kc_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	body = json_pack("{s:i,s:s}", "error_code", status, "message", kc_buf_str(&b));
	if (body == NULL) {
		/* not UTF-8 (e.g. it quotes a request path): replace the bad bytes */
		char *clean = kc_text_sanitize(kc_buf_str(&b), KC_TEXT_KEEP_NL | KC_TEXT_KEEP_TAB);

		body = json_pack("{s:i,s:s}", "error_code", status, "message", clean);
		free(clean);
	}
	kw_resp_json(resp, status, body);
	kc_buf_free(&b);
}

/* ---- long polls ----------------------------------------------------------------------- */

void
kw_rest_wait(struct kw_req *req, const char *key, int timeout_ms)
{
	struct req_priv *p = req->priv;
	struct reqstate *rs = p->rs;
	struct kw_rest *rest = rs->rest;
	struct waiter *wt = kc_xcalloc(1, sizeof(*wt));

	wt->conn = rs->conn;
	wt->rs = rs;
	wt->key = kc_xstrdup(key);
	wt->deadline = kc_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	rs->waiting = true;
	pthread_mutex_lock(&rest->wlock);
	MHD_suspend_connection(rs->conn);
	wt->next = rest->waiters;
	rest->waiters = wt;
	pthread_cond_signal(&rest->timer_cond);
	pthread_mutex_unlock(&rest->wlock);
}

/* Resume waiters matching key (NULL: all) or expired; wlock held. */
static void
resume_locked(struct kw_rest *rest, const char *key, bool expired_only)
{
	struct waiter **pp = &rest->waiters, *wt;
	int64_t now = kc_mono_ms();

	while ((wt = *pp) != NULL) {
		bool go = expired_only ? wt->deadline <= now :
		    (key == NULL || strcmp(key, wt->key) == 0);

		if (!go) {
			pp = &wt->next;
			continue;
		}
		*pp = wt->next;
		wt->rs->resumed = true;
		MHD_resume_connection(wt->conn);
		free(wt->key);
		free(wt);
	}
}

void
kw_rest_wake(struct kw_rest *rest, const char *key)
{
	pthread_mutex_lock(&rest->wlock);
	if (rest->waiters != NULL)
		resume_locked(rest, key, false);
	pthread_mutex_unlock(&rest->wlock);
}

static void *
timer_main(void *arg)
{
	struct kw_rest *rest = arg;
	struct timespec ts;

	pthread_setname_np(pthread_self(), "rest-timer");
	pthread_mutex_lock(&rest->wlock);
	while (!rest->timer_stop) {
		resume_locked(rest, NULL, true);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (rest->waiters == NULL)
			ts.tv_sec += 1;
		pthread_cond_timedwait(&rest->timer_cond, &rest->wlock, &ts);
	}
	pthread_mutex_unlock(&rest->wlock);
	return NULL;
}

/* ---- dispatch ------------------------------------------------------------------------- */

/* Split and decode the path. Returns the number of segments, or -1 when malformed. */
static int
split_path(const char *path, char ***segs_out)
{
	char *copy = kc_xstrdup(path), *p = copy, **segs = NULL;
	int n = 0;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		char *slash = strchr(p, '/');

		if (slash != NULL)
			*slash = '\0';
		segs = kc_xrealloc(segs, (size_t)(n + 1) * sizeof(*segs));
		segs[n] = kc_xstrdup(p);
		if (kc_url_decode_inplace(segs[n]) != 0) {
			int i;

			for (i = 0; i <= n; i++)
				free(segs[i]);
			free(segs);
			free(copy);
			return -1;
		}
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
		if (*p == '\0')
			break;	/* trailing slash */
	}
	free(copy);
	*segs_out = segs;
	return n;
}

/* Does the pattern match? Fills params. No allocation: this runs for every route. */
static bool
match(const char *pattern, char **segs, int nsegs, struct kw_req *req)
{
	const char *p = pattern;
	int i = 0, np = 0;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (i >= nsegs)
			return false;
		if (len == 2 && p[0] == '{' && p[1] == '}') {
			if (np < KW_REST_MAX_PARAMS)
				req->params[np++] = segs[i];
		} else if (strlen(segs[i]) != len || memcmp(segs[i], p, len) != 0)
			return false;
		i++;
		p += len;
		while (*p == '/')
			p++;
	}
	if (i != nsegs)
		return false;
	req->nparams = np;
	return true;
}

static void
dispatch(struct kw_rest *rest, struct reqstate *rs, const char *url, const char *method,
    struct kw_resp *resp)
{
	struct req_priv priv = { rs, json_array() };
	struct kw_req req;
	char **segs = NULL;
	int nsegs, i;
	bool path_known = false;
	const struct kw_route *r;

	memset(&req, 0, sizeof(req));
	req.w = rest->w;
	req.method = method;
	req.path = url;
	req.priv = &priv;
	req.resumed = rs->resumed;
	if (rs->body.len > 0) {
		req.body = kc_buf_str(&rs->body);
		req.body_len = rs->body.len;
	}
	nsegs = split_path(url, &segs);
	if (nsegs < 0) {
		kw_resp_error(resp, 404, "HTTP 404 Not Found");
		json_decref(priv.owned);
		return;
	}
	for (i = 0; i < nsegs; i++) {
		json_t *utf8 = json_string(segs[i]);

		if (utf8 == NULL) {
			/* No connector, plugin or logger has a name that is not UTF-8. */
			kw_resp_error(resp, 404, "HTTP 404 Not Found (path segment %d is not UTF-8)",
			    i + 1);
			goto out;
		}
		json_decref(utf8);
	}
	if (rs->too_big) {
		kw_resp_error(resp, 413, "Request body exceeds the limit of %zu bytes "
		    "(rest.request.max.bytes)", rest->max_body);
		goto out;
	}
	for (r = kw_routes; r->method != NULL; r++) {
		if (!match(r->pattern, segs, nsegs, &req))
			continue;
		path_known = true;
		if (strcmp(r->method, method) != 0)
			continue;
		if (r->fn(&req, resp) != 0 && resp->status == 0)
			kw_resp_error(resp, 500, "internal error");
		goto out;
	}
	if (path_known)
		kw_resp_error(resp, 405, "HTTP 405 Method Not Allowed");
	else
		kw_resp_error(resp, 404, "HTTP 404 Not Found");
out:
	for (i = 0; i < nsegs; i++)
		free(segs[i]);
	free(segs);
	json_decref(priv.owned);
}

static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	(void)cls;
	(void)c;
	return strlen(uri);
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct kw_rest *rest = cls;
	struct reqstate *rs = *con_cls;
	struct kw_resp resp = { 0 };
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)version;
	if (rs == NULL) {
		rs = kc_xcalloc(1, sizeof(*rs));
		rs->rest = rest;
		rs->conn = conn;
		*con_cls = rs;
		return MHD_YES;	/* answer on a later call: keeps the connection alive */
	}
	if (*upload_data_size > 0) {
		if (!rs->too_big && rs->body.len + *upload_data_size > rest->max_body) {
			rs->too_big = true;
			kc_buf_free(&rs->body);
		}
		if (!rs->too_big)
			kc_buf_append(&rs->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	rs->waiting = false;
	dispatch(rest, rs, url, method, &resp);
	if (rs->waiting) {
		free(resp.body);
		free(resp.location);
		kw_blob_unref(resp.blob);
		return MHD_YES;	/* suspended in kw_rest_wait */
	}
	if (resp.status == 0)
		kw_resp_error(&resp, 500, "handler gave no answer");
	if (kc_log_enabled(LOGGER, KC_LOG_DEBUG))
		kc_log(LOGGER, KC_LOG_DEBUG, "%s %s -> %d", method, url, resp.status);
	if (resp.blob != NULL)
		r = MHD_create_response_from_buffer_with_free_callback_cls(resp.blob->len,
		    resp.blob->data, blob_free_cb, resp.blob);
	else
		r = MHD_create_response_from_buffer(resp.body_len, resp.body != NULL ? resp.body :
		    "", resp.body != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp.body != NULL || resp.blob != NULL || resp.status >= 400 ||
	    resp.content_type != NULL)
		MHD_add_response_header(r, "Content-Type", resp.content_type != NULL ?
		    resp.content_type : "application/json");
	if (resp.location != NULL)
		MHD_add_response_header(r, "Location", resp.location);
	ret = MHD_queue_response(conn, (unsigned)resp.status, r);
	MHD_destroy_response(r);
	free(resp.location);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct reqstate *rs = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rs == NULL)
		return;
	kc_buf_free(&rs->body);
	free(rs->wait_key);
	free(rs);
	*con_cls = NULL;
}

/* Parse "http://HOST:PORT" into a socket address. 0 or -1 + err. */
static int
parse_listener(const char *listener, struct sockaddr_storage *ss, socklen_t *sslen,
    char **host_out, char *err, size_t errlen)
{
	const char *p = listener, *colon;
	struct addrinfo hints, *res = NULL;
	char *host, port[16];
	int r;

	if (kc_str_has_prefix(p, "http://"))
		p += 7;
	else if (strstr(p, "://") != NULL) {
		snprintf(err, errlen, "listeners=%s: only http:// listeners are supported", listener);
		return -1;
	}
	colon = strrchr(p, ':');
	if (colon == NULL) {
		snprintf(err, errlen, "listeners=%s: expected http://HOST:PORT", listener);
		return -1;
	}
	host = kc_xstrndup(p, (size_t)(colon - p));
	snprintf(port, sizeof(port), "%s", colon + 1);
	{
		char *end;
		long pn = strtol(port, &end, 10);

		if (*port == '\0' || *end != '\0' || pn < 0 || pn > 65535) {
			snprintf(err, errlen, "listeners=%s: bad port \"%s\"", listener, port);
			free(host);
			return -1;
		}
	}
	if (host[0] == '[') {	/* [::1] */
		size_t l = strlen(host);

		memmove(host, host + 1, l);
		if (l >= 2 && host[l - 2] == ']')
			host[l - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	r = getaddrinfo(*host != '\0' ? host : NULL, port, &hints, &res);
	if (r != 0 || res == NULL) {
		snprintf(err, errlen, "listeners=%s: %s", listener, gai_strerror(r));
		free(host);
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	*host_out = host;
	return 0;
}

struct kw_rest *
kw_rest_start(struct kw_worker *w, const char *listener, int threads, size_t max_body,
    char **url_out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct kw_rest *rest;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	char *host;
	int port;

	if (parse_listener(listener, &ss, &sslen, &host, err, errlen) != 0)
		return NULL;
	rest = kc_xcalloc(1, sizeof(*rest));
	rest->w = w;
	rest->max_body = max_body;
	pthread_mutex_init(&rest->wlock, NULL);
	pthread_cond_init(&rest->timer_cond, NULL);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (threads < 1)
		threads = 1;
	rest->d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, rest,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, rest,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
	    MHD_OPTION_END);
	if (rest->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s (address in use or not available)",
		    listener);
		free(host);
		pthread_mutex_destroy(&rest->wlock);
		pthread_cond_destroy(&rest->timer_cond);
		free(rest);
		return NULL;
	}
	info = MHD_get_daemon_info(rest->d, MHD_DAEMON_INFO_BIND_PORT);
	port = info != NULL ? info->port : 0;
	if (*host == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
		free(host);
		host = kc_xstrdup("127.0.0.1");
	}
	if (strchr(host, ':') != NULL)
		*url_out = kc_xasprintf("http://[%s]:%d", host, port);
	else
		*url_out = kc_xasprintf("http://%s:%d", host, port);
	free(host);
	if (pthread_create(&rest->timer, NULL, timer_main, rest) != 0) {
		snprintf(err, errlen, "cannot start REST timer thread");
		MHD_stop_daemon(rest->d);
		free(*url_out);
		*url_out = NULL;
		free(rest);
		return NULL;
	}
	return rest;
}

void
kw_rest_stop(struct kw_rest *rest)
{
	if (rest == NULL)
		return;
	pthread_mutex_lock(&rest->wlock);
	rest->timer_stop = true;
	resume_locked(rest, NULL, false);
	pthread_cond_signal(&rest->timer_cond);
	pthread_mutex_unlock(&rest->wlock);
	pthread_join(rest->timer, NULL);
	MHD_quiesce_daemon(rest->d);
	/* Give resumed long polls a moment to be answered. */
	usleep(50 * 1000);
	MHD_stop_daemon(rest->d);
	pthread_mutex_destroy(&rest->wlock);
	pthread_cond_destroy(&rest->timer_cond);
	free(rest);
}
