/* kc_client.h - Kafka Connect REST client (libcurl multi + jansson).
 *
 * One struct kc_client talks to one Connect cluster through one or more worker URLs (the
 * next URL is tried when a worker does not answer at the TCP/TLS level). Every request goes
 * through one curl multi handle, so connections are reused and fan-out runs concurrently.
 *
 * Two ways to use it:
 *
 *  - Synchronous (CLI, state code): kc_client_<operation>() functions block until the answer
 *    is in and return parsed JSON (new references) or -1/NULL with struct kc_err filled:
 *    err->code is the HTTP status for REST errors (or a KC_E_* code for transport problems)
 *    and err->msg holds Connect's "message" (or the sanitised plain-text/HTML body).
 *    A synchronous call drives the shared multi handle, so completions of asynchronous
 *    requests submitted earlier may run from inside it.
 *
 *  - Asynchronous (TUI): kc_client_submit() queues a request with a completion callback and
 *    returns at once. The caller's event loop waits with kc_client_wait() (curl_multi_poll
 *    plus the caller's own fds, e.g. stdin and a wake-up pipe) or uses kc_client_multi() and
 *    kc_client_timeout_ms() with its own poll(), then calls kc_client_perform(), which moves
 *    transfers forward and runs the callbacks of finished requests. Nothing blocks.
 *    kc_client_wakeup() interrupts a kc_client_wait() from another thread.
 *
 * Behaviour shared by both forms:
 *  - The Connect version comes from GET / (done once, lazily, or explicitly with
 *    kc_client_detect, or kc_client_detect_async; the async listing detects without
 *    blocking). Features are gated with kc_client_has() (which detects synchronously when
 *    needed: async callers should detect first);
 *    operations fall back where a fallback exists (see enum kc_feature).
 *    An unparseable version is treated as "newest" (all features on).
 *  - Rebalance 409s ("stale configuration", "no known leader", "conflicting operation") and
 *    the 3.5+ 500 "rebalance is expected" are retried with exponential backoff; a 409
 *    "already exists" is never retried. A 500 "Request timed out" is reported with code 500
 *    and kc_client_is_timeout() true (the operation may still complete on the worker).
 *  - Plain-text (basic-auth 401/403) and HTML error bodies become a one-line message.
 *  - Connector, task, plugin and logger names are percent-encoded as one path segment.
 *
 * DESIGN: every request is a struct kc_req in one of three lists: due (waiting for its
 * retry time), active (added to the multi handle) or done. At most `max_active` transfers
 * run at once (fan-out of per-connector status calls on pre-2.3 workers). Synchronous calls
 * submit a request and loop kc_client_wait/kc_client_perform until that request completes.
 */
#ifndef KC_CLIENT_H
#define KC_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_err.h"

struct kc_client;

/* Options. Strings are copied by kc_client_new(); the struct can be freed afterwards. */
struct kc_client_opts {
	const char *const *urls;	/* worker base URLs, e.g. "http://127.0.0.1:8083" */
	size_t		 nurls;
	const char	*username;	/* basic auth when set (with password) */
	const char	*password;
	const char	*token;		/* bearer token when set */
	const char *const *headers;	/* extra "Name: value" headers */
	size_t		 nheaders;
	const char	*ca_file;	/* TLS trust anchors (PEM) */
	const char	*cert_file;	/* TLS client certificate (PEM) */
	const char	*key_file;	/* TLS client key (PEM) */
	int		 insecure;	/* do not verify the server certificate */
	long		 connect_timeout_ms;	/* 0: 5000 */
	long		 timeout_ms;	/* whole request; 0: 120000 (Connect's own limit is 90 s) */
	int		 max_retries;	/* rebalance retries; 0: 6, -1: none */
	long		 retry_backoff_ms;	/* first backoff; 0: 200 (doubles, capped at 5 s) */
	int		 max_active;	/* concurrent transfers; 0: 16 */
	const char	*user_agent;	/* 0: "kcops/VERSION" */
};

