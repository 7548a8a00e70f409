/* kw_queue.h - named, bounded in-memory queues shared by connectors of one worker.
 *
 * DESIGN
 * A queue is a FIFO of intrusive items, looked up by name in a process-wide registry
 * (created by the first kw_queue_open, freed with the last kw_queue_close). It never grows
 * past its capacity: kw_queue_push refuses when full and the producer (an HTTP sink) must
 * push back upstream (pause its partitions) and retry after a space notification. Exactly
 * one consumer may be registered per queue; producers can check for it before they start.
 *
 * Items carry their own hand-off acknowledgement: the consumer calls kw_queue_item_done()
 * once the item's result is safely delivered (ok = 1) or abandoned (ok = 0), which runs the
 * producer's callback (for the HTTP sink: mark the input offset finished, so it can be
 * committed). Items left in a queue when it is freed are completed with ok = 0.
 *
 * Thread-safe throughout. Callbacks (item done, space wakers) run on the calling thread and
 * must not call back into the queue that invoked them.
 */
#ifndef KW_QUEUE_H
#define KW_QUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kw_queue_item {
	struct kw_queue_item	*next;	/* owned by the queue while queued */
	/* Acknowledgement: called exactly once, after which the item belongs to the callee
	 * (which frees it). ok = 1 delivered, 0 abandoned. */
	void			(*done)(struct kw_queue_item *it, int ok);
};

struct kw_queue;

#define KW_QUEUE_DEFAULT_CAPACITY 10000

/* Open (creating when absent) the queue `name`. The first open with a non-zero `capacity`
 * sets it (producers pass theirs, consumers pass 0); later values are ignored (see
 * kw_queue_capacity). Never NULL. Balance with kw_queue_close. */
struct kw_queue *kw_queue_open(const char *name, size_t capacity);
void kw_queue_close(struct kw_queue *q);	/* NULL is a no-op */

const char *kw_queue_name(const struct kw_queue *q);
size_t kw_queue_capacity(struct kw_queue *q);
size_t kw_queue_depth(struct kw_queue *q);

/* Register `who` (e.g. "connector/task") as the queue's one consumer. 0, or -1 with err
 * naming the current consumer. */
int kw_queue_set_consumer(struct kw_queue *q, const char *who, char *err, size_t errlen);
/* Unregister (only when `who` is the current consumer). */
void kw_queue_clear_consumer(struct kw_queue *q, const char *who);
bool kw_queue_has_consumer(struct kw_queue *q);

/* Append an item. 0, or -1 when the queue is full (the item stays the caller's). */
int kw_queue_push(struct kw_queue *q, struct kw_queue_item *it);
/* Take up to `max` items in FIFO order, waiting up to timeout_ms for the first. Returns
 * the count; the items belong to the caller, who must complete each with
 * kw_queue_item_done. */
size_t kw_queue_pop(struct kw_queue *q, struct kw_queue_item **out, size_t max,
    int timeout_ms);
/* Wake a consumer blocked in kw_queue_pop (e.g. when it should stop). */
void kw_queue_interrupt(struct kw_queue *q);
/* Complete an item (runs its done callback). */
void kw_queue_item_done(struct kw_queue_item *it, int ok);

/* Space notification: `fn(arg)` is called (from the popping thread) whenever items are
 * taken from a queue that refused a push since the last notification. Register once per
 * producer; unregister before `arg` dies. */
void kw_queue_add_waker(struct kw_queue *q, void (*fn)(void *), void *arg);
void kw_queue_remove_waker(struct kw_queue *q, void (*fn)(void *), void *arg);

/* Snapshot of every queue for GET /kcops/v1/queues: a new JSON array of
 * {name, depth, capacity, max_depth, enqueued, dequeued, rejected, consumer, producers}. */
json_t *kw_queue_list_json(void);

#endif
