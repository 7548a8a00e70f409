/* http_exec.c - libcurl multi executor with retries, Retry-After, rate limit and auth.
 *
 * DESIGN: see http_exec.h. Everything here runs on the owning task's thread except
 * kw_http_exec_wakeup() and the shared rate limiters (mutex-protected).
 */
#include "http_exec.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"

#define LOGGER "kcops.worker.http"

struct kw_http_rate {
	pthread_mutex_t	 mu;
	int64_t		 interval_us;
	int64_t		 next_us;
	/* shared registry */
	char		*name;
	int		 refs;
	struct kw_http_rate *rnext;
};

struct kw_http_exec {
	struct kw_http_exec_opts o;
	CURLM			*multi;
	kw_http_done_fn		 done;
	void			*arg;
	unsigned char		 success_tab[600], retry_tab[600], ra_tab[600];
	struct kw_http_call	*ready_head, *ready_tail;	/* FIFO */
	struct kw_http_call	*delayed;			/* unsorted */
	size_t			 nready, nactive, ndelayed;
	struct kw_http_call	**active;			/* [max_in_flight] */
	CURL			**pool;				/* idle easy handles */
	size_t			 npool;
	struct kw_http_rate	*rate;
	bool			 rate_shared;
	/* oauth2 */
	char			*token;				/* "Authorization: Bearer x" */
	int64_t			 token_expiry_us;		/* monotonic */
	int64_t			 token_retry_us;		/* no fetch before */
	uint64_t		 rng;
	struct kw_http_exec_stats st;
	struct kw_http_netlist	*deny;				/* target guard or NULL */
};

static pthread_mutex_t rate_mu = PTHREAD_MUTEX_INITIALIZER;
static struct kw_http_rate *rate_registry;

/* ---- small helpers ---------------------------------------------------------------------- */

/* Random 64 bits (xorshift). */
static uint64_t
rnd(struct kw_http_exec *x)
{
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return x->rng;
}

/* Monotonic microseconds. */
static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Compile a status regex into a table. */
int
kw_http_status_table(const char *regex, unsigned char *table, char *err, size_t errlen)
{
	regex_t re;
	char code[8];
	int i, rc;

	memset(table, 0, 600);
	if (regex == NULL || *regex == '\0')
		return 0;
	rc = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];

		regerror(rc, &re, msg, sizeof(msg));
		snprintf(err, errlen, "bad status regex '%s': %s", regex, msg);
		return -1;
	}
	for (i = 100; i < 600; i++) {
		snprintf(code, sizeof(code), "%d", i);
		table[i] = regexec(&re, code, 0, NULL, 0) == 0;
	}
	regfree(&re);
	return 0;
}

/* Retry-After: delta seconds or an HTTP date. */
int64_t
kw_http_retry_after_ms(const char *v, int64_t now_wall_ms)
{
	struct tm tm;
	const char *p;
	char *end;
	double secs;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return -1;
	if (isdigit((unsigned char)*v)) {
		secs = strtod(v, &end);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != '\0' || secs < 0)
			return -1;
		return (int64_t)(secs * 1000.0);
	}
	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate, RFC 850, asctime */
	if ((p = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL &&
	    (p = strptime(v, "%A, %d-%b-%y %H:%M:%S GMT", &tm)) == NULL &&
	    (p = strptime(v, "%a %b %e %H:%M:%S %Y", &tm)) == NULL)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	if ((int64_t)t * 1000 <= now_wall_ms)
		return 0;
	return (int64_t)t * 1000 - now_wall_ms;
}

/* Exponential backoff. */
int64_t
kw_http_backoff_ms(int n, long delay_ms, double factor, long max_ms)
{
	double d = (double)delay_ms * pow(factor < 1.0 ? 1.0 : factor, n > 1 ? n - 1 : 0);

	if (max_ms > 0 && d > (double)max_ms)
		d = (double)max_ms;
	return (int64_t)d;
}

/* Error kind of a curl code. */
enum kw_http_err_kind
kw_http_classify_curl(int code)
{
	switch (code) {
	case CURLE_OK:
		return KW_HTTP_ERR_NONE;
	case CURLE_OPERATION_TIMEDOUT:
		return KW_HTTP_ERR_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
		return KW_HTTP_ERR_REFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return KW_HTTP_ERR_DNS;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		return KW_HTTP_ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return KW_HTTP_ERR_TOO_LARGE;
	default:
		return KW_HTTP_ERR_PROTOCOL;
	}
}

/* ---- target guard ----------------------------------------------------------------------- */

struct net_entry {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	int		 prefix;
	const char	*name;		/* into names */
};

struct kw_http_netlist {
	struct net_entry *v;
	size_t		  n;
	char		 *names;	/* the list text, entries NUL-separated */
};

