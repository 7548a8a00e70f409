/* kw_rest.c - the REST server on libmicrohttpd (see kw_rest.h for the design). */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
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
#include "kc_json.h"
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

/* Per connection (MHD socket context): where its current request is, for the request
 * deadline (rest.request.timeout.ms) and the TLS client check. clock guards the list links
 * and `cut`; phase and since are atomics (written by the connection's MHD thread, read by
 * the sweeper); uri_len and cert_ok are used by the connection's thread only. */
enum conn_phase {
	CS_IDLE,	/* waiting for a request line (just accepted, or kept alive) */
	CS_HEADERS,	/* request line seen, headers arriving */
	CS_BODY,	/* headers done, body arriving */
	CS_BUSY,	/* request complete: handler, long poll or response */
};

struct connstate {
	struct connstate	*prev, *next;
	int			 fd;
	bool			 tls;
	_Atomic int		 phase;		/* enum conn_phase */
	atomic_int_fast64_t	 since;		/* accept or previous response (monotonic ms) */
	size_t			 uri_len;	/* raw request target of the current request */
	int			 cert_ok;	/* TLS client certificate: -1 unchecked, 0 bad, 1 ok */
	bool			 cut;		/* shut down by the request deadline */
};

struct listener {
	struct kw_rest		*rest;
	struct MHD_Daemon	*d;
	bool			 tls;
};

struct kw_rest {
	struct kw_worker	*w;
	struct listener		 ls[KW_REST_MAX_LISTENERS];
	int			 nls;
	size_t			 max_body;
	size_t			 max_header;
	int			 req_timeout_ms;
	int			 tls_client_auth;
	struct kw_rest_opts	 tls_opts;	/* certificate paths, for kw_rest_reload */
	bool			 has_tls;
	struct kw_auth		*auth;
	pthread_mutex_t		 wlock;
	struct waiter		*waiters;
	pthread_t		 timer;
	bool			 timer_stop;
	pthread_cond_t		 timer_cond;
	pthread_mutex_t		 clock;
	struct connstate	*conns;
	atomic_ulong		 ncut;		/* connections cut by the request deadline */
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

static void sweep_locked(struct kw_rest *rest, int64_t now);

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
		if (rest->req_timeout_ms > 0) {
			pthread_mutex_lock(&rest->clock);
			sweep_locked(rest, kc_mono_ms());
			pthread_mutex_unlock(&rest->clock);
		}
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

/* A request body of POST/PUT/PATCH must be JSON when its type is given (as Connect's
 * @Consumes(application/json): no Content-Type is accepted). */
static bool
json_content_type(struct kw_req *req, const char *method)
{
	const char *ct = kw_req_header(req, "Content-Type");
	size_t n;

	if (ct == NULL || (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "PATCH") != 0))
		return true;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return true;
	/* application/<anything>+json (e.g. application/vnd.foo+json) */
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0;
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
		if (!json_content_type(&req, method)) {
			kw_resp_error(resp, 415, "HTTP 415 Unsupported Media Type");
			goto out;
		}
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

/* ---- connections and the request deadline --------------------------------------------- */

static struct connstate *
conn_state(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void
set_phase(struct kw_rest *rest, struct connstate *cs, enum conn_phase ph)
{
	(void)rest;
	if (cs == NULL)
		return;
	if (ph == CS_IDLE)
		atomic_store_explicit(&cs->since, kc_mono_ms(), memory_order_relaxed);
	atomic_store_explicit(&cs->phase, (int)ph, memory_order_release);
}

static void
notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;
	struct kw_rest *rest = l->rest;
	struct connstate *cs;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);

		cs = kc_xcalloc(1, sizeof(*cs));
		cs->fd = ci != NULL ? ci->connect_fd : -1;
		cs->tls = l->tls;
		atomic_init(&cs->phase, CS_IDLE);
		atomic_init(&cs->since, kc_mono_ms());
		cs->cert_ok = -1;
		pthread_mutex_lock(&rest->clock);
		cs->next = rest->conns;
		if (rest->conns != NULL)
			rest->conns->prev = cs;
		rest->conns = cs;
		pthread_mutex_unlock(&rest->clock);
		*socket_context = cs;
		return;
	}
	/* MHD_CONNECTION_NOTIFY_CLOSED comes before MHD closes the socket, so a connection in
	 * the list always has a valid fd. */
	cs = *socket_context;
	if (cs == NULL)
		return;
	pthread_mutex_lock(&rest->clock);
	if (cs->prev != NULL)
		cs->prev->next = cs->next;
	else
		rest->conns = cs->next;
	if (cs->next != NULL)
		cs->next->prev = cs->prev;
	pthread_mutex_unlock(&rest->clock);
	free(cs);
	*socket_context = NULL;
}

