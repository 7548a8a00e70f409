/* test_core.c - unit tests for backend/core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_codec.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_props.h"
#include "kc_text.h"
#include "kc_util.h"

static void
test_buf(void **state)
{
	struct kc_buf b;
	char *s;
	int i;

	(void)state;
	kc_buf_init(&b);
	assert_string_equal(kc_buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		kc_buf_printf(&b, "%d,", i);
	assert_true(b.len > 2000);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	kc_buf_reset(&b);
	kc_buf_puts(&b, "abc");
	kc_buf_putc(&b, 'd');
	s = kc_buf_steal(&b);
	assert_string_equal(s, "abcd");
	assert_null(b.data);
	free(s);
	/* a reserved but empty buffer is a valid empty string (found by fuzz-text) */
	kc_buf_reserve(&b, 10);
	assert_int_equal(b.data[0], '\0');
	s = kc_buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
}

static void
test_sanitize(void **state)
{
	char *s;

	(void)state;
	s = kc_text_sanitize("ok\x1b[31mred\x07\n", 0);
	assert_string_equal(s, "ok^[[31mred^G^J");
	free(s);
	s = kc_text_sanitize("line1\nline2\ttab", KC_TEXT_KEEP_NL);
	assert_string_equal(s, "line1\nline2 tab");
	free(s);
	/* C1 control (U+009B, CSI) and invalid UTF-8 become '?' */
	s = kc_text_sanitize("a\xc2\x9b" "b\xff" "c", 0);
	assert_string_equal(s, "a?b?c");
	free(s);
	/* valid UTF-8 kept */
	s = kc_text_sanitize("caf\xc3\xa9 \xe6\x97\xa5", 0);
	assert_string_equal(s, "caf\xc3\xa9 \xe6\x97\xa5");
	assert_int_equal(kc_text_width(s), 7);
	free(s);
	assert_true(kc_text_is_clean("plain text", 0));
	assert_false(kc_text_is_clean("bad\x1b", 0));
}

static void
test_url(void **state)
{
	char *e, buf[64];

	(void)state;
	e = kc_url_encode_segment("my conn/1?x#y%\xc3\xa9");
	assert_string_equal(e, "my%20conn%2F1%3Fx%23y%25%C3%A9");
	strcpy(buf, e);
	assert_int_equal(kc_url_decode_inplace(buf), 0);
	assert_string_equal(buf, "my conn/1?x#y%\xc3\xa9");
	free(e);
	strcpy(buf, "bad%zz");
	assert_int_equal(kc_url_decode_inplace(buf), -1);
}

static void
test_strings(void **state)
{
	const char *cands[] = { "bootstrap.servers", "group.id", "listeners" };
	char t[] = "  hi there \n";

	(void)state;
	assert_int_equal(kc_str_distance("kitten", "sitting"), 3);
	assert_string_equal(kc_str_closest("bootstrap.server", cands, 3), "bootstrap.servers");
	assert_null(kc_str_closest("zzzzzz", cands, 3));
	assert_string_equal(kc_str_trim(t), "hi there");
	assert_int_equal(kc_parse_duration_ms("10s", 1000), 10000);
	assert_int_equal(kc_parse_duration_ms("250ms", 1000), 250);
	assert_int_equal(kc_parse_duration_ms("3", 1000), 3000);
	assert_int_equal(kc_parse_duration_ms("x", 1000), -1);
}

static void
test_props(void **state)
{
	const char *text =
	    "# comment\n"
	    "! another\n"
	    "bootstrap.servers=localhost:9092\n"
	    "group.id : connect-cluster\n"
	    "listeners http://127.0.0.1:8083\n"
	    "long.value = one \\\n"
	    "    two\n"
	    "unicode=caf\\u00e9\n"
	    "empty=\n";
	struct kc_err err;
	json_t *p = kc_props_parse(text, strlen(text), "w.properties", &err);

	(void)state;
	assert_non_null(p);
	assert_string_equal(kc_json_str(p, "bootstrap.servers"), "localhost:9092");
	assert_string_equal(kc_json_str(p, "group.id"), "connect-cluster");
	assert_string_equal(kc_json_str(p, "listeners"), "http://127.0.0.1:8083");
	assert_string_equal(kc_json_str(p, "long.value"), "one two");
	assert_string_equal(kc_json_str(p, "unicode"), "caf\xc3\xa9");
	assert_string_equal(kc_json_str(p, "empty"), "");
	json_decref(p);
	p = kc_props_parse("a=\\u12\n", 7, "bad.properties", &err);
	assert_null(p);
	assert_string_equal(err.msg, "bad.properties: line 1: malformed \\u escape");
}