static const struct {
	const char *category, *cidrs;
} net_categories[] = {
	{ "loopback", "127.0.0.0/8 0.0.0.0/8 ::1/128 ::/128" },
	{ "private", "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 fc00::/7" },
	{ "link-local", "169.254.0.0/16 fe80::/10" },
};

/* Parse "ADDR[/PREFIX]" into an entry. 0 or -1. */
static int
net_parse(const char *text, struct net_entry *e)
{
	char buf[64], *slash, *end;
	long prefix;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(e, 0, sizeof(*e));
	if (inet_pton(AF_INET, buf, e->addr) == 1) {
		e->family = AF_INET;
		e->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, e->addr) == 1) {
		e->family = AF_INET6;
		e->prefix = 128;
	} else
		return -1;
	if (slash != NULL) {
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || prefix < 0 || prefix > e->prefix)
			return -1;
		e->prefix = (int)prefix;
	}
	return 0;
}

/* Append an entry. */
static void
net_add(struct kw_http_netlist *n, const struct net_entry *e, const char *name)
{
	n->v = kc_xrealloc(n->v, (n->n + 1) * sizeof(*n->v));
	n->v[n->n] = *e;
	n->v[n->n].name = name;
	n->n++;
}

/* Parse a deny list. */
struct kw_http_netlist *
kw_http_netlist_new(const char *list, char *err, size_t errlen)
{
	struct kw_http_netlist *n = kc_xcalloc(1, sizeof(*n));
	struct net_entry e;
	char *tok, *save = NULL, *cidrs, *c, *csave;
	size_t i;

	err[0] = '\0';
	n->names = kc_xstrdup(list != NULL ? list : "");
	for (tok = strtok_r(n->names, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = kc_str_trim(tok);
		if (*tok == '\0')
			continue;
		for (i = 0; i < KC_NITEMS(net_categories); i++)
			if (strcasecmp(tok, net_categories[i].category) == 0)
				break;
		if (i < KC_NITEMS(net_categories)) {
			cidrs = kc_xstrdup(net_categories[i].cidrs);
			for (c = strtok_r(cidrs, " ", &csave); c != NULL;
			    c = strtok_r(NULL, " ", &csave))
				if (net_parse(c, &e) == 0)
					net_add(n, &e, tok);
			free(cidrs);
		} else if (net_parse(tok, &e) == 0) {
			net_add(n, &e, tok);
		} else {
			snprintf(err, errlen, "'%.64s' is not loopback, private, link-local, an IP "
			    "address or a CIDR block (10.0.0.0/8, fd00::/8)", tok);
			kw_http_netlist_free(n);
			return NULL;
		}
	}
	if (n->n == 0) {
		kw_http_netlist_free(n);
		return NULL;
	}
	return n;
}

/* Free a list. */
void
kw_http_netlist_free(struct kw_http_netlist *n)
{
	if (n == NULL)
		return;
	free(n->v);
	free(n->names);
	free(n);
}

/* Does the prefix of e cover addr? */
static bool
net_covers(const struct net_entry *e, const unsigned char *addr)
{
	int full = e->prefix / 8, rest = e->prefix % 8;

	if (memcmp(e->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((e->addr[full] ^ addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* The entry covering an address. */
const char *
kw_http_netlist_match(const struct kw_http_netlist *n, const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char addr[16];
	int family;
	size_t i;

	if (n == NULL || sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const unsigned char *a6 =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;

		if (memcmp(a6, mapped, 12) == 0) {
			family = AF_INET;
			memcpy(addr, a6 + 12, 4);
		} else {
			family = AF_INET6;
			memcpy(addr, a6, 16);
		}
	} else
		return NULL;
	for (i = 0; i < n->n; i++)
		if (n->v[i].family == family && net_covers(&n->v[i], addr))
			return n->v[i].name;
	return NULL;
}

/* libcurl's socket opener when the guard is on: every address a connection is about to use
 * (after DNS, for every redirect hop and every happy-eyeballs attempt) is checked first. */
static curl_socket_t
open_guarded(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct kw_http_call *c = clientp;
	const char *why;
	char ip[INET6_ADDRSTRLEN] = "?";
	int fd;

	if (purpose == CURLSOCKTYPE_IPCXN &&
	    (why = kw_http_netlist_match(c->deny, &a->addr)) != NULL) {
		if (a->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr, ip,
			    sizeof(ip));
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr,
			    ip, sizeof(ip));
		snprintf(c->denied, sizeof(c->denied), "connection to %s refused by "
		    "http.target.deny (%s)", ip, why);
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* ---- rate limiter ----------------------------------------------------------------------- */

/* New limiter. */
struct kw_http_rate *
kw_http_rate_new(long max, long period_ms)
{
	struct kw_http_rate *r = kc_xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mu, NULL);
	r->interval_us = max > 0 ? period_ms * 1000 / max : 0;
	return r;
}

/* Free a limiter. */
void
kw_http_rate_free(struct kw_http_rate *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->name);
	free(r);
}

/* Take a slot. */
int64_t
kw_http_rate_take(struct kw_http_rate *r, int64_t now_us)
{
	int64_t wait = 0;

	pthread_mutex_lock(&r->mu);
	if (r->next_us <= now_us) {
		/* no burst: the next slot is one interval from now (or from the missed slot
		 * when we are only slightly late, which keeps the average rate exact) */
		r->next_us = (now_us - r->next_us < r->interval_us ? r->next_us : now_us) +
		    r->interval_us;
	} else {
		wait = r->next_us - now_us;
	}
	pthread_mutex_unlock(&r->mu);
	return wait;
}

/* A limiter shared by name (refcounted). */
static struct kw_http_rate *
rate_shared_get(const char *name, long max, long period_ms)
{
	struct kw_http_rate *r;

	pthread_mutex_lock(&rate_mu);
	for (r = rate_registry; r != NULL; r = r->rnext)
		if (strcmp(r->name, name) == 0)
			break;
	if (r == NULL) {
		r = kw_http_rate_new(max, period_ms);
		r->name = kc_xstrdup(name);
		r->rnext = rate_registry;
		rate_registry = r;
	}
	r->refs++;
	pthread_mutex_unlock(&rate_mu);
	return r;
}

/* Release a shared limiter. */
static void
rate_shared_put(struct kw_http_rate *r)
{
	struct kw_http_rate **pp;
	int last;

	pthread_mutex_lock(&rate_mu);
	last = --r->refs == 0;
	if (last)
		for (pp = &rate_registry; *pp != NULL; pp = &(*pp)->rnext)
			if (*pp == r) {
				*pp = r->rnext;
				break;
			}
	pthread_mutex_unlock(&rate_mu);
	if (last)
		kw_http_rate_free(r);
}

/* ---- calls ------------------------------------------------------------------------------ */

/* New empty call. */
struct kw_http_call *
kw_http_call_new(void)
{
	struct kw_http_call *c = kc_xcalloc(1, sizeof(*c));

	kw_http_request_init(&c->req);
	kw_http_response_init(&c->resp);
	return c;
}

/* Free a call. */
void
kw_http_call_free(struct kw_http_call *c)
{
	if (c == NULL)
		return;
	kw_http_request_clear(&c->req);
	kw_http_response_clear(&c->resp);
	if (c->slist != NULL)
		curl_slist_free_all(c->slist);
	free(c);
}

/* ---- executor --------------------------------------------------------------------------- */

/* New executor. */
struct kw_http_exec *
kw_http_exec_new(const struct kw_http_exec_opts *o, kw_http_done_fn done, void *arg, char *err,
    size_t errlen)
{
	struct kw_http_exec *x = kc_xcalloc(1, sizeof(*x));
	const char *p;
	int i;

	x->o = *o;
	if (x->o.max_in_flight < 1)
		x->o.max_in_flight = 1;
	x->done = done;
	x->arg = arg;
	x->rng = (uint64_t)kc_wall_us() ^ (uint64_t)(uintptr_t)x;
	if (kw_http_status_table(o->success_regex ? o->success_regex : "^[1-2][0-9][0-9]$",
	    x->success_tab, err, errlen) < 0 ||
	    kw_http_status_table(o->retry_regex, x->retry_tab, err, errlen) < 0) {
		free(x);
		return NULL;
	}
	if (o->retry_429)
		x->retry_tab[429] = 1;
	for (p = o->retry_after_statuses; p != NULL && *p != '\0';) {
		i = atoi(p);
		if (i >= 100 && i < 600)
			x->ra_tab[i] = 1;
		p += strcspn(p, "|, ");
		p += strspn(p, "|, ");
	}
	if (o->rate_max > 0) {
		if (o->rate_shared_name != NULL) {
			x->rate = rate_shared_get(o->rate_shared_name, o->rate_max,
			    o->rate_period_ms);
			x->rate_shared = true;
		} else {
			x->rate = kw_http_rate_new(o->rate_max, o->rate_period_ms);
		}
	}
	if (o->deny_targets != NULL && *o->deny_targets != '\0') {
		x->deny = kw_http_netlist_new(o->deny_targets, err, errlen);
		if (x->deny == NULL && err[0] != '\0') {
			char e[256];

			snprintf(e, sizeof(e), "%s", err);
			snprintf(err, errlen, "http.target.deny: %s", e);
			if (x->rate_shared)
				rate_shared_put(x->rate);
			else
				kw_http_rate_free(x->rate);
			free(x);
			return NULL;
		}
	}
	x->active = kc_xcalloc((size_t)x->o.max_in_flight, sizeof(*x->active));
	x->multi = curl_multi_init();
	curl_multi_setopt(x->multi, CURLMOPT_MAXCONNECTS, (long)x->o.max_in_flight + 4);
	if (o->max_per_host > 0)
		curl_multi_setopt(x->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_per_host);
	return x;
}

/* Detach and free the easy handle of a finished or dropped call. */
static void
release_easy(struct kw_http_exec *x, struct kw_http_call *c)
{
	if (c->easy == NULL)
		return;
	curl_multi_remove_handle(x->multi, c->easy);
	if (x->npool < (size_t)x->o.max_in_flight) {
		x->pool = kc_xrealloc(x->pool, (x->npool + 1) * sizeof(*x->pool));
		x->pool[x->npool++] = c->easy;
	} else {
		curl_easy_cleanup(c->easy);
	}
	c->easy = NULL;
	if (c->slist != NULL) {
		curl_slist_free_all(c->slist);
		c->slist = NULL;
	}
}

/* Free the executor. */
void
kw_http_exec_free(struct kw_http_exec *x, void (*drop)(struct kw_http_call *c))
{
	struct kw_http_call *c, *next, *active = NULL;
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nactive; i++) {
		c = x->active[i];
		c->next = active;
		active = c;
	}
	for (c = active; c != NULL; c = next) {
		next = c->next;
		release_easy(x, c);
		drop ? drop(c) : kw_http_call_free(c);
	}
	for (c = x->ready_head; c != NULL; c = next) {
		next = c->next;
		drop ? drop(c) : kw_http_call_free(c);
	}
	for (c = x->delayed; c != NULL; c = next) {
		next = c->next;
		drop ? drop(c) : kw_http_call_free(c);
	}
	for (i = 0; i < x->npool; i++)
		curl_easy_cleanup(x->pool[i]);
	free(x->pool);
	free(x->active);
	curl_multi_cleanup(x->multi);
	if (x->rate_shared)
		rate_shared_put(x->rate);
	else
		kw_http_rate_free(x->rate);
	free(x->token);
	kw_http_netlist_free(x->deny);
	free(x);
}

/* Random UUID v4 text. */
static void
uuid4(struct kw_http_exec *x, char *buf, size_t len)
{
	uint64_t a = rnd(x), b = rnd(x);

	a = (a & ~0xf000ULL) | 0x4000ULL;
	b = (b & ~(3ULL << 62)) | (2ULL << 62);
	snprintf(buf, len, "%08llx-%04llx-%04llx-%04llx-%012llx",
	    (unsigned long long)(a >> 32), (unsigned long long)((a >> 16) & 0xffff),
	    (unsigned long long)(a & 0xffff), (unsigned long long)(b >> 48),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* Append to the ready FIFO. */
static void
ready_push(struct kw_http_exec *x, struct kw_http_call *c)
{
	c->next = NULL;
	if (x->ready_tail != NULL)
		x->ready_tail->next = c;
	else
		x->ready_head = c;
	x->ready_tail = c;
	x->nready++;
}

/* Queue a call. */
void
kw_http_exec_submit(struct kw_http_exec *x, struct kw_http_call *c)
{
	const struct kw_http_headers *sh = x->o.static_headers;
	char id[40];
	size_t i;

	if (sh != NULL)
		for (i = 0; i < sh->n; i++)
			if (kw_http_headers_get(&c->req.headers, sh->v[i].name) == NULL)
				kw_http_headers_add(&c->req.headers, sh->v[i].name, sh->v[i].value);
	if (x->o.gen_request_id && kw_http_headers_get(&c->req.headers, "X-Request-ID") == NULL) {
		uuid4(x, id, sizeof(id));
		kw_http_headers_add(&c->req.headers, "X-Request-ID", id);
	}
	if (x->o.gen_correlation_id &&
	    kw_http_headers_get(&c->req.headers, "X-Correlation-ID") == NULL) {
		uuid4(x, id, sizeof(id));
		kw_http_headers_add(&c->req.headers, "X-Correlation-ID", id);
	}
	c->submit_us = mono_us();
	c->due_us = c->submit_us;
	ready_push(x, c);
}

/* Body writer with the size cap: the rest is read and dropped, and flagged. */
static size_t
on_body_capped(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct kw_http_call *c = userdata;
	size_t n = size * nmemb, limit = c->body_limit, room;

	if (c->resp.body.len >= limit) {
		if (n > 0)
			c->resp.truncated = true;
		return n;
	}
	room = limit - c->resp.body.len;
	if (n > room) {
		kc_buf_append(&c->resp.body, ptr, room);
		c->resp.truncated = true;
	} else {
		kc_buf_append(&c->resp.body, ptr, n);
	}
	return n;
}

/* Header line callback: status lines reset the captured headers (redirects, 1xx). */
static size_t
on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct kw_http_call *c = userdata;
	size_t n = size * nitems, len = n, nl, limit = c->headers_limit;
	const char *colon, *sp, *v;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0)
		return n;
	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		kw_http_headers_clear(&c->resp.headers);
		c->resp.headers_bytes = 0;
		free(c->resp.status_message);
		c->resp.status_message = NULL;
		sp = memchr(buf, ' ', len);
		nl = sp ? (size_t)(sp - buf) : len;
		snprintf(c->resp.protocol, sizeof(c->resp.protocol), "%.*s", (int)nl, buf);
		for (size_t i = 0; c->resp.protocol[i]; i++)
			c->resp.protocol[i] = (char)tolower((unsigned char)c->resp.protocol[i]);
		if (sp != NULL) {
			sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - buf));
			if (sp != NULL) {
				size_t ml = len - (size_t)(sp + 1 - buf);

				if (ml > c->status_limit) {
					ml = c->status_limit;
					c->resp.truncated = true;
				}
				c->resp.status_message = kc_xstrndup(sp + 1, ml);
			}
		}
		return n;
	}
	colon = memchr(buf, ':', len);
	if (colon == NULL)
		return n;
	if (c->resp.headers_bytes + len > limit) {
		c->resp.truncated = true;
		return n;
	}
	c->resp.headers_bytes += len;
	v = colon + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	kw_http_headers_addn(&c->resp.headers, buf, (size_t)(colon - buf), v,
	    (size_t)(buf + len - v));
	return n;
}

/* Fetch an OAuth2 token (blocking). 0 or -1. */
static int
oauth2_fetch(struct kw_http_exec *x)
{
	struct kc_buf body, form;
	json_error_t je;
	json_t *j;
	CURL *e;
	CURLcode rc;
	long status = 0;
	const char *tok, *type;
	long long expires;
	char errbuf[CURL_ERROR_SIZE] = "";

	kc_buf_init(&body);
	kc_buf_init(&form);
	kc_buf_puts(&form, "grant_type=client_credentials");
	if (x->o.oauth2_scope != NULL && *x->o.oauth2_scope) {
		kc_buf_puts(&form, "&scope=");
		kw_http_form_encode(x->o.oauth2_scope, &form);
	}
	if (x->o.oauth2_post) {
		kc_buf_puts(&form, "&client_id=");
		kw_http_form_encode(x->o.oauth2_client_id ? x->o.oauth2_client_id : "", &form);
		kc_buf_puts(&form, "&client_secret=");
		kw_http_form_encode(x->o.oauth2_client_secret ? x->o.oauth2_client_secret : "",
		    &form);
	}
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, x->o.oauth2_token_url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, form.data);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, x->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->o.request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body_capped);
	{
		/* a tiny call to reuse the capped writer */
		static __thread struct kw_http_call tc;

		memset(&tc, 0, sizeof(tc));
		tc.body_limit = 1 << 20;
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &tc);
		if (!x->o.oauth2_post) {
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(e, CURLOPT_USERNAME, x->o.oauth2_client_id ?
			    x->o.oauth2_client_id : "");
			curl_easy_setopt(e, CURLOPT_PASSWORD, x->o.oauth2_client_secret ?
			    x->o.oauth2_client_secret : "");
		}
		if (x->o.ca_file)
			curl_easy_setopt(e, CURLOPT_CAINFO, x->o.ca_file);
		if (x->o.insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
		rc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		body = tc.resp.body;
	}
	curl_easy_cleanup(e);
	kc_buf_free(&form);
	if (rc != CURLE_OK || status < 200 || status > 299) {
		kc_log(LOGGER, KC_LOG_ERROR, "oauth2 token request to %s failed: %s",
		    x->o.oauth2_token_url, rc != CURLE_OK ? (errbuf[0] ? errbuf :
		    curl_easy_strerror(rc)) : "unexpected status");
		if (rc == CURLE_OK)
			kc_log(LOGGER, KC_LOG_ERROR, "oauth2 token endpoint answered %ld", status);
		kc_buf_free(&body);
		return -1;
	}
	j = json_loadb(body.data ? body.data : "", body.len, 0, &je);
	kc_buf_free(&body);
	tok = kc_json_str(j, "access_token");
	if (tok == NULL) {
		kc_log(LOGGER, KC_LOG_ERROR, "oauth2 token response from %s has no access_token",
		    x->o.oauth2_token_url);
		json_decref(j);
		return -1;
	}
	type = json_string_value(json_object_get(j, "token_type"));
	if (type == NULL || strcasecmp(type, "bearer") == 0)
		type = "Bearer";
	expires = json_integer_value(json_object_get(j, "expires_in"));
	free(x->token);
	x->token = kc_xasprintf("Authorization: %s %s", type, tok);
	/* refresh at 90% of the lifetime; no expiry given: keep until a 401 */
	x->token_expiry_us = expires > 0 ? mono_us() + expires * 900000LL : INT64_MAX;
	json_decref(j);
	x->st.auth_refreshes++;
	return 0;
}