/* Called by MHD once the request line is in: the request has started. */
static void *
uri_logger(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct kw_rest *rest = cls;
	struct connstate *cs = conn_state(conn);

	if (cs != NULL) {
		cs->uri_len = strlen(uri);
		set_phase(rest, cs, CS_HEADERS);
	}
	return NULL;
}

#define TIMEOUT_MSG "{\"error_code\":408,\"message\":\"Request not received within " \
	"rest.request.timeout.ms\"}"

/* Cut connections whose request did not arrive in time (slow clients, slowloris). A plain
 * HTTP client cut while sending headers gets a 408 first; MHD is not writing then. */
static void
sweep_locked(struct kw_rest *rest, int64_t now)
{
	static const char r408[] = "HTTP/1.1 408 Request Timeout\r\n"
	    "Content-Type: application/json\r\nConnection: close\r\n";
	struct connstate *cs;

	for (cs = rest->conns; cs != NULL; cs = cs->next) {
		int ph = atomic_load_explicit(&cs->phase, memory_order_acquire);

		if (cs->cut || ph == CS_BUSY || cs->fd < 0 ||
		    now - atomic_load_explicit(&cs->since, memory_order_relaxed) <=
		    rest->req_timeout_ms)
			continue;
		if (ph == CS_HEADERS && !cs->tls) {
			char msg[512];
			int n = snprintf(msg, sizeof(msg), "%sContent-Length: %zu\r\n\r\n%s", r408,
			    strlen(TIMEOUT_MSG), TIMEOUT_MSG);

			if (send(cs->fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    kc_log_enabled(LOGGER, KC_LOG_DEBUG))
				kc_log(LOGGER, KC_LOG_DEBUG, "408 not sent: %s", strerror(errno));
		}
		shutdown(cs->fd, SHUT_RDWR);
		cs->cut = true;
		atomic_fetch_add(&rest->ncut, 1);
		kc_log(LOGGER, KC_LOG_INFO, "connection closed: %s not received within %d ms "
		    "(rest.request.timeout.ms)", ph == CS_IDLE ? "request line" :
		    ph == CS_HEADERS ? "request headers" : "request body",
		    rest->req_timeout_ms);
	}
}

/* ---- answering ------------------------------------------------------------------------ */

/* Queue resp on conn (frees its parts). close: end the connection after it (an early
 * answer, with a request body possibly still unread). */
static enum MHD_Result
send_resp(struct kw_rest *rest, struct MHD_Connection *conn, struct kw_resp *resp,
    bool close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (resp->blob != NULL)
		r = MHD_create_response_from_buffer_with_free_callback_cls(resp->blob->len,
		    resp->blob->data, blob_free_cb, resp->blob);
	else
		r = MHD_create_response_from_buffer(resp->body_len, resp->body != NULL ?
		    resp->body : "", resp->body != NULL ? MHD_RESPMEM_MUST_FREE :
		    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(resp->body);
		kw_blob_unref(resp->blob);
		free(resp->location);
		return MHD_NO;
	}
	if (resp->body != NULL || resp->blob != NULL || resp->status >= 400 ||
	    resp->content_type != NULL)
		MHD_add_response_header(r, "Content-Type", resp->content_type != NULL ?
		    resp->content_type : "application/json");
	if (resp->location != NULL)
		MHD_add_response_header(r, "Location", resp->location);
	if (resp->status == 401 && rest->auth != NULL) {
		if (kw_auth_has_users(rest->auth))
			MHD_add_response_header(r, "WWW-Authenticate",
			    "Basic realm=\"kcops-worker\", charset=\"UTF-8\"");
		if (kw_auth_has_tokens(rest->auth))
			MHD_add_response_header(r, "WWW-Authenticate",
			    "Bearer realm=\"kcops-worker\"");
	}
	if (resp->retry_after)
		MHD_add_response_header(r, "Retry-After", "1");
	if (close)
		MHD_add_response_header(r, "Connection", "close");
	ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	free(resp->location);
	return ret;
}

/* Connect's BasicAuthSecurityRestExtension answers 401 in plain text, not JSON. */
static void
resp_unauthorized(struct kw_resp *resp)
{
	static const char msg[] = "User cannot access the resource.";

	kw_resp_raw(resp, 401, msg, sizeof(msg) - 1);
	resp->content_type = "text/plain";
}

struct hdrsum {
	size_t	bytes;
};

static enum MHD_Result
header_sum(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdrsum *h = cls;

	(void)kind;
	h->bytes += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;	/* ": " CRLF */
	return MHD_YES;
}

/* Does the TLS client certificate pass listeners.https.ssl.client.auth? */
static bool
client_cert_ok(struct kw_rest *rest, struct MHD_Connection *conn, struct connstate *cs)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *peers;
	unsigned int npeers = 0, status = 0;
	gnutls_session_t s;
	int ok;

	if (cs == NULL || !cs->tls || rest->tls_client_auth == 0)
		return true;
	ok = cs->cert_ok;
	if (ok >= 0)
		return ok == 1;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	s = ci != NULL ? (gnutls_session_t)ci->tls_session : NULL;
	peers = s != NULL ? gnutls_certificate_get_peers(s, &npeers) : NULL;
	if (peers == NULL || npeers == 0)
		ok = rest->tls_client_auth == 1;	/* requested: a client may go without */
	else
		ok = gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
	if (!ok)
		kc_log(LOGGER, KC_LOG_INFO, "TLS client refused: %s",
		    peers == NULL || npeers == 0 ? "no client certificate" :
		    "client certificate not signed by listeners.https.ssl.ca.location or invalid");
	cs->cert_ok = ok;
	return ok;
}

