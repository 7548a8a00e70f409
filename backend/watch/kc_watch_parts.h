/* kc_watch_parts.h - the pure building blocks of `kcops watch`.
 *
 * Everything here is deterministic and free of I/O (time is passed in as monotonic
 * milliseconds), so it is unit-tested on its own:
 *
 *  - the per-connector restart back-off (kc_backoff_*),
 *  - event construction and the trace excerpt (kc_watch_event_*),
 *  - de-duplication and rate limiting of notifications (kc_limiter_*),
 *  - splitting an --exec command line into argv without a shell (kc_watch_split_command),
 *  - service-mode tokens and Authorization header checks (kc_watch_tokens_*),
 *  - listen address parsing (kc_watch_parse_listen).
 */
#ifndef KC_WATCH_PARTS_H
#define KC_WATCH_PARTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_err.h"

/* ---- back-off ---------------------------------------------------------------------------- */

/* How one connector is restarted. */
struct kc_backoff_policy {
	int64_t	base_ms;	/* delay before the first restart; doubles each attempt */
	int64_t	cap_ms;		/* the delay never exceeds this */
	int	max_attempts;	/* restarts before giving up; 0 = never restart; -1 = no limit */
	int64_t	healthy_ms;	/* healthy this long after a failure = recovered, counter reset */
};

/* What one connector has been through. A zeroed struct is "nothing happened". The
 * fields are readable; change them only through the kc_backoff_* calls. */
struct kc_backoff {
	int	failing;	/* an incident is open (failed, not yet healthy for healthy_ms) */
	int	gave_up;	/* max_attempts restarts did not help; no more restarts */
	int	attempts;	/* restarts made in this incident */
	int64_t	failed_at;	/* when the incident was first seen */
	int64_t	last_restart;	/* when the last restart was made (0: none) */
	int64_t	next_at;	/* when the next restart is due (0: none) */
	int64_t	healthy_since;	/* start of the current healthy streak inside an incident (0: none) */
};

/* What an observation means. Several can be set at once. */
enum {
	KC_BO_NEW_INCIDENT = 1 << 0,	/* first failure (notify "failed") */
	KC_BO_GIVE_UP = 1 << 1,		/* failed again after the last allowed restart */
	KC_BO_RECOVERED = 1 << 2,	/* healthy for healthy_ms after an incident */
	KC_BO_REFAILED = 1 << 3,	/* failed again inside an open incident */
};

/* Delay before restart number `attempt` (1-based): base * 2^(attempt-1), capped; overflow-safe. */
int64_t kc_backoff_delay(const struct kc_backoff_policy *p, int attempt);
/* The connector was seen failed at `now`. Returns KC_BO_* flags. */
int kc_backoff_failed(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now);
/* The connector was seen healthy (running, paused or stopped) at `now`. Returns KC_BO_* flags. */
int kc_backoff_healthy(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now);
/* 1 when a restart should be made at `now` (incident open, not given up, due). A policy
 * with max_attempts 0 never restarts. */
int kc_backoff_due(const struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now);
/* 1 when the next due restart would exceed max_attempts (the caller gives up instead). */
int kc_backoff_exhausted(const struct kc_backoff *b, const struct kc_backoff_policy *p);
/* A restart was made at `now`: count it and schedule the next one. */
void kc_backoff_restarted(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now);
/* Give up now (no more restarts until the connector recovers). */
void kc_backoff_give_up(struct kc_backoff *b);

/* ---- events ------------------------------------------------------------------------------ */

/* A new event object (new reference) {"time", "event", "context", "connector"?}. The time is
 * ISO-8601 UTC with microseconds from wall_us (0: now). connector may be NULL. */
json_t *kc_watch_event_new(const char *kind, const char *context, const char *connector,
    int64_t wall_us);
/* Set a string member (NULL sets null). Text is made valid UTF-8 first. */
void kc_watch_event_str(json_t *ev, const char *key, const char *value);
/* A short excerpt of a Java stack trace: its first line and its last "Caused by:" line,
 * each at most `line_max` bytes (cut on a UTF-8 boundary, "..." added), controls removed
 * except the newline between them. NULL for a NULL/empty trace. Caller frees. */
