/* kc_state_export.c - a live cluster written as a state file.
 *
 * The document round-trips: planning it against the same cluster gives no change. Server-added
 * keys are left out; FAILED/UNASSIGNED/RESTARTING connectors are exported as running (the state
 * they are meant to be in); sensitive values become ${kcops:env:...} references (default),
 * "********", or stay as they are. Connect config-provider placeholders are kept verbatim. */
#include "kc_state_int.h"
#include "kc_json.h"
#include "kc_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* qsort comparator for C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* KCOPS_SECRET_<CONNECTOR>_<KEY>, upper case, other characters as '_'. Caller frees. */
static char *
secret_var(const char *conn, const char *key)
{
	char *v = kc_xasprintf("KCOPS_SECRET_%s_%s", conn, key), *p;

	for (p = v; *p; p++)
		*p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
	return v;
}

json_t *
kc_state_export(const json_t *live, enum kc_state_secrets secrets, json_t **refs_out)
{
	json_t *doc = json_object(), *arr = json_array(), *refs = json_array();
	const char **names, *k;
	json_t *v;
	size_t n = 0, i;

	json_object_set_new(doc, "version", json_integer(1));
	names = kc_xcalloc(json_object_size(live) + 1, sizeof *names);
	json_object_foreach((json_t *)live, k, v)
		names[n++] = k;
	qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		const json_t *e = json_object_get(live, names[i]);
		const json_t *cfg = kc_state_live_config(e);
		const char *state = kc_state_live_state(e), *key;
		json_t *c = json_object(), *out = json_object(), *val;
		const char **keys;
		size_t nk = 0, j;

		json_object_set_new(c, "name", json_string(names[i]));
		json_object_set_new(c, "state", json_string(kc_str_eq(state, "PAUSED") ? "paused" :
		    kc_str_eq(state, "STOPPED") ? "stopped" : "running"));
		keys = kc_xcalloc(json_object_size(cfg) + 1, sizeof *keys);
		json_object_foreach((json_t *)cfg, key, val)
			keys[nk++] = key;
		qsort(keys, nk, sizeof *keys, cmp_str);
		for (j = 0; j < nk; j++) {
			const char *s = kc_json_str(cfg, keys[j]);

			if (s == NULL || kc_state_key_is_server_added(keys[j]))
				continue;
			if (!kc_state_key_is_sensitive(keys[j]) || secrets == KC_STATE_SECRETS_PLAIN ||
			    (s[0] == '$' && s[1] == '{') || s[0] == '\0') {
				json_object_set_new(out, keys[j], json_string(s));
			} else if (secrets == KC_STATE_SECRETS_MASK || kc_state_value_is_masked(s)) {
				json_object_set_new(out, keys[j], json_string("********"));
			} else {
				char *var = secret_var(names[i], keys[j]);
				char *ref = kc_xasprintf("${kcops:env:%s}", var);
				json_object_set_new(out, keys[j], json_string(ref));
				json_array_append_new(refs, json_pack("{s:s, s:s, s:s}", "variable", var,
				    "connector", names[i], "key", keys[j]));
				free(ref);
				free(var);
			}
		}
		free(keys);
		json_object_set_new(c, "config", out);
		json_array_append_new(arr, c);
	}
	free(names);
	json_object_set_new(doc, "connectors", arr);
	if (refs_out != NULL)
		*refs_out = refs;
	else
		json_decref(refs);
	return doc;
}
