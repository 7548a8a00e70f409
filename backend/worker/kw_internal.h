/* kw_internal.h - structures shared by the worker runtime's own files (not for plugins).
 *
 * DESIGN
 * One struct kw_worker per process. `lock` protects the connector list and every state field
 * of connectors and tasks; `gen` is bumped under the lock on every change a REST reader can
 * observe, so the REST layer can cache serialised answers and still never serve stale data.
 * REST handlers only read and flip fields under the lock (they never join threads); the
 * herder thread (kw_herder.c) reconciles: it starts task threads for connectors whose target
 * is STARTED/PAUSED, stops and joins them on STOPPED, restart and config change, and frees
 * deleted connectors once their tasks have ended. */
#ifndef KW_INTERNAL_H
#define KW_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kc_buf.h"
#include "kw_plugin.h"

struct kc_kafka_mock;
struct kw_rest;

enum kw_ctarget { KW_CT_STARTED, KW_CT_PAUSED, KW_CT_STOPPED };

#define KW_RING_DEFAULT	1024

struct kw_converter {
	enum { KW_CONV_STRING, KW_CONV_BYTES, KW_CONV_JSON } kind;
	bool	schemas_enable;
};

struct kw_task {
	struct kw_worker	*w;
	struct kw_connector	*conn;
	int			 id;
	int			 count;
	json_t			*config;	/* effective config, immutable */
	struct kw_converter	 kconv, vconv;
	pthread_t		 thread;
	bool			 started;	/* thread created */
	atomic_bool		 done;		/* task_run returned */
	atomic_int		 target;	/* enum kw_target */
	enum kw_task_state	 state;		/* lock */
	char			*trace;		/* lock; FAILED trace */
	bool			 restarting;	/* lock; shown as RESTARTING */
	bool			 restart_req;	/* lock; herder restarts it */
	json_t			*metrics;	/* lock */
	char			*state_dir;	/* created on demand */
	kw_rebalance_hook	 rebalance_hook;	/* task thread only */
	void			*rebalance_arg;
	bool			 rebalance_coop;	/* last protocol seen: COOPERATIVE */
};

struct kw_waiter;

struct kw_connector {
	char			*name;
	json_t			*config;	/* as stored: string -> string */
	const struct kw_plugin	*plugin;	/* NULL: class unknown on this worker */
	enum kw_ctarget		 target;
	bool			 failed;	/* connector instance FAILED */
	char			*trace;
	bool			 restarting;
	bool			 reconfigure;	/* herder: restart all tasks (new config) */
	bool			 deleted;
	bool			 persist_dirty;	/* lock; config/target/pending not yet journaled */
	struct kw_task		**tasks;
	int			 ntasks;	/* this worker's tasks, sorted by id */
	int			 task_total;	/* lock; tasks of the connector, when known */
	bool			 task_total_known;	/* lock; false after a config change */
	json_t			*topics;	/* array of topic names in use */
	/* Sink offsets altered while STOPPED that could not be committed from outside the group
	 * (the mock cluster refuses that once the group exists): applied by the next sink
	 * consumer on assignment. {"reset": bool, "offsets": [{topic, partition, offset}]} */
	json_t			*sink_pending;
	json_t			**ring;		/* exchange ring (lock); NULL until the first exchange */
	size_t			 ring_size;
	uint64_t		 next_seq;	/* seq of the next exchange (starts at 1) */
	int64_t			 created_ms;
};

