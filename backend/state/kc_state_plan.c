/* kc_state_plan.c - the diff between a state file and a live cluster, its renderings, and
 * saved (reviewed) plans.
 *
 * DESIGN: a plan is a flat list of steps sorted in execution order (create, update, pause,
 * resume, stop, restart, delete; file order inside a group, deletes by name). A step holds
 * what apply needs (the desired config with secret references still unresolved) and what a
 * reviewer needs (key-level differences as display text, which never contains a resolved
 * secret). The comparison itself resolves references in memory only: a value equal to the
 * live one is no change, a live value masked by the server ("[hidden]", "****") cannot be
 * compared and counts as no change, and keys the server adds (name, __internal.*) are
 * ignored, so an unchanged cluster plans to nothing. The fingerprint is a SHA-256 over the
 * parts of the live state a plan depends on, so a saved plan can refuse to run on a cluster
 * that moved. */
#include "kc_state_int.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kc_state_plan {
	char			*source;
	char			*fingerprint;
	char			*created;	/* saved plans: when it was made */
	struct kc_state_step	*steps;
	size_t			 nsteps, cap;
	char			**unmanaged;
	size_t			 nunmanaged;
};

static const char *const action_names[KC_STATE_NACTIONS] = { "create", "update", "pause",
    "resume", "stop", "restart", "delete" };
static const char *const target_names[] = { "running", "paused", "stopped" };
#define SENSITIVE "(sensitive)"

const char *
kc_state_action_name(enum kc_state_action a)
{
	return (unsigned)a < KC_STATE_NACTIONS ? action_names[a] : "?";
}

const char *
kc_state_target_name(enum kc_state_target t)
{
	return (unsigned)t < KC_NITEMS(target_names) ? target_names[t] : "?";
}

/* ---- live snapshot helpers ------------------------------------------------------------- */

const char *
kc_state_live_state(const json_t *entry)
{
	return kc_json_str(json_object_get(json_object_get(entry, "status"), "connector"),
	    "state");
}

const json_t *
kc_state_live_config(const json_t *entry)
{
	json_t *c = json_object_get(json_object_get(entry, "info"), "config");

	return json_is_object(c) ? c : NULL;
}

/* Failed task ids of a live entry, sorted, into a new int array. */
static int *
live_failed_tasks(const json_t *entry, size_t *n)
{
	json_t *tasks = json_object_get(json_object_get(entry, "status"), "tasks"), *t;
	int *ids = NULL;
	size_t i, j;

	*n = 0;
	json_array_foreach(tasks, i, t) {
		if (!kc_str_eq(kc_json_str(t, "state"), "FAILED"))
			continue;
		ids = kc_xrealloc(ids, (*n + 1) * sizeof *ids);
		ids[(*n)++] = (int)kc_json_int_or(t, "id", -1);
	}
	for (i = 1; i < *n; i++)	/* insertion sort: few ids */
		for (j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int tmp = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = tmp;
		}
	return ids;
}

/* qsort comparator for C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (borrowed strings) into a new array. */
static const char **
sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys, *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	keys = kc_xcalloc(*n + 1, sizeof *keys);
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, *n, sizeof *keys, cmp_str);
	return keys;
}

/* Append a length-prefixed field to a fingerprint buffer. */
static void
fp_put(struct kc_buf *b, const char *s)
{
	kc_buf_printf(b, "%zu:", strlen(s));
	kc_buf_puts(b, s);
}

char *
kc_state_fingerprint(const json_t *live)
{
	struct kc_buf b;
	const char **names;
	size_t n, i, j;
	char hex[65];

	kc_buf_init(&b);
	kc_buf_puts(&b, "kcops-fingerprint-1\n");
	names = sorted_keys(json_is_object(live) ? live : NULL, &n);
	for (i = 0; i < n; i++) {
		const json_t *e = json_object_get(live, names[i]);
		const json_t *cfg = kc_state_live_config(e);
		const char **keys;
		size_t nk, nf;
		int *failed;

		fp_put(&b, "connector");
		fp_put(&b, names[i]);
		keys = sorted_keys(cfg, &nk);
		for (j = 0; j < nk; j++) {
			const char *v = kc_json_str(cfg, keys[j]);
			fp_put(&b, keys[j]);
			fp_put(&b, v != NULL ? v : "");
		}
		free(keys);
		fp_put(&b, "state");
		fp_put(&b, kc_state_live_state(e) ? kc_state_live_state(e) : "?");
		failed = live_failed_tasks(e, &nf);
		for (j = 0; j < nf; j++)
			kc_buf_printf(&b, "f%d,", failed[j]);
		free(failed);
		kc_buf_putc(&b, '\n');
	}
	free(names);
	kc_state_sha256_hex(b.data != NULL ? b.data : "", b.len, hex);
	kc_buf_free(&b);
	return kc_xstrdup(hex);
}

