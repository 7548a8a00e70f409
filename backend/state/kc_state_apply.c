/* kc_state_apply.c - running a plan: requests, phases, per-step isolation, the report.
 *
 * DESIGN: a plan runs in five phases, each finished before the next starts: creates (in
 * their initial state, so a connector wanted paused never runs), updates, state changes
 * (pause/resume/stop), restarts, deletes. Inside a phase every step is submitted to the
 * executor at once; the executor bounds how many are in flight and reuses connections. A
 * step's failure is recorded in the report and nothing else is affected. Secret references
 * are resolved when a request body is built and the body is wiped after it was handed over. */
#include "kc_state_int.h"
#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#include <stdlib.h>
#include <string.h>

static const char *const report_keys[KC_STATE_NACTIONS] = { "added", "updated", "paused",
    "resumed", "stopped", "restarted", "removed" };

struct kc_state_report {
	json_t	*done[KC_STATE_NACTIONS];	/* names per action */
	json_t	*failed;			/* [{name, step, error}] */
	int	 dry_run;
	int64_t	 elapsed_ms;
};

/* One in-flight step. */
struct pending {
	struct kc_state_report		*rep;
	const struct kc_state_step	*step;
	const struct kc_state_apply_opts *o;
	const struct kc_state_exec	*ex;
	size_t				*done;
	size_t				 total;
	int				 followup;	/* created without initial_state: pause/stop next */
};

/* Append the connector config of a create or update as a JSON object, secret references
 * resolved (and each resolved value wiped once copied), "name" added when the file has
 * none. Returns -1 with err naming the key when a reference fails. */
static int
write_config(const struct kc_state_step *s, struct kc_buf *b, struct kc_err *err)
{
	const char *key;
	json_t *v;
	int first = 1, named = 0;

	kc_buf_putc(b, '{');
	json_object_foreach(s->config, key, v) {
		char *r = kc_state_resolve(json_string_value(v), err);
		size_t n;

		if (r == NULL) {
			kc_err_prefix(err, "config %s", key);
			return -1;
		}
		if (!first)
			kc_buf_putc(b, ',');
		first = 0;
		named |= strcmp(key, "name") == 0;
		kc_json_write_string(key, strlen(key), b);
		kc_buf_putc(b, ':');
		n = strlen(r);
		kc_json_write_string(r, n, b);
		explicit_bzero(r, n);
		free(r);
	}
	if (!named) {
		if (!first)
			kc_buf_putc(b, ',');
		kc_buf_puts(b, "\"name\":");
		kc_json_write_string(s->name, strlen(s->name), b);
	}
	kc_buf_putc(b, '}');
	return 0;
}

/* The request of a step; with no_initial a create leaves out initial_state. The body is
 * written as text directly: a thousand creates are built while the first are on the wire. */
static int
build_request(const struct kc_state_step *s, int no_initial, char **method, char **path,
    char **body, struct kc_err *err)
{
	char *enc = kc_url_encode_segment(s->name);
	struct kc_buf b;

	*body = NULL;
	kc_buf_init(&b);
	switch (s->action) {
	case KC_STATE_CREATE:
		kc_buf_puts(&b, "{\"name\":");
		kc_json_write_string(s->name, strlen(s->name), &b);
		kc_buf_puts(&b, ",\"config\":");
		if (write_config(s, &b, err) < 0)
			goto fail;
		if (no_initial)
			;
		else if (s->target == KC_STATE_PAUSED)
			kc_buf_puts(&b, ",\"initial_state\":\"PAUSED\"");
		else if (s->target == KC_STATE_STOPPED)
			kc_buf_puts(&b, ",\"initial_state\":\"STOPPED\"");
		kc_buf_putc(&b, '}');
		*method = kc_xstrdup("POST");
		*path = kc_xstrdup("/connectors");
		*body = kc_buf_steal(&b);
		break;
	case KC_STATE_UPDATE:
		if (write_config(s, &b, err) < 0)
			goto fail;
		*method = kc_xstrdup("PUT");
		*path = kc_xasprintf("/connectors/%s/config", enc);
		*body = kc_buf_steal(&b);
		break;
	case KC_STATE_PAUSE:
	case KC_STATE_RESUME:
	case KC_STATE_STOP:
		*method = kc_xstrdup("PUT");
		*path = kc_xasprintf("/connectors/%s/%s", enc, kc_state_action_name(s->action));
		break;
	case KC_STATE_RESTART:
		*method = kc_xstrdup("POST");
		*path = kc_xasprintf("/connectors/%s/restart?includeTasks=true&onlyFailed=true", enc);
		break;
	case KC_STATE_DELETE:
		*method = kc_xstrdup("DELETE");
		*path = kc_xasprintf("/connectors/%s", enc);
		break;
	default:
		kc_err_set(err, KC_E_FAIL, "unknown step");
		goto fail;
	}
	kc_buf_free(&b);
	free(enc);
	return 0;
fail:
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	kc_buf_free(&b);
	free(enc);
	return -1;
}

