/* kc_kafka_watermark.h - per-partition contiguous commit watermarks for at-least-once sinks.
 *
 * A sink that finishes records out of order (concurrent HTTP requests, retries) may only
 * commit, per partition, the offset just past the longest prefix of finished records. The
 * tracker remembers every dispatched offset of a partition in consumption order, marks them
 * done as their results are acknowledged, and reports the commit point: the first unfinished
 * offset, or the last tracked offset + 1 when everything is done. Gaps in offsets (compaction,
 * transaction markers) are handled because only tracked offsets count.
 *
 * Thread-safe: every call takes an internal mutex, so acknowledgements may come from other
 * threads (producer delivery reports, the queue source's hand-off acknowledgement).
 */
#ifndef KC_KAFKA_WATERMARK_H
#define KC_KAFKA_WATERMARK_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

struct kc_kafka_watermark;

struct kc_kafka_watermark *kc_kafka_watermark_new(void);
void kc_kafka_watermark_free(struct kc_kafka_watermark *w);	/* NULL is a no-op */

/* Record that `offset` of topic/partition was dispatched. Offsets of one partition are
 * expected to rise; an offset at or below the last tracked one means the partition was
 * re-delivered (rebalance, seek): its state is reset and starts again from `offset`. */
void kc_kafka_watermark_track(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition, int64_t offset);
/* Mark a tracked offset finished. 0, or -1 when it is not (or no longer) tracked. */
int kc_kafka_watermark_done(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition, int64_t offset);
/* Append to `out` (offset = next offset to consume) every partition whose commit point
 * advanced since the last call that reported it. Returns how many were appended. */
int kc_kafka_watermark_committable(struct kc_kafka_watermark *w,
    rd_kafka_topic_partition_list_t *out);
/* Undo a report (the commit failed): the partition will be reported again. */
void kc_kafka_watermark_uncommit(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition);
/* Undo every report: all partitions are reported again (retry commits whose result was
 * lost or refused). */
void kc_kafka_watermark_uncommit_all(struct kc_kafka_watermark *w);
/* Commit point of one partition: next offset to commit, or -1 when nothing tracked yet. */
int64_t kc_kafka_watermark_position(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition);
/* Offsets tracked and not yet finished, over all partitions / for one partition. */
size_t kc_kafka_watermark_pending(struct kc_kafka_watermark *w);
size_t kc_kafka_watermark_pending_partition(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition);
/* A commit of `offset` (next offset to consume) succeeded. */
void kc_kafka_watermark_committed(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition, int64_t offset);
/* Records dispatched and not yet covered by a successful commit (finished or not), over
 * all partitions, by offset arithmetic: what a crash now would deliver again. */
size_t kc_kafka_watermark_uncommitted(struct kc_kafka_watermark *w);
/* A partition starts at `next` (next offset to consume) with nothing of it tracked here, and
 * `next` is past its committed offset (it resumes where an earlier owner in this process
 * finished): `next` becomes its commit point, reported by committable() until a commit of it
 * succeeds, so it is committed even when no later record arrives. Until then it counts as
 * one uncommitted record (the finished records before `next` are not this tracker's). */
void kc_kafka_watermark_start(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition, int64_t next);
/* Drop a partition (revoked): later done() calls for it return -1. */
void kc_kafka_watermark_forget(struct kc_kafka_watermark *w, const char *topic,
    int32_t partition);

#endif