static void
test_json(void **state)
{
	struct kc_err err;
	json_t *v, *m;
	char *p;

	(void)state;
	v = kc_json_parse("{\"a\": 1,\n \"b\": }", 16, 1, &err);
	assert_null(v);
	assert_non_null(strstr(err.msg, "line 2"));
	v = kc_json_parse("{\"a\":1,\"a\":2}", 13, 1, &err);
	assert_null(v);
	v = kc_json_parse("{\"n\":3,\"t\":true,\"s\":\"x\",\"z\":null}", 33, 1, &err);
	assert_non_null(v);
	m = kc_json_string_map(v, &err);
	assert_non_null(m);
	assert_string_equal(kc_json_str(m, "n"), "3");
	assert_string_equal(kc_json_str(m, "t"), "true");
	assert_true(json_is_null(json_object_get(m, "z")));
	json_decref(m);
	json_decref(v);
	v = json_pack("{s:{s:i}}", "obj", "x", 1);
	assert_null(kc_json_string_map(v, &err));
	assert_non_null(strstr(err.msg, "\"obj\""));
	json_decref(v);
	p = kc_json_ptr_escape("a/b~c");
	assert_string_equal(p, "a~1b~0c");
	free(p);
}

static void
test_json_exact(void **state)
{
	struct kc_err err;
	json_t *v;
	char *s, buf[64];
	const char *in = "{\"a\":3.45,\"b\":12.0,\"c\":0.30000000000000004,\"d\":1e300,"
	    "\"e\":-7,\"f\":\"q\\\"\\u0001\\n\",\"g\":[true,null,false]}";

	(void)state;
	v = kc_json_parse(in, strlen(in), 1, &err);
	assert_non_null(v);
	s = kc_json_dump(v);
	assert_string_equal(s, "{\"a\":3.45,\"b\":12.0,\"c\":0.30000000000000004,\"d\":1e+300,"
	    "\"e\":-7,\"f\":\"q\\\"\\u0001\\n\",\"g\":[true,null,false]}");
	free(s);
	json_decref(v);
	assert_string_equal(kc_json_fmt_real(0.1, buf, sizeof buf), "0.1");
	assert_string_equal(kc_json_fmt_real(-0.0, buf, sizeof buf), "0");
	assert_string_equal(kc_json_fmt_real(1.0 / 3.0, buf, sizeof buf), "0.3333333333333333");
}

/* The reference escape: byte by byte, as kc_json_write_string is documented to write. */
static void
ref_json_string(const unsigned char *s, size_t len, struct kc_buf *out)
{
	size_t i;

	kc_buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '"': kc_buf_puts(out, "\\\""); break;
		case '\\': kc_buf_puts(out, "\\\\"); break;
		case '\n': kc_buf_puts(out, "\\n"); break;
		case '\r': kc_buf_puts(out, "\\r"); break;
		case '\t': kc_buf_puts(out, "\\t"); break;
		case '\b': kc_buf_puts(out, "\\b"); break;
		case '\f': kc_buf_puts(out, "\\f"); break;
		default:
			if (s[i] < 0x20)
				kc_buf_printf(out, "\\u%04x", s[i]);
			else
				kc_buf_putc(out, (char)s[i]);
		}
	}
	kc_buf_putc(out, '"');
}

/* kc_json_write_string finds the bytes to escape 16 (or 8) at a time: every escape class
 * (each control, '"', '\\', NUL inside the length), bytes of 0x80 and above (copied as they
 * are, valid UTF-8 or not) and DEL, at every position of strings of 0 to 70 bytes (runs
 * crossing block boundaries), written exactly as byte by byte, appended after existing
 * text; and a string inside a document through kc_json_write. */
static void
test_json_write_string(void **state)
{
	static const unsigned char special[] = { '"', '\\', 0, 1, 8, 9, 10, 12, 13, 0x1f, 0x20,
	    0x7f, 0x80, 0xc3, 0xff, 'a' };
	unsigned char s[80];
	struct kc_buf got, want;
	size_t len, pos, k, i;
	json_t *v;
	char *d;

	(void)state;
	kc_buf_init(&got);
	kc_buf_init(&want);
	for (len = 0; len <= 70; len++) {
		for (pos = 0; pos < len || (len == 0 && pos == 0); pos++) {
			for (k = 0; k < sizeof special; k++) {
				for (i = 0; i < len; i++)
					s[i] = (unsigned char)('A' + (i * 7) % 50);
				if (len > 0) {
					s[pos] = special[k];
					s[len - 1 - pos / 2] = special[(k + 3) % sizeof special];
				}
				kc_buf_reset(&got);
				kc_buf_reset(&want);
				kc_buf_puts(&got, "x:");
				kc_buf_puts(&want, "x:");
				kc_json_write_string((const char *)s, len, &got);
				ref_json_string(s, len, &want);
				if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
					fail_msg("len %zu pos %zu byte %02x: %s, expected %s", len,
					    pos, special[k], got.data, want.data);
			}
			if (len == 0)
				break;
		}
	}
	v = json_pack("{s:s%}", "k\x01\"", "a\x00" "b\\\n\xc3\xa9\x7f", (size_t)8);
	assert_non_null(v);
	d = kc_json_dump(v);
	assert_string_equal(d, "{\"k\\u0001\\\"\":\"a\\u0000b\\\\\\n\xc3\xa9\x7f\"}");
	free(d);
	json_decref(v);
	kc_buf_free(&got);
	kc_buf_free(&want);
}