struct kc_client *kc_client_new(const struct kc_client_opts *opts, struct kc_err *err);
/* Requests still queued or in flight are dropped: no callback runs (see
 * kc_client_submit_drop); an async listing frees its own state. */
void kc_client_free(struct kc_client *c);

/* The URL the client is currently using (borrowed). */
const char *kc_client_url(const struct kc_client *c);

/* A request log for tests and -v: when set, every HTTP exchange is reported as
 * "METHOD PATH -> STATUS" (status 0 for transport errors). */
void kc_client_set_trace(struct kc_client *c, void (*fn)(void *arg, const char *method,
    const char *path, long status), void *arg);

/* ---- Version and features ------------------------------------------------------------ */

enum kc_feature {
	KC_FEAT_EXPAND,		/* 2.3  GET /connectors?expand=status&expand=info */
	KC_FEAT_LOGGERS,	/* 2.4  /admin/loggers */
	KC_FEAT_TOPICS,		/* 2.5  /connectors/C/topics */
	KC_FEAT_RESTART_PARAMS,	/* 3.0  restart?includeTasks&onlyFailed */
	KC_FEAT_PLUGIN_CONFIG,	/* 3.2  /connector-plugins/P/config, connectorsOnly */
	KC_FEAT_STOP,		/* 3.5  PUT stop, STOPPED state */
	KC_FEAT_OFFSETS_READ,	/* 3.5  GET offsets */
	KC_FEAT_OFFSETS_WRITE,	/* 3.6  PATCH/DELETE offsets */
	KC_FEAT_INITIAL_STATE,	/* 3.7  initial_state on create */
	KC_FEAT_LOGGER_SCOPE,	/* 3.7  PUT /admin/loggers/L?scope=cluster */
	KC_FEAT_PATCH_CONFIG,	/* 3.8  PATCH /connectors/C/config */
	KC_FEAT_HEALTH,		/* 3.9  GET /health */
	KC_FEAT__COUNT
};

/* Name and minimum version ("2.3") of a feature, for messages. Static strings. */
const char *kc_feature_name(enum kc_feature f);
const char *kc_feature_since(enum kc_feature f);

/* GET / once (cached). Returns 0, or -1 with err when the worker cannot be reached. */
int kc_client_detect(struct kc_client *c, struct kc_err *err);
/* The same without blocking: cb runs from kc_client_perform (err NULL on success; at once
 * when already detected). Returns 0, or -1 on bad arguments. */
int kc_client_detect_async(struct kc_client *c, void (*cb)(struct kc_client *c,
    const struct kc_err *err, void *arg), void *arg);
/* Cached GET / document (borrowed; NULL before detection). Has "version", "commit",
 * "kafka_cluster_id", and on kcops-worker "kcops_version" and "bootstrap_servers". */
const json_t *kc_client_server_info(const struct kc_client *c);
/* Parsed version as major*10000 + minor*100 + patch (0 before detection). */
int kc_client_version(const struct kc_client *c);
/* 1 if the detected version has the feature (detects first when needed; 1 when detection
 * failed, so the request itself reports the error). */
int kc_client_has(struct kc_client *c, enum kc_feature f);
/* For tests: pretend the worker runs this version ("2.2.0"); NULL forgets the override. */
void kc_client_force_version(struct kc_client *c, const char *version);

/* 1 if err describes a Connect "Request timed out" 500 (or a client-side timeout). */
int kc_client_is_timeout(const struct kc_err *err);

/* ---- Raw requests --------------------------------------------------------------------- */

struct kc_resp {
	long	 status;	/* HTTP status, 0 when no answer */
	json_t	*json;		/* parsed body (new reference owned by the resp) or NULL */
	char	*body;		/* raw body, NUL-terminated (owned by the resp) */
	size_t	 len;
};
void kc_resp_free(struct kc_resp *r);	/* frees the members, not r */

