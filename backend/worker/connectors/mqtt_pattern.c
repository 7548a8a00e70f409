/* mqtt_pattern.c - destination patterns, topic mapping and URL parsing for the MQTT bridge
 * (see mqtt_pattern.h). */
#include "mqtt_pattern.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_util.h"

#define MQTT_TOPIC_MAX	65535
#define KAFKA_TOPIC_MAX	249

/* Append text from a key, with MQTT wildcards and NUL made harmless. */
static void
put_key_text(struct kc_buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		kc_buf_putc(out, s[i] == '+' || s[i] == '#' || s[i] == '\0' ? '_' : s[i]);
}

/* Validate an MQTT topic name (for publishing). NULL or a message. */
static const char *
check_topic_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "the MQTT topic is empty";
	if (len > MQTT_TOPIC_MAX)
		return "the MQTT topic is longer than 65535 bytes";
	for (i = 0; i < len; i++) {
		if (s[i] == '+' || s[i] == '#')
			return "an MQTT topic name cannot contain '+' or '#'";
		if (s[i] == '\0')
			return "an MQTT topic name cannot contain NUL";
	}
	return NULL;
}

int
kw_mqtt_dest_expand(const char *pattern, const struct kw_mqtt_rec *rec, struct kc_buf *out,
    char *err, size_t errlen)
{
	const char *p = pattern, *why;
	size_t start = out->len;

	while (*p != '\0') {
		if (strncmp(p, "${topic}", 8) == 0) {
			kc_buf_puts(out, rec->topic);
			p += 8;
		} else if (rec->key != NULL && strncmp(p, "${key}", 6) == 0) {
			put_key_text(out, rec->key, rec->keylen);
			p += 6;
		} else if (rec->key != NULL && rec->key_version >= 0 &&
		    strncmp(p, "${key.version}", 14) == 0) {
			kc_buf_printf(out, "%d", rec->key_version);
			p += 14;
		} else if (rec->key != NULL && rec->value_version >= 0 &&
		    strncmp(p, "${value.version}", 16) == 0) {
			kc_buf_printf(out, "%d", rec->value_version);
			p += 16;
		} else {
			kc_buf_putc(out, *p++);
		}
	}
	why = check_topic_name(out->data != NULL ? out->data + start : "", out->len - start);
	if (why != NULL) {
		snprintf(err, errlen, "destination '%s' for topic %s: %s", pattern, rec->topic, why);
		return -1;
	}
	return 0;
}

/* Map one character to Kafka's topic alphabet. */
static char
kafka_char(char c)
{
	if (isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-')
		return c;
	return '_';
}

int
kw_mqtt_kafka_topic(const char *pattern, const char *mqtt_topic, struct kc_buf *out,
    char *err, size_t errlen)
{
	const char *p = pattern, *q, *name;
	size_t start = out->len, len;

	while (*p != '\0') {
		if (strncmp(p, "${topic}", 8) == 0) {
			for (q = mqtt_topic; *q != '\0'; q++) {
				/* one '_' per UTF-8 character, not per byte */
				if (((unsigned char)*q & 0xc0) == 0x80 && q > mqtt_topic &&
				    ((unsigned char)q[-1] & 0x80) != 0)
					continue;
				kc_buf_putc(out, kafka_char(*q));
			}
			p += 8;
		} else {
			kc_buf_putc(out, kafka_char(*p++));
		}
	}
	name = out->data != NULL ? out->data + start : "";
	len = out->len - start;
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "kafka.topic '%s' gives the invalid topic name '%s' for "
		    "MQTT topic %s", pattern, name, mqtt_topic);
		return -1;
	}
	if (len > KAFKA_TOPIC_MAX) {
		snprintf(err, errlen, "kafka.topic '%s' gives a topic name of %zu characters "
		    "(Kafka allows 249) for MQTT topic %.80s", pattern, len, mqtt_topic);
		return -1;
	}
	return 0;
}

const char *
kw_mqtt_check_destination(const char *pattern, char *buf, size_t buflen)
{
	struct kw_mqtt_rec rec = { "t", "k", 1, 1, 1 };
	struct kc_buf b;
	int rc;

	if (pattern == NULL || *pattern == '\0')
		return "must not be empty";
	kc_buf_init(&b);
	rc = kw_mqtt_dest_expand(pattern, &rec, &b, buf, buflen);
	kc_buf_free(&b);
	if (rc != 0) {
		if (strchr(pattern, '+') != NULL || strchr(pattern, '#') != NULL)
			snprintf(buf, buflen, "'%s': an MQTT topic name cannot contain the "
			    "wildcards '+' or '#'", pattern);
		return buf;
	}
	return NULL;
}