/* ---- building ---------------------------------------------------------------------------- */

/* A new zeroed step appended to the plan. */
static struct kc_state_step *
step_add(struct kc_state_plan *p, enum kc_state_action a, const char *name)
{
	struct kc_state_step *s;

	if (p->nsteps == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->steps = kc_xrealloc(p->steps, p->cap * sizeof *p->steps);
	}
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof *s);
	s->action = a;
	s->name = kc_xstrdup(name);
	return s;
}

/* Append a key difference to a step. */
static void
key_add(struct kc_state_step *s, char op, const char *key, char *old_value, char *new_value)
{
	struct kc_state_keydiff *k;

	s->keys = kc_xrealloc(s->keys, (s->nkeys + 1) * sizeof *s->keys);
	k = &s->keys[s->nkeys++];
	k->op = op;
	k->key = kc_xstrdup(key);
	k->old_value = old_value;
	k->new_value = new_value;
	k->sensitive = (old_value && strcmp(old_value, SENSITIVE) == 0) ||
	    (new_value && strcmp(new_value, SENSITIVE) == 0);
}

/* Display text of a live value; when the desired value of that key is a secret reference the
 * live value is that secret, so it is masked whatever the key is called. */
static char *
live_display(const char *key, const char *live_value, const char *desired_value)
{
	if (desired_value != NULL && kc_state_has_ref(desired_value))
		return kc_xstrdup(SENSITIVE);
	return kc_state_display_value(key, live_value);
}

/* Diff a desired config against a live one; adds key differences to a new UPDATE step when
 * there are any. Returns -1 (err set) when a reference can't be resolved. */
static int
diff_config(struct kc_state_plan *p, const struct kc_state_connector *c, const json_t *live,
    struct kc_err *err)
{
	struct kc_state_step *s = NULL;
	const char **keys;
	size_t n, i;

	keys = sorted_keys(c->config, &n);
	for (i = 0; i < n; i++) {
		const char *want = kc_json_str(c->config, keys[i]);
		const char *have = kc_json_str(live, keys[i]);
		char *resolved;

		if (kc_state_key_is_server_added(keys[i]) || want == NULL)
			continue;
		if (have != NULL && kc_state_value_is_masked(have))
			continue;
		resolved = kc_state_resolve(want, err);
		if (resolved == NULL) {
			kc_err_prefix(err, "%s: config %s", c->name, keys[i]);
			free(keys);
			return -1;
		}
		if (have == NULL || strcmp(have, resolved) != 0) {
			if (s == NULL)
				s = step_add(p, KC_STATE_UPDATE, c->name);
			if (have == NULL)
				key_add(s, '+', keys[i], NULL, kc_state_display_value(keys[i], want));
			else
				key_add(s, '~', keys[i], live_display(keys[i], have, want),
				    kc_state_display_value(keys[i], want));
		}
		memset(resolved, 0, strlen(resolved));
		free(resolved);
	}
	free(keys);
	keys = sorted_keys(live, &n);
	for (i = 0; i < n; i++) {
		if (kc_state_key_is_server_added(keys[i]) ||
		    json_object_get(c->config, keys[i]) != NULL)
			continue;
		if (s == NULL)
			s = step_add(p, KC_STATE_UPDATE, c->name);
		key_add(s, '-', keys[i], kc_state_display_value(keys[i], kc_json_str(live, keys[i])),
		    NULL);
	}
	free(keys);
	if (s != NULL)
		s->config = json_incref(c->config);	/* never changed: shared */
	return 0;
}

