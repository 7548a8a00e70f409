/* kc_watch_notify.h - delivering watch events to a webhook and/or a command.
 *
 * A notifier owns one background thread and a bounded queue, so a slow or dead webhook never
 * delays the watch loop. Each event is delivered to every configured target in order:
 *
 *  - webhooks: POST URL (each of them, in order) with the event JSON as the body (Content-Type: application/json),
 *    extra headers as given. A transport error, a 5xx or a 429 answer is retried with a
 *    doubling delay (Retry-After honoured up to 60 s); another 4xx is not retried.
 *  - command: run directly (no shell: see kc_watch_split_command), with the event JSON (one
 *    line) on stdin, its stdout sent to stderr (so it never mixes with an NDJSON event log
 *    on stdout), KCOPS_EVENT / KCOPS_CONTEXT / KCOPS_CONNECTOR / KCOPS_OWNER_NAME /
 *    KCOPS_OWNER_EMAIL in its environment (empty when the event has none). It is
 *    killed (TERM, then KILL 2 s later) when it runs longer than the timeout. Not retried:
 *    a command may have side effects (a mail sent twice).
 *
 * When the queue is full the oldest waiting event is dropped and counted. */
#ifndef KC_WATCH_NOTIFY_H
#define KC_WATCH_NOTIFY_H

#include <jansson.h>
#include <stddef.h>

#include "kc_err.h"

struct kc_notify;

/* Called from the notifier thread after each delivery attempt chain: ok = 1 delivered,
 * 0 given up; target is "webhook" or "exec"; detail says what happened (e.g. "HTTP 503
 * after 4 attempts"). */
typedef void (*kc_notify_result_fn)(void *arg, const char *target, const json_t *ev, int ok,
    const char *detail);

struct kc_notify_opts {
	const char *const	*webhook_urls;	/* each event is POSTed to every one */
	size_t			 nwebhook_urls;
	const char *const	*headers;	/* extra "Name: value" headers */
	size_t			 nheaders;
	const char		*exec_cmd;	/* NULL: no command */
	long			 timeout_ms;	/* per webhook attempt; 0: 10 s */
	int			 retries;	/* webhook retries after the first try; 0: 3, -1: none */
	long			 retry_backoff_ms; /* first retry delay; 0: 500 ms (doubles, max 30 s) */
	long			 exec_timeout_ms;	/* 0: 30 s */
	size_t			 queue_max;	/* 0: 256 */
	kc_notify_result_fn	 on_result;
	void			*on_result_arg;
};

struct kc_notify_stats {
	long	queued;		/* waiting now */
	long	delivered;	/* target deliveries that succeeded */
	long	failed;		/* target deliveries given up */
	long	dropped;	/* events dropped because the queue was full */
};

/* Start the notifier (strings copied). NULL with err when the command can't be split or no
 * target is given. */
struct kc_notify *kc_notify_new(const struct kc_notify_opts *o, struct kc_err *err);
/* Queue an event (serialised at once; ev stays the caller's). Never blocks. */
void kc_notify_post(struct kc_notify *n, const json_t *ev);
/* Wait until the queue is empty and nothing is in flight, at most timeout_ms. Returns 0 when
 * drained, -1 on timeout. */
int kc_notify_flush(struct kc_notify *n, long timeout_ms);
void kc_notify_get_stats(struct kc_notify *n, struct kc_notify_stats *s);
/* Drain for at most `grace_ms`, then stop the thread and free. NULL is a no-op. */
void kc_notify_free(struct kc_notify *n, long grace_ms);

#endif
