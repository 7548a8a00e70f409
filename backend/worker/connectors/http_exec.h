/* http_exec.h - the HTTP sink's request executor on the libcurl multi interface.
 *
 * DESIGN
 * One executor per sink task, driven from the task thread: submit calls, then call
 * kw_http_exec_run() in the task loop; finished calls come back through the done callback
 * (from inside run) after success, a final failure, or retries exhausted. Inside:
 *  - a ready FIFO, started while fewer than max_in_flight transfers are active and the rate
 *    limiter grants a slot (per-host caps are libcurl's CURLMOPT_MAX_HOST_CONNECTIONS);
 *  - a delayed list for retries: exponential backoff with jitter and a maximum, or the
 *    server's Retry-After (seconds or HTTP date) up to a cap; only that call waits;
 *  - classification: success and retry decided by status-code regexes (compiled to a table
 *    of 100..599), transport errors mapped to kinds; TLS and too_large never retried, read
 *    timeouts and dropped connections retried for non-idempotent methods only when allowed;
 *  - auth: basic (libcurl), bearer, OAuth2 client credentials (token fetched with a
 *    blocking request, refreshed before expiry and once on a 401);
 *  - enrichment at submit: static headers, generated X-Request-ID / X-Correlation-ID.
 * Connections are kept alive and reused by the multi handle's connection cache.
 */
#ifndef HTTP_EXEC_H
#define HTTP_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_exchange.h"
#include "http_request.h"

struct kw_http_exec_opts {
	int		 max_in_flight;		/* concurrent transfers (>= 1) */
	int		 max_per_host;		/* 0: no cap */
	long		 connect_timeout_ms;
	long		 request_timeout_ms;
	int		 max_redirects;		/* 0: redirects are not followed */
	const char	*ca_file, *cert_file, *key_file, *key_password;
	bool		 insecure;
	const char	*proxy;			/* URL, e.g. http://127.0.0.1:3128 */
	const char	*basic_user, *basic_password;
	const char	*bearer_token;
	const char	*oauth2_token_url, *oauth2_client_id, *oauth2_client_secret;
	const char	*oauth2_scope;
	bool		 oauth2_post;		/* client_secret_post instead of _basic */
	const struct kw_http_headers *static_headers;
	bool		 gen_request_id, gen_correlation_id;
	const char	*user_agent;
	const char	*success_regex;		/* ERE over the status code */
	const char	*retry_regex;		/* statuses retried (besides 429 when retry_429) */
	bool		 retry_429;
	int		 retries;		/* retries after the first attempt */
	long		 retry_delay_ms, retry_max_delay_ms, retry_jitter_ms;
	double		 retry_factor;
	const char	*retry_after_statuses;	/* "503|429|301" */
	long		 retry_after_max_ms;	/* cap on an honoured Retry-After */
	bool		 retry_non_idempotent;	/* retry POST/PATCH after a read timeout */
	long		 rate_max;		/* executions per period; 0: off */
	long		 rate_period_ms;
	const char	*rate_shared_name;	/* non-NULL: limiter shared by this name */
	size_t		 body_limit, headers_limit, status_limit;
	int64_t		 response_max_bytes;	/* abort beyond (too_large); 0: off */
	const char	*deny_targets;		/* kw_http_netlist text; NULL/"": no guard */
};

struct kw_http_call {
	struct kw_http_request	 req;
	struct kw_http_response	 resp;
	struct kw_http_timings	 timings;
	int			 attempts;
	int64_t			 moment_us;	/* wall clock of the first attempt */
	int64_t			 duration_ms;	/* last attempt */
	bool			 success;
	void			*user;		/* the caller's */
	/* executor-private */
	struct kw_http_call	*next;
	void			*easy;
	struct curl_slist	*slist;
	int64_t			 due_us;	/* monotonic: retry due / ready since */
	int64_t			 submit_us;	/* monotonic: submitted */
	int64_t			 rate_wait_us;
	bool			 auth_retried;
	size_t			 active_idx;
	size_t			 body_limit, headers_limit, status_limit;
	char			 errbuf[256];
	char			 denied[128];	/* this attempt: why a connection was refused */
	const struct kw_http_netlist *deny;	/* the executor's guard while active */
};