/* The state steps for one managed connector. */
static void
diff_state(struct kc_state_plan *p, const struct kc_state_connector *c, const json_t *entry)
{
	const char *have = kc_state_live_state(entry);
	struct kc_state_step *s;
	size_t nf = 0;
	int *failed;

	if (have == NULL)
		return;		/* no status yet: nothing known to change */
	switch (c->state) {
	case KC_STATE_RUNNING:
		if (strcmp(have, "PAUSED") == 0 || strcmp(have, "STOPPED") == 0) {
			s = step_add(p, KC_STATE_RESUME, c->name);
			s->from = kc_xstrdup(have);
			/* failed tasks stay failed when resumed: restart them too (below) */
		}
		if (!c->restart_failed)
			return;
		failed = live_failed_tasks(entry, &nf);
		if (strcmp(have, "FAILED") == 0 || nf > 0) {
			s = step_add(p, KC_STATE_RESTART, c->name);
			s->from = kc_xstrdup(have);
			s->restart_connector = strcmp(have, "FAILED") == 0;
			s->tasks = failed;
			s->ntasks = nf;
		} else
			free(failed);
		return;
	case KC_STATE_PAUSED:
		if (strcmp(have, "PAUSED") != 0) {
			s = step_add(p, KC_STATE_PAUSE, c->name);
			s->from = kc_xstrdup(have);
		}
		/* a FAILED connector stays FAILED when paused, until restarted; the restart (after
		 * the pause) brings it up paused, else every plan would show the pause again */
		if (strcmp(have, "FAILED") == 0 && c->restart_failed) {
			s = step_add(p, KC_STATE_RESTART, c->name);
			s->from = kc_xstrdup(have);
			s->restart_connector = 1;
			s->tasks = live_failed_tasks(entry, &nf);
			s->ntasks = nf;
		}
		return;
	case KC_STATE_STOPPED:
		if (strcmp(have, "STOPPED") != 0) {
			s = step_add(p, KC_STATE_STOP, c->name);
			s->from = kc_xstrdup(have);
		}
		return;
	}
}

/* Copy the file's owner of a connector onto a step (empty fields stay NULL). */
static void
set_owner(struct kc_state_step *s, const struct kc_state_connector *c)
{
	if (c->owner_name != NULL && c->owner_name[0] != '\0')
		s->owner_name = kc_xstrdup(c->owner_name);
	if (c->owner_email != NULL && c->owner_email[0] != '\0')
		s->owner_email = kc_xstrdup(c->owner_email);
}

/* The first pattern of arr matching name, or NULL. */
static const char *
glob_match(const json_t *arr, const char *name)
{
	json_t *g;
	size_t i;

	json_array_foreach(arr, i, g)
		if (json_is_string(g) && fnmatch(json_string_value(g), name, 0) == 0)
			return json_string_value(g);
	return NULL;
}

/* 1 when the connector's labels hold every key=value of the selector. */
static int
selected(const struct kc_state_connector *c, const json_t *selector)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)selector, k, v)
		if (!kc_str_eq(kc_json_str(c->labels, k), json_string_value(v)))
			return 0;
	return 1;
}

json_t *
kc_state_selector_parse(const char *text, struct kc_err *err)
{
	json_t *sel = json_object();
	char *copy = kc_xstrdup(text), *save = NULL, *tok, *eq;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		eq = strchr(tok, '=');
		if (eq == NULL || eq == tok) {
			kc_err_set(err, KC_E_USAGE, "selector \"%s\": expected LABEL=VALUE", tok);
			json_decref(sel);
			free(copy);
			return NULL;
		}
		*eq = '\0';
		json_object_set_new(sel, tok, json_string(eq + 1));
	}
	free(copy);
	if (json_object_size(sel) == 0) {
		kc_err_set(err, KC_E_USAGE, "empty selector (expected LABEL=VALUE[,LABEL=VALUE])");
		json_decref(sel);
		return NULL;
	}
	return sel;
}

/* Stable order of steps by action. */
static void
sort_steps(struct kc_state_plan *p)
{
	struct kc_state_step *out = kc_xmalloc((p->nsteps + 1) * sizeof *out);
	size_t i, o = 0;
	int a;

	for (a = 0; a < KC_STATE_NACTIONS; a++)
		for (i = 0; i < p->nsteps; i++)
			if ((int)p->steps[i].action == a)
				out[o++] = p->steps[i];
	free(p->steps);
	p->steps = out;
	p->cap = p->nsteps + 1;
}