/* Completion callback: err is NULL on 2xx; otherwise filled (code = HTTP status or KC_E_*).
 * resp stays valid only during the callback; take a reference to resp->json to keep it. */
typedef void (*kc_client_cb)(struct kc_client *c, struct kc_resp *resp,
    const struct kc_err *err, void *arg);

/* Queue METHOD path (path is already encoded, starts with '/', may hold a query) with an
 * optional JSON body (borrowed; serialised at once). Returns 0, or -1 on bad arguments. */
int kc_client_submit(struct kc_client *c, const char *method, const char *path,
    const json_t *body, kc_client_cb cb, void *arg);
/* Same, with `drop(arg)` called instead of cb when the request never completes because the
 * client is freed first (so the caller can free arg). */
int kc_client_submit_drop(struct kc_client *c, const char *method, const char *path,
    const json_t *body, kc_client_cb cb, void *arg, void (*drop)(void *arg));
/* Queue METHOD path without a body whose 2xx answer is handed over as text: resp->json stays
 * NULL and resp->body/resp->len hold the raw bytes (NUL-terminated), so a large answer (a
 * 3 MB listing) is not parsed on the caller's thread. A non-2xx answer is parsed as usual so
 * err carries Connect's message. resp->body belongs to the resp and is freed after cb
 * returns; cb may take it instead (keep the pointer, set resp->body to NULL, free() it later).
 * Returns 0, or -1 on bad arguments. */
int kc_client_submit_raw(struct kc_client *c, const char *method, const char *path,
    kc_client_cb cb, void *arg);
/* Queue METHOD path with a body that is JSON text already (copied, and wiped when the
 * request is freed; NULL: no body), for callers that build bodies as text. With raw != 0 a
 * 2xx answer stays text as with kc_client_submit_raw(). Returns 0, or -1 on bad arguments. */
int kc_client_submit_text(struct kc_client *c, const char *method, const char *path,
    const char *body, int raw, kc_client_cb cb, void *arg);
/* Blocking form: fills resp (free with kc_resp_free) and returns 0 on 2xx, -1 otherwise
 * (resp is still filled when the server answered). */
int kc_client_call(struct kc_client *c, const char *method, const char *path,
    const json_t *body, struct kc_resp *resp, struct kc_err *err);

/* ---- Event loop integration (async) --------------------------------------------------- */

/* The multi handle (borrowed), for callers that run their own poll() via
 * curl_multi_fdset/curl_multi_waitfds; combine with kc_client_timeout_ms(). */
CURLM *kc_client_multi(struct kc_client *c);
/* Milliseconds until kc_client_perform() has work (retry timers, curl timeouts); -1 none. */
long kc_client_timeout_ms(struct kc_client *c);
/* Wait up to timeout_ms for network activity, a due retry, one of the extra fds, or
 * kc_client_wakeup(). Returns 0 (check extra[i].revents) or -1. */
int kc_client_wait(struct kc_client *c, struct curl_waitfd *extra, unsigned int nextra,
    int timeout_ms);
/* Interrupt kc_client_wait() (thread-safe). */
void kc_client_wakeup(struct kc_client *c);
/* Move transfers forward and run callbacks of finished requests. Returns the number of
 * requests still queued or in flight. */
int kc_client_perform(struct kc_client *c);
/* Requests queued or in flight. */
int kc_client_pending(const struct kc_client *c);

/* ---- Connector model ------------------------------------------------------------------ */

/* Aggregated health: a RUNNING connector with a FAILED task is KC_HEALTH_FAILED;
 * a RUNNING connector with a task RESTARTING/UNASSIGNED stays RUNNING. */
