/* join_store.c - the stream-table join's LMDB table store (see join_store.h). */
#include "join_store.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_util.h"

#define STORE_MAPSIZE	((size_t)4 << 30)	/* sparse; the file grows with the data */
#define STORE_FORMAT	"1"

struct kw_join_store {
	char		*dir;
	MDB_env		*env;
	MDB_dbi		 table, offsets, meta;
	MDB_txn		*wtxn;		/* open batch or NULL */
	MDB_txn		*rtxn;		/* reusable read snapshot (reset after commits) */
	bool		 rtxn_live;
};

/* nftw callback removing one entry. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* Open the environment and databases; 0, or an LMDB error code. */
static int
env_open(struct kw_join_store *s)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_env_create(&s->env)) != 0)
		return rc;
	mdb_env_set_maxdbs(s->env, 4);
	mdb_env_set_mapsize(s->env, STORE_MAPSIZE);
	/* NOTLS: the read snapshot is reused across calls; NOMETASYNC: the last commit may be
	 * lost on power failure, never on a process crash, and the checkpoint stays consistent */
	rc = mdb_env_open(s->env, s->dir, MDB_NOTLS | MDB_NOMETASYNC, 0600);
	if (rc != 0)
		goto fail;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "table", MDB_CREATE, &s->table)) != 0 ||
	    (rc = mdb_dbi_open(txn, "offsets", MDB_CREATE, &s->offsets)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	return 0;
fail:
	mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

struct kw_join_store *
kw_join_store_open(const char *dir, bool *rebuilt, char *err, size_t errlen)
{
	struct kw_join_store *s;
	char *fmt;
	int rc;

	if (rebuilt != NULL)
		*rebuilt = false;
	if (kc_mkdirs(dir) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	s = kc_xcalloc(1, sizeof(*s));
	s->dir = kc_xstrdup(dir);
	rc = env_open(s);
	if (rc == 0) {
		fmt = kw_join_store_meta(s, "format");
		if (fmt != NULL && strcmp(fmt, STORE_FORMAT) != 0)
			rc = MDB_VERSION_MISMATCH;
		free(fmt);
		if (s->rtxn != NULL) {
			mdb_txn_abort(s->rtxn);
			s->rtxn = NULL;
			s->rtxn_live = false;
		}
		if (rc != 0) {
			mdb_env_close(s->env);
			s->env = NULL;
		}
	}
	if (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH ||
	    rc == MDB_PAGE_NOTFOUND || rc == MDB_INCOMPATIBLE) {
		/* unreadable: start over, the table is rebuilt from its topic */
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (kc_mkdirs(dir) != 0) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			kw_join_store_free(s);
			return NULL;
		}
		if (rebuilt != NULL)
			*rebuilt = true;
		rc = env_open(s);
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot open table store %s: %s", dir, mdb_strerror(rc));
		kw_join_store_free(s);
		return NULL;
	}
	if (kw_join_store_set_meta(s, "format", STORE_FORMAT, err, errlen) != 0 ||
	    kw_join_store_commit(s, err, errlen) != 0) {
		kw_join_store_free(s);
		return NULL;
	}
	return s;
}

void
kw_join_store_free(struct kw_join_store *s)
{
	if (s == NULL)
		return;
	if (s->wtxn != NULL)
		mdb_txn_abort(s->wtxn);
	if (s->rtxn != NULL)
		mdb_txn_abort(s->rtxn);
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s->dir);
	free(s);
}

/* The open write transaction, begun on demand. */
static MDB_txn *
wtxn(struct kw_join_store *s, char *err, size_t errlen)
{
	int rc;

	if (s->wtxn != NULL)
		return s->wtxn;
	if (s->rtxn_live) {
		mdb_txn_reset(s->rtxn);
		s->rtxn_live = false;
	}
	rc = mdb_txn_begin(s->env, NULL, 0, &s->wtxn);
	if (rc != 0) {
		snprintf(err, errlen, "table store: begin: %s", mdb_strerror(rc));
		s->wtxn = NULL;
	}
	return s->wtxn;
}

/* A transaction to read from: the batch, else the read snapshot. NULL on error. */
static MDB_txn *
rtxn(struct kw_join_store *s, char *err, size_t errlen)
{
	int rc;

	if (s->wtxn != NULL)
		return s->wtxn;
	if (s->rtxn_live)
		return s->rtxn;
	rc = s->rtxn != NULL ? mdb_txn_renew(s->rtxn) :
	    mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
	if (rc != 0) {
		snprintf(err, errlen, "table store: read: %s", mdb_strerror(rc));
		return NULL;
	}
	s->rtxn_live = true;
	return s->rtxn;
}

