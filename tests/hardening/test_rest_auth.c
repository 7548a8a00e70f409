/* test_rest_auth.c - unit tests of the worker REST security pieces: the credentials file
 * (parsing, every error naming file and line, duplicate names), token and basic checks
 * (good, wrong, malformed, unknown user, the accepted-password cache), reload (on change,
 * forced, a broken file keeping the old credentials), the hash helpers, and the REST
 * options read from the worker configuration (defaults, ranges, client auth). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_util.h"
#include "kw_rest.h"

static char dir[] = "/tmp/kw-auth-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = kc_xasprintf("rm -rf '%s'", dir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static char *
write_file(const char *name, const char *text)
{
	char *path = kc_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* "Basic base64(user:pw)" */
static char *
basic(const char *userpw)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(userpw), i, o = 6;
	char *out = kc_xmalloc(6 + (n + 2) / 3 * 4 + 1);
	const unsigned char *s = (const unsigned char *)userpw;

	memcpy(out, "Basic ", 6);
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static char *
creds_file(const char *name, const char *token, const char *user, const char *pw)
{
	char tok[72], err[256], *hash, *text, *path;

	kw_auth_hash_token(token, tok);
	hash = kw_auth_hash_password(pw, err, sizeof(err));
	assert_non_null(hash);
	text = kc_xasprintf("# test\n\ntoken ci %s\nuser %s %s\n", tok, user, hash);
	path = write_file(name, text);
	free(text);
	free(hash);
	return path;
}

static void
test_hash_helpers(void **state)
{
	char tok[72], err[256], *a, *b;

	(void)state;
	kw_auth_hash_token("abc", tok);
	/* SHA-256("abc"), FIPS 180-2 example */
	assert_string_equal(tok, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	a = kw_auth_hash_password("pw", err, sizeof(err));
	b = kw_auth_hash_password("pw", err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a[0] == '$');
	assert_string_not_equal(a, b);	/* a fresh salt each time */
	free(a);
	free(b);
}

static void
test_check(void **state)
{
	char *path = creds_file("ok", "t0ken", "alice", "s3cret:with colon"), who[128], *h;
	char err[256];
	struct kw_auth *a = kw_auth_load(path, 100, err, sizeof(err));

	(void)state;
	assert_non_null(a);
	assert_true(kw_auth_has_users(a));
	assert_true(kw_auth_has_tokens(a));
	assert_int_equal(kw_auth_check(a, "Bearer t0ken", who, sizeof(who)), KW_AUTH_OK);
	assert_string_equal(who, "token ci");
	assert_int_equal(kw_auth_check(a, "bearer t0ken", who, sizeof(who)), KW_AUTH_OK);
	assert_int_equal(kw_auth_check(a, "Bearer t0ken2", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, "Bearer ", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, "Bearer", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, NULL, who, sizeof(who)), KW_AUTH_DENIED);
	assert_string_equal(who, "anonymous");
	assert_int_equal(kw_auth_check(a, "Token t0ken", who, sizeof(who)), KW_AUTH_DENIED);
	h = basic("alice:s3cret:with colon");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_OK);
	assert_string_equal(who, "user alice");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_OK);	/* from the cache */
	free(h);
	h = basic("alice:s3cret:with colonX");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_DENIED);
	free(h);
	h = basic("alice:");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_DENIED);
	free(h);
	h = basic("bob:s3cret:with colon");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_DENIED);
	free(h);
	h = basic("nocolon");
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_DENIED);
	free(h);
	assert_int_equal(kw_auth_check(a, "Basic !!!notbase64", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, "Basic YWxpY2U6", who, sizeof(who)), KW_AUTH_DENIED);	/* "alice:" */
	assert_int_equal(kw_auth_check(a, "Basic YQBiOmM=", who, sizeof(who)), KW_AUTH_DENIED);	/* NUL inside */
	kw_auth_free(a);
	free(path);
}

