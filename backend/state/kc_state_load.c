/* kc_state_load.c - parsing and validating state files (native and flat formats).
 *
 * DESIGN: parsing never stops at the first problem. The document is walked once; each
 * problem becomes a diagnostic (JSON pointer + message) and the walk goes on with whatever
 * could be understood, so `kcops validate` shows every error in one pass. Syntax errors are
 * the exception: without a document there is nothing to walk, so they carry a line and
 * column instead of a pointer. Connectors are kept even when they have errors, so the
 * caller can still show them; kc_state_plan_new() refuses a state with diagnostics. */
#include "kc_state_int.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const top_fields[] = { "version", "require_owner", "defaults", "connectors",
    "prune" };
static const char *const conn_fields[] = { "name", "state", "owner", "config", "restart_failed",
    "auto_restart", "labels" };
static const char *const default_fields[] = { "config", "state", "owner", "restart_failed",
    "auto_restart", "labels" };
static const char *const owner_fields[] = { "name", "email" };
static const char *const auto_fields[] = { "max", "backoff" };
static const char *const prune_fields[] = { "match", "except" };
static const char *const flat_top_fields[] = { "connectors" };
static const char *const flat_fields[] = { "nameSpace", "connectorName", "ownerName",
    "ownerEmail", "tCode", "paused", "connectorConfig", "connectorType", "connectorStatus" };
static const char *const state_names[] = { "running", "paused", "stopped" };

static const json_t *state_lines(struct kc_state *st);

/* Add a diagnostic with an optional line/column, about `file` (NULL: the state's text). */
static void
diag_add_to(struct kc_state *st, int warning, const char *file, const char *ptr, int line,
    int col, const char *fmt, va_list ap)
{
	const json_t *lines = file != NULL ? json_object_get(st->file_lines, file) :
	    state_lines(st);
	struct kc_state_diag **arr = warning ? &st->warns : &st->diags;
	size_t *n = warning ? &st->nwarns : &st->ndiags;
	size_t *cap = warning ? &st->warncap : &st->diagcap;
	struct kc_state_diag *d;
	struct kc_buf b;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*arr = kc_xrealloc(*arr, *cap * sizeof **arr);
	}
	d = &(*arr)[(*n)++];
	kc_buf_init(&b);
	kc_buf_vprintf(&b, fmt, ap);
	d->file = kc_xstrdup(file);
	d->pointer = kc_xstrdup(ptr != NULL ? ptr : "");
	d->message = kc_buf_steal(&b);
	d->line = line;
	d->col = col;
	if (line == 0 && lines != NULL) {	/* the line of the pointer or a parent */
		char *p = kc_xstrdup(d->pointer), *slash;
		json_t *l;

		for (;;) {
			if ((l = json_object_get(lines, p)) != NULL) {
				d->line = (int)json_integer_value(l);
				break;
			}
			if ((slash = strrchr(p, '/')) == NULL)
				break;
			*slash = '\0';
		}
		free(p);
	}
}

/* Add a diagnostic about `file` (NULL: the state's own text). */
static void
diag_add_in(struct kc_state *st, const char *file, const char *ptr, int line, int col,
    const char *fmt, va_list ap)
{
	diag_add_to(st, 0, file, ptr, line, col, fmt, ap);
}

/* Add a diagnostic about the state's own text. */
static void
diag_add(struct kc_state *st, const char *ptr, int line, int col, const char *fmt, va_list ap)
{
	diag_add_in(st, NULL, ptr, line, col, fmt, ap);
}