struct kw_worker {
	json_t			*conf;		/* worker properties, string map (after --set) */
	char			*state_dir;
	char			*worker_id;	/* advertised host:port */
	char			*bootstrap;
	char			*cluster_id;
	bool			 embedded;
	struct kc_kafka_mock	*mock;
	struct kw_rest		*rest;
	size_t			 ring_size;

	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* herder wake-up and task target changes */
	struct kw_connector	**conns;
	size_t			 nconns, capconns;
	struct kw_connector	**byname;	/* lock: index of conns by name (open
						 * addressing, KW_TOMBSTONE for deleted) */
	size_t			 byname_cap, byname_used;	/* slots; live + tombstones */
	struct kw_connector	**dirty;	/* lock: the conns marked persist_dirty */
	size_t			 ndirty, capdirty;
	struct kw_connector	**graveyard;	/* deleted, tasks still to join */
	size_t			 ngrave, capgrave;
	atomic_uint_fast64_t	 gen;
	json_t			*offsets;	/* source offsets: {connector: [{partition, offset}]} */
	struct kc_buf		 journal;	/* lock: journal records not yet written */
	size_t			 journal_recs;	/* lock: records in `journal` */
	bool			 loading;	/* lock: kw_herder_load is restoring connectors */
	int			 journal_fd;	/* save_lock: STATE_DIR/connectors.journal, -1 none */
	uint64_t		 journal_gen;	/* save_lock: generation named by connectors.json */
	size_t			 journal_bytes;	/* save_lock: size of the journal file */
	size_t			 snapshot_bytes;	/* save_lock: size of connectors.json */
	char			*offsets_text;	/* lock: offsets.json snapshot not yet written */
	pthread_mutex_t		 save_lock;	/* serialises writes of connectors.json */
	atomic_bool		 need_sync;	/* state files written, not yet fsync'd */
	bool			 offsets_dirty;
	bool			 herder_stop;
	bool			 started;	/* startup finished (GET /health) */
	pthread_t		 herder;
	atomic_int_fast64_t	 herder_beat_ms;	/* monotonic time of the herder's last pass */
	int64_t			 start_ms;
	/* distributed mode (kw_dist.c); dist is NULL in standalone mode */
	struct kw_dist		*dist;
	json_t			*dist_out;	/* lock: records to produce to the config topic */
	json_t			*dist_peers;	/* lock: worker_id -> last status record */
	bool			 applying_remote;	/* lock: applying a config-topic record */
	bool			 source_owner;	/* lock: this worker runs the source connectors */
};

/* ---- worker configuration (kw_config.c) ---- */

/* Parse the worker configuration: properties file (may be NULL) then `sets` ("k=v").
 * Unknown keys are an error naming the closest valid key; keys that do not apply are
 * accepted with a warning logged. New string map, or NULL + err. */
json_t *kw_config_load(const char *path, char *const *sets, int nsets, char *err, size_t errlen);
/* Is this key acceptable in a worker config? 1 known, 2 known but ignored, 0 unknown
 * (then *suggest is the closest valid key or NULL). */
int kw_config_key_known(const char *key, const char **suggest);
const char *kw_config_get(const struct kw_worker *w, const char *key, const char *def);
/* An integer key of the worker config in [min, max] (def when absent): 0, or -1 with err =
 * "KEY=VALUE: expected an integer from MIN to MAX". */
int kw_config_int(const json_t *conf, const char *key, long long def, long long min,
    long long max, long long *out, char *err, size_t errlen);

/* Connector config validation against a plugin. Returns a new ConfigInfos JSON object (the
 * validate endpoint's answer, passwords masked) and sets *nerrors. */
json_t *kw_config_validate(const struct kw_plugin *p, const json_t *config, int *nerrors);
/* The same, with w's Kafka cluster reachable by the plugin's validate hook (REST validate,
 * create and config updates; not while holding w->lock: a metadata request may wait up to
 * KW_VALIDATE_KAFKA_TIMEOUT_MS). */
json_t *kw_config_validate_kafka(struct kw_worker *w, const struct kw_plugin *p,
    const json_t *config, int *nerrors);
/* The errors of a ConfigInfos, one per line for the 400 message. Caller frees. */
char *kw_config_error_text(const json_t *infos);
/* The checks of kw_config_validate_kafka (w NULL: without Kafka) without the ConfigInfos:
 * the number of errors, 0 for a valid config; with text, *text is NULL or the errors one per
 * line as kw_config_error_text gives them (caller frees). */
int kw_config_check(struct kw_worker *w, const struct kw_plugin *p, const json_t *config,
    char **text);