/* Checks made once the headers are in, before any body is read. 0 to go on, or 1 with
 * resp filled (answered at once, connection closed). */
static int
early_checks(struct kw_rest *rest, struct MHD_Connection *conn, struct connstate *cs,
    const char *method, struct kw_resp *resp)
{
	struct hdrsum h = { 0 };
	const char *cl;
	char who[160];
	size_t uri_len = 0;

	if (cs != NULL)
		uri_len = cs->uri_len;
	if (uri_len > rest->max_header) {
		kw_resp_error(resp, 414, "Request URI is longer than %zu bytes "
		    "(rest.request.header.max.bytes)", rest->max_header);
		return 1;
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, header_sum, &h);
	if (h.bytes + uri_len + strlen(method) > rest->max_header) {
		kw_resp_error(resp, 431, "Request headers are larger than %zu bytes "
		    "(rest.request.header.max.bytes)", rest->max_header);
		return 1;
	}
	if (!client_cert_ok(rest, conn, cs)) {
		resp_unauthorized(resp);
		return 1;
	}
	if (rest->auth != NULL) {
		const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

		int r = kw_auth_check(rest->auth, a, who, sizeof(who));

		if (r == KW_AUTH_BUSY) {
			kc_log(LOGGER, KC_LOG_INFO, "password check refused: over "
			    "rest.auth.password.checks.per.second");
			kw_resp_error(resp, 429, "Too many password checks; retry in a moment "
			    "(rest.auth.password.checks.per.second)");
			resp->retry_after = true;
			return 1;
		}
		if (r != KW_AUTH_OK) {
			if (kc_log_enabled(LOGGER, KC_LOG_DEBUG))
				kc_log(LOGGER, KC_LOG_DEBUG, "request refused: %s",
				    a == NULL ? "no credentials" : "credentials not accepted");
			resp_unauthorized(resp);
			return 1;
		}
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno == 0 && end != cl && n > rest->max_body) {
			kw_resp_error(resp, 413, "Request body exceeds the limit of %zu bytes "
			    "(rest.request.max.bytes)", rest->max_body);
			return 1;
		}
	}
	return 0;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct kw_rest *rest = cls;
	struct reqstate *rs = *con_cls;
	struct kw_resp resp = { 0 };
	struct connstate *cs;

	(void)version;
	if (rs == NULL) {
		cs = conn_state(conn);
		set_phase(rest, cs, CS_BODY);
		rs = kc_xcalloc(1, sizeof(*rs));
		rs->rest = rest;
		rs->conn = conn;
		*con_cls = rs;
		if (early_checks(rest, conn, cs, method, &resp) != 0) {
			set_phase(rest, cs, CS_BUSY);
			return send_resp(rest, conn, &resp, true);
		}
		return MHD_YES;	/* answer on a later call: keeps the connection alive */
	}
	if (*upload_data_size > 0) {
		int64_t since = -1;
		size_t n = *upload_data_size;

		cs = conn_state(conn);
		if (cs != NULL && rest->req_timeout_ms > 0)
			since = atomic_load_explicit(&cs->since, memory_order_relaxed);
		*upload_data_size = 0;
		/* MHD cannot answer in the middle of a body: a late body ends the connection, a
		 * body over the limit is discarded and answered 413 once it is in (the request
		 * deadline bounds how long that takes). */
		if (since >= 0 && kc_mono_ms() - since > rest->req_timeout_ms) {
			kc_log(LOGGER, KC_LOG_INFO, "connection closed: request body not received "
			    "within %d ms (rest.request.timeout.ms)", rest->req_timeout_ms);
			return MHD_NO;
		}
		if (!rs->too_big && rs->body.len + n > rest->max_body) {
			rs->too_big = true;
			kc_buf_free(&rs->body);
		}
		if (!rs->too_big)
			kc_buf_append(&rs->body, upload_data, n);
		return MHD_YES;
	}
	set_phase(rest, conn_state(conn), CS_BUSY);
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
	return send_resp(rest, conn, &resp, false);
}