/* Add a warning about the state's own text, once per pointer. */
static void warn(struct kc_state *st, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
warn(struct kc_state *st, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	for (i = 0; i < st->nwarns; i++)
		if (strcmp(st->warns[i].pointer, ptr) == 0)
			return;
	va_start(ap, fmt);
	diag_add_to(st, 1, NULL, ptr, 0, 0, fmt, ap);
	va_end(ap);
}

void
kc_state_add_diag(struct kc_state *st, const char *pointer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(st, pointer, 0, 0, fmt, ap);
	va_end(ap);
}

void
kc_state_add_diag_file(struct kc_state *st, const char *file, const char *pointer,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add_in(st, file, pointer, 0, 0, fmt, ap);
	va_end(ap);
}

/* Shorthand used by the walker. */
static void diag(struct kc_state *st, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
diag(struct kc_state *st, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(st, ptr, 0, 0, fmt, ap);
	va_end(ap);
}

/* "parent/seg" with seg escaped. Caller frees. */
static char *
ptr_join(const char *parent, const char *seg)
{
	size_t plen = strlen(parent), n = 0;
	const char *s;
	char *out, *o;

	for (s = seg; *s != '\0'; s++)
		n += *s == '~' || *s == '/' ? 2 : 1;
	out = kc_xmalloc(plen + n + 2);
	memcpy(out, parent, plen);
	o = out + plen;
	*o++ = '/';
	for (s = seg; *s != '\0'; s++) {
		if (*s == '~' || *s == '/') {
			*o++ = '~';
			*o++ = *s == '~' ? '0' : '1';
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* A JSON type name for messages. */
static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* Report every member of obj whose name is not in fields. */
static void
check_fields(struct kc_state *st, const char *ptr, const json_t *obj, const char *const *fields,
    size_t n, const char *what)
{
	const char *key, *close;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, fields[i]) == 0)
				break;
		if (i < n)
			continue;
		char *p = ptr_join(ptr, key);
		close = kc_str_closest(key, fields, n);
		if (close != NULL)
			diag(st, p, "unknown field \"%s\" in %s (did you mean \"%s\"?)", key, what,
			    close);
		else
			diag(st, p, "unknown field \"%s\" in %s", key, what);
		free(p);
	}
}

/* Parse a state name; -1 (and a diagnostic) when bad. */
static int
parse_target(struct kc_state *st, const char *ptr, const json_t *v)
{
	const char *s, *close;
	size_t i;

	if (!json_is_string(v)) {
		diag(st, ptr, "state must be a string (running, paused or stopped), not %s",
		    type_name(v));
		return -1;
	}
	s = json_string_value(v);
	for (i = 0; i < KC_NITEMS(state_names); i++)
		if (strcasecmp(s, state_names[i]) == 0)
			return (int)i;
	char *low = kc_xstrdup(s);
	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	close = kc_str_closest(low, state_names, KC_NITEMS(state_names));
	char *safe = kc_text_sanitize(s, 0);
	if (close != NULL)
		diag(st, ptr, "bad state \"%s\": must be running, paused or stopped (did you mean "
		    "\"%s\"?)", safe, close);
	else
		diag(st, ptr, "bad state \"%s\": must be running, paused or stopped", safe);
	free(safe);
	free(low);
	return -1;
}

/* Check the ${kcops:...} references inside one config value. */
static void
check_refs(struct kc_state *st, const char *ptr, const char *s)
{
	const char *p = s, *end, *body;

	while ((p = strstr(p, "${kcops:")) != NULL) {
		body = p + 8;
		end = strchr(body, '}');
		if (end == NULL) {
			diag(st, ptr, "unterminated secret reference (expected ${kcops:env:VAR} or "
			    "${kcops:file:PATH})");
			return;
		}
		if (strncmp(body, "env:", 4) == 0) {
			if (end == body + 4)
				diag(st, ptr, "empty variable name in ${kcops:env:}");
		} else if (strncmp(body, "file:", 5) == 0) {
			if (end == body + 5)
				diag(st, ptr, "empty path in ${kcops:file:}");
		} else {
			char *kind = kc_xstrndup(body, strcspn(body, ":}"));
			char *safe = kc_text_sanitize(kind, 0);
			diag(st, ptr, "unknown secret reference kind \"%s\" (kcops reads env and file; "
			    "other ${...} placeholders must not use the kcops prefix)", safe);
			free(safe);
			free(kind);
		}
		p = end + 1;
	}
}

/* Copy a config object into out as string -> string, reporting bad values; records origin. */
static void
merge_config(struct kc_state *st, const char *ptr, const json_t *cfg, json_t *out,
    json_t *origin)
{
	const char *key;
	json_t *v;
	char num[64];

	json_object_foreach((json_t *)cfg, key, v) {
		char *p = ptr_join(ptr, key);
		json_t *sv = NULL;

		switch (json_typeof(v)) {
		case JSON_STRING:
			sv = json_incref(v);
			check_refs(st, p, json_string_value(v));
			if (!kc_state_key_is_sensitive(key))
				;
			else if (json_string_length(v) > 0 &&
			    strstr(json_string_value(v), "${") == NULL &&
			    !kc_state_value_is_masked(json_string_value(v)))
				warn(st, p, "\"%s\" holds a sensitive value in plain text: prefer "
				    "${kcops:env:VAR} or ${kcops:file:PATH}", key);
			else if (kc_state_value_is_masked(json_string_value(v)))
				diag(st, p, "\"%s\" holds a masked value (%s), which Connect would "
				    "store as is: put the real value or a ${kcops:...} reference", key,
				    json_string_value(v));
			break;
		case JSON_INTEGER:
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			sv = json_string(num);
			break;
		case JSON_REAL: {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			sv = json_string(s);
			free(s);
			break;
		}
		case JSON_TRUE:
			sv = json_string("true");
			break;
		case JSON_FALSE:
			sv = json_string("false");
			break;
		default:
			diag(st, p, "config values must be strings (numbers and booleans are accepted), "
			    "not %s", type_name(v));
			break;
		}
		if (sv != NULL) {
			json_object_set_new(out, key, sv);
			json_object_set_new(origin, key, json_string_nocheck(p));	/* UTF-8 */
		}
		free(p);
	}
}

/* Read a labels object into out (string values only). */
static void
merge_labels(struct kc_state *st, const char *ptr, const json_t *v, json_t *out)
{
	const char *key;
	json_t *lv;

	if (!json_is_object(v)) {
		diag(st, ptr, "labels must be an object of strings, not %s", type_name(v));
		return;
	}
	json_object_foreach((json_t *)v, key, lv) {
		if (!json_is_string(lv)) {
			char *p = ptr_join(ptr, key);
			diag(st, p, "label values must be strings, not %s", type_name(lv));
			free(p);
			continue;
		}
		json_object_set(out, key, lv);
	}
}

/* Read owner {name, email} (fields override what is already set). */
static void
parse_owner(struct kc_state *st, const char *ptr, const json_t *v, char **name, char **email)
{
	json_t *n, *e;

	if (!json_is_object(v)) {
		diag(st, ptr, "owner must be an object {\"name\", \"email\"}, not %s", type_name(v));
		return;
	}
	check_fields(st, ptr, v, owner_fields, KC_NITEMS(owner_fields), "owner");
	n = json_object_get(v, "name");
	e = json_object_get(v, "email");
	if (n != NULL) {
		char *p = ptr_join(ptr, "name");
		if (json_is_string(n)) {
			free(*name);
			*name = kc_xstrdup(json_string_value(n));
		} else
			diag(st, p, "owner name must be a string, not %s", type_name(n));
		free(p);
	}
	if (e != NULL) {
		char *p = ptr_join(ptr, "email");
		if (json_is_string(e)) {
			free(*email);
			*email = kc_xstrdup(json_string_value(e));
		} else
			diag(st, p, "owner email must be a string, not %s", type_name(e));
		free(p);
	}
}

/* Read auto_restart {max, backoff}. */
static void
parse_auto_restart(struct kc_state *st, const char *ptr, const json_t *v, int *max,
    int64_t *backoff)
{
	json_t *m, *b;

	if (!json_is_object(v)) {
		diag(st, ptr, "auto_restart must be an object {\"max\", \"backoff\"}, not %s",
		    type_name(v));
		return;
	}
	check_fields(st, ptr, v, auto_fields, KC_NITEMS(auto_fields), "auto_restart");
	m = json_object_get(v, "max");
	b = json_object_get(v, "backoff");
	if (m != NULL) {
		char *p = ptr_join(ptr, "max");
		if (json_is_integer(m) && json_integer_value(m) >= 0 &&
		    json_integer_value(m) <= 1000000)
			*max = (int)json_integer_value(m);
		else
			diag(st, p, "auto_restart max must be an integer >= 0");
		free(p);
	}
	if (b != NULL) {
		char *p = ptr_join(ptr, "backoff");
		int64_t ms = -1;
		if (json_is_integer(b) && json_integer_value(b) >= 0)
			ms = json_integer_value(b);
		else if (json_is_string(b))
			ms = kc_parse_duration_ms(json_string_value(b), 1);
		if (ms < 0)
			diag(st, p, "auto_restart backoff must be a duration such as \"30s\" or \"2m\" "
			    "(or milliseconds)");
		else
			*backoff = ms;
		free(p);
	}
}

/* Read a bool member. */
static void
parse_bool(struct kc_state *st, const char *ptr, const json_t *v, int *out)
{
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else
		diag(st, ptr, "must be true or false, not %s", type_name(v));
}

/* Room for n connectors (and their origins), growing by doubling: a file of 10,000
 * connectors grew by one each time before, copying the array every time. */
static void
conns_reserve(struct kc_state *st, size_t n)
{
	if (n <= st->capconns)
		return;
	st->capconns = st->capconns ? st->capconns * 2 : 16;
	if (st->capconns < n)
		st->capconns = n;
	st->conns = kc_xrealloc(st->conns, st->capconns * sizeof *st->conns);
	st->origins = kc_xrealloc(st->origins, st->capconns * sizeof *st->origins);
}

/* A connector under construction plus its own fields. */
static struct kc_state_connector *
conn_add(struct kc_state *st, const char *ptr)
{
	struct kc_state_connector *c;

	conns_reserve(st, st->nconns + 1);
	c = &st->conns[st->nconns];
	memset(c, 0, sizeof *c);
	c->ptr = kc_xstrdup(ptr);
	c->config = json_object();
	c->labels = json_object();
	c->restart_failed = 1;
	c->auto_restart_max = -1;
	c->auto_restart_backoff_ms = -1;
	st->origins[st->nconns] = json_object();
	st->nconns++;
	return c;
}

/* Checks shared by both formats once a connector is complete. */
static void
check_connector(struct kc_state *st, size_t idx, json_t *seen, const char *name_ptr,
    const char *config_ptr, int require_owner, const char *owner_ptr, const char *oname_field,
    const char *oemail_field)
{
	struct kc_state_connector *c = &st->conns[idx];
	const char *cls, *cname;
	json_t *prev;

	if (c->name != NULL) {
		char *safe = kc_text_sanitize(c->name, 0);
		const char *s;
		int bad = 0;

		if (c->name[0] == '\0') {
			diag(st, name_ptr, "connector name is empty");
			bad = 1;
		}
		for (s = c->name; *s && !bad; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				diag(st, name_ptr, "connector name \"%s\" contains a control character",
				    safe);
				bad = 1;
			}
		if (!bad && (c->name[0] == ' ' || c->name[strlen(c->name) - 1] == ' '))
			diag(st, name_ptr, "connector name \"%s\" has leading or trailing spaces "
			    "(Connect trims them)", safe);
		if (!bad && strchr(c->name, '/') != NULL)
			diag(st, name_ptr, "connector name \"%s\" contains '/', which Connect's REST "
			    "paths cannot address", safe);
		if (c->name[0] != '\0') {
			prev = json_object_get(seen, c->name);
			if (prev != NULL)
				diag(st, name_ptr, "duplicate connector name \"%s\" (first at %s)", safe,
				    json_string_value(prev));
			else
				json_object_set_new(seen, c->name, json_string(c->ptr));
		}
		free(safe);
	}
	cls = kc_json_str(c->config, "connector.class");
	if (cls == NULL || *cls == '\0')
		diag(st, config_ptr, "missing \"connector.class\" in config");
	cname = kc_json_str(c->config, "name");
	if (cname != NULL && c->name != NULL && strcmp(cname, c->name) != 0) {
		char *p = ptr_join(config_ptr, "name");
		char *a = kc_text_sanitize(cname, 0), *b = kc_text_sanitize(c->name, 0);
		diag(st, p, "config name \"%s\" differs from the connector name \"%s\" (Connect "
		    "rejects that)", a, b);
		free(a);
		free(b);
		free(p);
	}
	/* owner fields set only through defaults are reported at the entry's "owner" */
	char *op = owner_ptr != NULL ? kc_xstrdup(owner_ptr) : ptr_join(c->ptr, "owner");
	if (require_owner && owner_ptr == NULL &&
	    (c->owner_name == NULL || c->owner_name[0] == '\0') &&
	    (c->owner_email == NULL || c->owner_email[0] == '\0')) {
		diag(st, op, "missing owner {\"name\", \"email\"} (this file requires owners)");
		require_owner = 0;
	}
	if (require_owner) {
		if (c->owner_name == NULL || kc_str_trim(c->owner_name)[0] == '\0') {
			char *p = ptr_join(op, oname_field);
			diag(st, p, "owner name is empty (this file requires owners)");
			free(p);
		}
		if (c->owner_email == NULL || kc_str_trim(c->owner_email)[0] == '\0') {
			char *p = ptr_join(op, oemail_field);
			diag(st, p, "owner email is empty (this file requires owners)");
			free(p);
		}
	}
	if (c->owner_email != NULL && c->owner_email[0] != '\0') {
		const char *at = strchr(c->owner_email, '@');
		if (at == NULL || at == c->owner_email || at[1] == '\0' || strchr(at + 1, '@')) {
			char *p = ptr_join(op, oemail_field);
			char *safe = kc_text_sanitize(c->owner_email, 0);
			diag(st, p, "owner email \"%s\" is not an address", safe);
			free(safe);
			free(p);
		}
	}
	free(op);
}

/* Defaults shared by every connector of a native file. */
struct defaults {
	const json_t	*config;
	int		 state;
	char		*owner_name, *owner_email;
	int		 restart_failed;
	int		 auto_max;
	int64_t		 auto_backoff;
	json_t		*labels;
};

/* Walk a native-format document. */
static void
parse_native(struct kc_state *st, const json_t *root)
{
	struct defaults d = { NULL, KC_STATE_RUNNING, NULL, NULL, 1, -1, -1, NULL };
	json_t *v, *conns, *seen, *item;
	size_t i;

	check_fields(st, "", root, top_fields, KC_NITEMS(top_fields), "the state file");
	v = json_object_get(root, "version");
	if (v == NULL)
		diag(st, "/version", "missing \"version\" (this kcops reads version 1)");
	else if (!json_is_integer(v))
		diag(st, "/version", "version must be the integer 1, not %s", type_name(v));
	else if (json_integer_value(v) != 1)
		diag(st, "/version", "unsupported version %" JSON_INTEGER_FORMAT
		    " (this kcops reads version 1)", json_integer_value(v));
	else
		st->version = 1;
	if ((v = json_object_get(root, "require_owner")) != NULL)
		parse_bool(st, "/require_owner", v, &st->require_owner);

	d.labels = json_object();
	v = json_object_get(root, "defaults");
	if (v != NULL && !json_is_object(v))
		diag(st, "/defaults", "defaults must be an object, not %s", type_name(v));
	else if (v != NULL) {
		json_t *dv;

		check_fields(st, "/defaults", v, default_fields, KC_NITEMS(default_fields),
		    "defaults");
		if ((dv = json_object_get(v, "config")) != NULL) {
			if (json_is_object(dv))
				d.config = dv;
			else
				diag(st, "/defaults/config", "config must be an object, not %s",
				    type_name(dv));
		}
		if ((dv = json_object_get(v, "state")) != NULL) {
			int t = parse_target(st, "/defaults/state", dv);
			if (t >= 0)
				d.state = t;
		}
		if ((dv = json_object_get(v, "owner")) != NULL)
			parse_owner(st, "/defaults/owner", dv, &d.owner_name, &d.owner_email);
		if ((dv = json_object_get(v, "restart_failed")) != NULL)
			parse_bool(st, "/defaults/restart_failed", dv, &d.restart_failed);
		if ((dv = json_object_get(v, "auto_restart")) != NULL)
			parse_auto_restart(st, "/defaults/auto_restart", dv, &d.auto_max,
			    &d.auto_backoff);
		if ((dv = json_object_get(v, "labels")) != NULL)
			merge_labels(st, "/defaults/labels", dv, d.labels);
	}

	v = json_object_get(root, "prune");
	if (v != NULL) {
		if (json_is_boolean(v)) {
			st->prune = json_is_true(v);
			json_array_append_new(st->prune_match, json_string("*"));
		} else if (json_is_object(v)) {
			const char *names[2] = { "match", "except" };
			json_t *dst[2] = { st->prune_match, st->prune_except };
			int k;

			check_fields(st, "/prune", v, prune_fields, KC_NITEMS(prune_fields), "prune");
			st->prune = 1;
			for (k = 0; k < 2; k++) {
				json_t *arr = json_object_get(v, names[k]), *g;
				char *p = ptr_join("/prune", names[k]);
				size_t j;

				if (arr == NULL) {
					if (k == 0)
						json_array_append_new(dst[k], json_string("*"));
				} else if (!json_is_array(arr))
					diag(st, p, "%s must be an array of name patterns, not %s",
					    names[k], type_name(arr));
				else
					json_array_foreach(arr, j, g) {
						if (json_is_string(g) && json_string_length(g) > 0)
							json_array_append(dst[k], g);
						else {
							char *ip = kc_xasprintf("%s/%zu", p, j);
							diag(st, ip, "patterns must be non-empty strings");
							free(ip);
						}
					}
				free(p);
			}
		} else
			diag(st, "/prune", "prune must be true, false or an object {\"match\", "
			    "\"except\"}, not %s", type_name(v));
	}

	conns = json_object_get(root, "connectors");
	if (conns == NULL) {
		diag(st, "/connectors", "missing \"connectors\" (an array, may be empty)");
		goto out;
	}
	if (!json_is_array(conns)) {
		diag(st, "/connectors", "connectors must be an array, not %s", type_name(conns));
		goto out;
	}
	seen = json_object();
	json_array_foreach(conns, i, item) {
		char *ptr = kc_xasprintf("/connectors/%zu", i);
		char *name_ptr = ptr_join(ptr, "name");
		char *cfg_ptr = ptr_join(ptr, "config");
		char *owner_ptr = ptr_join(ptr, "owner");
		struct kc_state_connector *c;
		json_t *f;

		if (!json_is_object(item)) {
			diag(st, ptr, "a connector must be an object, not %s", type_name(item));
			goto next;
		}
		check_fields(st, ptr, item, conn_fields, KC_NITEMS(conn_fields), "a connector");
		c = conn_add(st, ptr);
		c->state = d.state;
		c->owner_name = kc_xstrdup(d.owner_name);
		c->owner_email = kc_xstrdup(d.owner_email);
		c->restart_failed = d.restart_failed;
		c->auto_restart_max = d.auto_max;
		c->auto_restart_backoff_ms = d.auto_backoff;
		json_object_update(c->labels, d.labels);
		if (d.config != NULL)
			merge_config(st, "/defaults/config", d.config, c->config,
			    st->origins[st->nconns - 1]);

		f = json_object_get(item, "name");
		if (f == NULL)
			diag(st, ptr, "missing \"name\"");
		else if (!json_is_string(f))
			diag(st, name_ptr, "name must be a string, not %s", type_name(f));
		else
			c->name = kc_xstrdup(json_string_value(f));
		if ((f = json_object_get(item, "state")) != NULL) {
			char *p = ptr_join(ptr, "state");
			int t = parse_target(st, p, f);
			if (t >= 0)
				c->state = t;
			free(p);
		}
		if ((f = json_object_get(item, "owner")) != NULL)
			parse_owner(st, owner_ptr, f, &c->owner_name, &c->owner_email);
		f = json_object_get(item, "config");
		if (f == NULL && d.config == NULL)
			diag(st, ptr, "missing \"config\"");
		else if (f != NULL && !json_is_object(f))
			diag(st, cfg_ptr, "config must be an object, not %s", type_name(f));
		else if (f != NULL)
			merge_config(st, cfg_ptr, f, c->config, st->origins[st->nconns - 1]);
		if ((f = json_object_get(item, "restart_failed")) != NULL) {
			char *p = ptr_join(ptr, "restart_failed");
			parse_bool(st, p, f, &c->restart_failed);
			free(p);
		}
		if ((f = json_object_get(item, "auto_restart")) != NULL) {
			char *p = ptr_join(ptr, "auto_restart");
			parse_auto_restart(st, p, f, &c->auto_restart_max,
			    &c->auto_restart_backoff_ms);
			free(p);
		}
		if ((f = json_object_get(item, "labels")) != NULL) {
			char *p = ptr_join(ptr, "labels");
			merge_labels(st, p, f, c->labels);
			free(p);
		}
		check_connector(st, st->nconns - 1, seen, name_ptr, json_object_get(item, "config") ?
		    cfg_ptr : ptr, st->require_owner, json_object_get(item, "owner") ? owner_ptr :
		    NULL, "name", "email");
next:
		free(owner_ptr);
		free(cfg_ptr);
		free(name_ptr);
		free(ptr);
	}
	json_decref(seen);
out:
	free(d.owner_name);
	free(d.owner_email);
	json_decref(d.labels);
}

/* Read a string member of a flat entry (proto3: absent means ""). */
static const char *
flat_str(struct kc_state *st, const char *ptr, const json_t *item, const char *key)
{
	json_t *v = json_object_get(item, key);

	if (v == NULL || json_is_null(v))
		return "";
	if (!json_is_string(v)) {
		char *p = ptr_join(ptr, key);
		diag(st, p, "%s must be a string, not %s", key, type_name(v));
		free(p);
		return "";
	}
	return json_string_value(v);
}

/* Check a proto enum member of a flat entry. */
static void
flat_enum(struct kc_state *st, const char *ptr, const json_t *item, const char *key,
    const char *const *vals, size_t n)
{
	json_t *v = json_object_get(item, key);
	const char *close;
	size_t i;

	if (v == NULL || json_is_null(v))
		return;
	char *p = ptr_join(ptr, key);
	if (json_is_string(v)) {
		for (i = 0; i < n; i++)
			if (strcmp(json_string_value(v), vals[i]) == 0)
				break;
		if (i == n) {
			char *safe = kc_text_sanitize(json_string_value(v), 0);
			close = kc_str_closest(json_string_value(v), vals, n);
			diag(st, p, "bad %s \"%s\"%s%s%s", key, safe, close ? " (did you mean \"" :
			    "", close ? close : "", close ? "\"?)" : "");
			free(safe);
		}
	} else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (size_t)json_integer_value(v) >= n)
		diag(st, p, "bad %s: must be one of the enum names", key);
	free(p);
}

/* Walk a flat-format (sp-connector-manager) document. */
static void
parse_flat(struct kc_state *st, const json_t *root)
{
	static const char *const types[] = { "UNDEFINED", "SOURCE", "SINK" };
	static const char *const statuses[] = { "RUNNING", "FAILED" };
	json_t *conns, *seen, *item, *f;
	size_t i;

	st->version = 1;
	st->require_owner = 1;
	check_fields(st, "", root, flat_top_fields, KC_NITEMS(flat_top_fields),
	    "the state file (flat format)");
	conns = json_object_get(root, "connectors");
	if (!json_is_array(conns)) {
		diag(st, "/connectors", "connectors must be an array");
		return;
	}
	seen = json_object();
	json_array_foreach(conns, i, item) {
		char *ptr = kc_xasprintf("/connectors/%zu", i);
		char *name_ptr = ptr_join(ptr, "connectorName");
		char *cfg_ptr = ptr_join(ptr, "connectorConfig");
		struct kc_state_connector *c;
		const char *s;

		if (!json_is_object(item)) {
			diag(st, ptr, "a connector must be an object, not %s", type_name(item));
			goto next;
		}
		check_fields(st, ptr, item, flat_fields, KC_NITEMS(flat_fields),
		    "a connector (flat format)");
		c = conn_add(st, ptr);
		c->name = kc_xstrdup(flat_str(st, ptr, item, "connectorName"));
		c->owner_name = kc_xstrdup(flat_str(st, ptr, item, "ownerName"));
		c->owner_email = kc_xstrdup(flat_str(st, ptr, item, "ownerEmail"));
		if (*(s = flat_str(st, ptr, item, "nameSpace")) != '\0')
			json_object_set_new(c->labels, "nameSpace", json_string(s));
		if (*(s = flat_str(st, ptr, item, "tCode")) != '\0')
			json_object_set_new(c->labels, "tCode", json_string(s));
		flat_enum(st, ptr, item, "connectorType", types, KC_NITEMS(types));
		flat_enum(st, ptr, item, "connectorStatus", statuses, KC_NITEMS(statuses));
		if (json_is_string(f = json_object_get(item, "connectorType")))
			json_object_set(c->labels, "connectorType", f);
		if ((f = json_object_get(item, "paused")) != NULL && !json_is_null(f)) {
			int paused = 0;
			char *p = ptr_join(ptr, "paused");
			parse_bool(st, p, f, &paused);
			c->state = paused ? KC_STATE_PAUSED : KC_STATE_RUNNING;
			free(p);
		}
		f = json_object_get(item, "connectorConfig");
		if (f == NULL || json_is_null(f))
			diag(st, ptr, "missing \"connectorConfig\"");
		else if (!json_is_object(f))
			diag(st, cfg_ptr, "connectorConfig must be an object, not %s", type_name(f));
		else
			merge_config(st, cfg_ptr, f, c->config, st->origins[st->nconns - 1]);
		if (c->name[0] == '\0' && json_object_get(item, "connectorName") == NULL)
			diag(st, ptr, "missing \"connectorName\"");
		check_connector(st, st->nconns - 1, seen, name_ptr, json_object_get(item,
		    "connectorConfig") ? cfg_ptr : ptr, 1, ptr, "ownerName", "ownerEmail");
next:
		free(cfg_ptr);
		free(name_ptr);
		free(ptr);
	}
	json_decref(seen);
}

/* A walk over JSON text (already known to parse) recording the line of every pointer. */
struct scan {
	const char	*p, *end;
	int		 line;
	json_t		*lines;
};

/* Skip white space, counting lines. */
static void
scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')) {
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
}