char *kc_watch_trace_excerpt(const char *trace, size_t line_max);
/* One NDJSON line (compact, keys in insertion order, '\n' appended). Caller frees. */
char *kc_watch_event_line(const json_t *ev);
/* The de-duplication key of an event: "event|context|connector|task|state". Caller frees. */
char *kc_watch_event_key(const json_t *ev);

/* Follow an event log written by another process (the TUI showing a running watch): read
 * the complete lines appended to `path` since *offset (start with 0) and return them as a
 * new array of events (lines that are not JSON objects are skipped), at most `max` (0: no
 * limit); *offset moves past the last line returned. A file shorter than *offset (truncated
 * by copytruncate, or replaced) is read again from its start. NULL with err when the file
 * can't be read. */
json_t *kc_watch_log_read(const char *path, int64_t *offset, size_t max, struct kc_err *err);

/* ---- de-duplication and rate limiting ---------------------------------------------------- */

struct kc_limiter;

/* dedup_ms: an event with the same key within this window is a duplicate (0: off).
 * per_minute/burst: token bucket over all events (per_minute 0: no rate limit). */
struct kc_limiter *kc_limiter_new(int64_t dedup_ms, double per_minute, int burst);
void kc_limiter_free(struct kc_limiter *l);

enum kc_limit_verdict {
	KC_LIMIT_PASS = 0,
	KC_LIMIT_DUPLICATE,
	KC_LIMIT_RATE,
};
/* Decide for one event key at `now` (monotonic ms). A passing event takes a token and
 * records the key. Thread-safe. */
enum kc_limit_verdict kc_limiter_check(struct kc_limiter *l, const char *key, int64_t now);
/* Events held back since the last call (duplicates + rate limited); the counter is reset. */
long kc_limiter_take_suppressed(struct kc_limiter *l);
/* Forget a key (e.g. after recovery, the next failure is news again). */
void kc_limiter_forget(struct kc_limiter *l, const char *key);
/* Forget every key starting with prefix. */
void kc_limiter_forget_prefix(struct kc_limiter *l, const char *prefix);

/* ---- --exec command lines ---------------------------------------------------------------- */

/* Split a command line into argv without a shell: words separated by blanks; '...' keeps
 * text literally; "..." keeps text with \" \\ \$ \` escapes; a backslash outside quotes
 * escapes the next character. No expansion of any kind. Returns a NULL-terminated array
 * (free with kc_watch_argv_free) or NULL with err (unterminated quote, empty command). */
char **kc_watch_split_command(const char *cmd, struct kc_err *err);
void kc_watch_argv_free(char **argv);

/* ---- service-mode tokens ----------------------------------------------------------------- */

struct kc_watch_tokens;

/* Parse a token file: one token a line; blank lines and lines starting with '#' ignored;
 * surrounding white space trimmed. NULL with err when no token is left. `name` is used in
 * messages. */
struct kc_watch_tokens *kc_watch_tokens_parse(const char *text, size_t len, const char *name,
    struct kc_err *err);
/* Read and parse a file; refuses a file others can read or write (mode & 022 or 004). */
struct kc_watch_tokens *kc_watch_tokens_load(const char *path, struct kc_err *err);
void kc_watch_tokens_free(struct kc_watch_tokens *t);
size_t kc_watch_tokens_count(const struct kc_watch_tokens *t);
/* Token i (borrowed), or NULL past the end. */
const char *kc_watch_tokens_get(const struct kc_watch_tokens *t, size_t i);

enum kc_auth_verdict {
	KC_AUTH_OK = 0,
	KC_AUTH_MISSING,	/* no Authorization header: 401 */
	KC_AUTH_BAD,		/* a header that matches no token: 403 */
};
/* Check an Authorization header value: "Bearer TOKEN", "Token TOKEN" or the bare token.
 * Comparison takes the same time whatever the mismatch position. */
enum kc_auth_verdict kc_watch_tokens_check(const struct kc_watch_tokens *t, const char *header);

/* ---- listen addresses -------------------------------------------------------------------- */

/* Split "HOST:PORT", "[V6]:PORT", ":PORT" (host "127.0.0.1") or "PORT" into host and port.
 * host is newly allocated; port 0..65535. Returns 0 or -1 with err. */
int kc_watch_parse_listen(const char *addr, char **host, int *port, struct kc_err *err);

#endif