static void
expect_load_error(const char *text, const char *want)
{
	char err[512], *path = write_file("bad", text);
	struct kw_auth *a = kw_auth_load(path, 100, err, sizeof(err));

	assert_null(a);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_non_null(strstr(err, path));
	free(path);
}

static void
test_load_errors(void **state)
{
	char err[256], *missing = kc_xasprintf("%s/missing", dir);

	(void)state;
	assert_null(kw_auth_load(missing, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "rest.auth.file"));
	free(missing);
	expect_load_error("token ci\n", ":1: expected");
	expect_load_error("\n# c\ntoken ci sha256:00 extra\n", ":3: expected");
	expect_load_error("token ci md5:abc\n", ":1: token ci: expected sha256:");
	expect_load_error("token ci sha256:zz11618c2e44027877d0cd0921ed166b9f176f50587fc91e7534dd2946db77d6\n",
	    ":1: token ci: not a hex digest");
	expect_load_error("user bob plaintext\n", ":1: user bob: not a crypt(3) hash");
	expect_load_error("user a:b $6$salt$x\n", "cannot contain ':'");
	expect_load_error("admin root x\n", "unknown kind \"admin\"");
	expect_load_error("token t sha256:5b11618c2e44027877d0cd0921ed166b9f176f50587fc91e7534dd2946db77d6\n"
	    "token t sha256:5b11618c2e44027877d0cd0921ed166b9f176f50587fc91e7534dd2946db77d6\n",
	    ":2: token t is listed twice");
}

static void
test_reload(void **state)
{
	char *path = creds_file("reload", "one", "alice", "pw"), *text, tok[72], who[128];
	char err[256];
	struct kw_auth *a = kw_auth_load(path, 100, err, sizeof(err));
	FILE *f;

	(void)state;
	assert_non_null(a);
	assert_int_equal(kw_auth_check(a, "Bearer one", who, sizeof(who)), KW_AUTH_OK);
	/* Replace the token; a forced reload takes it at once. */
	kw_auth_hash_token("two", tok);
	text = kc_xasprintf("token ci %s\n", tok);
	free(write_file("reload", text));
	free(text);
	assert_int_equal(kw_auth_reload(a, true), 0);
	assert_int_equal(kw_auth_check(a, "Bearer one", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, "Bearer two", who, sizeof(who)), KW_AUTH_OK);
	assert_false(kw_auth_has_users(a));
	/* A broken file: reported, old credentials kept. */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("garbage line\n", f);
	fclose(f);
	assert_int_equal(kw_auth_reload(a, true), -1);
	assert_int_equal(kw_auth_check(a, "Bearer two", who, sizeof(who)), KW_AUTH_OK);
	/* An unforced reload right away is throttled (no stat within a second). */
	assert_int_equal(kw_auth_reload(a, false), 0);
	kw_auth_free(a);
	kw_auth_free(NULL);
	free(path);
}

/* Slow password checks share a budget: over it, "busy" at once; tokens and passwords
 * already accepted are not counted. */
static int64_t fake_now = 1000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static void
test_password_budget(void **state)
{
	char *path = creds_file("budget", "tk", "carol", "right"), err[256], who[64], *h;
	char *good = basic("carol:right"), *bad = basic("carol:wrong"), *nobody = basic("x:y");
	struct kw_auth *a = kw_auth_load(path, 2, err, sizeof(err));

	(void)state;
	assert_non_null(a);
	/* the budget's clock stands still while crypt runs (slow under valgrind) */
	kw_auth_set_clock(a, fake_clock);
	assert_int_equal(kw_auth_check(a, good, who, sizeof(who)), KW_AUTH_OK);	/* 1 of 2 */
	assert_int_equal(kw_auth_check(a, bad, who, sizeof(who)), KW_AUTH_DENIED);	/* 2 of 2 */
	assert_int_equal(kw_auth_check(a, bad, who, sizeof(who)), KW_AUTH_BUSY);
	assert_int_equal(kw_auth_check(a, nobody, who, sizeof(who)), KW_AUTH_BUSY);
	assert_int_equal(kw_auth_check(a, good, who, sizeof(who)), KW_AUTH_OK);	/* cached */
	assert_int_equal(kw_auth_check(a, "Bearer tk", who, sizeof(who)), KW_AUTH_OK);
	h = basic("carol:");	/* refused before any slow check */
	assert_int_equal(kw_auth_check(a, h, who, sizeof(who)), KW_AUTH_DENIED);
	free(h);
	fake_now += 600;	/* 2 per second: at least one check back */
	assert_int_equal(kw_auth_check(a, bad, who, sizeof(who)), KW_AUTH_DENIED);
	kw_auth_free(a);
	free(good);
	free(bad);
	free(nobody);
	free(path);
}