/* The end (after the closing quote) of the string starting at s->p. */
static const char *
scan_string_end(const struct scan *s)
{
	const char *q = s->p + 1;

	while (q < s->end && *q != '"') {
		if (*q == '\\')
			q++;
		q++;
	}
	return q < s->end ? q + 1 : s->end;
}

/* Record the line of one value (the first time a pointer is seen wins: a member's key). */
static void
scan_value(struct scan *s, const char *ptr, int depth)
{
	scan_ws(s);
	if (s->p >= s->end)
		return;
	if (json_object_get(s->lines, ptr) == NULL)
		json_object_set_new(s->lines, ptr, json_integer(s->line));
	if (*s->p == '{' && depth < 256) {
		s->p++;
		for (;;) {
			scan_ws(s);
			if (s->p >= s->end)
				return;
			if (*s->p == '}') {
				s->p++;
				return;
			}
			if (*s->p != '"') {	/* ',' (or anything unexpected) */
				s->p++;
				continue;
			}
			const char *ke = scan_string_end(s);
			char *child;
			if (memchr(s->p, '\\', (size_t)(ke - s->p)) == NULL && ke - s->p >= 2) {
				char *raw = kc_xstrndup(s->p + 1, (size_t)(ke - s->p - 2));
				child = ptr_join(ptr, raw);
				free(raw);
			} else {	/* escapes: let jansson decode the key */
				json_t *k = json_loadb(s->p, (size_t)(ke - s->p), JSON_DECODE_ANY, NULL);
				child = ptr_join(ptr, json_is_string(k) ? json_string_value(k) : "");
				json_decref(k);
			}
			if (json_object_get(s->lines, child) == NULL)
				json_object_set_new(s->lines, child, json_integer(s->line));
			s->p = ke;
			scan_ws(s);
			if (s->p < s->end && *s->p == ':')
				s->p++;
			scan_value(s, child, depth + 1);
			free(child);
		}
	} else if (*s->p == '[' && depth < 256) {
		size_t i = 0;

		s->p++;
		for (;;) {
			scan_ws(s);
			if (s->p >= s->end)
				return;
			if (*s->p == ']') {
				s->p++;
				return;
			}
			if (*s->p == ',') {
				s->p++;
				continue;
			}
			char *child = kc_xasprintf("%s/%zu", ptr, i++);
			const char *before = s->p;
			scan_value(s, child, depth + 1);
			free(child);
			if (s->p == before)	/* no progress: give up rather than loop */
				return;
		}
	} else if (*s->p == '"') {
		s->p = scan_string_end(s);
	} else if (*s->p == '{' || *s->p == '[') {
		s->p = s->end;		/* too deep to index: stop */
	} else {
		while (s->p < s->end && *s->p != ',' && *s->p != ']' && *s->p != '}' &&
		    *s->p != ' ' && *s->p != '\t' && *s->p != '\r' && *s->p != '\n')
			s->p++;
	}
}

