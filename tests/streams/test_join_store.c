/* test_join_store.c - unit tests of the join's LMDB table store: put/delete/get, offsets
 * checkpointed in the same transaction, reopen, abort, and rebuild of a lost or corrupt
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "join_store.h"

static char tmpdir[] = "/tmp/kcops-join-store-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A path below the test's directory (static buffer). */
static const char *
path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

/* The value of key as a new string, or NULL. */
static char *
get(struct kw_join_store *s, const char *key)
{
	const char *v;
	size_t vlen;
	char err[256];
	int rc = kw_join_store_get(s, key, strlen(key), &v, &vlen, err, sizeof(err));

	assert_int_not_equal(rc, -1);
	return rc == 1 ? strndup(v, vlen) : NULL;
}

#define GET_EQ(s, k, want) do { char *g_ = get(s, k); assert_non_null(g_); \
	assert_string_equal(g_, want); free(g_); } while (0)

static void
test_put_get_delete(void **state)
{
	struct kw_join_store *s;
	char err[256], *m;
	bool rebuilt = true;

	(void)state;
	s = kw_join_store_open(path("a/nested/dir"), &rebuilt, err, sizeof(err));
	assert_non_null(s);
	assert_false(rebuilt);
	assert_int_equal(kw_join_store_count(s), 0);
	assert_int_equal(kw_join_store_offset(s, 0), -1);
	assert_int_equal(kw_join_store_put(s, "7", 1, "{\"name\":\"Ada\"}", 14, err,
	    sizeof(err)), 0);
	assert_int_equal(kw_join_store_put(s, "8", 1, "{\"name\":\"Bob\"}", 14, err,
	    sizeof(err)), 0);
	/* the open batch is visible to reads */
	GET_EQ(s, "7", "{\"name\":\"Ada\"}");
	assert_int_equal(kw_join_store_count(s), 2);
	assert_int_equal(kw_join_store_set_offset(s, 0, 2, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_set_meta(s, "topic", "customers", err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_commit(s, err, sizeof(err)), 0);
	/* last value wins */
	assert_int_equal(kw_join_store_put(s, "7", 1, "{\"name\":\"Ada L.\"}", 17, err,
	    sizeof(err)), 0);
	assert_int_equal(kw_join_store_del(s, "8", 1, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_del(s, "never", 5, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_set_offset(s, 0, 4, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_commit(s, err, sizeof(err)), 0);
	GET_EQ(s, "7", "{\"name\":\"Ada L.\"}");
	assert_null(get(s, "8"));
	assert_null(get(s, ""));	/* empty keys are never stored */
	assert_int_equal(kw_join_store_count(s), 1);
	assert_int_equal(kw_join_store_offset(s, 0), 4);
	m = kw_join_store_meta(s, "topic");
	assert_string_equal(m, "customers");
	free(m);
	assert_null(kw_join_store_meta(s, "cluster"));
	/* an empty key cannot be put */
	assert_int_equal(kw_join_store_put(s, "", 0, "x", 1, err, sizeof(err)), -1);
	kw_join_store_free(s);
}

/* Records offsets seen by kw_join_store_offsets_foreach. */
static void
collect(int32_t partition, int64_t next, void *arg)
{
	int64_t *offs = arg;

	if (partition >= 0 && partition < 8)
		offs[partition] = next;
}

static void
test_checkpoint_same_txn(void **state)
{
	struct kw_join_store *s;
	char err[256], key[32], val[64];
	int64_t offs[8];
	int i;

	(void)state;
	s = kw_join_store_open(path("ckpt"), NULL, err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(val, sizeof(val), "{\"n\":%d}", i);
		assert_int_equal(kw_join_store_put(s, key, strlen(key), val, strlen(val), err,
		    sizeof(err)), 0);
	}
	assert_int_equal(kw_join_store_set_offset(s, 0, 600, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_set_offset(s, 3, 400, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_commit(s, err, sizeof(err)), 0);
	/* a batch that is never committed (a crash) leaves table and offsets as they were */
	assert_int_equal(kw_join_store_put(s, "k1", 2, "{\"n\":\"lost\"}", 12, err,
	    sizeof(err)), 0);
	assert_int_equal(kw_join_store_put(s, "new", 3, "{}", 2, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_set_offset(s, 0, 602, err, sizeof(err)), 0);
	kw_join_store_free(s);

	s = kw_join_store_open(path("ckpt"), NULL, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(kw_join_store_count(s), 1000);
	GET_EQ(s, "k1", "{\"n\":1}");
	assert_null(get(s, "new"));
	assert_int_equal(kw_join_store_offset(s, 0), 600);
	assert_int_equal(kw_join_store_offset(s, 3), 400);
	assert_int_equal(kw_join_store_offset(s, 1), -1);
	memset(offs, 0xff, sizeof(offs));
	kw_join_store_offsets_foreach(s, collect, offs);
	assert_int_equal(offs[0], 600);
	assert_int_equal(offs[3], 400);
	assert_int_equal(offs[1], -1);
	/* abort drops the batch */
	assert_int_equal(kw_join_store_del(s, "k2", 2, err, sizeof(err)), 0);
	kw_join_store_abort(s);
	GET_EQ(s, "k2", "{\"n\":2}");
	/* clear empties everything */
	assert_int_equal(kw_join_store_clear(s, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_count(s), 0);
	assert_int_equal(kw_join_store_offset(s, 0), -1);
	kw_join_store_free(s);
}

static void
test_rebuild(void **state)
{
	struct kw_join_store *s;
	char err[256], cmd[512];
	bool rebuilt;
	int fd;

	(void)state;
	s = kw_join_store_open(path("lost"), NULL, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(kw_join_store_put(s, "1", 1, "{}", 2, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_set_offset(s, 0, 1, err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_commit(s, err, sizeof(err)), 0);
	kw_join_store_free(s);

	/* the state directory is lost: an empty store, nothing to resume from */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path("lost"));
	assert_int_equal(system(cmd), 0);
	s = kw_join_store_open(path("lost"), &rebuilt, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(kw_join_store_count(s), 0);
	assert_int_equal(kw_join_store_offset(s, 0), -1);
	kw_join_store_free(s);

	/* a corrupt data file is wiped and recreated */
	fd = open(path("lost/data.mdb"), O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not an LMDB file, not at all........", 44), 44);
	close(fd);
	s = kw_join_store_open(path("lost"), &rebuilt, err, sizeof(err));
	assert_non_null(s);
	assert_true(rebuilt);
	assert_int_equal(kw_join_store_count(s), 0);
	kw_join_store_free(s);

	/* a path that cannot be a directory is a clear error */
	fd = open(path("afile"), O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	s = kw_join_store_open(path("afile/sub"), NULL, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "afile"));
}

static void
test_big_values(void **state)
{
	struct kw_join_store *s;
	char err[256], *big, *g;
	char longkey[600];

	(void)state;
	s = kw_join_store_open(path("big"), NULL, err, sizeof(err));
	assert_non_null(s);
	big = malloc(1 << 20);
	memset(big, 'x', 1 << 20);
	big[(1 << 20) - 1] = '\0';
	assert_int_equal(kw_join_store_put(s, "big", 3, big, strlen(big), err, sizeof(err)), 0);
	assert_int_equal(kw_join_store_commit(s, err, sizeof(err)), 0);
	g = get(s, "big");
	assert_int_equal(strlen(g), (1 << 20) - 1);
	free(g);
	free(big);
	/* keys over LMDB's limit are refused with a message, and never found */
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(kw_join_store_put(s, longkey, strlen(longkey), "1", 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bytes"));
	assert_null(get(s, longkey));
	kw_join_store_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_delete),
		cmocka_unit_test(test_checkpoint_same_txn),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_big_values),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
