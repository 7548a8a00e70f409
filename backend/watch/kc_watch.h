/* kc_watch.h - `kcops watch`: auto-restart with back-off, owner notifications, drift, and
 * the state-file HTTP service.
 *
 * A watch polls every context it is given, each on its own thread, with one bulk status call
 * (GET /connectors?expand=status&expand=info) per interval, and:
 *
 *  - restarts failed connectors/tasks (only the failed instances: restart?includeTasks=true&
 *    onlyFailed=true, or per-task restarts on pre-3.0 workers) with a per-connector back-off:
 *    base, doubling, capped, at most N attempts, reset after a healthy period. The state file's
 *    `auto_restart` {max, backoff} and `restart_failed` override the flags per connector, and
 *    a connector the state file wants paused or stopped is never restarted;
 *  - emits events (see docs/watch.md for the list and their fields) to an NDJSON log, an
 *    in-process callback, and, for the kinds chosen (default failed, gave_up, recovered), to a
 *    webhook and/or a command, de-duplicated and rate limited;
 *  - with a state file, computes the plan each cycle and reports a non-empty one once per
 *    change (and applies it with `apply`);
 *  - survives outages: a failed poll keeps the last state, is reported once ("outage") and the
 *    recovery ("resumed") once, with its duration;
 *  - optionally serves, over HTTP with a token, connector names by state, /validate, /plan,
 *    POST /sync, /events and /status (kc_watch_serve.c).
 *
 * Threads: kc_watch_run() starts one thread per context, the notifier's thread, and the HTTP
 * server's threads, and returns when kc_watch_stop() is called (or after one cycle with
 * `once`). Event callbacks run on context threads, one at a time (serialised by a lock). */
#ifndef KC_WATCH_H
#define KC_WATCH_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "kc_context.h"
#include "kc_err.h"
#include "kc_state.h"
#include "kc_watch_parts.h"

/* Event kinds. */
enum kc_watch_kind {
	KC_WEV_STARTED = 0,	/* the watch started on a context */
	KC_WEV_STOPPED,		/* it stopped */
	KC_WEV_FAILED,		/* a connector (or one of its tasks) turned FAILED */
	KC_WEV_RESTARTED,	/* watch restarted its failed instances */
	KC_WEV_RESTART_ERROR,	/* the restart request itself failed */
	KC_WEV_GAVE_UP,		/* max attempts reached; left failed */
	KC_WEV_RECOVERED,	/* healthy for the healthy period after a failure */
	KC_WEV_STATE,		/* a connector's aggregated state changed */
	KC_WEV_ADDED,		/* a connector appeared */
	KC_WEV_DELETED,		/* a connector disappeared */
	KC_WEV_OUTAGE,		/* the cluster can't be reached (reported once) */
	KC_WEV_RESUMED,		/* reachable again */
	KC_WEV_DRIFT,		/* the live cluster differs from the state file (once per change) */
	KC_WEV_DRIFT_CLEARED,	/* no difference any more */
	KC_WEV_APPLIED,		/* --apply ran a plan (report attached) */
	KC_WEV_STATE_ERROR,	/* the state file can't be read or has errors (once per change) */
	KC_WEV_LISTENING,	/* the service is listening (address attached) */
	KC_WEV_NOTIFY_FAILED,	/* a webhook/command delivery was given up */
	KC_WEV__COUNT
};

const char *kc_watch_kind_name(enum kc_watch_kind k);
/* Parse a comma-separated list of kind names ("failed,gave_up", "all", "none") into a
 * bitmask of (1 << kind). -1 with err naming the unknown word (with a suggestion). */
int64_t kc_watch_kinds_parse(const char *list, struct kc_err *err);

typedef void (*kc_watch_event_fn)(void *arg, const json_t *ev);