struct kc_state_plan *
kc_state_plan_new(const struct kc_state *st, const json_t *live,
    const struct kc_state_plan_opts *o, struct kc_err *err)
{
	struct kc_state_plan *p;
	const char **names;
	json_t *managed;
	size_t i, n;

	if (st->ndiags > 0) {
		kc_err_set(err, KC_E_PARSE, "%s has %zu error%s (run kcops validate %s)", st->name,
		    st->ndiags, st->ndiags == 1 ? "" : "s", st->name);
		return NULL;
	}
	if (!json_is_object(live)) {
		kc_err_set(err, KC_E_PARSE, "the live snapshot is not an object of connectors");
		return NULL;
	}
	p = kc_xcalloc(1, sizeof *p);
	p->source = kc_xstrdup(st->name);
	p->fingerprint = kc_state_fingerprint(live);
	managed = json_object();
	for (i = 0; i < st->nconns; i++) {
		const struct kc_state_connector *c = &st->conns[i];
		const json_t *entry = json_object_get(live, c->name);
		const json_t *cfg;
		size_t first = p->nsteps, si;

		json_object_set_new(managed, c->name, json_true());
		if (o != NULL && o->selector != NULL && !selected(c, o->selector))
			continue;
		if (entry == NULL) {
			struct kc_state_step *s = step_add(p, KC_STATE_CREATE, c->name);
			const char **keys;
			size_t nk, k;

			s->target = c->state;
			s->config = json_incref(c->config);	/* never changed: shared */
			keys = sorted_keys(c->config, &nk);
			for (k = 0; k < nk; k++)
				if (strcmp(keys[k], "name") != 0)
					key_add(s, '+', keys[k], NULL, kc_state_display_value(keys[k],
					    kc_json_str(c->config, keys[k])));
			free(keys);
			/* an unresolvable reference fails the plan, not half of an apply */
			if (kc_state_check_refs(st, i, err) < 0) {
				json_decref(managed);
				kc_state_plan_free(p);
				return NULL;
			}
			set_owner(s, c);
			continue;
		}
		cfg = kc_state_live_config(entry);
		if (cfg != NULL && diff_config(p, c, cfg, err) < 0) {
			json_decref(managed);
			kc_state_plan_free(p);
			return NULL;
		}
		diff_state(p, c, entry);
		for (si = first; si < p->nsteps; si++)
			set_owner(&p->steps[si], c);
	}
	names = sorted_keys(live, &n);
	for (i = 0; i < n; i++) {
		const char *rule = NULL;

		if (json_object_get(managed, names[i]) != NULL)
			continue;
		if (glob_match(st->prune_except, names[i]) != NULL ||
		    (o != NULL && o->selector != NULL))
			rule = NULL;	/* "except" protects even from --prune; no deletes with a selector */
		else if (o != NULL && o->prune)
			rule = "--prune";
		else if (st->prune && glob_match(st->prune_match, names[i]) != NULL)
			rule = glob_match(st->prune_match, names[i]);
		if (rule != NULL) {
			struct kc_state_step *s = step_add(p, KC_STATE_DELETE, names[i]);
			s->reason = strcmp(rule, "--prune") == 0 ? kc_xstrdup("--prune") :
			    kc_xasprintf("prune rule \"%s\"", rule);
			s->from = kc_xstrdup(kc_state_live_state(json_object_get(live, names[i])));
		} else {
			p->unmanaged = kc_xrealloc(p->unmanaged, (p->nunmanaged + 1) *
			    sizeof *p->unmanaged);
			p->unmanaged[p->nunmanaged++] = kc_xstrdup(names[i]);
		}
	}
	free(names);
	json_decref(managed);
	sort_steps(p);
	return p;
}

/* Free what a step owns. */
static void
step_clear(struct kc_state_step *s)
{
	size_t k;

	free(s->name);
	json_decref(s->config);
	for (k = 0; k < s->nkeys; k++) {
		free(s->keys[k].key);
		free(s->keys[k].old_value);
		free(s->keys[k].new_value);
	}
	free(s->keys);
	free(s->from);
	free(s->tasks);
	free(s->reason);
	free(s->owner_name);
	free(s->owner_email);
}

