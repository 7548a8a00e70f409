/* test_http_pieces.c - unit tests of the HTTP sink's pieces: request parsing, templates,
 * codecs, exchange rendering, retry helpers, rate limiter, watermarks, in-memory queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kc_codec.h"
#include "http_exchange.h"
#include "http_exec.h"
#include "http_request.h"
#include "kc_kafka_watermark.h"
#include "kc_util.h"
#include "kw_queue.h"

/* Parse a request from text, asserting success. */
static void
parse_ok(const char *text, struct kw_http_request *r)
{
	char err[256] = "";
	int rc = kw_http_request_from_text(text, strlen(text), false, r, err, sizeof(err));

	if (rc != 0)
		fail_msg("parse failed: %s", err);
}

/* Parse expecting an error containing `want`. */
static void
parse_err(const char *text, const char *want)
{
	struct kw_http_request r;
	char err[256] = "";
	int rc = kw_http_request_from_text(text, strlen(text), false, &r, err, sizeof(err));

	assert_int_equal(rc, -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
test_request_minimal(void **state)
{
	struct kw_http_request r;

	(void)state;
	parse_ok("{\"url\":\"https://h/p\",\"method\":\"POST\",\"headers\":{\"Content-Type\":"
	    "[\"application/json\"]},\"bodyType\":\"STRING\",\"bodyAsString\":\"{\\\"a\\\":1}\"}",
	    &r);
	assert_string_equal(r.url, "https://h/p");
	assert_string_equal(r.method, "POST");
	assert_int_equal(r.body_type, KW_HTTP_BODY_STRING);
	assert_int_equal(r.body_len, 7);
	assert_memory_equal(r.body, "{\"a\":1}", 7);
	assert_string_equal(kw_http_headers_get(&r.headers, "content-type"), "application/json");
	kw_http_request_clear(&r);
}

static void
test_request_leniency(void **state)
{
	struct kw_http_request r;
	const char *env;

	(void)state;
	/* default GET, lower-case method, bare-string header, multi-valued header */
	parse_ok("{\"url\":\"http://h/x\",\"headers\":{\"A\":\"1\",\"B\":[\"x\",\"y\"]}}", &r);
	assert_string_equal(r.method, "GET");
	assert_int_equal(r.headers.n, 3);
	assert_null(r.body);
	kw_http_request_clear(&r);
	parse_ok("{\"url\":\"http://h/x\",\"method\":\"patch\"}", &r);
	assert_string_equal(r.method, "PATCH");
	kw_http_request_clear(&r);
	/* Connect JSON envelope */
	env = "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"url\":\"http://h/e\","
	    "\"method\":\"DELETE\"}}";
	parse_ok(env, &r);
	assert_string_equal(r.url, "http://h/e");
	assert_string_equal(r.method, "DELETE");
	kw_http_request_clear(&r);
	/* double-encoded: a JSON string holding the request */
	parse_ok("\"{\\\"url\\\":\\\"http://h/s\\\"}\"", &r);
	assert_string_equal(r.url, "http://h/s");
	kw_http_request_clear(&r);
	/* unknown fields ignored unless strict */
	parse_ok("{\"url\":\"http://h/x\",\"extra\":1}", &r);
	kw_http_request_clear(&r);
	{
		char err[128];

		const char *txt = "{\"url\":\"http://h\",\"extra\":1}";

		assert_int_equal(kw_http_request_from_text(txt, strlen(txt), true, &r, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "extra"));
	}
}

static void
test_request_bodies(void **state)
{
	struct kw_http_request r;

	(void)state;
	/* FORM inferred, encoded, Content-Type defaulted */
	parse_ok("{\"url\":\"http://h\",\"method\":\"POST\",\"bodyAsForm\":{\"a b\":\"c&d\","
	    "\"n\":5}}", &r);
	assert_int_equal(r.body_type, KW_HTTP_BODY_FORM);
	assert_string_equal(r.body, "a+b=c%26d&n=5");
	assert_string_equal(kw_http_headers_get(&r.headers, "Content-Type"),
	    "application/x-www-form-urlencoded");
	kw_http_request_clear(&r);
	/* BYTE_ARRAY, MIME base64 with a line break */
	parse_ok("{\"url\":\"http://h\",\"method\":\"PUT\",\"bodyType\":\"BYTE_ARRAY\","
	    "\"bodyAsByteArray\":\"AAEC\\r\\n/w==\"}", &r);
	assert_int_equal(r.body_len, 4);
	assert_memory_equal(r.body, "\x00\x01\x02\xff", 4);
	assert_string_equal(kw_http_headers_get(&r.headers, "Content-Type"),
	    "application/octet-stream");
	kw_http_request_clear(&r);
	/* MULTIPART */
	parse_ok("{\"url\":\"http://h\",\"method\":\"POST\",\"parts\":{\"f\":{\"bodyAsString\":"
	    "\"hello\"},\"g\":{\"headers\":{\"Content-Type\":[\"application/octet-stream\"]},"
	    "\"bodyType\":\"BYTE_ARRAY\",\"bodyAsByteArray\":\"aGk=\"}}}", &r);
	assert_int_equal(r.body_type, KW_HTTP_BODY_MULTIPART);
	assert_non_null(strstr(kw_http_headers_get(&r.headers, "Content-Type"),
	    "multipart/form-data; boundary="));
	assert_non_null(strstr(r.body, "name=\"f\"\r\n\r\nhello\r\n"));
	assert_non_null(strstr(r.body, "Content-Type: application/octet-stream\r\n"));
	assert_non_null(strstr(r.body, "\r\n\r\nhi\r\n"));
	kw_http_request_clear(&r);
}

static void
test_request_errors(void **state)
{
	(void)state;
	parse_err("{\"method\":\"GET\"}", "url: missing");
	parse_err("{\"url\":5}", "url: expected");
	parse_err("{\"url\":\"ftp://h\"}", "not an http");
	parse_err("{\"url\":\"http://h\",\"method\":\"FETCH\"}", "method:");
	parse_err("{\"url\":\"http://h\",\"headers\":[1]}", "headers:");
	parse_err("{\"url\":\"http://h\",\"headers\":{\"A\":[{}]}}", "headers.A[0]");
	parse_err("{\"url\":\"http://h\",\"headers\":{\"A\":\"x\\r\\nB: y\"}}", "line break");
	parse_err("{\"url\":\"http://h\",\"bodyType\":\"BYTE_ARRAY\",\"bodyAsByteArray\":\"@@\"}",
	    "base64");
	parse_err("{\"url\":\"http://h\",\"bodyType\":\"XML\"}", "bodyType");
	parse_err("{\"url\":\"http://h\",\"bodyType\":\"MULTIPART\"}", "parts: missing");
	parse_err("[1,2]", "expected a JSON object");
	parse_err("{\"url\":", "not valid JSON");
	parse_err("{\"url\":\"http://h\",\"attributes\":[]}", "attributes");
}

static void
test_templates(void **state)
{
	struct kw_http_template *t;
	struct kw_http_tmpl_ctx c;
	struct kc_buf b;
	json_t *v;
	char err[200];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.topic = "orders";
	c.partition = 3;
	c.offset = 42;
	c.key = "k/1";
	c.keylen = 3;
	v = json_pack("{s:{s:s}, s:i}", "user", "name", "a b", "n", 7);
	c.value_json = v;
	c.value = "{}";
	c.valuelen = 2;
	kc_buf_init(&b);
	t = kw_http_template_new("http://h/${topic}/${key}?u=${value.user.name}&n=${value.n}"
	    "&p=${partition}&o=${offset}", err, sizeof(err));
	assert_non_null(t);
	assert_true(kw_http_template_wants_json(t));
	assert_int_equal(kw_http_template_expand(t, &c, true, &b, err, sizeof(err)), 0);
	assert_string_equal(kc_buf_str(&b), "http://h/orders/k%2F1?u=a%20b&n=7&p=3&o=42");
	kc_buf_reset(&b);
	kw_http_template_free(t);
	t = kw_http_template_new("${value.missing}", err, sizeof(err));
	assert_int_equal(kw_http_template_expand(t, &c, false, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such field"));
	kw_http_template_free(t);
	assert_null(kw_http_template_new("${nope}", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown placeholder"));
	assert_null(kw_http_template_new("x${topic", err, sizeof(err)));
	kc_buf_free(&b);
	json_decref(v);
}

static void
test_codecs(void **state)
{
	struct kc_buf b;

	(void)state;
	kc_buf_init(&b);
	kc_base64_encode("hello!?", 7, &b);
	assert_string_equal(kc_buf_str(&b), "aGVsbG8hPw==");
	kc_buf_reset(&b);
	assert_int_equal(kc_base64_decode("aGVsbG8hPw==", 12, KC_BASE64_LENIENT, &b), 0);
	assert_string_equal(kc_buf_str(&b), "hello!?");
	kc_buf_reset(&b);
	assert_int_equal(kc_base64_decode("aGVsbG8hPw", 10, KC_BASE64_LENIENT, &b), 0);	/* no padding */
	assert_string_equal(kc_buf_str(&b), "hello!?");
	kc_buf_reset(&b);
	assert_int_equal(kc_base64_decode("a=b", 3, KC_BASE64_LENIENT, &b), -1);
	kc_buf_reset(&b);
	kw_http_json_str(&b, "a\"\\\n\x01\xc3\xa9\xff", 8);
	assert_string_equal(kc_buf_str(&b), "\"a\\\"\\\\\\n\\u0001\xc3\xa9\\ufffd\"");
	assert_true(kw_http_utf8_valid("\xc3\xa9", 2));
	assert_false(kw_http_utf8_valid("\xc3", 1));
	kc_buf_free(&b);
}

static void
test_exchange_render(void **state)
{
	struct kw_http_request r;
	struct kw_http_response resp;
	struct kw_http_timings tm = { 1, 2, 0, 3, 6, 6, 0 };
	struct kw_http_exchange ex;
	struct kw_http_render_opts o = { false, false, 400 };
	struct kc_buf b;
	json_t *j;
	json_error_t je;

	(void)state;
	parse_ok("{\"url\":\"http://h/p\",\"method\":\"POST\",\"bodyAsString\":\"x\","
	    "\"attributes\":{\"t\":\"1\"}}", &r);
	kw_http_response_init(&resp);
	resp.status = 201;
	resp.status_message = kc_xstrdup("Created");
	strcpy(resp.protocol, "http/1.1");
	kw_http_headers_add(&resp.headers, "Content-Type", "application/json");
	kw_http_headers_add(&resp.headers, "Set-Cookie", "a");
	kw_http_headers_add(&resp.headers, "Set-Cookie", "b");
	kc_buf_puts(&resp.body, "{\"id\":42}");
	memset(&ex, 0, sizeof(ex));
	ex.req = &r;
	ex.resp = &resp;
	ex.timings = &tm;
	ex.attempts = 2;
	ex.moment_us = 1700000000123456LL;
	ex.duration_ms = 6;
	ex.success = true;
	ex.vu_id = "task-0";
	kc_buf_init(&b);
	kw_http_exchange_render(&ex, &o, &b);
	j = json_loads(kc_buf_str(&b), 0, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "attempts")), 2);
	assert_true(json_is_true(json_object_get(j, "success")));
	assert_string_equal(json_string_value(json_object_get(j, "moment")),
	    "2023-11-14T22:13:20.123456Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "httpResponse"),
	    "statusCode")), 201);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(j,
	    "httpResponse"), "headers"), "Set-Cookie")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "httpRequest"),
	    "bodyAsString")), "x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "attributes"),
	    "vu_id")), "task-0");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "timings"),
	    "waitingTime")), 3);
	json_decref(j);
	/* transport error, pojo names, distinct status */
	kw_http_response_clear(&resp);
	resp.err_kind = KW_HTTP_ERR_TIMEOUT;
	resp.err_code = 28;
	resp.err_message = kc_xstrdup("Operation timed out");
	ex.success = false;
	o.pojo_names = true;
	o.transport_status = 599;
	kc_buf_reset(&b);
	kw_http_exchange_render(&ex, &o, &b);
	j = json_loads(kc_buf_str(&b), 0, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "response"),
	    "statusCode")), 599);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(
	    json_object_get(j, "response"), "headers"), "throwable.class"), 0)), "curl:28");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "attributes"),
	    "x.error.kind")), "timeout");
	json_decref(j);
	/* binary body and response-only content */
	kw_http_response_clear(&resp);
	resp.status = 200;
	kw_http_headers_add(&resp.headers, "Content-Type", "image/png");
	kc_buf_append(&resp.body, "\x89PNG", 4);
	resp.truncated = true;
	o.response_only = true;
	kc_buf_reset(&b);
	kw_http_exchange_render(&ex, &o, &b);
	j = json_loads(kc_buf_str(&b), 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "bodyType")), "BYTE_ARRAY");
	assert_string_equal(json_string_value(json_object_get(j, "bodyAsByteArray")), "iVBORw==");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "attributes"),
	    "x.truncated")), "true");
	json_decref(j);
	kc_buf_free(&b);
	kw_http_response_clear(&resp);
	kw_http_request_clear(&r);
}

