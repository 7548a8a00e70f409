/* test_join_core.c - unit tests of the join's key canonicalisation, merge and JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "kc_json.h"
#include "join_core.h"

/* Canonical text of a JSON document given as text ("" when no key). */
static char *
canon(const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	struct kc_buf b;

	assert_non_null(v);
	kc_buf_init(&b);
	if (!kw_join_canon_json(v, &b))
		kc_buf_puts(&b, "<none>");
	json_decref(v);
	return kc_buf_steal(&b);
}

static char *
canon_bytes(const char *s)
{
	struct kc_buf b;

	kc_buf_init(&b);
	if (!kw_join_canon_bytes(s, s != NULL ? strlen(s) : 0, &b))
		kc_buf_puts(&b, "<none>");
	return kc_buf_steal(&b);
}

#define CANON_EQ(json, want) do { char *s_ = canon(json); assert_string_equal(s_, want); \
	free(s_); } while (0)
#define BYTES_EQ(bytes, want) do { char *s_ = canon_bytes(bytes); \
	assert_string_equal(s_, want); free(s_); } while (0)

static void
test_canon_json(void **state)
{
	(void)state;
	CANON_EQ("\"1\"", "1");
	CANON_EQ("1", "1");
	CANON_EQ("1.0", "1");		/* an integral real joins the integer */
	CANON_EQ("-0.0", "0");
	CANON_EQ("3.45", "3.45");
	CANON_EQ("0.1", "0.1");
	CANON_EQ("1e300", "1e+300");
	CANON_EQ("-12345678901234", "-12345678901234");
	CANON_EQ("\"abc\"", "abc");
	CANON_EQ("true", "true");
	CANON_EQ("false", "false");
	CANON_EQ("null", "<none>");
	CANON_EQ("{\"b\":1,\"a\":[1,2]}", "{\"a\":[1,2],\"b\":1}");
	CANON_EQ("\"\"", "");
}

static void
test_canon_bytes(void **state)
{
	(void)state;
	BYTES_EQ("1", "1");
	BYTES_EQ("\"1\"", "1");		/* a JSON string key under StringConverter */
	BYTES_EQ("7.0", "7");
	BYTES_EQ("abc", "abc");
	BYTES_EQ("007", "007");		/* not JSON: kept as is */
	BYTES_EQ("1 2", "1 2");
	BYTES_EQ("\"unterminated", "\"unterminated");
	BYTES_EQ("{\"a\":1}", "{\"a\":1}");	/* objects in bytes are not rewritten */
	BYTES_EQ(NULL, "<none>");
}

/* Dump text given as JSON text through kc_json_write. */
static char *
redump(const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	struct kc_buf b;

	assert_non_null(v);
	kc_buf_init(&b);
	kc_json_write(v, &b);
	json_decref(v);
	return kc_buf_steal(&b);
}

#define DUMP_EQ(json, want) do { char *s_ = redump(json); assert_string_equal(s_, want); \
	free(s_); } while (0)

