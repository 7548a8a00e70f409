/* join_connector.c - kcops.streams.TableJoinConnector: a KStream-KTable left (or inner) join.
 *
 * DESIGN
 * Each task owns an LMDB table store (join_store.c) in the connector's state directory
 * (table-<task id>) and two Kafka consumers: the sink consumer of the stream topics (group
 * connect-<name>, from the runtime) and a group-less table consumer with a manual
 * assignment. Table records are applied to the store in a write batch that is committed,
 * together with the table offsets it reflects, every table.checkpoint.interval.ms; a restart
 * resumes from that checkpoint, and a store whose checkpoint does not fit the topic (another
 * topic, another cluster, offsets past the end: the topic was recreated) is rebuilt from the
 * beginning. Compaction is not assumed: the table topic is always read from the beginning
 * (or the checkpoint), never from the end.
 *
 * Table scope: global (every task reads every table partition; needed whenever join.field
 * is set) or partitioned (table partition p belongs to the task that owns stream partition
 * p; only for joins on the record key of co-partitioned topics). A table partition is read
 * up to its current end (high watermark) before the first stream record that needs it is
 * joined: global tasks load everything at start, partitioned ones on first use. Afterwards
 * table updates are applied as they arrive, and before each stream batch the table consumer
 * is drained up to its last known high watermark, so a stream record joins with the value
 * current when it is processed.
 *
 * Stream records are produced to output.topic with the stream key, timestamp and headers
 * (plus kcops.join: hit|miss). Production is pipelined: records polled together form a
 * batch, and a batch's stream offsets are committed once all its output records (and all
 * earlier batches') were delivered (at-least-once).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_json.h"
#include "join_core.h"
#include "join_encode.h"
#include "join_store.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_plugin.h"

#define LOGGER		"kcops.streams.join"
#define BATCH_MAX	20000
#define CHUNK		512	/* stream records taken from the consumer queue at once */
#define PREFETCH_MSGS	"1000000"	/* queued.min.messages of both consumers */
#define META_TIMEOUT_MS	5000

/* ---- configuration ---------------------------------------------------------------------- */

/* join.type */
static const char *
valid_join_type(const char *v, char *buf, size_t len)
{
	(void)buf; (void)len;
	if (v == NULL || strcasecmp(v, "left") == 0 || strcasecmp(v, "inner") == 0)
		return NULL;
	return "must be left or inner";
}

/* table.scope */
static const char *
valid_scope(const char *v, char *buf, size_t len)
{
	(void)buf; (void)len;
	if (v == NULL || strcasecmp(v, "global") == 0 || strcasecmp(v, "partitioned") == 0)
		return NULL;
	return "must be global or partitioned";
}

/* missing.defaults: empty or a JSON object. */
static const char *
valid_defaults(const char *v, char *buf, size_t len)
{
	json_error_t je;
	json_t *j;

	if (v == NULL || *v == '\0')
		return NULL;
	j = json_loads(v, JSON_DECODE_ANY, &je);
	if (j == NULL) {
		snprintf(buf, len, "not JSON (column %d: %s)", je.column, je.text);
		return buf;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return "must be a JSON object, e.g. {\"name\":\"unknown\"}";
	}
	json_decref(j);
	return NULL;
}

static const struct kw_cfg_def join_defs[] = {
	{ "table.topic", KW_CFG_STRING, NULL, KW_HIGH, "Join",
	  "The table topic (key = table key, value = JSON), materialised in LMDB: the last value "
	  "per key wins, a null value deletes the key. Read from the beginning.",
	  kw_valid_nonempty, 0 },
	{ "output.topic", KW_CFG_STRING, NULL, KW_HIGH, "Join",
	  "Topic the joined records are written to (created when missing).", kw_valid_nonempty,
	  0 },
	{ "join.field", KW_CFG_STRING, "", KW_HIGH, "Join",
	  "The stream value's field holding the table key (a dotted path reaches into nested "
	  "objects). Empty: the stream record's key.", NULL, 0 },
	{ "join.type", KW_CFG_STRING, "left", KW_HIGH, "Join",
	  "left: records whose key is not in the table go out with missing.defaults; inner: "
	  "they are dropped.", valid_join_type, 0 },
	{ "missing.defaults", KW_CFG_STRING, "", KW_MEDIUM, "Join",
	  "A JSON object merged into the output when the key is not in the table (left join).",
	  valid_defaults, 0 },
	{ "table.scope", KW_CFG_STRING, "global", KW_MEDIUM, "Join",
	  "global: every task reads every table partition. partitioned: table partition p "
	  "belongs to the task owning stream partition p (only for joins on the record key of "
	  "co-partitioned topics).", valid_scope, 0 },
	{ "stream.fields", KW_CFG_LIST, "", KW_MEDIUM, "Output",
	  "Stream value fields copied to the output (empty: all).", NULL, 0 },
	{ "stream.prefix", KW_CFG_STRING, "", KW_LOW, "Output",
	  "Prefix for the names of copied stream fields.", NULL, 0 },
	{ "table.fields", KW_CFG_LIST, "", KW_MEDIUM, "Output",
	  "Table value fields copied to the output (empty: all; dotted paths allowed).", NULL, 0 },
	{ "table.prefix", KW_CFG_STRING, "", KW_MEDIUM, "Output",
	  "Prefix for the names of copied table fields, e.g. customer_.", NULL, 0 },
	{ "table.nest", KW_CFG_STRING, "", KW_LOW, "Output",
	  "When set, the copied table fields go under this one output field instead.", NULL, 0 },
	{ "table.checkpoint.interval.ms", KW_CFG_LONG, "1000", KW_LOW, "Join",
	  "How often applied table records and their offsets are committed to LMDB together.",
	  kw_valid_positive_int, 0 },
};

/* table.scope=partitioned: every stream topic must have as many partitions as the table
 * topic. A topic that does not exist yet is not judged here (the task checks again when it
 * starts, after creating the table topic); Kafka not answering is an error. */
static void
check_copartitioned(struct kw_validation *v, const char *table, char **topics, size_t n)
{
	char err[512];
	int tn, sn;
	size_t i;

	tn = kw_validation_partition_count(v, table, err, sizeof(err));
	if (tn == -2)
		return;
	if (tn < 0) {
		kw_validation_error(v, "table.scope", "partitioned: cannot check that %s is "
		    "co-partitioned with the stream topics: %s", table, err);
		return;
	}
	for (i = 0; i < n && tn > 0; i++) {
		sn = kw_validation_partition_count(v, topics[i], err, sizeof(err));
		if (sn < 0) {
			kw_validation_error(v, "table.scope", "partitioned: cannot check that %s is "
			    "co-partitioned with %s: %s", topics[i], table, err);
			return;
		}
		if (sn > 0 && sn != tn)
			kw_validation_error(v, "table.scope", "partitioned needs co-partitioned "
			    "topics: stream topic %s has %d partitions, table topic %s has %d (use "
			    "table.scope=global)", topics[i], sn, table, tn);
	}
}

