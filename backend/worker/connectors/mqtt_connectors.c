/* mqtt_connectors.c - kcops.mqtt.MqttSinkConnector and kcops.mqtt.MqttSourceConnector: a
 * Kafka <-> MQTT bridge on libmosquitto, with the Diffusion connector's configuration model.
 *
 * DESIGN
 * Sink: each task consumes its partitions (group connect-<name>) and publishes every record
 * to the MQTT topic its destination pattern names (mqtt_pattern.c), JSON values as JSON text,
 * through one connection (mqtt_conn.c). The connection's FIFO holds what the broker has not
 * acknowledged; offsets are committed only from its acknowledged head, so a commit never
 * passes an unacknowledged record (QoS 1/2: PUBACK/PUBCOMP; QoS 0: written). While the
 * connection is down the task stays RUNNING, pauses its partitions and reconnects with
 * backoff; unacknowledged messages are published again after the reconnect.
 *
 * Source: one task subscribes to the mqtt.selector filters and writes each message to the
 * Kafka topic kafka.topic names (${topic} = the MQTT topic with '/' -> '_'), key = the MQTT
 * topic, JSON payloads as JSON (their text kept as it is), other payloads as strings (or
 * bytes). MQTT has no replayable position, so there is no source offset to resume from
 * (as with the Diffusion source): messages that arrive while the task is down are lost
 * unless the broker queues them for a persistent session (mqtt.clean.session=false with a
 * fixed mqtt.client.id).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_json.h"
#include "join_core.h"
#include "join_encode.h"
#include "kc_log.h"
#include "kc_text.h"
#include "kc_util.h"
#include "kw_plugin.h"
#include "mqtt_conn.h"
#include "mqtt_pattern.h"

#define LOGGER	"kcops.mqtt"

/* ---- configuration ---------------------------------------------------------------------- */

static const char *
valid_qos(const char *v, char *buf, size_t len)
{
	(void)buf; (void)len;
	if (v != NULL && (strcmp(v, "0") == 0 || strcmp(v, "1") == 0 || strcmp(v, "2") == 0))
		return NULL;
	return "must be 0, 1 or 2";
}

/* Readable file or empty. */
static const char *
valid_file(const char *v, char *buf, size_t len)
{
	FILE *f;

	if (v == NULL || *v == '\0')
		return NULL;
	if ((f = fopen(v, "r")) == NULL) {
		snprintf(buf, len, "cannot read %s", v);
		return buf;
	}
	fclose(f);
	return NULL;
}