struct kc_watch_opts {
	/* What to watch: resolved contexts (borrowed; they must outlive the watch). */
	struct kc_ctx *const	*ctxs;
	size_t			 nctxs;
	int64_t			 interval_ms;	/* 0: 10 s */
	int			 once;		/* one cycle (poll, report, restart what is due
						   at once, drift, apply), then return */
	long			 request_timeout_ms;	/* per Connect request; 0: the context's
							   timeout, else 30 s */
	int			 verbose;	/* log every Connect request to stderr */

	/* Restarts: the policy for connectors the state file says nothing about. */
	struct kc_backoff_policy policy;	/* zeroes: 10 s base, 10 min cap, 5 attempts,
						   healthy 1 min */
	int			 no_restart;	/* report only */
	int			 managed_only;	/* with a state file: restart only its connectors */

	/* Drift. */
	const char		*state_src;	/* --state (re-read every cycle) or NULL */
	struct kc_state_source_opts state_opts;
	int			 apply;		/* apply a non-empty plan */
	int			 prune;		/* plans may delete connectors not in the file */

	/* Notifications. */
	const char *const	*webhook_urls;	/* each notified event goes to every one */
	size_t			 nwebhook_urls;
	const char *const	*webhook_headers;
	size_t			 nwebhook_headers;
	const char		*exec_cmd;
	int64_t			 notify_kinds;	/* bitmask; 0: failed, gave_up, recovered */
	int64_t			 dedup_ms;	/* 0: 5 min; -1: off */
	double			 rate_per_min;	/* 0: 30/min; -1: off */
	int			 rate_burst;	/* 0: 10 */
	long			 webhook_timeout_ms;
	int			 webhook_retries;
	long			 webhook_backoff_ms;	/* first retry delay (0: 500 ms) */

	/* The event log. */
	FILE			*log;		/* NDJSON, one event a line (borrowed) or NULL */
	const char		*log_path;	/* or: a file the watch opens (append) and reopens
						   after kc_watch_reopen_log() (log rotation) */
	kc_watch_event_fn	 on_event;	/* every event, or NULL */
	void			*on_event_arg;

	/* Service mode. */
	const char		*listen;	/* "HOST:PORT" or NULL */
	const char		*token_file;	/* required with listen */
};

struct kc_watch;

/* Check options and prepare (nothing runs yet). NULL with err on bad options (KC_E_USAGE). */
struct kc_watch *kc_watch_new(const struct kc_watch_opts *o, struct kc_err *err);
/* Run until kc_watch_stop() (or one cycle with `once`). Returns 0, or -1 with err when the
 * service can't listen. */
int kc_watch_run(struct kc_watch *w, struct kc_err *err);
/* Ask kc_watch_run() to return. Async-signal-safe (call it from a signal handler). */
void kc_watch_stop(struct kc_watch *w);
/* Reopen log_path before the next event is written (SIGHUP after logrotate moved the file).
 * Async-signal-safe. */
void kc_watch_reopen_log(struct kc_watch *w);
/* Free (after kc_watch_run returned). NULL is a no-op. */
void kc_watch_free(struct kc_watch *w);

/* Contexts whose last poll failed (for --once: did the cycle reach every cluster?). */
size_t kc_watch_unreachable(const struct kc_watch *w);
/* The port the service listens on (after it started; 0 otherwise). */
int kc_watch_port(const struct kc_watch *w);
/* New reference: {"contexts": [{"context", "reachable", "last_poll", "outage_since",
 * "connectors": {name: {"health", "attempts", "gave_up", "next_restart_in_ms"}}}],
 * "notifications": {...}}. Thread-safe. */
json_t *kc_watch_status_json(struct kc_watch *w);
/* New reference: {"events": [events with "seq" > since], "next": seq to ask for next}. The
 * last 1000 events are kept. With wait_ms > 0 and nothing newer than `since`, waits up to
 * wait_ms for one (or for the watch to stop). Thread-safe. */
json_t *kc_watch_events_json(struct kc_watch *w, int64_t since, long wait_ms);

#endif