static void
test_log_levels(void **state)
{
	json_t *names, *all;

	(void)state;
	assert_int_equal(kc_log_level_parse("warning"), KC_LOG_WARN);
	assert_int_equal(kc_log_level_parse("nope"), -1);
	assert_true(kc_log_enabled("kcops.worker.rest", KC_LOG_INFO));
	names = kc_log_set_level("kcops.worker", KC_LOG_ERROR);
	assert_true(json_array_size(names) >= 2);	/* kcops.worker and kcops.worker.rest */
	json_decref(names);
	assert_false(kc_log_enabled("kcops.worker.rest", KC_LOG_WARN));
	assert_true(kc_log_enabled("kcops.other", KC_LOG_INFO));
	assert_int_equal(kc_log_effective("kcops.worker.rest"), KC_LOG_ERROR);
	all = kc_log_loggers_json();
	assert_non_null(json_object_get(all, "root"));
	assert_non_null(json_object_get(all, "kcops.worker"));
	json_decref(all);
}

/* RFC 4648 section 10 vectors, every byte value round-tripped, and the decoder's refusals. */
static void
test_codec(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
	    "Zm9vYmFy" };
	static const char *const bad[] = { "Z", "Zg=a", "Zg===", "Zm9v!", "Zm9vY", "Zm 9v" };
	unsigned char all[256];
	struct kc_buf b = { 0 }, d = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(kc_hexval('0'), 0);
	assert_int_equal(kc_hexval('9'), 9);
	assert_int_equal(kc_hexval('a'), 10);
	assert_int_equal(kc_hexval('F'), 15);
	assert_int_equal(kc_hexval('g'), -1);
	assert_int_equal(kc_hexval('/'), -1);
	assert_int_equal(kc_hexval(-1), -1);
	for (i = 0; i < KC_NITEMS(plain); i++) {
		kc_buf_reset(&b);
		kc_base64_encode(plain[i], strlen(plain[i]), &b);
		assert_string_equal(kc_buf_str(&b), coded[i]);
		kc_buf_reset(&d);
		assert_int_equal(kc_base64_decode(coded[i], strlen(coded[i]), 0, &d), 0);
		assert_string_equal(kc_buf_str(&d), plain[i]);
	}
	/* padding is optional */
	kc_buf_reset(&d);
	assert_int_equal(kc_base64_decode("Zm9vYg", 6, 0, &d), 0);
	assert_string_equal(kc_buf_str(&d), "foob");
	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	kc_buf_reset(&b);
	kc_base64_encode(all, sizeof all, &b);
	kc_buf_reset(&d);
	assert_int_equal(kc_base64_decode(b.data, b.len, 0, &d), 0);
	assert_int_equal(d.len, sizeof all);
	assert_memory_equal(d.data, all, sizeof all);
	for (i = 0; i < KC_NITEMS(bad); i++) {
		kc_buf_reset(&d);
		assert_int_equal(kc_base64_decode(bad[i], strlen(bad[i]), 0, &d), -1);
	}
	/* lenient: white space skipped, the URL-safe alphabet accepted; strict refuses both */
	kc_buf_reset(&d);
	assert_int_equal(kc_base64_decode("-_-_\n", 5, 0, &d), -1);
	kc_buf_reset(&d);
	assert_int_equal(kc_base64_decode(" Zm9v\r\nYmFy\t", 12, KC_BASE64_LENIENT, &d), 0);
	assert_string_equal(kc_buf_str(&d), "foobar");
	kc_buf_reset(&d);
	assert_int_equal(kc_base64_decode("-_-_", 4, KC_BASE64_LENIENT, &d), 0);
	assert_int_equal(d.len, 3);
	assert_memory_equal(d.data, "\xfb\xff\xbf", 3);
	kc_buf_free(&b);
	kc_buf_free(&d);
}

/* kc_mkdirs: every component made 0700, existing ones fine, a file in the way fails */
static void
test_mkdirs(void **state)
{
	char tmpl[] = "/tmp/kcops-mkdirs.XXXXXX", *base = mkdtemp(tmpl), *deep, *file, *below;
	struct stat sb;
	FILE *f;

	(void)state;
	assert_non_null(base);
	deep = kc_xasprintf("%s/a/b/c", base);
	assert_int_equal(kc_mkdirs(deep), 0);
	assert_int_equal(stat(deep, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(kc_mkdirs(deep), 0);	/* again: all exist */
	file = kc_xasprintf("%s/a/f", base);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	below = kc_xasprintf("%s/a/f/g/h", base);
	assert_int_equal(kc_mkdirs(below), -1);	/* a file is in the way */
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(stat(below, &sb), -1);
	unlink(file);
	rmdir(deep);
	*strrchr(deep, '/') = '\0';
	rmdir(deep);
	*strrchr(deep, '/') = '\0';
	rmdir(deep);
	assert_int_equal(rmdir(base), 0);	/* nothing else was made */
	free(deep);
	free(file);
	free(below);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_write_string),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_mkdirs),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