#define MQTT_COMMON_DEFS \
	{ "mqtt.url", KW_CFG_STRING, NULL, KW_HIGH, "MQTT", \
	  "The broker: mqtt://host[:port] (default port 1883) or mqtts://host[:port] (TLS, 8883).", \
	  kw_mqtt_check_url, 0 }, \
	{ "mqtt.username", KW_CFG_STRING, NULL, KW_HIGH, "MQTT", \
	  "User name for the broker (none when unset).", NULL, KW_CFG_OPTIONAL }, \
	{ "mqtt.password", KW_CFG_PASSWORD, NULL, KW_HIGH, "MQTT", \
	  "Password for mqtt.username.", NULL, KW_CFG_OPTIONAL }, \
	{ "mqtt.client.id", KW_CFG_STRING, "", KW_MEDIUM, "MQTT", \
	  "Client id; empty: kcops-<connector>-<task>.", NULL, 0 }, \
	{ "mqtt.qos", KW_CFG_INT, "1", KW_HIGH, "MQTT", \
	  "QoS of published messages (sink) or of the subscription (source): 0, 1 or 2.", \
	  valid_qos, 0 }, \
	{ "mqtt.clean.session", KW_CFG_BOOLEAN, "true", KW_LOW, "MQTT", \
	  "Start a clean session on every connect.", NULL, 0 }, \
	{ "mqtt.keepalive.s", KW_CFG_INT, "30", KW_LOW, "MQTT", \
	  "Keep-alive interval in seconds.", kw_valid_positive_int, 0 }, \
	{ "mqtt.reconnect.backoff.ms", KW_CFG_LONG, "100", KW_LOW, "MQTT", \
	  "First delay before reconnecting; doubles after each failure.", kw_valid_positive_int, \
	  0 }, \
	{ "mqtt.reconnect.backoff.max.ms", KW_CFG_LONG, "10000", KW_LOW, "MQTT", \
	  "Longest delay between reconnect attempts.", kw_valid_positive_int, 0 }, \
	{ "mqtt.poll.interval", KW_CFG_LONG, "1000", KW_LOW, "MQTT", \
	  "Longest wait (ms) for MQTT traffic in one pass of the task loop.", \
	  kw_valid_positive_int, 0 }, \
	{ "mqtt.poll.size", KW_CFG_INT, "128", KW_LOW, "MQTT", \
	  "Most records handled in one pass before the task looks at its state again.", \
	  kw_valid_positive_int, 0 }, \
	{ "mqtt.tls.ca.file", KW_CFG_STRING, "", KW_MEDIUM, "TLS", \
	  "CA certificates (PEM) to verify the broker; empty with mqtts://: the system CAs.", \
	  valid_file, 0 }, \
	{ "mqtt.tls.cert.file", KW_CFG_STRING, "", KW_MEDIUM, "TLS", \
	  "Client certificate (PEM) for mutual TLS.", valid_file, 0 }, \
	{ "mqtt.tls.key.file", KW_CFG_STRING, "", KW_MEDIUM, "TLS", \
	  "Client private key (PEM) for mutual TLS.", valid_file, 0 }, \
	{ "mqtt.tls.insecure", KW_CFG_BOOLEAN, "false", KW_LOW, "TLS", \
	  "Do not check the broker's host name against its certificate (tests only).", NULL, 0 }

static const struct kw_cfg_def sink_defs[] = {
	MQTT_COMMON_DEFS,
	{ "mqtt.destination", KW_CFG_STRING, "kafka/${topic}", KW_HIGH, "MQTT",
	  "MQTT topic pattern for each record: ${topic}, ${key}, ${key.version}, "
	  "${value.version} (e.g. kafka/${topic}/${key}); with a null key only ${topic} is "
	  "replaced.", kw_mqtt_check_destination, 0 },
	{ "mqtt.retain", KW_CFG_BOOLEAN, "false", KW_MEDIUM, "MQTT",
	  "Publish retained messages: the broker keeps the last value per topic for new "
	  "subscribers; a null record value clears it.", NULL, 0 },
	{ "mqtt.max.inflight", KW_CFG_INT, "1000", KW_LOW, "MQTT",
	  "Most messages published and not yet acknowledged by the broker.",
	  kw_valid_positive_int, 0 },
};

static const struct kw_cfg_def source_defs[] = {
	MQTT_COMMON_DEFS,
	{ "mqtt.selector", KW_CFG_LIST, NULL, KW_HIGH, "MQTT",
	  "MQTT topic filters to subscribe to, comma-separated (e.g. source/kafka/#).",
	  kw_mqtt_check_selector, 0 },
	{ "kafka.topic", KW_CFG_STRING, "${topic}", KW_HIGH, "MQTT",
	  "Kafka topic pattern: ${topic} is the MQTT topic with '/' turned into '_' and other "
	  "characters outside [a-zA-Z0-9._-] replaced by '_'.", kw_valid_nonempty, 0 },
};