/* Make sure a usable token is cached (fetching when missing or expired). */
static void
oauth2_ensure(struct kw_http_exec *x, bool force)
{
	int64_t now = mono_us();

	if (x->o.oauth2_token_url == NULL)
		return;
	if (!force && x->token != NULL && now < x->token_expiry_us)
		return;
	if (now < x->token_retry_us)
		return;
	if (oauth2_fetch(x) < 0)
		x->token_retry_us = now + 1000000;	/* at most one failing fetch a second */
}

/* Configure an easy handle for a call's next attempt and add it to the multi. */
static void
start_call(struct kw_http_exec *x, struct kw_http_call *c)
{
	const struct kw_http_request *r = &c->req;
	struct kc_buf line;
	CURL *e;
	size_t i;

	e = x->npool > 0 ? x->pool[--x->npool] : curl_easy_init();
	curl_easy_reset(e);
	c->easy = e;
	kw_http_response_clear(&c->resp);
	c->errbuf[0] = '\0';
	c->denied[0] = '\0';
	c->attempts++;
	x->st.attempts++;
	if (c->attempts == 1)
		c->moment_us = kc_wall_us();
	c->body_limit = x->o.body_limit ? x->o.body_limit : 100000;
	c->headers_limit = x->o.headers_limit ? x->o.headers_limit : 10000;
	c->status_limit = x->o.status_limit ? x->o.status_limit : 1024;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body_capped);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	if (x->o.connect_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, x->o.connect_timeout_ms);
	if (x->o.request_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->o.request_timeout_ms);
	if (x->o.max_redirects > 0) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)x->o.max_redirects);
		/* never downgrade https -> http */
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
		    strncasecmp(r->url, "https:", 6) == 0 ? "https" : "http,https");
	}
	if (x->o.response_max_bytes > 0)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)x->o.response_max_bytes);
	if (x->o.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, x->o.ca_file);
	if (x->o.cert_file)
		curl_easy_setopt(e, CURLOPT_SSLCERT, x->o.cert_file);
	if (x->o.key_file)
		curl_easy_setopt(e, CURLOPT_SSLKEY, x->o.key_file);
	if (x->o.key_password)
		curl_easy_setopt(e, CURLOPT_KEYPASSWD, x->o.key_password);
	if (x->o.insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (x->deny != NULL) {
		c->deny = x->deny;
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
	}
	if (x->o.proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, x->o.proxy);
	else
		curl_easy_setopt(e, CURLOPT_PROXY, "");	/* ignore *_proxy variables */
	if (x->o.basic_user) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, x->o.basic_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, x->o.basic_password ? x->o.basic_password :
		    "");
	}
	if (x->o.user_agent)
		curl_easy_setopt(e, CURLOPT_USERAGENT, x->o.user_agent);
	/* method and body */
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (r->body_len > 0 || strcmp(r->method, "POST") == 0 ||
	    strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
	/* headers */
	kc_buf_init(&line);
	for (i = 0; i < r->headers.n; i++) {
		kc_buf_reset(&line);
		if (r->headers.v[i].value[0] == '\0')
			kc_buf_printf(&line, "%s;", r->headers.v[i].name);
		else
			kc_buf_printf(&line, "%s: %s", r->headers.v[i].name, r->headers.v[i].value);
		c->slist = curl_slist_append(c->slist, kc_buf_str(&line));
	}
	kc_buf_free(&line);
	c->slist = curl_slist_append(c->slist, "Expect:");
	if (kw_http_headers_get(&r->headers, "Content-Type") == NULL && r->body_len > 0)
		c->slist = curl_slist_append(c->slist, "Content-Type: text/plain; charset=utf-8");
	if (x->o.bearer_token && kw_http_headers_get(&r->headers, "Authorization") == NULL) {
		char *h = kc_xasprintf("Authorization: Bearer %s", x->o.bearer_token);

		c->slist = curl_slist_append(c->slist, h);
		free(h);
	}
	if (x->o.oauth2_token_url && kw_http_headers_get(&r->headers, "Authorization") == NULL) {
		oauth2_ensure(x, false);
		if (x->token != NULL)
			c->slist = curl_slist_append(c->slist, x->token);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->slist);
	curl_multi_add_handle(x->multi, e);
	c->active_idx = x->nactive;
	x->active[x->nactive++] = c;
}

