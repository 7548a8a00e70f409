/* join_store.h - the materialised table of the stream-table join, in LMDB.
 *
 * DESIGN
 * One LMDB environment (a directory) holds three databases:
 *   "table"    canonical key text -> the table value (compact JSON text)
 *   "offsets"  "<partition>" -> next table offset to read (decimal text)
 *   "meta"     "topic" (the table topic), "cluster" (the Kafka cluster id), "format"
 * Updates go into one write transaction that the caller commits when it chooses (after a
 * batch); the offsets of the records in the batch are written in that same transaction, so
 * the table and the position it reflects can never disagree, even after a crash: a restart
 * resumes from the checkpoint. A lost or unreadable directory is recreated empty (the
 * caller then reads the topic from the beginning). Not thread-safe: one task owns a store.
 */
#ifndef KW_JOIN_STORE_H
#define KW_JOIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kw_join_store;

/* Open (creating) the store in directory `dir` (created with parents). A directory that
 * LMDB cannot open (corrupt, another format) is wiped and recreated; *rebuilt (may be NULL)
 * says so. NULL + err on failure. */
struct kw_join_store *kw_join_store_open(const char *dir, bool *rebuilt, char *err,
    size_t errlen);
/* Aborts an uncommitted batch. NULL is a no-op. */
void kw_join_store_free(struct kw_join_store *s);

/* Batch updates (a write transaction is opened on first use). 0 or -1 with err. */
int kw_join_store_put(struct kw_join_store *s, const char *key, size_t klen, const char *val,
    size_t vlen, char *err, size_t errlen);
int kw_join_store_del(struct kw_join_store *s, const char *key, size_t klen, char *err,
    size_t errlen);
int kw_join_store_set_offset(struct kw_join_store *s, int32_t partition, int64_t next_offset,
    char *err, size_t errlen);
int kw_join_store_set_meta(struct kw_join_store *s, const char *name, const char *value,
    char *err, size_t errlen);
/* Commit the open batch (no-op without one). */
int kw_join_store_commit(struct kw_join_store *s, char *err, size_t errlen);
/* Drop the open batch. */
void kw_join_store_abort(struct kw_join_store *s);
/* Empty every database (table, offsets, meta) and commit. */
int kw_join_store_clear(struct kw_join_store *s, char *err, size_t errlen);

/* Look a key up (sees the open batch). 1 found (*val and *vlen point into the map, valid until
 * the next call on the store), 0 not found, -1 error. */
int kw_join_store_get(struct kw_join_store *s, const char *key, size_t klen, const char **val,
    size_t *vlen, char *err, size_t errlen);
/* Checkpointed next offset of a table partition, or -1 when none. */
int64_t kw_join_store_offset(struct kw_join_store *s, int32_t partition);
/* A meta value (malloc'd, caller frees) or NULL. */
char *kw_join_store_meta(struct kw_join_store *s, const char *name);
/* Number of keys in the table (including the open batch). */
size_t kw_join_store_count(struct kw_join_store *s);
/* Iterate the checkpointed offsets: cb(partition, next_offset, arg) for each. */
void kw_join_store_offsets_foreach(struct kw_join_store *s,
    void (*cb)(int32_t partition, int64_t next_offset, void *arg), void *arg);

#endif
