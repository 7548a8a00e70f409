/* kc_kafka_watermark.c - per-partition contiguous commit watermarks.
 *
 * DESIGN
 * Each partition keeps a ring of (offset, done) entries in consumption order, trimmed from
 * the front as soon as the front entry is done, so the ring holds exactly the window from
 * the first unfinished offset to the last dispatched one. done() finds its entry by binary
 * search (offsets rise along the ring). The commit point is the front offset, or the last
 * tracked offset + 1 when the ring is empty. Partitions are few per task, so they live in a
 * small array searched linearly with a cached last hit.
 */
#include "kc_kafka_watermark.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kc_util.h"

struct wm_part {
	char		*topic;
	int32_t		 partition;
	int64_t		*offs;
	unsigned char	*done;
	size_t		 head, count, cap;	/* cap is a power of two */
	int64_t		 last;			/* last tracked offset, -1 before any */
	int64_t		 reported;		/* last commit point reported, -1 before any */
	size_t		 undone;		/* entries not done */
	int64_t		 committed;		/* last successful commit, or the first
						   tracked offset of the window */
};

struct kc_kafka_watermark {
	pthread_mutex_t	  mu;
	struct wm_part	**parts;
	size_t		  nparts, capparts;
	size_t		  hint;
	size_t		  pending;
};

/* Create an empty tracker. */
struct kc_kafka_watermark *
kc_kafka_watermark_new(void)
{
	struct kc_kafka_watermark *w = kc_xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->mu, NULL);
	return w;
}

/* Free one partition's state. */
static void
part_free(struct wm_part *p)
{
	free(p->topic);
	free(p->offs);
	free(p->done);
	free(p);
}

/* Free the tracker. */
void
kc_kafka_watermark_free(struct kc_kafka_watermark *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nparts; i++)
		part_free(w->parts[i]);
	free(w->parts);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Find (or with create, add) a partition. Called with the mutex held. */
static struct wm_part *
part_find(struct kc_kafka_watermark *w, const char *topic, int32_t partition, int create)
{
	struct wm_part *p;
	size_t i;

	if (w->hint < w->nparts) {
		p = w->parts[w->hint];
		if (p->partition == partition && strcmp(p->topic, topic) == 0)
			return p;
	}
	for (i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		if (p->partition == partition && strcmp(p->topic, topic) == 0) {
			w->hint = i;
			return p;
		}
	}
	if (!create)
		return NULL;
	if (w->nparts == w->capparts) {
		w->capparts = w->capparts ? w->capparts * 2 : 8;
		w->parts = kc_xrealloc(w->parts, w->capparts * sizeof(*w->parts));
	}
	p = kc_xcalloc(1, sizeof(*p));
	p->topic = kc_xstrdup(topic);
	p->partition = partition;
	p->cap = 64;
	p->offs = kc_xmalloc(p->cap * sizeof(*p->offs));
	p->done = kc_xmalloc(p->cap);
	p->last = -1;
	p->reported = -1;
	w->hint = w->nparts;
	w->parts[w->nparts++] = p;
	return p;
}

/* Logical index i of the ring. */
#define RING(p, i) (((p)->head + (i)) & ((p)->cap - 1))

/* Grow the ring to twice its size, keeping the order. */
static void
part_grow(struct wm_part *p)
{
	size_t ncap = p->cap * 2, i;
	int64_t *offs = kc_xmalloc(ncap * sizeof(*offs));
	unsigned char *done = kc_xmalloc(ncap);

	for (i = 0; i < p->count; i++) {
		offs[i] = p->offs[RING(p, i)];
		done[i] = p->done[RING(p, i)];
	}
	free(p->offs);
	free(p->done);
	p->offs = offs;
	p->done = done;
	p->cap = ncap;
	p->head = 0;
}

/* Record a dispatched offset. */
void
kc_kafka_watermark_track(struct kc_kafka_watermark *w, const char *topic, int32_t partition,
    int64_t offset)
{
	struct wm_part *p;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 1);
	if (p->last >= 0 && offset <= p->last) {
		/* re-delivery: forget the old window */
		w->pending -= p->undone;
		p->undone = 0;
		p->count = 0;
		p->head = 0;
		p->reported = -1;
		p->last = -1;
	}
	if (p->last < 0)
		p->committed = offset;
	if (p->count == p->cap)
		part_grow(p);
	p->offs[RING(p, p->count)] = offset;
	p->done[RING(p, p->count)] = 0;
	p->count++;
	p->last = offset;
	p->undone++;
	w->pending++;
	pthread_mutex_unlock(&w->mu);
}

