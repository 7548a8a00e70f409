/* kc_kafka_conf.c - Connect-style key maps into librdkafka configurations. */
#include <stdio.h>
#include <string.h>

#include "kc_kafka_conf.h"
#include "kc_util.h"

/* Kafka client keys shared by every client role. */
bool
kc_kafka_conf_is_client_key(const char *key)
{
	static const char *const exact[] = {
		"security.protocol", "client.dns.lookup", "client.id", "metadata.max.age.ms",
		"socket.connection.setup.timeout.ms", "reconnect.backoff.ms",
		"reconnect.backoff.max.ms", "retry.backoff.ms", "request.timeout.ms",
		"connections.max.idle.ms", "receive.buffer.bytes", "send.buffer.bytes",
	};
	size_t i;

	if (kc_str_has_prefix(key, "sasl.") || kc_str_has_prefix(key, "ssl."))
		return true;
	for (i = 0; i < KC_NITEMS(exact); i++)
		if (strcmp(key, exact[i]) == 0)
			return true;
	return false;
}

/* Java client keys with no librdkafka equivalent: accepted and ignored. */
static bool
java_only_key(const char *key)
{
	static const char *const keys[] = {
		"ssl.truststore.type", "ssl.keystore.type", "ssl.trustmanager.algorithm",
		"ssl.keymanager.algorithm", "ssl.protocol", "ssl.enabled.protocols",
		"ssl.provider", "ssl.secure.random.implementation", "ssl.truststore.location",
		"ssl.truststore.password", "ssl.keystore.location", "ssl.keystore.password",
		"ssl.key.password", "ssl.engine.factory.class", "sasl.jaas.config",
		"sasl.login.callback.handler.class", "sasl.client.callback.handler.class",
		"sasl.login.class", "key.serializer", "value.serializer", "key.deserializer",
		"value.deserializer", "interceptor.classes", "metric.reporters",
		"partitioner.class", "request.timeout.ms", "retry.backoff.ms",
		"reconnect.backoff.ms", "reconnect.backoff.max.ms", "connections.max.idle.ms",
		"send.buffer.bytes", "receive.buffer.bytes", "client.dns.lookup",
		"metadata.max.age.ms", "socket.connection.setup.timeout.ms", "default.api.timeout.ms",
		"buffer.memory", "max.block.ms", "delivery.timeout.ms", "max.poll.records",
		"max.poll.interval.ms", "exclude.internal.topics", "isolation.level",
		"fetch.max.bytes", "auto.commit.interval.ms",
	};
	size_t i;

	for (i = 0; i < KC_NITEMS(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* Set one property, tolerating Java-only keys. */
int
kc_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, bool *skipped,
    char *err, size_t errlen)
{
	char e[512];
	rd_kafka_conf_res_t r;

	if (skipped != NULL)
		*skipped = false;
	r = rd_kafka_conf_set(conf, key, value, e, sizeof(e));
	if (r == RD_KAFKA_CONF_OK)
		return 0;
	/* Keys that only matter to the JVM clients, or that librdkafka does not know at all,
	 * are skipped (the caller may warn); a known key with a bad value is an error. */
	if (r == RD_KAFKA_CONF_UNKNOWN || java_only_key(key)) {
		if (skipped != NULL)
			*skipped = true;
		return 0;
	}
	snprintf(err, errlen, "%s: %s", key, e);
	return -1;
}

/* Apply a key map with an optional prefix. */
int
kc_kafka_conf_apply(rd_kafka_conf_t *conf, const json_t *map, const char *prefix,
    char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t plen = strlen(prefix);

	if (!json_is_object(map))
		return 0;
	json_object_foreach((json_t *)map, key, v) {
		char num[64];
		const char *val;

		if (plen > 0 && strncmp(key, prefix, plen) != 0)
			continue;
		if (key[plen] == '\0')
			continue;
		if (json_is_string(v))
			val = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			val = num;
		} else if (json_is_boolean(v))
			val = json_is_true(v) ? "true" : "false";
		else
			continue;
		if (kc_kafka_conf_set(conf, key + plen, val, NULL, err, errlen) != 0)
			return -1;
	}
	return 0;
}
