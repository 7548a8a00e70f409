/* kc_client.c - the Connect REST client core: request queue on a curl multi handle, worker
 * failover, rebalance retries, error bodies, version detection and feature gates.
 *
 * DESIGN: see kc_client.h. Requests live in two singly linked lists: `queue` (waiting to
 * start: new, or a retry whose due time has not come) and the multi handle (active; the
 * easy handle's PRIVATE pointer leads back to the request). kc_client_perform() starts due
 * requests up to max_active, runs curl_multi_perform and finishes completed transfers:
 * a connection failure moves to the next worker URL, a rebalance answer is queued again
 * after a backoff, anything else runs the callback. */
#include "kc_client.h"

#include <sys/mman.h>

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_client_int.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#ifndef KCOPS_VERSION
#define KCOPS_VERSION "0"
#endif

struct kc_req {
	struct kc_req	*next;
	struct kc_req	*anext;		/* in the client's active list */
	struct kc_client *c;
	char		*method;
	char		*path;
	char		*body;		/* NULL: no body */
	size_t		 body_len;
	kc_client_cb	 cb;
	void		*arg;
	void		(*drop)(void *);
	int		 raw;		/* do not parse the answer as JSON */
	CURL		*easy;
	struct kc_buf	 rbuf;
	size_t		 url_idx;
	size_t		 urls_tried;
	int		 attempts;
	int64_t		 due_ms;
	char		 errbuf[CURL_ERROR_SIZE];
};

struct kc_client {
	CURLM		*multi;
	char		**urls;
	size_t		 nurls;
	size_t		 cur;
	struct curl_slist *hdrs;
	char		*username;
	char		*password;
	char		*ca_file;
	char		*cert_file;
	char		*key_file;
	char		*user_agent;
	int		 insecure;
	long		 connect_timeout_ms;
	long		 timeout_ms;
	int		 max_retries;
	long		 backoff_ms;
	int		 max_active;

	struct kc_req	*queue;		/* not started yet, in submit order */
	struct kc_req	*queue_tail;
	struct kc_req	*active;	/* added to the multi handle */
	int		 nactive;
	int		 nqueued;
	CURL		**spare;	/* finished easy handles kept for the next start()
					 * (at most max_active) */
	int		 nspare;

	json_t		*info;		/* GET / */
	int		 version;
	int		 forced_version;
	int		 detect_tried;

	void		(*trace)(void *, const char *, const char *, long);
	void		*trace_arg;
};

static const struct {
	const char	*name;
	const char	*since;
	int		 version;
} features[KC_FEAT__COUNT] = {
	[KC_FEAT_EXPAND] = { "expanded connector listing", "2.3", 20300 },
	[KC_FEAT_LOGGERS] = { "logger admin", "2.4", 20400 },
	[KC_FEAT_TOPICS] = { "connector topics", "2.5", 20500 },
	[KC_FEAT_RESTART_PARAMS] = { "restart with includeTasks/onlyFailed", "3.0", 30000 },
	[KC_FEAT_PLUGIN_CONFIG] = { "plugin config definitions", "3.2", 30200 },
	[KC_FEAT_STOP] = { "stop", "3.5", 30500 },
	[KC_FEAT_OFFSETS_READ] = { "reading offsets", "3.5", 30500 },
	[KC_FEAT_OFFSETS_WRITE] = { "altering offsets", "3.6", 30600 },
	[KC_FEAT_INITIAL_STATE] = { "initial_state on create", "3.7", 30700 },
	[KC_FEAT_LOGGER_SCOPE] = { "cluster-wide logger levels", "3.7", 30700 },
	[KC_FEAT_PATCH_CONFIG] = { "PATCH config", "3.8", 30800 },
	[KC_FEAT_HEALTH] = { "health endpoint", "3.9", 30900 },
};

/* Feature name for messages. */
const char *
kc_feature_name(enum kc_feature f)
{
	return f < KC_FEAT__COUNT ? features[f].name : "?";
}

/* First Apache Kafka release with the feature. */
const char *
kc_feature_since(enum kc_feature f)
{
	return f < KC_FEAT__COUNT ? features[f].since : "?";
}