void
kc_state_plan_free(struct kc_state_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsteps; i++)
		step_clear(&p->steps[i]);
	free(p->steps);
	for (i = 0; i < p->nunmanaged; i++)
		free(p->unmanaged[i]);
	free(p->unmanaged);
	free(p->source);
	free(p->fingerprint);
	free(p->created);
	free(p);
}

size_t
kc_state_plan_count(const struct kc_state_plan *p)
{
	return p->nsteps;
}

const struct kc_state_step *
kc_state_plan_step(const struct kc_state_plan *p, size_t i)
{
	return i < p->nsteps ? &p->steps[i] : NULL;
}

size_t
kc_state_plan_count_action(const struct kc_state_plan *p, enum kc_state_action a)
{
	size_t i, n = 0;

	for (i = 0; i < p->nsteps; i++)
		n += p->steps[i].action == a;
	return n;
}

size_t
kc_state_plan_nunmanaged(const struct kc_state_plan *p)
{
	return p->nunmanaged;
}

const char *
kc_state_plan_unmanaged(const struct kc_state_plan *p, size_t i)
{
	return i < p->nunmanaged ? p->unmanaged[i] : NULL;
}

const char *
kc_state_plan_fingerprint(const struct kc_state_plan *p)
{
	return p->fingerprint;
}

const char *
kc_state_plan_source(const struct kc_state_plan *p)
{
	return p->source;
}

/* ---- rendering --------------------------------------------------------------------------- */

/* A value for text output: JSON-quoted (escapes visible) unless it is the mask, sanitized. */
static void
put_value(struct kc_buf *out, const char *v)
{
	char *q, *safe;

	if (v == NULL || strcmp(v, SENSITIVE) == 0) {
		kc_buf_puts(out, SENSITIVE);
		return;
	}
	json_t *s = json_string(v);
	q = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : kc_xstrdup("\"?\"");
	json_decref(s);
	safe = kc_text_sanitize(q, 0);
	kc_buf_puts(out, safe);
	free(safe);
	free(q);
}

/* Sign of a step's line. */
static char
step_sign(const struct kc_state_step *s)
{
	return s->action == KC_STATE_CREATE ? '+' : s->action == KC_STATE_DELETE ? '-' : '~';
}

void
kc_state_step_line(const struct kc_state_step *s, struct kc_buf *out)
{
	char *name = kc_text_sanitize(s->name, 0);
	size_t i;

	kc_buf_printf(out, "%c %-7s %s", step_sign(s), kc_state_action_name(s->action), name);
	free(name);
	switch (s->action) {
	case KC_STATE_CREATE:
		kc_buf_printf(out, " (%s)", kc_state_target_name(s->target));
		break;
	case KC_STATE_UPDATE:
		kc_buf_printf(out, " (%zu key%s)", s->nkeys, s->nkeys == 1 ? "" : "s");
		break;
	case KC_STATE_PAUSE:
	case KC_STATE_RESUME:
	case KC_STATE_STOP:
		kc_buf_printf(out, " (%s -> %s)", s->from ? s->from : "?",
		    s->action == KC_STATE_PAUSE ? "PAUSED" : s->action == KC_STATE_STOP ? "STOPPED" :
		    "RUNNING");
		break;
	case KC_STATE_RESTART:
		kc_buf_puts(out, " (failed:");
		if (s->restart_connector)
			kc_buf_puts(out, " connector");
		if (s->ntasks > 0) {
			kc_buf_printf(out, "%s task%s ", s->restart_connector ? "," : "",
			    s->ntasks == 1 ? "" : "s");
			for (i = 0; i < s->ntasks; i++)
				kc_buf_printf(out, "%s%d", i ? ", " : "", s->tasks[i]);
		}
		kc_buf_putc(out, ')');
		break;
	case KC_STATE_DELETE:
		if (s->reason != NULL)
			kc_buf_printf(out, " (%s)", s->reason);
		break;
	default:
		break;
	}
}