/* Cross-key checks. */
static void
join_validate(const json_t *config, struct kw_validation *v)
{
	const char *scope = json_string_value(json_object_get(config, "table.scope"));
	const char *field = json_string_value(json_object_get(config, "join.field"));
	const char *table = json_string_value(json_object_get(config, "table.topic"));
	const char *out = json_string_value(json_object_get(config, "output.topic"));
	const char *topics = json_string_value(json_object_get(config, "topics"));
	size_t n, i;
	char **list;

	if (scope != NULL && strcasecmp(scope, "partitioned") == 0) {
		if (field != NULL && *field != '\0')
			kw_validation_error(v, "table.scope", "partitioned needs a join on the "
			    "record key (join.field empty) of co-partitioned topics; with "
			    "join.field set use table.scope=global");
		if (topics == NULL || *topics == '\0')
			kw_validation_error(v, "table.scope", "partitioned needs topics (not "
			    "topics.regex) so partition counts can be checked");
	}
	if (table != NULL && out != NULL && strcmp(table, out) == 0)
		kw_validation_error(v, "output.topic", "must differ from table.topic");
	list = kw_join_list_split(topics, &n);
	if (scope != NULL && strcasecmp(scope, "partitioned") == 0 && (field == NULL ||
	    *field == '\0') && table != NULL && n > 0)
		check_copartitioned(v, table, list, n);
	for (i = 0; i < n; i++) {
		if (out != NULL && strcmp(list[i], out) == 0)
			kw_validation_error(v, "output.topic", "'%s' is also a stream topic: the "
			    "join would read its own output", out);
		if (table != NULL && strcmp(list[i], table) == 0)
			kw_validation_error(v, "table.topic", "'%s' is also a stream topic", table);
	}
	kw_join_list_free(list, n);
}

/* ---- task state ------------------------------------------------------------------------- */

struct tpart {
	bool	 assigned;
	bool	 caught_up;
	int64_t	 pos;		/* next offset to apply; -1: from the beginning */
	int64_t	 end;		/* catch-up target (high watermark when assigned) */
};

/* One member of a rendered table side: the output field name and its "name":value text. */
struct fragm {
	const char	*name, *text;
	uint32_t	 nlen, tlen;
};

/* A table key's lookup result, rendered once: the key, whether the table has it, and the
 * table side of an output record as "name":value members (after field selection, prefix
 * and nesting) ready to be appended to a stream object. One allocation (the members, then
 * the key and texts), so a lookup touches a few adjacent cache lines. Also used for
 * missing.defaults (no key). */
struct centry {
	const char	*key;
	uint32_t	 klen;
	bool		 present;
	size_t		 n;
	struct fragm	 m[];
};

/* A cache of table lookups by canonical key (present with its fragment, or absent),
 * dropped per key when the table changes. Open addressing over small slots, grown (kept at
 * most half full, so the slots of a small table stay in the CPU caches) up to TCACHE_MAX
 * slots, then cleared when 3/4 full. */
struct tslot {
	uint64_t	 hash;
	struct centry	*e;		/* NULL: empty slot */
};

#define TCACHE_MIN	(1u << 12)
#define TCACHE_MAX	(1u << 17)

/* A stream record scanned ahead of its join (fast path): its members, its canonical key and
 * the key's hash. Records are scanned in groups of PRE_GROUP and their cache slots and
 * entries prefetched before the first of them is joined, so the lookups' memory accesses
 * overlap instead of stalling one after the other. */
struct pre {
	const rd_kafka_message_t	*m;		/* the record scanned (NULL: none) */
	bool				 ok;		/* the fast path applies */
	bool				 have_key;
	int				 n;
	uint64_t			 hash;
	struct kc_buf			 key;
	struct kw_join_member		 mem[KW_JOIN_SCAN_MAX];
};

#define PRE_GROUP	16

/* Stream records polled together; their offsets are committed once every output record
 * of the batch (and of every batch before it) was delivered. */
struct batch {
	rd_kafka_topic_partition_list_t	*offs;
	int				 outstanding;	/* produced, not yet delivered */
	bool				 closed;	/* no more records join it */
	/* the element of the last record noted (records come in runs per partition) */
	const rd_kafka_topic_t		*last_rkt;
	int32_t				 last_part;
	int				 last_idx;
	struct batch			*next;
};

struct join {
	struct kw_task		*t;
	struct batch		*bhead, *btail;	/* FIFO of uncommitted batches */
	int			 nbatches;
	struct kw_join_spec	 spec;
	const char		*table_topic, *out_topic;
	bool			 partitioned, tolerate;
	int64_t			 ckpt_interval;
	struct kw_join_store	*store;
	rd_kafka_t		*stream, *table, *prod;
	rd_kafka_queue_t	*sq;		/* the stream consumer's queue */
	rd_kafka_topic_t	*out_rkt;	/* output.topic (no lookup by name per record) */
	struct tpart		*tp;
	int			 ntp;
	const struct kw_converter *kconv, *vconv;
	struct kw_join_enc	 enc;
	struct kc_buf		 key, val, out;
	struct tslot		*cache;		/* cmask + 1 slots */
	size_t			 ncache, cmask;
	struct centry		*defaults;	/* missing.defaults rendered */
	bool			 fast;		/* output = stream text + fragments */
	struct pre		*pre;		/* PRE_GROUP + 1 (the last: unprepared records) */
	struct pre		*cur;		/* the prepared record being joined, or NULL */
	int64_t			 last_ckpt, last_metrics, rate_t0;
	uint64_t		 rate_n0;
	double			 rate;
	int			 dr_failed;
	char			 dr_err[256];
	bool			 dirty;		/* the store batch holds changes */
	bool			 resumed;	/* the table came from an LMDB checkpoint */
	/* counters */
	int64_t			 last_batch_wall;	/* wall ms the last batch was delivered */
	int64_t			 first_rec_wall;	/* wall ms of the first record since start or
							   the last resume (benchmarks) */
	uint64_t		 t_read, t_updates, t_deletes, t_skipped, hits, misses, dropped,
				 in, out_n, errors;
};

/* Producer delivery reports: remember failures (the batch is then not committed). */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct join *j = opaque;
	struct batch *b = m->_private;

	(void)rk;
	if (b != NULL)
		b->outstanding--;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (j->dr_failed++ == 0)
			snprintf(j->dr_err, sizeof(j->dr_err), "%s", rd_kafka_err2str(m->err));
	}
}

/* Canonical key of a key/value decoded by a converter. */
static bool
canon_data(const struct kw_converter *c, const void *ptr, size_t len, struct kc_buf *out)
{
	struct kw_data d;
	char err[256];
	bool ok;

	if (ptr == NULL)
		return false;
	if (kw_converter_decode(c, ptr, len, &d, err, sizeof(err)) != 0)
		return kw_join_canon_bytes(ptr, len, out);	/* undecodable: its raw text */
	if (d.kind == KW_DATA_JSON)
		ok = kw_join_canon_json(d.json, out);
	else if (d.kind == KW_DATA_BYTES)
		ok = kw_join_canon_bytes(d.ptr, d.len, out);
	else
		ok = false;
	kw_data_clear(&d);
	return ok;
}

/* A record value as JSON (new reference), NULL for null / unusable (err set then). */
static json_t *
value_json(const struct kw_converter *c, const void *ptr, size_t len, char *err, size_t errlen)
{
	struct kw_data d;
	json_t *v = NULL;

	err[0] = '\0';
	if (ptr == NULL)
		return NULL;
	if (kw_converter_decode(c, ptr, len, &d, err, errlen) != 0)
		return NULL;
	if (d.kind == KW_DATA_JSON)
		v = json_incref(d.json);
	else if (d.kind == KW_DATA_BYTES) {
		v = kw_join_parse_lenient(d.ptr, d.len);
		if (v == NULL)
			snprintf(err, errlen, "value is neither JSON nor UTF-8 text");
	}
	kw_data_clear(&d);
	return v;
}

