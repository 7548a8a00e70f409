/* kw_config.c - worker configuration (Connect's worker keys, --set overrides) and connector
 * configuration validation (ConfigDef tables, ConfigInfos, defaults).
 *
 * DESIGN
 * Worker keys come in three kinds: keys kcops uses, Apache Connect keys that do not apply to
 * kcops (accepted with a warning, so an existing connect-distributed.properties works), and
 * Kafka client keys (security.protocol, sasl.*, ssl.*, producer./consumer./admin. prefixes)
 * that go to librdkafka. Anything else is an error with the closest valid key suggested.
 *
 * Connector configs are checked against the runtime's common keys (Connect's
 * ConnectorConfig/SinkConnectorConfig/SourceConnectorConfig) plus the plugin's table. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_kafka_conf.h"
#include "kc_log.h"
#include "kc_props.h"
#include "kc_util.h"
#include "kw_internal.h"

#define LOGGER "kcops.worker.config"

/* Keys kcops uses. */
static const char *const used_keys[] = {
	"bootstrap.servers", "group.id", "listeners", "rest.advertised.host.name",
	"rest.advertised.port", "rest.advertised.listener", "rest.host.name", "rest.port",
	"config.storage.topic", "status.storage.topic", "offset.storage.topic",
	"key.converter", "value.converter", "header.converter", "topic.tracking.enable",
	"topic.tracking.allow.reset", "topic.creation.enable", "offset.flush.interval.ms",
	"offset.flush.timeout.ms", "task.shutdown.graceful.timeout.ms",
	/* kcops keys */
	"state.dir", "embedded.kafka", "embedded.kafka.brokers", "rest.request.max.bytes",
	"rest.threads", "exchanges.ring.size", "log.level", "worker.cluster.id",
	"worker.heartbeat.interval.ms", "worker.shutdown.timeout.ms",
	/* REST security and limits (docs/security.md) */
	"rest.request.header.max.bytes", "rest.max.connections", "rest.request.timeout.ms",
	"rest.auth.file", "rest.auth.password.checks.per.second",
	"listeners.https.ssl.certificate.location",
	"listeners.https.ssl.key.location", "listeners.https.ssl.key.password",
	"listeners.https.ssl.ca.location", "listeners.https.ssl.client.auth",
	"listeners.https.ssl.keystore.type", "listeners.https.ssl.keystore.location",
	"listeners.https.ssl.truststore.type", "listeners.https.ssl.truststore.location",
};

/* Apache Connect worker keys that do not apply to kcops (warned about, then ignored). */
static const char *const ignored_keys[] = {
	"plugin.path", "plugin.discovery", "rest.extension.classes", "metric.reporters",
	"metrics.num.samples", "metrics.sample.window.ms", "metrics.recording.level",
	"auto.include.jmx.reporter", "config.providers", "connector.client.config.override.policy",
	"access.control.allow.origin", "access.control.allow.methods", "admin.listeners",
	"response.http.headers.config", "exactly.once.source.support", "connect.protocol",
	"scheduled.rebalance.max.delay.ms", "worker.sync.timeout.ms", "worker.unsync.backoff.ms",
	"session.timeout.ms", "heartbeat.interval.ms", "rebalance.timeout.ms",
	"inter.worker.key.generation.algorithm", "inter.worker.key.size",
	"inter.worker.key.ttl.ms", "inter.worker.signature.algorithm",
	"inter.worker.verification.algorithms", "offset.storage.partitions",
	"offset.storage.replication.factor", "config.storage.replication.factor",
	"status.storage.partitions", "status.storage.replication.factor",
	"offset.storage.file.filename", "internal.key.converter", "internal.value.converter",
	"retry.backoff.max.ms", "socket.connection.setup.timeout.max.ms",
	"ssl.client.auth", "security.providers",
	"enable.metrics.push", "rest.servlet.initializor.classes",
};

/* Prefixes that make a key acceptable (value checked later by librdkafka or ignored). */
static const char *const used_prefixes[] = {
	"producer.", "consumer.", "admin.", "key.converter.", "value.converter.",
	"header.converter.",
};
static const char *const ignored_prefixes[] = {
	"listeners.https.", "admin.listeners.https.", "config.providers.", "metrics.context.",
	"rest.extension.",
};

static bool
in_list(const char *key, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

static bool
has_any_prefix(const char *key, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kc_str_has_prefix(key, list[i]) && key[strlen(list[i])] != '\0')
			return true;
	return false;
}