void
kc_state_plan_text(const struct kc_state_plan *p, struct kc_buf *out, int flags)
{
	int color = flags & KC_STATE_RENDER_COLOR;
	size_t i, k, n[KC_STATE_NACTIONS];
	int a, first = 1;

	for (i = 0; i < p->nsteps; i++) {
		const struct kc_state_step *s = &p->steps[i];
		const char *col = s->action == KC_STATE_CREATE ? "\033[32m" :
		    s->action == KC_STATE_DELETE ? "\033[31m" : "\033[33m";

		if (color)
			kc_buf_puts(out, col);
		kc_state_step_line(s, out);
		if (color)
			kc_buf_puts(out, "\033[0m");
		kc_buf_putc(out, '\n');
		for (k = 0; k < s->nkeys; k++) {
			const struct kc_state_keydiff *d = &s->keys[k];
			char *key = kc_text_sanitize(d->key, 0);

			if (color)
				kc_buf_puts(out, d->op == '+' ? "\033[32m" : d->op == '-' ? "\033[31m" :
				    "\033[33m");
			kc_buf_printf(out, "    %c %s: ", d->op, key);
			if (d->op == '+')
				put_value(out, d->new_value);
			else if (d->op == '-')
				put_value(out, d->old_value);
			else {
				put_value(out, d->old_value);
				kc_buf_puts(out, " -> ");
				put_value(out, d->new_value);
			}
			if (color)
				kc_buf_puts(out, "\033[0m");
			kc_buf_putc(out, '\n');
			free(key);
		}
	}
	if (p->nsteps == 0) {
		char *src = kc_text_sanitize(p->source, 0);
		kc_buf_printf(out, "No changes: the cluster matches %s.\n", src);
		free(src);
	} else {
		for (a = 0; a < KC_STATE_NACTIONS; a++)
			n[a] = kc_state_plan_count_action(p, (enum kc_state_action)a);
		kc_buf_puts(out, "\nPlan:");
		for (a = 0; a < KC_STATE_NACTIONS; a++) {
			if (n[a] == 0)
				continue;
			kc_buf_printf(out, "%s %zu to %s", first ? "" : ",", n[a], action_names[a]);
			first = 0;
		}
		kc_buf_puts(out, ".\n");
	}
	if (p->nunmanaged > 0)
		kc_buf_printf(out, "%zu connector%s in the cluster %s not in the file and left "
		    "alone (--prune or prune rules delete them).\n", p->nunmanaged,
		    p->nunmanaged == 1 ? "" : "s", p->nunmanaged == 1 ? "is" : "are");
}

/* JSON of one step. `full` adds the desired config (refs unresolved) for saved plans. */
static json_t *
step_json(const struct kc_state_step *s, int full)
{
	json_t *o = json_pack("{s:s, s:s}", "action", kc_state_action_name(s->action), "name",
	    s->name);
	size_t k;

	if (s->action == KC_STATE_CREATE)
		json_object_set_new(o, "state", json_string(kc_state_target_name(s->target)));
	if (s->from != NULL)
		json_object_set_new(o, "from", json_string(s->from));
	if (s->nkeys > 0) {
		json_t *keys = json_array();
		for (k = 0; k < s->nkeys; k++) {
			const struct kc_state_keydiff *d = &s->keys[k];
			json_t *kd = json_pack("{s:s, s:s}", "op", d->op == '+' ? "add" : d->op == '-' ?
			    "remove" : "change", "key", d->key);
			if (d->old_value != NULL)
				json_object_set_new(kd, "old", json_string(d->old_value));
			if (d->new_value != NULL)
				json_object_set_new(kd, "new", json_string(d->new_value));
			if (d->sensitive)
				json_object_set_new(kd, "sensitive", json_true());
			json_array_append_new(keys, kd);
		}
		json_object_set_new(o, "keys", keys);
	}
	if (s->action == KC_STATE_RESTART) {
		json_t *t = json_array();
		json_object_set_new(o, "connector", json_boolean(s->restart_connector));
		for (k = 0; k < s->ntasks; k++)
			json_array_append_new(t, json_integer(s->tasks[k]));
		json_object_set_new(o, "tasks", t);
	}
	if (s->reason != NULL)
		json_object_set_new(o, "reason", json_string(s->reason));
	if (s->owner_name != NULL || s->owner_email != NULL) {
		json_t *ow = json_object();
		if (s->owner_name != NULL)
			json_object_set_new(ow, "name", json_string(s->owner_name));
		if (s->owner_email != NULL)
			json_object_set_new(ow, "email", json_string(s->owner_email));
		json_object_set_new(o, "owner", ow);
	}
	if (full && s->config != NULL)
		json_object_set(o, "config", s->config);
	return o;
}