/* Cross-key checks shared by both. */
static void
mqtt_validate(const json_t *config, struct kw_validation *v)
{
	const char *key = json_string_value(json_object_get(config, "mqtt.tls.key.file"));
	const char *cert = json_string_value(json_object_get(config, "mqtt.tls.cert.file"));
	const char *user = json_string_value(json_object_get(config, "mqtt.username"));
	const char *pw = json_string_value(json_object_get(config, "mqtt.password"));
	const char *clean = json_string_value(json_object_get(config, "mqtt.clean.session"));
	const char *cid = json_string_value(json_object_get(config, "mqtt.client.id"));

	if ((key != NULL && *key != '\0') != (cert != NULL && *cert != '\0'))
		kw_validation_error(v, "mqtt.tls.key.file", "mqtt.tls.cert.file and "
		    "mqtt.tls.key.file go together");
	if (pw != NULL && *pw != '\0' && (user == NULL || *user == '\0'))
		kw_validation_error(v, "mqtt.username", "mqtt.password is set without a user name");
	if (clean != NULL && strcasecmp(clean, "false") == 0 && (cid == NULL || *cid == '\0'))
		kw_validation_error(v, "mqtt.client.id", "a persistent session "
		    "(mqtt.clean.session=false) needs a fixed client id");
}

/* Connection options from the task config; strings borrowed from the config. */
static void
conn_opts(struct kw_task *t, struct kw_mqtt_conn_opts *o, char *cid, size_t cidlen)
{
	const char *id = kw_task_cfg(t, "mqtt.client.id");

	memset(o, 0, sizeof(*o));
	if (id == NULL || *id == '\0') {
		snprintf(cid, cidlen, "kcops-%s-%d", kw_task_connector(t), kw_task_id(t));
		id = cid;
	}
	o->url = kw_task_cfg(t, "mqtt.url");
	o->client_id = id;
	o->username = kw_task_cfg(t, "mqtt.username");
	o->password = kw_task_cfg(t, "mqtt.password");
	o->clean_session = kw_task_cfg_bool(t, "mqtt.clean.session", true);
	o->keepalive_s = (int)kw_task_cfg_int(t, "mqtt.keepalive.s", 30);
	o->max_inflight = (int)kw_task_cfg_int(t, "mqtt.max.inflight", 1000);
	o->reconnect_min_ms = (int)kw_task_cfg_int(t, "mqtt.reconnect.backoff.ms", 100);
	o->reconnect_max_ms = (int)kw_task_cfg_int(t, "mqtt.reconnect.backoff.max.ms", 10000);
	o->tls_ca_file = kw_task_cfg(t, "mqtt.tls.ca.file");
	o->tls_cert_file = kw_task_cfg(t, "mqtt.tls.cert.file");
	o->tls_key_file = kw_task_cfg(t, "mqtt.tls.key.file");
	o->tls_insecure = kw_task_cfg_bool(t, "mqtt.tls.insecure", false);
}

/* Log connection changes once per change. */
static void
watch_conn(struct kw_task *t, struct kw_mqtt_conn *c, bool *was_up, char *last, size_t lastlen)
{
	bool up = kw_mqtt_conn_connected(c);
	const char *e = kw_mqtt_conn_last_error(c);

	if (up && !*was_up)
		kc_log(LOGGER, KC_LOG_INFO, "%s-%d: connected to %s", kw_task_connector(t),
		    kw_task_id(t), kw_task_cfg(t, "mqtt.url"));
	if (!up && *e != '\0' && strcmp(e, last) != 0) {
		char *safe = kc_text_sanitize(e, 0);

		kc_log(LOGGER, KC_LOG_WARN, "%s-%d: %s%s", kw_task_connector(t), kw_task_id(t),
		    safe, *was_up ? " (pausing until reconnected)" : " (retrying)");
		free(safe);
	}
	snprintf(last, lastlen, "%s", e);
	*was_up = up;
}

/* ---- sink ------------------------------------------------------------------------------- */

struct sink {
	struct kw_task			*t;
	rd_kafka_t			*rk;
	struct kw_mqtt_conn		*conn;
	rd_kafka_topic_partition_list_t	*commit;	/* next offsets acknowledged, not committed */
	char				**topics;	/* interned topic names (FIFO udata) */
	size_t				 ntopics;
	uint64_t			 in, acked, skipped, rate_n0;
	int64_t				 rate_t0;
	double				 rate;
};

/* The interned copy of a topic name (stable pointer for the FIFO). */
static const char *
intern(struct sink *s, const char *topic)
{
	size_t i;

	for (i = 0; i < s->ntopics; i++)
		if (strcmp(s->topics[i], topic) == 0)
			return s->topics[i];
	s->topics = kc_xrealloc(s->topics, (s->ntopics + 1) * sizeof(*s->topics));
	s->topics[s->ntopics] = kc_xstrdup(topic);
	return s->topics[s->ntopics++];
}