/* Classify a worker key. */
int
kw_config_key_known(const char *key, const char **suggest)
{
	static const char **all;
	static size_t nall;
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;

	if (suggest != NULL)
		*suggest = NULL;
	if (in_list(key, used_keys, KC_NITEMS(used_keys)) ||
	    has_any_prefix(key, used_prefixes, KC_NITEMS(used_prefixes)) ||
	    kc_kafka_conf_is_client_key(key))
		return 1;
	if (in_list(key, ignored_keys, KC_NITEMS(ignored_keys)) ||
	    has_any_prefix(key, ignored_prefixes, KC_NITEMS(ignored_prefixes)))
		return 2;
	if (suggest != NULL) {
		pthread_mutex_lock(&once);
		if (all == NULL) {
			static const char *const client[] = { "security.protocol", "sasl.mechanism",
			    "sasl.username", "sasl.password", "ssl.ca.location",
			    "ssl.certificate.location", "ssl.key.location", "client.id" };
			size_t i;

			all = kc_xcalloc(KC_NITEMS(used_keys) + KC_NITEMS(ignored_keys) +
			    KC_NITEMS(client), sizeof(*all));
			for (i = 0; i < KC_NITEMS(used_keys); i++)
				all[nall++] = used_keys[i];
			for (i = 0; i < KC_NITEMS(ignored_keys); i++)
				all[nall++] = ignored_keys[i];
			for (i = 0; i < KC_NITEMS(client); i++)
				all[nall++] = client[i];
		}
		pthread_mutex_unlock(&once);
		*suggest = kc_str_closest(key, all, nall);
	}
	return 0;
}

/* Check one key=value of the worker config; 0 or -1 + err. */
static int
check_key(const char *where, const char *key, char *err, size_t errlen)
{
	const char *sug;
	int k = kw_config_key_known(key, &sug);

	if (k == 0) {
		if (sug != NULL)
			snprintf(err, errlen, "%s: unknown worker key \"%s\" (did you mean \"%s\"?)",
			    where, key, sug);
		else
			snprintf(err, errlen, "%s: unknown worker key \"%s\"", where, key);
		return -1;
	}
	if (k == 2)
		kc_log(LOGGER, KC_LOG_WARN, "%s: %s does not apply to kcops-worker; ignored", where,
		    key);
	return 0;
}

/* Load properties + --set overrides. */
json_t *
kw_config_load(const char *path, char *const *sets, int nsets, char *err, size_t errlen)
{
	struct kc_err e;
	json_t *conf, *v;
	const char *key;
	int i;

	if (path != NULL) {
		conf = kc_props_load(path, &e);
		if (conf == NULL) {
			snprintf(err, errlen, "%s", e.msg);
			return NULL;
		}
		json_object_foreach(conf, key, v) {
			if (check_key(path, key, err, errlen) != 0) {
				json_decref(conf);
				return NULL;
			}
		}
	} else
		conf = json_object();
	for (i = 0; i < nsets; i++) {
		const char *eq = strchr(sets[i], '=');
		char *k;

		if (eq == NULL || eq == sets[i]) {
			snprintf(err, errlen, "--set %s: expected key=value", sets[i]);
			json_decref(conf);
			return NULL;
		}
		k = kc_xstrndup(sets[i], (size_t)(eq - sets[i]));
		kc_str_trim(k);
		if (check_key("--set", k, err, errlen) != 0) {
			free(k);
			json_decref(conf);
			return NULL;
		}
		json_object_set_new(conf, k, json_string(eq + 1));
		free(k);
	}
	return conf;
}

int
kw_config_int(const json_t *conf, const char *key, long long def, long long min, long long max,
    long long *out, char *err, size_t errlen)
{
	const char *s = kc_json_str(conf, key);
	char *end;
	long long v;

	if (s == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *kc_str_trim(end) != '\0' || v < min || v > max) {
		snprintf(err, errlen, "%s=%s: expected an integer from %lld to %lld", key, s, min,
		    max);
		return -1;
	}
	*out = v;
	return 0;
}

/* A worker setting or def. */
const char *
kw_config_get(const struct kw_worker *w, const char *key, const char *def)
{
	const char *v = kc_json_str(w->conf, key);

	return v != NULL ? v : def;
}

/* ---- converters ----------------------------------------------------------------------- */

static int
converter_kind(const char *cls)
{
	static const struct { const char *name; int kind; } names[] = {
		{ "org.apache.kafka.connect.storage.StringConverter", KW_CONV_STRING },
		{ "StringConverter", KW_CONV_STRING },
		{ "org.apache.kafka.connect.converters.ByteArrayConverter", KW_CONV_BYTES },
		{ "ByteArrayConverter", KW_CONV_BYTES },
		{ "org.apache.kafka.connect.json.JsonConverter", KW_CONV_JSON },
		{ "JsonConverter", KW_CONV_JSON },
	};
	size_t i;

	for (i = 0; i < KC_NITEMS(names); i++)
		if (strcmp(cls, names[i].name) == 0)
			return names[i].kind;
	return -1;
}

