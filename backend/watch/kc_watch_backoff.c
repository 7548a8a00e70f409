/* kc_watch_backoff.c - per-connector restart back-off and notification limiting.
 *
 * DESIGN
 * A connector's life under watch is a series of incidents. An incident opens when the
 * connector (or one of its tasks) is first seen FAILED. Restart n of the incident is due
 * base * 2^(n-1) (capped) after the previous restart, the first one base after the failure
 * was seen, so the gaps between restarts double: base, 2 base, 4 base... A restart is only
 * made when the connector is still failed at the due time. When the connector is seen failed
 * after its last allowed restart, the incident is given up: no more restarts. The incident
 * closes when the connector stays healthy (no failed instance) for healthy_ms: that is the
 * recovery, and the counter starts again from zero.
 *
 * The limiter keeps, per event key, the time it last let an event through (a jansson object
 * used as a hash table of key -> integer), and a token bucket shared by every key. */
#include "kc_watch_parts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kc_util.h"

/* Delay before restart `attempt` (1-based). */
int64_t
kc_backoff_delay(const struct kc_backoff_policy *p, int attempt)
{
	int64_t d = p->base_ms > 0 ? p->base_ms : 0;
	int64_t cap = p->cap_ms > 0 ? p->cap_ms : INT64_MAX;
	int i;

	if (d > cap)
		return cap;
	for (i = 1; i < attempt; i++) {
		if (d > cap / 2)
			return cap;
		d *= 2;
	}
	return d < cap ? d : cap;
}

/* Seen failed. */
int
kc_backoff_failed(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now)
{
	int r = 0;

	b->healthy_since = 0;
	if (!b->failing) {
		memset(b, 0, sizeof(*b));
		b->failing = 1;
		b->failed_at = now;
		b->next_at = now + kc_backoff_delay(p, 1);
		return KC_BO_NEW_INCIDENT;
	}
	r |= KC_BO_REFAILED;
	if (!b->gave_up && p->max_attempts > 0 && b->attempts >= p->max_attempts &&
	    now > b->last_restart) {
		b->gave_up = 1;
		b->next_at = 0;
		r |= KC_BO_GIVE_UP;
	}
	return r;
}

/* Seen healthy. */
int
kc_backoff_healthy(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now)
{
	if (!b->failing)
		return 0;
	if (b->healthy_since == 0)
		b->healthy_since = now;
	if (now - b->healthy_since >= p->healthy_ms) {
		memset(b, 0, sizeof(*b));
		return KC_BO_RECOVERED;
	}
	return 0;
}

/* Restart due now? */
int
kc_backoff_due(const struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now)
{
	if (!b->failing || b->gave_up || p->max_attempts == 0 || b->next_at == 0)
		return 0;
	/* a healthy streak in progress: the restart worked, wait for the verdict */
	if (b->healthy_since != 0)
		return 0;
	return now >= b->next_at;
}

/* Would the next restart exceed the maximum? */
int
kc_backoff_exhausted(const struct kc_backoff *b, const struct kc_backoff_policy *p)
{
	return p->max_attempts >= 0 && b->attempts >= p->max_attempts;
}

/* Count a restart. */
void
kc_backoff_restarted(struct kc_backoff *b, const struct kc_backoff_policy *p, int64_t now)
{
	b->attempts++;
	b->last_restart = now;
	b->next_at = now + kc_backoff_delay(p, b->attempts + 1);
}

/* Stop restarting. */
void
kc_backoff_give_up(struct kc_backoff *b)
{
	b->gave_up = 1;
	b->next_at = 0;
}

/* ---- limiter ------------------------------------------------------------------------------ */

struct kc_limiter {
	pthread_mutex_t	 mu;
	int64_t		 dedup_ms;
	double		 per_ms;	/* tokens added per millisecond */
	double		 burst;
	double		 tokens;
	int64_t		 refilled_at;
	json_t		*seen;		/* key -> integer (time let through) */
	long		 suppressed;
};

/* New limiter. */
struct kc_limiter *
kc_limiter_new(int64_t dedup_ms, double per_minute, int burst)
{
	struct kc_limiter *l = kc_xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->mu, NULL);
	l->dedup_ms = dedup_ms > 0 ? dedup_ms : 0;
	l->per_ms = per_minute > 0 ? per_minute / 60000.0 : 0;
	l->burst = burst > 0 ? burst : 1;
	l->tokens = l->burst;
	l->refilled_at = -1;
	l->seen = json_object();
	return l;
}

/* Free (NULL is a no-op). */
void
kc_limiter_free(struct kc_limiter *l)
{
	if (l == NULL)
		return;
	json_decref(l->seen);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Drop keys older than the window once the table grows. */
static void
limiter_prune(struct kc_limiter *l, int64_t now)
{
	const char *key;
	json_t *v;
	void *tmp;

	if (json_object_size(l->seen) < 1024)
		return;
	json_object_foreach_safe(l->seen, tmp, key, v) {
		if (now - (int64_t)json_integer_value(v) >= l->dedup_ms)
			json_object_del(l->seen, key);
	}
}

/* Decide for one key. */
enum kc_limit_verdict
kc_limiter_check(struct kc_limiter *l, const char *key, int64_t now)
{
	enum kc_limit_verdict v = KC_LIMIT_PASS;
	json_t *t;

	pthread_mutex_lock(&l->mu);
	if (l->dedup_ms > 0 && key != NULL && (t = json_object_get(l->seen, key)) != NULL &&
	    now - (int64_t)json_integer_value(t) < l->dedup_ms) {
		v = KC_LIMIT_DUPLICATE;
		goto out;
	}
	if (l->per_ms > 0) {
		if (l->refilled_at < 0)
			l->refilled_at = now;
		if (now > l->refilled_at) {
			l->tokens += (double)(now - l->refilled_at) * l->per_ms;
			if (l->tokens > l->burst)
				l->tokens = l->burst;
			l->refilled_at = now;
		}
		if (l->tokens < 1.0) {
			v = KC_LIMIT_RATE;
			goto out;
		}
		l->tokens -= 1.0;
	}
	if (l->dedup_ms > 0 && key != NULL) {
		limiter_prune(l, now);
		json_object_set_new(l->seen, key, json_integer(now));
	}
out:
	if (v != KC_LIMIT_PASS)
		l->suppressed++;
	pthread_mutex_unlock(&l->mu);
	return v;
}

/* Take the suppressed counter. */
long
kc_limiter_take_suppressed(struct kc_limiter *l)
{
	long n;

	pthread_mutex_lock(&l->mu);
	n = l->suppressed;
	l->suppressed = 0;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* Forget a key. */
void
kc_limiter_forget(struct kc_limiter *l, const char *key)
{
	pthread_mutex_lock(&l->mu);
	json_object_del(l->seen, key);
	pthread_mutex_unlock(&l->mu);
}

/* Forget every key with a prefix. */
void
kc_limiter_forget_prefix(struct kc_limiter *l, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *key;
	json_t *v;
	void *tmp;

	pthread_mutex_lock(&l->mu);
	json_object_foreach_safe(l->seen, tmp, key, v) {
		if (strncmp(key, prefix, n) == 0)
			json_object_del(l->seen, key);
	}
	pthread_mutex_unlock(&l->mu);
}