/* Pop the ready FIFO head. */
static struct kw_http_call *
ready_pop(struct kw_http_exec *x)
{
	struct kw_http_call *c = x->ready_head;

	x->ready_head = c->next;
	if (x->ready_head == NULL)
		x->ready_tail = NULL;
	c->next = NULL;
	x->nready--;
	return c;
}

/* Put a call on the delayed list until due. */
static void
delay_call(struct kw_http_exec *x, struct kw_http_call *c, int64_t delay_ms)
{
	c->due_us = mono_us() + delay_ms * 1000;
	c->next = x->delayed;
	x->delayed = c;
	x->ndelayed++;
	x->st.retries++;
}

/* Decide what happens after an attempt; finished calls go to the done callback. */
static void
finish_attempt(struct kw_http_exec *x, struct kw_http_call *c, CURLcode rc)
{
	enum kw_http_err_kind kind;
	curl_off_t t_dns = 0, t_conn = 0, t_app = 0, t_pre = 0, t_start = 0, t_total = 0;
	long status = 0;
	bool retry = false, connected;
	const char *ra;
	int64_t delay;

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c->easy, CURLINFO_NAMELOOKUP_TIME_T, &t_dns);
	curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME_T, &t_conn);
	curl_easy_getinfo(c->easy, CURLINFO_APPCONNECT_TIME_T, &t_app);
	curl_easy_getinfo(c->easy, CURLINFO_PRETRANSFER_TIME_T, &t_pre);
	curl_easy_getinfo(c->easy, CURLINFO_STARTTRANSFER_TIME_T, &t_start);
	curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &t_total);
	c->timings.dns = t_dns / 1000;
	c->timings.connecting = t_conn > t_dns ? (t_conn - t_dns) / 1000 : 0;
	c->timings.secure_connecting = t_app > t_conn ? (t_app - t_conn) / 1000 : 0;
	c->timings.waiting = t_start > t_pre ? (t_start - t_pre) / 1000 : 0;
	c->timings.direct = t_total / 1000;
	c->duration_ms = t_total / 1000;
	connected = t_conn > 0 || status > 0;
	release_easy(x, c);
	x->active[c->active_idx] = x->active[--x->nactive];
	x->active[c->active_idx]->active_idx = c->active_idx;
	kind = kw_http_classify_curl(rc);
	if (kind != KW_HTTP_ERR_NONE && c->denied[0] != '\0')
		kind = KW_HTTP_ERR_DENIED;
	c->resp.err_kind = kind;
	if (kind != KW_HTTP_ERR_NONE) {
		c->resp.err_code = rc;
		c->resp.err_message = kc_xstrdup(kind == KW_HTTP_ERR_DENIED ? c->denied :
		    c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		c->resp.status = 0;
		c->success = false;
		switch (kind) {
		case KW_HTTP_ERR_DENIED:
		case KW_HTTP_ERR_TLS:
		case KW_HTTP_ERR_TOO_LARGE:
			retry = false;
			break;
		case KW_HTTP_ERR_TIMEOUT:
		case KW_HTTP_ERR_PROTOCOL:
			if (rc == CURLE_TOO_MANY_REDIRECTS || rc == CURLE_UNSUPPORTED_PROTOCOL ||
			    rc == CURLE_URL_MALFORMAT) {
				retry = false;
				break;
			}
			/* a request that may have reached the server is repeated only when that
			 * is safe or allowed */
			retry = !connected || kw_http_method_idempotent(c->req.method) ||
			    x->o.retry_non_idempotent;
			break;
		default:
			retry = true;
		}
		delay = kw_http_backoff_ms(c->attempts, x->o.retry_delay_ms, x->o.retry_factor,
		    x->o.retry_max_delay_ms);
	} else {
		c->resp.status = (int)status;
		c->success = status >= 100 && status < 600 && x->success_tab[status];
		if (!c->success && status == 401 && x->o.oauth2_token_url && !c->auth_retried) {
			/* the token was refused: fetch a new one and try once more */
			c->auth_retried = true;
			oauth2_ensure(x, true);
			c->due_us = mono_us();
			c->attempts--;	/* an auth refresh is not a retry */
			x->st.retries--;
			delay_call(x, c, 0);
			return;
		}
		retry = !c->success && status >= 100 && status < 600 && x->retry_tab[status];
		delay = kw_http_backoff_ms(c->attempts, x->o.retry_delay_ms, x->o.retry_factor,
		    x->o.retry_max_delay_ms);
		if (retry && x->ra_tab[status] &&
		    ((ra = kw_http_headers_get(&c->resp.headers, "Retry-After")) != NULL ||
		    (ra = kw_http_headers_get(&c->resp.headers, "X-Retry-After")) != NULL)) {
			int64_t v = kw_http_retry_after_ms(ra, kc_wall_ms());

			if (v >= 0) {
				delay = v < x->o.retry_after_max_ms ? v : x->o.retry_after_max_ms;
				goto decided;
			}
		}
	}
	if (retry && x->o.retry_jitter_ms > 0)
		delay += (int64_t)(rnd(x) % (uint64_t)(x->o.retry_jitter_ms + 1));
decided:
	if (retry && c->attempts <= x->o.retries) {
		if (kind != KW_HTTP_ERR_NONE)
			kc_log(LOGGER, KC_LOG_DEBUG, "%s %s: attempt %d: %s (%s), retrying in %lld ms",
			    c->req.method, c->req.url, c->attempts, kw_http_err_kind_name(kind),
			    c->resp.err_message, (long long)delay);
		else
			kc_log(LOGGER, KC_LOG_DEBUG, "%s %s: attempt %d: status %d, retrying in %lld "
			    "ms", c->req.method, c->req.url, c->attempts, c->resp.status,
			    (long long)delay);
		delay_call(x, c, delay);
		return;
	}
	if (kind == KW_HTTP_ERR_TLS)
		kc_log(LOGGER, KC_LOG_WARN, "%s %s: TLS error, not retried: %s", c->req.method,
		    c->req.url, c->resp.err_message);
	c->timings.overall = (kc_wall_us() - c->moment_us) / 1000;
	c->timings.rate_wait = c->rate_wait_us / 1000;
	x->done(c, x->arg);
}