/* Append one header line to the client's list. */
static void
add_header(struct kc_client *c, const char *line)
{
	struct curl_slist *n = curl_slist_append(c->hdrs, line);

	if (n == NULL)
		kc_fatal("out of memory (curl_slist_append)");
	c->hdrs = n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

/* libcurl's global set-up, once per process (client objects may be made on any thread). */
static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Make a client from options. */
struct kc_client *
kc_client_new(const struct kc_client_opts *o, struct kc_err *err)
{
	struct kc_client *c;
	size_t i;

	if (o == NULL || o->nurls == 0) {
		kc_err_set(err, KC_E_USAGE, "no Connect URL given");
		return NULL;
	}
	for (i = 0; i < o->nurls; i++) {
		const char *u = o->urls[i];
		if (u == NULL || (!kc_str_has_prefix(u, "http://") &&
		    !kc_str_has_prefix(u, "https://"))) {
			kc_err_set(err, KC_E_USAGE, "bad Connect URL '%s': expected http:// or "
			    "https://", u != NULL ? u : "");
			return NULL;
		}
	}
	pthread_once(&curl_once, curl_init_once);
	c = kc_xcalloc(1, sizeof *c);
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		free(c);
		kc_err_set(err, KC_E_FAIL, "curl_multi_init failed");
		return NULL;
	}
	c->urls = kc_xcalloc(o->nurls, sizeof *c->urls);
	for (i = 0; i < o->nurls; i++) {
		size_t l;
		c->urls[i] = kc_xstrdup(o->urls[i]);
		l = strlen(c->urls[i]);
		while (l > 0 && c->urls[i][l - 1] == '/')
			c->urls[i][--l] = '\0';
	}
	c->nurls = o->nurls;
	add_header(c, "Accept: application/json");
	add_header(c, "Content-Type: application/json");
	add_header(c, "Expect:");
	if (o->token != NULL && *o->token != '\0') {
		char *h = kc_xasprintf("Authorization: Bearer %s", o->token);
		add_header(c, h);
		free(h);
	}
	for (i = 0; i < o->nheaders; i++)
		if (o->headers[i] != NULL && strchr(o->headers[i], ':') != NULL)
			add_header(c, o->headers[i]);
	if (o->username != NULL) {
		c->username = kc_xstrdup(o->username);
		c->password = kc_xstrdup(o->password != NULL ? o->password : "");
	}
	c->ca_file = kc_xstrdup(o->ca_file);
	c->cert_file = kc_xstrdup(o->cert_file);
	c->key_file = kc_xstrdup(o->key_file);
	c->insecure = o->insecure;
	c->user_agent = o->user_agent != NULL ? kc_xstrdup(o->user_agent) :
	    kc_xstrdup("kcops/" KCOPS_VERSION);
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 120000;
	c->max_retries = o->max_retries == 0 ? 6 : (o->max_retries < 0 ? 0 : o->max_retries);
	c->backoff_ms = o->retry_backoff_ms > 0 ? o->retry_backoff_ms : 200;
	c->max_active = o->max_active > 0 ? o->max_active : 16;
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->max_active);
	return c;
}

/* Free one request (not its callback state). */
static void
req_free(struct kc_req *r)
{
	if (r == NULL)
		return;
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	free(r->method);
	free(r->path);
	if (r->body != NULL) {	/* request bodies may hold resolved secrets */
		explicit_bzero(r->body, r->body_len);
		free(r->body);
	}
	kc_buf_free(&r->rbuf);
	free(r);
}

/* Free the client; pending requests are dropped without callbacks. */
void
kc_client_free(struct kc_client *c)
{
	struct kc_req *r, *n;
	CURLMsg *m;
	int left;
	size_t i;

	if (c == NULL)
		return;
	for (r = c->queue; r != NULL; r = n) {
		n = r->next;
		if (r->drop != NULL)
			r->drop(r->arg);
		req_free(r);
	}
	for (r = c->active; r != NULL; r = n) {
		n = r->anext;
		curl_multi_remove_handle(c->multi, r->easy);
		if (r->drop != NULL)
			r->drop(r->arg);
		req_free(r);
	}
	while ((m = curl_multi_info_read(c->multi, &left)) != NULL)
		;
	while (c->nspare > 0)
		curl_easy_cleanup(c->spare[--c->nspare]);
	free(c->spare);
	curl_multi_cleanup(c->multi);
	for (i = 0; i < c->nurls; i++)
		free(c->urls[i]);
	free(c->urls);
	curl_slist_free_all(c->hdrs);
	free(c->username);
	free(c->password);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->user_agent);
	json_decref(c->info);
	free(c);
}