/* Supported converter class? */
bool
kw_converter_class_known(const char *cls)
{
	return cls != NULL && converter_kind(cls) >= 0;
}

/* Resolve key/value converter: connector level, then worker level, then StringConverter
 * (JsonConverter for values, as Connect's sample worker config). */
int
kw_converter_setup(struct kw_converter *c, const json_t *conn_config, const json_t *worker_conf,
    const char *which, char *err, size_t errlen)
{
	char key[64], skey[96];
	const char *cls, *se;
	const json_t *src = conn_config;
	int kind;

	snprintf(key, sizeof(key), "%s.converter", which);
	cls = kc_json_str(conn_config, key);
	if (cls == NULL) {
		cls = kc_json_str(worker_conf, key);
		src = worker_conf;
	}
	if (cls == NULL)
		cls = "org.apache.kafka.connect.storage.StringConverter";
	kind = converter_kind(cls);
	if (kind < 0) {
		snprintf(err, errlen, "%s: unsupported converter %s (use StringConverter, "
		    "ByteArrayConverter or JsonConverter)", key, cls);
		return -1;
	}
	c->kind = kind;
	snprintf(skey, sizeof(skey), "%s.converter.schemas.enable", which);
	se = kc_json_str(src, skey);
	c->schemas_enable = se == NULL || strcasecmp(se, "true") == 0;
	if (se != NULL && strcasecmp(se, "true") != 0 && strcasecmp(se, "false") != 0) {
		snprintf(err, errlen, "%s: expected true or false, got \"%s\"", skey, se);
		return -1;
	}
	return 0;
}

/* ---- validation ----------------------------------------------------------------------- */

struct kw_validation {
	json_t				*errors;	/* key -> [messages] */
	/* Kafka metadata for kw_validation_partition_count (w NULL: no Kafka access) */
	struct kw_worker		*w;
	bool				 md_tried;
	rd_kafka_t			*rk;
	const struct rd_kafka_metadata	*md;		/* the cluster's topic list */
	char				 md_err[384];
};

/* Read the cluster's whole topic list once per validation (a list, never a Metadata request
 * naming a topic, which may auto-create it). */
static void
validation_metadata(struct kw_validation *v)
{
	char err[512], e[256];
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t r;

	v->md_tried = true;
	conf = kw_worker_kafka_conf(v->w, "admin", err, sizeof(err));
	if (conf == NULL) {
		snprintf(v->md_err, sizeof(v->md_err), "admin client config: %s", err);
		return;
	}
	rd_kafka_conf_set(conf, "log_level", "3", e, sizeof(e));	/* no connect-retry noise */
	v->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (v->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(v->md_err, sizeof(v->md_err), "cannot create a Kafka client: %s", e);
		return;
	}
	r = rd_kafka_metadata(v->rk, 1, NULL, &v->md, KW_VALIDATE_KAFKA_TIMEOUT_MS);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		v->md = NULL;
		snprintf(v->md_err, sizeof(v->md_err), "Kafka (bootstrap.servers=%s) did not "
		    "answer a metadata request within %d ms: %s", v->w->bootstrap,
		    KW_VALIDATE_KAFKA_TIMEOUT_MS, rd_kafka_err2str(r));
	}
}

int
kw_validation_partition_count(struct kw_validation *v, const char *topic, char *err,
    size_t errlen)
{
	int i;

	if (v->w == NULL || v->w->bootstrap == NULL) {
		snprintf(err, errlen, "no Kafka access during this validation");
		return -2;
	}
	if (!v->md_tried)
		validation_metadata(v);
	if (v->md == NULL) {
		snprintf(err, errlen, "%s", v->md_err);
		return -1;
	}
	for (i = 0; i < v->md->topic_cnt; i++) {
		if (strcmp(v->md->topics[i].topic, topic) != 0)
			continue;
		if (v->md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "topic %s: %s", topic,
			    rd_kafka_err2str(v->md->topics[i].err));
			return v->md->topics[i].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ?
			    0 : -1;
		}
		return v->md->topics[i].partition_cnt;
	}
	snprintf(err, errlen, "topic %s does not exist", topic);
	return 0;
}

/* Add an error for key. */
void
kw_validation_error(struct kw_validation *v, const char *key, const char *fmt, ...)
{
	struct kc_buf b = { 0 };
	json_t *arr;
	va_list ap;

	va_start(ap, fmt);
	kc_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	arr = json_object_get(v->errors, key);
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(v->errors, key, arr);
	}
	json_array_append_new(arr, json_string(kc_buf_str(&b)));
	kc_buf_free(&b);
}