/* Metadata: partition count of a topic, or -1. */
static int
partition_count(rd_kafka_t *rk, const char *topic, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t r;
	int n = -1;

	r = rd_kafka_metadata(rk, 0, rkt, &md, META_TIMEOUT_MS);
	rd_kafka_topic_destroy(rkt);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "metadata for %s: %s", topic, rd_kafka_err2str(r));
		return -1;
	}
	if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
		n = md->topics[0].partition_cnt;
	else
		snprintf(err, errlen, "topic %s: %s", topic, md->topic_cnt == 1 ?
		    rd_kafka_err2str(md->topics[0].err) : "not found");
	rd_kafka_metadata_destroy(md);
	return n;
}

/* (Re)assign the table consumer to every assigned table partition at its position. */
static void
table_assign(struct join *j)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(j->ntp);
	int p;

	for (p = 0; p < j->ntp; p++) {
		if (j->tp[p].assigned)
			rd_kafka_topic_partition_list_add(l, j->table_topic, p)->offset =
			    j->tp[p].pos >= 0 ? j->tp[p].pos : RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_assign(j->table, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* Write positions and commit the store batch. */
static int
checkpoint(struct join *j, char *err, size_t errlen)
{
	int p;

	if (!j->dirty)
		return 0;
	for (p = 0; p < j->ntp; p++) {
		if (j->tp[p].assigned && j->tp[p].pos >= 0 &&
		    kw_join_store_set_offset(j->store, p, j->tp[p].pos, err, errlen) != 0)
			return -1;
	}
	if (kw_join_store_commit(j->store, err, errlen) != 0)
		return -1;
	j->dirty = false;
	j->last_ckpt = kc_mono_ms();
	return 0;
}

/* FNV-1a. */
static uint64_t
hash_key(const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Render a lookup result: key (klen bytes), presence, and the members of obj (may be NULL)
 * as "name":value texts. Freed with free(). */
static struct centry *
centry_new(const char *key, size_t klen, bool present, const json_t *obj)
{
	struct kc_buf b;
	struct centry *e;
	const char *k;
	json_t *v, *name;
	size_t n = json_is_object(obj) ? json_object_size(obj) : 0, i = 0, off, hdr;
	size_t *no = NULL, *to = NULL;
	char *base;

	kc_buf_init(&b);
	kc_buf_append(&b, key, klen);
	kc_buf_putc(&b, '\0');
	if (n > 0) {
		no = kc_xcalloc(n, sizeof(*no));
		to = kc_xcalloc(n, sizeof(*to));
		json_object_foreach((json_t *)obj, k, v) {
			no[i] = b.len;
			kc_buf_puts(&b, k);
			kc_buf_putc(&b, '\0');
			to[i] = b.len;
			name = json_string(k);
			kc_json_write(name, &b);
			json_decref(name);
			kc_buf_putc(&b, ':');
			kc_json_write(v, &b);
			kc_buf_putc(&b, '\0');
			i++;
		}
	}
	hdr = sizeof(*e) + n * sizeof(e->m[0]);
	e = kc_xmalloc(hdr + b.len);
	base = (char *)e + hdr;
	memcpy(base, b.data, b.len);
	e->key = base;
	e->klen = (uint32_t)klen;
	e->present = present;
	e->n = n;
	for (i = 0; i < n; i++) {
		off = to[i];
		e->m[i].name = base + no[i];
		e->m[i].nlen = (uint32_t)(off - no[i] - 1);
		e->m[i].text = base + off;
		e->m[i].tlen = (uint32_t)strlen(base + off);
	}
	free(no);
	free(to);
	kc_buf_free(&b);
	return e;
}

/* The lookup result of key: the table side of table value tv (NULL: absent). */
static struct centry *
centry_for(struct join *j, const char *key, size_t klen, const json_t *tv)
{
	struct centry *e;
	json_t *side;

	if (tv == NULL)
		return centry_new(key, klen, false, NULL);
	/* the table side exactly as kw_join_merge would add it to an empty record */
	side = kw_join_merge(&j->spec, NULL, tv);
	e = centry_new(key, klen, true, side);
	json_decref(side);
	return e;
}

/* Empty the whole cache. */
static void
cache_clear(struct join *j)
{
	size_t i;

	if (j->cache == NULL)
		return;
	for (i = 0; i <= j->cmask; i++) {
		free(j->cache[i].e);
		j->cache[i].e = NULL;
	}
	j->ncache = 0;
}

/* The slot of key (found, or the empty slot where it would go). */
static struct tslot *
cache_slot(struct join *j, const char *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & j->cmask;
	struct tslot *s;

	for (;;) {
		s = &j->cache[i];
		if (s->e == NULL || (s->hash == h && s->e->klen == klen &&
		    memcmp(s->e->key, key, klen) == 0))
			return s;
		i = (i + 1) & j->cmask;
	}
}

/* Make room for one more entry: grow while below TCACHE_MAX, else (when allowed) clear.
 * False when there is no room (full and clearing not allowed). */
static bool
cache_room(struct join *j, bool may_clear)
{
	struct tslot *old = j->cache, *s;
	size_t oldn = j->cmask + 1, i;

	if (j->ncache + 1 <= oldn / 2)
		return true;
	if (oldn < TCACHE_MAX) {
		j->cmask = oldn * 2 - 1;
		j->cache = kc_xcalloc(oldn * 2, sizeof(*j->cache));
		for (i = 0; i < oldn; i++) {
			if (old[i].e == NULL)
				continue;
			s = &j->cache[old[i].hash & j->cmask];
			while (s->e != NULL)
				s = &j->cache[((size_t)(s - j->cache) + 1) & j->cmask];
			*s = old[i];
		}
		free(old);
		return true;
	}
	if (j->ncache + 1 <= oldn / 4 * 3)
		return true;
	if (!may_clear)
		return false;
	cache_clear(j);
	return true;
}

/* Forget one key (the table changed). Backward-shift deletion keeps probes intact. */
static void
cache_drop(struct join *j, const char *key, size_t klen)
{
	struct tslot *s;
	size_t i, k, home;

	if (j->cache == NULL || j->ncache == 0)
		return;
	s = cache_slot(j, key, klen, hash_key(key, klen));
	if (s->e == NULL)
		return;
	free(s->e);
	s->e = NULL;
	j->ncache--;
	i = (size_t)(s - j->cache);
	for (k = (i + 1) & j->cmask; j->cache[k].e != NULL; k = (k + 1) & j->cmask) {
		home = (size_t)j->cache[k].hash & j->cmask;
		/* move k back to i when its home is not in (i, k] cyclically */
		if ((i <= k) ? (home <= i || home > k) : (home <= i && home > k)) {
			j->cache[i] = j->cache[k];
			j->cache[k].e = NULL;
			i = k;
		}
	}
}

/* Look a key up through the cache: the cached entry (present or absent), or NULL on a
 * store error (err set). */
static struct centry *
cache_lookup(struct join *j, const char *key, size_t klen, uint64_t h, char *err, size_t errlen)
{
	struct tslot *s = cache_slot(j, key, klen, h);
	const char *tval;
	size_t tlen;
	json_t *tv = NULL;
	int found;

	if (s->e != NULL)
		return s->e;
	found = kw_join_store_get(j->store, key, klen, &tval, &tlen, err, errlen);
	if (found < 0)
		return NULL;
	cache_room(j, true);
	s = cache_slot(j, key, klen, h);	/* the slots may have moved */
	if (found == 1)
		tv = json_loadb(tval, tlen, JSON_DECODE_ANY, NULL);
	s->hash = h;
	s->e = centry_for(j, key, klen, tv);
	json_decref(tv);
	j->ncache++;
	return s->e;
}

/* Keep the rendered table side of a key that was just written (while the cache has room),
 * so the first stream record of that key does not pay for it. */
static void
cache_put(struct join *j, const char *key, size_t klen, const json_t *v)
{
	uint64_t h = hash_key(key, klen);
	struct tslot *s = cache_slot(j, key, klen, h);

	if (s->e != NULL) {
		free(s->e);
	} else {
		if (!cache_room(j, false))
			return;
		s = cache_slot(j, key, klen, h);	/* the slots may have moved */
		j->ncache++;
	}
	s->hash = h;
	s->e = centry_for(j, key, klen, v);
}

/* Apply one table record (or event). */
static int
apply_table(struct join *j, rd_kafka_message_t *m, char *err, size_t errlen)
{
	char verr[256];
	json_t *v;
	int p = m->partition;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (p >= 0 && p < j->ntp && m->offset > j->tp[p].pos)
			j->tp[p].pos = m->offset;
		return 0;
	}
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_log(LOGGER, KC_LOG_WARN, "%s: table consumer: %s", kw_task_connector(j->t),
		    rd_kafka_message_errstr(m));
		return 0;
	}
	if (p < 0 || p >= j->ntp)
		return 0;
	j->t_read++;
	j->tp[p].pos = m->offset + 1;
	j->dirty = true;
	kc_buf_reset(&j->key);
	if (!canon_data(j->kconv, m->key, m->key_len, &j->key) || j->key.len == 0) {
		j->t_skipped++;	/* a table record without a key cannot be joined */
		return 0;
	}
	cache_drop(j, j->key.data, j->key.len);
	if (m->payload == NULL) {
		j->t_deletes++;
		return kw_join_store_del(j->store, j->key.data, j->key.len, err, errlen);
	}
	v = value_json(j->vconv, m->payload, m->len, verr, sizeof(verr));
	if (v == NULL) {
		if (verr[0] == '\0') {	/* JSON null: a delete */
			j->t_deletes++;
			return kw_join_store_del(j->store, j->key.data, j->key.len, err, errlen);
		}
		j->t_skipped++;
		kc_log(LOGGER, KC_LOG_WARN, "%s: table record %s[%d]@%" PRId64 " skipped: %s",
		    kw_task_connector(j->t), j->table_topic, p, m->offset, verr);
		return 0;
	}
	kc_buf_reset(&j->val);
	kc_json_write(v, &j->val);
	j->t_updates++;
	if (kw_join_store_put(j->store, j->key.data, j->key.len, j->val.data, j->val.len, verr,
	    sizeof(verr)) != 0) {
		j->t_skipped++;
		kc_log(LOGGER, KC_LOG_WARN, "%s: table record %s[%d]@%" PRId64 " skipped: %s",
		    kw_task_connector(j->t), j->table_topic, p, m->offset, verr);
	} else {
		cache_put(j, j->key.data, j->key.len, v);
	}
	json_decref(v);
	return 0;
}

/* Poll the table consumer for up to max records (first wait timeout_ms). Returns the number
 * applied or -1. */
static int
poll_table(struct join *j, int timeout_ms, int max, char *err, size_t errlen)
{
	rd_kafka_message_t *m;
	int n = 0;

	while (n < max) {
		m = rd_kafka_consumer_poll(j->table, n == 0 ? timeout_ms : 0);
		if (m == NULL)
			break;
		if (apply_table(j, m, err, errlen) != 0) {
			rd_kafka_message_destroy(m);
			return -1;
		}
		rd_kafka_message_destroy(m);
		n++;
	}
	return n;
}

/* Read the given (or all not yet caught-up assigned) table partitions up to the end they
 * had when this is called. 0, 1 when stopped, -1 on error. */
static int
catch_up(struct join *j, char *err, size_t errlen)
{
	int64_t lo, hi, t0 = kc_mono_ms();
	rd_kafka_resp_err_t r;
	bool pending;
	int p, tries;

	for (p = 0; p < j->ntp; p++) {
		if (!j->tp[p].assigned || j->tp[p].caught_up)
			continue;
		for (tries = 0;; tries++) {
			r = rd_kafka_query_watermark_offsets(j->table, j->table_topic, p, &lo, &hi,
			    META_TIMEOUT_MS);
			if (r == RD_KAFKA_RESP_ERR_NO_ERROR)
				break;
			if (tries >= 5 || kw_task_target(j->t) == KW_TARGET_STOP) {
				snprintf(err, errlen, "cannot read the end offset of %s[%d]: %s",
				    j->table_topic, p, rd_kafka_err2str(r));
				return -1;
			}
		}
		j->tp[p].end = hi;
		if (j->tp[p].pos > hi || (j->tp[p].pos >= 0 && j->tp[p].pos < lo)) {
			/* the checkpoint does not fit the topic: recreated or truncated */
			kc_log(LOGGER, KC_LOG_WARN, "%s: table checkpoint %s[%d]@%" PRId64 " is "
			    "outside the topic (%" PRId64 "..%" PRId64 "): rebuilding the table",
			    kw_task_connector(j->t), j->table_topic, p, j->tp[p].pos, lo, hi);
			return 2;
		}
	}
	for (;;) {
		pending = false;
		for (p = 0; p < j->ntp; p++) {
			if (!j->tp[p].assigned || j->tp[p].caught_up)
				continue;
			if (j->tp[p].end <= 0 || j->tp[p].pos >= j->tp[p].end)
				j->tp[p].caught_up = true;
			else
				pending = true;
		}
		if (!pending)
			break;
		if (kw_task_target(j->t) == KW_TARGET_STOP)
			return 1;
		if (poll_table(j, 100, 10000, err, errlen) < 0)
			return -1;
		if (j->dirty && kc_mono_ms() - j->last_ckpt >= j->ckpt_interval &&
		    checkpoint(j, err, errlen) != 0)
			return -1;
	}
	if (checkpoint(j, err, errlen) != 0)
		return -1;
	kc_log(LOGGER, KC_LOG_INFO, "%s: task %d: table %s loaded (%zu keys, %" PRIu64
	    " records read in %" PRId64 " ms%s)", kw_task_connector(j->t), kw_task_id(j->t),
	    j->table_topic, kw_join_store_count(j->store), j->t_read, kc_mono_ms() - t0,
	    j->resumed ? ", resumed from the LMDB checkpoint" : "");
	return 0;
}

/* Drop the store's contents and read every assigned partition from the beginning. */
static int
rebuild(struct join *j, char *err, size_t errlen)
{
	int p;

	if (kw_join_store_clear(j->store, err, errlen) != 0)
		return -1;
	cache_clear(j);
	for (p = 0; p < j->ntp; p++) {
		j->tp[p].pos = -1;
		j->tp[p].caught_up = false;
	}
	j->resumed = false;
	j->dirty = true;
	table_assign(j);
	return 0;
}

/* Catch up, rebuilding once when the checkpoint does not fit. */
static int
load_table(struct join *j, char *err, size_t errlen)
{
	int r = catch_up(j, err, errlen);

	if (r == 2) {
		if (rebuild(j, err, errlen) != 0)
			return -1;
		r = catch_up(j, err, errlen);
		if (r == 2) {
			snprintf(err, errlen, "table %s: offsets still outside the topic after a "
			    "rebuild", j->table_topic);
			return -1;
		}
	}
	return r;
}

/* Before a stream batch: apply what the table consumer already knows is there. */
static int
sync_table(struct join *j, char *err, size_t errlen)
{
	int64_t lo, hi, until = kc_mono_ms() + 50;
	bool behind;
	int p, n;

	do {
		n = poll_table(j, 0, 10000, err, errlen);
		if (n < 0)
			return -1;
		behind = false;
		for (p = 0; p < j->ntp; p++) {
			if (!j->tp[p].assigned || j->tp[p].pos < 0)
				continue;
			if (rd_kafka_get_watermark_offsets(j->table, j->table_topic, p, &lo, &hi) ==
			    RD_KAFKA_RESP_ERR_NO_ERROR && hi > j->tp[p].pos)
				behind = true;
		}
		if (behind && n == 0)
			n = poll_table(j, 5, 10000, err, errlen);
	} while (behind && n > 0 && kc_mono_ms() < until);
	return 0;
}

/* Metrics for the REST extension. */
static void
publish_metrics(struct join *j)
{
	int64_t now = kc_mono_ms();
	json_t *m;

	if (now - j->rate_t0 >= 1000) {
		j->rate = (double)(j->out_n + j->dropped - j->rate_n0) * 1000.0 /
		    (double)(now - j->rate_t0);
		j->rate_t0 = now;
		j->rate_n0 = j->out_n + j->dropped;
	}
	m = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:i,s:I,s:I}",
	    "table.size", (json_int_t)kw_join_store_count(j->store),
	    "table.records.read", (json_int_t)j->t_read,
	    "table.updates", (json_int_t)j->t_updates,
	    "table.deletes", (json_int_t)j->t_deletes,
	    "table.skipped", (json_int_t)j->t_skipped,
	    "join.hits", (json_int_t)j->hits,
	    "join.misses", (json_int_t)j->misses,
	    "join.dropped", (json_int_t)j->dropped,
	    "records.in", (json_int_t)j->in,
	    "records", (json_int_t)j->out_n,
	    "errors", (json_int_t)j->errors,
	    "records.per.second", j->rate,
	    "table.resumed", j->resumed ? 1 : 0,
	    "last.batch.wall.ms", (json_int_t)j->last_batch_wall,
	    "first.record.wall.ms", (json_int_t)j->first_rec_wall);
	kw_task_set_metrics(j->t, m);
	j->last_metrics = now;
}

