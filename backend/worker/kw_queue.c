/* kw_queue.c - named bounded in-memory queues (see kw_queue.h).
 *
 * DESIGN
 * A global registry (a linked list under one mutex; queues are few) maps names to queues.
 * Each queue has its own mutex and a condition variable for consumers waiting in pop.
 * Lock order: registry, then queue. Item callbacks run with no queue lock held; wakers run
 * under the queue's waker mutex only (so removing a waker waits for a running call).
 */
#include "kw_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_util.h"

struct waker {
	void	(*fn)(void *);
	void	 *arg;
};

struct kw_queue {
	struct kw_queue		*rnext;		/* registry link */
	char			*name;
	int			 refs;		/* registry-protected */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct kw_queue_item	*head, *tail;
	size_t			 depth, capacity, max_depth;
	bool			 capacity_set;	/* by a producer's open */
	uint64_t		 enqueued, dequeued, rejected;
	char			*consumer;
	pthread_mutex_t		 wmu;		/* guards wakers and their calls */
	struct waker		*wakers;
	size_t			 nwakers;
	bool			 want_space;
	unsigned		 interrupt;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct kw_queue *registry;

/* Open or create a queue. */
struct kw_queue *
kw_queue_open(const char *name, size_t capacity)
{
	struct kw_queue *q;
	pthread_condattr_t ca;

	pthread_mutex_lock(&registry_mu);
	for (q = registry; q != NULL; q = q->rnext)
		if (strcmp(q->name, name) == 0)
			break;
	if (q == NULL) {
		q = kc_xcalloc(1, sizeof(*q));
		q->name = kc_xstrdup(name);
		q->capacity = capacity > 0 ? capacity : KW_QUEUE_DEFAULT_CAPACITY;
		q->capacity_set = capacity > 0;
		pthread_mutex_init(&q->mu, NULL);
		pthread_mutex_init(&q->wmu, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&q->cv, &ca);
		pthread_condattr_destroy(&ca);
		q->rnext = registry;
		registry = q;
	}
	else if (capacity > 0 && !q->capacity_set) {
		pthread_mutex_lock(&q->mu);
		q->capacity = capacity;
		q->capacity_set = true;
		pthread_mutex_unlock(&q->mu);
	}
	q->refs++;
	pthread_mutex_unlock(&registry_mu);
	return q;
}

/* Drop a reference; the last one frees the queue and abandons what is left in it. */
void
kw_queue_close(struct kw_queue *q)
{
	struct kw_queue **pp;
	struct kw_queue_item *it, *next;
	int last;

	if (q == NULL)
		return;
	pthread_mutex_lock(&registry_mu);
	last = --q->refs == 0;
	if (last)
		for (pp = &registry; *pp != NULL; pp = &(*pp)->rnext)
			if (*pp == q) {
				*pp = q->rnext;
				break;
			}
	pthread_mutex_unlock(&registry_mu);
	if (!last)
		return;
	for (it = q->head; it != NULL; it = next) {
		next = it->next;
		it->next = NULL;
		it->done(it, 0);
	}
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	pthread_mutex_destroy(&q->wmu);
	free(q->wakers);
	free(q->consumer);
	free(q->name);
	free(q);
}

/* Name of the queue. */
const char *
kw_queue_name(const struct kw_queue *q)
{
	return q->name;
}

/* Capacity. */
size_t
kw_queue_capacity(struct kw_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->capacity;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Items queued now. */
size_t
kw_queue_depth(struct kw_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->depth;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Register the one consumer. */
int
kw_queue_set_consumer(struct kw_queue *q, const char *who, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	if (q->consumer != NULL && strcmp(q->consumer, who) != 0) {
		snprintf(err, errlen, "queue '%s' already has a consumer (%s); a queue has exactly "
		    "one consumer", q->name, q->consumer);
		rc = -1;
	} else if (q->consumer == NULL) {
		q->consumer = kc_xstrdup(who);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

/* Unregister the consumer. */
void
kw_queue_clear_consumer(struct kw_queue *q, const char *who)
{
	pthread_mutex_lock(&q->mu);
	if (q->consumer != NULL && strcmp(q->consumer, who) == 0) {
		free(q->consumer);
		q->consumer = NULL;
	}
	pthread_mutex_unlock(&q->mu);
}

/* Whether a consumer is registered. */
bool
kw_queue_has_consumer(struct kw_queue *q)
{
	bool b;

	pthread_mutex_lock(&q->mu);
	b = q->consumer != NULL;
	pthread_mutex_unlock(&q->mu);
	return b;
}

/* Append, refusing when full. */
int
kw_queue_push(struct kw_queue *q, struct kw_queue_item *it)
{
	pthread_mutex_lock(&q->mu);
	if (q->depth >= q->capacity) {
		q->rejected++;
		q->want_space = true;
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	it->next = NULL;
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->depth++;
	q->enqueued++;
	if (q->depth > q->max_depth)
		q->max_depth = q->depth;
	if (q->depth == 1)
		pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* Take up to max items, waiting for the first. */
size_t
kw_queue_pop(struct kw_queue *q, struct kw_queue_item **out, size_t max, int timeout_ms)
{
	struct timespec ts;
	size_t n = 0, i;
	bool notify = false;
	unsigned intr;

	pthread_mutex_lock(&q->mu);
	intr = q->interrupt;
	if (q->depth == 0 && timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (q->depth == 0 && q->interrupt == intr)
			if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
				break;
	}
	while (n < max && q->head != NULL) {
		out[n] = q->head;
		q->head = q->head->next;
		out[n]->next = NULL;
		n++;
	}
	if (q->head == NULL)
		q->tail = NULL;
	q->depth -= n;
	q->dequeued += n;
	if (n > 0 && q->want_space) {
		q->want_space = false;
		notify = true;
	}
	pthread_mutex_unlock(&q->mu);
	if (notify) {
		pthread_mutex_lock(&q->wmu);
		for (i = 0; i < q->nwakers; i++)
			q->wakers[i].fn(q->wakers[i].arg);
		pthread_mutex_unlock(&q->wmu);
	}
	return n;
}

/* Wake a blocked consumer. */
void
kw_queue_interrupt(struct kw_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->interrupt++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Complete an item. */
void
kw_queue_item_done(struct kw_queue_item *it, int ok)
{
	it->done(it, ok);
}

/* Register a space waker. */
void
kw_queue_add_waker(struct kw_queue *q, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&q->wmu);
	q->wakers = kc_xrealloc(q->wakers, (q->nwakers + 1) * sizeof(*q->wakers));
	q->wakers[q->nwakers].fn = fn;
	q->wakers[q->nwakers].arg = arg;
	q->nwakers++;
	pthread_mutex_unlock(&q->wmu);
}

/* Unregister a space waker; once this returns it is not running and will not run again. */
void
kw_queue_remove_waker(struct kw_queue *q, void (*fn)(void *), void *arg)
{
	size_t i;

	pthread_mutex_lock(&q->wmu);
	for (i = 0; i < q->nwakers; i++)
		if (q->wakers[i].fn == fn && q->wakers[i].arg == arg) {
			q->wakers[i] = q->wakers[--q->nwakers];
			break;
		}
	pthread_mutex_unlock(&q->wmu);
}

/* Snapshot of all queues. */
json_t *
kw_queue_list_json(void)
{
	json_t *arr = json_array(), *o;
	struct kw_queue *q;

	pthread_mutex_lock(&registry_mu);
	for (q = registry; q != NULL; q = q->rnext) {
		pthread_mutex_lock(&q->mu);
		o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I}",
		    "name", q->name,
		    "depth", (json_int_t)q->depth,
		    "capacity", (json_int_t)q->capacity,
		    "max_depth", (json_int_t)q->max_depth,
		    "enqueued", (json_int_t)q->enqueued,
		    "dequeued", (json_int_t)q->dequeued,
		    "rejected", (json_int_t)q->rejected,
		    "consumer", q->consumer ? json_string(q->consumer) : json_null(),
		    "producers", (json_int_t)0);
		pthread_mutex_unlock(&q->mu);
		pthread_mutex_lock(&q->wmu);
		json_object_set_new(o, "producers", json_integer((json_int_t)q->nwakers));
		pthread_mutex_unlock(&q->wmu);
		json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&registry_mu);
	return arr;
}