/* Parse a long long strictly. */
static int
parse_ll(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	return (errno != 0 || *end != '\0') ? -1 : 0;
}

const char *
kw_valid_positive_int(const char *value, char *buf, size_t buflen)
{
	long long n;

	if (parse_ll(value, &n) != 0 || n < 1) {
		snprintf(buf, buflen, "Invalid value %s: must be an integer >= 1", value);
		return buf;
	}
	return NULL;
}

const char *
kw_valid_nonneg_int(const char *value, char *buf, size_t buflen)
{
	long long n;

	if (parse_ll(value, &n) != 0 || n < 0) {
		snprintf(buf, buflen, "Invalid value %s: must be an integer >= 0", value);
		return buf;
	}
	return NULL;
}

const char *
kw_valid_regex(const char *value, char *buf, size_t buflen)
{
	regex_t re;
	int r;

	r = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char m[200];

		regerror(r, &re, m, sizeof(m));
		snprintf(buf, buflen, "Invalid regular expression %s: %s", value, m);
		return buf;
	}
	regfree(&re);
	return NULL;
}

/* Choice validator (see kw_plugin.h). */
const char *
kw_valid_choice(const char *value, char *buf, size_t buflen, int ignore_case, ...)
{
	const char *c, *choices[32];
	size_t n = 0, i;
	struct kc_buf msg;
	va_list ap;

	va_start(ap, ignore_case);
	while ((c = va_arg(ap, const char *)) != NULL && n < KC_NITEMS(choices))
		choices[n++] = c;
	va_end(ap);
	for (i = 0; i < n; i++)
		if ((ignore_case ? strcasecmp(value, choices[i]) : strcmp(value, choices[i])) == 0)
			return NULL;
	kc_buf_init(&msg);
	kc_buf_puts(&msg, n > 2 ? "must be one of " : "must be ");
	for (i = 0; i < n; i++)
		kc_buf_printf(&msg, "%s%s", i == 0 ? "" : n > 2 ? ", " : " or ", choices[i]);
	snprintf(buf, buflen, "%s", kc_buf_str(&msg));
	kc_buf_free(&msg);
	return buf;
}

const char *
kw_valid_nonempty(const char *value, char *buf, size_t buflen)
{
	const char *p = value;

	while (p != NULL && isspace((unsigned char)*p))
		p++;
	if (p == NULL || *p == '\0')
		return "Value must not be empty";
	(void)buf;
	(void)buflen;
	return NULL;
}

static const char *
valid_converter(const char *value, char *buf, size_t buflen)
{
	if (!kw_converter_class_known(value)) {
		snprintf(buf, buflen, "Class %s could not be found (supported: StringConverter, "
		    "ByteArrayConverter, JsonConverter)", value);
		return buf;
	}
	return NULL;
}

static const char *
valid_tolerance(const char *value, char *buf, size_t buflen)
{
	if (strcasecmp(value, "none") != 0 && strcasecmp(value, "all") != 0) {
		snprintf(buf, buflen, "Invalid value %s: must be one of none, all", value);
		return buf;
	}
	return NULL;
}

static const char *
valid_repl(const char *value, char *buf, size_t buflen)
{
	long long n;

	if (parse_ll(value, &n) != 0 || (n < 1 && n != -1)) {
		snprintf(buf, buflen, "Invalid value %s: must be -1 or an integer >= 1", value);
		return buf;
	}
	return NULL;
}

