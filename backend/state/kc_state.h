/* kc_state.h - the declarative state file: load, validate, plan, apply, export.
 *
 * A state file lists the connectors a team wants (see docs/state-file.md and kcops-state(5)).
 * The flow is:
 *
 *	kc_state_load()       read a source (path, directory, "-", git:REF:PATH, URL,
 *	                      github:...) and parse it; every problem found lands in the
 *	                      state's diagnostics
 *	kc_state_plan_new()   diff the desired connectors against a live snapshot shaped like
 *	                      GET /connectors?expand=status&expand=info
 *	kc_state_apply()      run a plan through an executor (kc_state_exec) with bounded
 *	                      concurrency and a progress callback; returns a report
 *	kc_state_export()     turn a live snapshot into a state document
 *
 * Nothing here prints: text is rendered into a kc_buf, machine output is JSON, so the CLI and
 * the TUI's plan view share the same code.
 *
 * Secrets: a config value may hold ${kcops:env:VAR} or ${kcops:file:PATH}. Plans, saved plans
 * and diagnostics carry the reference text only; the value is read when a request is built
 * (kc_state_apply) or when live values must be compared (kc_state_plan_new), and it is never
 * rendered. Any other ${...} belongs to Connect's config providers and passes through. */
#ifndef KC_STATE_H
#define KC_STATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_buf.h"
#include "kc_err.h"

/* ---- loading and validation -------------------------------------------------------------- */

enum kc_state_target {
	KC_STATE_RUNNING = 0,
	KC_STATE_PAUSED,
	KC_STATE_STOPPED,
};

enum kc_state_format {
	KC_STATE_FMT_NATIVE = 0,	/* {"version": 1, "connectors": [{"name", "config", ...}]} */
	KC_STATE_FMT_FLAT,		/* {"connectors": [{"connectorName", "connectorConfig", ...}]} */
};

/* One desired connector. Fields are readable; the state owns everything. */
struct kc_state_connector {
	char			*name;
	char			*ptr;		/* JSON pointer of the entry, e.g. "/connectors/3" */
	enum kc_state_target	 state;
	char			*owner_name;	/* NULL when absent */
	char			*owner_email;
	json_t			*config;	/* string -> string, defaults merged under, refs unresolved */
	int			 restart_failed; /* restart failed connector/tasks (default 1) */
	int			 auto_restart_max;	/* -1 when absent */
	int64_t			 auto_restart_backoff_ms; /* -1 when absent */
	json_t			*labels;	/* object string -> string (never NULL) */
	char			*file;		/* its file, for directory sources; else NULL */
};

/* One problem found while loading: where and what. A syntax error has line and col > 0 (and
 * pointer ""); any other problem has col 0 and the line of the value (or member) its pointer
 * names, or of its closest parent (0 when unknown, e.g. text not from a file). */
struct kc_state_diag {
	char	*file;		/* the file, for directory sources; NULL: the state's name */
	char	*pointer;	/* JSON pointer ("" = the document) */
	char	*message;
	int	 line, col;
};

/* Where to read a state file from. Every field may be NULL/0 (environment used instead). */
struct kc_state_source_opts {
	const char	*token;		/* URL sources: "Authorization: Bearer TOKEN" (KCOPS_STATE_TOKEN) */
	const char	*header;	/* URL sources: one extra raw header "Name: value" */
	const char	*github_user;	/* KCOPS_GITHUB_USER */
	const char	*github_token;	/* KCOPS_GITHUB_TOKEN */
	const char	*github_branch;	/* KCOPS_GITHUB_BRANCH; default: the repository's default */
	const char	*github_api;	/* KCOPS_GITHUB_API; default https://api.github.com */
	long		 timeout_ms;	/* URL sources; 0 = 30 s */
};

struct kc_state;

/* Read the raw bytes of a source (not a directory): a path, "-" (stdin), "git:REF:PATH" (git show, current
 * repository), "http://..." / "https://..." (a body that is a GitHub contents-API object is
 * base64-decoded), or "github:OWNER/REPO/PATH" (contents API). Returns a NUL-terminated
 * buffer the caller frees, or NULL with err set. */
char *kc_state_read_source(const char *src, const struct kc_state_source_opts *o, size_t *len,
    struct kc_err *err);

/* Parse state-file text. `name` is how the file is called in diagnostics. Never NULL: a state
 * that failed to parse has diagnostics and no connectors. */