static void
test_empty_file(void **state)
{
	char err[256], who[64], *path = write_file("empty", "# nobody yet\n");
	struct kw_auth *a = kw_auth_load(path, 100, err, sizeof(err));

	(void)state;
	assert_non_null(a);
	assert_false(kw_auth_has_users(a));
	assert_false(kw_auth_has_tokens(a));
	assert_int_equal(kw_auth_check(a, "Bearer x", who, sizeof(who)), KW_AUTH_DENIED);
	assert_int_equal(kw_auth_check(a, "Basic YTpi", who, sizeof(who)), KW_AUTH_DENIED);
	kw_auth_free(a);
	free(path);
}

static void
test_opts(void **state)
{
	struct kw_rest_opts o;
	char err[512];
	json_t *c = json_object();

	(void)state;
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), 0);
	assert_string_equal(o.listeners, "http://127.0.0.1:8083");
	assert_int_equal(o.max_body, 1048576);
	assert_int_equal(o.max_header, 8192);
	assert_int_equal(o.max_conns, 1024);
	assert_int_equal(o.request_timeout_ms, 30000);
	assert_int_equal(o.tls_client_auth, 0);
	assert_null(o.auth_file);
	assert_true(o.auth_checks_per_sec == 10);
	kw_rest_opts_free(&o);

	json_object_set_new(c, "rest.request.timeout.ms", json_string("50"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rest.request.timeout.ms=50"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "rest.request.timeout.ms", json_string("1000"));
	json_object_set_new(c, "rest.max.connections", json_string("12x"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rest.max.connections"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "rest.max.connections", json_string("8"));
	json_object_set_new(c, "listeners.https.ssl.client.auth", json_string("sometimes"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "none, requested or required"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "listeners.https.ssl.client.auth", json_string("REQUIRED"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "listeners.https.ssl.ca.location"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "listeners.https.ssl.ca.location", json_string("/ca.pem"));
	json_object_set_new(c, "rest.auth.file", json_string("/auth"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), 0);
	assert_int_equal(o.tls_client_auth, 2);
	assert_int_equal(o.max_conns, 8);
	assert_int_equal(o.request_timeout_ms, 1000);
	assert_string_equal(o.auth_file, "/auth");
	kw_rest_opts_free(&o);

	/* Connect's PEM store names */
	json_object_set_new(c, "listeners.https.ssl.keystore.location", json_string("/ks.pem"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);	/* JKS default */
	assert_non_null(strstr(err, "keystore.type=JKS"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "listeners.https.ssl.keystore.type", json_string("pem"));
	json_object_del(c, "listeners.https.ssl.ca.location");
	json_object_set_new(c, "listeners.https.ssl.truststore.location", json_string("/ts.pem"));
	json_object_set_new(c, "listeners.https.ssl.truststore.type", json_string("PKCS12"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truststore.type=PKCS12"));
	kw_rest_opts_free(&o);
	json_object_set_new(c, "listeners.https.ssl.truststore.type", json_string("PEM"));
	assert_int_equal(kw_rest_opts_from_conf(c, &o, err, sizeof(err)), 0);
	assert_string_equal(o.tls_cert, "/ks.pem");
	assert_string_equal(o.tls_key, "/ks.pem");
	assert_string_equal(o.tls_ca, "/ts.pem");
	kw_rest_opts_free(&o);
	json_decref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_helpers),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_password_budget),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