/* FIFO pop callback: the record at (topic, offset) is acknowledged. */
static void
on_acked(void *udata, int64_t offset, void *arg)
{
	struct sink *s = arg;
	const char *topic = udata;
	int32_t partition = (int32_t)(offset >> 48);
	int64_t off = offset & ((INT64_C(1) << 48) - 1);
	rd_kafka_topic_partition_t *tp;

	tp = rd_kafka_topic_partition_list_find(s->commit, topic, partition);
	if (tp == NULL)
		tp = rd_kafka_topic_partition_list_add(s->commit, topic, partition);
	tp->offset = off + 1;
	s->acked++;
}

/* Text of a decoded key for ${key}; NULL for a null key. */
static bool
key_text(const struct kw_data *d, struct kc_buf *out)
{
	if (d->kind == KW_DATA_JSON)
		return kw_join_canon_json(d->json, out);
	if (d->kind == KW_DATA_BYTES) {
		kc_buf_append(out, d->ptr, d->len);
		return true;
	}
	return false;
}

/* Turn one Kafka record into an MQTT publish. 0, or -1 (err) to fail the task. */
static int
sink_record(struct sink *s, rd_kafka_message_t *m, int qos, bool retain, const char *dest,
    bool tolerate, struct kc_buf *topic, struct kc_buf *payload, char *err, size_t errlen)
{
	struct kw_data kd, vd;
	struct kw_mqtt_rec rec;
	struct kc_buf key;
	const char *tname = intern(s, rd_kafka_topic_name(m->rkt));
	int64_t tag = ((int64_t)m->partition << 48) | m->offset;
	char why[512];
	int rc = 0;

	s->in++;
	kc_buf_init(&key);
	kc_buf_reset(topic);
	kc_buf_reset(payload);
	memset(&kd, 0, sizeof(kd));
	memset(&vd, 0, sizeof(vd));
	if (kw_converter_decode(kw_task_key_converter(s->t), m->key, m->key_len, &kd, why,
	    sizeof(why)) != 0 ||
	    kw_converter_decode(kw_task_value_converter(s->t), m->payload, m->len, &vd, why,
	    sizeof(why)) != 0)
		goto bad;
	rec.topic = tname;
	rec.key = key_text(&kd, &key) ? (key.data != NULL ? key.data : "") : NULL;
	rec.keylen = key.len;
	rec.key_version = kd.schema_version;
	rec.value_version = vd.schema_version;
	if (kw_mqtt_dest_expand(dest, &rec, topic, why, sizeof(why)) != 0)
		goto bad;
	if (vd.kind == KW_DATA_JSON)
		kc_json_write(vd.json, payload);
	else if (vd.kind == KW_DATA_BYTES)
		kc_buf_append(payload, vd.ptr, vd.len);
	if (kw_mqtt_conn_publish(s->conn, topic->data, payload->data, payload->len, qos, retain,
	    (void *)tname, tag, why, sizeof(why)) != 0)
		goto bad;
	goto out;
bad:
	if (!tolerate) {
		snprintf(err, errlen, "record %s[%d]@%" PRId64 ": %s (errors.tolerance=all skips "
		    "such records)", tname, m->partition, m->offset, why);
		rc = -1;
	} else {
		s->skipped++;
		kw_mqtt_conn_publish(s->conn, NULL, NULL, 0, 0, false, (void *)tname, tag, why,
		    sizeof(why));
	}
out:
	kw_data_clear(&kd);
	kw_data_clear(&vd);
	kc_buf_free(&key);
	return rc;
}

/* Pause/resume every assigned partition. */
static void
pause_all(rd_kafka_t *rk, bool pause)
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