/* Fast output: the stream object (compact) with the cached table side appended; stream
 * fields win over table fields of the same name. */
static void
fast_output(struct join *j, const json_t *sv, const struct centry *f)
{
	bool first = json_object_size(sv) == 0;
	size_t i;

	kc_json_write(sv, &j->out);
	j->out.len--;		/* reopen the object: drop its '}' */
	for (i = 0; i < f->n; i++) {
		if (json_object_get(sv, f->m[i].name) != NULL)
			continue;
		if (!first)
			kc_buf_putc(&j->out, ',');
		first = false;
		kc_buf_append(&j->out, f->m[i].text, f->m[i].tlen);
	}
	kc_buf_putc(&j->out, '}');
}

/* Produce j->out for stream record m. 0, or -1 with err. */
static int
produce_out(struct join *j, rd_kafka_message_t *m, bool found, char *err, size_t errlen)
{
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_resp_err_t r;

	/* the stream record's headers move to the output record (no copy) */
	if (rd_kafka_message_detach_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    hdrs == NULL)
		hdrs = rd_kafka_headers_new(1);
	rd_kafka_header_add(hdrs, "kcops.join", -1, found ? "hit" : "miss", -1);
	for (;;) {
		r = rd_kafka_producev(j->prod,
		    RD_KAFKA_V_RKT(j->out_rkt),
		    RD_KAFKA_V_KEY(m->key, m->key_len),
		    RD_KAFKA_V_VALUE(j->out.data, j->out.len),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP(rd_kafka_message_timestamp(m, NULL)),
		    RD_KAFKA_V_HEADERS(hdrs),
		    RD_KAFKA_V_OPAQUE(j->btail),
		    RD_KAFKA_V_END);
		if (r != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(j->prod, 10);
	}
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_headers_destroy(hdrs);
		snprintf(err, errlen, "produce to %s: %s", j->out_topic, rd_kafka_err2str(r));
		return -1;
	}
	j->btail->outstanding++;
	j->out_n++;
	return 0;
}

