/* test_plugins.c - the plugin table of kcops-worker-test: the real cron source plus
 * kcops.test.EchoSinkConnector, a sink that exercises the runtime's sink side (consumer
 * group, converters, commits, pause, exchanges, metrics, FAILED with a trace).
 *
 * The echo sink decodes every record with the task's converters, publishes it as an
 * exchange {topic, partition, offset, key, value} and commits it. A record whose value text
 * equals `fail.on` fails the task. `secret` is a PASSWORD key (for validation masking).
 * `echo.stop.hang.ms` makes the task ignore its stop for that long (the worker's shutdown
 * watchdog test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_util.h"
#include "kw_plugin.h"

extern const struct kw_plugin kw_cron_source_plugin;

static const struct kw_cfg_def echo_defs[] = {
	{ "fail.on", KW_CFG_STRING, "", KW_LOW, "Echo", "Fail the task on this value.", NULL, 0 },
	{ "secret", KW_CFG_PASSWORD, NULL, KW_LOW, "Echo", "A password-typed key.", NULL,
	  KW_CFG_OPTIONAL },
	{ "echo.delay.ms", KW_CFG_INT, "0", KW_LOW, "Echo", "Delay per record.",
	  kw_valid_nonneg_int, 0 },
	{ "echo.stop.hang.ms", KW_CFG_INT, "0", KW_LOW, "Echo",
	  "On stop, block this long before returning (a plugin stuck in its stop).",
	  kw_valid_nonneg_int, 0 },
};

/* Decoded data as JSON (strings for bytes). */
static json_t *
data_json(const struct kw_data *d)
{
	if (d->kind == KW_DATA_NULL)
		return json_null();
	if (d->kind == KW_DATA_JSON)
		return json_incref(d->json);
	return json_stringn_nocheck(d->ptr, d->len);
}

static void
set_paused(rd_kafka_t *rk, bool pause)
{
	rd_kafka_topic_partition_list_t *a = NULL;

	if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || a == NULL)
		return;
	if (pause)
		rd_kafka_pause_partitions(rk, a);
	else
		rd_kafka_resume_partitions(rk, a);
	rd_kafka_topic_partition_list_destroy(a);
}

static int
echo_run(struct kw_task *t)
{
	const char *fail_on = kw_task_cfg(t, "fail.on");
	long long delay = kw_task_cfg_int(t, "echo.delay.ms", 0), records = 0;
	bool paused = false;
	rd_kafka_t *rk;
	char err[512];
	int ret = 0;

	{
		/* leave a file in the private directory (removed with the connector) */
		char *path = kc_xasprintf("%s/task-%d", kw_task_state_dir(t), kw_task_id(t));
		FILE *f = fopen(path, "w");

		if (f != NULL)
			fclose(f);
		free(path);
	}
	rk = kw_task_sink_consumer(t, err, sizeof(err));
	if (rk == NULL)
		return kw_task_fail(t, "%s", err);
	kw_task_set_state(t, KW_TASK_RUNNING);
	for (;;) {
		enum kw_target target = kw_task_target(t);
		rd_kafka_message_t *m;

		if (target == KW_TARGET_STOP)
			break;
		if (target == KW_TARGET_PAUSE && !paused) {
			set_paused(rk, true);
			paused = true;
			kw_task_set_state(t, KW_TASK_PAUSED);
		} else if (target == KW_TARGET_RUN && paused) {
			set_paused(rk, false);
			paused = false;
			kw_task_set_state(t, KW_TASK_RUNNING);
		}
		m = rd_kafka_consumer_poll(rk, 100);
		if (m == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			struct kw_data k, v;
			rd_kafka_topic_partition_list_t *c;

			if (kw_converter_decode(kw_task_key_converter(t), m->key, m->key_len, &k, err,
			    sizeof(err)) != 0 ||
			    kw_converter_decode(kw_task_value_converter(t), m->payload, m->len, &v,
			    err, sizeof(err)) != 0) {
				ret = kw_task_fail(t, "record %s-%d@%lld: %s",
				    rd_kafka_topic_name(m->rkt), (int)m->partition,
				    (long long)m->offset, err);
				rd_kafka_message_destroy(m);
				break;
			}
			if (fail_on != NULL && *fail_on != '\0' && v.kind == KW_DATA_BYTES &&
			    v.len == strlen(fail_on) && memcmp(v.ptr, fail_on, v.len) == 0) {
				ret = kw_task_fail(t, "echo: found the fail.on value at %s-%d@%lld\n"
				    "\tat echo_run (test_plugins.c)", rd_kafka_topic_name(m->rkt),
				    (int)m->partition, (long long)m->offset);
				kw_data_clear(&k);
				kw_data_clear(&v);
				rd_kafka_message_destroy(m);
				break;
			}
			kw_task_publish_exchange(t, json_pack("{s:s,s:i,s:I,s:o,s:o}", "topic",
			    rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "offset",
			    (json_int_t)m->offset, "key", data_json(&k), "value", data_json(&v)));
			kw_data_clear(&k);
			kw_data_clear(&v);
			c = rd_kafka_topic_partition_list_new(1);
			rd_kafka_topic_partition_list_add(c, rd_kafka_topic_name(m->rkt),
			    m->partition)->offset = m->offset + 1;
			rd_kafka_commit(rk, c, 0);
			rd_kafka_topic_partition_list_destroy(c);
			records++;
			kw_task_set_metrics(t, json_pack("{s:I}", "records", (json_int_t)records));
			if (delay > 0)
				kw_task_sleep(t, (int)delay);
		}
		rd_kafka_message_destroy(m);
	}
	if (kw_task_cfg_int(t, "echo.stop.hang.ms", 0) > 0) {
		long long left = kw_task_cfg_int(t, "echo.stop.hang.ms", 0);

		/* not kw_task_sleep: it returns at once when the target changes */
		while (left > 0) {
			usleep(100000);
			left -= 100;
		}
	}
	kw_task_consumer_destroy(t, rk, "consumer");
	return ret;
}

static const struct kw_plugin echo_plugin = {
	.class_name = "kcops.test.EchoSinkConnector",
	.type = KW_PLUGIN_SINK,
	.version = "test",
	.defs = echo_defs,
	.ndefs = sizeof(echo_defs) / sizeof(echo_defs[0]),
	.task_run = echo_run,
};

const struct kw_plugin *const kw_plugins[] = {
	&kw_cron_source_plugin,
	&echo_plugin,
	NULL,
};