static void
test_retry_helpers(void **state)
{
	unsigned char tab[600];
	char err[200];
	int64_t now = 1784000000000LL;	/* 2026-07-14T03:33:20Z */

	(void)state;
	assert_int_equal(kw_http_retry_after_ms("120", now), 120000);
	assert_int_equal(kw_http_retry_after_ms(" 0 ", now), 0);
	assert_int_equal(kw_http_retry_after_ms("1.5", now), 1500);
	assert_int_equal(kw_http_retry_after_ms("-1", now), -1);
	assert_int_equal(kw_http_retry_after_ms("soon", now), -1);
	assert_int_equal(kw_http_retry_after_ms("Tue, 14 Jul 2026 03:33:30 GMT", now), 10000);
	assert_int_equal(kw_http_retry_after_ms("Tue, 14 Jul 2026 03:33:00 GMT", now), 0);
	assert_int_equal(kw_http_backoff_ms(1, 100, 2.0, 1000), 100);
	assert_int_equal(kw_http_backoff_ms(3, 100, 2.0, 1000), 400);
	assert_int_equal(kw_http_backoff_ms(10, 100, 2.0, 1000), 1000);
	assert_int_equal(kw_http_status_table("^[1-2][0-9][0-9]$", tab, err, sizeof(err)), 0);
	assert_true(tab[200] && tab[101] && tab[299]);
	assert_false(tab[300] || tab[404] || tab[500]);
	assert_int_equal(kw_http_status_table("^5[0-9][0-9]$|^429$", tab, err, sizeof(err)), 0);
	assert_true(tab[503] && tab[429]);
	assert_false(tab[428]);
	assert_int_equal(kw_http_status_table("([", tab, err, sizeof(err)), -1);
	assert_int_equal(kw_http_classify_curl(CURLE_OPERATION_TIMEDOUT), KW_HTTP_ERR_TIMEOUT);
	assert_int_equal(kw_http_classify_curl(CURLE_COULDNT_CONNECT), KW_HTTP_ERR_REFUSED);
	assert_int_equal(kw_http_classify_curl(CURLE_COULDNT_RESOLVE_HOST), KW_HTTP_ERR_DNS);
	assert_int_equal(kw_http_classify_curl(CURLE_PEER_FAILED_VERIFICATION), KW_HTTP_ERR_TLS);
	assert_int_equal(kw_http_classify_curl(CURLE_FILESIZE_EXCEEDED), KW_HTTP_ERR_TOO_LARGE);
	assert_int_equal(kw_http_classify_curl(CURLE_GOT_NOTHING), KW_HTTP_ERR_PROTOCOL);
	assert_string_equal(kw_http_err_kind_name(KW_HTTP_ERR_REFUSED), "connect_refused");
}