/* Commit what was acknowledged. */
static void
sink_commit(struct sink *s, bool sync)
{
	if (s->commit->cnt == 0)
		return;
	rd_kafka_commit(s->rk, s->commit, sync ? 0 : 1);
	rd_kafka_topic_partition_list_destroy(s->commit);
	s->commit = rd_kafka_topic_partition_list_new(8);
}

/* Metrics. */
static void
sink_metrics(struct sink *s)
{
	struct kw_mqtt_conn_stats st;
	int64_t now = kc_mono_ms();

	if (now - s->rate_t0 >= 1000) {
		s->rate = (double)(s->acked - s->rate_n0) * 1000.0 / (double)(now - s->rate_t0);
		s->rate_t0 = now;
		s->rate_n0 = s->acked;
	}
	kw_mqtt_conn_stats(s->conn, &st);
	kw_task_set_metrics(s->t, json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f}",
	    "mqtt.connected", kw_mqtt_conn_connected(s->conn) ? 1 : 0,
	    "mqtt.connects", (json_int_t)st.connects,
	    "mqtt.disconnects", (json_int_t)st.disconnects,
	    "mqtt.resent", (json_int_t)st.resent,
	    "records.in", (json_int_t)s->in,
	    "records", (json_int_t)s->acked,
	    "records.skipped", (json_int_t)s->skipped,
	    "messages.published", (json_int_t)st.published,
	    "messages.pending", (json_int_t)kw_mqtt_conn_pending(s->conn),
	    "records.per.second", s->rate));
}

