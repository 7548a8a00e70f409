/* kw_herder.c - connector and task lifecycle, persistence, status views.
 *
 * DESIGN
 * See kw_internal.h. REST handlers change desired state (target, restart and reconfigure
 * flags) under w->lock and kick the herder thread; the herder thread is the only one that
 * creates, joins and frees task threads. Connector configs and target states are appended
 * to STATE_DIR/connectors.journal (fdatasync before the REST answer, compacted into
 * STATE_DIR/connectors.json; see below) on every change;
 * source offsets to STATE_DIR/offsets.json every offset.flush.interval.ms and at shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"

#define LOGGER "kcops.worker.herder"

static const char *const target_names[] = { "STARTED", "PAUSED", "STOPPED" };
static const char *const task_state_names[] = { "UNASSIGNED", "RUNNING", "PAUSED", "FAILED" };

/* ---- persistence ---------------------------------------------------------------------- */

/* write(2) all of p, retrying on EINTR; 0 or -1. */
static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace path with text through a temporary file and rename(2): a process crash at any
 * moment leaves the old or the new file. With sync_dir set the file is fsync'ed before the
 * rename and the directory sync_dir after it (durable against power loss too).
 * 0 or -1 (logged). */
static int
replace_file(const char *path, const char *text, size_t len, const char *sync_dir)
{
	char *tmp = kc_xasprintf("%s.tmp", path);
	int fd, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write_all(fd, text, len) == 0 &&
	    (sync_dir == NULL || fsync(fd) == 0) && close(fd) == 0) {
		fd = -1;
		if (rename(tmp, path) == 0)
			ret = 0;
	}
	if (fd >= 0)
		close(fd);
	if (ret != 0) {
		kc_log(LOGGER, KC_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else if (sync_dir != NULL) {
		fd = open(sync_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	free(tmp);
	return ret;
}

/* Replace path atomically, without fsync: REST threads must not wait on the disk; the
 * herder thread makes the files durable with sync_state_dir() within a pass. */
static int
write_atomic(const char *path, const char *text)
{
	return replace_file(path, text, strlen(text), NULL);
}

/* fsync the state files and their directory (herder thread, lock NOT held). */
static void
sync_state_dir(struct kw_worker *w)
{
	static const char *const names[] = { "connectors.json", "offsets.json" };
	size_t i;
	int fd;

	for (i = 0; i < KC_NITEMS(names); i++) {
		char *path = kc_xasprintf("%s/%s", w->state_dir, names[i]);

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(path);
	}
	fd = open(w->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* ---- connectors.json + connectors.journal ---------------------------------------------
 *
 * connectors.json is a snapshot {"version": 1, "journal_gen": G, "connectors": [...]};
 * connectors.journal starts with the line {"journal_gen": G} and holds one JSON line per
 * change since that snapshot: {"op": "put", "name", "config", "target"[,
 * "sink_offsets_pending"]} or {"op": "del", "name"}. A change costs one appended line and
 * one fdatasync shared by every REST thread waiting at that moment (group commit), not a
 * rewrite of every connector. When the journal outgrows max(1 MiB, 2 x snapshot) it is
 * compacted: a new snapshot naming generation G+1 is written and fsync'd and renamed into
 * place, then an empty journal of generation G+1 replaces the old one. A crash between the
 * two leaves a journal whose generation the snapshot does not name: it is ignored, which is
 * right since the snapshot already holds its records. A torn last line (crash mid-append,
 * never acknowledged) is ignored on load. */

#define JOURNAL_MIN_COMPACT	(1u << 20)

static json_t *
conn_entry_locked(const struct kw_connector *c)
{
	json_t *e = json_pack("{s:s,s:O,s:s}", "name", c->name, "config", c->config,
	    "target", target_names[c->target]);

	if (c->sink_pending != NULL)
		json_object_set(e, "sink_offsets_pending", c->sink_pending);
	return e;
}

static void
journal_append_locked(struct kw_worker *w, json_t *rec)
{
	char *line = json_dumps(rec, JSON_COMPACT);

	kc_buf_puts(&w->journal, line);
	kc_buf_putc(&w->journal, '\n');
	w->journal_recs++;
	free(line);
	kw_dist_queue_locked(w, rec);
}

void
kw_conn_mark_dirty_locked(struct kw_worker *w, struct kw_connector *c)
{
	if (c->persist_dirty)
		return;
	c->persist_dirty = true;
	if (w->ndirty == w->capdirty) {
		w->capdirty = w->capdirty ? w->capdirty * 2 : 16;
		w->dirty = kc_xrealloc(w->dirty, w->capdirty * sizeof(*w->dirty));
	}
	w->dirty[w->ndirty++] = c;
}

void
kw_conn_persist_locked(struct kw_worker *w, struct kw_connector *c)
{
	if (!w->loading)
		kw_conn_mark_dirty_locked(w, c);
}

/* Take c off the dirty list (deleted: its delete record supersedes a put). */
static void
dirty_forget_locked(struct kw_worker *w, struct kw_connector *c)
{
	size_t i;

	if (!c->persist_dirty)
		return;
	c->persist_dirty = false;
	for (i = 0; i < w->ndirty; i++)
		if (w->dirty[i] == c) {
			w->dirty[i] = w->dirty[--w->ndirty];
			break;
		}
}

/* Queue a record per changed connector (lock held, no I/O). */
void
kw_herder_save_locked(struct kw_worker *w)
{
	size_t i;

	for (i = 0; i < w->ndirty; i++) {
		struct kw_connector *c = w->dirty[i];
		json_t *e;

		c->persist_dirty = false;
		e = conn_entry_locked(c);
		json_object_set_new(e, "op", json_string("put"));
		journal_append_locked(w, e);
	}
	w->ndirty = 0;
}

/* Write a whole file of the state directory durably: temporary file, fsync, rename, fsync of
 * the directory. 0 or -1 (logged). */
static int
write_durable(struct kw_worker *w, const char *name, const char *text, size_t len)
{
	char *path = kc_xasprintf("%s/%s", w->state_dir, name);
	int ret = replace_file(path, text, len, w->state_dir);

	free(path);
	return ret;
}

/* Compact (save_lock held, lock NOT held): snapshot of every connector, then a new empty
 * journal. Queued records are covered by the snapshot. On failure the queued records go to
 * the old journal instead, so nothing acknowledged is lost. */
static void
compact(struct kw_worker *w)
{
	json_t *arr = json_array(), *doc;
	struct kc_buf pending;
	char *text, *header, *jpath;
	uint64_t gen = w->journal_gen + 1;
	size_t i, len;
	int fd;

	pthread_mutex_lock(&w->lock);
	kw_herder_save_locked(w);
	for (i = 0; i < w->nconns; i++)
		json_array_append_new(arr, conn_entry_locked(w->conns[i]));
	pending = w->journal;
	kc_buf_init(&w->journal);
	w->journal_recs = 0;
	pthread_mutex_unlock(&w->lock);

	doc = json_pack("{s:i,s:I,s:o}", "version", 1, "journal_gen", (json_int_t)gen,
	    "connectors", arr);
	text = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	len = strlen(text);
	if (write_durable(w, "connectors.json", text, len) != 0) {
		free(text);
		if (w->journal_fd >= 0 && pending.len > 0 &&
		    (write_all(w->journal_fd, pending.data, pending.len) != 0 ||
		    fdatasync(w->journal_fd) != 0))
			kc_log(LOGGER, KC_LOG_ERROR, "cannot append to %s/connectors.journal: %s",
			    w->state_dir, strerror(errno));
		else
			w->journal_bytes += pending.len;
		kc_buf_free(&pending);
		return;
	}
	free(text);
	kc_buf_free(&pending);
	w->journal_gen = gen;
	w->snapshot_bytes = len;
	header = kc_xasprintf("{\"journal_gen\":%llu}\n", (unsigned long long)gen);
	if (w->journal_fd >= 0)
		close(w->journal_fd);
	w->journal_fd = -1;
	if (write_durable(w, "connectors.journal", header, strlen(header)) == 0) {
		jpath = kc_xasprintf("%s/connectors.journal", w->state_dir);
		fd = open(jpath, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0)
			kc_log(LOGGER, KC_LOG_ERROR, "cannot open %s: %s", jpath, strerror(errno));
		free(jpath);
		w->journal_fd = fd;
		w->journal_bytes = strlen(header);
	}
	free(header);
}

/* Append queued records and fdatasync (lock NOT held). Writers are serialised by save_lock:
 * a caller whose records another thread took waits on save_lock until that thread's
 * fdatasync is done, so it never answers before its change is on disk. */
void
kw_herder_flush(struct kw_worker *w)
{
	struct kc_buf batch;
	json_t *out = NULL;
	size_t limit;

	pthread_mutex_lock(&w->save_lock);
	limit = 2 * w->snapshot_bytes;
	if (limit < JOURNAL_MIN_COMPACT)
		limit = JOURNAL_MIN_COMPACT;
	pthread_mutex_lock(&w->lock);
	kw_herder_save_locked(w);
	if (w->dist_out != NULL && json_array_size(w->dist_out) > 0) {
		out = w->dist_out;
		w->dist_out = json_array();
	}
	if (w->journal.len == 0) {
		pthread_mutex_unlock(&w->lock);
		goto publish;
	}
	if (w->journal_fd < 0 || w->journal_bytes + w->journal.len > limit) {
		pthread_mutex_unlock(&w->lock);
		compact(w);
		goto publish;
	}
	batch = w->journal;
	kc_buf_init(&w->journal);
	w->journal_recs = 0;
	pthread_mutex_unlock(&w->lock);
	if (write_all(w->journal_fd, batch.data, batch.len) != 0 ||
	    fdatasync(w->journal_fd) != 0) {
		kc_log(LOGGER, KC_LOG_ERROR, "cannot append to %s/connectors.journal: %s; "
		    "writing a full snapshot", w->state_dir, strerror(errno));
		/* the tail may be torn: a snapshot of the current state supersedes it */
		pthread_mutex_lock(&w->lock);
		kc_buf_append(&w->journal, batch.data, batch.len);
		pthread_mutex_unlock(&w->lock);
		compact(w);
	} else {
		w->journal_bytes += batch.len;
	}
	kc_buf_free(&batch);
publish:
	/* distributed mode: the change reaches the config topic before the answer */
	if (out != NULL) {
		kw_dist_publish(w, out);
		json_decref(out);
	}
	pthread_mutex_unlock(&w->save_lock);
}

/* Snapshot offsets.json when dirty (lock held, no I/O); flush_offsets writes it. */
static void
save_offsets_locked(struct kw_worker *w)
{
	if (!w->offsets_dirty)
		return;
	free(w->offsets_text);
	w->offsets_text = json_dumps(w->offsets, JSON_COMPACT);
	w->offsets_dirty = false;
}

/* Write the latest offsets snapshot (lock NOT held). */
void
kw_herder_flush_offsets(struct kw_worker *w)
{
	char *text, *path;

	pthread_mutex_lock(&w->save_lock);
	pthread_mutex_lock(&w->lock);
	text = w->offsets_text;
	w->offsets_text = NULL;
	pthread_mutex_unlock(&w->lock);
	if (text != NULL) {
		path = kc_xasprintf("%s/offsets.json", w->state_dir);
		if (write_atomic(path, text) != 0) {
			pthread_mutex_lock(&w->lock);
			w->offsets_dirty = true;	/* try again next pass */
			pthread_mutex_unlock(&w->lock);
		}
		free(path);
		free(text);
		atomic_store(&w->need_sync, true);
	}
	pthread_mutex_unlock(&w->save_lock);
}

static int
parse_target(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < KC_NITEMS(target_names); i++)
		if (strcmp(s, target_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Apply STATE_DIR/connectors.journal to byname when its generation is the snapshot's. */
static void
replay_journal(struct kw_worker *w, json_t *byname)
{
	char *path = kc_xasprintf("%s/connectors.journal", w->state_dir);
	char *text, *p, *nl;
	size_t len, n = 0;
	bool header = true;

	text = kc_read_file(path, &len);
	if (text == NULL) {
		free(path);
		return;
	}
	for (p = text; p < text + len; p = nl + 1) {
		struct kc_err e;
		json_t *rec;
		const char *op, *name;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (nl == NULL) {
			kc_log(LOGGER, KC_LOG_WARN, "%s: torn last record ignored (never "
			    "acknowledged)", path);
			break;
		}
		rec = kc_json_parse(p, (size_t)(nl - p), 0, &e);
		if (rec == NULL) {
			kc_log(LOGGER, KC_LOG_WARN, "%s: record %zu unreadable (%s); the rest is "
			    "ignored", path, n + 1, e.msg);
			break;
		}
		if (header) {
			header = false;
			if ((uint64_t)kc_json_int_or(rec, "journal_gen", -1) != w->journal_gen) {
				/* a compaction's snapshot was written, its new journal not yet */
				json_decref(rec);
				break;
			}
			json_decref(rec);
			continue;
		}
		n++;
		op = kc_json_str(rec, "op");
		name = kc_json_str(rec, "name");
		if (op != NULL && name != NULL && strcmp(op, "del") == 0) {
			json_object_del(byname, name);
		} else if (op != NULL && name != NULL && strcmp(op, "put") == 0 &&
		    json_is_object(json_object_get(rec, "config")) &&
		    parse_target(kc_json_str(rec, "target")) >= 0) {
			json_object_del(rec, "op");
			json_object_set(byname, name, rec);
		} else {
			kc_log(LOGGER, KC_LOG_WARN, "%s: record %zu malformed; skipped", path, n);
		}
		json_decref(rec);
	}
	if (n > 0)
		kc_log(LOGGER, KC_LOG_INFO, "%s: %zu change(s) replayed", path, n);
	free(text);
	free(path);
}

/* Load state files. */
int
kw_herder_load(struct kw_worker *w, char *err, size_t errlen)
{
	struct kc_err e;
	char *path, *text;
	const char *key;
	json_t *doc, *c, *byname;
	size_t len, i;

	path = kc_xasprintf("%s/offsets.json", w->state_dir);
	text = kc_read_file(path, &len);
	if (text != NULL) {
		doc = kc_json_parse(text, len, 0, &e);
		if (json_is_object(doc)) {
			json_decref(w->offsets);
			w->offsets = doc;
		} else {
			kc_log(LOGGER, KC_LOG_WARN, "%s: %s; source offsets start empty", path,
			    doc == NULL ? e.msg : "not a JSON object");
			json_decref(doc);
		}
		free(text);
	}
	free(path);

	path = kc_xasprintf("%s/connectors.json", w->state_dir);
	text = kc_read_file(path, &len);
	if (text == NULL) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		doc = json_pack("{s:[]}", "connectors");
	} else {
		doc = kc_json_parse(text, len, 0, &e);
		free(text);
		if (doc == NULL || !json_is_array(json_object_get(doc, "connectors"))) {
			snprintf(err, errlen, "%s: %s", path, doc == NULL ? e.msg :
			    "no \"connectors\" array");
			json_decref(doc);
			free(path);
			return -1;
		}
	}
	w->journal_gen = (uint64_t)kc_json_int_or(doc, "journal_gen", 0);
	/* name -> entry, in order; the journal's records are applied over the snapshot */
	byname = json_object();
	json_array_foreach(json_object_get(doc, "connectors"), i, c) {
		const char *name = kc_json_str(c, "name");

		if (name == NULL || !json_is_object(json_object_get(c, "config")) ||
		    parse_target(kc_json_str(c, "target")) < 0) {
			kc_log(LOGGER, KC_LOG_ERROR, "%s: connector entry %zu is malformed; skipped",
			    path, i);
			continue;
		}
		if (json_object_get(byname, name) == NULL)
			json_object_set(byname, name, c);
	}
	json_decref(doc);
	free(path);
	replay_journal(w, byname);

	pthread_mutex_lock(&w->lock);
	w->loading = true;
	json_object_foreach(byname, key, c) {
		struct kw_connector *nc;
		json_t *sp = json_object_get(c, "sink_offsets_pending");
		int t = parse_target(kc_json_str(c, "target"));

		if (kw_conn_find_locked(w, key) != NULL)
			continue;
		nc = kw_conn_add_locked(w, key, json_incref(json_object_get(c, "config")),
		    (enum kw_ctarget)t);
		if (json_is_object(sp))
			nc->sink_pending = json_incref(sp);
		kc_log(LOGGER, KC_LOG_INFO, "restored connector %s (%s)", key, target_names[t]);
	}
	w->loading = false;
	pthread_mutex_unlock(&w->lock);
	json_decref(byname);
	/* start from a fresh snapshot and an empty journal (drops a torn tail for good) */
	pthread_mutex_lock(&w->save_lock);
	compact(w);
	pthread_mutex_unlock(&w->save_lock);
	if (w->journal_fd < 0) {
		snprintf(err, errlen, "%s: cannot write the state files (see the log)",
		    w->state_dir);
		return -1;
	}
	return 0;
}

/* ---- connectors ----------------------------------------------------------------------- */

/* ---- the name index: open addressing with linear probing over byname_cap (a power of
 * two) slots; a deleted connector's slot holds KW_TOMBSTONE until the next rebuild. */

static struct kw_connector kw_tombstone;
#define KW_TOMBSTONE	(&kw_tombstone)

static size_t
name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static void
index_put_locked(struct kw_worker *w, struct kw_connector *c)
{
	size_t mask = w->byname_cap - 1, h = name_hash(c->name) & mask;

	while (w->byname[h] != NULL && w->byname[h] != KW_TOMBSTONE)
		h = (h + 1) & mask;
	if (w->byname[h] == NULL)
		w->byname_used++;
	w->byname[h] = c;
}

/* Rebuild the index from conns, at most half full (tombstones dropped). */
static void
index_rebuild_locked(struct kw_worker *w)
{
	size_t i, cap = 16;

	while (cap < 2 * w->nconns)
		cap *= 2;
	free(w->byname);
	w->byname = kc_xcalloc(cap, sizeof(*w->byname));
	w->byname_cap = cap;
	w->byname_used = 0;
	for (i = 0; i < w->nconns; i++)
		index_put_locked(w, w->conns[i]);
}

static size_t
index_slot_locked(struct kw_worker *w, const char *name)
{
	size_t mask = w->byname_cap - 1, h = name_hash(name) & mask;

	for (;;) {
		struct kw_connector *c = w->byname[h];

		if (c == NULL)
			return SIZE_MAX;
		if (c != KW_TOMBSTONE && strcmp(c->name, name) == 0)
			return h;
		h = (h + 1) & mask;
	}
}

/* Leave a tombstone where c was (probes for other names go on past it). */
static void
index_remove_locked(struct kw_worker *w, const struct kw_connector *c)
{
	size_t h;

	if (w->byname_cap > 0 && (h = index_slot_locked(w, c->name)) != SIZE_MAX)
		w->byname[h] = KW_TOMBSTONE;
}

/* Connector by name. */
struct kw_connector *
kw_conn_find_locked(struct kw_worker *w, const char *name)
{
	size_t h;

	if (w->byname_cap == 0)
		return NULL;
	h = index_slot_locked(w, name);
	return h == SIZE_MAX ? NULL : w->byname[h];
}

/* Add a connector (steals config). */
struct kw_connector *
kw_conn_add_locked(struct kw_worker *w, const char *name, json_t *config, enum kw_ctarget target)
{
	struct kw_connector *c = kc_xcalloc(1, sizeof(*c));

	c->name = kc_xstrdup(name);
	c->config = config;
	c->plugin = kw_plugin_find(kc_json_str(config, "connector.class"));
	c->target = target;
	c->topics = json_array();
	c->ring_size = w->ring_size;	/* the ring itself comes with the first exchange */
	c->next_seq = 1;
	c->created_ms = kc_wall_ms();
	if (w->nconns == w->capconns) {
		w->capconns = w->capconns ? w->capconns * 2 : 16;
		w->conns = kc_xrealloc(w->conns, w->capconns * sizeof(*w->conns));
	}
	w->conns[w->nconns++] = c;
	/* at most half the slots used, tombstones included */
	if (2 * (w->byname_used + 1) > w->byname_cap)
		index_rebuild_locked(w);
	else
		index_put_locked(w, c);
	kw_conn_persist_locked(w, c);
	kw_bump(w);
	kw_herder_kick_locked(w);
	return c;
}

static void
task_free(struct kw_task *t)
{
	json_decref(t->config);
	json_decref(t->metrics);
	free(t->trace);
	free(t->state_dir);
	free(t);
}

static void
conn_free(struct kw_connector *c)
{
	size_t i;
	int k;

	for (k = 0; k < c->ntasks; k++)
		task_free(c->tasks[k]);
	free(c->tasks);
	for (i = 0; c->ring != NULL && i < c->ring_size; i++)
		json_decref(c->ring[i]);
	free(c->ring);
	json_decref(c->config);
	json_decref(c->topics);
	json_decref(c->sink_pending);
	free(c->trace);
	free(c->name);
	free(c);
}

/* Distributed: tombstones in the offsets topic for the partitions of `old` (a connector's
 * offsets array) missing from `keep` (NULL: all of them). Lock held. */
static void
offsets_tombstones_locked(struct kw_worker *w, const char *conn, const json_t *old,
    const json_t *keep)
{
	const json_t *e, *k;
	size_t i, j;

	json_array_foreach(old, i, e) {
		bool kept = false;

		json_array_foreach(keep, j, k)
			if (json_equal(json_object_get(k, "partition"), json_object_get(e, "partition")))
				kept = true;
		if (!kept)
			kw_dist_offset_write_locked(w, conn, json_object_get(e, "partition"), NULL);
	}
}

/* Remove from the list; the herder joins its tasks and frees it. */
void
kw_conn_delete_locked(struct kw_worker *w, struct kw_connector *c)
{
	size_t i;
	int k;

	for (i = 0; i < w->nconns; i++)
		if (w->conns[i] == c) {
			memmove(&w->conns[i], &w->conns[i + 1],
			    (w->nconns - i - 1) * sizeof(*w->conns));
			w->nconns--;
			break;
		}
	index_remove_locked(w, c);
	dirty_forget_locked(w, c);
	c->deleted = true;
	for (k = 0; k < c->ntasks; k++)
		atomic_store(&c->tasks[k]->target, KW_TARGET_STOP);
	if (w->ngrave == w->capgrave) {
		w->capgrave = w->capgrave ? w->capgrave * 2 : 8;
		w->graveyard = kc_xrealloc(w->graveyard, w->capgrave * sizeof(*w->graveyard));
	}
	w->graveyard[w->ngrave++] = c;
	if (!w->loading)
		journal_append_locked(w, json_pack("{s:s,s:s}", "op", "del", "name", c->name));
	/* distributed: the offsets topic forgets them too, written by the worker the delete
	 * was made on and by the one running the source (after its last offset record) */
	if (w->dist != NULL && (!w->applying_remote || kw_dist_runs_here_locked(w, c)))
		offsets_tombstones_locked(w, c->name, json_object_get(w->offsets, c->name), NULL);
	json_object_del(w->offsets, c->name);
	w->offsets_dirty = true;
	kw_bump(w);
	kw_herder_kick_locked(w);
}

/* New config (stolen): tasks restart with it. */
void
kw_conn_set_config_locked(struct kw_worker *w, struct kw_connector *c, json_t *config)
{
	json_decref(c->config);
	c->config = config;
	c->plugin = kw_plugin_find(kc_json_str(config, "connector.class"));
	c->failed = false;
	free(c->trace);
	c->trace = NULL;
	c->reconfigure = true;
	c->task_total_known = false;
	kw_conn_persist_locked(w, c);
	kw_bump(w);
	kw_herder_kick_locked(w);
}

/* Change the target state. */
void
kw_conn_set_target_locked(struct kw_worker *w, struct kw_connector *c, enum kw_ctarget t)
{
	int k;

	c->target = t;
	kw_conn_persist_locked(w, c);
	for (k = 0; k < c->ntasks; k++)
		atomic_store(&c->tasks[k]->target, t == KW_CT_STARTED ? KW_TARGET_RUN :
		    t == KW_CT_PAUSED ? KW_TARGET_PAUSE : KW_TARGET_STOP);
	kw_bump(w);
	kw_herder_kick_locked(w);
}

/* Mark restarts. */
void
kw_conn_restart_locked(struct kw_worker *w, struct kw_connector *c, bool include_tasks,
    bool only_failed)
{
	int k;

	if (!only_failed || c->failed)
		c->restarting = true;
	if (include_tasks)
		for (k = 0; k < c->ntasks; k++) {
			struct kw_task *t = c->tasks[k];

			if (only_failed && t->state != KW_TASK_FAILED)
				continue;
			t->restarting = true;
			t->restart_req = true;
			atomic_store(&t->target, KW_TARGET_STOP);
		}
	kw_bump(w);
	kw_herder_kick_locked(w);
}

void
kw_herder_kick_locked(struct kw_worker *w)
{
	pthread_cond_broadcast(&w->cond);
}

/* "source", "sink" or "unknown". */
const char *
kw_conn_type(const struct kw_connector *c)
{
	if (c->plugin == NULL)
		return "unknown";
	return c->plugin->type == KW_PLUGIN_SINK ? "sink" : "source";
}

/* {"id", "state", "worker_id", "trace"?} */
json_t *
kw_task_status_locked(struct kw_worker *w, struct kw_task *t)
{
	json_t *o = json_pack("{s:i,s:s,s:s}", "id", t->id, "state",
	    t->restarting ? "RESTARTING" : task_state_names[t->state], "worker_id", w->worker_id);

	if (t->trace != NULL)
		json_object_set_new(o, "trace", json_string(t->trace));
	return o;
}

/* ConnectorStateInfo. */
json_t *
kw_conn_status_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *st = kw_conn_status_local_locked(w, c), *conn;
	const char *owner;

	if (w->dist == NULL)
		return st;
	/* every worker's instances, with cluster-wide ids */
	json_object_set_new(st, "tasks", kw_dist_tasks_locked(w, c));
	/* a source runs on the lease holder: report it, or UNASSIGNED while none is alive */
	conn = json_object_get(st, "connector");
	owner = kw_dist_conn_worker_locked(w, c);
	if (owner == NULL) {
		if (strcmp(kc_json_str(conn, "state"), "RUNNING") == 0)
			json_object_set_new(conn, "state", json_string("UNASSIGNED"));
	} else if (owner != w->worker_id) {
		json_object_set_new(conn, "worker_id", json_string(owner));
	}
	return st;
}

/* This worker's own view. */
json_t *
kw_conn_status_local_locked(struct kw_worker *w, struct kw_connector *c)
{
	const char *state;
	json_t *conn, *tasks;
	int k;

	if (c->restarting)
		state = "RESTARTING";
	else if (c->failed)
		state = "FAILED";
	else if (c->target == KW_CT_PAUSED)
		state = "PAUSED";
	else if (c->target == KW_CT_STOPPED)
		state = "STOPPED";
	else
		state = "RUNNING";
	conn = json_pack("{s:s,s:s}", "state", state, "worker_id", w->worker_id);
	if (c->trace != NULL)
		json_object_set_new(conn, "trace", json_string(c->trace));
	/* tasks stay listed until their threads have exited, also after a stop: "STOPPED" with
	 * "tasks": [] then means what offset changes require (target stopped, no task left) */
	tasks = json_array();
	for (k = 0; k < c->ntasks; k++)
		json_array_append_new(tasks, kw_task_status_locked(w, c->tasks[k]));
	return json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "connector", conn, "tasks", tasks,
	    "type", kw_conn_type(c));
}

/* The tasks of a connector as ConnectorInfo and TaskInfo show them (none while STOPPED):
 * kw_dist_tasks_locked's list (entry i has id i), and in *local (caller frees) this
 * worker's kw_task for each entry, NULL for another worker's instance. New reference. */
static json_t *
task_ids_locked(struct kw_worker *w, struct kw_connector *c, struct kw_task ***local)
{
	json_t *all, *e;
	size_t i;
	int k;

	*local = NULL;
	if (c->target == KW_CT_STOPPED)
		return json_array();
	all = kw_dist_tasks_locked(w, c);
	*local = kc_xcalloc(json_array_size(all) + 1, sizeof(**local));
	json_array_foreach(all, i, e) {
		int lid = (int)kc_json_int_or(e, json_object_get(e, "local_id") != NULL ?
		    "local_id" : "id", -1);

		if (strcmp(kc_json_str(e, "worker_id"), w->worker_id) == 0)
			for (k = 0; k < c->ntasks; k++)
				if (c->tasks[k]->id == lid)
					(*local)[i] = c->tasks[k];
	}
	return all;
}

/* ConnectorInfo. */
json_t *
kw_conn_info_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *tasks = json_array(), *all, *e;
	struct kw_task **local;
	size_t i;

	all = task_ids_locked(w, c, &local);
	json_array_foreach(all, i, e)
		json_array_append_new(tasks, json_pack("{s:s,s:I}", "connector", c->name,
		    "task", (json_int_t)i));
	json_decref(all);
	free(local);
	return json_pack("{s:s,s:O,s:o,s:s}", "name", c->name, "config", c->config, "tasks",
	    tasks, "type", kw_conn_type(c));
}

/* TaskInfo array. Another worker's instance shows the effective config every instance
 * runs with (the same connector config on every worker). */
json_t *
kw_conn_tasks_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *arr = json_array(), *all, *e, *eff = NULL;
	struct kw_task **local;
	size_t i;

	all = task_ids_locked(w, c, &local);
	json_array_foreach(all, i, e) {
		json_t *cfg;
		json_t *task;

		if (local[i] != NULL)
			cfg = json_deep_copy(local[i]->config);
		else {
			if (eff == NULL)
				eff = c->plugin != NULL ? kw_config_effective(c->plugin, c->config) :
				    json_deep_copy(c->config);
			cfg = json_deep_copy(eff);
		}
		json_object_set_new(cfg, "task.id", json_sprintf("%d", (int)i));
		task = json_pack("{s:{s:s,s:I},s:o}", "id", "connector", c->name, "task",
		    (json_int_t)i, "config", cfg);
		if (w->dist != NULL)
			json_object_set(task, "worker_id", json_object_get(e, "worker_id"));
		json_array_append_new(arr, task);
	}
	json_decref(eff);
	json_decref(all);
	free(local);
	return arr;
}

/* Restart one task of this worker (lock held): the herder stops and starts it again. */
void
kw_task_restart_locked(struct kw_worker *w, struct kw_task *t)
{
	t->restarting = true;
	t->restart_req = true;
	atomic_store(&t->target, KW_TARGET_STOP);
	kw_bump(w);
	kw_herder_kick_locked(w);
}

/* Exchanges after `since`. */
json_t *
kw_conn_exchanges_locked(struct kw_connector *c, uint64_t since, size_t max, uint64_t *next)
{
	json_t *arr = json_array();
	uint64_t first = c->next_seq > c->ring_size ? c->next_seq - c->ring_size : 1, s;

	if (since + 1 > first)
		first = since + 1;
	for (s = first; c->ring != NULL && s < c->next_seq && json_array_size(arr) < max; s++) {
		json_t *e = c->ring[s % c->ring_size];

		if (e != NULL)
			json_array_append(arr, e);
	}
	*next = s;
	return arr;
}

/* Merged metrics {"tasks": {"0": {...}}, totals of numeric fields}. */
json_t *
kw_conn_metrics_locked(struct kw_connector *c)
{
	json_t *tasks = json_object(), *total = json_object();
	int k;

	for (k = 0; k < c->ntasks; k++) {
		struct kw_task *t = c->tasks[k];
		const char *key;
		json_t *v;
		char id[16];

		if (t->metrics == NULL)
			continue;
		snprintf(id, sizeof(id), "%d", t->id);
		json_object_set(tasks, id, t->metrics);
		json_object_foreach(t->metrics, key, v) {
			json_t *cur = json_object_get(total, key);

			if (json_is_integer(v)) {
				json_int_t base = json_is_integer(cur) ? json_integer_value(cur) : 0;

				json_object_set_new(total, key, json_integer(base +
				    json_integer_value(v)));
			} else if (json_is_real(v)) {
				double base = json_is_number(cur) ? json_number_value(cur) : 0;

				json_object_set_new(total, key, json_real(base + json_real_value(v)));
			}
		}
	}
	return json_pack("{s:s,s:o,s:o}", "connector", c->name, "total", total, "tasks", tasks);
}

/* Source offsets of a connector. */
json_t *
kw_offsets_get_locked(struct kw_worker *w, const char *conn)
{
	json_t *a = json_object_get(w->offsets, conn);

	return a != NULL ? json_deep_copy(a) : json_array();
}

/* Replace (steals; NULL = reset) a connector's source offsets. Distributed: the changes
 * go to the offsets topic too (kw_dist_sync awaits them). */
void
kw_offsets_set_locked(struct kw_worker *w, const char *conn, json_t *offsets)
{
	if (w->dist != NULL && !w->applying_remote) {
		json_t *old = json_object_get(w->offsets, conn), *e, *o;
		size_t i, j;

		offsets_tombstones_locked(w, conn, old, offsets);
		json_array_foreach(offsets, i, e) {
			json_t *p = json_object_get(e, "partition");
			bool same = false;

			json_array_foreach(old, j, o)
				if (json_equal(json_object_get(o, "partition"), p))
					same = json_equal(json_object_get(o, "offset"),
					    json_object_get(e, "offset"));
			if (!same)
				kw_dist_offset_write_locked(w, conn, p, json_object_get(e, "offset"));
		}
	}
	if (offsets == NULL)
		json_object_del(w->offsets, conn);
	else
		json_object_set_new(w->offsets, conn, offsets);
	w->offsets_dirty = true;
	save_offsets_locked(w);
}

/* Track a topic. */
void
kw_conn_topic_used_locked(struct kw_worker *w, struct kw_connector *c, const char *topic)
{
	size_t i;
	json_t *v;

	if (strcmp(kw_config_get(w, "topic.tracking.enable", "true"), "false") == 0)
		return;
	json_array_foreach(c->topics, i, v)
		if (strcmp(json_string_value(v), topic) == 0)
			return;
	json_array_append_new(c->topics, json_string(topic));
	kw_bump(w);
}

/* ---- task threads --------------------------------------------------------------------- */

static void *
task_main(void *arg)
{
	struct kw_task *t = arg;
	struct kw_worker *w = t->w;
	char name[16];
	int rc;

	snprintf(name, sizeof(name), "task-%d", t->id);
	pthread_setname_np(pthread_self(), name);
	rc = t->conn->plugin->task_run(t);
	pthread_mutex_lock(&w->lock);
	if (t->state != KW_TASK_FAILED) {
		if (rc != 0) {
			t->state = KW_TASK_FAILED;
			free(t->trace);
			t->trace = kc_xasprintf("task %s-%d exited with status %d", t->conn->name,
			    t->id, rc);
		} else if (atomic_load(&t->target) != KW_TARGET_STOP) {
			t->state = KW_TASK_FAILED;
			free(t->trace);
			t->trace = kc_xasprintf("task %s-%d ended before it was asked to stop",
			    t->conn->name, t->id);
		}
	}
	if (t->state == KW_TASK_FAILED)
		kc_log(LOGGER, KC_LOG_ERROR, "task %s-%d failed: %s", t->conn->name, t->id,
		    t->trace != NULL ? t->trace : "");
	atomic_store(&t->done, true);
	kw_bump(w);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Start a task thread (lock held). */
static void
task_start_locked(struct kw_worker *w, struct kw_task *t)
{
	struct kw_connector *c = t->conn;
	char err[512];

	atomic_store(&t->done, false);
	atomic_store(&t->target, c->target == KW_CT_PAUSED ? KW_TARGET_PAUSE : KW_TARGET_RUN);
	t->state = KW_TASK_UNASSIGNED;
	t->restarting = false;
	t->restart_req = false;
	free(t->trace);
	t->trace = NULL;
	if (kw_converter_setup(&t->kconv, t->config, w->conf, "key", err, sizeof(err)) != 0 ||
	    kw_converter_setup(&t->vconv, t->config, w->conf, "value", err, sizeof(err)) != 0) {
		t->state = KW_TASK_FAILED;
		t->trace = kc_xstrdup(err);
		atomic_store(&t->done, true);
		return;
	}
	if (pthread_create(&t->thread, NULL, task_main, t) != 0) {
		t->state = KW_TASK_FAILED;
		t->trace = kc_xasprintf("cannot start task thread: %s", strerror(errno));
		atomic_store(&t->done, true);
		return;
	}
	t->started = true;
}

/* Join one task's thread, unlocking meanwhile. */
static void
task_join_unlocked(struct kw_worker *w, struct kw_task *t)
{
	if (!t->started)
		return;
	atomic_store(&t->target, KW_TARGET_STOP);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_lock(&w->lock);
	t->started = false;
}

/* Stop and free every task of c (lock held; unlocks while joining). */
static void
stop_tasks_locked(struct kw_worker *w, struct kw_connector *c)
{
	int k;

	for (k = 0; k < c->ntasks; k++)
		atomic_store(&c->tasks[k]->target, KW_TARGET_STOP);
	pthread_cond_broadcast(&w->cond);
	for (k = 0; k < c->ntasks; k++)
		task_join_unlocked(w, c->tasks[k]);
	for (k = 0; k < c->ntasks; k++)
		task_free(c->tasks[k]);
	free(c->tasks);
	c->tasks = NULL;
	c->ntasks = 0;
	save_offsets_locked(w);
	kw_bump(w);
}

/* Fail the connector instance. */
static void
conn_fail_locked(struct kw_worker *w, struct kw_connector *c, const char *trace)
{
	c->failed = true;
	free(c->trace);
	c->trace = kc_xstrdup(trace);
	kc_log(LOGGER, KC_LOG_ERROR, "connector %s failed: %s", c->name, trace);
	kw_bump(w);
}

/* How many tasks a plugin makes of an effective config (1..tasks.max). */
static int
task_count_of(const struct kw_plugin *p, const json_t *eff)
{
	int n, tmax = (int)kc_json_int_or(eff, "tasks.max", 1);

	if (tmax < 1)
		tmax = 1;
	if (p->task_count != NULL)
		n = p->task_count(eff, tmax);
	else
		n = p->type == KW_PLUGIN_SINK ? tmax : 1;
	if (n < 1)
		n = 1;
	if (n > tmax)
		n = tmax;
	return n;
}

int
kw_conn_task_total_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *eff;
	int n = 0;

	(void)w;
	if (c->task_total_known)
		return c->task_total;
	if (c->plugin != NULL) {
		if (kw_config_check(NULL, c->plugin, c->config, NULL) == 0) {
			eff = kw_config_effective(c->plugin, c->config);
			n = task_count_of(c->plugin, eff);
			json_decref(eff);
		}
	}
	c->task_total = n;
	c->task_total_known = true;
	return n;
}

/* Fail the connector with the reason it cannot run (unknown class, invalid config). */
static void
conn_fail_reason_locked(struct kw_worker *w, struct kw_connector *c)
{
	char *lines;
	int nerr;

	if (c->plugin == NULL) {
		char *t = kc_xasprintf("Failed to find any class that implements Connector and which "
		    "name matches %s", kc_json_str_or(c->config, "connector.class", "(none)"));

		conn_fail_locked(w, c, t);
		free(t);
		return;
	}
	nerr = kw_config_check(NULL, c->plugin, c->config, &lines);
	if (nerr > 0) {
		char *t;

		t = kc_xasprintf("Connector configuration is invalid and contains the following %d "
		    "error(s):%s", nerr, lines);
		conn_fail_locked(w, c, t);
		free(t);
		free(lines);
	}
}

/* Create and start the tasks of c (ids 0..n-1, n = kw_conn_task_total_locked) that run on
 * this worker and are not running yet (lock held). Standalone: all of them. Distributed: a
 * task keeps its id wherever it runs; kw_dist_task_here_locked says which ones are ours. */
static void
start_tasks_locked(struct kw_worker *w, struct kw_connector *c)
{
	json_t *eff = NULL;
	int n, id, k, started = 0;

	n = kw_conn_task_total_locked(w, c);
	if (n == 0) {
		if (c->ntasks == 0 && kw_dist_runs_here_locked(w, c))
			conn_fail_reason_locked(w, c);
		return;
	}
	for (id = 0; id < n; id++) {
		struct kw_task *t;
		bool have = false;

		for (k = 0; k < c->ntasks && !have; k++)
			have = c->tasks[k]->id == id;
		if (have || !kw_dist_task_here_locked(w, c, id))
			continue;
		if (eff == NULL)
			eff = kw_config_effective(c->plugin, c->config);
		t = kc_xcalloc(1, sizeof(*t));
		t->w = w;
		t->conn = c;
		t->id = id;
		t->count = n;
		t->config = json_deep_copy(eff);
		/* keep c->tasks sorted by id */
		c->tasks = kc_xrealloc(c->tasks, (size_t)(c->ntasks + 1) * sizeof(*c->tasks));
		for (k = c->ntasks; k > 0 && c->tasks[k - 1]->id > id; k--)
			c->tasks[k] = c->tasks[k - 1];
		c->tasks[k] = t;
		c->ntasks++;
		task_start_locked(w, t);
		kw_dist_task_started_locked(w, c, id);
		if (w->dist != NULL)
			kc_log(LOGGER, KC_LOG_INFO, "connector %s: task %d of %d started on this "
			    "worker", c->name, id, n);
		started++;
	}
	json_decref(eff);
	if (started > 0 && w->dist == NULL)
		kc_log(LOGGER, KC_LOG_INFO, "connector %s: started %d task(s)", c->name, started);
	if (started > 0)
		kw_bump(w);
}

/* Stop and free one task of c that now runs elsewhere (lock held; unlocks while joining). */
static void
stop_one_task_locked(struct kw_worker *w, struct kw_connector *c, struct kw_task *t)
{
	int k, id = t->id;

	atomic_store(&t->target, KW_TARGET_STOP);
	task_join_unlocked(w, t);
	for (k = 0; k < c->ntasks; k++)
		if (c->tasks[k] == t) {
			memmove(&c->tasks[k], &c->tasks[k + 1],
			    (size_t)(c->ntasks - k - 1) * sizeof(*c->tasks));
			c->ntasks--;
			break;
		}
	if (c->ntasks == 0) {
		free(c->tasks);
		c->tasks = NULL;
	}
	task_free(t);
	save_offsets_locked(w);
	kc_log(LOGGER, KC_LOG_INFO, "connector %s: task %d stopped on this worker (it was "
	    "assigned to another worker)", c->name, id);
	kw_bump(w);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		kc_log(LOGGER, KC_LOG_WARN, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Remove a deleted connector's private directory (kw_task_state_dir), so a new connector
 * with the same name starts clean. */
static void
remove_conn_dir(struct kw_worker *w, const char *name)
{
	char *enc = kc_url_encode_segment(name);
	char *dir = kc_xasprintf("%s/connectors/%s", w->state_dir, enc);
	struct stat st;

	if (stat(dir, &st) == 0)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	free(enc);
}

/* One reconcile pass; returns true if it unlocked (the caller restarts the scan). */
static bool
reconcile_one_locked(struct kw_worker *w, struct kw_connector *c)
{
	bool want;
	int k;

	if (c->restarting) {
		c->restarting = false;
		c->failed = false;
		free(c->trace);
		c->trace = NULL;
		c->plugin = kw_plugin_find(kc_json_str(c->config, "connector.class"));
		if (c->ntasks == 0)
			c->reconfigure = false;
		c->task_total_known = false;
		kw_bump(w);
	}
	want = c->target != KW_CT_STOPPED && !c->failed;
	if (c->ntasks > 0 && (!want || c->reconfigure)) {
		stop_tasks_locked(w, c);
		return true;
	}
	c->reconfigure = false;
	/* distributed: tasks this worker no longer runs (workers came or went, fewer tasks) are
	 * told to stop and joined once they have ended, without waiting here: a sink task's
	 * stop can take seconds (its consumer leaves its group), and meanwhile this worker must
	 * start the tasks that moved to it */
	for (k = 0; want && k < c->ntasks; k++) {
		struct kw_task *t = c->tasks[k];
		bool stopping = atomic_load(&t->target) == KW_TARGET_STOP && !t->restart_req;

		/* (one stopping that came back to this worker is started afresh once it ended) */
		if (!stopping && t->id < kw_conn_task_total_locked(w, c) &&
		    kw_dist_task_here_locked(w, c, t->id))
			continue;
		if (!stopping) {
			t->restart_req = false;
			t->restarting = false;
			atomic_store(&t->target, KW_TARGET_STOP);
			pthread_cond_broadcast(&w->cond);
			kw_bump(w);
		}
		if (!t->started || atomic_load(&t->done)) {
			stop_one_task_locked(w, c, t);	/* (the join returns at once) */
			return true;
		}
	}
	for (k = 0; k < c->ntasks; k++) {
		struct kw_task *t = c->tasks[k];

		if (t->restart_req) {
			task_join_unlocked(w, t);
			if (c->deleted || c->tasks == NULL || c->tasks[k] != t)
				return true;
			task_start_locked(w, t);
			kw_dist_task_started_locked(w, c, t->id);
			kc_log(LOGGER, KC_LOG_INFO, "task %s-%d restarted", c->name, t->id);
			kw_bump(w);
			return true;
		}
	}
	if (!want)
		return false;
	start_tasks_locked(w, c);
	return false;
}

static void *
herder_main(void *arg)
{
	struct kw_worker *w = arg;
	int64_t flush_ms, last_flush = kc_mono_ms();
	size_t i;

	pthread_setname_np(pthread_self(), "herder");
	flush_ms = kc_json_int_or(w->conf, "offset.flush.interval.ms", 5000);
	if (flush_ms < 100)
		flush_ms = 100;
	pthread_mutex_lock(&w->lock);
	while (!w->herder_stop) {
		bool again = true;
		struct timespec ts;

		atomic_store(&w->herder_beat_ms, kc_mono_ms());
		while (again && !w->herder_stop) {
			again = false;
			while (w->ngrave > 0) {
				struct kw_connector *c = w->graveyard[0];

				stop_tasks_locked(w, c);
				/* stop_tasks unlocked: find it again */
				for (i = 0; i < w->ngrave; i++)
					if (w->graveyard[i] == c)
						break;
				memmove(&w->graveyard[i], &w->graveyard[i + 1],
				    (w->ngrave - i - 1) * sizeof(*w->graveyard));
				w->ngrave--;
				remove_conn_dir(w, c->name);
				conn_free(c);
			}
			for (i = 0; i < w->nconns && !again; i++)
				again = reconcile_one_locked(w, w->conns[i]);
		}
		if (kc_mono_ms() - last_flush >= flush_ms) {
			save_offsets_locked(w);
			last_flush = kc_mono_ms();
		}
		if (w->journal.len > 0 || w->offsets_text != NULL ||
		    atomic_load(&w->need_sync)) {
			pthread_mutex_unlock(&w->lock);
			kw_herder_flush(w);
			kw_herder_flush_offsets(w);
			if (atomic_exchange(&w->need_sync, false))
				sync_state_dir(w);
			pthread_mutex_lock(&w->lock);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	/* Shutdown: stop every task. */
	for (i = 0; i < w->nconns; i++)
		stop_tasks_locked(w, w->conns[i]);
	while (w->ngrave > 0) {
		struct kw_connector *c = w->graveyard[--w->ngrave];

		stop_tasks_locked(w, c);
		conn_free(c);
	}
	save_offsets_locked(w);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Start the herder thread. */
int
kw_herder_start(struct kw_worker *w, char *err, size_t errlen)
{
	atomic_store(&w->herder_beat_ms, kc_mono_ms());
	if (pthread_create(&w->herder, NULL, herder_main, w) != 0) {
		snprintf(err, errlen, "cannot start herder thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Stop every task and write the state files; connectors stay readable (the REST server
 * may still be answering). */
void
kw_herder_shutdown(struct kw_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->herder_stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->herder, NULL);
	pthread_mutex_lock(&w->lock);
	save_offsets_locked(w);
	pthread_mutex_unlock(&w->lock);
	/* leave a full snapshot and an empty journal behind */
	pthread_mutex_lock(&w->save_lock);
	compact(w);
	pthread_mutex_unlock(&w->save_lock);
	kw_herder_flush_offsets(w);
	sync_state_dir(w);
}

/* Free every connector (no task may run: after kw_herder_shutdown or before start). */
void
kw_herder_free(struct kw_worker *w)
{
	size_t i;

	for (i = 0; i < w->nconns; i++)
		conn_free(w->conns[i]);
	free(w->conns);
	w->conns = NULL;
	w->nconns = 0;
	free(w->byname);
	w->byname = NULL;
	w->byname_cap = w->byname_used = 0;
	free(w->dirty);
	w->dirty = NULL;
	w->ndirty = w->capdirty = 0;
	for (i = 0; i < w->ngrave; i++)
		conn_free(w->graveyard[i]);
	free(w->graveyard);
	w->graveyard = NULL;
	w->ngrave = 0;
	kc_buf_free(&w->journal);
	w->journal_recs = 0;
	if (w->journal_fd >= 0)
		close(w->journal_fd);
	w->journal_fd = -1;
	free(w->offsets_text);
	w->offsets_text = NULL;
}