/* libmicrohttpd's own messages (client errors, mostly) go to the log at debug level. */
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct kc_buf b = { 0 };

	(void)cls;
	if (!kc_log_enabled(LOGGER, KC_LOG_DEBUG))
		return;
	kc_buf_vprintf(&b, fmt, ap);
	while (b.len > 0 && kc_buf_str(&b)[b.len - 1] == '\n')
		b.len--;
	kc_log(LOGGER, KC_LOG_DEBUG, "libmicrohttpd: %.*s", (int)b.len, kc_buf_str(&b));
	kc_buf_free(&b);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct kw_rest *rest = cls;
	struct reqstate *rs = *con_cls;

	(void)toe;
	set_phase(rest, conn_state(conn), CS_IDLE);	/* the next request's time starts */
	if (rs == NULL)
		return;
	kc_buf_free(&rs->body);
	free(rs->wait_key);
	free(rs);
	*con_cls = NULL;
}

/* Parse "http[s]://HOST:PORT" into a socket address. 0 or -1 + err. */
static int
parse_listener(const char *listener, struct sockaddr_storage *ss, socklen_t *sslen,
    char **host_out, bool *tls, char *err, size_t errlen)
{
	const char *p = listener, *colon;
	struct addrinfo hints, *res = NULL;
	char *host, port[16];
	int r;

	*tls = false;
	if (kc_str_has_prefix(p, "http://"))
		p += 7;
	else if (kc_str_has_prefix(p, "https://")) {
		p += 8;
		*tls = true;
	} else if (strstr(p, "://") != NULL) {
		snprintf(err, errlen, "listeners=%s: only http:// and https:// listeners are "
		    "supported", listener);
		return -1;
	}
	colon = strrchr(p, ':');
	if (colon == NULL) {
		snprintf(err, errlen, "listeners=%s: expected http://HOST:PORT or https://HOST:PORT",
		    listener);
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

/* ---- options -------------------------------------------------------------------------- */

int
kw_rest_opts_from_conf(const json_t *conf, struct kw_rest_opts *o, char *err, size_t errlen)
{
	const char *s;
	long long v;

	memset(o, 0, sizeof(*o));
	o->listeners = kc_xstrdup(kc_json_str_or(conf, "listeners", "http://127.0.0.1:8083"));
	if (kw_config_int(conf, "rest.threads", 2, 1, 64, &v, err, errlen) != 0)
		return -1;
	o->threads = (int)v;
	if (kw_config_int(conf, "rest.request.max.bytes", 1048576, 1, (long long)1 << 31, &v, err,
	    errlen) != 0)
		return -1;
	o->max_body = (size_t)v;
	if (kw_config_int(conf, "rest.request.header.max.bytes", 8192, 256, 1048576, &v, err,
	    errlen) != 0)
		return -1;
	o->max_header = (size_t)v;
	if (kw_config_int(conf, "rest.max.connections", 1024, 1, 100000, &v, err, errlen) != 0)
		return -1;
	o->max_conns = (unsigned)v;
	if (kw_config_int(conf, "rest.request.timeout.ms", 30000, 100, 3600000, &v, err,
	    errlen) != 0)
		return -1;
	o->request_timeout_ms = (int)v;
	if (kw_config_int(conf, "rest.auth.password.checks.per.second", 10, 1, 100000, &v, err,
	    errlen) != 0)
		return -1;
	o->auth_checks_per_sec = (double)v;
	o->tls_cert = kc_xstrdup(kc_json_str(conf, "listeners.https.ssl.certificate.location"));
	o->tls_key = kc_xstrdup(kc_json_str(conf, "listeners.https.ssl.key.location"));
	o->tls_key_password = kc_xstrdup(kc_json_str(conf, "listeners.https.ssl.key.password"));
	o->tls_ca = kc_xstrdup(kc_json_str(conf, "listeners.https.ssl.ca.location"));
	/* Connect's names for PEM stores (KIP-651): a keystore file holding the key and the
	 * chain, a truststore file holding CA certificates. Java keystores are not read. */
	if ((s = kc_json_str(conf, "listeners.https.ssl.keystore.location")) != NULL) {
		const char *type = kc_json_str_or(conf, "listeners.https.ssl.keystore.type", "JKS");

		if (strcasecmp(type, "PEM") != 0) {
			snprintf(err, errlen, "listeners.https.ssl.keystore.type=%s: kcops-worker reads "
			    "PEM files only (set listeners.https.ssl.keystore.type=PEM, or convert: "
			    "openssl pkcs12 -in STORE.p12 -nodes >STORE.pem)", type);
			return -1;
		}
		if (o->tls_cert == NULL)
			o->tls_cert = kc_xstrdup(s);
		if (o->tls_key == NULL)
			o->tls_key = kc_xstrdup(s);
	}
	if ((s = kc_json_str(conf, "listeners.https.ssl.truststore.location")) != NULL) {
		const char *type = kc_json_str_or(conf, "listeners.https.ssl.truststore.type",
		    "JKS");

		if (strcasecmp(type, "PEM") != 0) {
			snprintf(err, errlen, "listeners.https.ssl.truststore.type=%s: kcops-worker "
			    "reads PEM files only (set listeners.https.ssl.truststore.type=PEM, or use "
			    "listeners.https.ssl.ca.location)", type);
			return -1;
		}
		if (o->tls_ca == NULL)
			o->tls_ca = kc_xstrdup(s);
	}
	s = kc_json_str_or(conf, "listeners.https.ssl.client.auth", "none");
	if (strcasecmp(s, "none") == 0)
		o->tls_client_auth = 0;
	else if (strcasecmp(s, "requested") == 0)
		o->tls_client_auth = 1;
	else if (strcasecmp(s, "required") == 0)
		o->tls_client_auth = 2;
	else {
		snprintf(err, errlen, "listeners.https.ssl.client.auth=%s: expected none, requested "
		    "or required", s);
		return -1;
	}
	if (o->tls_client_auth != 0 && o->tls_ca == NULL) {
		snprintf(err, errlen, "listeners.https.ssl.client.auth=%s needs "
		    "listeners.https.ssl.ca.location (the CA that signs client certificates)", s);
		return -1;
	}
	s = kc_json_str(conf, "rest.auth.file");
	o->auth_file = s != NULL && *s != '\0' ? kc_xstrdup(s) : NULL;
	return 0;
}

void
kw_rest_opts_free(struct kw_rest_opts *o)
{
	free(o->listeners);
	free(o->tls_cert);
	free(o->tls_key);
	if (o->tls_key_password != NULL)
		explicit_bzero(o->tls_key_password, strlen(o->tls_key_password));
	free(o->tls_key_password);
	free(o->tls_ca);
	free(o->auth_file);
	memset(o, 0, sizeof(*o));
}

/* ---- start and stop ------------------------------------------------------------------- */

struct tls_pem {
	char	*cert, *key, *ca;
};

static void
tls_pem_free(struct tls_pem *t)
{
	free(t->cert);
	if (t->key != NULL)
		explicit_bzero(t->key, strlen(t->key));
	free(t->key);
	free(t->ca);
}

/* Read and check the PEM files; 0 or -1 + err naming the key. */
static int
tls_load(const struct kw_rest_opts *o, struct tls_pem *t, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c, k;
	int r;

	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		snprintf(err, errlen, "listeners=%s: this libmicrohttpd was built without TLS "
		    "(GnuTLS) support, so https:// listeners cannot work", o->listeners);
		return -1;
	}
	if (o->tls_cert == NULL || o->tls_key == NULL) {
		snprintf(err, errlen, "listeners=%s: an https:// listener needs "
		    "listeners.https.ssl.certificate.location and listeners.https.ssl.key.location "
		    "(PEM files)", o->listeners);
		return -1;
	}
	if ((t->cert = kc_read_file(o->tls_cert, NULL)) == NULL) {
		snprintf(err, errlen, "listeners.https.ssl.certificate.location=%s: %s",
		    o->tls_cert, strerror(errno));
		return -1;
	}
	if ((t->key = kc_read_file(o->tls_key, NULL)) == NULL) {
		snprintf(err, errlen, "listeners.https.ssl.key.location=%s: %s", o->tls_key,
		    strerror(errno));
		return -1;
	}
	if (o->tls_ca != NULL && (t->ca = kc_read_file(o->tls_ca, NULL)) == NULL) {
		snprintf(err, errlen, "listeners.https.ssl.ca.location=%s: %s", o->tls_ca,
		    strerror(errno));
		return -1;
	}
	/* Check them now, for a clear message (MHD only says it failed). */
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "GnuTLS: cannot allocate credentials");
		return -1;
	}
	c.data = (unsigned char *)t->cert;
	c.size = (unsigned)strlen(t->cert);
	k.data = (unsigned char *)t->key;
	k.size = (unsigned)strlen(t->key);
	r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM,
	    o->tls_key_password, 0);
	if (r < 0) {
		snprintf(err, errlen, "listeners.https.ssl.certificate.location=%s with "
		    "listeners.https.ssl.key.location=%s: %s", o->tls_cert, o->tls_key,
		    gnutls_strerror(r));
		gnutls_certificate_free_credentials(cred);
		return -1;
	}
	if (t->ca != NULL) {
		c.data = (unsigned char *)t->ca;
		c.size = (unsigned)strlen(t->ca);
		r = gnutls_certificate_set_x509_trust_mem(cred, &c, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(err, errlen, "listeners.https.ssl.ca.location=%s: %s", o->tls_ca,
			    r < 0 ? gnutls_strerror(r) : "no certificate in the file");
			gnutls_certificate_free_credentials(cred);
			return -1;
		}
	}
	gnutls_certificate_free_credentials(cred);
	return 0;
}