/* The pointer -> line map of the state's own text (NULL when there is no text), made by one
 * walk over the text the first time a diagnostic asks: a valid file never pays for it. */
static const json_t *
state_lines(struct kc_state *st)
{
	if (st->lines == NULL && st->text != NULL) {
		struct scan sc = { st->text, st->text + st->text_len, 1, json_object() };
		scan_value(&sc, "", 0);
		st->lines = sc.lines;
		free(st->text);
		st->text = NULL;
		st->text_len = 0;
	}
	return st->lines;
}

/* 1 when the document uses the flat format: no version and connector entries that use
 * connectorName/connectorConfig. */
static int
is_flat(const json_t *root)
{
	json_t *conns = json_object_get(root, "connectors"), *first;

	if (json_object_get(root, "version") != NULL || !json_is_array(conns))
		return 0;
	first = json_array_get(conns, 0);
	return json_is_object(first) && (json_object_get(first, "connectorName") != NULL ||
	    json_object_get(first, "connectorConfig") != NULL);
}

struct kc_state *
kc_state_parse(const char *text, size_t len, const char *name)
{
	struct kc_state *st = kc_xcalloc(1, sizeof *st);
	json_error_t jerr;
	json_t *root;

	st->name = kc_xstrdup(name != NULL ? name : "-");
	st->prune_match = json_array();
	st->prune_except = json_array();
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {	/* a UTF-8 byte-order mark */
		text += 3;
		len -= 3;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		kc_state_add_diag(st, "", "syntax error: %s", jerr.text);
		st->diags[0].line = jerr.line > 0 ? jerr.line : 1;
		st->diags[0].col = jerr.column > 0 ? jerr.column : 1;
		return st;
	}
	/* the line of every pointer is found only when a diagnostic needs one */
	st->text = kc_xmalloc(len + 1);
	memcpy(st->text, text, len);
	st->text[len] = '\0';
	st->text_len = len;
	if (!json_is_object(root)) {
		diag(st, "", "a state file must be a JSON object, not %s", type_name(root));
	} else if (json_object_get(root, "kcops_plan") != NULL) {
		diag(st, "", "this is a saved plan, not a state file: run it with 'kcops apply PLAN' "
		    "(from a local file)");
	} else if (is_flat(root)) {
		st->format = KC_STATE_FMT_FLAT;
		parse_flat(st, root);
	} else {
		st->format = KC_STATE_FMT_NATIVE;
		parse_native(st, root);
	}
	json_decref(root);
	return st;
}