/* ConfigKeyInfo array for GET /connector-plugins/P/config. New reference. */
json_t *kw_config_plugin_keys(const struct kw_plugin *p);
/* ConfigKeyInfo array of a supported converter class. New reference. */
json_t *kw_config_converter_keys(const char *cls);
/* Effective config: the stored config with every default filled in. New reference. */
json_t *kw_config_effective(const struct kw_plugin *p, const json_t *config);
/* Converter from connector config over worker config; "key" or "value". 0 or -1 + err. */
int kw_converter_setup(struct kw_converter *c, const json_t *conn_config, const json_t *worker_conf,
    const char *which, char *err, size_t errlen);
/* Is the name one of the three supported converters? */
bool kw_converter_class_known(const char *cls);

/* ---- herder (kw_herder.c) ---- */

int kw_herder_start(struct kw_worker *w, char *err, size_t errlen);
/* Stop every task, flush state and offsets, join the herder thread. Connectors stay. */
void kw_herder_shutdown(struct kw_worker *w);
/* Free every connector; no task may be running. */
void kw_herder_free(struct kw_worker *w);
/* Load connectors.json and offsets.json from state_dir. 0, or -1 + err. */
int kw_herder_load(struct kw_worker *w, char *err, size_t errlen);
/* Queue a journal record for every connector changed since the last call, i.e. marked
 * persist_dirty (lock held, no I/O; deletes are queued by kw_conn_delete_locked). Cost is
 * proportional to the changed connectors, not to all of them. */
void kw_herder_save_locked(struct kw_worker *w);
/* Mark a connector's persisted fields (config, target, sink_pending) changed (not while
 * kw_herder_load restores them); kw_conn_mark_dirty_locked marks it in any case. */
void kw_conn_persist_locked(struct kw_worker *w, struct kw_connector *c);
void kw_conn_mark_dirty_locked(struct kw_worker *w, struct kw_connector *c);
/* Append the queued records to STATE_DIR/connectors.journal and fdatasync it (lock NOT
 * held). When it returns, every record queued before the call is on disk (power-loss
 * durable): concurrent callers share one fdatasync (group commit). Compacts the journal into
 * connectors.json when it outgrows it. */
void kw_herder_flush(struct kw_worker *w);
/* Lock-held helpers for REST handlers. kw_conn_find_locked looks the name up in an index
 * (a create checked every connector before, twice with the journal's dirty scan). */
struct kw_connector *kw_conn_find_locked(struct kw_worker *w, const char *name);
struct kw_connector *kw_conn_add_locked(struct kw_worker *w, const char *name, json_t *config,
    enum kw_ctarget target);
void kw_conn_delete_locked(struct kw_worker *w, struct kw_connector *c);
void kw_conn_set_config_locked(struct kw_worker *w, struct kw_connector *c, json_t *config);
void kw_conn_set_target_locked(struct kw_worker *w, struct kw_connector *c, enum kw_ctarget t);
/* Restart: the connector instance (always) and tasks (include_tasks), only FAILED ones when
 * only_failed. Marks them RESTARTING; the herder does the rest. */
void kw_conn_restart_locked(struct kw_worker *w, struct kw_connector *c, bool include_tasks,
    bool only_failed);
/* JSON views (lock held). New references. */
json_t *kw_conn_status_locked(struct kw_worker *w, struct kw_connector *c);
json_t *kw_task_status_locked(struct kw_worker *w, struct kw_task *t);
json_t *kw_conn_info_locked(struct kw_worker *w, struct kw_connector *c);
json_t *kw_conn_tasks_locked(struct kw_worker *w, struct kw_connector *c);
const char *kw_conn_type(const struct kw_connector *c);
/* The number of tasks of the connector (ids 0..n-1), from its validated config; 0 when it
 * cannot run (unknown class, invalid config). Cached until the config changes (lock held). */
int kw_conn_task_total_locked(struct kw_worker *w, struct kw_connector *c);
/* Restart one of this worker's tasks (lock held). */
void kw_task_restart_locked(struct kw_worker *w, struct kw_task *t);
/* Wake the herder. */
void kw_herder_kick_locked(struct kw_worker *w);
/* Exchanges since seq (exclusive), up to max. New array; *next is the next seq. */
json_t *kw_conn_exchanges_locked(struct kw_connector *c, uint64_t since, size_t max,
    uint64_t *next);