/* ---- the server certificate, reloadable ------------------------------------------------
 * MHD hands GnuTLS a callback that returns the current certificate chain and key, so
 * kw_rest_reload (SIGHUP) can swap them without a restart. GnuTLS may still use an older
 * identity in a handshake in flight, so replaced identities are kept until the server
 * stops. The callback has no context argument: one TLS identity per process. */

#define TLS_MAX_CHAIN 16

struct tls_ident {
	gnutls_pcert_st		 pcert[TLS_MAX_CHAIN];
	unsigned int		 npcert;
	gnutls_privkey_t	 key;
	struct tls_ident	*prev;
};

static pthread_mutex_t tls_ident_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_ident *tls_current;

static int
tls_cert_cb(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
    unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	struct tls_ident *id;

	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&tls_ident_lock);
	id = tls_current;
	pthread_mutex_unlock(&tls_ident_lock);
	if (id == NULL)
		return -1;
	*pcert = id->pcert;
	*pcert_length = id->npcert;
	*pkey = id->key;
	return 0;
}

static void
tls_ident_free(struct tls_ident *id)
{
	unsigned int i;

	if (id == NULL)
		return;
	for (i = 0; i < id->npcert; i++)
		gnutls_pcert_deinit(&id->pcert[i]);
	if (id->key != NULL)
		gnutls_privkey_deinit(id->key);
	free(id);
}