/* Count a lookup; true when the record is dropped (inner join miss). */
static bool
count_lookup(struct join *j, bool found)
{
	if (found)
		j->hits++;
	else
		j->misses++;
	if (!found && j->spec.inner) {
		j->dropped++;
		return true;
	}
	return false;
}

/* Is the scanned object text (n members in mem) already compact: no whitespace between its
 * tokens? Then it equals its compact re-rendering. Nested objects and arrays count as
 * compact only without any whitespace byte (conservative). */
static bool
is_compact(const char *p, size_t len, const struct kw_join_member *mem, int n)
{
	const char *at = p + 1, *v;
	size_t k;
	int i;

	if (len < 2 || p[0] != '{' || p[len - 1] != '}')
		return false;
	for (i = 0; i < n; i++) {
		/* ,"key":value */
		if (i > 0 && *at++ != ',')
			return false;
		if (mem[i].key != at + 1 || mem[i].val != mem[i].key + mem[i].klen + 2)
			return false;
		v = mem[i].val;
		if (*v == '{' || *v == '[') {
			for (k = 0; k < mem[i].vlen; k++)
				if (v[k] == ' ' || v[k] == '\n' || v[k] == '\t' || v[k] == '\r')
					return false;
		}
		at = v + mem[i].vlen;
	}
	return at == p + len - 1;
}

/* Scan stream record m for the fast path into p: members, canonical key, hash. */
static void
fast_prepare(struct join *j, const rd_kafka_message_t *m, struct pre *p)
{
	size_t flen;
	int i, idx = -1;

	p->m = m;
	p->ok = false;
	p->have_key = false;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR || m->payload == NULL ||
	    (p->n = kw_join_scan_object(m->payload, m->len, p->mem)) < 0)
		return;
	kc_buf_reset(&p->key);
	if (j->spec.join_field != NULL) {
		flen = strlen(j->spec.join_field);
		for (i = 0; i < p->n; i++)
			if (p->mem[i].klen == flen &&
			    memcmp(p->mem[i].key, j->spec.join_field, flen) == 0)
				idx = i;
		if (idx < 0 && strchr(j->spec.join_field, '.') != NULL)
			return;		/* a dotted path: jansson */
		p->have_key = idx >= 0 &&
		    kw_join_canon_text(p->mem[idx].val, p->mem[idx].vlen, &p->key);
	} else {
		p->have_key = canon_data(j->kconv, m->key, m->key_len, &p->key);
	}
	p->have_key = p->have_key && p->key.len > 0;
	if (p->have_key)
		p->hash = hash_key(p->key.data, p->key.len);
	p->ok = true;
}

/* Scan records ms[0..n) (n <= PRE_GROUP) ahead and prefetch their cache slots, then the
 * entries those slots point at. */
static void
fast_prepare_group(struct join *j, rd_kafka_message_t **ms, int n)
{
	const struct tslot *s;
	int i;

	for (i = 0; i < n; i++) {
		fast_prepare(j, ms[i], &j->pre[i]);
		if (j->pre[i].have_key)
			__builtin_prefetch(&j->cache[j->pre[i].hash & j->cmask]);
	}
	for (i = 0; i < n; i++) {
		if (!j->pre[i].have_key)
			continue;
		s = &j->cache[j->pre[i].hash & j->cmask];
		if (s->e != NULL)
			__builtin_prefetch(s->e);
	}
}

/* The fast path: a stream value that is JSON object text, scanned without building a tree.
 * 1 done, 0 not applicable (take the jansson path), -1 error. */