enum kc_health {
	KC_HEALTH_UNKNOWN = 0,	/* no status yet (just created) */
	KC_HEALTH_RUNNING,
	KC_HEALTH_PAUSED,
	KC_HEALTH_STOPPED,
	KC_HEALTH_FAILED,
	KC_HEALTH_UNASSIGNED,
	KC_HEALTH_RESTARTING,
};
const char *kc_health_name(enum kc_health h);	/* "running", "failed", ... */
/* Parse "running" / "RUNNING" ...; -1 when unknown. */
int kc_health_parse(const char *s);

/* Strings below are BORROWED from the listing's JSON (valid while the list lives). */
struct kc_task_view {
	int		 id;
	const char	*state;		/* "RUNNING", ... */
	const char	*worker_id;
	const char	*trace;		/* NULL when absent */
};

struct kc_connector_view {
	const char	*name;
	const char	*type;		/* "source", "sink", "unknown" */
	const char	*state;		/* connector state, "UNASSIGNED" when no status yet */
	const char	*worker_id;	/* "" when unknown */
	const char	*trace;		/* connector trace or NULL */
	const char	*class_name;	/* config connector.class or "" */
	const json_t	*config;	/* borrowed config object or NULL (no info, or a list
					 * from kc_connector_list_parse: use config_keys) */
	const json_t	*status;	/* borrowed ConnectorStateInfo or NULL (likewise) */
	int		 has_config;	/* the listing had this connector's info */
	size_t		 nconfig;	/* config entries, in document order */
	const char *const *config_keys;
	const char *const *config_vals;	/* NULL for a JSON null value */
	/* KC_LIST_RAW_CONFIG only: the config's text as received ({"k":"v",...}, compact,
	 * string values, printable ASCII without escapes), nconfig 0, except that the
	 * closing quote of the connector.class value that class_name points to is a NUL.
	 * NULL otherwise. It has config_raw_npairs pairs: config_keys[i] and config_vals[i]
	 * point at the first byte of pair i's key and value inside config_raw (NOT
	 * NUL-terminated: a key ends 3 bytes before its value starts (`":"`), a value 3
	 * bytes before the next key starts (`","`), the last one 2 bytes before the end). */
	const char	*config_raw;
	size_t		 config_raw_len;
	size_t		 config_raw_npairs;
	size_t		 ntasks;
	struct kc_task_view *tasks;
	int		 tasks_running;
	int		 tasks_failed;
	enum kc_health	 health;
	/* Listing parser only (0 from kc_connector_list_new): bit KC_VF_x of plain set when
	 * that field is printable ASCII without '"' or '\\' (so JSON writes it as it is) and
	 * len[KC_VF_x] is its length. A hint for writers: a clear bit says nothing. */
	unsigned int	 plain;
	uint32_t	 len[5];
};
enum { KC_VF_NAME, KC_VF_TYPE, KC_VF_STATE, KC_VF_WORKER, KC_VF_CLASS };

struct kc_connector_list {
	size_t		 n;
	struct kc_connector_view *v;	/* sorted by name (strcmp) */
	json_t		*raw;		/* the expanded document {name: {status, info}} (owned),
					 * or NULL for kc_connector_list_parse */
	void		*priv;		/* storage of the parsed form */
};

/* Build the model from an expanded listing {name: {"status":..., "info":...}}. Takes a new
 * reference on `expanded`. Never fails on odd shapes (missing parts read as unknown). */
struct kc_connector_list *kc_connector_list_new(json_t *expanded);
/* The same model parsed straight from the text of an expanded listing, without building a
 * JSON tree (several times faster for thousands of connectors); config and status are NULL,
 * config_keys/config_vals hold the config. NULL with err when the text is not an expanded
 * listing (e.g. a pre-2.3 worker's name array). */
struct kc_connector_list *kc_connector_list_parse(const char *text, size_t len,
    struct kc_err *err);