/* Connect's common connector keys (ConnectorConfig). */
static const struct kw_cfg_def common_defs[] = {
	{ "name", KW_CFG_STRING, NULL, KW_HIGH, "Common",
	  "Globally unique name to use for this connector.", kw_valid_nonempty, 0 },
	{ "connector.class", KW_CFG_STRING, NULL, KW_HIGH, "Common",
	  "Name or alias of the class for this connector.", NULL, 0 },
	{ "tasks.max", KW_CFG_INT, "1", KW_HIGH, "Common",
	  "Maximum number of tasks to use for this connector.", kw_valid_positive_int, 0 },
	{ "key.converter", KW_CFG_CLASS, NULL, KW_LOW, "Common",
	  "Converter class used for keys; overrides the worker's key.converter.",
	  valid_converter, KW_CFG_OPTIONAL },
	{ "value.converter", KW_CFG_CLASS, NULL, KW_LOW, "Common",
	  "Converter class used for values; overrides the worker's value.converter.",
	  valid_converter, KW_CFG_OPTIONAL },
	{ "header.converter", KW_CFG_CLASS, NULL, KW_LOW, "Common",
	  "Converter class used for headers (accepted; headers are passed as bytes).",
	  NULL, KW_CFG_OPTIONAL },
	{ "config.action.reload", KW_CFG_STRING, "restart", KW_LOW, "Common",
	  "What to do when external configuration providers change a value.", NULL, 0 },
	{ "transforms", KW_CFG_LIST, "", KW_LOW, "Transforms",
	  "Aliases for the transformations to apply (not supported by kcops-worker; must be empty).",
	  NULL, 0 },
	{ "predicates", KW_CFG_LIST, "", KW_LOW, "Predicates",
	  "Aliases for predicates used by transformations (not supported; must be empty).",
	  NULL, 0 },
	{ "errors.retry.timeout", KW_CFG_LONG, "0", KW_MEDIUM, "Error Handling",
	  "Maximum duration in milliseconds that a failed operation will be reattempted.",
	  NULL, 0 },
	{ "errors.retry.delay.max.ms", KW_CFG_LONG, "60000", KW_MEDIUM, "Error Handling",
	  "Maximum duration in milliseconds between consecutive retry attempts.", NULL, 0 },
	{ "errors.tolerance", KW_CFG_STRING, "none", KW_MEDIUM, "Error Handling",
	  "Behavior for tolerating errors during connector operation: none or all.",
	  valid_tolerance, 0 },
	{ "errors.log.enable", KW_CFG_BOOLEAN, "false", KW_MEDIUM, "Error Handling",
	  "Log the details of every error and failed operation.", NULL, 0 },
	{ "errors.log.include.messages", KW_CFG_BOOLEAN, "false", KW_MEDIUM, "Error Handling",
	  "Include the record that caused a failure in the log.", NULL, 0 },
};

static const struct kw_cfg_def sink_defs[] = {
	{ "topics", KW_CFG_LIST, "", KW_HIGH, "Common",
	  "List of topics to consume, separated by commas.", NULL, 0 },
	{ "topics.regex", KW_CFG_STRING, "", KW_HIGH, "Common",
	  "Regular expression giving topics to consume.", NULL, 0 },
	{ "errors.deadletterqueue.topic.name", KW_CFG_STRING, "", KW_MEDIUM, "Error Handling",
	  "Topic to use as the dead letter queue for records this sink cannot process.",
	  NULL, 0 },
	{ "errors.deadletterqueue.topic.replication.factor", KW_CFG_SHORT, "3", KW_MEDIUM,
	  "Error Handling", "Replication factor of the dead letter queue topic when created.",
	  NULL, 0 },
	{ "errors.deadletterqueue.context.headers.enable", KW_CFG_BOOLEAN, "false", KW_MEDIUM,
	  "Error Handling", "Add headers with error context to dead letter queue records.",
	  NULL, 0 },
};

static const struct kw_cfg_def source_defs[] = {
	{ "topic.creation.groups", KW_CFG_LIST, "", KW_LOW, "Topic Creation",
	  "Groups of configurations for topics created by source connectors.", NULL, 0 },
	{ "topic.creation.default.partitions", KW_CFG_INT, "1", KW_LOW, "Topic Creation",
	  "Partitions of topics this connector creates (-1: broker default).", NULL, 0 },
	{ "topic.creation.default.replication.factor", KW_CFG_SHORT, "-1", KW_LOW,
	  "Topic Creation", "Replication factor of topics this connector creates "
	  "(-1: broker default).", valid_repl, 0 },
	{ "exactly.once.support", KW_CFG_STRING, "requested", KW_LOW, "Exactly Once Support",
	  "Whether exactly-once delivery is required (kcops-worker delivers at least once).",
	  NULL, 0 },
	{ "offsets.storage.topic", KW_CFG_STRING, NULL, KW_LOW, "Offsets Topic",
	  "Separate offsets topic for this connector (offsets stay in the worker's store).",
	  NULL, KW_CFG_OPTIONAL },
};

static const char *const type_names[] = {
	"BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD",
};
static const char *const importance_names[] = { "HIGH", "MEDIUM", "LOW" };