int
kc_state_step_request(const struct kc_state_step *s, char **method, char **path, char **body,
    struct kc_err *err)
{
	return build_request(s, 0, method, path, body, err);
}

/* Record a step's outcome and tell the progress callback. */
static void
finish(struct pending *pd, const char *error)
{
	struct kc_state_report *r = pd->rep;

	if (error == NULL)
		json_array_append_new(r->done[pd->step->action], json_string(pd->step->name));
	else
		json_array_append_new(r->failed, json_pack("{s:s, s:s, s:s}", "name",
		    pd->step->name, "step", kc_state_action_name(pd->step->action), "error", error));
	(*pd->done)++;
	if (pd->o != NULL && pd->o->progress != NULL)
		pd->o->progress(pd->o->progress_arg, *pd->done, pd->total, pd->step, error);
}

/* An error text for an HTTP answer (NULL for 2xx). Caller frees. */
static char *
answer_error(int status, const char *body, const char *error)
{
	char *msg;

	if (status >= 200 && status <= 299)
		return NULL;
	if (status == 0)
		return kc_xstrdup(error != NULL ? error : "request failed");
	json_t *o = body != NULL ? json_loads(body, 0, NULL) : NULL;
	const char *m = kc_json_str(o, "message");
	char *one = kc_xstrdup(m != NULL ? m : body != NULL ? body : ""), *p, *q, *cut;
	int invalid_config;

	/* Connect's multi-line messages on one line, without the pointer to the validate
	 * endpoint (kcops validate does that, by key) */
	if ((cut = strstr(one, "You can also find the above list of errors")) != NULL)
		*cut = '\0';
	invalid_config = strstr(one, "configuration is invalid") != NULL;
	for (p = q = one; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (q > one && q[-1] != ' ')
				*q++ = ' ';
		} else
			*q++ = *p;
	}
	*q = '\0';
	kc_str_trim(one);
	char *safe = kc_text_sanitize(one, 0);
	if (strlen(safe) > 400)
		strcpy(safe + 397, "...");
	msg = kc_xasprintf("HTTP %d%s%s%s", status, safe[0] ? ": " : "", safe, invalid_config ?
	    " (kcops validate FILE shows each error at its key)" : "");
	free(safe);
	free(one);
	json_decref(o);
	return msg;
}

/* Completion of the pause/stop that follows a create on a worker without initial_state. */
static void
on_followup(void *arg, int status, const char *body, const char *error)
{
	struct pending *pd = arg;
	char *msg = answer_error(status, body, error);

	if (msg != NULL) {
		char *full = kc_xasprintf("created, but not %s: %s", pd->step->target ==
		    KC_STATE_PAUSED ? "paused" : "stopped", msg);
		finish(pd, full);
		free(full);
	} else
		finish(pd, NULL);
	free(msg);
}

/* Executor completion: turn an HTTP answer into success or an error text. */
static void
on_done(void *arg, int status, const char *body, const char *error)
{
	struct pending *pd = arg;
	char *msg = answer_error(status, body, error);

	if (msg == NULL && pd->followup) {
		char *enc = kc_url_encode_segment(pd->step->name);
		char *path = kc_xasprintf("/connectors/%s/%s", enc, pd->step->target ==
		    KC_STATE_PAUSED ? "pause" : "stop");
		int rc = pd->ex->submit(pd->ex->arg, "PUT", path, NULL, on_followup, pd);
		free(path);
		free(enc);
		if (rc == 0)
			return;
		msg = kc_xstrdup("created, but the pause/stop request could not be submitted");
	}
	finish(pd, msg);
	free(msg);
}