static void
test_dump_roundtrip(void **state)
{
	char buf[64];
	double d;
	int i, n;

	(void)state;
	/* jansson's own dump shows why this exists */
	{
		json_t *r = json_real(3.45);
		char *s = json_dumps(r, JSON_ENCODE_ANY);

		assert_string_not_equal(s, "3.45");
		free(s);
		json_decref(r);
	}
	DUMP_EQ("{\"customer\":7,\"amount\":12.5,\"price\":3.45}",
	    "{\"customer\":7,\"amount\":12.5,\"price\":3.45}");
	DUMP_EQ("[0.1,0.2,0.30000000000000004,1e300,-2.5e-8,12.0,-0.0]",
	    "[0.1,0.2,0.30000000000000004,1e+300,-2.5e-08,12.0,0.0]");
	DUMP_EQ("\"a\\\"b\\\\c\\n\\u0001\\u00e9\"", "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
	DUMP_EQ("{\"z\":1,\"a\":{\"y\":[true,false,null]}}",
	    "{\"z\":1,\"a\":{\"y\":[true,false,null]}}");
	DUMP_EQ("9223372036854775807", "9223372036854775807");
	/* every formatted double reads back as itself (20,000 random values; 2,000 under
	 * valgrind, where the brute-force check's 340,000 printf/strtod calls alone took most
	 * of the test's 30 s: the memory checking needs the code paths, not the sample size) */
	srand(42);
	n = RUNNING_ON_VALGRIND ? 2000 : 20000;
	for (i = 0; i < n; i++) {
		d = ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 40 - 20);
		kc_json_fmt_real(d, buf, sizeof(buf));
		assert_true(strtod(buf, NULL) == d);
		assert_true(strlen(buf) <= 24);
		/* and it is the shortest: the same as trying every precision */
		if (d != trunc(d)) {
			char brute[64];
			int p;

			for (p = 1; p <= 17; p++) {
				snprintf(brute, sizeof(brute), "%.*g", p, d);
				if (strtod(brute, NULL) == d)
					break;
			}
			assert_string_equal(buf, brute);
		}
		/* short decimals stay short */
		snprintf(buf, sizeof(buf), "%d.%02d", rand() % 1000, rand() % 100);
		d = strtod(buf, NULL);
		{
			char again[64], want[64];

			snprintf(want, sizeof(want), "%.*g", 15, d);
			assert_string_equal(kc_json_fmt_real(d, again, sizeof(again)), want);
		}
	}
	assert_string_equal(kc_json_fmt_real(NAN, buf, sizeof(buf)), "null");
}

static void
test_list_split(void **state)
{
	size_t n;
	char **l;

	(void)state;
	l = kw_join_list_split(" a, b ,,c ", &n);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], "a");
	assert_string_equal(l[1], "b");
	assert_string_equal(l[2], "c");
	kw_join_list_free(l, n);
	assert_null(kw_join_list_split("", &n));
	assert_int_equal(n, 0);
	assert_null(kw_join_list_split(" , ", &n));
	assert_null(kw_join_list_split(NULL, &n));
}