/* Every definition that applies to plugin p, in order. Caller frees the array. */
static const struct kw_cfg_def **
all_defs(const struct kw_plugin *p, size_t *n)
{
	const struct kw_cfg_def **out;
	size_t i, k = 0, nt;

	nt = KC_NITEMS(common_defs) + KC_NITEMS(sink_defs) + KC_NITEMS(source_defs) +
	    (p != NULL ? p->ndefs : 0);
	out = kc_xcalloc(nt, sizeof(*out));
	for (i = 0; i < KC_NITEMS(common_defs); i++)
		out[k++] = &common_defs[i];
	if (p != NULL && p->type == KW_PLUGIN_SINK)
		for (i = 0; i < KC_NITEMS(sink_defs); i++)
			out[k++] = &sink_defs[i];
	if (p != NULL && p->type == KW_PLUGIN_SOURCE)
		for (i = 0; i < KC_NITEMS(source_defs); i++)
			out[k++] = &source_defs[i];
	for (i = 0; p != NULL && i < p->ndefs; i++) {
		size_t j;
		bool dup = false;

		/* A plugin may redefine a common key (e.g. a different default). */
		for (j = 0; j < k; j++)
			if (strcmp(out[j]->name, p->defs[i].name) == 0) {
				out[j] = &p->defs[i];
				dup = true;
			}
		if (!dup)
			out[k++] = &p->defs[i];
	}
	*n = k;
	return out;
}

/* Type check of one value; NULL or message. */
static const char *
type_check(const struct kw_cfg_def *d, const char *v, char *buf, size_t buflen)
{
	long long n;
	char *end;

	switch (d->type) {
	case KW_CFG_BOOLEAN:
		if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0) {
			snprintf(buf, buflen, "Invalid value %s for configuration %s: Expected value "
			    "to be either true or false", v, d->name);
			return buf;
		}
		return NULL;
	case KW_CFG_INT:
	case KW_CFG_SHORT:
	case KW_CFG_LONG:
		if (parse_ll(v, &n) != 0 ||
		    (d->type == KW_CFG_INT && (n < INT32_MIN || n > INT32_MAX)) ||
		    (d->type == KW_CFG_SHORT && (n < INT16_MIN || n > INT16_MAX))) {
			snprintf(buf, buflen, "Invalid value %s for configuration %s: Not a number "
			    "of type %s", v, d->name, type_names[d->type]);
			return buf;
		}
		return NULL;
	case KW_CFG_DOUBLE:
		errno = 0;
		(void)strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0) {
			snprintf(buf, buflen, "Invalid value %s for configuration %s: Not a number "
			    "of type DOUBLE", v, d->name);
			return buf;
		}
		return NULL;
	default:
		return NULL;
	}
}

/* JSON definition of one key. */
static json_t *
def_json(const struct kw_cfg_def *d, int order)
{
	bool required = d->default_value == NULL && !(d->flags & KW_CFG_OPTIONAL);
	json_t *dv;

	if (d->default_value == NULL)
		dv = json_null();
	else if (d->type == KW_CFG_PASSWORD)
		dv = json_string("[hidden]");
	else
		dv = json_string(d->default_value);
	return json_pack("{s:s,s:s,s:b,s:o,s:s,s:s,s:s?,s:s,s:s,s:[],s:i}",
	    "name", d->name, "type", type_names[d->type], "required", required,
	    "default_value", dv, "importance", importance_names[d->importance],
	    "documentation", d->documentation != NULL ? d->documentation : "",
	    "group", d->group, "width", "NONE", "display_name", d->name, "dependents",
	    "order", order);
}