/* Move due retries to the ready FIFO; returns ms until the next one (or -1). */
static int64_t
promote_due(struct kw_http_exec *x, int64_t now)
{
	struct kw_http_call **pp = &x->delayed, *c;
	int64_t next = -1;

	while ((c = *pp) != NULL) {
		if (c->due_us <= now) {
			*pp = c->next;
			x->ndelayed--;
			c->due_us = now;
			ready_push(x, c);
		} else {
			if (next < 0 || c->due_us - now < next)
				next = c->due_us - now;
			pp = &c->next;
		}
	}
	return next < 0 ? -1 : (next + 999) / 1000;
}

/* Start ready calls within the limits; returns ms until the rate limiter allows (or -1). */
static int64_t
start_ready(struct kw_http_exec *x, int64_t now)
{
	struct kw_http_call *c;
	int64_t wait;

	while (x->ready_head != NULL && x->nactive < (size_t)x->o.max_in_flight) {
		if (x->rate != NULL && (wait = kw_http_rate_take(x->rate, now)) > 0) {
			x->st.rate_waits++;
			return (wait + 999) / 1000;
		}
		c = ready_pop(x);
		if (x->rate != NULL)
			c->rate_wait_us += now - c->due_us;
		start_call(x, c);
	}
	return -1;
}