static int
join_fast(struct join *j, rd_kafka_message_t *m, char *err, size_t errlen)
{
	const struct centry *e = NULL, *f;
	struct pre *p = j->cur;
	const struct kw_join_member *mem;
	int n, i;
	size_t k, flen;
	bool found, first, clash;

	if (p == NULL || p->m != m) {
		p = &j->pre[PRE_GROUP];
		fast_prepare(j, m, p);
	}
	if (!p->ok)
		return 0;
	n = p->n;
	mem = p->mem;
	if (p->have_key) {
		e = cache_lookup(j, p->key.data, p->key.len, p->hash, err, errlen);
		if (e == NULL)
			return -1;
	}
	j->in++;
	found = e != NULL && e->present;
	if (count_lookup(j, found))
		return 1;
	f = found ? e : j->defaults;
	kc_buf_reset(&j->out);
	if (is_compact(m->payload, m->len, mem, n)) {
		/* already what the loop below would write: copy it, without its '}' */
		kc_buf_append(&j->out, m->payload, m->len - 1);
	} else {
		kc_buf_putc(&j->out, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				kc_buf_putc(&j->out, ',');
			kc_buf_putc(&j->out, '"');
			kc_buf_append(&j->out, mem[i].key, mem[i].klen);
			kc_buf_puts(&j->out, "\":");
			kw_join_compact(mem[i].val, mem[i].vlen, &j->out);
		}
	}
	first = n == 0;
	for (k = 0; k < f->n; k++) {
		flen = f->m[k].nlen;
		clash = false;
		for (i = 0; i < n && !clash; i++)
			clash = mem[i].klen == flen &&
			    memcmp(mem[i].key, f->m[k].name, flen) == 0;
		if (clash)
			continue;
		if (!first)
			kc_buf_putc(&j->out, ',');
		first = false;
		kc_buf_append(&j->out, f->m[k].text, f->m[k].tlen);
	}
	kc_buf_putc(&j->out, '}');
	return produce_out(j, m, found, err, errlen) == 0 ? 1 : -1;
}

/* Join one stream record and produce the result. 0, or -1 (err) to fail the task. */
static int
join_record(struct join *j, rd_kafka_message_t *m, char *err, size_t errlen)
{
	char verr[256];
	const char *tval = NULL;
	size_t tlen = 0;
	json_t *sv, *tv = NULL, *keyv, *out;
	const struct centry *e = NULL;
	bool have_key, found;
	int r;

	if (j->fast && (r = join_fast(j, m, err, errlen)) != 0)
		return r < 0 ? -1 : 0;
	j->in++;
	sv = value_json(j->vconv, m->payload, m->len, verr, sizeof(verr));
	if (sv == NULL && verr[0] != '\0') {
		j->errors++;
		if (!j->tolerate) {
			snprintf(err, errlen, "stream record %s[%d]@%" PRId64 ": %s (set "
			    "errors.tolerance=all to skip such records)", rd_kafka_topic_name(m->rkt),
			    m->partition, m->offset, verr);
			return -1;
		}
		return 0;
	}
	kc_buf_reset(&j->key);
	if (j->spec.join_field != NULL) {
		keyv = kw_join_field(sv, j->spec.join_field);
		have_key = kw_join_canon_json(keyv, &j->key);
	} else {
		have_key = canon_data(j->kconv, m->key, m->key_len, &j->key);
	}
	if (have_key && j->key.len > 0) {
		e = cache_lookup(j, j->key.data, j->key.len, hash_key(j->key.data, j->key.len),
		    err, errlen);
		if (e == NULL) {
			json_decref(sv);
			return -1;
		}
	}
	found = e != NULL && e->present;
	if (count_lookup(j, found)) {
		json_decref(sv);
		return 0;
	}
	kc_buf_reset(&j->out);
	if (j->fast && json_is_object(sv)) {
		fast_output(j, sv, found ? e : j->defaults);
	} else {
		if (found && kw_join_store_get(j->store, j->key.data, j->key.len, &tval, &tlen,
		    err, errlen) == 1)
			tv = json_loadb(tval, tlen, JSON_DECODE_ANY, NULL);
		out = kw_join_merge(&j->spec, sv, tv);
		json_decref(tv);
		if (kw_join_enc_json(&j->enc, out, &j->out, err, errlen) != 0) {
			json_decref(out);
			json_decref(sv);
			return -1;
		}
		json_decref(out);
	}
	json_decref(sv);
	return produce_out(j, m, found, err, errlen);
}

/* Open a new batch at the FIFO's tail. */
static struct batch *
batch_open(struct join *j)
{
	struct batch *b = kc_xcalloc(1, sizeof(*b));

	b->offs = rd_kafka_topic_partition_list_new(8);
	b->last_idx = -1;
	if (j->btail != NULL)
		j->btail->next = b;
	else
		j->bhead = b;
	j->btail = b;
	j->nbatches++;
	return b;
}

/* Record that offset (of a consumed stream record) belongs to the open batch. */
static void
batch_note(struct join *j, rd_kafka_message_t *m)
{
	struct batch *b = j->btail;
	rd_kafka_topic_partition_t *tp;
	const char *topic;

	if (b->last_idx >= 0 && b->last_rkt == m->rkt && b->last_part == m->partition) {
		b->offs->elems[b->last_idx].offset = m->offset + 1;
		return;
	}
	topic = rd_kafka_topic_name(m->rkt);
	tp = rd_kafka_topic_partition_list_find(b->offs, topic, m->partition);
	if (tp == NULL)
		tp = rd_kafka_topic_partition_list_add(b->offs, topic, m->partition);
	tp->offset = m->offset + 1;
	b->last_idx = (int)(tp - b->offs->elems);
	b->last_rkt = m->rkt;
	b->last_part = m->partition;
}

/* Commit every finished batch at the head of the FIFO (one commit for all of them).
 * Returns -1 with err when a delivery failed. */
static int
batch_commit(struct join *j, bool sync, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *all = NULL;
	rd_kafka_topic_partition_t *tp, *e;
	struct batch *b;
	int i;

	rd_kafka_poll(j->prod, 0);
	if (j->dr_failed > 0) {
		snprintf(err, errlen, "%d record(s) could not be written to %s: %s", j->dr_failed,
		    j->out_topic, j->dr_err);
		return -1;
	}
	while ((b = j->bhead) != NULL && b->closed && b->outstanding == 0) {
		for (i = 0; i < b->offs->cnt; i++) {
			e = &b->offs->elems[i];
			if (all == NULL)
				all = rd_kafka_topic_partition_list_new(8);
			tp = rd_kafka_topic_partition_list_find(all, e->topic, e->partition);
			if (tp == NULL)
				tp = rd_kafka_topic_partition_list_add(all, e->topic, e->partition);
			tp->offset = e->offset;
		}
		j->bhead = b->next;
		if (j->bhead == NULL)
			j->btail = NULL;
		j->nbatches--;
		rd_kafka_topic_partition_list_destroy(b->offs);
		free(b);
	}
	if (all != NULL) {
		rd_kafka_commit(j->stream, all, sync ? 0 : 1);
		rd_kafka_topic_partition_list_destroy(all);
		j->last_batch_wall = kc_wall_ms();
	}
	return 0;
}

/* Drop every batch (at exit). */
static void
batch_free_all(struct join *j)
{
	struct batch *b;

	while ((b = j->bhead) != NULL) {
		j->bhead = b->next;
		rd_kafka_topic_partition_list_destroy(b->offs);
		free(b);
	}
	j->btail = NULL;
	j->nbatches = 0;
}

