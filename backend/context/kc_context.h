/* kc_context.h - the user's contexts file and context resolution.
 *
 * File: $XDG_CONFIG_HOME/kcops/config.json (default ~/.config/kcops/config.json;
 * KCOPS_CONFIG overrides the path). Shape:
 *
 *   { "current_context": "prod",
 *     "contexts": {
 *       "prod": {
 *         "urls": ["https://connect-1:8083", "https://connect-2:8083"],   (or "url": "...")
 *         "auth": { "type": "basic", "username": "ops",
 *                   "password" | "password_env" | "password_file": "..." }
 *              or { "type": "bearer", "token" | "token_env" | "token_file": "..." },
 *         "headers": { "X-Team": "ops" },
 *         "tls": { "ca_file": "...", "cert_file": "...", "key_file": "...", "insecure": false },
 *         "timeout": "30s",
 *         "kafka": { "bootstrap.servers": "...", "security.protocol": "SASL_SSL",
 *                    "sasl.mechanism": "PLAIN", "sasl.username": "...",
 *                    "sasl.password_env": "KAFKA_PASSWORD", "ssl.ca.location": "..." },
 *         "read_only": true,
 *         "theme": "dark" } },
 *     "keys":  { ... TUI key overrides, read by tui/ ... },
 *     "theme": "default" }
 *
 * Any "X_env" / "X_file" key next to a secret "X" (password, token, and in "kafka" any key)
 * reads the value from that environment variable or file (trailing newline stripped) at
 * resolution time, so secrets need not be stored in the file.
 *
 * Resolution order for a command: --url / KCOPS_URL (an ad-hoc context, no file needed),
 * else --context / KCOPS_CONTEXT, else current_context. --bootstrap overrides the Kafka
 * bootstrap servers of whatever was resolved.
 */
#ifndef KC_CONTEXT_H
#define KC_CONTEXT_H

#include <jansson.h>
#include <stddef.h>

#include "kc_client.h"
#include "kc_err.h"

struct kc_ctx_file;

/* Default path (caller frees): $KCOPS_CONFIG, else $XDG_CONFIG_HOME/kcops/config.json,
 * else $HOME/.config/kcops/config.json. */
char *kc_ctx_default_path(void);

/* Load the file at path (NULL: default path). A missing file is an empty configuration,
 * not an error; a malformed one is (err names the file, line and column). */
struct kc_ctx_file *kc_ctx_file_load(const char *path, struct kc_err *err);
void kc_ctx_file_free(struct kc_ctx_file *f);
/* Write back atomically (temp file + rename, mode 0600), creating the directory. */
int kc_ctx_file_save(struct kc_ctx_file *f, struct kc_err *err);
const char *kc_ctx_file_path(const struct kc_ctx_file *f);	/* borrowed */

/* A top-level section such as "keys" or "theme" (borrowed; NULL when absent). */
const json_t *kc_ctx_file_section(const struct kc_ctx_file *f, const char *name);
/* The "contexts" object (borrowed; never NULL) and the current context name (or NULL). */
const json_t *kc_ctx_file_contexts(const struct kc_ctx_file *f);
const char *kc_ctx_file_current(const struct kc_ctx_file *f);

/* Edit (in memory; call kc_ctx_file_save). set steals a reference to `ctx` after checking
 * its shape (err names the bad field). use fails for an unknown name. */
int kc_ctx_file_set(struct kc_ctx_file *f, const char *name, json_t *ctx, struct kc_err *err);
int kc_ctx_file_remove(struct kc_ctx_file *f, const char *name, struct kc_err *err);
int kc_ctx_file_use(struct kc_ctx_file *f, const char *name, struct kc_err *err);

/* Check one context object; returns 0 or -1 with err = "contexts.NAME.FIELD: problem". */
int kc_ctx_check(const char *name, const json_t *ctx, struct kc_err *err);

/* A resolved context: everything a command needs to reach the cluster. */
struct kc_ctx {
	char		*name;		/* NULL for an ad-hoc --url context */
	char		**urls;
	size_t		 nurls;
	char		*username;
	char		*password;	/* resolved secret */
	char		*token;		/* resolved secret */
	char		**headers;	/* "Name: value" */
	size_t		 nheaders;
	char		*ca_file;
	char		*cert_file;
	char		*key_file;
	int		 insecure;
	long		 timeout_ms;	/* 0: client default */
	json_t		*kafka;		/* string map for librdkafka (secrets resolved); owned */
	int		 read_only;
	char		*theme;		/* NULL: file-level or default */
};

/* What the command line / environment said. NULL members mean "not given"; the resolver
 * also reads KCOPS_URL and KCOPS_CONTEXT when url/context are NULL. */
struct kc_ctx_overrides {
	const char	*url;		/* comma-separated worker URLs */
	const char	*context;
	const char	*bootstrap;	/* Kafka bootstrap servers */
	int		 read_only;	/* force read-only */
};

/* Resolve. f may be NULL (then only --url works). Fails with KC_E_USAGE and a helpful
 * message when nothing names a cluster, or KC_E_NOTFOUND for an unknown context. */
struct kc_ctx *kc_ctx_resolve(const struct kc_ctx_file *f, const struct kc_ctx_overrides *ov,
    struct kc_err *err);
void kc_ctx_free(struct kc_ctx *ctx);
/* Fill client options pointing into ctx (valid while ctx lives). */
void kc_ctx_client_opts(const struct kc_ctx *ctx, struct kc_client_opts *opts);
/* Bootstrap servers from the context (or NULL). Borrowed. */
const char *kc_ctx_bootstrap(const struct kc_ctx *ctx);

#endif
