/* mqtt_pattern.h - the pure parts of the MQTT bridge: destination patterns (Kafka -> MQTT),
 * topic mapping (MQTT -> Kafka) and mqtt.url parsing. Unit-tested in tests/mqtt.
 */
#ifndef KW_MQTT_PATTERN_H
#define KW_MQTT_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "kc_buf.h"

/* What a sink record offers to a destination pattern. */
struct kw_mqtt_rec {
	const char	*topic;		/* Kafka topic */
	const char	*key;		/* key as text, NULL for a null key */
	size_t		 keylen;
	int		 key_version;	/* schema version from a Connect JSON envelope, or -1 */
	int		 value_version;
};

/* Expand a sink destination pattern in one pass (text that a substitution inserts is never
 * expanded again):
 *   ${topic}          the Kafka topic
 *   ${key}            the key's text
 *   ${key.version}    the key schema version, ${value.version} the value's
 * With a null key only ${topic} is substituted; a version token without a version stays
 * literal (as the Diffusion connector does); unknown ${...} tokens stay literal.
 * The MQTT wildcards '+' and '#' and NUL inserted from a key become '_'.
 * Returns 0, or -1 with err when the result is not a valid MQTT topic name. */
int kw_mqtt_dest_expand(const char *pattern, const struct kw_mqtt_rec *rec, struct kc_buf *out,
    char *err, size_t errlen);

/* The Kafka topic for an MQTT topic: the pattern's ${topic} becomes the MQTT topic with '/'
 * turned into '_' and every other character outside [a-zA-Z0-9._-] replaced by '_'; the
 * literal parts of the pattern are mapped the same way. Returns 0, or -1 with err when the
 * name is not a legal Kafka topic (empty, "." or "..", longer than 249). */
int kw_mqtt_kafka_topic(const char *pattern, const char *mqtt_topic, struct kc_buf *out,
    char *err, size_t errlen);

/* Checks a sink destination pattern for config validation: a valid MQTT topic name once its
 * tokens are replaced. NULL when valid, else a message in buf. */
const char *kw_mqtt_check_destination(const char *pattern, char *buf, size_t buflen);
/* Checks a comma-separated list of MQTT topic filters. */
const char *kw_mqtt_check_selector(const char *selector, char *buf, size_t buflen);

/* A parsed mqtt.url: mqtt://host[:port], mqtts://host[:port] (also tcp://, ssl://, tls://;
 * a bare host[:port] means mqtt://). Ports default to 1883 and 8883. */
struct kw_mqtt_url {
	char	*host;
	int	 port;
	bool	 tls;
};
int kw_mqtt_url_parse(const char *url, struct kw_mqtt_url *out, char *err, size_t errlen);
void kw_mqtt_url_free(struct kw_mqtt_url *u);
/* Config validator for mqtt.url. */
const char *kw_mqtt_check_url(const char *value, char *buf, size_t buflen);

#endif