struct kc_state *kc_state_parse(const char *text, size_t len, const char *name);
/* kc_state_read_source() + kc_state_parse(). A local directory loads every *.json file in it
 * (sorted by name, not recursive) as one state: each file keeps its own version, defaults
 * and require_owner, names must be unique across files, prune rules are merged, and
 * diagnostics name the file. NULL (err set) only when the source can't be read. */
struct kc_state *kc_state_load(const char *src, const struct kc_state_source_opts *o,
    struct kc_err *err);
void kc_state_free(struct kc_state *st);

const char *kc_state_name(const struct kc_state *st);
enum kc_state_format kc_state_format(const struct kc_state *st);
size_t kc_state_count(const struct kc_state *st);
const struct kc_state_connector *kc_state_connector(const struct kc_state *st, size_t i);
/* The connector called `name`, or NULL. */
const struct kc_state_connector *kc_state_find(const struct kc_state *st, const char *name);
/* The pointer of the place a config key of connector i was set (its own config or
 * /defaults/config). Borrowed; "" when unknown. */
const char *kc_state_key_origin(const struct kc_state *st, size_t i, const char *key);

size_t kc_state_ndiags(const struct kc_state *st);
const struct kc_state_diag *kc_state_diag(const struct kc_state *st, size_t i);
/* Warnings do not stop anything (validate exits 0, plans go ahead): a sensitive value written
 * in plain text instead of a ${kcops:...} reference. Same shape as diagnostics. */
size_t kc_state_nwarnings(const struct kc_state *st);
const struct kc_state_diag *kc_state_warning(const struct kc_state *st, size_t i);
/* "NAME: /pointer: warning: message (line L)", one a line, sanitized. */
void kc_state_warnings_text(const struct kc_state *st, struct kc_buf *out);
/* New reference: the warnings as kc_state_diags_json() shapes them. */
json_t *kc_state_warnings_json(const struct kc_state *st);

