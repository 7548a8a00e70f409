/* kw_plugin.h - the contract between kcops-worker's runtime and its connector plugins.
 *
 * DESIGN
 * A plugin is a const table (struct kw_plugin): class name and aliases, type, a config
 * definition table (which drives validation, GET /connector-plugins/P/config and defaults),
 * and a task body. The runtime (herder) starts each task on its own thread by calling
 * plugin->task_run(task) and owns everything around it: state reporting, pause/stop targets,
 * Kafka client configuration, converters, metrics and exchange rings for the REST extensions.
 *
 * A task body is a loop:
 *
 *	int my_run(struct kw_task *t) {
 *		... set up; on error: return kw_task_fail(t, "cannot ...: %s", why);
 *		kw_task_set_state(t, KW_TASK_RUNNING);
 *		while (kw_task_target(t) != KW_TARGET_STOP) {
 *			if (kw_task_target(t) == KW_TARGET_PAUSE) { pause work (sinks: pause
 *			    partitions but keep polling); kw_task_set_state(t, KW_TASK_PAUSED); ... }
 *			... do a bounded amount of work, never block longer than ~100 ms without
 *			    looking at the target again (or use kw_task_sleep) ...
 *		}
 *		... flush, commit, clean up ...
 *		return 0;
 *	}
 *
 * Returning 0 means a clean stop. kw_task_fail() records the trace (state FAILED) and returns
 * -1 so it can be returned directly. A task never calls exit() and never touches another
 * task's state. Everything a task allocates it frees before returning.
 *
 * Thread safety: all kw_task_* functions may be called from the task thread and from threads
 * the task itself started; configuration pointers are immutable for the task's lifetime.
 */
#ifndef KW_PLUGIN_H
#define KW_PLUGIN_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configuration definitions (Connect's ConfigDef) ---------------------------------- */

enum kw_cfg_type {
	KW_CFG_BOOLEAN, KW_CFG_STRING, KW_CFG_INT, KW_CFG_SHORT, KW_CFG_LONG, KW_CFG_DOUBLE,
	KW_CFG_LIST, KW_CFG_CLASS, KW_CFG_PASSWORD,
};

enum kw_importance { KW_HIGH, KW_MEDIUM, KW_LOW };

enum {
	KW_CFG_OPTIONAL = 1 << 0,	/* no default and not required (default_value shows null) */
};

/* A per-key validator: return NULL when valid, else a message (static, or written into buf). */
typedef const char *(*kw_cfg_validator)(const char *value, char *buf, size_t buflen);

struct kw_cfg_def {
	const char		*name;
	enum kw_cfg_type	 type;
	const char		*default_value;	/* NULL: required unless KW_CFG_OPTIONAL */
	enum kw_importance	 importance;
	const char		*group;		/* e.g. "HTTP", "Retry", "Publish" */
	const char		*documentation;
	kw_cfg_validator	 validator;	/* NULL: type check only */
	unsigned		 flags;
};

/* Validation results for one config; filled by the runtime's per-key checks and by the
 * plugin's cross-key validate hook. */