/* The URL in use. */
const char *
kc_client_url(const struct kc_client *c)
{
	return c->urls[c->cur];
}

/* Install the request trace hook. */
void
kc_client_set_trace(struct kc_client *c, void (*fn)(void *, const char *, const char *, long),
    void *arg)
{
	c->trace = fn;
	c->trace_arg = arg;
}

/* Free a response's members. */
void
kc_resp_free(struct kc_resp *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Map the pages of a large buffer about to be filled in one go (MADV_POPULATE_WRITE) rather
 * than one page fault per 4 KiB as it fills: for a 4 MB listing a thousand faults fewer.
 * Best effort: kernels before 5.14 refuse it, and nothing changes then. */
void
kc_client_prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;

	if (len < ((size_t)256 << 10) || page == 0 || page == (uintptr_t)-1)
		return;
	a = ((uintptr_t)p + page - 1) & ~(page - 1);
	b = ((uintptr_t)p + len) & ~(page - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

/* curl write callback: append to the request's buffer. */
static size_t
on_write(char *p, size_t sz, size_t n, void *arg)
{
	struct kc_req *r = arg;

	if (r->rbuf.cap == 0) {
		curl_off_t cl = -1;
		/* Size the buffer once for large answers (the expanded listing). */
		if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
		    CURLE_OK && cl > 0 && cl < (curl_off_t)1 << 31) {
			kc_buf_reserve(&r->rbuf, (size_t)cl);
			kc_client_prefault(r->rbuf.data, (size_t)cl);
		}
	}
	kc_buf_append(&r->rbuf, p, sz * n);
	return sz * n;
}

/* Append a request to the start queue. */
static void
enqueue(struct kc_client *c, struct kc_req *r)
{
	r->next = NULL;
	if (c->queue_tail != NULL)
		c->queue_tail->next = r;
	else
		c->queue = r;
	c->queue_tail = r;
	c->nqueued++;
}

/* Queue a request. */
int
kc_client_submit(struct kc_client *c, const char *method, const char *path, const json_t *body,
    kc_client_cb cb, void *arg)
{
	return kc_client_submit_drop(c, method, path, body, cb, arg, NULL);
}

/* Mark the last queued request raw. */
void
kc_client_raw_last(struct kc_client *c)
{
	if (c->queue_tail != NULL)
		c->queue_tail->raw = 1;
}

/* Queue a request whose answer stays text. */
int
kc_client_submit_raw(struct kc_client *c, const char *method, const char *path,
    kc_client_cb cb, void *arg)
{
	if (kc_client_submit_drop(c, method, path, NULL, cb, arg, NULL) != 0)
		return -1;
	c->queue_tail->raw = 1;
	return 0;
}

/* Queue a request whose body is JSON text already. */
int
kc_client_submit_text(struct kc_client *c, const char *method, const char *path,
    const char *body, int raw, kc_client_cb cb, void *arg)
{
	if (kc_client_submit_drop(c, method, path, NULL, cb, arg, NULL) != 0)
		return -1;
	if (body != NULL) {
		struct kc_req *r = c->queue_tail;
		free(r->body);
		r->body_len = strlen(body);
		r->body = kc_xmalloc(r->body_len + 1);
		memcpy(r->body, body, r->body_len + 1);
	}
	c->queue_tail->raw = raw != 0;
	return 0;
}

/* Queue a request with a drop handler. */
int
kc_client_submit_drop(struct kc_client *c, const char *method, const char *path,
    const json_t *body, kc_client_cb cb, void *arg, void (*drop)(void *))
{
	struct kc_req *r;

	if (c == NULL || method == NULL || path == NULL || path[0] != '/')
		return -1;
	r = kc_xcalloc(1, sizeof *r);
	r->c = c;
	r->method = kc_xstrdup(method);
	r->path = kc_xstrdup(path);
	if (body != NULL) {
		r->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		if (r->body == NULL)
			kc_fatal("out of memory (json_dumps)");
		r->body_len = strlen(r->body);
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0 &&
	    strcmp(method, "HEAD") != 0) {
		r->body = kc_xstrdup("");
	}
	r->cb = cb;
	r->arg = arg;
	r->drop = drop;
	r->url_idx = c->cur;
	enqueue(c, r);
	return 0;
}

/* Make the easy handle for an attempt and add it to the multi handle. */
static void
start(struct kc_client *c, struct kc_req *r)
{
	char *url;
	CURL *e;

	if (r->easy == NULL && c->nspare > 0)
		r->easy = c->spare[--c->nspare];	/* reset below */
	if (r->easy == NULL) {
		r->easy = curl_easy_init();
		if (r->easy == NULL)
			kc_fatal("out of memory (curl_easy_init)");
	} else {
		curl_easy_reset(r->easy);
	}
	e = r->easy;
	kc_buf_reset(&r->rbuf);
	r->errbuf[0] = '\0';
	r->url_idx = c->cur;
	url = kc_xasprintf("%s%s", c->urls[r->url_idx], r->path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	/* GETs read up to 256 KiB per call instead of 16 KiB: the expanded listing of thousands
	 * of connectors is megabytes, and a fifth of the reads and polls is measurably faster.
	 * Not for the small answers of writes: apply sends a thousand of them. */
	if (strcmp(r->method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(r->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		if (r->body != NULL) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		}
	}
	if (c->username != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, c->password);
	}
	if (c->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	r->attempts++;
	curl_multi_add_handle(c->multi, e);
	r->anext = c->active;
	c->active = r;
	c->nactive++;
}

/* Start queued requests whose time has come, up to max_active. Returns how many started. */
static int
start_due(struct kc_client *c)
{
	struct kc_req **pp = &c->queue, *r, *prev = NULL;
	int64_t now = 0;
	int n = 0;

	while ((r = *pp) != NULL && c->nactive < c->max_active) {
		if (r->due_ms != 0) {
			if (now == 0)
				now = kc_mono_ms();
			if (r->due_ms > now) {
				prev = r;
				pp = &r->next;
				continue;
			}
		}
		*pp = r->next;
		if (c->queue_tail == r)
			c->queue_tail = prev;
		c->nqueued--;
		r->next = NULL;
		start(c, r);
		n++;
	}
	return n;
}

/* Collapse an HTML or plain-text error body to one readable line. */
static void
text_message(const char *body, size_t len, char *out, size_t outlen)
{
	struct kc_buf b;
	const char *p = body, *end = body + len, *t;
	int in_tag = 0, space = 0;
	char *clean;

	kc_buf_init(&b);
	/* HTML: prefer <title>, else the text between tags. */
	t = NULL;
	if (len > 0 && (memchr(body, '<', len < 64 ? len : 64) != NULL)) {
		const char *s = strstr(body, "<title>");
		if (s == NULL)
			s = strstr(body, "<TITLE>");
		if (s != NULL) {
			s += 7;
			t = strchr(s, '<');
			if (t != NULL) {
				p = s;
				end = t;
			}
		}
	}
	for (; p < end && b.len < 300; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '<') {
			in_tag = 1;
			continue;
		}
		if (in_tag) {
			if (ch == '>')
				in_tag = 0;
			continue;
		}
		if (isspace(ch)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			kc_buf_putc(&b, ' ');
		space = 0;
		kc_buf_putc(&b, (char)ch);
	}
	clean = kc_text_sanitize(kc_buf_str(&b), 0);
	snprintf(out, outlen, "%s", clean);
	free(clean);
	kc_buf_free(&b);
}

/* Fill err from a non-2xx answer. */
static void
http_error(struct kc_resp *resp, struct kc_err *err)
{
	const char *m = NULL;
	char text[512];

	if (resp->json != NULL && json_is_object(resp->json))
		m = kc_json_str(resp->json, "message");
	if (m != NULL) {
		char *clean = kc_text_sanitize(m, KC_TEXT_KEEP_NL);
		kc_err_set(err, (int)resp->status, "%s", clean);
		free(clean);
		return;
	}
	text[0] = '\0';
	/* Connect's own error shape with a null message (e.g. an NPE): the status says it. */
	if (resp->body != NULL && resp->len > 0 && !(resp->json != NULL &&
	    json_object_get(resp->json, "error_code") != NULL))
		text_message(resp->body, resp->len, text, sizeof text);
	if (text[0] == '\0') {
		const char *why = "";
		switch (resp->status) {
		case 400: why = "Bad Request"; break;
		case 401: why = "Unauthorized"; break;
		case 403: why = "Forbidden"; break;
		case 404: why = "Not Found"; break;
		case 405: why = "Method Not Allowed"; break;
		case 409: why = "Conflict"; break;
		case 500: why = "Internal Server Error"; break;
		case 502: why = "Bad Gateway"; break;
		case 503: why = "Service Unavailable"; break;
		case 504: why = "Gateway Timeout"; break;
		}
		if (*why != '\0')
			kc_err_set(err, (int)resp->status, "%s", why);
		else
			kc_err_set(err, (int)resp->status, "HTTP error %ld", resp->status);
	} else {
		kc_err_set(err, (int)resp->status, "%s", text);
	}
}

/* Is this answer a rebalance in progress (worth retrying)? */
static int
is_rebalance(long status, const struct kc_err *err)
{
	const char *m = err->msg;

	if (status == 409) {
		if (strstr(m, "already exists") != NULL)
			return 0;
		return strstr(m, "rebalance") != NULL || strstr(m, "stale configuration") != NULL ||
		    strstr(m, "leader") != NULL || strstr(m, "conflicting operation") != NULL;
	}
	if (status == 500)
		return strstr(m, "rebalance is expected") != NULL;
	return 0;
}

/* 1 when err says the request timed out. */
int
kc_client_is_timeout(const struct kc_err *err)
{
	if (err == NULL)
		return 0;
	if (err->code == KC_E_TIMEOUT)
		return 1;
	return err->code == 500 && strstr(err->msg, "Request timed out") != NULL;
}

/* Transport failures where the request never reached a worker: try the next URL. */
static int
is_connect_failure(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_SSL_CONNECT_ERROR;
}

/* Handle one finished transfer. */
static void
finish(struct kc_client *c, struct kc_req *r, CURLcode rc)
{
	struct kc_resp resp;
	struct kc_err err;
	struct kc_req **pp;
	long status = 0;

	curl_multi_remove_handle(c->multi, r->easy);
	for (pp = &c->active; *pp != NULL; pp = &(*pp)->anext)
		if (*pp == r) {
			*pp = r->anext;
			break;
		}
	r->anext = NULL;
	c->nactive--;
	memset(&resp, 0, sizeof resp);
	kc_err_clear(&err);
	if (rc == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (c->trace != NULL)
		c->trace(c->trace_arg, r->method, r->path, status);
	if (rc != CURLE_OK) {
		if (is_connect_failure(rc) && r->urls_tried + 1 < c->nurls) {
			r->urls_tried++;
			if (c->cur == r->url_idx)
				c->cur = (c->cur + 1) % c->nurls;
			r->attempts--;
			r->due_ms = 0;
			/* Retry first, ahead of other queued requests. */
			r->next = c->queue;
			c->queue = r;
			if (c->queue_tail == NULL)
				c->queue_tail = r;
			c->nqueued++;
			return;
		}
		if (rc == CURLE_OPERATION_TIMEDOUT)
			kc_err_set(&err, KC_E_TIMEOUT, "%s %s: no answer from %s within %ld ms",
			    r->method, r->path, c->urls[r->url_idx], c->timeout_ms);
		else
			kc_err_set(&err, KC_E_IO, "cannot reach %s%s: %s", c->urls[r->url_idx],
			    c->nurls > 1 ? " (nor any other worker URL)" : "",
			    r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(rc));
	} else {
		r->urls_tried = 0;
		resp.status = status;
		resp.len = r->rbuf.len;
		resp.body = kc_buf_steal(&r->rbuf);
		if (resp.len > 0 && (!r->raw || status < 200 || status > 299)) {
			size_t i = 0;
			while (i < resp.len && isspace((unsigned char)resp.body[i]))
				i++;
			if (i < resp.len && (resp.body[i] == '{' || resp.body[i] == '[' ||
			    resp.body[i] == '"'))
				resp.json = json_loadb(resp.body, resp.len, JSON_DECODE_ANY, NULL);
		}
		if (status < 200 || status > 299) {
			http_error(&resp, &err);
			if (is_rebalance(status, &err) && r->attempts <= c->max_retries) {
				long back = c->backoff_ms << (r->attempts - 1 < 5 ? r->attempts - 1 : 5);
				if (back > 5000)
					back = 5000;
				kc_resp_free(&resp);
				r->due_ms = kc_mono_ms() + back;
				enqueue(c, r);
				return;
			}
		}
	}
	/* keep the easy handle for the next request: a create or delete costs no handle set-up
	 * (apply runs a thousand of them through one client). Before the callback, which may
	 * start the next request or free the client. */
	if (c->nspare < c->max_active) {
		if (c->spare == NULL)
			c->spare = kc_xcalloc((size_t)c->max_active, sizeof *c->spare);
		c->spare[c->nspare++] = r->easy;
		r->easy = NULL;
	}
	if (r->cb != NULL)
		r->cb(c, &resp, err.code != 0 ? &err : NULL, r->arg);
	kc_resp_free(&resp);
	req_free(r);
}

/* Drive transfers, run completions. */
int
kc_client_perform(struct kc_client *c)
{
	int running, left, again;
	CURLMsg *m;

	do {
		again = 0;
		start_due(c);
		curl_multi_perform(c->multi, &running);
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			struct kc_req *r = NULL;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			finish(c, r, m->data.result);
			again = 1;
		}
	} while (again);
	return c->nactive + c->nqueued;
}

/* Requests outstanding. */
int
kc_client_pending(const struct kc_client *c)
{
	return c->nactive + c->nqueued;
}

/* The multi handle. */
CURLM *
kc_client_multi(struct kc_client *c)
{
	return c->multi;
}

/* Time until something must happen. */
long
kc_client_timeout_ms(struct kc_client *c)
{
	long t = -1, ct = -1;
	struct kc_req *r;
	int64_t now = kc_mono_ms();

	for (r = c->queue; r != NULL; r = r->next) {
		long d = r->due_ms <= now ? 0 : (long)(r->due_ms - now);
		if (c->nactive >= c->max_active && d == 0)
			continue;	/* waits for a free slot, not for time */
		if (t < 0 || d < t)
			t = d;
	}
	curl_multi_timeout(c->multi, &ct);
	if (ct >= 0 && (t < 0 || ct < t))
		t = ct;
	return t;
}

/* Wait for activity. */
int
kc_client_wait(struct kc_client *c, struct curl_waitfd *extra, unsigned int nextra,
    int timeout_ms)
{
	long t = kc_client_timeout_ms(c);
	int numfds = 0;

	if (t < 0 || t > timeout_ms)
		t = timeout_ms;
	if (t < 0)
		t = 1000;
	if (curl_multi_poll(c->multi, extra, nextra, (int)t, &numfds) != CURLM_OK)
		return -1;
	return 0;
}

/* Thread-safe wake-up. */
void
kc_client_wakeup(struct kc_client *c)
{
	curl_multi_wakeup(c->multi);
}

struct sync_state {
	int		 done;
	struct kc_resp	*resp;
	struct kc_err	*err;
	int		 failed;
};

/* Completion of a blocking call: steal the response. */
static void
sync_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct sync_state *s = arg;

	(void)c;
	s->done = 1;
	if (s->resp != NULL) {
		*s->resp = *resp;
		memset(resp, 0, sizeof *resp);
	}
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	}
}

/* Blocking request. */
int
kc_client_call(struct kc_client *c, const char *method, const char *path, const json_t *body,
    struct kc_resp *resp, struct kc_err *err)
{
	struct sync_state s;
	struct kc_resp local;

	memset(&local, 0, sizeof local);
	memset(&s, 0, sizeof s);
	s.resp = resp != NULL ? resp : &local;
	s.err = err;
	memset(s.resp, 0, sizeof *s.resp);
	if (kc_client_submit(c, method, path, body, sync_cb, &s) != 0) {
		kc_err_set(err, KC_E_USAGE, "bad request path '%s'", path != NULL ? path : "");
		return -1;
	}
	for (;;) {
		kc_client_perform(c);
		if (s.done)
			break;
		kc_client_wait(c, NULL, 0, 1000);
	}
	kc_resp_free(&local);
	return s.failed ? -1 : 0;
}

/* ---- version ------------------------------------------------------------------------ */

/* Parse "3.8.0", "2.2.1-SNAPSHOT", Confluent "7.4.0-ccs" (mapped to Apache 3.4). */
static int
parse_version(const char *s)
{
	int maj = 0, min = 0, pat = 0;
	static const int cp[][3] = {	/* Confluent Platform major.minor -> Apache */
		{ 500, 2, 0 }, { 501, 2, 1 }, { 502, 2, 2 }, { 503, 2, 3 }, { 504, 2, 4 },
		{ 505, 2, 5 }, { 600, 2, 6 }, { 601, 2, 7 }, { 602, 2, 8 }, { 700, 3, 0 },
		{ 701, 3, 1 }, { 702, 3, 2 }, { 703, 3, 3 }, { 704, 3, 4 }, { 705, 3, 5 },
		{ 706, 3, 6 }, { 707, 3, 7 }, { 708, 3, 8 }, { 709, 3, 9 }, { 800, 4, 0 },
		{ 801, 4, 1 },
	};
	size_t i;

	if (s == NULL || sscanf(s, "%d.%d.%d", &maj, &min, &pat) < 2)
		return 0;
	if (strstr(s, "-ccs") != NULL || strstr(s, "-ce") != NULL) {
		for (i = 0; i < KC_NITEMS(cp); i++)
			if (cp[i][0] == maj * 100 + min)
				return cp[i][1] * 10000 + cp[i][2] * 100;
	}
	if (maj < 0 || min < 0 || pat < 0 || min > 99 || pat > 99)
		return 0;
	return maj * 10000 + min * 100 + pat;
}

/* GET / once. */
int
kc_client_detect(struct kc_client *c, struct kc_err *err)
{
	struct kc_resp resp;

	if (c->info != NULL)
		return 0;
	c->detect_tried = 1;
	memset(&resp, 0, sizeof resp);
	if (kc_client_call(c, "GET", "/", NULL, &resp, err) != 0) {
		kc_resp_free(&resp);
		return -1;
	}
	if (resp.json == NULL || !json_is_object(resp.json)) {
		kc_err_set(err, KC_E_PARSE, "%s/ did not answer with a JSON object: is this a "
		    "Kafka Connect worker?", c->urls[c->cur]);
		kc_resp_free(&resp);
		return -1;
	}
	c->info = json_incref(resp.json);
	c->version = parse_version(kc_json_str(c->info, "version"));
	kc_resp_free(&resp);
	return 0;
}

struct detect_job {
	void	(*cb)(struct kc_client *, const struct kc_err *, void *);
	void	*arg;
};

/* GET / arrived for kc_client_detect_async. */
static void
detect_async_cb(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct detect_job *d = arg;
	struct kc_err e;

	if (err == NULL && (resp->json == NULL || !json_is_object(resp->json))) {
		kc_err_set(&e, KC_E_PARSE, "%s/ did not answer with a JSON object: is this a "
		    "Kafka Connect worker?", c->urls[c->cur]);
		err = &e;
	}
	if (err == NULL)
		kc_client_set_info(c, resp->json);
	d->cb(c, err, d->arg);
	free(d);
}

/* Detect without blocking. */
int
kc_client_detect_async(struct kc_client *c, void (*cb)(struct kc_client *,
    const struct kc_err *, void *), void *arg)
{
	struct detect_job *d;

	if (c == NULL || cb == NULL)
		return -1;
	if (c->info != NULL) {
		cb(c, NULL, arg);
		return 0;
	}
	d = kc_xcalloc(1, sizeof *d);
	d->cb = cb;
	d->arg = arg;
	return kc_client_submit_drop(c, "GET", "/", NULL, detect_async_cb, d, free);
}

/* Store an asynchronously fetched GET / answer. */
void
kc_client_set_info(struct kc_client *c, json_t *info)
{
	if (c->info != NULL || info == NULL)
		return;
	c->info = json_incref(info);
	c->version = parse_version(kc_json_str(c->info, "version"));
	c->detect_tried = 1;
}

/* The GET / document. */
const json_t *
kc_client_server_info(const struct kc_client *c)
{
	return c->info;
}

/* Detected or forced version. */
int
kc_client_version(const struct kc_client *c)
{
	return c->forced_version != 0 ? c->forced_version : c->version;
}

/* Test override of the version. */
void
kc_client_force_version(struct kc_client *c, const char *version)
{
	c->forced_version = version != NULL ? parse_version(version) : 0;
}

/* Feature gate. */
int
kc_client_has(struct kc_client *c, enum kc_feature f)
{
	int v;

	if (f >= KC_FEAT__COUNT)
		return 0;
	if (c->forced_version == 0 && c->info == NULL && !c->detect_tried)
		(void)kc_client_detect(c, NULL);
	v = kc_client_version(c);
	if (v == 0)
		return 1;
	return v >= features[f].version;
}