/* qsort comparator for C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Move everything of `part` (parsed from `file`) into `st`. Frees part. */
static void
merge_part(struct kc_state *st, struct kc_state *part, const char *file, json_t *seen)
{
	size_t i;

	conns_reserve(st, st->nconns + part->nconns + 1);
	for (i = 0; i < part->ndiags; i++) {	/* the part's own problems, named by file */
		struct kc_state_diag *d = &part->diags[i];

		if (st->ndiags == st->diagcap) {
			st->diagcap = st->diagcap ? st->diagcap * 2 : 16;
			st->diags = kc_xrealloc(st->diags, st->diagcap * sizeof *st->diags);
		}
		st->diags[st->ndiags] = *d;
		if (st->diags[st->ndiags].file == NULL)
			st->diags[st->ndiags].file = kc_xstrdup(file);
		st->ndiags++;
	}
	part->ndiags = 0;
	for (i = 0; i < part->nwarns; i++) {
		if (st->nwarns == st->warncap) {
			st->warncap = st->warncap ? st->warncap * 2 : 16;
			st->warns = kc_xrealloc(st->warns, st->warncap * sizeof *st->warns);
		}
		st->warns[st->nwarns] = part->warns[i];
		if (st->warns[st->nwarns].file == NULL)
			st->warns[st->nwarns].file = kc_xstrdup(file);
		st->nwarns++;
	}
	part->nwarns = 0;
	if (state_lines(part) != NULL)
		json_object_set(st->file_lines, file, part->lines);
	for (i = 0; i < part->nconns; i++) {
		struct kc_state_connector *c = &part->conns[i];
		json_t *prev;

		c->file = kc_xstrdup(file);
		if (c->name != NULL && c->name[0] != '\0') {
			prev = json_object_get(seen, c->name);
			if (prev != NULL && strcmp(kc_json_str_or(prev, "file", ""), file) != 0) {
				char *np = kc_xasprintf("%s/%s", c->ptr, part->format == KC_STATE_FMT_FLAT ?
				    "connectorName" : "name");
				char *safe = kc_text_sanitize(c->name, 0);
				kc_state_add_diag_file(st, file, np, "duplicate connector name \"%s\" (first "
				    "in %s at %s)", safe, kc_json_str_or(prev, "file", "?"),
				    kc_json_str_or(prev, "ptr", "?"));
				free(safe);
				free(np);
			} else if (prev == NULL)
				json_object_set_new(seen, c->name, json_pack("{s:s, s:s}", "file", file,
				    "ptr", c->ptr));
		}
		st->conns[st->nconns] = *c;
		st->origins[st->nconns] = part->origins[i];
		st->nconns++;
	}
	part->nconns = 0;
	if (part->prune) {
		st->prune = 1;
		json_array_extend(st->prune_match, part->prune_match);
	}
	json_array_extend(st->prune_except, part->prune_except);
	if (st->version == 0)
		st->version = part->version;
	kc_state_free(part);
}