/* Put into one database of the batch. */
static int
put(struct kw_join_store *s, MDB_dbi dbi, const void *k, size_t klen, const void *v,
    size_t vlen, char *err, size_t errlen)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	MDB_txn *txn = wtxn(s, err, errlen);
	int rc;

	if (txn == NULL)
		return -1;
	if (klen == 0 || klen > (size_t)mdb_env_get_maxkeysize(s->env)) {
		snprintf(err, errlen, "table key of %zu bytes (LMDB keys are 1..%d bytes)", klen,
		    mdb_env_get_maxkeysize(s->env));
		return -1;
	}
	if ((rc = mdb_put(txn, dbi, &key, &val, 0)) != 0) {
		snprintf(err, errlen, "table store: put: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
kw_join_store_put(struct kw_join_store *s, const char *key, size_t klen, const char *val,
    size_t vlen, char *err, size_t errlen)
{
	return put(s, s->table, key, klen, val, vlen, err, errlen);
}

int
kw_join_store_del(struct kw_join_store *s, const char *key, size_t klen, char *err,
    size_t errlen)
{
	MDB_val k = { klen, (void *)key };
	MDB_txn *txn;
	int rc;

	if (klen == 0 || klen > (size_t)mdb_env_get_maxkeysize(s->env))
		return 0;	/* such a key was never stored */
	if ((txn = wtxn(s, err, errlen)) == NULL)
		return -1;
	rc = mdb_del(txn, s->table, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		snprintf(err, errlen, "table store: delete: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
kw_join_store_set_offset(struct kw_join_store *s, int32_t partition, int64_t next_offset,
    char *err, size_t errlen)
{
	char k[16], v[32];

	snprintf(k, sizeof(k), "%" PRId32, partition);
	snprintf(v, sizeof(v), "%" PRId64, next_offset);
	return put(s, s->offsets, k, strlen(k), v, strlen(v), err, errlen);
}

int
kw_join_store_set_meta(struct kw_join_store *s, const char *name, const char *value,
    char *err, size_t errlen)
{
	return put(s, s->meta, name, strlen(name), value, strlen(value), err, errlen);
}

int
kw_join_store_commit(struct kw_join_store *s, char *err, size_t errlen)
{
	int rc;

	if (s->wtxn == NULL)
		return 0;
	rc = mdb_txn_commit(s->wtxn);
	s->wtxn = NULL;
	if (rc != 0) {
		snprintf(err, errlen, "table store: commit: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

void
kw_join_store_abort(struct kw_join_store *s)
{
	if (s->wtxn != NULL)
		mdb_txn_abort(s->wtxn);
	s->wtxn = NULL;
}

int
kw_join_store_clear(struct kw_join_store *s, char *err, size_t errlen)
{
	MDB_txn *txn = wtxn(s, err, errlen);
	int rc;

	if (txn == NULL)
		return -1;
	if ((rc = mdb_drop(txn, s->table, 0)) != 0 || (rc = mdb_drop(txn, s->offsets, 0)) != 0 ||
	    (rc = mdb_drop(txn, s->meta, 0)) != 0) {
		kw_join_store_abort(s);
		snprintf(err, errlen, "table store: clear: %s", mdb_strerror(rc));
		return -1;
	}
	if (kw_join_store_set_meta(s, "format", STORE_FORMAT, err, errlen) != 0)
		return -1;
	return kw_join_store_commit(s, err, errlen);
}

int
kw_join_store_get(struct kw_join_store *s, const char *key, size_t klen, const char **val,
    size_t *vlen, char *err, size_t errlen)
{
	MDB_val k = { klen, (void *)key }, v;
	MDB_txn *txn;
	int rc;

	if (klen == 0 || klen > (size_t)mdb_env_get_maxkeysize(s->env))
		return 0;
	if ((txn = rtxn(s, err, errlen)) == NULL)
		return -1;
	rc = mdb_get(txn, s->table, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		snprintf(err, errlen, "table store: get: %s", mdb_strerror(rc));
		return -1;
	}
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 1;
}

/* Read one value of a small database as a new string, or NULL. */
static char *
get_text(struct kw_join_store *s, MDB_dbi dbi, const char *name)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	char err[256];
	MDB_txn *txn;

	if ((txn = rtxn(s, err, sizeof(err))) == NULL)
		return NULL;
	if (mdb_get(txn, dbi, &k, &v) != 0)
		return NULL;
	return kc_xstrndup(v.mv_data, v.mv_size);
}

int64_t
kw_join_store_offset(struct kw_join_store *s, int32_t partition)
{
	char k[16], *v, *end;
	long long n;

	snprintf(k, sizeof(k), "%" PRId32, partition);
	if ((v = get_text(s, s->offsets, k)) == NULL)
		return -1;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 0)
		n = -1;
	free(v);
	return n;
}

char *
kw_join_store_meta(struct kw_join_store *s, const char *name)
{
	return get_text(s, s->meta, name);
}

size_t
kw_join_store_count(struct kw_join_store *s)
{
	char err[256];
	MDB_stat st;
	MDB_txn *txn;

	if ((txn = rtxn(s, err, sizeof(err))) == NULL)
		return 0;
	if (mdb_stat(txn, s->table, &st) != 0)
		return 0;
	return st.ms_entries;
}

void
kw_join_store_offsets_foreach(struct kw_join_store *s,
    void (*cb)(int32_t partition, int64_t next_offset, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char err[256], *ks, *vs;
	MDB_txn *txn;

	if ((txn = rtxn(s, err, sizeof(err))) == NULL)
		return;
	if (mdb_cursor_open(txn, s->offsets, &cur) != 0)
		return;
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		ks = kc_xstrndup(k.mv_data, k.mv_size);
		vs = kc_xstrndup(v.mv_data, v.mv_size);
		cb((int32_t)atoi(ks), strtoll(vs, NULL, 10), arg);
		free(ks);
		free(vs);
	}
	mdb_cursor_close(cur);
}
