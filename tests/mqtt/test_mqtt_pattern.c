/* test_mqtt_pattern.c - unit tests of MQTT destination patterns, MQTT -> Kafka topic mapping,
 * selector checks and mqtt.url parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mqtt_pattern.h"

/* Expand pattern for a record; returns the topic or "ERR: message" (caller frees). */
static char *
expand(const char *pattern, const char *topic, const char *key, int kv, int vv)
{
	struct kw_mqtt_rec rec = { topic, key, key != NULL ? strlen(key) : 0, kv, vv };
	struct kc_buf b;
	char err[256];

	kc_buf_init(&b);
	if (kw_mqtt_dest_expand(pattern, &rec, &b, err, sizeof(err)) != 0) {
		kc_buf_free(&b);
		kc_buf_printf(&b, "ERR: %s", err);
	}
	return kc_buf_steal(&b);
}

#define EXPAND_EQ(want, ...) do { char *s_ = expand(__VA_ARGS__); \
	assert_string_equal(s_, want); free(s_); } while (0)

static void
test_destination(void **state)
{
	char *s;

	(void)state;
	EXPAND_EQ("kafka/orders/7", "kafka/${topic}/${key}", "orders", "7", -1, -1);
	EXPAND_EQ("kafka/orders", "kafka/${topic}", "orders", "7", -1, -1);
	EXPAND_EQ("v/3/5/k", "v/${key.version}/${value.version}/${key}", "t", "k", 3, 5);
	/* no schema version: the token stays literal, like the Diffusion connector */
	EXPAND_EQ("v/${key.version}/5", "v/${key.version}/${value.version}", "t", "k", -1, 5);
	/* null key: only ${topic} */
	EXPAND_EQ("kafka/orders/${key}/${key.version}/${value.version}",
	    "kafka/${topic}/${key}/${key.version}/${value.version}", "orders", NULL, 1, 2);
	/* one pass: a key that looks like a token is not expanded again */
	EXPAND_EQ("x/${topic}", "x/${key}", "orders", "${topic}", -1, -1);
	/* unknown tokens and stray '$' stay */
	EXPAND_EQ("a/${nope}/$/b${", "a/${nope}/$/b${", "t", "k", -1, -1);
	/* keys with '/' make levels; wildcards are made harmless */
	EXPAND_EQ("d/a/b", "d/${key}", "t", "a/b", -1, -1);
	EXPAND_EQ("d/a_b_", "d/${key}", "t", "a+b#", -1, -1);
	/* a pattern with a wildcard is not a topic name */
	s = expand("kafka/#", "t", "k", -1, -1);
	assert_non_null(strstr(s, "ERR: "));
	assert_non_null(strstr(s, "'+' or '#'"));
	free(s);
	/* an empty result */
	s = expand("${key}", "t", "", -1, -1);
	assert_non_null(strstr(s, "empty"));
	free(s);
}

static char *
kafka(const char *pattern, const char *mqtt)
{
	struct kc_buf b;
	char err[256];

	kc_buf_init(&b);
	if (kw_mqtt_kafka_topic(pattern, mqtt, &b, err, sizeof(err)) != 0) {
		kc_buf_free(&b);
		kc_buf_printf(&b, "ERR: %s", err);
	}
	return kc_buf_steal(&b);
}

#define KAFKA_EQ(want, p, m) do { char *s_ = kafka(p, m); assert_string_equal(s_, want); \
	free(s_); } while (0)

static void
test_kafka_topic(void **state)
{
	char *s, longt[400];

	(void)state;
	KAFKA_EQ("foo_bar", "${topic}", "foo/bar");
	KAFKA_EQ("mqtt.source_kafka_x", "mqtt.${topic}", "source/kafka/x");
	KAFKA_EQ("a_b_c-d.e_", "${topic}", "a b+c-d.e\xc3\xa9");	/* one _ for é's two bytes */
	KAFKA_EQ("_SYS_broker", "${topic}", "$SYS/broker");
	KAFKA_EQ("fixed", "fixed", "any/thing");
	KAFKA_EQ("pre_fix_x", "pre/fix_${topic}", "x");
	s = kafka("${topic}", "");
	assert_non_null(strstr(s, "invalid topic name"));
	free(s);
	s = kafka("${topic}", "..");
	assert_non_null(strstr(s, "invalid"));
	free(s);
	memset(longt, 'a', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	s = kafka("${topic}", longt);
	assert_non_null(strstr(s, "249"));
	free(s);
}

static void
test_checks(void **state)
{
	char buf[256];

	(void)state;
	assert_null(kw_mqtt_check_destination("kafka/${topic}/${key}", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_destination("kafka/+/x", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_destination("", buf, sizeof(buf)));
	assert_null(kw_mqtt_check_selector("source/kafka/#", buf, sizeof(buf)));
	assert_null(kw_mqtt_check_selector("a/+/b, c/#,#,+", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_selector("a/#/b", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_selector("a/b#", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_selector("a/b+/c", buf, sizeof(buf)));
	assert_non_null(kw_mqtt_check_selector(" , ", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "at least one"));
}

static void
test_url(void **state)
{
	struct kw_mqtt_url u;
	char err[256];

	(void)state;
	assert_int_equal(kw_mqtt_url_parse("mqtt://127.0.0.1:1884", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 1884);
	assert_false(u.tls);
	kw_mqtt_url_free(&u);
	assert_int_equal(kw_mqtt_url_parse("mqtts://localhost", &u, err, sizeof(err)), 0);
	assert_int_equal(u.port, 8883);
	assert_true(u.tls);
	kw_mqtt_url_free(&u);
	assert_int_equal(kw_mqtt_url_parse("tcp://[::1]:1900/", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 1900);
	kw_mqtt_url_free(&u);
	assert_int_equal(kw_mqtt_url_parse("localhost", &u, err, sizeof(err)), 0);
	assert_int_equal(u.port, 1883);
	kw_mqtt_url_free(&u);
	assert_int_equal(kw_mqtt_url_parse("ws://h", &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "scheme"));
	assert_int_equal(kw_mqtt_url_parse("mqtt://h:0", &u, err, sizeof(err)), -1);
	assert_int_equal(kw_mqtt_url_parse("mqtt://h:99999", &u, err, sizeof(err)), -1);
	assert_int_equal(kw_mqtt_url_parse("mqtt://h:12x", &u, err, sizeof(err)), -1);
	assert_int_equal(kw_mqtt_url_parse("mqtt://:1883", &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no host"));
	assert_int_equal(kw_mqtt_url_parse("mqtt://h/path", &u, err, sizeof(err)), -1);
	assert_int_equal(kw_mqtt_url_parse("", &u, err, sizeof(err)), -1);
	assert_null(kw_mqtt_check_url("mqtt://127.0.0.1", err, sizeof(err)));
	assert_non_null(kw_mqtt_check_url("http://x", err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destination),
		cmocka_unit_test(test_kafka_topic),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
