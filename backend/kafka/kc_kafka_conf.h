/* kc_kafka_conf.h - building librdkafka configurations from Connect-style key maps. */
#ifndef KC_KAFKA_CONF_H
#define KC_KAFKA_CONF_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

/* True for keys that configure every Kafka client the same way (security.protocol, sasl.*,
 * ssl.*, client.dns.lookup, ...), which a worker passes to all its clients. */
bool kc_kafka_conf_is_client_key(const char *key);

/* Set one property. Java-only keys librdkafka does not know (e.g. ssl.truststore.type,
 * key.serializer) are skipped with *skipped = true (may be NULL). 0, or -1 with
 * err = "KEY: librdkafka's message". */
int kc_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, bool *skipped,
    char *err, size_t errlen);

/* Apply every string member of `map` whose key starts with `prefix` (prefix stripped; "" takes
 * all keys). Non-string values are converted to text. 0, or -1 with err. */
int kc_kafka_conf_apply(rd_kafka_conf_t *conf, const json_t *map, const char *prefix,
    char *err, size_t errlen);

#endif