/* Validate one topic filter: '#' only as the last level, '+' only as a whole level. */
static const char *
check_filter(const char *f, size_t len, char *buf, size_t buflen)
{
	size_t i;

	if (len == 0) {
		snprintf(buf, buflen, "an empty MQTT topic filter");
		return buf;
	}
	for (i = 0; i < len; i++) {
		if (f[i] == '#' && (i + 1 != len || (i > 0 && f[i - 1] != '/'))) {
			snprintf(buf, buflen, "'%.*s': '#' must be the last level of a filter",
			    (int)len, f);
			return buf;
		}
		if (f[i] == '+' && ((i > 0 && f[i - 1] != '/') ||
		    (i + 1 < len && f[i + 1] != '/'))) {
			snprintf(buf, buflen, "'%.*s': '+' must stand for a whole level",
			    (int)len, f);
			return buf;
		}
	}
	return NULL;
}

const char *
kw_mqtt_check_selector(const char *selector, char *buf, size_t buflen)
{
	const char *p, *e, *why;
	size_t n = 0;
	char *item;

	if (selector == NULL)
		return "must not be empty";
	for (p = selector; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		item = kc_str_trim(kc_xstrndup(p, (size_t)(e - p)));
		if (*item != '\0') {
			why = check_filter(item, strlen(item), buf, buflen);
			free(item);
			if (why != NULL)
				return why;
			n++;
		} else {
			free(item);
		}
	}
	if (n == 0) {
		snprintf(buf, buflen, "must name at least one MQTT topic filter");
		return buf;
	}
	return NULL;
}

int
kw_mqtt_url_parse(const char *url, struct kw_mqtt_url *out, char *err, size_t errlen)
{
	const char *p = url, *colon, *end;
	char *portend;
	long port;

	memset(out, 0, sizeof(*out));
	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "mqtt.url is empty");
		return -1;
	}
	if ((end = strstr(url, "://")) != NULL) {
		if (strncasecmp(url, "mqtt://", 7) == 0 || strncasecmp(url, "tcp://", 6) == 0)
			out->tls = false;
		else if (strncasecmp(url, "mqtts://", 8) == 0 || strncasecmp(url, "ssl://", 6) == 0 ||
		    strncasecmp(url, "tls://", 6) == 0)
			out->tls = true;
		else {
			snprintf(err, errlen, "mqtt.url '%s': unknown scheme (use mqtt:// or mqtts://)",
			    url);
			return -1;
		}
		p = end + 3;
	}
	end = p + strcspn(p, "/?");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		snprintf(err, errlen, "mqtt.url '%s': a path or query is not allowed", url);
		return -1;
	}
	if (*p == '[') {	/* [IPv6]:port */
		colon = strchr(p, ']');
		if (colon == NULL || colon > end) {
			snprintf(err, errlen, "mqtt.url '%s': unterminated [address]", url);
			return -1;
		}
		out->host = kc_xstrndup(p + 1, (size_t)(colon - p - 1));
		colon = colon + 1 < end && colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		out->host = kc_xstrndup(p, (size_t)((colon != NULL ? colon : end) - p));
	}
	if (*out->host == '\0') {
		snprintf(err, errlen, "mqtt.url '%s': no host", url);
		goto fail;
	}
	out->port = out->tls ? 8883 : 1883;
	if (colon != NULL) {
		port = strtol(colon + 1, &portend, 10);
		if (portend == colon + 1 || portend != end || port < 1 || port > 65535) {
			snprintf(err, errlen, "mqtt.url '%s': bad port", url);
			goto fail;
		}
		out->port = (int)port;
	}
	return 0;
fail:
	kw_mqtt_url_free(out);
	return -1;
}

void
kw_mqtt_url_free(struct kw_mqtt_url *u)
{
	free(u->host);
	u->host = NULL;
}

const char *
kw_mqtt_check_url(const char *value, char *buf, size_t buflen)
{
	struct kw_mqtt_url u;

	if (kw_mqtt_url_parse(value, &u, buf, buflen) != 0)
		return buf;
	kw_mqtt_url_free(&u);
	return NULL;
}