/* Config value as text (numbers and booleans accepted). NULL if absent/null. */
static const char *
value_text(const json_t *config, const char *key, char *buf, size_t buflen)
{
	json_t *v = json_object_get(config, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, buflen, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

/* Validate a connector config without Kafka access. */
json_t *
kw_config_validate(const struct kw_plugin *p, const json_t *config, int *nerrors)
{
	return kw_config_validate_kafka(NULL, p, config, nerrors);
}

/* The per-key, sink-topic and plugin cross-key checks of config against p: every error goes
 * to v->errors (key -> array of messages). */
static void
collect_errors(struct kw_validation *v, const struct kw_cfg_def **defs, size_t n,
    const struct kw_plugin *p, const json_t *config)
{
	json_t *eff, *val;
	const char *key;
	size_t i;

	for (i = 0; i < n; i++) {
		char nb[64], mb[512];
		const char *s = value_text(config, defs[i]->name, nb, sizeof(nb)), *m;

		if (s == NULL) {
			if (defs[i]->default_value == NULL && !(defs[i]->flags & KW_CFG_OPTIONAL))
				kw_validation_error(v, defs[i]->name, "Missing required configuration "
				    "\"%s\" which has no default value.", defs[i]->name);
			continue;
		}
		m = type_check(defs[i], s, mb, sizeof(mb));
		if (m == NULL && defs[i]->validator != NULL)
			m = defs[i]->validator(s, mb, sizeof(mb));
		if (m != NULL)
			kw_validation_error(v, defs[i]->name, "%s", m);
	}
	/* Values must be scalars. */
	json_object_foreach((json_t *)config, key, val) {
		if (json_is_object(val) || json_is_array(val))
			kw_validation_error(v, key, "Value must be a string, number or boolean");
	}
	{
		char nb[64];
		const char *t = value_text(config, "transforms", nb, sizeof(nb));

		if (t != NULL && *t != '\0')
			kw_validation_error(v, "transforms", "Single message transforms are not "
			    "supported by kcops-worker");
	}
	if (p != NULL && p->type == KW_PLUGIN_SINK) {
		char b1[64], b2[64], mb[512];
		const char *t = value_text(config, "topics", b1, sizeof(b1));
		const char *r = value_text(config, "topics.regex", b2, sizeof(b2));
		bool ht = t != NULL && *t != '\0', hr = r != NULL && *r != '\0';

		if (!ht && !hr) {
			kw_validation_error(v, "topics", "Must configure one of topics or topics.regex");
			kw_validation_error(v, "topics.regex",
			    "Must configure one of topics or topics.regex");
		} else if (ht && hr) {
			kw_validation_error(v, "topics", "topics and topics.regex are mutually "
			    "exclusive options, but both are set.");
			kw_validation_error(v, "topics.regex", "topics and topics.regex are mutually "
			    "exclusive options, but both are set.");
		} else if (hr && kw_valid_regex(r, mb, sizeof(mb)) != NULL)
			kw_validation_error(v, "topics.regex", "%s", mb);
	}
	/* Plugin cross-key checks on the effective config, only when per-key checks pass. */
	if (p != NULL && p->validate != NULL && json_object_size(v->errors) == 0) {
		eff = kw_config_effective(p, config);
		p->validate(eff, v);
		json_decref(eff);
	}
}

/* The ConfigInfos answer for config with the errors collected in `errors` (emptied). */
static json_t *
render_infos(const struct kw_cfg_def **defs, size_t n, const struct kw_plugin *p,
    const json_t *config, json_t *errors, int *nerrors)
{
	json_t *groups = json_array(), *configs = json_array(), *val;
	const char *key, *cls;
	char cb[64];
	size_t i;
	int count = 0;

	for (i = 0; i < n; i++) {
		char nb[64];
		const char *s = value_text(config, defs[i]->name, nb, sizeof(nb));
		json_t *errs = json_object_get(errors, defs[i]->name), *value, *g;
		size_t gi;
		bool seen = false;

		json_array_foreach(groups, gi, g)
			if (strcmp(json_string_value(g), defs[i]->group) == 0)
				seen = true;
		if (!seen)
			json_array_append_new(groups, json_string(defs[i]->group));
		if (s == NULL && defs[i]->default_value != NULL)
			s = defs[i]->default_value;
		if (s != NULL && defs[i]->type == KW_CFG_PASSWORD)
			s = "[hidden]";
		value = json_pack("{s:s,s:s?,s:[],s:o,s:b}", "name", defs[i]->name, "value", s,
		    "recommended_values", "errors", errs != NULL ? json_incref(errs) : json_array(),
		    "visible", 1);
		count += (int)json_array_size(errs);
		json_array_append_new(configs, json_pack("{s:o,s:o}", "definition",
		    def_json(defs[i], (int)i + 1), "value", value));
		json_object_del(errors, defs[i]->name);
	}
	/* Errors on keys no definition covers. */
	json_object_foreach(errors, key, val) {
		char nb[64];
		const char *s = value_text(config, key, nb, sizeof(nb));

		count += (int)json_array_size(val);
		json_array_append_new(configs, json_pack("{s:n,s:{s:s,s:s?,s:[],s:O,s:b}}",
		    "definition", "value", "name", key, "value", s, "recommended_values",
		    "errors", val, "visible", 1));
	}
	cls = value_text(config, "connector.class", cb, sizeof(cb));
	*nerrors = count;
	return json_pack("{s:s,s:i,s:o,s:o}", "name",
	    cls != NULL ? cls : (p != NULL ? p->class_name : ""), "error_count", count,
	    "groups", groups, "configs", configs);
}

static void
validation_done(struct kw_validation *v)
{
	json_decref(v->errors);
	if (v->md != NULL)
		rd_kafka_metadata_destroy(v->md);
	if (v->rk != NULL)
		rd_kafka_destroy(v->rk);
}

/* Validate a connector config; plugin hooks may ask w's Kafka cluster for metadata. */
json_t *
kw_config_validate_kafka(struct kw_worker *w, const struct kw_plugin *p, const json_t *config,
    int *nerrors)
{
	struct kw_validation v = { .errors = json_object(), .w = w };
	const struct kw_cfg_def **defs;
	json_t *out;
	size_t n;

	defs = all_defs(p, &n);
	collect_errors(&v, defs, n, p, config);
	out = render_infos(defs, n, p, config, v.errors, nerrors);
	validation_done(&v);
	free(defs);
	return out;
}

/* The checks of kw_config_validate_kafka without building the ConfigInfos for a valid
 * config (a create or config update checks every config it accepts; rendering every
 * definition was most of that work). */
int
kw_config_check(struct kw_worker *w, const struct kw_plugin *p, const json_t *config,
    char **text)
{
	struct kw_validation v = { .errors = json_object(), .w = w };
	const struct kw_cfg_def **defs;
	json_t *infos;
	size_t n;
	int count = 0;

	if (text != NULL)
		*text = NULL;
	defs = all_defs(p, &n);
	collect_errors(&v, defs, n, p, config);
	if (json_object_size(v.errors) > 0) {
		infos = render_infos(defs, n, p, config, v.errors, &count);
		if (text != NULL)
			*text = kw_config_error_text(infos);
		json_decref(infos);
	}
	validation_done(&v);
	free(defs);
	return count;
}

/* Error lines of a ConfigInfos. */
char *
kw_config_error_text(const json_t *infos)
{
	struct kc_buf b = { 0 };
	json_t *c, *e;
	size_t i, j;

	json_array_foreach(json_object_get(infos, "configs"), i, c) {
		json_array_foreach(json_object_get(json_object_get(c, "value"), "errors"), j, e) {
			kc_buf_putc(&b, '\n');
			kc_buf_puts(&b, json_string_value(e));
		}
	}
	return kc_buf_steal(&b);
}

/* ConfigKeyInfo list. */
json_t *
kw_config_plugin_keys(const struct kw_plugin *p)
{
	const struct kw_cfg_def **defs;
	json_t *out = json_array();
	size_t n, i;

	defs = all_defs(p, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(out, def_json(defs[i], (int)i + 1));
	free(defs);
	return out;
}

/* Config with defaults filled in (values as strings). */
json_t *
kw_config_effective(const struct kw_plugin *p, const json_t *config)
{
	const struct kw_cfg_def **defs;
	json_t *out, *v;
	const char *key;
	size_t n, i;

	out = json_object();
	json_object_foreach((json_t *)config, key, v) {
		char nb[64];
		const char *s = value_text(config, key, nb, sizeof(nb));

		if (s != NULL)
			json_object_set_new(out, key, json_string(s));
	}
	defs = all_defs(p, &n);
	for (i = 0; i < n; i++)
		if (defs[i]->default_value != NULL && json_object_get(out, defs[i]->name) == NULL)
			json_object_set_new(out, defs[i]->name, json_string(defs[i]->default_value));
	free(defs);
	return out;
}

/* ConfigKeyInfo list of a converter class (GET /connector-plugins/P/config). */
json_t *
kw_config_converter_keys(const char *cls)
{
	static const struct kw_cfg_def json_defs[] = {
		{ "converter.type", KW_CFG_STRING, NULL, KW_LOW, NULL,
		  "How this converter will be used: key or value (set by the worker).", NULL,
		  KW_CFG_OPTIONAL },
		{ "schemas.enable", KW_CFG_BOOLEAN, "true", KW_HIGH, "Schemas",
		  "Include schemas within each of the serialized values and keys.", NULL, 0 },
		{ "schemas.cache.size", KW_CFG_INT, "1000", KW_HIGH, "Schemas",
		  "The maximum number of schemas that can be cached in this converter instance.",
		  NULL, 0 },
	};
	static const struct kw_cfg_def string_defs[] = {
		{ "converter.type", KW_CFG_STRING, NULL, KW_LOW, NULL,
		  "How this converter will be used: key or value (set by the worker).", NULL,
		  KW_CFG_OPTIONAL },
		{ "converter.encoding", KW_CFG_STRING, "UTF-8", KW_HIGH, "Converter",
		  "The name of the character encoding (kcops passes bytes through unchanged).",
		  NULL, 0 },
	};
	const struct kw_cfg_def *defs = NULL;
	json_t *out = json_array();
	size_t n = 0, i;
	int kind = converter_kind(cls);

	if (kind == KW_CONV_JSON) {
		defs = json_defs;
		n = KC_NITEMS(json_defs);
	} else if (kind == KW_CONV_STRING) {
		defs = string_defs;
		n = KC_NITEMS(string_defs);
	}
	for (i = 0; i < n; i++) {
		json_array_append_new(out, def_json(&defs[i], (int)i + 1));
	}
	return out;
}