json_t *kw_conn_metrics_locked(struct kw_connector *c);
/* Write pending offsets.json (lock NOT held). */
void kw_herder_flush_offsets(struct kw_worker *w);
/* Source offsets of a connector (new array) and replacement (NULL = reset). */
json_t *kw_offsets_get_locked(struct kw_worker *w, const char *conn);
void kw_offsets_set_locked(struct kw_worker *w, const char *conn, json_t *offsets);
/* Record a topic as used by the connector (lock held). */
void kw_conn_topic_used_locked(struct kw_worker *w, struct kw_connector *c, const char *topic);
/* A librdkafka conf with the worker's client settings and `<role>.` keys. NULL + err. */
rd_kafka_conf_t *kw_worker_kafka_conf(struct kw_worker *w, const char *role, char *err,
    size_t errlen);

/* ---- distributed mode (kw_dist.c) ---- */

struct kw_dist;
/* Are group.id and config.storage.topic both set? */
bool kw_dist_enabled_conf(const json_t *conf);
/* Join the cluster when distributed mode is configured (after kw_herder_load, before
 * kw_herder_start): reads the config topic to its end, then follows it. 0 or -1 + err. */
int kw_dist_start(struct kw_worker *w, char *err, size_t errlen);
void kw_dist_stop(struct kw_worker *w);
/* Does this worker run c's tasks (lock held)? Always true standalone. */
bool kw_dist_runs_here_locked(struct kw_worker *w, const struct kw_connector *c);
/* Does this worker run task `id` of c (lock held)? Always true standalone. Distributed:
 * sink tasks are spread over the live workers by id, sources run on the lease holder. */
bool kw_dist_task_here_locked(struct kw_worker *w, const struct kw_connector *c, int id);
/* The herder started (or restarted) task `id` of c here (lock held): pending restart
 * requests for that task are done. */
void kw_dist_task_started_locked(struct kw_worker *w, const struct kw_connector *c, int id);
/* Restart task `id` of connector `name` that runs on another worker (`owner`, may be ""):
 * write a restart_task record to the config topic and wait a few heartbeat intervals for a
 * worker to confirm it (lock NOT held). 1 confirmed (*who: the worker), 0 written but not
 * confirmed in time, -1 not written (logged). */
int kw_dist_restart_task(struct kw_worker *w, const char *name, int id, const char *owner,
    char *who, size_t wholen);
/* Queue a config-topic record (stolen; dropped standalone or while applying the topic). */
void kw_dist_queue_locked(struct kw_worker *w, json_t *rec);
/* Produce records to the config topic and await delivery (save_lock held). 0 or -1. */
int kw_dist_publish(struct kw_worker *w, json_t *records);
/* The tasks of c in the cluster, entry i with "id" i and the "worker_id" running it (or
 * UNASSIGNED); standalone: this worker's tasks (lock held). New reference. */
json_t *kw_dist_tasks_locked(struct kw_worker *w, struct kw_connector *c);
/* worker_id running connector c's instance (lock held); NULL: no live lease holder. */
const char *kw_dist_conn_worker_locked(struct kw_worker *w, const struct kw_connector *c);
/* Produce a source offset (NULL: tombstone) to offset.storage.topic, no wait (lock held). */
void kw_dist_offset_write_locked(struct kw_worker *w, const char *conn, const json_t *partition,
    const json_t *offset);
/* Await delivery of every record produced so far (lock NOT held). 0, or -1 (logged). */
int kw_dist_sync(struct kw_worker *w);
/* Every worker known: [{worker_id, self, alive, source_owner, ...}] (lock held). */
json_t *kw_dist_workers_locked(struct kw_worker *w);
/* This worker's own view of a connector's status (no peers). */
json_t *kw_conn_status_local_locked(struct kw_worker *w, struct kw_connector *c);

static inline void
kw_bump(struct kw_worker *w)
{
	atomic_fetch_add(&w->gen, 1);
}

#endif
