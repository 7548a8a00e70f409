/* test_worker_unit.c - unit tests of kcops-worker's pieces: worker configuration (properties,
 * --set overrides, unknown keys with suggestions), connector validation (types, required,
 * password masking, plugin hooks), converters, the cron expression parser, plugin lookup. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_kafka_conf.h"
#include "kc_util.h"
#include "kw_cron.h"
#include "kw_internal.h"

/* ---- worker configuration ---- */

static char *
write_tmp(const char *text)
{
	char *path = kc_xstrdup("/tmp/kw-unit-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_config_props_and_sets(void **state)
{
	char *path = write_tmp("# worker\nbootstrap.servers=127.0.0.1:9092\ngroup.id = g1\n"
	    "listeners: http://127.0.0.1:0\nproducer.linger.ms=5\nsasl.mechanism=PLAIN\n"
	    "plugin.path=/usr/share/java\nkey.converter.schemas.enable=false\n");
	char *sets[] = { "group.id=g2", "state.dir=/tmp/x=y" };
	char err[512];
	json_t *c;

	(void)state;
	c = kw_config_load(path, sets, 2, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(kc_json_str(c, "bootstrap.servers"), "127.0.0.1:9092");
	assert_string_equal(kc_json_str(c, "group.id"), "g2");		/* --set wins */
	assert_string_equal(kc_json_str(c, "state.dir"), "/tmp/x=y");	/* first '=' splits */
	assert_string_equal(kc_json_str(c, "listeners"), "http://127.0.0.1:0");
	assert_string_equal(kc_json_str(c, "producer.linger.ms"), "5");
	assert_string_equal(kc_json_str(c, "plugin.path"), "/usr/share/java");	/* ignored, kept */
	json_decref(c);
	unlink(path);
	free(path);
}

static void
test_config_unknown_key_suggests(void **state)
{
	char *path = write_tmp("bootstrap.server=127.0.0.1:9092\n");
	char *sets[] = { "listners=http://127.0.0.1:0" };
	char *bad[] = { "novalue" };
	char err[512];
	const char *sug;

	(void)state;
	assert_null(kw_config_load(path, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "\"bootstrap.server\""));
	assert_non_null(strstr(err, "did you mean \"bootstrap.servers\""));
	assert_non_null(strstr(err, path));
	assert_null(kw_config_load(NULL, sets, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "did you mean \"listeners\""));
	assert_null(kw_config_load(NULL, bad, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "expected key=value"));
	assert_int_equal(kw_config_key_known("totally.unrelated.thing.here", &sug), 0);
	assert_null(sug);
	assert_int_equal(kw_config_key_known("consumer.session.timeout.ms", NULL), 1);
	assert_int_equal(kw_config_key_known("ssl.ca.location", NULL), 1);
	assert_int_equal(kw_config_key_known("rest.extension.classes", NULL), 2);
	assert_int_equal(kw_config_key_known("config.storage.topic", NULL), 1);
	unlink(path);
	free(path);
}

/* ---- validation ---- */

static const struct kw_cfg_def fake_defs[] = {
	{ "secret", KW_CFG_PASSWORD, NULL, KW_HIGH, "Auth", "A secret.", NULL, 0 },
	{ "count", KW_CFG_INT, "3", KW_MEDIUM, "Tuning", "A count.", kw_valid_positive_int, 0 },
	{ "ratio", KW_CFG_DOUBLE, "0.5", KW_LOW, "Tuning", "A ratio.", NULL, 0 },
	{ "flag", KW_CFG_BOOLEAN, "false", KW_LOW, "Tuning", "A flag.", NULL, 0 },
	{ "pattern", KW_CFG_STRING, NULL, KW_LOW, "Tuning", "A regex.", kw_valid_regex,
	  KW_CFG_OPTIONAL },
	{ "token", KW_CFG_PASSWORD, "default-token", KW_LOW, "Auth", "Token.", NULL, 0 },
};

static void
fake_validate(const json_t *config, struct kw_validation *v)
{
	if (strcmp(kc_json_str_or(config, "flag", ""), "true") == 0 &&
	    kc_json_str(config, "pattern") == NULL)
		kw_validation_error(v, "pattern", "pattern is required when flag is true");
}

static const struct kw_plugin fake_plugin = {
	"test.FakeSinkConnector", NULL, KW_PLUGIN_SINK, "1.0", fake_defs, 6, fake_validate,
	NULL, NULL,
};

static json_t *
value_of(json_t *infos, const char *key)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(infos, "configs"), i, c)
		if (strcmp(kc_json_str(json_object_get(c, "value"), "name"), key) == 0)
			return c;
	return NULL;
}

static void
test_validate_types_and_masking(void **state)
{
	json_t *cfg, *infos, *c;
	int nerr;

	(void)state;
	cfg = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", "x", "connector.class",
	    "test.FakeSinkConnector", "topics", "a", "secret", "hunter2", "count", "zero",
	    "ratio", "1e");
	infos = kw_config_validate(&fake_plugin, cfg, &nerr);
	assert_int_equal(nerr, 2);
	assert_int_equal(json_integer_value(json_object_get(infos, "error_count")), 2);
	c = value_of(infos, "secret");
	assert_string_equal(kc_json_str(json_object_get(c, "value"), "value"), "[hidden]");
	assert_string_equal(kc_json_str(json_object_get(c, "definition"), "type"), "PASSWORD");
	assert_true(json_is_true(json_object_get(json_object_get(c, "definition"), "required")));
	c = value_of(infos, "token");
	assert_string_equal(kc_json_str(json_object_get(c, "definition"), "default_value"),
	    "[hidden]");
	assert_string_equal(kc_json_str(json_object_get(c, "value"), "value"), "[hidden]");
	c = value_of(infos, "count");
	assert_int_equal(json_array_size(json_object_get(json_object_get(c, "value"), "errors")), 1);
	c = value_of(infos, "ratio");
	assert_int_equal(json_array_size(json_object_get(json_object_get(c, "value"), "errors")), 1);
	c = value_of(infos, "pattern");
	assert_true(json_is_null(json_object_get(json_object_get(c, "definition"),
	    "default_value")));
	assert_false(json_is_true(json_object_get(json_object_get(c, "definition"), "required")));
	/* framework keys are merged in, in groups */
	assert_non_null(value_of(infos, "tasks.max"));
	assert_non_null(value_of(infos, "errors.deadletterqueue.topic.name"));
	json_decref(infos);
	json_decref(cfg);

	/* missing required key, sink without topics, plugin hook */
	cfg = json_pack("{s:s,s:s,s:s}", "name", "x", "connector.class", "F", "flag", "true");
	infos = kw_config_validate(&fake_plugin, cfg, &nerr);
	c = value_of(infos, "secret");
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(json_object_get(c,
	    "value"), "errors"), 0)), "Missing required configuration \"secret\""));
	c = value_of(infos, "topics");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(c,
	    "value"), "errors"), 0)), "Must configure one of topics or topics.regex");
	json_decref(infos);
	json_object_set_new(cfg, "secret", json_string("s"));
	json_object_set_new(cfg, "topics.regex", json_string("a.*"));
	infos = kw_config_validate(&fake_plugin, cfg, &nerr);
	assert_int_equal(nerr, 1);	/* only the hook's cross-key error */
	c = value_of(infos, "pattern");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(c,
	    "value"), "errors"), 0)), "pattern is required when flag is true");
	json_decref(infos);
	json_object_set_new(cfg, "pattern", json_string("a(("));
	infos = kw_config_validate(&fake_plugin, cfg, &nerr);
	assert_int_equal(nerr, 1);	/* bad regex */
	json_decref(infos);
	json_decref(cfg);
}

