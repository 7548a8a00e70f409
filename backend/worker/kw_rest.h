/* kw_rest.h - the worker's REST server (libmicrohttpd) and its route table.
 *
 * DESIGN
 * MHD runs its own threads (epoll, a small thread pool). Each request is answered on the
 * access handler's final call (never on the first one, which keeps HTTP/1.1 connections
 * alive). The raw path is split on '/' and every segment is percent-decoded separately, so
 * connector names may contain any character but controls (even an encoded '/').
 *
 * Adding an endpoint: write a handler in your own file,
 *
 *	int kw_queue_rest_list(struct kw_req *req, struct kw_resp *resp);
 *
 * declare it in your header and add ONE line to the table in kw_routes.c:
 *
 *	{ "GET", "/kcops/v1/queues", kw_queue_rest_list },
 *
 * Patterns are literal segments and "{}" placeholders; req->params[i] holds the decoded
 * value of the i-th placeholder. A path that matches a pattern with another method gives
 * 405; no match gives 404. Handlers run on MHD threads: do not block for long (take the
 * worker lock only briefly). Fill resp with kw_resp_json()/kw_resp_error()/kw_resp_empty().
 *
 * Long polls: a handler that has nothing to answer yet calls kw_rest_wait(req, key, ms) and
 * returns; the connection is suspended (no thread is held) until kw_rest_wake(rest, key) is
 * called or the time is up, then the handler runs again with req->resumed set and must
 * answer.
 *
 * Security and limits (docs/security.md): one MHD daemon per listener (http or https). Each
 * connection carries a connstate (MHD socket context) that records where its current request
 * is; the timer thread cuts connections whose request has not fully arrived within
 * rest.request.timeout.ms. Header size, TLS client certificate, credentials (rest.auth.file,
 * kw_rest_auth.c) and a declared Content-Length are checked on the first access-handler
 * call, before any body is read; a refused request is answered at once and its connection
 * closed. Handlers never see an unauthenticated request. */
#ifndef KW_REST_H
#define KW_REST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kw_worker;
struct kw_rest;

#define KW_REST_MAX_PARAMS 4

struct kw_req {
	struct kw_worker	*w;
	const char		*method;
	const char		*path;		/* raw (encoded) path */
	char			*params[KW_REST_MAX_PARAMS];	/* decoded {} segments */
	int			 nparams;
	const char		*body;		/* NUL-terminated; NULL when none */
	size_t			 body_len;
	bool			 resumed;	/* second run after kw_rest_wait */
	void			*priv;		/* the REST layer's */
};

/* An immutable, reference-counted response body (e.g. a cached listing): served without
 * copying. */
struct kw_blob;
struct kw_blob *kw_blob_new(const char *data, size_t len);	/* copies; refs = 1 */
struct kw_blob *kw_blob_ref(struct kw_blob *b);
void kw_blob_unref(struct kw_blob *b);

struct kw_resp {
	int		 status;
	char		*body;		/* malloc'd or NULL */
	size_t		 body_len;
	struct kw_blob	*blob;		/* instead of body: a reference the response owns */
	char		*location;	/* malloc'd Location header or NULL */
	const char	*content_type;	/* default application/json */
	bool		 retry_after;	/* add "Retry-After: 1" */
};

typedef int (*kw_route_fn)(struct kw_req *req, struct kw_resp *resp);

struct kw_route {
	const char	*method;
	const char	*pattern;
	kw_route_fn	 fn;
};

/* The route table (kw_routes.c), terminated by a NULL method. */
extern const struct kw_route kw_routes[];

/* Query parameter (decoded; first occurrence) or NULL. */
const char *kw_req_query(struct kw_req *req, const char *name);
/* Every value of a repeated query parameter, as a new JSON array of strings. */
json_t *kw_req_query_all(struct kw_req *req, const char *name);
/* Request header or NULL. */
const char *kw_req_header(struct kw_req *req, const char *name);

/* Responses. kw_resp_json steals `body` (may be NULL for no body). Return 0 from the
 * handler after filling resp. */