/* Flags of kc_connector_list_parse_opts and kc_client_list_opts. */
enum kc_list_flags {
	/* The caller reads no config (a table, a name list): the listing parser then keeps
	 * only connector.class (class_name) and leaves nconfig 0 (has_config still says
	 * whether the info was there). A hint: the fallback paths may keep the config. */
	KC_LIST_NO_CONFIG = 1u,
	/* Nor connector.class: the info part of a connector is then only read for the type
	 * of a connector without a status, and otherwise skipped unread (class_name ""). */
	KC_LIST_NO_INFO = 2u,
	/* A config that is compact, flat and plain ASCII without escapes (so every string in
	 * it is already what a JSON writer would write) is kept as its text (config_raw)
	 * instead of being decoded into config_keys/config_vals; others as usual. */
	KC_LIST_RAW_CONFIG = 4u,
};
struct kc_connector_list *kc_connector_list_parse_opts(const char *text, size_t len,
    unsigned int flags, struct kc_err *err);
/* Blocking: the whole cluster as a model, the fastest way the worker allows (one expanded
 * call parsed directly, with the fallbacks of kc_client_list_expanded). */
struct kc_connector_list *kc_client_list(struct kc_client *c, struct kc_err *err);
struct kc_connector_list *kc_client_list_opts(struct kc_client *c, unsigned int flags,
    struct kc_err *err);
/* The same for event loops: cb gets a list it must free with kc_connector_list_free (or
 * NULL and err). For a TUI refreshing thousands of connectors this is several times cheaper
 * than kc_client_list_expanded_async + kc_connector_list_new. */
typedef void (*kc_client_model_cb)(struct kc_client *c, struct kc_connector_list *l,
    const struct kc_err *err, void *arg);
int kc_client_list_async(struct kc_client *c, kc_client_model_cb cb, void *arg);
void kc_connector_list_free(struct kc_connector_list *l);
/* Binary search by name; NULL when absent. */
const struct kc_connector_view *kc_connector_list_find(const struct kc_connector_list *l,
    const char *name);
/* A config value of a view (either way the list was made); NULL when absent or null. */
const char *kc_connector_view_config(const struct kc_connector_view *v, const char *key);
/* Health of one ConnectorStateInfo object (NULL: unknown). */
enum kc_health kc_connector_health(const json_t *status);

/* ---- Synchronous operations ----------------------------------------------------------- */
/* Unless said otherwise: json_t results are NEW references; -1/NULL with err on failure. */

json_t *kc_client_info(struct kc_client *c, struct kc_err *err);		/* GET / */
json_t *kc_client_health(struct kc_client *c, struct kc_err *err);	/* GET /health (3.9) */

/* GET /connectors: array of names. */
json_t *kc_client_list_names(struct kc_client *c, struct kc_err *err);
/* Expanded listing {name: {"status": ..., "info": ...}} for every connector: one
 * ?expand=status&expand=info call on >= 2.3, else the name list plus concurrent
 * GET /connectors/C and /status per connector. A connector whose status is missing (just
 * created) keeps only "info"; one deleted during the fan-out is dropped. */
json_t *kc_client_list_expanded(struct kc_client *c, struct kc_err *err);
/* Async form of the same; cb gets a new reference (or NULL and err) and must decref it. */
typedef void (*kc_client_list_cb)(struct kc_client *c, json_t *expanded,
    const struct kc_err *err, void *arg);
int kc_client_list_expanded_async(struct kc_client *c, kc_client_list_cb cb, void *arg);

json_t *kc_client_connector(struct kc_client *c, const char *name, struct kc_err *err);
json_t *kc_client_config(struct kc_client *c, const char *name, struct kc_err *err);
json_t *kc_client_status(struct kc_client *c, const char *name, struct kc_err *err);
json_t *kc_client_tasks(struct kc_client *c, const char *name, struct kc_err *err);
json_t *kc_client_task_status(struct kc_client *c, const char *name, int task,
    struct kc_err *err);