/* Import checked PEM text (tls_load) as an identity; NULL + err. */
static struct tls_ident *
tls_ident_new(const struct kw_rest_opts *o, const struct tls_pem *t, char *err, size_t errlen)
{
	struct tls_ident *id = kc_xcalloc(1, sizeof(*id));
	gnutls_datum_t c, k;
	int r;

	c.data = (unsigned char *)t->cert;
	c.size = (unsigned)strlen(t->cert);
	k.data = (unsigned char *)t->key;
	k.size = (unsigned)strlen(t->key);
	id->npcert = TLS_MAX_CHAIN;
	r = gnutls_pcert_list_import_x509_raw(id->pcert, &id->npcert, &c, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		id->npcert = 0;
		snprintf(err, errlen, "listeners.https.ssl.certificate.location=%s: %s",
		    o->tls_cert, gnutls_strerror(r));
		tls_ident_free(id);
		return NULL;
	}
	if ((r = gnutls_privkey_init(&id->key)) < 0 ||
	    (r = gnutls_privkey_import_x509_raw(id->key, &k, GNUTLS_X509_FMT_PEM,
	    o->tls_key_password, 0)) < 0) {
		snprintf(err, errlen, "listeners.https.ssl.key.location=%s: %s", o->tls_key,
		    gnutls_strerror(r));
		tls_ident_free(id);
		return NULL;
	}
	return id;
}

/* Make id the one handshakes use (the old one is kept, see above). */
static void
tls_ident_install(struct tls_ident *id)
{
	pthread_mutex_lock(&tls_ident_lock);
	id->prev = tls_current;
	tls_current = id;
	pthread_mutex_unlock(&tls_ident_lock);
}

static void
tls_ident_free_all(void)
{
	struct tls_ident *id, *prev;

	pthread_mutex_lock(&tls_ident_lock);
	id = tls_current;
	tls_current = NULL;
	pthread_mutex_unlock(&tls_ident_lock);
	for (; id != NULL; id = prev) {
		prev = id->prev;
		tls_ident_free(id);
	}
}

static struct MHD_Daemon *
start_daemon(struct kw_rest *rest, struct listener *l, const struct kw_rest_opts *o,
    const struct sockaddr_storage *ss, const struct tls_pem *t)
{
	struct MHD_OptionItem ops[16];
	unsigned flags;
	size_t pool;
	int n = 0;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls)
		flags |= MHD_USE_TLS;
	/* The connection's memory holds the request line and headers: leave room above
	 * rest.request.header.max.bytes, so an oversized request gets our JSON 414/431. MHD
	 * clears the whole pool between requests, so it is kept at MHD's default (32 KiB)
	 * unless the limit needs more. */
	pool = o->max_header * 2 + 16384;
	if (pool < 32768)
		pool = 32768;