struct kc_state_report *
kc_state_apply(const struct kc_state_plan *p, const struct kc_state_exec *ex,
    const struct kc_state_apply_opts *o)
{
	static const int phases[][3] = {
		{ KC_STATE_CREATE, -1, -1 },
		{ KC_STATE_UPDATE, -1, -1 },
		{ KC_STATE_PAUSE, KC_STATE_RESUME, KC_STATE_STOP },
		{ KC_STATE_RESTART, -1, -1 },
		{ KC_STATE_DELETE, -1, -1 },
	};
	struct kc_state_report *r = kc_xcalloc(1, sizeof *r);
	size_t n = kc_state_plan_count(p), i, done = 0;
	struct pending *pd = kc_xcalloc(n + 1, sizeof *pd);
	int64_t t0 = kc_mono_ms();
	int a, ph;

	for (a = 0; a < KC_STATE_NACTIONS; a++)
		r->done[a] = json_array();
	r->failed = json_array();
	r->dry_run = o != NULL && o->dry_run;
	for (ph = 0; ph < (int)KC_NITEMS(phases); ph++) {
		int submitted = 0;

		for (i = 0; i < n; i++) {
			const struct kc_state_step *s = kc_state_plan_step(p, i);
			char *method, *path, *body;
			struct kc_err err;

			if ((int)s->action != phases[ph][0] && (int)s->action != phases[ph][1] &&
			    (int)s->action != phases[ph][2])
				continue;
			pd[i] = (struct pending){ r, s, o, ex, &done, n, 0 };
			if (o != NULL && o->cancel != NULL && *o->cancel) {
				finish(&pd[i], "not run: interrupted");
				continue;
			}
			if (o != NULL && o->no_initial_state && s->action == KC_STATE_CREATE &&
			    s->target != KC_STATE_RUNNING)
				pd[i].followup = 1;
			kc_err_clear(&err);
			if (build_request(s, pd[i].followup, &method, &path, &body, &err) < 0) {
				finish(&pd[i], err.msg);
				continue;
			}
			if (r->dry_run)
				finish(&pd[i], NULL);
			else if (ex == NULL || ex->submit(ex->arg, method, path, body, on_done,
			    &pd[i]) < 0)
				finish(&pd[i], "could not submit the request");
			else if (++submitted % 8 == 1 && ex->poll != NULL)
				ex->poll(ex->arg);	/* on the wire while the rest is built */
			if (body != NULL) {
				memset(body, 0, strlen(body));
				free(body);
			}
			free(method);
			free(path);
		}
		if (submitted > 0)
			ex->run(ex->arg);
	}
	free(pd);
	r->elapsed_ms = kc_mono_ms() - t0;
	return r;
}

void
kc_state_report_free(struct kc_state_report *r)
{
	int a;

	if (r == NULL)
		return;
	for (a = 0; a < KC_STATE_NACTIONS; a++)
		json_decref(r->done[a]);
	json_decref(r->failed);
	free(r);
}

size_t
kc_state_report_nfailed(const struct kc_state_report *r)
{
	return json_array_size(r->failed);
}

json_t *
kc_state_report_json(const struct kc_state_report *r)
{
	json_t *o = json_object();
	int a;

	for (a = 0; a < KC_STATE_NACTIONS; a++)
		json_object_set(o, report_keys[a], r->done[a]);
	json_object_set(o, "failed", r->failed);
	json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	return o;
}

void
kc_state_report_text(const struct kc_state_report *r, struct kc_buf *out)
{
	json_t *f;
	size_t i;
	int a, first = 1;

	kc_buf_puts(out, r->dry_run ? "Dry run (nothing sent):" : "Apply:");
	for (a = 0; a < KC_STATE_NACTIONS; a++) {
		kc_buf_printf(out, "%s %zu %s", first ? "" : ",", json_array_size(r->done[a]),
		    report_keys[a]);
		first = 0;
	}
	kc_buf_printf(out, ", %zu failed (%.1f s).\n", json_array_size(r->failed),
	    (double)r->elapsed_ms / 1000.0);
	json_array_foreach(r->failed, i, f) {
		if (i == 20 && json_array_size(r->failed) > 21) {
			kc_buf_printf(out, "  ... and %zu more failures (-o json lists them all)\n",
			    json_array_size(r->failed) - 20);
			break;
		}
		char *name = kc_text_sanitize(kc_json_str(f, "name"), 0);
		char *err = kc_text_sanitize(kc_json_str(f, "error"), 0);
		kc_buf_printf(out, "  failed: %s %s: %s\n", kc_json_str(f, "step"), name, err);
		free(err);
		free(name);
	}
}