static void
test_spec_errors(void **state)
{
	struct kw_join_spec spec;
	char err[256];

	(void)state;
	assert_int_equal(kw_join_spec_init(&spec, "customer", "outer", NULL, NULL, NULL, NULL,
	    NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "join.type"));
	assert_int_equal(kw_join_spec_init(&spec, "customer", "left", NULL, NULL, NULL, NULL,
	    NULL, "{\"a\":", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing.defaults"));
	assert_int_equal(kw_join_spec_init(&spec, "customer", "left", NULL, NULL, NULL, NULL,
	    NULL, "[1]", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JSON object"));
	assert_int_equal(kw_join_spec_init(&spec, "", "INNER", NULL, NULL, NULL, NULL,
	    NULL, "", err, sizeof(err)), 0);
	assert_null(spec.join_field);
	assert_true(spec.inner);
	kw_join_spec_free(&spec);
}

/* Merge two JSON texts with a spec and compare the dump. */
static void
merge_eq(const struct kw_join_spec *spec, const char *stream, const char *table,
    const char *want)
{
	json_t *s = json_loads(stream, JSON_DECODE_ANY, NULL);
	json_t *t = table != NULL ? json_loads(table, JSON_DECODE_ANY, NULL) : NULL;
	json_t *out;
	struct kc_buf b;

	assert_non_null(s);
	out = kw_join_merge(spec, s, t);
	kc_buf_init(&b);
	kc_json_write(out, &b);
	assert_string_equal(b.data, want);
	kc_buf_free(&b);
	json_decref(out);
	json_decref(s);
	json_decref(t);
}

static void
test_merge(void **state)
{
	struct kw_join_spec spec;
	char err[256];

	(void)state;
	/* all fields, no prefix: the orders/customers example */
	assert_int_equal(kw_join_spec_init(&spec, "customer", "left", NULL, NULL, NULL, NULL,
	    NULL, "{\"name\":\"!!! unknown customer !!!\"}", err, sizeof(err)), 0);
	merge_eq(&spec, "{\"customer\":7,\"amount\":12.5}", "{\"id\":7,\"name\":\"Ada\"}",
	    "{\"customer\":7,\"amount\":12.5,\"id\":7,\"name\":\"Ada\"}");
	merge_eq(&spec, "{\"customer\":8,\"amount\":3.45}", NULL,
	    "{\"customer\":8,\"amount\":3.45,\"name\":\"!!! unknown customer !!!\"}");
	/* stream fields win over table fields */
	merge_eq(&spec, "{\"name\":\"order\",\"customer\":7}", "{\"name\":\"Ada\"}",
	    "{\"name\":\"order\",\"customer\":7}");
	/* a non-object stream value */
	merge_eq(&spec, "\"just text\"", "{\"name\":\"Ada\"}",
	    "{\"value\":\"just text\",\"name\":\"Ada\"}");
	kw_join_spec_free(&spec);

	/* field selection and prefixes, dotted paths */
	assert_int_equal(kw_join_spec_init(&spec, "customer", "left", "customer, amount", "",
	    "name,address.city", "customer_", NULL, "{\"customer_name\":null}", err,
	    sizeof(err)), 0);
	merge_eq(&spec, "{\"customer\":\"7\",\"amount\":1,\"note\":\"x\"}",
	    "{\"id\":7,\"name\":\"Ada\",\"address\":{\"city\":\"Paris\"},\"vip\":true}",
	    "{\"customer\":\"7\",\"amount\":1,\"customer_name\":\"Ada\","
	    "\"customer_address.city\":\"Paris\"}");
	merge_eq(&spec, "{\"customer\":\"9\",\"amount\":2}", NULL,
	    "{\"customer\":\"9\",\"amount\":2,\"customer_name\":null}");
	/* a selected field absent on the table side is left out */
	merge_eq(&spec, "{\"customer\":\"7\"}", "{\"id\":7}", "{\"customer\":\"7\"}");
	kw_join_spec_free(&spec);

	/* nesting the table value under one field */
	assert_int_equal(kw_join_spec_init(&spec, NULL, "left", NULL, "order_", NULL, NULL,
	    "customer", NULL, err, sizeof(err)), 0);
	merge_eq(&spec, "{\"amount\":1}", "{\"name\":\"Ada\"}",
	    "{\"order_amount\":1,\"customer\":{\"name\":\"Ada\"}}");
	merge_eq(&spec, "{\"amount\":1}", "\"scalar table value\"",
	    "{\"order_amount\":1,\"customer\":{\"value\":\"scalar table value\"}}");
	merge_eq(&spec, "{\"amount\":1}", NULL, "{\"order_amount\":1}");
	kw_join_spec_free(&spec);
}

static void
test_field(void **state)
{
	json_t *v = json_loads("{\"a\":{\"b\":{\"c\":5}},\"a.b\":1,\"x\":[1]}", 0, NULL);

	(void)state;
	assert_int_equal(json_integer_value(kw_join_field(v, "a.b")), 1);	/* exact name first */
	assert_int_equal(json_integer_value(kw_join_field(v, "a.b.c")), 5);
	assert_null(kw_join_field(v, "a.x"));
	assert_null(kw_join_field(v, "x.y"));
	assert_null(kw_join_field(v, "nope"));
	assert_null(kw_join_field(json_array_get(kw_join_field(v, "x"), 0), "a"));
	json_decref(v);
}

static void
test_parse_lenient(void **state)
{
	json_t *v;

	(void)state;
	v = kw_join_parse_lenient("{\"a\":1}", 7);
	assert_true(json_is_object(v));
	json_decref(v);
	v = kw_join_parse_lenient("plain text", 10);
	assert_string_equal(json_string_value(v), "plain text");
	json_decref(v);
	v = kw_join_parse_lenient("42", 2);
	assert_int_equal(json_integer_value(v), 42);
	json_decref(v);
	assert_null(kw_join_parse_lenient("\xff\xfe", 2));
	assert_null(kw_join_parse_lenient("a\0b", 3));
	assert_null(kw_join_parse_lenient(NULL, 0));
	v = kw_join_parse_lenient("caf\xc3\xa9", 5);
	assert_string_equal(json_string_value(v), "caf\xc3\xa9");
	json_decref(v);
	assert_null(kw_join_parse_lenient("\xc3", 1));	/* truncated sequence */
	assert_null(kw_join_parse_lenient("\xed\xa0\x80", 3));	/* a surrogate */
}

static void
test_scan(void **state)
{
	static const char *valid[] = {
		"{}", " { } ", "{\"a\":1}", "{\"customer\": 7, \"amount\": 12.5}",
		"{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\\"y\",\"d\":-0.5e+3,\"e\":true,\"f\":false}",
		"{\"s\":\"caf\xc3\xa9 \\u00e9\"}", "\n{\"a\" :\t{}\r}\n",
	};
	static const char *invalid[] = {
		"", "[]", "1", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":tru}", "{\"a\":\"\x01\"}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\xff\"}", "{\"a\":1}x",
		"{\"a\":1,\"a\":2}", "{\"a\\n\":1}", "{a:1}", "{\"a\":[1,2}", "{\"a\":\"\xed\xa0\x80\"}",
	};
	struct kw_join_member m[KW_JOIN_SCAN_MAX];
	struct kc_buf b;
	char buf[256];
	size_t i;
	int n, k, len;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		assert_true(kw_join_scan_object(valid[i], strlen(valid[i]), m) >= 0);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (kw_join_scan_object(invalid[i], strlen(invalid[i]), m) >= 0)
			fail_msg("accepted: %s", invalid[i]);
	}
	n = kw_join_scan_object("{\"customer\": 7, \"amount\" : 12.50 ,\"o\":{ \"x\" : [ 1 , \"a b\" ] }}",
	    strlen("{\"customer\": 7, \"amount\" : 12.50 ,\"o\":{ \"x\" : [ 1 , \"a b\" ] }}"), m);
	assert_int_equal(n, 3);
	assert_int_equal(m[1].klen, 6);
	assert_memory_equal(m[1].key, "amount", 6);
	assert_int_equal(m[1].vlen, 5);
	kc_buf_init(&b);
	kw_join_compact(m[2].val, m[2].vlen, &b);
	assert_string_equal(b.data, "{\"x\":[1,\"a b\"]}");
	kc_buf_reset(&b);
	assert_true(kw_join_canon_text(m[0].val, m[0].vlen, &b));
	assert_string_equal(b.data, "7");
	/* canonical text agrees with the jansson path */
	{
		static const char *vals[] = { "7", "-0", "7.0", "\"7\"", "\"a\\u0041\"", "1e2",
			"123456789012345678", "true", "{\"b\":1,\"a\":2}", "-12" };
		for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			char *want = canon(vals[i]);

			kc_buf_reset(&b);
			assert_true(kw_join_canon_text(vals[i], strlen(vals[i]), &b));
			assert_string_equal(b.data, want);
			free(want);
		}
		kc_buf_reset(&b);
		assert_false(kw_join_canon_text("null", 4, &b));
	}
	kc_buf_free(&b);
	/* never accepts what jansson rejects: random mutations of a valid document */
	srand(7);
	for (k = 0; k < 200000; k++) {
		const char *base = valid[k % (sizeof(valid) / sizeof(valid[0]))];
		json_t *j;

		len = (int)strlen(base);
		memcpy(buf, base, (size_t)len + 1);
		for (i = 0; i < 1 + (size_t)(k % 3); i++) {
			int at = rand() % (len > 0 ? len : 1), op = rand() % 3;
			static const char alpha[] = "{}[]\":,. 0123456789-+eEtrufalsn\\\x01\xc3\xa9\xff";

			if (op == 0 && len > 0)
				buf[at] = alpha[rand() % (sizeof(alpha) - 1)];
			else if (op == 1 && len > 0) {
				memmove(buf + at, buf + at + 1, (size_t)(len - at));
				len--;
			} else if (len < 200) {
				memmove(buf + at + 1, buf + at, (size_t)(len - at + 1));
				buf[at] = alpha[rand() % (sizeof(alpha) - 1)];
				len++;
			}
		}
		if (kw_join_scan_object(buf, (size_t)len, m) < 0)
			continue;
		j = json_loadb(buf, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(j))
			fail_msg("scanner accepted what jansson rejects: %.*s", len, buf);
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_json),
		cmocka_unit_test(test_canon_bytes),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_list_split),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_parse_lenient),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