/* The common part of the JSON and saved forms. */
static json_t *
plan_json(const struct kc_state_plan *p, int full)
{
	json_t *o = json_object(), *changes = json_array(), *sum = json_object(), *un = json_array();
	size_t i;
	int a;

	for (i = 0; i < p->nsteps; i++)
		json_array_append_new(changes, step_json(&p->steps[i], full));
	for (a = 0; a < KC_STATE_NACTIONS; a++)
		json_object_set_new(sum, action_names[a], json_integer((json_int_t)
		    kc_state_plan_count_action(p, (enum kc_state_action)a)));
	for (i = 0; i < p->nunmanaged; i++)
		json_array_append_new(un, json_string(p->unmanaged[i]));
	json_object_set_new(o, "source", json_string(p->source));
	json_object_set_new(o, "fingerprint", json_string(p->fingerprint));
	json_object_set_new(o, "changed", json_boolean(p->nsteps > 0));
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "summary", sum);
	json_object_set_new(o, "unmanaged", un);
	return o;
}

json_t *
kc_state_plan_json(const struct kc_state_plan *p)
{
	return plan_json(p, 0);
}

/* ---- saved plans ------------------------------------------------------------------------- */

int
kc_state_plan_save(const struct kc_state_plan *p, const char *path, struct kc_err *err)
{
	json_t *o = plan_json(p, 1), *doc = json_object();
	char when[40], *text;
	size_t len;
	ssize_t w;
	int fd;

	kc_iso8601_us(kc_wall_us(), when, sizeof when);
	json_object_set_new(doc, "kcops_plan", json_integer(1));
	json_object_set_new(doc, "created", json_string(when));
	json_object_update(doc, o);
	json_decref(o);
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (text == NULL)
		kc_fatal("out of memory (json_dumps)");
	len = strlen(text);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		kc_err_set(err, KC_E_IO, "%s: %m", path);
		free(text);
		return -1;
	}
	w = write(fd, text, len);
	if (w >= 0)
		w += write(fd, "\n", 1) == 1 ? 0 : -1;
	if (close(fd) < 0 || w != (ssize_t)len) {
		kc_err_set(err, KC_E_IO, "%s: write failed", path);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

int
kc_state_is_saved_plan(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *ks;
	int depth = 0;

	/* Only the top level's keys are looked at, nothing is parsed: apply reads its file
	 * through here first, and a state file of a thousand connectors should not be parsed
	 * twice to learn that it is not a plan. A document that is not JSON is no plan (the
	 * state loader reports its syntax error). */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p++) {
		switch (*p) {
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth <= 0)
				return 0;
			break;
		case '"':
			for (ks = ++p; p < end && *p != '"'; p++)
				if (*p == '\\' && ++p < end && depth == 1) {
					/* an escaped top-level key (or value): let jansson decide */
					json_t *o = json_loadb(text, len, 0, NULL);
					int yes = json_is_object(o) && json_object_get(o, "kcops_plan");
					json_decref(o);
					return yes;
				}
			if (p >= end)
				return 0;
			if (depth == 1 && (size_t)(p - ks) == 10 && memcmp(ks, "kcops_plan", 10) == 0) {
				const char *q = p + 1;
				while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
					q++;
				if (q < end && *q == ':')
					return 1;
			}
			break;
		default:
			if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return 0;	/* not an object */
			break;
		}
	}
	return 0;
}

/* The action named s, or -1. */
static int
action_parse(const char *s)
{
	int a;

	for (a = 0; s != NULL && a < KC_STATE_NACTIONS; a++)
		if (strcmp(s, action_names[a]) == 0)
			return a;
	return -1;
}