static int
sink_run(struct kw_task *t)
{
	struct sink s;
	struct kw_mqtt_conn_opts o;
	struct kc_buf topic, payload;
	rd_kafka_message_t *m;
	char err[512], cid[256], last[256] = "";
	const char *dest = kw_task_cfg(t, "mqtt.destination");
	int qos = (int)kw_task_cfg_int(t, "mqtt.qos", 1);
	bool retain = kw_task_cfg_bool(t, "mqtt.retain", false);
	bool tolerate = kc_str_eq(kw_task_cfg(t, "errors.tolerance"), "all");
	int poll_size = (int)kw_task_cfg_int(t, "mqtt.poll.size", 128);
	bool up = false, held = false, user_paused = false;
	int64_t last_commit = kc_mono_ms(), last_metrics = 0, end;
	int rc = 0, n;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.rate_t0 = kc_mono_ms();
	s.commit = rd_kafka_topic_partition_list_new(8);
	kc_buf_init(&topic);
	kc_buf_init(&payload);
	conn_opts(t, &o, cid, sizeof(cid));
	if ((s.conn = kw_mqtt_conn_new(&o, err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	if ((s.rk = kw_task_sink_consumer(t, err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	kw_task_set_state(t, KW_TASK_RUNNING);
	while (kw_task_target(t) != KW_TARGET_STOP) {
		bool want_hold;

		kw_mqtt_conn_loop(s.conn, 0);
		watch_conn(t, s.conn, &up, last, sizeof(last));
		if (kw_task_target(t) == KW_TARGET_PAUSE && !user_paused) {
			kw_task_set_state(t, KW_TASK_PAUSED);
			user_paused = true;
		} else if (kw_task_target(t) == KW_TARGET_RUN && user_paused) {
			kw_task_set_state(t, KW_TASK_RUNNING);
			user_paused = false;
		}
		/* disconnected or paused: hold the partitions, keep the group alive */
		want_hold = !up || user_paused;
		if (want_hold)
			pause_all(s.rk, true);	/* again after any rebalance */
		else if (held)
			pause_all(s.rk, false);
		held = want_hold;
		for (n = 0; n < poll_size &&
		    kw_mqtt_conn_pending(s.conn) < kw_mqtt_conn_capacity(s.conn); n++) {
			m = rd_kafka_consumer_poll(s.rk, n == 0 && kw_mqtt_conn_pending(s.conn) == 0 ?
			    20 : 0);
			if (m == NULL)
				break;
			if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
					kc_log(LOGGER, KC_LOG_WARN, "%s: consumer: %s",
					    kw_task_connector(t), rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
				continue;
			}
			if (m->partition < 0 || m->offset < 0 ||
			    m->offset >= (INT64_C(1) << 48)) {
				rd_kafka_message_destroy(m);
				continue;
			}
			rc = sink_record(&s, m, qos, retain, dest, tolerate, &topic, &payload, err,
			    sizeof(err));
			rd_kafka_message_destroy(m);
			if (rc != 0)
				break;
		}
		if (rc != 0) {
			rc = kw_task_fail(t, "%s", err);
			break;
		}
		if (n == 0 && kw_mqtt_conn_pending(s.conn) > 0)
			kw_mqtt_conn_loop(s.conn, 5);	/* wait for acknowledgements */
		else if (!up)
			kw_mqtt_conn_loop(s.conn, 50);
		kw_mqtt_conn_pop_acked(s.conn, on_acked, &s);
		if (kc_mono_ms() - last_commit >= 200) {
			sink_commit(&s, false);
			last_commit = kc_mono_ms();
		}
		if (kc_mono_ms() - last_metrics >= 500) {
			sink_metrics(&s);
			last_metrics = kc_mono_ms();
		}
	}
	/* on the way out: give the broker a moment to acknowledge what is in flight */
	end = kc_mono_ms() + 2000;
	while (s.conn != NULL && kw_mqtt_conn_pending(s.conn) > 0 &&
	    kw_mqtt_conn_connected(s.conn) && kc_mono_ms() < end) {
		kw_mqtt_conn_loop(s.conn, 10);
		kw_mqtt_conn_pop_acked(s.conn, on_acked, &s);
	}
out:
	if (s.conn != NULL) {
		kw_mqtt_conn_pop_acked(s.conn, on_acked, &s);
		sink_metrics(&s);
	}
	if (s.rk != NULL) {
		sink_commit(&s, true);
		kw_task_consumer_destroy(t, s.rk, "consumer");
	}
	rd_kafka_topic_partition_list_destroy(s.commit);
	kw_mqtt_conn_free(s.conn);
	for (n = 0; n < (int)s.ntopics; n++)
		free(s.topics[n]);
	free(s.topics);
	kc_buf_free(&topic);
	kc_buf_free(&payload);
	return rc;
}

/* ---- source ----------------------------------------------------------------------------- */

struct source {
	struct kw_task		*t;
	rd_kafka_t		*prod;
	const char		*pattern;
	struct kw_join_enc	 enc;
	bool			 plain_json;	/* the value converter writes JSON text as is */
	char			**known;	/* Kafka topics made sure of */
	size_t			 nknown;
	struct kc_buf		 name, val;
	uint64_t		 in, out, errors, dr_failed, rate_n0;
	int64_t			 rate_t0;
	double			 rate;
	char			 last_err[256];
};

static void
source_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct source *s = opaque;

	(void)rk;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		s->dr_failed++;
		snprintf(s->last_err, sizeof(s->last_err), "%s", rd_kafka_err2str(m->err));
	} else
		s->out++;
}

/* Make sure a Kafka topic exists (once per topic). */
static int
source_topic(struct source *s, const char *topic, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < s->nknown; i++)
		if (strcmp(s->known[i], topic) == 0)
			return 0;
	if (kw_task_ensure_topic(s->t, topic, err, errlen) != 0)
		return -1;
	s->known = kc_xrealloc(s->known, (s->nknown + 1) * sizeof(*s->known));
	s->known[s->nknown++] = kc_xstrdup(topic);
	return 0;
}

/* One MQTT message to Kafka (called from the connection loop). */
static void
source_message(void *arg, const char *mtopic, const void *payload, size_t len, int qos,
    bool retained)
{
	struct source *s = arg;
	struct kw_data kd = { KW_DATA_BYTES, mtopic, strlen(mtopic), NULL, -1 };
	struct kw_data vd = { KW_DATA_BYTES, payload, len, NULL, -1 };
	void *kbuf = NULL, *vbuf = NULL;
	size_t klen = 0, vlen = 0;
	const void *vptr = NULL;
	rd_kafka_headers_t *h;
	rd_kafka_resp_err_t r;
	char err[512], q[4];
	json_t *j = NULL;

	s->in++;
	kc_buf_reset(&s->name);
	if (kw_mqtt_kafka_topic(s->pattern, mtopic, &s->name, err, sizeof(err)) != 0 ||
	    source_topic(s, s->name.data, err, sizeof(err)) != 0)
		goto bad;
	if (kw_converter_encode(kw_task_key_converter(s->t), &kd, &kbuf, &klen, err,
	    sizeof(err)) != 0)
		goto bad;
	if (len > 0) {
		j = json_loadb(payload, len, JSON_DECODE_ANY, NULL);
		if (j != NULL && s->plain_json) {
			vptr = payload;	/* JSON kept exactly as it came */
			vlen = len;
		} else if (j != NULL) {
			kc_buf_reset(&s->val);
			if (kw_join_enc_json(&s->enc, j, &s->val, err, sizeof(err)) != 0)
				goto bad;
			vptr = s->val.data;
			vlen = s->val.len;
		} else if (kw_converter_encode(kw_task_value_converter(s->t), &vd, &vbuf, &vlen,
		    err, sizeof(err)) == 0) {
			vptr = vbuf;
		} else {
			vptr = payload;	/* not text: the bytes as they are */
			vlen = len;
		}
	}
	h = rd_kafka_headers_new(2);
	snprintf(q, sizeof(q), "%d", qos);
	rd_kafka_header_add(h, "mqtt.qos", -1, q, -1);
	if (retained)
		rd_kafka_header_add(h, "mqtt.retained", -1, "true", -1);
	for (;;) {
		r = rd_kafka_producev(s->prod, RD_KAFKA_V_TOPIC(s->name.data),
		    RD_KAFKA_V_KEY(kbuf, klen), RD_KAFKA_V_VALUE((void *)vptr, vlen),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
		    RD_KAFKA_V_END);
		if (r != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(s->prod, 10);
	}
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_headers_destroy(h);
		snprintf(err, sizeof(err), "produce to %s: %s", s->name.data, rd_kafka_err2str(r));
		goto bad;
	}
	goto out;
bad:
	s->errors++;
	{
		char *safe = kc_text_sanitize(err, 0);

		kc_log(LOGGER, KC_LOG_WARN, "%s: MQTT message dropped: %s", kw_task_connector(s->t),
		    safe);
		snprintf(s->last_err, sizeof(s->last_err), "%s", safe);
		free(safe);
	}
out:
	json_decref(j);
	free(kbuf);
	free(vbuf);
}

static void
source_metrics(struct source *s, struct kw_mqtt_conn *c)
{
	struct kw_mqtt_conn_stats st;
	int64_t now = kc_mono_ms();

	if (now - s->rate_t0 >= 1000) {
		s->rate = (double)(s->out - s->rate_n0) * 1000.0 / (double)(now - s->rate_t0);
		s->rate_t0 = now;
		s->rate_n0 = s->out;
	}
	kw_mqtt_conn_stats(c, &st);
	kw_task_set_metrics(s->t, json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:f}",
	    "mqtt.connected", kw_mqtt_conn_connected(c) ? 1 : 0,
	    "mqtt.connects", (json_int_t)st.connects,
	    "mqtt.disconnects", (json_int_t)st.disconnects,
	    "messages.received", (json_int_t)s->in,
	    "records", (json_int_t)s->out,
	    "errors", (json_int_t)(s->errors + s->dr_failed),
	    "topics", (json_int_t)s->nknown,
	    "records.per.second", s->rate));
}

static int
source_run(struct kw_task *t)
{
	struct source s;
	struct kw_mqtt_conn_opts o;
	struct kw_mqtt_conn *c = NULL;
	rd_kafka_conf_t *conf;
	char err[512], e[256], cid[256], last[256] = "";
	char **filters = NULL;
	size_t nfilters = 0, i;
	int interval = (int)kw_task_cfg_int(t, "mqtt.poll.interval", 1000);
	int64_t last_metrics = 0;
	bool up = false, paused = false;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.pattern = kw_task_cfg(t, "kafka.topic");
	s.rate_t0 = kc_mono_ms();
	kc_buf_init(&s.name);
	kc_buf_init(&s.val);
	kw_join_enc_init(&s.enc, kw_task_value_converter(t));
	s.plain_json = !s.enc.envelope;
	if (interval > 100)
		interval = 100;	/* the loop still looks at the task state often */
	if ((conf = kw_task_kafka_conf(t, "producer", err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "producer config: %s", err);
		goto out;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, source_delivery);
	rd_kafka_conf_set_opaque(conf, &s);
	if ((s.prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e))) == NULL) {
		rd_kafka_conf_destroy(conf);
		rc = kw_task_fail(t, "cannot create producer: %s", e);
		goto out;
	}
	filters = kw_join_list_split(kw_task_cfg(t, "mqtt.selector"), &nfilters);
	conn_opts(t, &o, cid, sizeof(cid));
	o.filters = (const char *const *)filters;
	o.nfilters = nfilters;
	o.sub_qos = (int)kw_task_cfg_int(t, "mqtt.qos", 1);
	o.on_message = source_message;
	o.arg = &s;
	if ((c = kw_mqtt_conn_new(&o, err, sizeof(err))) == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	kw_task_set_state(t, KW_TASK_RUNNING);
	while (kw_task_target(t) != KW_TARGET_STOP) {
		if (kw_task_target(t) == KW_TARGET_PAUSE) {
			/* paused: stop reading (the broker holds or drops messages per QoS) */
			if (!paused)
				kw_task_set_state(t, KW_TASK_PAUSED);
			paused = true;
			rd_kafka_poll(s.prod, 0);
			kw_task_sleep(t, 100);
			continue;
		}
		if (paused) {
			kw_task_set_state(t, KW_TASK_RUNNING);
			paused = false;
		}
		kw_mqtt_conn_loop(c, rd_kafka_outq_len(s.prod) > 0 ? 5 : interval);
		watch_conn(t, c, &up, last, sizeof(last));
		rd_kafka_poll(s.prod, 0);
		if (kc_mono_ms() - last_metrics >= 500) {
			source_metrics(&s, c);
			last_metrics = kc_mono_ms();
		}
	}
out:
	if (s.prod != NULL) {
		rd_kafka_flush(s.prod, 5000);
		if (c != NULL)
			source_metrics(&s, c);
		rd_kafka_destroy(s.prod);
	}
	kw_mqtt_conn_free(c);
	kw_join_list_free(filters, nfilters);
	for (i = 0; i < s.nknown; i++)
		free(s.known[i]);
	free(s.known);
	kc_buf_free(&s.name);
	kc_buf_free(&s.val);
	return rc;
}

/* One source task: an MQTT subscription is not split. */
static int
source_task_count(const json_t *config, int tasks_max)
{
	(void)config; (void)tasks_max;
	return 1;
}

static const char *const sink_aliases[] = { "MqttSinkConnector", "MqttSink", NULL };
static const char *const source_aliases[] = { "MqttSourceConnector", "MqttSource", NULL };

const struct kw_plugin kw_mqtt_sink_plugin = {
	.class_name = "kcops.mqtt.MqttSinkConnector",
	.aliases = sink_aliases,
	.type = KW_PLUGIN_SINK,
	.version = KCOPS_VERSION,
	.defs = sink_defs,
	.ndefs = sizeof(sink_defs) / sizeof(sink_defs[0]),
	.validate = mqtt_validate,
	.task_count = NULL,
	.task_run = sink_run,
};

const struct kw_plugin kw_mqtt_source_plugin = {
	.class_name = "kcops.mqtt.MqttSourceConnector",
	.aliases = source_aliases,
	.type = KW_PLUGIN_SOURCE,
	.version = KCOPS_VERSION,
	.defs = source_defs,
	.ndefs = sizeof(source_defs) / sizeof(source_defs[0]),
	.validate = mqtt_validate,
	.task_count = source_task_count,
	.task_run = source_run,
};