static void
test_rate(void **state)
{
	struct kw_http_rate *r = kw_http_rate_new(10, 1000);	/* one per 100 ms */
	int64_t t = 1000000;

	(void)state;
	assert_int_equal(kw_http_rate_take(r, t), 0);
	assert_int_equal(kw_http_rate_take(r, t), 100000);
	assert_int_equal(kw_http_rate_take(r, t + 50000), 50000);
	assert_int_equal(kw_http_rate_take(r, t + 100000), 0);
	/* long idle: no burst afterwards */
	assert_int_equal(kw_http_rate_take(r, t + 5000000), 0);
	assert_true(kw_http_rate_take(r, t + 5000000) > 0);
	kw_http_rate_free(r);
}

static void
test_watermark(void **state)
{
	struct kc_kafka_watermark *w = kc_kafka_watermark_new();
	rd_kafka_topic_partition_list_t *l;
	int64_t o;

	(void)state;
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), -1);
	for (o = 10; o < 2000; o += (o == 15 ? 3 : 1))	/* a gap: 16,17 never exist */
		kc_kafka_watermark_track(w, "t", 0, o);
	kc_kafka_watermark_track(w, "t", 1, 5);
	assert_int_equal(kc_kafka_watermark_pending(w), 1988 + 1);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 10);
	assert_int_equal(kc_kafka_watermark_done(w, "t", 0, 11), 0);
	assert_int_equal(kc_kafka_watermark_done(w, "t", 0, 11), -1);	/* twice */
	assert_int_equal(kc_kafka_watermark_done(w, "t", 0, 16), -1);	/* never tracked */
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 10);	/* 10 holds it */
	l = rd_kafka_topic_partition_list_new(4);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 2);	/* first report */
	rd_kafka_topic_partition_list_destroy(l);
	assert_int_equal(kc_kafka_watermark_done(w, "t", 0, 10), 0);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 12);
	for (o = 12; o <= 15; o++)
		kc_kafka_watermark_done(w, "t", 0, o);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 18);	/* across the gap */
	for (o = 1999; o >= 18; o--)	/* reverse order */
		assert_int_equal(kc_kafka_watermark_done(w, "t", 0, o), 0);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 2000);
	assert_int_equal(kc_kafka_watermark_pending_partition(w, "t", 0), 0);
	l = rd_kafka_topic_partition_list_new(4);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 1);
	assert_int_equal(l->elems[0].offset, 2000);
	assert_int_equal(l->elems[0].partition, 0);
	rd_kafka_topic_partition_list_destroy(l);
	l = rd_kafka_topic_partition_list_new(4);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 0);	/* nothing new */
	kc_kafka_watermark_uncommit(w, "t", 0);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 1);	/* again after failure */
	rd_kafka_topic_partition_list_destroy(l);
	/* uncommitted: everything since the window started (10) or the last good commit */
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 1990 + 1);
	kc_kafka_watermark_committed(w, "t", 0, 2000);
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 1);	/* t/1@5 */
	kc_kafka_watermark_committed(w, "t", 0, 1500);			/* older: ignored */
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 1);
	/* re-delivery resets */
	kc_kafka_watermark_track(w, "t", 0, 100);
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 2);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 0), 100);
	assert_int_equal(kc_kafka_watermark_pending(w), 2);
	kc_kafka_watermark_forget(w, "t", 1);
	assert_int_equal(kc_kafka_watermark_pending(w), 1);
	assert_int_equal(kc_kafka_watermark_done(w, "t", 1, 5), -1);
	/* a partition started at a position past its commit (handed back after what an
	 * earlier owner finished): that position is committable with nothing tracked, reported
	 * again after a refused commit, and counts as one uncommitted record until committed */
	kc_kafka_watermark_free(w);
	w = kc_kafka_watermark_new();
	kc_kafka_watermark_start(w, "t", 2, 0);				/* 0: nothing to commit */
	assert_int_equal(kc_kafka_watermark_position(w, "t", 2), -1);
	kc_kafka_watermark_start(w, "t", 2, 42);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 2), 42);
	assert_int_equal(kc_kafka_watermark_pending_partition(w, "t", 2), 0);
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 1);
	l = rd_kafka_topic_partition_list_new(4);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 1);
	assert_string_equal(l->elems[0].topic, "t");
	assert_int_equal(l->elems[0].partition, 2);
	assert_int_equal(l->elems[0].offset, 42);
	assert_int_equal(kc_kafka_watermark_committable(w, l), 0);
	kc_kafka_watermark_uncommit(w, "t", 2);				/* refused */
	assert_int_equal(kc_kafka_watermark_committable(w, l), 1);
	rd_kafka_topic_partition_list_destroy(l);
	kc_kafka_watermark_committed(w, "t", 2, 42);
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 0);
	kc_kafka_watermark_track(w, "t", 2, 42);			/* the next record */
	assert_int_equal(kc_kafka_watermark_position(w, "t", 2), 42);
	assert_int_equal(kc_kafka_watermark_uncommitted(w), 1);
	assert_int_equal(kc_kafka_watermark_done(w, "t", 2, 42), 0);
	assert_int_equal(kc_kafka_watermark_position(w, "t", 2), 43);
	kc_kafka_watermark_free(w);
}