/* Every *.json file of a directory as one state. */
static struct kc_state *
load_dir(const char *dir, struct kc_err *err)
{
	struct kc_state *st;
	struct dirent *e;
	char **files = NULL;
	size_t n = 0, i;
	json_t *seen;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !kc_str_has_suffix(e->d_name, ".json"))
			continue;
		files = kc_xrealloc(files, (n + 1) * sizeof *files);
		files[n++] = kc_xasprintf("%s%s%s", dir, kc_str_has_suffix(dir, "/") ? "" : "/",
		    e->d_name);
	}
	closedir(d);
	if (n == 0) {
		kc_err_set(err, KC_E_NOTFOUND, "%s: no *.json state files in this directory", dir);
		free(files);
		return NULL;
	}
	qsort(files, n, sizeof *files, cmp_str);
	st = kc_xcalloc(1, sizeof *st);
	st->name = kc_xstrdup(dir);
	st->prune_match = json_array();
	st->prune_except = json_array();
	st->file_lines = json_object();
	seen = json_object();
	for (i = 0; i < n; i++) {
		size_t len = 0;
		char *text = kc_read_file(files[i], &len);

		if (text == NULL)
			kc_state_add_diag_file(st, files[i], "", "cannot read: %s", strerror(errno));
		else
			merge_part(st, kc_state_parse(text, len, files[i]), files[i], seen);
		free(text);
		free(files[i]);
	}
	free(files);
	json_decref(seen);
	return st;
}