/* Set up the table: metadata, store, checkpoint checks, assignment. */
static int
setup_table(struct join *j, char *err, size_t errlen)
{
	char path[64], *meta, *cluster;
	const char *dir = kw_task_state_dir(j->t);
	char *full;
	bool rebuilt = false, fresh;
	size_t i, n;
	char **topics;
	int p, sp;

	j->ntp = partition_count(j->table, j->table_topic, err, errlen);
	if (j->ntp <= 0)
		return -1;
	if (j->partitioned) {
		topics = kw_join_list_split(kw_task_cfg(j->t, "topics"), &n);
		for (i = 0; i < n; i++) {
			sp = partition_count(j->table, topics[i], err, errlen);
			if (sp != j->ntp) {
				if (sp > 0)
					snprintf(err, errlen, "table.scope=partitioned needs "
					    "co-partitioned topics: %s has %d partitions, %s has %d "
					    "(use table.scope=global)", topics[i], sp, j->table_topic,
					    j->ntp);
				kw_join_list_free(topics, n);
				return -1;
			}
		}
		kw_join_list_free(topics, n);
	}
	snprintf(path, sizeof(path), "table-%d", kw_task_id(j->t));
	full = kc_xasprintf("%s/%s", dir, path);
	j->store = kw_join_store_open(full, &rebuilt, err, errlen);
	free(full);
	if (j->store == NULL)
		return -1;
	if (rebuilt)
		kc_log(LOGGER, KC_LOG_WARN, "%s: the table store was unreadable and is rebuilt",
		    kw_task_connector(j->t));
	/* a checkpoint of another topic or another cluster is worthless */
	cluster = rd_kafka_clusterid(j->table, META_TIMEOUT_MS);
	meta = kw_join_store_meta(j->store, "topic");
	fresh = meta == NULL;
	if (meta != NULL && strcmp(meta, j->table_topic) != 0) {
		kc_log(LOGGER, KC_LOG_INFO, "%s: table.topic changed (%s -> %s): rebuilding",
		    kw_task_connector(j->t), meta, j->table_topic);
		fresh = true;
	}
	free(meta);
	meta = kw_join_store_meta(j->store, "cluster");
	if (!fresh && cluster != NULL && meta != NULL && strcmp(meta, cluster) != 0) {
		kc_log(LOGGER, KC_LOG_INFO, "%s: the Kafka cluster changed (%s -> %s): "
		    "rebuilding the table", kw_task_connector(j->t), meta, cluster);
		fresh = true;
	}
	free(meta);
	if (fresh) {
		if (kw_join_store_clear(j->store, err, errlen) != 0 ||
		    kw_join_store_set_meta(j->store, "topic", j->table_topic, err, errlen) != 0 ||
		    kw_join_store_set_meta(j->store, "cluster", cluster != NULL ? cluster : "",
		    err, errlen) != 0 || kw_join_store_commit(j->store, err, errlen) != 0) {
			if (cluster != NULL)
				rd_kafka_mem_free(j->table, cluster);
			return -1;
		}
	}
	if (cluster != NULL)
		rd_kafka_mem_free(j->table, cluster);
	j->tp = kc_xcalloc((size_t)j->ntp, sizeof(*j->tp));
	for (p = 0; p < j->ntp; p++) {
		j->tp[p].pos = kw_join_store_offset(j->store, p);
		if (j->tp[p].pos >= 0)
			j->resumed = true;
		j->tp[p].assigned = !j->partitioned;
	}
	table_assign(j);
	return 0;
}

/* Partitioned scope: make sure table partition p is loaded before joining its records. */
static int
need_partition(struct join *j, int p, char *err, size_t errlen)
{
	if (p < 0 || p >= j->ntp) {
		snprintf(err, errlen, "stream partition %d has no table partition (%s has %d)", p,
		    j->table_topic, j->ntp);
		return -1;
	}
	if (j->tp[p].assigned && j->tp[p].caught_up)
		return 0;
	j->tp[p].assigned = true;
	table_assign(j);
	return load_table(j, err, errlen);
}

/* Pause or resume every assigned stream partition. */
static void
stream_pause(struct join *j, bool pause)
{
	rd_kafka_topic_partition_list_t *a = NULL;

	if (rd_kafka_assignment(j->stream, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || a == NULL)
		return;
	if (pause)
		rd_kafka_pause_partitions(j->stream, a);
	else
		rd_kafka_resume_partitions(j->stream, a);
	rd_kafka_topic_partition_list_destroy(a);
}

/* One consumed stream record: 0 joined (or skipped), 1 stopped, -1 error (err). */
static int
stream_record(struct join *j, rd_kafka_message_t *m, char *err, size_t errlen)
{
	int r = 0;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			kc_log(LOGGER, KC_LOG_WARN, "%s: stream consumer: %s",
			    kw_task_connector(j->t), rd_kafka_message_errstr(m));
		return 0;
	}
	if (j->first_rec_wall == 0)
		j->first_rec_wall = kc_wall_ms();
	if (j->partitioned)
		r = need_partition(j, m->partition, err, errlen);
	if (r == 0)
		r = join_record(j, m, err, errlen);
	if (r == 0)
		batch_note(j, m);
	return r;
}