struct titem {
	struct kw_queue_item	 base;
	int			 v;
	int			*acked;
};

static void
titem_done(struct kw_queue_item *it, int ok)
{
	struct titem *t = (struct titem *)it;

	if (ok)
		__atomic_add_fetch(t->acked, 1, __ATOMIC_SEQ_CST);
	free(t);
}

static void
waker(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

struct popper {
	struct kw_queue	*q;
	int		 n, last, ordered;
};

static void *
pop_thread(void *arg)
{
	struct popper *p = arg;
	struct kw_queue_item *items[16];
	size_t n, i;

	p->last = -1;
	p->ordered = 1;
	while (p->n < 10000) {
		n = kw_queue_pop(p->q, items, 16, 100);
		for (i = 0; i < n; i++) {
			if (((struct titem *)items[i])->v != p->last + 1)
				p->ordered = 0;
			p->last = ((struct titem *)items[i])->v;
			kw_queue_item_done(items[i], 1);
		}
		p->n += (int)n;
	}
	return NULL;
}

static void
test_queue(void **state)
{
	struct kw_queue *q, *q2;
	struct kw_queue_item *items[8];
	struct titem *t;
	struct popper p;
	pthread_t th;
	json_t *list;
	char err[200];
	int acked = 0, wakes = 0, i, full = 0;

	(void)state;
	q = kw_queue_open("unit-q", 4);
	q2 = kw_queue_open("unit-q", 99);
	assert_ptr_equal(q, q2);
	assert_int_equal(kw_queue_capacity(q), 4);
	kw_queue_close(q2);
	assert_false(kw_queue_has_consumer(q));
	assert_int_equal(kw_queue_set_consumer(q, "src/0", err, sizeof(err)), 0);
	assert_int_equal(kw_queue_set_consumer(q, "other/0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "src/0"));
	kw_queue_add_waker(q, waker, &wakes);
	for (i = 0; i < 5; i++) {
		t = kc_xcalloc(1, sizeof(*t));
		t->base.done = titem_done;
		t->v = i;
		t->acked = &acked;
		if (kw_queue_push(q, &t->base) < 0) {
			full++;
			free(t);
		}
	}
	assert_int_equal(full, 1);
	assert_int_equal(kw_queue_depth(q), 4);
	assert_int_equal(kw_queue_pop(q, items, 8, 0), 4);
	assert_int_equal(wakes, 1);	/* a refused push, then space */
	assert_int_equal(((struct titem *)items[0])->v, 0);
	assert_int_equal(((struct titem *)items[3])->v, 3);
	for (i = 0; i < 4; i++)
		kw_queue_item_done(items[i], 1);
	assert_int_equal(acked, 4);
	assert_int_equal(kw_queue_pop(q, items, 8, 20), 0);	/* times out */
	list = kw_queue_list_json();
	assert_true(json_array_size(list) >= 1);
	json_decref(list);
	/* producer/consumer threads with backpressure: order kept, depth never > capacity */
	memset(&p, 0, sizeof(p));
	p.q = q;
	pthread_create(&th, NULL, pop_thread, &p);
	for (i = 0; i < 10000;) {
		t = kc_xcalloc(1, sizeof(*t));
		t->base.done = titem_done;
		t->v = i;
		t->acked = &acked;
		if (kw_queue_push(q, &t->base) < 0) {
			free(t);
			usleep(50);
			continue;
		}
		i++;
		assert_true(kw_queue_depth(q) <= 4);
	}
	pthread_join(th, NULL);
	assert_int_equal(p.n, 10000);
	assert_true(p.ordered);
	assert_int_equal(acked, 10004);
	kw_queue_remove_waker(q, waker, &wakes);
	kw_queue_clear_consumer(q, "src/0");
	assert_false(kw_queue_has_consumer(q));
	/* items left at the last close are abandoned (ok = 0) */
	t = kc_xcalloc(1, sizeof(*t));
	t->base.done = titem_done;
	t->acked = &acked;
	assert_int_equal(kw_queue_push(q, &t->base), 0);
	kw_queue_close(q);
	assert_int_equal(acked, 10004);
}

/* The target guard's list: categories, CIDR precision, IPv4-mapped IPv6, bad entries. */
static const char *
deny_match(const struct kw_http_netlist *n, const char *ip)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, ip, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		return kw_http_netlist_match(n, (const struct sockaddr *)&a4);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &a6.sin6_addr), 1);
	a6.sin6_family = AF_INET6;
	return kw_http_netlist_match(n, (const struct sockaddr *)&a6);
}

