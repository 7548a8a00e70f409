/* kc_state_int.h - internals shared by the files of backend/state (not a public header). */
#ifndef KC_STATE_INT_H
#define KC_STATE_INT_H

#include <stdint.h>

#include "kc_state.h"

struct kc_state {
	char				*name;
	enum kc_state_format		 format;
	int				 version;
	int				 require_owner;
	struct kc_state_connector	*conns;
	size_t				 nconns, capconns;	/* capconns: of conns
							 * and origins */
	json_t				**origins;	/* per connector: key -> pointer */
	int				 prune;		/* prune rules present */
	json_t				*prune_match;	/* array of globs */
	json_t				*prune_except;
	json_t				*lines;		/* JSON pointer -> line in the text,
							 * made from text on first need */
	char				*text;		/* the parsed text until lines exist */
	size_t				 text_len;
	json_t				*file_lines;	/* directory sources: file -> lines */
	struct kc_state_diag		*diags;
	size_t				 ndiags, diagcap;
	struct kc_state_diag		*warns;
	size_t				 nwarns, warncap;
};

/* A diagnostic about a place in `file` (NULL: the state's own text). */
void kc_state_add_diag_file(struct kc_state *st, const char *file, const char *pointer,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* SHA-256 of data as 64 lowercase hex digits into hex[65]. */
void kc_state_sha256_hex(const void *data, size_t len, char hex[65]);

/* Base64 decode (whitespace ignored). NULL on malformed input; caller frees. */

/* The state of a live connector ("RUNNING", ...), or NULL when the snapshot has no status. */
const char *kc_state_live_state(const json_t *entry);
/* The live config (borrowed) or NULL. */
const json_t *kc_state_live_config(const json_t *entry);
/* 1 for config keys the server adds and a diff ignores (name, __internal.*). */
int kc_state_key_is_server_added(const char *key);
/* Display text of a value for key (masking sensitive values, keeping reference text). */
char *kc_state_display_value(const char *key, const char *value);

#endif