/* Add a diagnostic (used for errors found against a cluster, e.g. Connect's validate). */
void kc_state_add_diag(struct kc_state *st, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append every diagnostic as "NAME: /pointer: message (line L)" (syntax errors as
 * "NAME:L:C: message"), one a line, sanitized for a terminal. */
void kc_state_diags_text(const struct kc_state *st, struct kc_buf *out);
/* New reference: [{"file"?, "pointer", "message", "line"?, "column"?}] (column for syntax
 * errors, file for directory sources). */
json_t *kc_state_diags_json(const struct kc_state *st);

/* Build the body for Connect's validate endpoint for connector i (secrets resolved): a new
 * reference, or NULL with err set when a reference can't be resolved. */
json_t *kc_state_resolved_config(const struct kc_state *st, size_t i, struct kc_err *err);
/* 0 when every secret reference in connector i's config resolves now (the resolved values
 * are wiped at once), else -1 with err naming the connector and key. */
int kc_state_check_refs(const struct kc_state *st, size_t i, struct kc_err *err);
/* Map one Connect ConfigInfos answer (PUT /connector-plugins/P/config/validate) onto the
 * state's diagnostics for connector i. Returns the number of errors added. */
int kc_state_add_validate_result(struct kc_state *st, size_t i, const json_t *config_infos);

/* ---- secrets ----------------------------------------------------------------------------- */

/* 1 when s contains a ${kcops:...} reference. */
int kc_state_has_ref(const char *s);
/* Resolve every ${kcops:env:VAR} and ${kcops:file:PATH} in s; other ${...} pass through.
 * New string or NULL with err naming the reference (never its value). */
char *kc_state_resolve(const char *s, struct kc_err *err);
/* 1 when a config key's value should be hidden on screen (password, secret, token, ...). */
int kc_state_key_is_sensitive(const char *key);
/* 1 when a live value is a server-side mask ("[hidden]", "****", bullets) that can't be compared. */
int kc_state_value_is_masked(const char *value);

/* ---- plan -------------------------------------------------------------------------------- */

enum kc_state_action {
	KC_STATE_CREATE = 0,
	KC_STATE_UPDATE,
	KC_STATE_PAUSE,
	KC_STATE_RESUME,
	KC_STATE_STOP,
	KC_STATE_RESTART,
	KC_STATE_DELETE,
	KC_STATE_NACTIONS
};

/* A config key that differs. old/new are DISPLAY text: sensitive values and resolved
 * references never appear ("(sensitive)" or the reference text instead). */
struct kc_state_keydiff {
	char	 op;		/* '+' added, '-' removed, '~' changed */
	int	 sensitive;	/* values are masked ("(sensitive)") */
	char	*key;
	char	*old_value;	/* NULL for '+' */
	char	*new_value;	/* NULL for '-' */
};

struct kc_state_step {
	enum kc_state_action	 action;
	char			*name;
	enum kc_state_target	 target;	/* create: the initial state */
	json_t			*config;	/* create/update: full desired config, refs unresolved */
	struct kc_state_keydiff	*keys;		/* create (all '+') and update */
	size_t			 nkeys;
	char			*from;		/* pause/resume/stop/restart: live connector state */
	int			 restart_connector; /* restart: the connector instance failed */
	int			*tasks;		/* restart: failed task ids */
	size_t			 ntasks;
	char			*reason;	/* delete: why (the prune rule); NULL otherwise */
	char			*owner_name;	/* the connector's owner from the file, or NULL */
	char			*owner_email;
};

struct kc_state_plan_opts {
	int		 prune;		/* --prune: every connector not in the file may be deleted */
	/* --selector: only connectors whose labels hold every key=value of this object (borrowed;
	 * NULL: all). The other connectors of the file stay managed (never deleted) but get no
	 * steps, and nothing is deleted while a selector is given. */
	const json_t	*selector;
};

/* Parse "k=v[,k=v...]" into a new object for kc_state_plan_opts.selector; NULL with err. */
json_t *kc_state_selector_parse(const char *text, struct kc_err *err);

struct kc_state_plan;

/* Diff `st` against `live` (an object {name: {"status": ConnectorStateInfo, "info":
 * ConnectorInfo}}). Returns NULL with err set when the state has errors or a secret reference
 * can't be resolved. */
struct kc_state_plan *kc_state_plan_new(const struct kc_state *st, const json_t *live,
    const struct kc_state_plan_opts *o, struct kc_err *err);
void kc_state_plan_free(struct kc_state_plan *p);

size_t kc_state_plan_count(const struct kc_state_plan *p);
const struct kc_state_step *kc_state_plan_step(const struct kc_state_plan *p, size_t i);
/* Number of steps of one action. */
size_t kc_state_plan_count_action(const struct kc_state_plan *p, enum kc_state_action a);
/* Connectors in the cluster, not in the file, and left alone (no prune rule matched). */
size_t kc_state_plan_nunmanaged(const struct kc_state_plan *p);
const char *kc_state_plan_unmanaged(const struct kc_state_plan *p, size_t i);
/* SHA-256 (hex) of the live state the plan was computed from. Borrowed. */
const char *kc_state_plan_fingerprint(const struct kc_state_plan *p);
/* The state file's name, as given when loading. Borrowed. */
const char *kc_state_plan_source(const struct kc_state_plan *p);

const char *kc_state_action_name(enum kc_state_action a);
const char *kc_state_target_name(enum kc_state_target t);

enum {
	KC_STATE_RENDER_COLOR = 1 << 0,	/* ANSI colours (+ green, - red, ~ yellow) */
};
/* Human rendering of the plan (sanitized), ending with a summary line. */
void kc_state_plan_text(const struct kc_state_plan *p, struct kc_buf *out, int flags);
/* One step as a single line, e.g. "~ pause  audit-source (RUNNING -> PAUSED)". */
void kc_state_step_line(const struct kc_state_step *s, struct kc_buf *out);
/* New reference: {"source", "fingerprint", "changes": [...], "summary": {...}, "unmanaged"}.
 * Display values only (no secrets). */
json_t *kc_state_plan_json(const struct kc_state_plan *p);

/* Save a reviewed plan (mode 0600). It keeps desired configs with references unresolved. */
int kc_state_plan_save(const struct kc_state_plan *p, const char *path, struct kc_err *err);
/* Load a saved plan. NULL with err set when the file is not a kcops plan. */
struct kc_state_plan *kc_state_plan_load(const char *path, struct kc_err *err);
/* 1 when text looks like a saved plan rather than a state file. */
int kc_state_is_saved_plan(const char *text, size_t len);
struct kc_state_plan *kc_state_plan_parse(const char *text, size_t len, const char *name,
    struct kc_err *err);

/* Fingerprint of a live snapshot: names, configs, connector states and failed task ids.
 * Caller frees the hex string. */
char *kc_state_fingerprint(const json_t *live);

/* ---- apply ------------------------------------------------------------------------------- */

/* How apply talks to a cluster: an executor runs HTTP requests, up to `parallel` at a time.
 * `submit` queues one request (path relative to the Connect base URL, body may be NULL) and
 * must later call done(done_arg, http_status, response_body, error_text) exactly once, from
 * inside `run` (http_status 0 and error_text set for a transport error). `run` blocks until
 * every submitted request is done, including requests submitted from a done callback (apply
 * does that for the pause/stop after a create on workers without initial_state).
 * `poll` (optional, may be NULL) moves requests already submitted forward without waiting;
 * apply calls it between submits so the first requests are on the wire while the rest are
 * still being built. Done callbacks may run from inside it. It is never called from a done
 * callback. kc_state_exec_client_new() builds one over the Connect client. */
typedef void (*kc_state_done_fn)(void *done_arg, int status, const char *body, const char *error);
struct kc_state_exec {
	void	*arg;
	int	(*submit)(void *arg, const char *method, const char *path, const char *body,
		    kc_state_done_fn done, void *done_arg);
	void	(*run)(void *arg);
	void	(*poll)(void *arg);
};

/* Called after every finished step (error NULL on success), from the thread calling apply. */
typedef void (*kc_state_progress_fn)(void *arg, size_t done, size_t total,
    const struct kc_state_step *step, const char *error);

struct kc_state_apply_opts {
	int			 dry_run;	/* report what would run; send nothing */
	int			 no_initial_state; /* worker < 3.7: create, then pause/stop at once */
	kc_state_progress_fn	 progress;
	void			*progress_arg;
	/* When set and *cancel becomes non-zero (e.g. from a SIGINT handler), steps not yet
	 * handed to the executor are reported failed ("not run: interrupted"). */
	volatile int		*cancel;
};

struct kc_state_report;

/* Run the plan in order: creates (in their initial state), updates, pause/resume/stop,
 * restarts, deletes. Steps inside a phase run concurrently; one failing step never stops the
 * others. Never NULL. */
struct kc_state_report *kc_state_apply(const struct kc_state_plan *p,
    const struct kc_state_exec *ex, const struct kc_state_apply_opts *o);
void kc_state_report_free(struct kc_state_report *r);
size_t kc_state_report_nfailed(const struct kc_state_report *r);
/* New reference: {"added": [names], "removed", "updated", "paused", "resumed", "stopped",
 * "restarted", "failed": [{"name", "step", "error"}], "dry_run": bool}. */
json_t *kc_state_report_json(const struct kc_state_report *r);
void kc_state_report_text(const struct kc_state_report *r, struct kc_buf *out);

/* The HTTP request a step makes: method, path (names percent-encoded) and body (secrets
 * resolved: the caller must not print it). Returns -1 with err when a reference fails. */
int kc_state_step_request(const struct kc_state_step *s, char **method, char **path,
    char **body, struct kc_err *err);

/* ---- over the Connect client (kc_state_client.c) ------------------------------------------ */

struct kc_client;

/* An executor running requests through `c`, at most `parallel` in flight (0: 16), over the
 * client's reused connections. Free with kc_state_exec_client_free(). */
struct kc_state_exec *kc_state_exec_client_new(struct kc_client *c, int parallel);
/* Stop sending queued requests once *cancel is non-zero (they complete as "not sent:
 * interrupted"); requests in flight finish normally. */
void kc_state_exec_client_set_cancel(struct kc_state_exec *ex, volatile int *cancel);
void kc_state_exec_client_free(struct kc_state_exec *ex);
/* The live snapshot for planning (GET /connectors?expand=status&expand=info, with the
 * client's fallback). New reference, or NULL with err set. */
json_t *kc_state_live(struct kc_client *c, struct kc_err *err);
/* Run Connect's validate endpoint for every connector that has a class (concurrently) and
 * add its errors to the state's diagnostics, mapped to the config key's pointer. Returns
 * the number of errors added, or -1 with err set when the cluster can't be reached. */
int kc_state_validate_remote(struct kc_state *st, struct kc_client *c, int parallel,
    struct kc_err *err);

/* ---- export ------------------------------------------------------------------------------ */

enum kc_state_secrets {
	KC_STATE_SECRETS_REF = 0,	/* sensitive values become ${kcops:env:KCOPS_SECRET_...} */
	KC_STATE_SECRETS_MASK,		/* sensitive values become "********" */
	KC_STATE_SECRETS_PLAIN,		/* written as they are */
};

/* A state document (new reference) describing every connector of `live`, sorted by name,
 * with server-added keys left out. When refs_out is not NULL it receives a new array of
 * {"variable", "connector", "key"} for the references written (KC_STATE_SECRETS_REF). */
json_t *kc_state_export(const json_t *live, enum kc_state_secrets secrets, json_t **refs_out);

#endif