static void
test_target_guard(void **state)
{
	struct kw_http_netlist *n;
	char err[256];

	(void)state;
	n = kw_http_netlist_new("loopback, private ,link-local", err, sizeof(err));
	assert_non_null(n);
	assert_string_equal(deny_match(n, "127.0.0.1"), "loopback");
	assert_string_equal(deny_match(n, "127.255.0.9"), "loopback");
	assert_string_equal(deny_match(n, "0.0.0.0"), "loopback");
	assert_string_equal(deny_match(n, "::1"), "loopback");
	assert_string_equal(deny_match(n, "::"), "loopback");
	assert_string_equal(deny_match(n, "::ffff:127.0.0.1"), "loopback");
	assert_string_equal(deny_match(n, "10.20.30.40"), "private");
	assert_string_equal(deny_match(n, "172.16.0.1"), "private");
	assert_string_equal(deny_match(n, "172.31.255.255"), "private");
	assert_null(deny_match(n, "172.32.0.1"));
	assert_null(deny_match(n, "172.15.255.255"));
	assert_string_equal(deny_match(n, "192.168.1.1"), "private");
	assert_string_equal(deny_match(n, "100.64.0.1"), "private");
	assert_string_equal(deny_match(n, "fd12::1"), "private");
	assert_string_equal(deny_match(n, "169.254.169.254"), "link-local");
	assert_string_equal(deny_match(n, "::ffff:169.254.169.254"), "link-local");
	assert_string_equal(deny_match(n, "fe80::1"), "link-local");
	assert_null(deny_match(n, "8.8.8.8"));
	assert_null(deny_match(n, "2001:db8::1"));
	assert_null(deny_match(n, "::ffff:8.8.8.8"));
	kw_http_netlist_free(n);

	n = kw_http_netlist_new("127.0.0.1/32,203.0.113.0/25,2001:db8::/33", err, sizeof(err));
	assert_non_null(n);
	assert_string_equal(deny_match(n, "127.0.0.1"), "127.0.0.1/32");
	assert_null(deny_match(n, "127.0.0.2"));
	assert_string_equal(deny_match(n, "203.0.113.127"), "203.0.113.0/25");
	assert_null(deny_match(n, "203.0.113.128"));
	assert_string_equal(deny_match(n, "2001:db8:7fff::1"), "2001:db8::/33");
	assert_null(deny_match(n, "2001:db8:8000::1"));
	kw_http_netlist_free(n);

	assert_null(kw_http_netlist_new("", err, sizeof(err)));
	assert_string_equal(err, "");
	assert_null(kw_http_netlist_new(" , ", err, sizeof(err)));
	assert_string_equal(err, "");
	assert_null(kw_http_netlist_new("loopback,10.0.0.0/33", err, sizeof(err)));
	assert_non_null(strstr(err, "'10.0.0.0/33'"));
	assert_null(kw_http_netlist_new("intranet", err, sizeof(err)));
	assert_non_null(strstr(err, "'intranet'"));
	assert_null(kw_http_netlist_new("10.0.0.0/", err, sizeof(err)));
	assert_null(kw_http_netlist_new("10.0.0.0/8x", err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_minimal),
		cmocka_unit_test(test_request_leniency),
		cmocka_unit_test(test_request_bodies),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_exchange_render),
		cmocka_unit_test(test_retry_helpers),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_watermark),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_target_guard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