struct kc_state *
kc_state_load(const char *src, const struct kc_state_source_opts *o, struct kc_err *err)
{
	struct kc_state *st;
	struct stat sb;
	size_t len = 0;
	char *text;

	if (src != NULL && strcmp(src, "-") != 0 && strstr(src, "://") == NULL &&
	    !kc_str_has_prefix(src, "git:") && !kc_str_has_prefix(src, "github:") &&
	    stat(src, &sb) == 0 && S_ISDIR(sb.st_mode))
		return load_dir(src, err);

	text = kc_state_read_source(src, o, &len, err);
	if (text == NULL)
		return NULL;
	st = kc_state_parse(text, len, strcmp(src, "-") == 0 ? "<stdin>" : src);
	free(text);
	return st;
}

void
kc_state_free(struct kc_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nconns; i++) {
		struct kc_state_connector *c = &st->conns[i];
		free(c->name);
		free(c->ptr);
		free(c->owner_name);
		free(c->owner_email);
		json_decref(c->config);
		json_decref(c->labels);
		free(c->file);
		json_decref(st->origins[i]);
	}
	for (i = 0; i < st->ndiags; i++) {
		free(st->diags[i].file);
		free(st->diags[i].pointer);
		free(st->diags[i].message);
	}
	free(st->diags);
	for (i = 0; i < st->nwarns; i++) {
		free(st->warns[i].file);
		free(st->warns[i].pointer);
		free(st->warns[i].message);
	}
	free(st->warns);
	free(st->conns);
	free(st->origins);
	json_decref(st->prune_match);
	json_decref(st->prune_except);
	json_decref(st->lines);
	json_decref(st->file_lines);
	free(st->text);
	free(st->name);
	free(st);
}

const char *
kc_state_name(const struct kc_state *st)
{
	return st->name;
}