static void
test_effective_defaults(void **state)
{
	json_t *cfg = json_pack("{s:s,s:i}", "name", "x", "count", 7), *eff;

	(void)state;
	eff = kw_config_effective(&fake_plugin, cfg);
	assert_string_equal(kc_json_str(eff, "count"), "7");
	assert_string_equal(kc_json_str(eff, "ratio"), "0.5");
	assert_string_equal(kc_json_str(eff, "tasks.max"), "1");
	assert_null(kc_json_str(eff, "pattern"));
	json_decref(eff);
	json_decref(cfg);
}

/* ---- converters ---- */

static void
test_converters(void **state)
{
	struct kw_converter c;
	struct kw_data d;
	json_t *conn, *worker;
	char err[512];
	void *out;
	size_t len;

	(void)state;
	conn = json_object();
	worker = json_pack("{s:s}", "value.converter", "org.apache.kafka.connect.json.JsonConverter");
	/* worker level JsonConverter, schemas.enable defaults to true */
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), 0);
	assert_int_equal(c.kind, KW_CONV_JSON);
	assert_true(c.schemas_enable);
	{
		const char *env = "{\"schema\":{\"type\":\"string\",\"version\":3},\"payload\":\"hi\"}";

		assert_int_equal(kw_converter_decode(&c, env, strlen(env), &d, err, sizeof(err)), 0);
	}
	assert_int_equal(d.kind, KW_DATA_JSON);
	assert_string_equal(json_string_value(d.json), "hi");
	assert_int_equal(d.schema_version, 3);
	kw_data_clear(&d);
	assert_int_equal(kw_converter_decode(&c, "{\"a\":1}", 7, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schemas.enable"));
	assert_int_equal(kw_converter_decode(&c, "{\"a\":", 5, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid JSON"));
	/* encode wraps in an envelope */
	d.kind = KW_DATA_JSON;
	d.json = json_pack("{s:i}", "a", 1);
	assert_int_equal(kw_converter_encode(&c, &d, &out, &len, err, sizeof(err)), 0);
	assert_non_null(strstr(out, "\"payload\":{\"a\":1}"));
	assert_non_null(strstr(out, "\"type\":\"struct\""));
	free(out);
	/* connector level overrides worker level, schemas.enable=false */
	json_object_set_new(conn, "value.converter", json_string("JsonConverter"));
	json_object_set_new(conn, "value.converter.schemas.enable", json_string("false"));
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), 0);
	assert_false(c.schemas_enable);
	assert_int_equal(kw_converter_encode(&c, &d, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "{\"a\":1}");
	free(out);
	kw_data_clear(&d);
	assert_int_equal(kw_converter_decode(&c, "[1,2]", 5, &d, err, sizeof(err)), 0);
	assert_true(json_is_array(d.json));
	kw_data_clear(&d);
	assert_int_equal(kw_converter_decode(&c, "null", 4, &d, err, sizeof(err)), 0);
	assert_int_equal(d.kind, KW_DATA_NULL);
	/* StringConverter: bytes pass through; JSON strings are written raw */
	json_object_set_new(conn, "value.converter", json_string(
	    "org.apache.kafka.connect.storage.StringConverter"));
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), 0);
	assert_int_equal(kw_converter_decode(&c, "abc", 3, &d, err, sizeof(err)), 0);
	assert_int_equal(d.kind, KW_DATA_BYTES);
	assert_int_equal(d.len, 3);
	d.kind = KW_DATA_JSON;
	d.json = json_string("raw text");
	assert_int_equal(kw_converter_encode(&c, &d, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "raw text");
	free(out);
	kw_data_clear(&d);
	assert_int_equal(kw_converter_decode(&c, NULL, 0, &d, err, sizeof(err)), 0);
	assert_int_equal(d.kind, KW_DATA_NULL);
	/* ByteArrayConverter */
	json_object_set_new(conn, "value.converter", json_string("ByteArrayConverter"));
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), 0);
	assert_int_equal(c.kind, KW_CONV_BYTES);
	d.kind = KW_DATA_BYTES;
	d.ptr = "\x00\x01\x02";
	d.len = 3;
	assert_int_equal(kw_converter_encode(&c, &d, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\x00\x01\x02", 3);
	free(out);
	/* unknown converter and bad schemas.enable */
	json_object_set_new(conn, "value.converter", json_string("io.confluent.AvroConverter"));
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unsupported converter"));
	json_object_set_new(conn, "value.converter", json_string("JsonConverter"));
	json_object_set_new(conn, "value.converter.schemas.enable", json_string("maybe"));
	assert_int_equal(kw_converter_setup(&c, conn, worker, "value", err, sizeof(err)), -1);
	/* default: StringConverter */
	assert_int_equal(kw_converter_setup(&c, conn, worker, "key", err, sizeof(err)), 0);
	assert_int_equal(c.kind, KW_CONV_STRING);
	json_decref(conn);
	json_decref(worker);
}

/* ---- cron ---- */

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static void
test_cron(void **state)
{
	struct kw_cron *c;
	char err[256];
	int64_t base = utc(2026, 3, 1, 10, 15, 30);	/* a Sunday */

	(void)state;
	c = kw_cron_parse("0/5 * * * * ?", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(kw_cron_next(c, base), utc(2026, 3, 1, 10, 15, 35));
	assert_int_equal(kw_cron_next(c, utc(2026, 3, 1, 10, 15, 57)), utc(2026, 3, 1, 10, 16, 0));
	kw_cron_free(c);
	c = kw_cron_parse("0 30 9 ? * MON-FRI", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(kw_cron_next(c, base), utc(2026, 3, 2, 9, 30, 0));	/* Monday */
	assert_int_equal(kw_cron_next(c, utc(2026, 3, 6, 9, 30, 0)), utc(2026, 3, 9, 9, 30, 0));
	kw_cron_free(c);
	c = kw_cron_parse("0 0 12 1 JAN,jul ?", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(kw_cron_next(c, base), utc(2026, 7, 1, 12, 0, 0));
	kw_cron_free(c);
	c = kw_cron_parse("10-12 0 0 29 2 ? 2028", err, sizeof(err));	/* leap day, year field */
	assert_non_null(c);
	assert_int_equal(kw_cron_next(c, base), utc(2028, 2, 29, 0, 0, 10));
	assert_int_equal(kw_cron_next(c, utc(2028, 2, 29, 0, 0, 12)), -1);
	kw_cron_free(c);
	c = kw_cron_parse("0 0 0 ? * 1", err, sizeof(err));	/* Quartz: 1 = Sunday */
	assert_int_equal(kw_cron_next(c, base), utc(2026, 3, 8, 0, 0, 0));
	kw_cron_free(c);
	c = kw_cron_parse("* * * * *", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "got 5"));
	assert_null(kw_cron_parse("0 0 25 * * ?", err, sizeof(err)));
	assert_non_null(strstr(err, "hours"));
	assert_null(kw_cron_parse("0 0 0 L * ?", err, sizeof(err)));
	assert_non_null(strstr(err, "not supported"));
	assert_null(kw_cron_parse("0 0 0 * FOO ?", err, sizeof(err)));
	assert_null(kw_cron_parse("0/0 * * * * ?", err, sizeof(err)));
	assert_null(kw_cron_parse("5-1 * * * * ?", err, sizeof(err)));
	assert_null(kw_cron_parse("? * * * * ?", err, sizeof(err)));
	assert_null(kw_cron_parse(NULL, err, sizeof(err)));
}

static void
test_plugin_find(void **state)
{
	(void)state;
	assert_non_null(kw_plugin_find("kcops.http.HttpCronSourceConnector"));
	assert_ptr_equal(kw_plugin_find("HttpCronSourceConnector"),
	    kw_plugin_find("kcops.http.HttpCronSourceConnector"));
	assert_ptr_equal(kw_plugin_find("HttpCronSource"),
	    kw_plugin_find("kcops.http.HttpCronSourceConnector"));
	assert_null(kw_plugin_find("com.example.HttpCronSourceConnector"));
	assert_null(kw_plugin_find("Nope"));
	assert_null(kw_plugin_find(""));
	assert_null(kw_plugin_find(NULL));
}

/* ---- Kafka client settings ---- */

static void
test_kafka_conf(void **state)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	json_t *map;
	char err[512], val[64];
	size_t len = sizeof(val);
	bool skipped;

	(void)state;
	assert_true(kc_kafka_conf_is_client_key("security.protocol"));
	assert_true(kc_kafka_conf_is_client_key("sasl.mechanism"));
	assert_true(kc_kafka_conf_is_client_key("ssl.ca.location"));
	assert_false(kc_kafka_conf_is_client_key("linger.ms"));
	/* Java-only and unknown keys are skipped, bad values are errors naming the key */
	assert_int_equal(kc_kafka_conf_set(conf, "ssl.truststore.location", "/x.jks", &skipped,
	    err, sizeof(err)), 0);
	assert_true(skipped);
	assert_int_equal(kc_kafka_conf_set(conf, "max.poll.records", "10", &skipped, err,
	    sizeof(err)), 0);
	assert_true(skipped);
	assert_int_equal(kc_kafka_conf_set(conf, "session.timeout.ms", "abc", &skipped, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "session.timeout.ms"));
	/* prefix application: only consumer.* keys, prefix stripped, numbers converted */
	map = json_pack("{s:s,s:i,s:s}", "consumer.session.timeout.ms", "6000",
	    "consumer.heartbeat.interval.ms", 500, "producer.linger.ms", "7");
	assert_int_equal(kc_kafka_conf_apply(conf, map, "consumer.", err, sizeof(err)), 0);
	assert_int_equal(rd_kafka_conf_get(conf, "session.timeout.ms", val, &len), RD_KAFKA_CONF_OK);
	assert_string_equal(val, "6000");
	len = sizeof(val);
	assert_int_equal(rd_kafka_conf_get(conf, "heartbeat.interval.ms", val, &len),
	    RD_KAFKA_CONF_OK);
	assert_string_equal(val, "500");
	len = sizeof(val);
	assert_int_equal(rd_kafka_conf_get(conf, "linger.ms", val, &len), RD_KAFKA_CONF_OK);
	assert_string_not_equal(val, "7");
	json_decref(map);
	rd_kafka_conf_destroy(conf);
}

/* The shared choice validator: case rules and both message forms. */
static void
test_valid_choice(void **state)
{
	char buf[128];

	(void)state;
	assert_null(kw_valid_choice("dlq", buf, sizeof buf, 1, "NONE", "DLQ", "PRODUCER", NULL));
	assert_string_equal(kw_valid_choice("X", buf, sizeof buf, 1, "NONE", "DLQ", "PRODUCER",
	    NULL), "must be one of NONE, DLQ, PRODUCER");
	assert_null(kw_valid_choice("static", buf, sizeof buf, 0, "instance", "static", NULL));
	assert_string_equal(kw_valid_choice("Static", buf, sizeof buf, 0, "instance", "static",
	    NULL), "must be instance or static");
}

/* The name index and the dirty list behind kw_conn_find_locked and kw_herder_save_locked:
 * enough connectors to rebuild the index several times, deletes leaving tombstones, names
 * re-added, and one journal record per change. */
static void
test_conn_index(void **state)
{
	struct kw_worker w;
	char name[32];
	int i;

	(void)state;
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.offsets = json_object();
	w.ring_size = 4;
	w.journal_fd = -1;
	assert_null(kw_conn_find_locked(&w, "c0"));
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "c%d", i);
		kw_conn_add_locked(&w, name, json_pack("{s:s}", "connector.class", "X"),
		    KW_CT_STOPPED);
	}
	kw_herder_save_locked(&w);
	assert_int_equal(w.journal_recs, 300);
	kw_herder_save_locked(&w);			/* nothing changed since */
	assert_int_equal(w.journal_recs, 300);
	for (i = 0; i < 300; i++) {
		struct kw_connector *c;

		snprintf(name, sizeof name, "c%d", i);
		c = kw_conn_find_locked(&w, name);
		assert_non_null(c);
		assert_string_equal(c->name, name);
		if (i % 2 == 0)
			kw_conn_delete_locked(&w, c);
	}
	assert_int_equal(w.nconns, 150);
	assert_int_equal(w.journal_recs, 450);		/* + 150 deletes */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "c%d", i);
		if (i % 2 == 0)
			assert_null(kw_conn_find_locked(&w, name));
		else
			assert_non_null(kw_conn_find_locked(&w, name));
	}
	assert_null(kw_conn_find_locked(&w, "c300"));
	/* re-added names are found again; one added and deleted before a save leaves only its
	 * delete record */
	for (i = 0; i < 300; i += 2) {
		snprintf(name, sizeof name, "c%d", i);
		kw_conn_add_locked(&w, name, json_pack("{s:s}", "connector.class", "Y"),
		    KW_CT_PAUSED);
	}
	kw_conn_add_locked(&w, "short-lived", json_pack("{s:s}", "connector.class", "Y"),
	    KW_CT_PAUSED);
	kw_conn_delete_locked(&w, kw_conn_find_locked(&w, "short-lived"));
	kw_herder_save_locked(&w);
	assert_int_equal(w.journal_recs, 450 + 150 + 1);
	assert_int_equal(w.nconns, 300);
	for (i = 0; i < 300; i++) {
		struct kw_connector *c;

		snprintf(name, sizeof name, "c%d", i);
		c = kw_conn_find_locked(&w, name);
		assert_non_null(c);
		assert_string_equal(kc_json_str(c->config, "connector.class"), i % 2 ? "X" : "Y");
	}
	assert_null(kw_conn_find_locked(&w, "short-lived"));
	kw_herder_free(&w);
	json_decref(w.offsets);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_props_and_sets),
		cmocka_unit_test(test_valid_choice),
		cmocka_unit_test(test_config_unknown_key_suggests),
		cmocka_unit_test(test_validate_types_and_masking),
		cmocka_unit_test(test_effective_defaults),
		cmocka_unit_test(test_converters),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_plugin_find),
		cmocka_unit_test(test_kafka_conf),
		cmocka_unit_test(test_conn_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