struct kw_http_exec;
typedef void (*kw_http_done_fn)(struct kw_http_call *c, void *arg);

/* New executor; NULL with err on a bad option (regex, ...). */
struct kw_http_exec *kw_http_exec_new(const struct kw_http_exec_opts *o, kw_http_done_fn done,
    void *arg, char *err, size_t errlen);
/* Free; calls still inside are handed to `drop` (may be NULL: then freed here). */
void kw_http_exec_free(struct kw_http_exec *x, void (*drop)(struct kw_http_call *c));

/* New call with an empty request (caller fills req). */
struct kw_http_call *kw_http_call_new(void);
void kw_http_call_free(struct kw_http_call *c);

/* Enrich and queue a call; it comes back through the done callback. */
void kw_http_exec_submit(struct kw_http_exec *x, struct kw_http_call *c);
/* Drive transfers for up to timeout_ms (returns early on completions or a wake-up).
 * Returns the number of calls finished. */
int kw_http_exec_run(struct kw_http_exec *x, int timeout_ms);
/* Wake a run() in progress (thread-safe). */
void kw_http_exec_wakeup(struct kw_http_exec *x);
/* Calls inside: queued, active, and waiting for a retry. */
size_t kw_http_exec_outstanding(const struct kw_http_exec *x);
size_t kw_http_exec_active(const struct kw_http_exec *x);
/* Counters since start. */
struct kw_http_exec_stats {
	uint64_t	attempts, retries, auth_refreshes, rate_waits;
};
void kw_http_exec_stats(const struct kw_http_exec *x, struct kw_http_exec_stats *out);

/* A blocking GET with the TLS/proxy/timeout options of `o` (for discovery documents).
 * Returns the body (malloc'd, NUL-terminated) on a 2xx, else NULL with err. */
char *kw_http_fetch(const struct kw_http_exec_opts *o, const char *url, size_t *len,
    char *err, size_t errlen);

/* ---- pure helpers (unit-tested) --------------------------------------------------------- */

/* Retry-After value (delta seconds or HTTP date) as ms from `now_wall_ms`; -1 if invalid. */
int64_t kw_http_retry_after_ms(const char *value, int64_t now_wall_ms);
/* Backoff before retry number n (1-based) without jitter. */
int64_t kw_http_backoff_ms(int n, long delay_ms, double factor, long max_ms);
/* Map a libcurl result code to an error kind. */
enum kw_http_err_kind kw_http_classify_curl(int code);
/* Compile a status regex into table[600] (1 = match). 0, or -1 with err. */
int kw_http_status_table(const char *regex, unsigned char *table, char *err, size_t errlen);

/* Target guard (SSRF): addresses a sink may not connect to. The list is comma-separated
 * entries: the categories `loopback` (127.0.0.0/8, 0.0.0.0/8, ::1, ::), `private`
 * (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7), `link-local`
 * (169.254.0.0/16, fe80::/10; cloud metadata services live there), or an address or CIDR
 * block (IPv4 or IPv6). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked as IPv4. */
struct sockaddr;
struct kw_http_netlist;
/* NULL with err on a bad entry (err names it); NULL with err "" for an empty list. */
struct kw_http_netlist *kw_http_netlist_new(const char *list, char *err, size_t errlen);
void kw_http_netlist_free(struct kw_http_netlist *n);
/* The entry (category name or CIDR as written) covering the address, or NULL. */
const char *kw_http_netlist_match(const struct kw_http_netlist *n, const struct sockaddr *sa);

/* Smooth rate limiter: max executions per period, evenly spaced. */
struct kw_http_rate;
struct kw_http_rate *kw_http_rate_new(long max, long period_ms);
void kw_http_rate_free(struct kw_http_rate *r);
/* 0 when a slot is taken now, else microseconds until the next slot. Thread-safe. */
int64_t kw_http_rate_take(struct kw_http_rate *r, int64_t now_us);

#endif