/* Mark an offset finished and trim the finished prefix. */
int
kc_kafka_watermark_done(struct kc_kafka_watermark *w, const char *topic, int32_t partition,
    int64_t offset)
{
	struct wm_part *p;
	size_t lo, hi, mid;
	int rc = -1;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 0);
	if (p == NULL || p->count == 0)
		goto out;
	lo = 0;
	hi = p->count;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->offs[RING(p, mid)] < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->count || p->offs[RING(p, lo)] != offset || p->done[RING(p, lo)])
		goto out;
	p->done[RING(p, lo)] = 1;
	p->undone--;
	w->pending--;
	while (p->count > 0 && p->done[p->head]) {
		p->head = (p->head + 1) & (p->cap - 1);
		p->count--;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Commit point of a partition (mutex held). */
static int64_t
part_position(const struct wm_part *p)
{
	if (p->last < 0)
		return -1;
	if (p->count > 0)
		return p->offs[p->head];
	return p->last + 1;
}

/* Report partitions whose commit point advanced. */
int
kc_kafka_watermark_committable(struct kc_kafka_watermark *w,
    rd_kafka_topic_partition_list_t *out)
{
	rd_kafka_topic_partition_t *tp;
	struct wm_part *p;
	int64_t pos;
	size_t i;
	int n = 0;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		pos = part_position(p);
		if (pos < 0 || pos <= p->reported)
			continue;
		tp = rd_kafka_topic_partition_list_add(out, p->topic, p->partition);
		tp->offset = pos;
		p->reported = pos;
		n++;
	}
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* Forget the last report of a partition so it is reported again. */
void
kc_kafka_watermark_uncommit(struct kc_kafka_watermark *w, const char *topic, int32_t partition)
{
	struct wm_part *p;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 0);
	if (p != NULL)
		p->reported = -1;
	pthread_mutex_unlock(&w->mu);
}

/* A successful commit. */
void
kc_kafka_watermark_committed(struct kc_kafka_watermark *w, const char *topic, int32_t partition,
    int64_t offset)
{
	struct wm_part *p;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 0);
	if (p != NULL && offset > p->committed)
		p->committed = offset;
	pthread_mutex_unlock(&w->mu);
}

/* Dispatched records not covered by a successful commit. */
size_t
kc_kafka_watermark_uncommitted(struct kc_kafka_watermark *w)
{
	size_t i, n = 0;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < w->nparts; i++)
		if (w->parts[i]->last >= w->parts[i]->committed)
			n += (size_t)(w->parts[i]->last + 1 - w->parts[i]->committed);
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* Undo every report. */
void
kc_kafka_watermark_uncommit_all(struct kc_kafka_watermark *w)
{
	size_t i;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < w->nparts; i++)
		w->parts[i]->reported = -1;
	pthread_mutex_unlock(&w->mu);
}

/* Commit point of one partition. */
int64_t
kc_kafka_watermark_position(struct kc_kafka_watermark *w, const char *topic, int32_t partition)
{
	struct wm_part *p;
	int64_t pos = -1;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 0);
	if (p != NULL)
		pos = part_position(p);
	pthread_mutex_unlock(&w->mu);
	return pos;
}

/* Unfinished offsets over all partitions. */
size_t
kc_kafka_watermark_pending(struct kc_kafka_watermark *w)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->pending;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* Unfinished offsets of one partition. */
size_t
kc_kafka_watermark_pending_partition(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition)
{
	struct wm_part *p;
	size_t n = 0;

	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 0);
	if (p != NULL)
		n = p->undone;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* A partition starting at a position that still has to be committed. */
void
kc_kafka_watermark_start(struct kc_kafka_watermark *w, const char *topic, int32_t partition,
    int64_t next)
{
	struct wm_part *p;

	if (next <= 0)
		return;
	pthread_mutex_lock(&w->mu);
	p = part_find(w, topic, partition, 1);
	w->pending -= p->undone;
	p->undone = 0;
	p->count = 0;
	p->head = 0;
	p->last = next - 1;		/* commit point: next */
	p->reported = -1;
	p->committed = next - 1;	/* one uncommitted until a commit of next succeeds */
	pthread_mutex_unlock(&w->mu);
}

/* Drop a partition. */
void
kc_kafka_watermark_forget(struct kc_kafka_watermark *w, const char *topic, int32_t partition)
{
	struct wm_part *p;
	size_t i;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		if (p->partition == partition && strcmp(p->topic, topic) == 0) {
			w->pending -= p->undone;
			part_free(p);
			w->parts[i] = w->parts[--w->nparts];
			w->hint = 0;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
}