/* Drive the transfers. */
int
kw_http_exec_run(struct kw_http_exec *x, int timeout_ms)
{
	CURLMsg *m;
	int running, left, finished = 0;
	int64_t now, w1, w2;
	struct kw_http_call *c;

	now = mono_us();
	w1 = promote_due(x, now);
	w2 = start_ready(x, now);
	curl_multi_perform(x->multi, &running);
	while ((m = curl_multi_info_read(x->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		finish_attempt(x, c, m->data.result);
		finished++;
	}
	if (finished > 0)
		return finished;
	if (w1 >= 0 && w1 < timeout_ms)
		timeout_ms = (int)w1;
	if (w2 >= 0 && w2 < timeout_ms)
		timeout_ms = (int)w2;
	if (timeout_ms > 0)
		curl_multi_poll(x->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(x->multi, &running);
	while ((m = curl_multi_info_read(x->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		finish_attempt(x, c, m->data.result);
		finished++;
	}
	return finished;
}

/* Wake run(). */
void
kw_http_exec_wakeup(struct kw_http_exec *x)
{
	curl_multi_wakeup(x->multi);
}

/* Calls inside. */
size_t
kw_http_exec_outstanding(const struct kw_http_exec *x)
{
	return x->nready + x->nactive + x->ndelayed;
}

/* Active transfers. */
size_t
kw_http_exec_active(const struct kw_http_exec *x)
{
	return x->nactive;
}

/* Counters. */
void
kw_http_exec_stats(const struct kw_http_exec *x, struct kw_http_exec_stats *out)
{
	*out = x->st;
}

/* Blocking GET. */
char *
kw_http_fetch(const struct kw_http_exec_opts *o, const char *url, size_t *len, char *err,
    size_t errlen)
{
	struct kw_http_call *c = kw_http_call_new();
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;
	char *body = NULL;
	CURL *e;

	c->body_limit = 1 << 20;
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->request_timeout_ms > 0 ?
	    o->request_timeout_ms : 30000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body_capped);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	if (o->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(e, CURLOPT_PROXY, o->proxy ? o->proxy : "");
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "%s: HTTP status %ld", url, status);
	else {
		*len = c->resp.body.len;
		body = c->resp.body.len ? kc_buf_steal(&c->resp.body) : kc_xstrdup("");
	}
	kw_http_call_free(c);
	return body;
}