enum kc_state_format
kc_state_format(const struct kc_state *st)
{
	return st->format;
}

size_t
kc_state_count(const struct kc_state *st)
{
	return st->nconns;
}

const struct kc_state_connector *
kc_state_connector(const struct kc_state *st, size_t i)
{
	return i < st->nconns ? &st->conns[i] : NULL;
}

const struct kc_state_connector *
kc_state_find(const struct kc_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nconns; i++)
		if (kc_str_eq(st->conns[i].name, name))
			return &st->conns[i];
	return NULL;
}

const char *
kc_state_key_origin(const struct kc_state *st, size_t i, const char *key)
{
	if (i >= st->nconns)
		return "";
	return kc_json_str_or(st->origins[i], key, "");
}

size_t
kc_state_ndiags(const struct kc_state *st)
{
	return st->ndiags;
}

const struct kc_state_diag *
kc_state_diag(const struct kc_state *st, size_t i)
{
	return i < st->ndiags ? &st->diags[i] : NULL;
}

/* Diagnostics or warnings as text lines. */
static void
diags_text(const struct kc_state *st, const struct kc_state_diag *v, size_t n,
    const char *tag, struct kc_buf *out)
{
	char *name = kc_text_sanitize(st->name, 0);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct kc_state_diag *d = &v[i];
		char *msg = kc_text_sanitize(d->message, 0);
		char *ptr = kc_text_sanitize(d->pointer, 0);

		free(name);
		name = kc_text_sanitize(d->file != NULL ? d->file : st->name, 0);
		if (d->col > 0)
			kc_buf_printf(out, "%s:%d:%d: %s%s\n", name, d->line, d->col, tag, msg);
		else if (d->line > 0)
			kc_buf_printf(out, "%s: %s: %s%s (line %d)\n", name, ptr[0] ? ptr : "/", tag,
			    msg, d->line);
		else
			kc_buf_printf(out, "%s: %s: %s%s\n", name, ptr[0] ? ptr : "/", tag, msg);
		free(ptr);
		free(msg);
	}
	free(name);
}

void
kc_state_diags_text(const struct kc_state *st, struct kc_buf *out)
{
	diags_text(st, st->diags, st->ndiags, "", out);
}

void
kc_state_warnings_text(const struct kc_state *st, struct kc_buf *out)
{
	diags_text(st, st->warns, st->nwarns, "warning: ", out);
}

/* Diagnostics or warnings as a JSON array. */
static json_t *
diags_json(const struct kc_state_diag *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct kc_state_diag *d = &v[i];
		json_t *o = json_pack("{s:s, s:s}", "pointer", d->pointer, "message", d->message);

		if (d->file != NULL)
			json_object_set_new(o, "file", json_string(d->file));
		if (d->line > 0)
			json_object_set_new(o, "line", json_integer(d->line));
		if (d->col > 0)
			json_object_set_new(o, "column", json_integer(d->col));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
kc_state_diags_json(const struct kc_state *st)
{
	return diags_json(st->diags, st->ndiags);
}

json_t *
kc_state_warnings_json(const struct kc_state *st)
{
	return diags_json(st->warns, st->nwarns);
}

size_t
kc_state_nwarnings(const struct kc_state *st)
{
	return st->nwarns;
}

const struct kc_state_diag *
kc_state_warning(const struct kc_state *st, size_t i)
{
	return i < st->nwarns ? &st->warns[i] : NULL;
}

json_t *
kc_state_resolved_config(const struct kc_state *st, size_t i, struct kc_err *err)
{
	const char *key;
	json_t *v, *out;

	if (i >= st->nconns)
		return NULL;
	out = json_object();
	json_object_foreach(st->conns[i].config, key, v) {
		char *r = kc_state_resolve(json_string_value(v), err);
		if (r == NULL) {
			kc_err_prefix(err, "%s: config %s", st->conns[i].name ? st->conns[i].name : "?",
			    key);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, key, json_string(r));
		free(r);
	}
	if (st->conns[i].name != NULL && json_object_get(out, "name") == NULL)
		json_object_set_new(out, "name", json_string(st->conns[i].name));
	return out;
}

int
kc_state_check_refs(const struct kc_state *st, size_t i, struct kc_err *err)
{
	const char *key;
	json_t *v;

	if (i >= st->nconns)
		return -1;
	json_object_foreach(st->conns[i].config, key, v) {
		const char *val = json_string_value(v);
		char *r;

		if (!kc_state_has_ref(val))
			continue;
		if ((r = kc_state_resolve(val, err)) == NULL) {
			kc_err_prefix(err, "%s: config %s", st->conns[i].name ? st->conns[i].name : "?",
			    key);
			return -1;
		}
		explicit_bzero(r, strlen(r));
		free(r);
	}
	return 0;
}

int
kc_state_add_validate_result(struct kc_state *st, size_t i, const json_t *infos)
{
	json_t *configs = json_object_get(infos, "configs"), *ci, *e;
	size_t j, k;
	int n = 0;

	if (i >= st->nconns || !json_is_array(configs))
		return 0;
	json_array_foreach(configs, j, ci) {
		json_t *val = json_object_get(ci, "value");
		json_t *errs = json_object_get(val, "errors");
		const char *key = kc_json_str(val, "name");

		if (!json_is_array(errs) || json_array_size(errs) == 0 || key == NULL)
			continue;
		const char *origin = kc_state_key_origin(st, i, key);
		char *ptr = origin[0] ? kc_xstrdup(origin) : kc_xasprintf("%s/config",
		    st->conns[i].ptr);
		json_array_foreach(errs, k, e) {
			if (!json_is_string(e))
				continue;
			char *msg = kc_text_sanitize(json_string_value(e), 0);
			char *skey = kc_text_sanitize(key, 0);
			if (origin[0])
				kc_state_add_diag_file(st, st->conns[i].file, ptr, "%s", msg);
			else
				kc_state_add_diag_file(st, st->conns[i].file, ptr, "%s: %s", skey, msg);
			free(skey);
			free(msg);
			n++;
		}
		free(ptr);
	}
	return n;
}