/* The task body. */
static int
join_run(struct kw_task *t)
{
	struct join j;
	rd_kafka_conf_t *conf;
	rd_kafka_message_t *m, *ms[CHUNK];
	json_t *prefetch;
	char err[512], e[256];
	const char *scope;
	int rc = 0, r, n;
	ssize_t got, i;
	bool paused = false;

	memset(&j, 0, sizeof(j));
	j.t = t;
	j.table_topic = kw_task_cfg(t, "table.topic");
	j.out_topic = kw_task_cfg(t, "output.topic");
	scope = kw_task_cfg(t, "table.scope");
	j.partitioned = scope != NULL && strcasecmp(scope, "partitioned") == 0;
	j.tolerate = kc_str_eq(kw_task_cfg(t, "errors.tolerance"), "all");
	j.ckpt_interval = kw_task_cfg_int(t, "table.checkpoint.interval.ms", 1000);
	j.kconv = kw_task_key_converter(t);
	j.vconv = kw_task_value_converter(t);
	kw_join_enc_init(&j.enc, j.vconv);
	j.last_ckpt = j.rate_t0 = kc_mono_ms();
	if (kw_join_spec_init(&j.spec, kw_task_cfg(t, "join.field"), kw_task_cfg(t, "join.type"),
	    kw_task_cfg(t, "stream.fields"), kw_task_cfg(t, "stream.prefix"),
	    kw_task_cfg(t, "table.fields"), kw_task_cfg(t, "table.prefix"),
	    kw_task_cfg(t, "table.nest"), kw_task_cfg(t, "missing.defaults"), err,
	    sizeof(err)) != 0)
		return kw_task_fail(t, "%s", err);
	j.pre = kc_xcalloc(PRE_GROUP + 1, sizeof(*j.pre));
	j.cmask = TCACHE_MIN - 1;
	j.cache = kc_xcalloc(TCACHE_MIN, sizeof(*j.cache));
	j.fast = !j.enc.envelope && j.spec.stream_fields == NULL && j.spec.stream_prefix[0] == '\0';
	j.defaults = centry_new("", 0, false, j.spec.missing_defaults);

	/* output topic, table topic, producer */
	if (kw_task_ensure_topic(t, j.out_topic, err, sizeof(err)) != 0) {
		rc = kw_task_fail(t, "cannot create output.topic %s: %s", j.out_topic, err);
		goto out;
	}
	if (kw_task_ensure_topic(t, j.table_topic, err, sizeof(err)) != 0) {
		rc = kw_task_fail(t, "table.topic %s: %s", j.table_topic, err);
		goto out;
	}
	if ((conf = kw_task_kafka_conf(t, "producer", err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "producer config: %s", err);
		goto out;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, &j);
	if ((j.prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e))) == NULL) {
		rd_kafka_conf_destroy(conf);
		rc = kw_task_fail(t, "cannot create producer: %s", e);
		goto out;
	}
	j.out_rkt = rd_kafka_topic_new(j.prod, j.out_topic, NULL);
	if (j.out_rkt == NULL) {
		rc = kw_task_fail(t, "output.topic %s: %s", j.out_topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	/* the table consumer: no group, manual assignment */
	if ((conf = kw_task_kafka_conf(t, "consumer", err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "consumer config: %s", err);
		goto out;
	}
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e));
	rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", e, sizeof(e));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", e, sizeof(e));
	rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", e, sizeof(e));
	rd_kafka_conf_set(conf, "queued.min.messages", PREFETCH_MSGS, e, sizeof(e));
	/* consumer_poll needs a group.id; nothing joins or commits it (manual assignment) */
	{
		char *gid = kc_xasprintf("kcops-join-table-%s-%d", kw_task_connector(t),
		    kw_task_id(t));

		rd_kafka_conf_set(conf, "group.id", gid, e, sizeof(e));
		free(gid);
	}
	if ((j.table = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e))) == NULL) {
		rd_kafka_conf_destroy(conf);
		rc = kw_task_fail(t, "cannot create the table consumer: %s", e);
		goto out;
	}
	rd_kafka_poll_set_consumer(j.table);
	if (setup_table(&j, err, sizeof(err)) != 0) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	publish_metrics(&j);
	/* global: the whole table before the first stream record */
	if (!j.partitioned) {
		r = load_table(&j, err, sizeof(err));
		if (r < 0) {
			rc = kw_task_fail(t, "loading table %s: %s", j.table_topic, err);
			goto out;
		}
		if (r == 1)
			goto out;
	}
	/* librdkafka stops fetching a partition while the queue it feeds holds
	 * queued.min.messages (default 100000); every partition feeds the consumer's one
	 * queue, so with many partitions fetching paused after each large fetch until the task
	 * had drained the queue to 100000, then waited a whole fetch round trip: measured
	 * gaps of 0.2-0.5 s per 300k records. Prefetch is still bounded by
	 * queued.max.messages.kbytes (64 MiB by default). */
	prefetch = json_pack("{s:s}", "queued.min.messages", PREFETCH_MSGS);
	j.stream = kw_task_sink_consumer_with(t, prefetch, err, sizeof(err));
	json_decref(prefetch);
	if (j.stream == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	j.sq = rd_kafka_queue_get_consumer(j.stream);
	kw_task_set_state(t, KW_TASK_RUNNING);
	while (kw_task_target(t) != KW_TARGET_STOP) {
		if (kw_task_target(t) == KW_TARGET_PAUSE) {
			if (!paused)
				kw_task_set_state(t, KW_TASK_PAUSED);
			paused = true;
			j.first_rec_wall = 0;
			stream_pause(&j, true);	/* again after any rebalance */
		} else if (paused) {
			stream_pause(&j, false);
			paused = false;
			kw_task_set_state(t, KW_TASK_RUNNING);
		}
		if (sync_table(&j, err, sizeof(err)) != 0) {
			rc = kw_task_fail(t, "table %s: %s", j.table_topic, err);
			break;
		}
		batch_open(&j);
		r = 0;
		n = 0;
		/* wait for the first record (short waits while deliveries are pending: their
		 * commits are due), then take what is already fetched in chunks */
		ms[0] = rd_kafka_consumer_poll(j.stream,
		    j.bhead != NULL && j.bhead != j.btail ? 5 : 100);
		got = ms[0] != NULL ? 1 : 0;
		while (got > 0) {
			for (i = 0; i < got; i++) {
				m = ms[i];
				if (j.fast && i % PRE_GROUP == 0 && r == 0)
					fast_prepare_group(&j, ms + i, got - i < PRE_GROUP ?
					    (int)(got - i) : PRE_GROUP);
				j.cur = j.fast ? &j.pre[i % PRE_GROUP] : NULL;
				if (r == 0)
					r = stream_record(&j, m, err, sizeof(err));
				j.cur = NULL;
				rd_kafka_message_destroy(m);
			}
			n += (int)got;
			if (r != 0 || n >= BATCH_MAX)
				break;
			rd_kafka_poll(j.prod, 0);	/* delivery reports */
			got = rd_kafka_consume_batch_queue(j.sq, 0, ms, (size_t)(BATCH_MAX - n) <
			    CHUNK ? (size_t)(BATCH_MAX - n) : CHUNK);
		}
		if (r < 0) {
			rc = kw_task_fail(t, "%s", err);
			break;
		}
		if (r == 1)
			break;
		j.btail->closed = true;
		if (batch_commit(&j, false, err, sizeof(err)) != 0) {
			rc = kw_task_fail(t, "%s", err);
			break;
		}
		/* bound what is produced but not delivered */
		while (j.nbatches > 64 && kw_task_target(t) != KW_TARGET_STOP) {
			rd_kafka_poll(j.prod, 10);
			if (batch_commit(&j, false, err, sizeof(err)) != 0)
				break;
		}
		if (j.dirty && kc_mono_ms() - j.last_ckpt >= j.ckpt_interval &&
		    checkpoint(&j, err, sizeof(err)) != 0) {
			rc = kw_task_fail(t, "table store: %s", err);
			break;
		}
		if (kc_mono_ms() - j.last_metrics >= 500)
			publish_metrics(&j);
	}
	/* deliver what is in flight, commit what was delivered */
	if (j.prod != NULL && j.stream != NULL) {
		rd_kafka_flush(j.prod, 5000);
		if (j.btail != NULL)
			j.btail->closed = true;
		if (batch_commit(&j, true, err, sizeof(err)) != 0)
			kc_log(LOGGER, KC_LOG_WARN, "%s: %s", kw_task_connector(t), err);
	}
out:
	if (j.store != NULL && rc == 0 && checkpoint(&j, err, sizeof(err)) != 0)
		kc_log(LOGGER, KC_LOG_ERROR, "%s: final table checkpoint: %s",
		    kw_task_connector(t), err);
	if (j.store != NULL)
		publish_metrics(&j);
	if (j.sq != NULL)
		rd_kafka_queue_destroy(j.sq);
	kw_task_consumer_destroy(t, j.stream, "stream consumer");
	kw_task_consumer_destroy(t, j.table, "table consumer");
	if (j.out_rkt != NULL)
		rd_kafka_topic_destroy(j.out_rkt);
	if (j.prod != NULL) {
		rd_kafka_flush(j.prod, 2000);
		rd_kafka_destroy(j.prod);
	}
	batch_free_all(&j);
	cache_clear(&j);
	free(j.cache);
	free(j.defaults);
	if (j.pre != NULL) {
		for (n = 0; n <= PRE_GROUP; n++)
			kc_buf_free(&j.pre[n].key);
		free(j.pre);
	}
	kw_join_store_free(j.store);
	free(j.tp);
	kc_buf_free(&j.key);
	kc_buf_free(&j.val);
	kc_buf_free(&j.out);
	kw_join_spec_free(&j.spec);
	return rc;
}

static const char *const join_aliases[] = { "TableJoinConnector", "TableJoin", NULL };

const struct kw_plugin kw_join_plugin = {
	.class_name = "kcops.streams.TableJoinConnector",
	.aliases = join_aliases,
	.type = KW_PLUGIN_SINK,
	.version = KCOPS_VERSION,
	.defs = join_defs,
	.ndefs = sizeof(join_defs) / sizeof(join_defs[0]),
	.validate = join_validate,
	.task_count = NULL,
	.task_run = join_run,
};