struct kc_state_plan *
kc_state_plan_parse(const char *text, size_t len, const char *name, struct kc_err *err)
{
	struct kc_state_plan *p;
	json_error_t jerr;
	json_t *doc, *changes, *ch, *un;
	size_t i, k;

	doc = json_loadb(text, len, 0, &jerr);
	if (doc == NULL) {
		kc_err_set(err, KC_E_PARSE, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (kc_json_int_or(doc, "kcops_plan", 0) != 1 || kc_json_str(doc, "fingerprint") == NULL ||
	    !json_is_array(changes = json_object_get(doc, "changes"))) {
		kc_err_set(err, KC_E_PARSE, "%s: not a kcops saved plan (version 1)", name);
		json_decref(doc);
		return NULL;
	}
	p = kc_xcalloc(1, sizeof *p);
	p->source = kc_xstrdup(kc_json_str_or(doc, "source", name));
	p->fingerprint = kc_xstrdup(kc_json_str(doc, "fingerprint"));
	p->created = kc_xstrdup(kc_json_str(doc, "created"));
	json_array_foreach(changes, i, ch) {
		int a = action_parse(kc_json_str(ch, "action"));
		const char *nm = kc_json_str(ch, "name");
		struct kc_state_step *s;
		json_t *keys, *kd, *tasks, *t, *cfg;

		if (a < 0 || nm == NULL) {
			kc_err_set(err, KC_E_PARSE, "%s: /changes/%zu: bad action or name", name, i);
			goto bad;
		}
		s = step_add(p, (enum kc_state_action)a, nm);
		s->from = kc_xstrdup(kc_json_str(ch, "from"));
		s->reason = kc_xstrdup(kc_json_str(ch, "reason"));
		s->owner_name = kc_xstrdup(kc_json_str(json_object_get(ch, "owner"), "name"));
		s->owner_email = kc_xstrdup(kc_json_str(json_object_get(ch, "owner"), "email"));
		if (a == KC_STATE_CREATE) {
			const char *t2 = kc_json_str_or(ch, "state", "running");
			s->target = strcmp(t2, "paused") == 0 ? KC_STATE_PAUSED :
			    strcmp(t2, "stopped") == 0 ? KC_STATE_STOPPED : KC_STATE_RUNNING;
		}
		cfg = json_object_get(ch, "config");
		if (a == KC_STATE_CREATE || a == KC_STATE_UPDATE) {
			json_t *sm = json_is_object(cfg) ? kc_json_string_map(cfg, NULL) : NULL;
			if (sm == NULL) {
				kc_err_set(err, KC_E_PARSE, "%s: /changes/%zu: missing config", name, i);
				goto bad;
			}
			s->config = sm;
		}
		keys = json_object_get(ch, "keys");
		json_array_foreach(keys, k, kd) {
			const char *op = kc_json_str_or(kd, "op", "change");
			key_add(s, strcmp(op, "add") == 0 ? '+' : strcmp(op, "remove") == 0 ? '-' : '~',
			    kc_json_str_or(kd, "key", "?"), kc_xstrdup(kc_json_str(kd, "old")),
			    kc_xstrdup(kc_json_str(kd, "new")));
		}
		s->restart_connector = json_is_true(json_object_get(ch, "connector"));
		tasks = json_object_get(ch, "tasks");
		json_array_foreach(tasks, k, t) {
			s->tasks = kc_xrealloc(s->tasks, (s->ntasks + 1) * sizeof *s->tasks);
			s->tasks[s->ntasks++] = (int)json_integer_value(t);
		}
	}
	un = json_object_get(doc, "unmanaged");
	json_array_foreach(un, i, ch) {
		if (!json_is_string(ch))
			continue;
		p->unmanaged = kc_xrealloc(p->unmanaged, (p->nunmanaged + 1) * sizeof *p->unmanaged);
		p->unmanaged[p->nunmanaged++] = kc_xstrdup(json_string_value(ch));
	}
	json_decref(doc);
	sort_steps(p);
	return p;
bad:
	json_decref(doc);
	kc_state_plan_free(p);
	return NULL;
}

struct kc_state_plan *
kc_state_plan_load(const char *path, struct kc_err *err)
{
	struct kc_state_plan *p;
	size_t len = 0;
	char *text = kc_read_file(path, &len);

	if (text == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %m", path);
		return NULL;
	}
	p = kc_state_plan_parse(text, len, path, err);
	free(text);
	return p;
}