json_t *kc_client_topics(struct kc_client *c, const char *name, struct kc_err *err);
int kc_client_topics_reset(struct kc_client *c, const char *name, struct kc_err *err);
json_t *kc_client_offsets(struct kc_client *c, const char *name, struct kc_err *err);

/* POST /connectors. initial_state: NULL, "RUNNING", "PAUSED" or "STOPPED". Before 3.7 the
 * connector is created and then paused or stopped at once; *note (may be NULL) then gets a
 * static sentence saying so. Returns the ConnectorInfo. */
json_t *kc_client_create(struct kc_client *c, const char *name, const json_t *config,
    const char *initial_state, const char **note, struct kc_err *err);
/* PUT /connectors/C/config (create or replace). *created (may be NULL) = 1 on 201. */
json_t *kc_client_put_config(struct kc_client *c, const char *name, const json_t *config,
    int *created, struct kc_err *err);
/* Partial update: `set` is an object of key -> value (value null removes the key), applied
 * with PATCH on >= 3.8, else GET config + merge + PUT. Returns the ConnectorInfo. */
json_t *kc_client_patch_config(struct kc_client *c, const char *name, const json_t *set,
    struct kc_err *err);
int kc_client_delete(struct kc_client *c, const char *name, struct kc_err *err);
int kc_client_pause(struct kc_client *c, const char *name, struct kc_err *err);
int kc_client_resume(struct kc_client *c, const char *name, struct kc_err *err);
/* PUT stop (3.5); -1 with code KC_E_USAGE and a clear message on older workers. */
int kc_client_stop(struct kc_client *c, const char *name, struct kc_err *err);

/* Restart. KC_RESTART_CONNECTOR: the connector instance only; ALL: connector and tasks;
 * FAILED: only failed instances. Before 3.0, ALL/FAILED restart the connector and then each
 * (failed) task with POST tasks/T/restart, reading /status first.
 * Returns a new reference to the status document that the worker answered (3.0+ 202) or
 * that was read, or an empty object; NULL on error. *ntasks (may be NULL) = tasks restarted
 * (or marked RESTARTING). */
enum kc_restart { KC_RESTART_CONNECTOR, KC_RESTART_ALL, KC_RESTART_FAILED };
json_t *kc_client_restart(struct kc_client *c, const char *name, enum kc_restart how,
    int *ntasks, struct kc_err *err);
/* POST /connectors/C/tasks/T/restart: 0 when done; 1 when the worker accepted the request
 * without confirming it (202 from a kcops-worker cluster whose worker running the task has
 * not answered yet: the task restarts when it does, or starts where it moves); -1 with err. */
int kc_client_restart_task(struct kc_client *c, const char *name, int task,
    struct kc_err *err);

/* PATCH offsets with body {"offsets": [...]} / DELETE offsets (3.6). Returns the Message. */
json_t *kc_client_offsets_alter(struct kc_client *c, const char *name, const json_t *body,
    struct kc_err *err);
json_t *kc_client_offsets_reset(struct kc_client *c, const char *name, struct kc_err *err);

/* GET /connector-plugins[?connectorsOnly=false]. */
json_t *kc_client_plugins(struct kc_client *c, int all_types, struct kc_err *err);
json_t *kc_client_plugin_config(struct kc_client *c, const char *plugin, struct kc_err *err);
/* PUT /connector-plugins/P/config/validate, P taken from config's connector.class. */
json_t *kc_client_validate(struct kc_client *c, const json_t *config, struct kc_err *err);

json_t *kc_client_loggers(struct kc_client *c, struct kc_err *err);
json_t *kc_client_logger(struct kc_client *c, const char *logger, struct kc_err *err);
/* PUT /admin/loggers/L; scope NULL/"worker"/"cluster" (cluster needs 3.7). Returns the
 * affected-logger array (worker scope) or an empty array (cluster scope, 204). */
json_t *kc_client_logger_set(struct kc_client *c, const char *logger, const char *level,
    const char *scope, struct kc_err *err);

#endif