#define OPT(opt, v, p) ops[n++] = (struct MHD_OptionItem){ (opt), (intptr_t)(v), (p) }
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL);
	OPT(MHD_OPTION_SOCK_ADDR, 0, (void *)ss);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, o->threads < 1 ? 1 : o->threads, NULL);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, completed, rest);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, notify_connection, l);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, uri_logger, rest);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, (o->request_timeout_ms + 999) / 1000, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, o->max_conns, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, NULL);
	if (l->tls) {
		OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_cert_cb);
		if (t->ca != NULL && o->tls_client_auth != 0)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, t->ca);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
		    "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-SSL3.0");
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	return MHD_start_daemon(flags, 0, NULL, NULL, access_handler, rest,
	    MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

static void
rest_free(struct kw_rest *rest)
{
	int i;

	for (i = 0; i < rest->nls; i++)
		if (rest->ls[i].d != NULL)
			MHD_stop_daemon(rest->ls[i].d);
	if (rest->has_tls)
		tls_ident_free_all();
	kw_rest_opts_free(&rest->tls_opts);
	kw_auth_free(rest->auth);
	pthread_mutex_destroy(&rest->wlock);
	pthread_mutex_destroy(&rest->clock);
	pthread_cond_destroy(&rest->timer_cond);
	free(rest);
}

static void
free_urls(char **urls)
{
	size_t i;

	for (i = 0; urls != NULL && urls[i] != NULL; i++)
		free(urls[i]);
	free(urls);
}

struct kw_rest *
kw_rest_start_opts(struct kw_worker *w, const struct kw_rest_opts *o, char ***urls_out,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss[KW_REST_MAX_LISTENERS];
	socklen_t sslen;
	char *hosts[KW_REST_MAX_LISTENERS] = { 0 }, *list, *tok, *save = NULL, **urls = NULL;
	bool tls[KW_REST_MAX_LISTENERS], any_tls = false;
	struct tls_pem pem = { 0 };
	struct kw_rest *rest = NULL;
	int n = 0, i;

	/* Parse every listener first: a bad one fails before anything listens. */
	list = kc_xstrdup(o->listeners);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *l = kc_str_trim(tok);

		if (*l == '\0')
			continue;
		if (n == KW_REST_MAX_LISTENERS) {
			snprintf(err, errlen, "listeners=%s: at most %d listeners", o->listeners,
			    KW_REST_MAX_LISTENERS);
			goto fail;
		}
		if (parse_listener(l, &ss[n], &sslen, &hosts[n], &tls[n], err, errlen) != 0)
			goto fail;
		any_tls |= tls[n];
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "listeners=%s: no listener given", o->listeners);
		goto fail;
	}
	if (any_tls && tls_load(o, &pem, err, errlen) != 0)
		goto fail;
	if (!any_tls && (o->tls_cert != NULL || o->tls_key != NULL))
		kc_log(LOGGER, KC_LOG_WARN, "listeners.https.ssl.* are set but listeners=%s has no "
		    "https:// listener; they are not used", o->listeners);
	rest = kc_xcalloc(1, sizeof(*rest));
	rest->w = w;
	rest->max_body = o->max_body;
	rest->max_header = o->max_header;
	rest->req_timeout_ms = o->request_timeout_ms;
	rest->tls_client_auth = o->tls_client_auth;
	if (any_tls) {
		struct tls_ident *id;

		if (!MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK)) {
			snprintf(err, errlen, "listeners=%s: this libmicrohttpd cannot take the "
			    "certificate from a callback (GnuTLS too old)", o->listeners);
			goto fail;
		}
		pthread_mutex_lock(&tls_ident_lock);
		if (tls_current != NULL) {
			pthread_mutex_unlock(&tls_ident_lock);
			snprintf(err, errlen, "only one REST server with https:// listeners per "
			    "process");
			goto fail;
		}
		pthread_mutex_unlock(&tls_ident_lock);
		if ((id = tls_ident_new(o, &pem, err, errlen)) == NULL)
			goto fail;
		tls_ident_install(id);
		rest->has_tls = true;
		rest->tls_opts.listeners = kc_xstrdup(o->listeners);
		rest->tls_opts.tls_cert = kc_xstrdup(o->tls_cert);
		rest->tls_opts.tls_key = kc_xstrdup(o->tls_key);
		rest->tls_opts.tls_key_password = kc_xstrdup(o->tls_key_password);
		rest->tls_opts.tls_ca = kc_xstrdup(o->tls_ca);
	}
	pthread_mutex_init(&rest->wlock, NULL);
	pthread_mutex_init(&rest->clock, NULL);
	pthread_cond_init(&rest->timer_cond, NULL);
	atomic_init(&rest->ncut, 0);
	if (o->auth_file != NULL &&
	    (rest->auth = kw_auth_load(o->auth_file, o->auth_checks_per_sec, err, errlen)) ==
	    NULL)
		goto fail;
	urls = kc_xcalloc((size_t)n + 1, sizeof(*urls));
	for (i = 0; i < n; i++) {
		const union MHD_DaemonInfo *info;
		struct listener *l = &rest->ls[i];
		const char *scheme = tls[i] ? "https" : "http";
		char *host = hosts[i];
		int port;

		l->rest = rest;
		l->tls = tls[i];
		l->d = start_daemon(rest, l, o, &ss[i], &pem);
		rest->nls = i + 1;
		if (l->d == NULL) {
			snprintf(err, errlen, "cannot listen on %s://%s (address in use or not "
			    "available)", scheme, host);
			goto fail;
		}
		info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
		port = info != NULL ? info->port : 0;
		if (*host == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
			host = "127.0.0.1";
		if (strchr(host, ':') != NULL)
			urls[i] = kc_xasprintf("%s://[%s]:%d", scheme, host, port);
		else
			urls[i] = kc_xasprintf("%s://%s:%d", scheme, host, port);
		if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0 &&
		    strcmp(host, "localhost") != 0 && (rest->auth == NULL || !tls[i]))
			kc_log(LOGGER, KC_LOG_WARN, "%s is not a loopback address and %s: anyone who "
			    "can reach it can manage this worker (see docs/security.md)", urls[i],
			    rest->auth == NULL ? "rest.auth.file is not set" :
			    "credentials travel in clear text over http://");
	}
	if (pthread_create(&rest->timer, NULL, timer_main, rest) != 0) {
		snprintf(err, errlen, "cannot start REST timer thread");
		goto fail;
	}
	for (i = 0; i < n; i++)
		free(hosts[i]);
	free(list);
	tls_pem_free(&pem);
	*urls_out = urls;
	return rest;