void kw_resp_json(struct kw_resp *resp, int status, json_t *body);
void kw_resp_raw(struct kw_resp *resp, int status, const char *body, size_t len);
/* Answer with a shared body (takes a new reference of blob). */
void kw_resp_blob(struct kw_resp *resp, int status, struct kw_blob *blob);
void kw_resp_empty(struct kw_resp *resp, int status);
/* {"error_code": status, "message": ...} */
void kw_resp_error(struct kw_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Suspend this request until kw_rest_wake(key) or timeout_ms. */
void kw_rest_wait(struct kw_req *req, const char *key, int timeout_ms);
/* Resume every request waiting on key. Thread-safe. */
void kw_rest_wake(struct kw_rest *rest, const char *key);

/* Start listening on `listener` ("http://HOST:PORT", port 0 = free port). On success
 * *url_out is the URL actually bound (malloc'd). NULL + err on failure. Default limits, no
 * TLS, no authentication (tests and fuzzers). */
struct kw_rest *kw_rest_start(struct kw_worker *w, const char *listener, int threads,
    size_t max_body, char **url_out, char *err, size_t errlen);
void kw_rest_stop(struct kw_rest *rest);

/* ---- security and limits (docs/security.md) ---- */

#define KW_REST_MAX_LISTENERS 4

struct kw_rest_opts {
	char		*listeners;	/* "http://H:P,https://H:P" */
	int		 threads;	/* rest.threads */
	size_t		 max_body;	/* rest.request.max.bytes */
	size_t		 max_header;	/* rest.request.header.max.bytes (request line, headers) */
	unsigned	 max_conns;	/* rest.max.connections */
	int		 request_timeout_ms;	/* rest.request.timeout.ms */
	char		*tls_cert;	/* listeners.https.ssl.certificate.location (PEM) */
	char		*tls_key;	/* listeners.https.ssl.key.location (PEM) */
	char		*tls_key_password;	/* listeners.https.ssl.key.password */
	char		*tls_ca;	/* listeners.https.ssl.ca.location (client CAs, PEM) */
	int		 tls_client_auth;	/* 0 none, 1 requested, 2 required */
	char		*auth_file;	/* rest.auth.file */
	double		 auth_checks_per_sec;	/* rest.auth.password.checks.per.second */
};

/* Fill opts from the worker configuration (string map), with defaults; 0, or -1 + err
 * naming the key. Free with kw_rest_opts_free. */
int kw_rest_opts_from_conf(const json_t *conf, struct kw_rest_opts *o, char *err,
    size_t errlen);
void kw_rest_opts_free(struct kw_rest_opts *o);

/* Start every listener of o->listeners. On success *urls_out is a NULL-terminated array of
 * the URLs bound, in the order listed (caller frees each and the array). NULL + err. */
struct kw_rest *kw_rest_start_opts(struct kw_worker *w, const struct kw_rest_opts *o,
    char ***urls_out, char *err, size_t errlen);
/* Re-read rest.auth.file and the https certificate and key now (SIGHUP). 0, or -1 when one
 * failed (logged; the old credentials or certificate stay in use). */
int kw_rest_reload(struct kw_rest *rest);

/* Credentials file (kw_rest_auth.c). */
struct kw_auth;
/* checks_per_sec: budget of slow password checks (crypt), shared by all requests. */
struct kw_auth *kw_auth_load(const char *path, double checks_per_sec, char *err,
    size_t errlen);
void kw_auth_free(struct kw_auth *a);
/* The clock of the password-check budget (monotonic ms; kc_mono_ms unless a test sets its
 * own, so the budget can be tested without depending on how long crypt takes). */
void kw_auth_set_clock(struct kw_auth *a, int64_t (*clock_ms)(void));
/* Re-read the file when forced or when it changed (checked at most once a second). */
int kw_auth_reload(struct kw_auth *a, bool force);
/* Is this Authorization header value a valid credential? KW_AUTH_OK, KW_AUTH_DENIED, or
 * KW_AUTH_BUSY (a password needed a slow check and the budget is spent: answer 429). who
 * gets "user NAME" / "token NAME" for the log. */
enum { KW_AUTH_DENIED = 0, KW_AUTH_OK = 1, KW_AUTH_BUSY = 2 };
int kw_auth_check(struct kw_auth *a, const char *authorization, char *who, size_t wholen);
bool kw_auth_has_users(struct kw_auth *a);
bool kw_auth_has_tokens(struct kw_auth *a);
/* crypt(3) hash of a password with a fresh salt (yescrypt, else SHA-512). Caller frees. */
char *kw_auth_hash_password(const char *password, char *err, size_t errlen);
/* "sha256:" + 64 hex digits of the token, into out. */
void kw_auth_hash_token(const char *token, char out[72]);

#endif