struct kw_validation;
/* Add an error for `key` (printf style). Key may be one the plugin does not define. */
void kw_validation_error(struct kw_validation *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Kafka metadata for a plugin's validate hook: the partition count of `topic` (>= 1), 0 when
 * the topic does not exist (err says so), -1 with err when Kafka did not answer within
 * KW_VALIDATE_KAFKA_TIMEOUT_MS (or the client could not be set up), -2 when this validation
 * has no Kafka access (a config re-checked when tasks start: skip the check, the task makes
 * it). The cluster's topic list is read once per validation and never creates topics. */
#define KW_VALIDATE_KAFKA_TIMEOUT_MS	3000
int kw_validation_partition_count(struct kw_validation *v, const char *topic, char *err,
    size_t errlen);

/* Ready-made validators. */
const char *kw_valid_positive_int(const char *value, char *buf, size_t buflen);
const char *kw_valid_nonneg_int(const char *value, char *buf, size_t buflen);
const char *kw_valid_regex(const char *value, char *buf, size_t buflen);	/* POSIX ERE */
const char *kw_valid_nonempty(const char *value, char *buf, size_t buflen);
/* One of a NULL-terminated list of choices (case-insensitive when ignore_case). The error
 * reads "must be A or B" for two choices, "must be one of A, B, C" for more. A plugin wraps
 * it in a one-line validator with its own list. */
const char *kw_valid_choice(const char *value, char *buf, size_t buflen, int ignore_case, ...);

/* ---- plugins ---------------------------------------------------------------------------- */

enum kw_plugin_type { KW_PLUGIN_SOURCE, KW_PLUGIN_SINK };

struct kw_task;
struct kw_worker;

struct kw_plugin {
	const char		 *class_name;	/* "kcops.http.HttpSinkConnector" */
	const char *const	 *aliases;	/* NULL-terminated list or NULL */
	enum kw_plugin_type	  type;
	const char		 *version;
	const struct kw_cfg_def	 *defs;		/* plugin keys; the runtime adds Connect's common
						   keys (name, connector.class, tasks.max, topics,
						   topics.regex, converters, errors.*, ...) */
	size_t			  ndefs;
	/* Cross-key checks after per-key validation; `config` has defaults merged. May be NULL. */
	void			(*validate)(const json_t *config, struct kw_validation *v);
	/* Tasks to run (1..tasks_max). NULL: tasks.max for sinks, 1 for sources. */
	int			(*task_count)(const json_t *config, int tasks_max);
	/* The task body (see DESIGN). */
	int			(*task_run)(struct kw_task *t);
};

/* The plugin table (backend/worker/kw_plugins.c): every plugin, NULL-terminated. */
extern const struct kw_plugin *const kw_plugins[];
/* Find a plugin by class name or alias (also accepts the simple class name, with or without
 * the "Connector" suffix, like Connect). NULL if unknown. */
const struct kw_plugin *kw_plugin_find(const char *name);

/* ---- the task context (implemented by the runtime) -------------------------------------- */

enum kw_target { KW_TARGET_RUN, KW_TARGET_PAUSE, KW_TARGET_STOP };
enum kw_task_state { KW_TASK_UNASSIGNED, KW_TASK_RUNNING, KW_TASK_PAUSED, KW_TASK_FAILED };

const char *kw_task_connector(const struct kw_task *t);	/* connector name */
int kw_task_id(const struct kw_task *t);
int kw_task_count(const struct kw_task *t);			/* tasks of this connector */
/* Effective config: the connector config with every default filled in. Borrowed. */
const json_t *kw_task_config(const struct kw_task *t);
/* Typed getters on the effective config (the value was validated, so they cannot fail;
 * an absent optional key gives NULL / def). */
const char *kw_task_cfg(const struct kw_task *t, const char *key);
long long kw_task_cfg_int(const struct kw_task *t, const char *key, long long def);
double kw_task_cfg_double(const struct kw_task *t, const char *key, double def);
bool kw_task_cfg_bool(const struct kw_task *t, const char *key, bool def);

enum kw_target kw_task_target(struct kw_task *t);
/* Sleep up to ms, returning early when the target changes. Returns the target. */
enum kw_target kw_task_sleep(struct kw_task *t, int ms);
/* Report RUNNING or PAUSED (the runtime reports UNASSIGNED before start and FAILED). */
void kw_task_set_state(struct kw_task *t, enum kw_task_state state);
/* Mark the task FAILED with this message as the first line of its trace. Returns -1. */
int kw_task_fail(struct kw_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A directory private to this connector in the worker's state.dir (created on demand),
 * e.g. for LMDB. Borrowed. */
const char *kw_task_state_dir(struct kw_task *t);
/* "host:port" of this worker, as reported in worker_id. Borrowed. */
const char *kw_task_worker_id(const struct kw_task *t);
struct kw_worker *kw_task_worker(struct kw_task *t);

/* ---- Kafka ------------------------------------------------------------------------------ */

/* A new librdkafka conf holding: the worker's bootstrap.servers and client security settings
 * (security.protocol, sasl.*, ssl.*), the worker's `<role>.` keys, then the connector's
 * `<role>.override.` keys. role is "consumer", "producer" or "admin". NULL + err on a bad key. */
rd_kafka_conf_t *kw_task_kafka_conf(struct kw_task *t, const char *role, char *err, size_t errlen);
/* Sink tasks: a consumer in group "connect-<connector>", subscribed to the connector's
 * `topics` (or `topics.regex`), enable.auto.commit=false, enable.auto.offset.store=false,
 * auto.offset.reset=earliest. The task polls, commits (rd_kafka_commit with explicit offsets)
 * and closes/destroys it. */
rd_kafka_t *kw_task_sink_consumer(struct kw_task *t, char *err, size_t errlen);
/* The same, with librdkafka consumer properties (`defaults`, a string map, may be NULL) set
 * where neither the worker's `consumer.<key>` nor the connector's `consumer.override.<key>`
 * sets them, e.g. a deeper prefetch for a sink that drains its queue quickly. */
rd_kafka_t *kw_task_sink_consumer_with(struct kw_task *t, const json_t *defaults, char *err,
    size_t errlen);
/* Close and destroy a consumer of this task (rk may be NULL): leaves its group within
 * task.shutdown.graceful.timeout.ms, or is destroyed without leaving (logged); `what` names it
 * in that warning ("consumer", "table consumer"). */
void kw_task_consumer_destroy(struct kw_task *t, rd_kafka_t *rk, const char *what);
/* Sink tasks: have the runtime tell the task about every change of its consumer's assignment,
 * so it can drop bookkeeping for partitions it lost and set up the ones it gained. The hook
 * runs on the thread that polls the consumer (inside rd_kafka_consume_batch_queue() and the
 * like): REVOKE before the partitions are taken away (a commit of finished offsets can still
 * be made unless `lost`: the group already gave them to another member); ASSIGNING before
 * partitions are added (the task may set the start offset of a partition whose offset is
 * RD_KAFKA_OFFSET_INVALID, which otherwise starts at its committed offset; the only time
 * `parts` may be changed); ASSIGN after they were added (librdkafka keeps an application
 * pause of a partition across assignments, so the task sets their pause state). Set it
 * before kw_task_sink_consumer(); NULL removes it (do that before closing the consumer). */
enum kw_rebalance { KW_REBALANCE_ASSIGNING, KW_REBALANCE_ASSIGN, KW_REBALANCE_REVOKE };
typedef void (*kw_rebalance_hook)(struct kw_task *t, enum kw_rebalance what,
    rd_kafka_topic_partition_list_t *parts, bool lost, void *arg);
void kw_task_set_rebalance_hook(struct kw_task *t, kw_rebalance_hook fn, void *arg);
/* A producer with the worker's settings plus extra `conf_overrides` (string map, may be NULL;
 * e.g. the HTTP sink's producer.* keys). The task destroys it. */
rd_kafka_t *kw_task_producer(struct kw_task *t, const json_t *conf_overrides, char *err,
    size_t errlen);
/* Make sure `topic` exists (CreateTopics with topic.creation.default.partitions and
 * .replication.factor, or the embedded mock's creation). 0, or -1 with err. */
int kw_task_ensure_topic(struct kw_task *t, const char *topic, char *err, size_t errlen);

/* ---- converters (key.converter / value.converter, connector level over worker level) --- */

enum kw_data_kind { KW_DATA_NULL, KW_DATA_BYTES, KW_DATA_JSON };

/* A decoded key or value. BYTES for StringConverter/ByteArrayConverter (ptr/len borrow the
 * Kafka message); JSON for JsonConverter (json is a new reference, payload already unwrapped
 * from the schemas.enable envelope; schema_version from the envelope or -1). */
struct kw_data {
	enum kw_data_kind	 kind;
	const void		*ptr;
	size_t			 len;
	json_t			*json;
	int			 schema_version;
};
void kw_data_clear(struct kw_data *d);	/* drops json */

struct kw_converter;
const struct kw_converter *kw_task_key_converter(const struct kw_task *t);
const struct kw_converter *kw_task_value_converter(const struct kw_task *t);
/* Decode a Kafka key/value (NULL ptr = null). 0, or -1 with err (e.g. bad JSON at offset). */
int kw_converter_decode(const struct kw_converter *c, const void *ptr, size_t len,
    struct kw_data *out, char *err, size_t errlen);
/* Encode for producing: JSON values are serialised (with the envelope when schemas.enable),
 * a JSON string under StringConverter is written as its raw text, BYTES are copied.
 * *out is malloc'd (NULL for a null value). 0 or -1. */
int kw_converter_encode(const struct kw_converter *c, const struct kw_data *in, void **out,
    size_t *outlen, char *err, size_t errlen);

/* ---- REST extensions: metrics and exchange stream ------------------------------------- */

/* Replace this task's metrics object (stolen); served merged per connector at
 * GET /kcops/v1/connectors/{c}/metrics. */
void kw_task_set_metrics(struct kw_task *t, json_t *metrics);
/* Append an exchange summary (stolen) to the connector's bounded ring; the runtime adds
 * "seq" and "task". Served at GET /kcops/v1/connectors/{c}/exchanges?since=SEQ&wait=MS. */
void kw_task_publish_exchange(struct kw_task *t, json_t *summary);

/* ---- source offsets (stored by the runtime, shown by GET /connectors/{c}/offsets) ------ */

/* New reference; NULL when none was stored. */
json_t *kw_task_source_offset_get(struct kw_task *t, const json_t *partition);
/* Copies both. Written to the offset store (state dir or offset.storage.topic). */
void kw_task_source_offset_put(struct kw_task *t, const json_t *partition, const json_t *offset);

#endif