fail:
	for (i = 0; i < KW_REST_MAX_LISTENERS; i++)
		free(hosts[i]);
	free(list);
	tls_pem_free(&pem);
	free_urls(urls);
	if (rest != NULL)
		rest_free(rest);
	return NULL;
}

struct kw_rest *
kw_rest_start(struct kw_worker *w, const char *listener, int threads, size_t max_body,
    char **url_out, char *err, size_t errlen)
{
	struct kw_rest_opts o;
	struct kw_rest *rest;
	json_t *conf = json_object();
	char **urls = NULL;

	if (kw_rest_opts_from_conf(conf, &o, err, errlen) != 0) {
		json_decref(conf);
		return NULL;
	}
	json_decref(conf);
	free(o.listeners);
	o.listeners = kc_xstrdup(listener);
	o.threads = threads;
	o.max_body = max_body;
	rest = kw_rest_start_opts(w, &o, &urls, err, errlen);
	kw_rest_opts_free(&o);
	if (rest == NULL)
		return NULL;
	*url_out = urls[0];
	urls[0] = NULL;
	free_urls(urls);
	return rest;
}

int
kw_rest_reload(struct kw_rest *rest)
{
	struct tls_pem pem = { 0 };
	struct tls_ident *id;
	char err[1024];
	int ret = 0;

	if (rest == NULL)
		return 0;
	if (rest->auth != NULL && kw_auth_reload(rest->auth, true) != 0)
		ret = -1;
	if (!rest->has_tls)
		return ret;
	if (tls_load(&rest->tls_opts, &pem, err, sizeof(err)) != 0 ||
	    (id = tls_ident_new(&rest->tls_opts, &pem, err, sizeof(err))) == NULL) {
		kc_log(LOGGER, KC_LOG_ERROR, "TLS certificate not reloaded: %s; the previous one "
		    "stays in use", err);
		ret = -1;
	} else {
		tls_ident_install(id);
		kc_log(LOGGER, KC_LOG_INFO, "TLS certificate reloaded from %s",
		    rest->tls_opts.tls_cert);
	}
	tls_pem_free(&pem);
	return ret;
}

void
kw_rest_stop(struct kw_rest *rest)
{
	int i;

	if (rest == NULL)
		return;
	pthread_mutex_lock(&rest->wlock);
	rest->timer_stop = true;
	resume_locked(rest, NULL, false);
	pthread_cond_signal(&rest->timer_cond);
	pthread_mutex_unlock(&rest->wlock);
	pthread_join(rest->timer, NULL);
	for (i = 0; i < rest->nls; i++)
		MHD_quiesce_daemon(rest->ls[i].d);
	/* Give resumed long polls a moment to be answered. */
	usleep(50 * 1000);
	rest_free(rest);
}
