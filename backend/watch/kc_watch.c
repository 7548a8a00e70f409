/* kc_watch.c - the watch loop: one thread per context polling the bulk status call,
 * restarting failed instances with back-off, reporting events, outages and drift.
 *
 * DESIGN
 * Each runner (context) loops: poll when the interval is up (GET /connectors?expand=status&
 * expand=info through kc_client_list_expanded, so old workers get the client's fan-out), then
 * make the restarts that are due, then sleep until the next poll or the next due restart,
 * whichever is first, on the stop pipe (so kc_watch_stop() wakes every runner at once).
 *
 * A poll updates one kc_watch_track per connector: health changes become "state" events, the
 * first failure of an incident a "failed" event, a failure after the last allowed restart
 * "gave_up", a healthy period after an incident "recovered" (see kc_watch_backoff.c). A
 * restart is made at its due time after re-reading that connector's status, so it is only
 * made while the connector is really failed, and at the right moment whatever the poll
 * interval. Restarts use restart?includeTasks=true&onlyFailed=true (the client falls back to
 * per-task restarts before 3.0).
 *
 * A failed poll starts an outage: reported once, the tracks are kept as they were and no
 * restart is made until a poll succeeds again ("resumed", with the duration). A connector
 * missing from a listing is dropped ("deleted") only after two polls at least 2 s apart,
 * because a worker that has just restarted may answer with an empty list for a moment and
 * the connector's back-off must survive that.
 *
 * Drift: the state file is re-read each cycle (the last good one is kept when it becomes
 * unreadable; the problem is reported once per distinct message). The plan is computed
 * against the live snapshot with FAILED states shown as RUNNING, because failures are the
 * restart logic's business: the plan then holds only configuration and target-state changes.
 * A non-empty plan is reported when it differs from the last one reported.
 *
 * Events go through kc_watch_emit(): numbered, kept in a ring of the last 1000 (for the
 * service's /events), written as NDJSON, handed to the callback, and, for the selected
 * kinds, to the notifier after de-duplication and rate limiting. */
#include "kc_watch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_text.h"
#include "kc_util.h"

#define LOGGER "kcops.watch"

static const char *const kind_names[KC_WEV__COUNT] = {
	"started", "stopped", "failed", "restarted", "restart_error", "gave_up", "recovered",
	"state", "added", "deleted", "outage", "resumed", "drift", "drift_cleared", "applied",
	"state_error", "listening", "notify_failed",
};

/* Name of an event kind. */
const char *
kc_watch_kind_name(enum kc_watch_kind k)
{
	return (unsigned)k < KC_WEV__COUNT ? kind_names[k] : "unknown";
}

/* Parse "failed,gave_up". */
int64_t
kc_watch_kinds_parse(const char *list, struct kc_err *err)
{
	int64_t mask = 0;
	char *copy, *tok, *save = NULL;
	int k;

	if (list == NULL)
		return 0;
	copy = kc_xstrdup(list);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "all") == 0) {
			mask |= ((int64_t)1 << KC_WEV__COUNT) - 1;
			continue;
		}
		if (strcmp(tok, "none") == 0)
			continue;
		for (k = 0; k < KC_WEV__COUNT; k++)
			if (strcmp(tok, kind_names[k]) == 0)
				break;
		if (k == KC_WEV__COUNT) {
			const char *near = kc_str_closest(tok, kind_names, KC_WEV__COUNT);

			kc_err_set(err, KC_E_USAGE, "unknown event kind \"%s\"%s%s%s", tok,
			    near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
			free(copy);
			return -1;
		}
		mask |= (int64_t)1 << k;
	}
	free(copy);
	return mask;
}

/* ---- events ----------------------------------------------------------------------------- */

/* Emit an event (stolen). */
void
kc_watch_emit(struct kc_watch *w, enum kc_watch_kind k, json_t *ev)
{
	const char *verdict = NULL;
	json_t *out = NULL;
	char *line;

	if ((w->o.notify_kinds & ((int64_t)1 << k)) && w->notify != NULL) {
		char *key = kc_watch_event_key(ev);

		switch (kc_limiter_check(w->lim, key, kc_mono_ms())) {
		case KC_LIMIT_PASS: {
			long held = kc_limiter_take_suppressed(w->lim);

			verdict = "sent";
			out = json_deep_copy(ev);
			if (held > 0)
				json_object_set_new(out, "suppressed_before", json_integer(held));
			break;
		}
		case KC_LIMIT_DUPLICATE:
			verdict = "duplicate";
			break;
		case KC_LIMIT_RATE:
			verdict = "rate_limited";
			break;
		}
		free(key);
		json_object_set_new(ev, "notify", json_string(verdict));
	}
	pthread_mutex_lock(&w->ev_mu);
	w->seq++;
	json_decref(w->ring[w->seq % KC_WATCH_RING]);
	json_object_set_new(ev, "seq", json_integer(w->seq));
	w->ring[w->seq % KC_WATCH_RING] = json_incref(ev);
	if (w->reopen && w->o.log_path != NULL) {
		FILE *f = fopen(w->o.log_path, "a");

		w->reopen = 0;
		if (f != NULL) {
			if (w->logf != NULL)
				fclose(w->logf);
			w->logf = f;
		} else
			kc_log(LOGGER, KC_LOG_ERROR, "cannot reopen %s: %s (still writing to the "
			    "old file)", w->o.log_path, strerror(errno));
	}
	if (w->logf != NULL || w->o.log != NULL) {
		FILE *f = w->logf != NULL ? w->logf : w->o.log;

		line = kc_watch_event_line(ev);
		fputs(line, f);
		fflush(f);
		free(line);
	}
	pthread_cond_broadcast(&w->ev_cv);
	if (w->o.on_event != NULL)
		w->o.on_event(w->o.on_event_arg, ev);
	pthread_mutex_unlock(&w->ev_mu);
	if (out != NULL) {
		json_object_del(out, "notify");
		kc_notify_post(w->notify, out);
		json_decref(out);
	}
	json_decref(ev);
}

/* A delivery was given up: put it in the event log (never notified, to avoid a loop). */
static void
notify_result(void *arg, const char *target, const json_t *ev, int ok, const char *detail)
{
	struct kc_watch *w = arg;
	json_t *e;

	if (ok)
		return;
	e = kc_watch_event_new("notify_failed", kc_json_str(ev, "context"),
	    kc_json_str(ev, "connector"), 0);
	kc_watch_event_str(e, "target", target);
	kc_watch_event_str(e, "for_event", kc_json_str(ev, "event"));
	kc_watch_event_str(e, "error", detail);
	kc_watch_emit(w, KC_WEV_NOTIFY_FAILED, e);
}

/* The owner of a connector from the state file, as {"name", "email"} or null. */
static void
add_owner(struct kc_watch_runner *r, json_t *ev, const char *name)
{
	const struct kc_state_connector *sc = r->st != NULL ? kc_state_find(r->st, name) : NULL;
	json_t *o;

	if (sc == NULL || (sc->owner_name == NULL && sc->owner_email == NULL)) {
		json_object_set_new(ev, "owner", json_null());
		return;
	}
	o = json_object();
	kc_watch_event_str(o, "name", sc->owner_name);
	kc_watch_event_str(o, "email", sc->owner_email);
	json_object_set_new(ev, "owner", o);
}

/* Failure details from a ConnectorStateInfo: the failed instance, its trace, the failed
 * task ids, and a one-line message. */
static void
add_failure(json_t *ev, const char *name, const json_t *status)
{
	const json_t *conn = json_object_get(status, "connector"), *t, *failed = NULL;
	json_t *ids = json_array();
	const char *cstate = kc_json_str_or(conn, "state", "UNASSIGNED");
	char *excerpt, *first, *nl;
	size_t i;

	json_array_foreach(json_object_get(status, "tasks"), i, t) {
		if (kc_str_eq(kc_json_str(t, "state"), "FAILED")) {
			json_array_append_new(ids, json_integer(kc_json_int_or(t, "id", -1)));
			if (failed == NULL)
				failed = t;
		}
	}
	if (strcmp(cstate, "FAILED") == 0 || failed == NULL) {
		json_object_set_new(ev, "task", json_null());
		kc_watch_event_str(ev, "state", cstate);
		failed = conn;
	} else {
		json_object_set_new(ev, "task", json_integer(kc_json_int_or(failed, "id", -1)));
		kc_watch_event_str(ev, "state", kc_json_str_or(failed, "state", "FAILED"));
	}
	kc_watch_event_str(ev, "connector_state", cstate);
	json_object_set_new(ev, "failed_tasks", ids);
	kc_watch_event_str(ev, "worker_id", kc_json_str(failed, "worker_id"));
	excerpt = kc_watch_trace_excerpt(kc_json_str(failed, "trace"), 400);
	kc_watch_event_str(ev, "trace", excerpt);
	first = kc_xstrdup(excerpt != NULL ? excerpt : "no trace");
	if ((nl = strchr(first, '\n')) != NULL)
		*nl = '\0';
	{
		char *msg;

		if (json_is_integer(json_object_get(ev, "task")))
			msg = kc_xasprintf("%s: task %lld FAILED: %s", name,
			    (long long)json_integer_value(json_object_get(ev, "task")), first);
		else
			msg = kc_xasprintf("%s: connector %s: %s", name, cstate, first);
		kc_watch_event_str(ev, "message", msg);
		free(msg);
	}
	free(first);
	free(excerpt);
}

/* A connector event with the common fields. */
static json_t *
conn_event(struct kc_watch_runner *r, enum kc_watch_kind k, const char *name)
{
	return kc_watch_event_new(kind_names[k], r->name, name, 0);
}

/* Attempt counters. */
static void
add_attempts(json_t *ev, const struct kc_watch_track *t)
{
	json_object_set_new(ev, "attempts", json_integer(t->b.attempts));
	if (t->pol.max_attempts >= 0)
		json_object_set_new(ev, "max_attempts", json_integer(t->pol.max_attempts));
	else
		json_object_set_new(ev, "max_attempts", json_null());
}

/* ---- tracks ------------------------------------------------------------------------------ */

/* Find (or add, when `add`) the track of `name`. */
static struct kc_watch_track *
track_get(struct kc_watch_runner *r, const char *name, int add, int *created)
{
	size_t lo = 0, hi = r->ntracks;

	if (created != NULL)
		*created = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->tracks[mid].name, name);

		if (c == 0)
			return &r->tracks[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!add)
		return NULL;
	if (r->ntracks == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->tracks = kc_xrealloc(r->tracks, r->cap * sizeof(*r->tracks));
	}
	memmove(&r->tracks[lo + 1], &r->tracks[lo], (r->ntracks - lo) * sizeof(*r->tracks));
	memset(&r->tracks[lo], 0, sizeof(*r->tracks));
	r->tracks[lo].name = kc_xstrdup(name);
	r->tracks[lo].health = KC_HEALTH_UNKNOWN;
	r->ntracks++;
	if (created != NULL)
		*created = 1;
	return &r->tracks[lo];
}

/* The effective restart policy of one connector. */
static void
track_policy(struct kc_watch_runner *r, struct kc_watch_track *t)
{
	struct kc_watch *w = r->w;
	const struct kc_state_connector *sc = r->st != NULL ? kc_state_find(r->st, t->name) : NULL;

	t->pol = w->policy;
	t->no_restart = NULL;
	if (sc != NULL) {
		if (sc->auto_restart_max >= 0)
			t->pol.max_attempts = sc->auto_restart_max;
		if (sc->auto_restart_backoff_ms >= 0)
			t->pol.base_ms = sc->auto_restart_backoff_ms;
		if (t->pol.cap_ms < t->pol.base_ms)
			t->pol.cap_ms = t->pol.base_ms;
	}
	if (w->o.no_restart)
		t->no_restart = "restarts are off (--no-restart)";
	else if (r->ctx->read_only)
		t->no_restart = "the context is read-only";
	else if (sc != NULL && sc->state == KC_STATE_PAUSED)
		t->no_restart = "the state file wants it paused";
	else if (sc != NULL && sc->state == KC_STATE_STOPPED)
		t->no_restart = "the state file wants it stopped";
	else if (sc != NULL && !sc->restart_failed)
		t->no_restart = "restart_failed is false in the state file";
	else if (sc == NULL && r->st != NULL && w->o.managed_only)
		t->no_restart = "not in the state file (--managed-only)";
	else if (t->pol.max_attempts == 0)
		t->no_restart = "auto_restart max is 0";
	if (t->no_restart != NULL)
		t->pol.max_attempts = 0;
}

/* Remove track i. */
static void
track_remove(struct kc_watch_runner *r, size_t i)
{
	free(r->tracks[i].name);
	memmove(&r->tracks[i], &r->tracks[i + 1], (r->ntracks - i - 1) * sizeof(*r->tracks));
	r->ntracks--;
}

/* ---- one poll ---------------------------------------------------------------------------- */

/* Report the first failure of an incident. */
static void
report_failed(struct kc_watch_runner *r, struct kc_watch_track *t, const json_t *status)
{
	json_t *ev = conn_event(r, KC_WEV_FAILED, t->name);

	r->n_incidents++;
	add_failure(ev, t->name, status);
	add_attempts(ev, t);
	add_owner(r, ev, t->name);
	if (t->no_restart != NULL) {
		json_object_set_new(ev, "auto_restart", json_false());
		kc_watch_event_str(ev, "reason", t->no_restart);
	} else {
		json_object_set_new(ev, "auto_restart", json_true());
		json_object_set_new(ev, "next_restart_in_ms",
		    json_integer(t->b.next_at > 0 ? t->b.next_at - kc_mono_ms() : 0));
	}
	kc_watch_emit(r->w, KC_WEV_FAILED, ev);
}

/* Report giving up. */
static void
report_gave_up(struct kc_watch_runner *r, struct kc_watch_track *t, const json_t *status)
{
	json_t *ev = conn_event(r, KC_WEV_GAVE_UP, t->name);
	char *msg;

	r->n_gave_up++;
	add_failure(ev, t->name, status);
	add_attempts(ev, t);
	add_owner(r, ev, t->name);
	msg = kc_xasprintf("%s: still failed after %d restart%s; left failed", t->name,
	    t->b.attempts, t->b.attempts == 1 ? "" : "s");
	kc_watch_event_str(ev, "message", msg);
	free(msg);
	kc_watch_emit(r->w, KC_WEV_GAVE_UP, ev);
}

/* Let the next event of this kind for this connector through the de-duplication. */
static void
forget_keys(struct kc_watch_runner *r, const char *kind, const char *name)
{
	char *prefix = kc_xasprintf("%s|%s|%s|", kind, r->name, name);

	kc_limiter_forget_prefix(r->w->lim, prefix);
	free(prefix);
}

/* Observe one connector of a poll. */
static void
observe(struct kc_watch_runner *r, const struct kc_connector_view *v, int64_t now)
{
	struct kc_watch_track *t;
	enum kc_health prev;
	int created, f = 0;
	json_t *ev;

	t = track_get(r, v->name, 1, &created);
	t->seen = 1;
	track_policy(r, t);
	prev = t->health;
	t->health = v->health;
	if (created && r->polled) {
		ev = conn_event(r, KC_WEV_ADDED, v->name);
		kc_watch_event_str(ev, "state", kc_health_name(v->health));
		kc_watch_event_str(ev, "type", v->type);
		kc_watch_emit(r->w, KC_WEV_ADDED, ev);
	}
	if (!created && prev != v->health) {
		ev = conn_event(r, KC_WEV_STATE, v->name);
		kc_watch_event_str(ev, "from", kc_health_name(prev));
		kc_watch_event_str(ev, "to", kc_health_name(v->health));
		json_object_set_new(ev, "tasks_running", json_integer(v->tasks_running));
		json_object_set_new(ev, "tasks_failed", json_integer(v->tasks_failed));
		json_object_set_new(ev, "tasks", json_integer((json_int_t)v->ntasks));
		kc_watch_emit(r->w, KC_WEV_STATE, ev);
	}
	switch (v->health) {
	case KC_HEALTH_FAILED:
		f = kc_backoff_failed(&t->b, &t->pol, now);
		if (f & KC_BO_NEW_INCIDENT) {
			/* a new incident: its recovery will be news again */
			forget_keys(r, "recovered", v->name);
			report_failed(r, t, v->status);
		}
		if (f & KC_BO_GIVE_UP)
			report_gave_up(r, t, v->status);
		break;
	case KC_HEALTH_RUNNING:
		/* healthy means every task RUNNING: a task still RESTARTING or UNASSIGNED after
		 * a restart has not proven anything yet */
		if (v->tasks_running != (int)v->ntasks)
			break;
		/* FALLTHROUGH */
	case KC_HEALTH_PAUSED:
	case KC_HEALTH_STOPPED: {
		int attempts = t->b.attempts;
		int64_t failed_at = t->b.failed_at;

		f = kc_backoff_healthy(&t->b, &t->pol, now);
		if (f & KC_BO_RECOVERED) {
			char *msg;

			/* the incident is over: the next failure is news again */
			forget_keys(r, "failed", v->name);
			forget_keys(r, "gave_up", v->name);
			ev = conn_event(r, KC_WEV_RECOVERED, v->name);
			kc_watch_event_str(ev, "state", kc_health_name(v->health));
			json_object_set_new(ev, "task", json_null());
			json_object_set_new(ev, "attempts", json_integer(attempts));
			json_object_set_new(ev, "failed_for_ms", json_integer(now - failed_at));
			add_owner(r, ev, v->name);
			msg = kc_xasprintf("%s: %s again after %d restart%s", v->name,
			    kc_health_name(v->health), attempts, attempts == 1 ? "" : "s");
			kc_watch_event_str(ev, "message", msg);
			free(msg);
			r->n_recovered++;
			kc_watch_emit(r->w, KC_WEV_RECOVERED, ev);
		}
		break;
	}
	default:
		break;
	}
}

/* Deep copy of a live snapshot with FAILED shown as RUNNING (for drift plans). */
static json_t *
mask_failures(const json_t *live)
{
	json_t *copy = json_deep_copy(live), *e, *st, *c, *t;
	const char *name;
	size_t i;

	json_object_foreach(copy, name, e) {
		st = json_object_get(e, "status");
		if (!json_is_object(st))
			continue;
		c = json_object_get(st, "connector");
		if (kc_str_eq(kc_json_str(c, "state"), "FAILED")) {
			json_object_set_new(c, "state", json_string("RUNNING"));
			json_object_del(c, "trace");
		}
		json_array_foreach(json_object_get(st, "tasks"), i, t) {
			if (kc_str_eq(kc_json_str(t, "state"), "FAILED")) {
				json_object_set_new(t, "state", json_string("RUNNING"));
				json_object_del(t, "trace");
			}
		}
	}
	return copy;
}

/* Re-read the state file; keep the last good one on error (reported once per message). */
static void
load_state(struct kc_watch_runner *r)
{
	struct kc_watch *w = r->w;
	struct kc_state *st;
	struct kc_err err;
	char *msg = NULL;
	json_t *diags = NULL, *ev;

	kc_err_clear(&err);
	st = kc_watch_load_state(w, &err);
	if (st == NULL)
		msg = kc_xstrdup(err.msg);
	else if (kc_state_ndiags(st) > 0) {
		struct kc_buf b;

		kc_buf_init(&b);
		kc_state_diags_text(st, &b);
		msg = kc_buf_steal(&b);
		diags = kc_state_diags_json(st);
		kc_state_free(st);
		st = NULL;
	}
	if (msg != NULL) {
		if (r->state_err == NULL || strcmp(r->state_err, msg) != 0) {
			ev = kc_watch_event_new("state_error", r->name, NULL, 0);
			kc_watch_event_str(ev, "source", w->o.state_src);
			kc_watch_event_str(ev, "error", msg);
			json_object_set_new(ev, "diagnostics", diags != NULL ? diags : json_array());
			diags = NULL;
			json_object_set_new(ev, "using_previous", json_boolean(r->st != NULL));
			kc_watch_emit(w, KC_WEV_STATE_ERROR, ev);
			free(r->state_err);
			r->state_err = msg;
		} else
			free(msg);
		json_decref(diags);
		return;
	}
	free(r->state_err);
	r->state_err = NULL;
	kc_state_free(r->st);
	r->st = st;
}

/* --apply: under the apply lock (POST /sync may have run meanwhile), plan again on a fresh
 * snapshot and apply that plan. */
static void
apply_drift(struct kc_watch_runner *r)
{
	struct kc_watch *w = r->w;
	struct kc_state_plan_opts po = { .prune = w->o.prune };
	struct kc_state_apply_opts ao = { 0 };
	struct kc_state_plan *plan = NULL;
	struct kc_state_report *rep;
	struct kc_state_exec *ex;
	struct kc_err err;
	json_t *live, *masked, *ev;
	size_t n;

	pthread_mutex_lock(&w->sync_mu);
	kc_err_clear(&err);
	if ((live = kc_client_list_expanded(r->client, &err)) != NULL) {
		masked = mask_failures(live);
		plan = kc_state_plan_new(r->st, masked, &po, &err);
		json_decref(masked);
		json_decref(live);
	}
	if (plan == NULL || (n = kc_state_plan_count(plan)) == 0) {
		pthread_mutex_unlock(&w->sync_mu);
		kc_state_plan_free(plan);
		return;
	}
	ex = kc_state_exec_client_new(r->client, 0);
	rep = kc_state_apply(plan, ex, &ao);
	kc_state_exec_client_free(ex);
	pthread_mutex_unlock(&w->sync_mu);

	ev = kc_watch_event_new("applied", r->name, NULL, 0);
	kc_watch_event_str(ev, "source", w->o.state_src);
	json_object_set_new(ev, "report", kc_state_report_json(rep));
	json_object_set_new(ev, "failed", json_integer((json_int_t)kc_state_report_nfailed(rep)));
	json_object_set_new(ev, "message", json_sprintf("applied %zu change%s from %s (%zu failed)",
	    n, n == 1 ? "" : "s", w->o.state_src, kc_state_report_nfailed(rep)));
	kc_watch_emit(w, KC_WEV_APPLIED, ev);
	kc_state_report_free(rep);
	kc_state_plan_free(plan);
}

/* Compute the plan; report it once per change; apply it when asked. */
static void
check_drift(struct kc_watch_runner *r, const json_t *live)
{
	struct kc_watch *w = r->w;
	struct kc_state_plan_opts po = { .prune = w->o.prune };
	struct kc_state_plan *plan;
	struct kc_err err;
	json_t *masked, *pj, *sigj, *ev, *lines;
	char *sig;
	size_t i, n;

	if (r->st == NULL)
		return;
	masked = mask_failures(live);
	kc_err_clear(&err);
	plan = kc_state_plan_new(r->st, masked, &po, &err);
	json_decref(masked);
	if (plan == NULL) {
		if (r->state_err == NULL || strcmp(r->state_err, err.msg) != 0) {
			ev = kc_watch_event_new("state_error", r->name, NULL, 0);
			kc_watch_event_str(ev, "source", w->o.state_src);
			kc_watch_event_str(ev, "error", err.msg);
			kc_watch_emit(w, KC_WEV_STATE_ERROR, ev);
			free(r->state_err);
			r->state_err = kc_xstrdup(err.msg);
		}
		return;
	}
	n = kc_state_plan_count(plan);
	pj = kc_state_plan_json(plan);
	sigj = json_pack("{s:O?,s:O?}", "changes", json_object_get(pj, "changes"), "unmanaged",
	    json_object_get(pj, "unmanaged"));
	sig = json_dumps(sigj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sigj);
	if (n > 0 && (r->drift_sig == NULL || strcmp(r->drift_sig, sig) != 0)) {
		struct kc_buf b;

		ev = kc_watch_event_new("drift", r->name, NULL, 0);
		kc_watch_event_str(ev, "source", w->o.state_src);
		lines = json_array();
		kc_buf_init(&b);
		for (i = 0; i < n; i++) {
			kc_buf_reset(&b);
			kc_state_step_line(kc_state_plan_step(plan, i), &b);
			json_array_append_new(lines, json_string(kc_buf_str(&b)));
		}
		kc_buf_free(&b);
		json_object_set_new(ev, "changes", lines);
		json_object_set(ev, "summary", json_object_get(pj, "summary"));
		json_object_set(ev, "plan", json_object_get(pj, "changes"));
		json_object_set_new(ev, "apply", json_boolean(w->o.apply && !r->ctx->read_only));
		{
			char *msg = kc_xasprintf("%zu change%s between %s and the cluster", n,
			    n == 1 ? "" : "s", w->o.state_src);
			kc_watch_event_str(ev, "message", msg);
			free(msg);
		}
		kc_watch_emit(w, KC_WEV_DRIFT, ev);
		free(r->drift_sig);
		r->drift_sig = sig;
		sig = NULL;
	} else if (n == 0 && r->drift_sig != NULL) {
		ev = kc_watch_event_new("drift_cleared", r->name, NULL, 0);
		kc_watch_event_str(ev, "source", w->o.state_src);
		kc_watch_emit(w, KC_WEV_DRIFT_CLEARED, ev);
		free(r->drift_sig);
		r->drift_sig = NULL;
	}
	free(sig);
	json_decref(pj);
	kc_state_plan_free(plan);
	if (n > 0 && w->o.apply && !r->ctx->read_only && !w->stopping)
		apply_drift(r);
}

/* Rebuild what /status shows for this runner. */
static void
publish_status(struct kc_watch_runner *r, int64_t now)
{
	json_t *s = json_object(), *conns = json_object();
	size_t i;

	kc_watch_event_str(s, "context", r->name);
	kc_watch_event_str(s, "url", kc_client_url(r->client));
	json_object_set_new(s, "reachable", json_boolean(r->polled && !r->down));
	json_object_set_new(s, "outage_for_ms", r->down ? json_integer(now - r->down_since) :
	    json_null());
	json_object_set_new(s, "state_file_ok", r->w->o.state_src == NULL ? json_null() :
	    json_boolean(r->state_err == NULL));
	json_object_set_new(s, "drift", json_boolean(r->drift_sig != NULL));
	for (i = 0; i < r->ntracks; i++) {
		const struct kc_watch_track *t = &r->tracks[i];
		json_t *c = json_object();

		json_object_set_new(c, "health", json_string(kc_health_name(t->health)));
		json_object_set_new(c, "incident", json_boolean(t->b.failing));
		json_object_set_new(c, "attempts", json_integer(t->b.attempts));
		json_object_set_new(c, "gave_up", json_boolean(t->b.gave_up));
		json_object_set_new(c, "auto_restart", json_boolean(t->no_restart == NULL));
		if (t->b.failing && !t->b.gave_up && t->no_restart == NULL && t->b.next_at > 0)
			json_object_set_new(c, "next_restart_in_ms",
			    json_integer(t->b.next_at > now ? t->b.next_at - now : 0));
		json_object_set_new(conns, t->name, c);
	}
	json_object_set_new(s, "connectors", conns);
	json_object_set_new(s, "totals", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "polls", (json_int_t)r->n_polls, "failed_polls", (json_int_t)r->n_failed_polls,
	    "outages", (json_int_t)r->n_outages, "incidents", (json_int_t)r->n_incidents,
	    "restarts", (json_int_t)r->n_restarts, "restart_errors",
	    (json_int_t)r->n_restart_errors, "gave_up", (json_int_t)r->n_gave_up, "recovered",
	    (json_int_t)r->n_recovered));
	pthread_mutex_lock(&r->mu);
	json_decref(r->status);
	r->status = s;
	pthread_mutex_unlock(&r->mu);
}

/* One poll and everything that follows from it. */
static void
runner_poll(struct kc_watch_runner *r)
{
	struct kc_watch *w = r->w;
	struct kc_connector_list *l;
	struct kc_err err;
	json_t *live, *ev;
	int64_t now;
	size_t i;

	if (w->o.state_src != NULL)
		load_state(r);
	kc_err_clear(&err);
	live = kc_client_list_expanded(r->client, &err);
	now = kc_mono_ms();
	r->n_polls++;
	if (live == NULL) {
		r->failed_polls++;
		r->n_failed_polls++;
		if (!r->down) {
			r->n_outages++;
			r->down = 1;
			r->down_since = now;
			ev = kc_watch_event_new("outage", r->name, NULL, 0);
			kc_watch_event_str(ev, "url", kc_client_url(r->client));
			kc_watch_event_str(ev, "error", err.msg);
			json_object_set_new(ev, "code", json_integer(err.code));
			json_object_set_new(ev, "message", json_sprintf("%s: cluster unreachable: "
			    "%s (keeping the last known state)", r->name, err.msg));
			kc_watch_emit(w, KC_WEV_OUTAGE, ev);
		}
		publish_status(r, now);
		return;
	}
	if (r->down) {
		ev = kc_watch_event_new("resumed", r->name, NULL, 0);
		kc_watch_event_str(ev, "url", kc_client_url(r->client));
		json_object_set_new(ev, "outage_ms", json_integer(now - r->down_since));
		json_object_set_new(ev, "failed_polls", json_integer(r->failed_polls));
		kc_watch_emit(w, KC_WEV_RESUMED, ev);
		r->down = 0;
		r->failed_polls = 0;
	}
	l = kc_connector_list_new(live);
	for (i = 0; i < r->ntracks; i++)
		r->tracks[i].seen = 0;
	for (i = 0; i < l->n; i++)
		observe(r, &l->v[i], now);
	for (i = r->ntracks; i-- > 0;) {
		struct kc_watch_track *t = &r->tracks[i];

		if (t->seen) {
			t->missing = 0;
			continue;
		}
		/* a worker that just (re)started may list nothing for a moment: a connector is
		 * gone when two polls at least 2 s apart miss it, so its back-off survives */
		if (t->missing++ == 0)
			t->missing_since = now;
		if (t->missing < 2 || now - t->missing_since < 2000)
			continue;
		ev = conn_event(r, KC_WEV_DELETED, r->tracks[i].name);
		kc_watch_event_str(ev, "last_state", kc_health_name(r->tracks[i].health));
		kc_watch_emit(w, KC_WEV_DELETED, ev);
		track_remove(r, i);
	}
	r->polled = 1;
	check_drift(r, live);
	kc_connector_list_free(l);
	json_decref(live);
	publish_status(r, now);
}

/* Make the restarts that are due. Returns the number of connectors looked at. */
static int
runner_restarts(struct kc_watch_runner *r)
{
	struct kc_watch *w = r->w;
	size_t i;
	int seen = 0;

	for (i = 0; i < r->ntracks && !w->stopping && !r->down; i++) {
		struct kc_watch_track *t = &r->tracks[i];
		int64_t now = kc_mono_ms();
		struct kc_err err;
		json_t *st, *res, *ev;
		enum kc_health h;
		int ntasks = 0;
		char *name;

		if (!kc_backoff_due(&t->b, &t->pol, now))
			continue;
		seen++;
		name = kc_xstrdup(t->name);
		kc_err_clear(&err);
		st = kc_client_status(r->client, name, &err);
		if (st == NULL) {
			/* gone (404: the next poll drops it), or a problem worth a line */
			if (err.code != 404) {
				ev = conn_event(r, KC_WEV_RESTART_ERROR, name);
				add_attempts(ev, t);
				kc_watch_event_str(ev, "error", err.msg);
				json_object_set_new(ev, "code", json_integer(err.code));
				kc_watch_event_str(ev, "during", "status check before the restart");
				r->n_restart_errors++;
				kc_watch_emit(w, KC_WEV_RESTART_ERROR, ev);
			}
			t->b.next_at = kc_mono_ms() + w->o.interval_ms;
			free(name);
			continue;
		}
		h = kc_connector_health(st);
		if (h != KC_HEALTH_FAILED) {
			/* running again, or restarting/unassigned: the polls will tell whether it
			 * stays up (recovery) or fails again (then the restart is overdue) */
			t->b.next_at = now + w->o.interval_ms;
			json_decref(st);
			free(name);
			continue;
		}
		if (kc_backoff_exhausted(&t->b, &t->pol)) {
			kc_backoff_give_up(&t->b);
			report_gave_up(r, t, st);
			json_decref(st);
			free(name);
			continue;
		}
		kc_err_clear(&err);
		res = kc_client_restart(r->client, name, KC_RESTART_FAILED, &ntasks, &err);
		now = kc_mono_ms();
		if (res == NULL) {
			ev = conn_event(r, KC_WEV_RESTART_ERROR, name);
			add_attempts(ev, t);
			kc_watch_event_str(ev, "error", err.msg);
			json_object_set_new(ev, "code", json_integer(err.code));
			r->n_restart_errors++;
			kc_watch_emit(w, KC_WEV_RESTART_ERROR, ev);
			/* not counted; try again after one interval */
			t->b.next_at = now + w->o.interval_ms;
		} else {
			kc_backoff_restarted(&t->b, &t->pol, now);
			r->n_restarts++;
			ev = conn_event(r, KC_WEV_RESTARTED, name);
			add_failure(ev, name, st);
			add_attempts(ev, t);
			json_object_set_new(ev, "tasks_restarted", json_integer(ntasks));
			if (!kc_backoff_exhausted(&t->b, &t->pol))
				json_object_set_new(ev, "next_restart_in_ms",
				    json_integer(t->b.next_at - now));
			json_object_del(ev, "message");
			{
				char *msg = t->pol.max_attempts >= 0 ?
				    kc_xasprintf("%s: restarted failed instances (attempt %d of %d)",
				    name, t->b.attempts, t->pol.max_attempts) :
				    kc_xasprintf("%s: restarted failed instances (attempt %d)", name,
				    t->b.attempts);

				kc_watch_event_str(ev, "message", msg);
				free(msg);
			}
			kc_watch_emit(w, KC_WEV_RESTARTED, ev);
			json_decref(res);
		}
		json_decref(st);
		free(name);
	}
	return seen;
}

/* When the runner should wake next (monotonic ms). */
static int64_t
runner_next_wake(struct kc_watch_runner *r, int64_t next_poll)
{
	int64_t wake = next_poll;
	size_t i;

	if (r->down)
		return wake;
	for (i = 0; i < r->ntracks; i++) {
		const struct kc_watch_track *t = &r->tracks[i];

		if (t->b.failing && !t->b.gave_up && t->pol.max_attempts != 0 && t->b.next_at > 0 &&
		    t->b.healthy_since == 0 && t->b.next_at < wake)
			wake = t->b.next_at;
	}
	return wake;
}

/* The runner thread. */
static void *
runner_main(void *arg)
{
	struct kc_watch_runner *r = arg;
	struct kc_watch *w = r->w;
	int64_t next_poll = 0, now, wake;
	json_t *ev;

	ev = kc_watch_event_new("started", r->name, NULL, 0);
	kc_watch_event_str(ev, "url", kc_client_url(r->client));
	json_object_set_new(ev, "interval_ms", json_integer(w->o.interval_ms));
	json_object_set_new(ev, "read_only", json_boolean(r->ctx->read_only));
	kc_watch_event_str(ev, "state_file", w->o.state_src);
	kc_watch_emit(w, KC_WEV_STARTED, ev);
	while (!w->stopping) {
		now = kc_mono_ms();
		if (now >= next_poll) {
			next_poll = now + w->o.interval_ms;
			runner_poll(r);
			if (w->o.once) {
				size_t i;

				/* no memory between runs: a failed connector is restarted now */
				for (i = 0; i < r->ntracks; i++)
					if (r->tracks[i].b.failing && r->tracks[i].b.attempts == 0)
						r->tracks[i].b.next_at = kc_mono_ms();
			}
		}
		if (runner_restarts(r) > 0 || w->o.once)
			publish_status(r, kc_mono_ms());
		if (w->o.once)
			break;
		wake = runner_next_wake(r, next_poll);
		now = kc_mono_ms();
		if (wake > now) {
			struct pollfd p = { w->stop_pipe[0], POLLIN, 0 };

			poll(&p, 1, (int)(wake - now));
		}
	}
	ev = kc_watch_event_new("stopped", r->name, NULL, 0);
	kc_watch_event_str(ev, "reason", w->o.once ? "once" : "stop requested");
	kc_watch_emit(w, KC_WEV_STOPPED, ev);
	return NULL;
}

/* ---- the watch --------------------------------------------------------------------------- */

/* -v: one line per Connect request. */
static void
trace_request(void *arg, const char *method, const char *path, long status)
{
	kc_log(LOGGER, KC_LOG_INFO, "%s: %s %s -> %ld", (const char *)arg, method, path, status);
}

/* A client for a context, with the watch's timeouts. */
static struct kc_client *
client_for_ctx(const struct kc_watch *w, const struct kc_ctx *ctx, struct kc_err *err)
{
	struct kc_client_opts co;
	struct kc_client *c;

	kc_ctx_client_opts(ctx, &co);
	if (w->o.request_timeout_ms > 0)
		co.timeout_ms = w->o.request_timeout_ms;
	if (co.timeout_ms == 0)
		co.timeout_ms = 30000;
	co.user_agent = "kcops-watch/" KCOPS_VERSION;
	c = kc_client_new(&co, err);
	/* the same testing knob as the other commands: pretend an older worker */
	if (c != NULL && getenv("KCOPS_FORCE_VERSION") != NULL)
		kc_client_force_version(c, getenv("KCOPS_FORCE_VERSION"));
	if (c != NULL && w->o.verbose)
		kc_client_set_trace(c, trace_request, (void *)(ctx->name != NULL ? ctx->name :
		    "url"));
	return c;
}

/* Load the state file. */
struct kc_state *
kc_watch_load_state(struct kc_watch *w, struct kc_err *err)
{
	if (w->state_text != NULL)
		return kc_state_parse(w->state_text, w->state_len, "-");
	return kc_state_load(w->o.state_src, &w->o.state_opts, err);
}

/* A fresh client for a server thread. */
struct kc_client *
kc_watch_client_for(struct kc_watch_runner *r, struct kc_err *err)
{
	return client_for_ctx(r->w, r->ctx, err);
}

/* Check options. */
struct kc_watch *
kc_watch_new(const struct kc_watch_opts *o, struct kc_err *err)
{
	struct kc_watch *w;
	size_t i;

	if (o->nctxs == 0) {
		kc_err_set(err, KC_E_USAGE, "no context to watch");
		return NULL;
	}
	if (o->listen != NULL && o->token_file == NULL) {
		kc_err_set(err, KC_E_USAGE, "--listen needs --token-file (every request must carry "
		    "an Authorization header)");
		return NULL;
	}
	if (o->apply && o->state_src == NULL) {
		kc_err_set(err, KC_E_USAGE, "--apply needs --state FILE");
		return NULL;
	}
	w = kc_xcalloc(1, sizeof(*w));
	w->o = *o;
	w->listen_fd = -1;
	w->stop_pipe[0] = w->stop_pipe[1] = -1;
	if (w->o.interval_ms <= 0)
		w->o.interval_ms = 10000;
	if (w->o.notify_kinds == 0)
		w->o.notify_kinds = ((int64_t)1 << KC_WEV_FAILED) | ((int64_t)1 << KC_WEV_GAVE_UP) |
		    ((int64_t)1 << KC_WEV_RECOVERED);
	w->policy = o->policy;
	if (w->policy.base_ms <= 0)
		w->policy.base_ms = 10000;
	if (w->policy.cap_ms <= 0)
		w->policy.cap_ms = 600000;
	if (w->policy.cap_ms < w->policy.base_ms)
		w->policy.cap_ms = w->policy.base_ms;
	if (w->policy.max_attempts == 0 && o->policy.base_ms == 0 && o->policy.cap_ms == 0 &&
	    o->policy.healthy_ms == 0)
		w->policy.max_attempts = 5;	/* an all-zero policy means "defaults" */
	if (w->policy.healthy_ms <= 0)
		w->policy.healthy_ms = 60000;
	pthread_mutex_init(&w->ev_mu, NULL);
	pthread_cond_init(&w->ev_cv, NULL);
	pthread_mutex_init(&w->sync_mu, NULL);
	if (o->log_path != NULL && (w->logf = fopen(o->log_path, "a")) == NULL) {
		kc_err_set(err, KC_E_IO, "--log %s: %s", o->log_path, strerror(errno));
		goto fail;
	}
	if (o->token_file != NULL) {
		w->tokens = kc_watch_tokens_load(o->token_file, err);
		if (w->tokens == NULL) {
			kc_err_prefix(err, "--token-file");
			goto fail;
		}
	}
	w->lim = kc_limiter_new(o->dedup_ms < 0 ? 0 : o->dedup_ms == 0 ? 300000 : o->dedup_ms,
	    o->rate_per_min < 0 ? 0 : o->rate_per_min == 0 ? 30 : o->rate_per_min,
	    o->rate_burst > 0 ? o->rate_burst : 10);
	if (o->nwebhook_urls > 0 || o->exec_cmd != NULL) {
		struct kc_notify_opts no = { 0 };

		no.webhook_urls = o->webhook_urls;
		no.nwebhook_urls = o->nwebhook_urls;
		no.headers = o->webhook_headers;
		no.nheaders = o->nwebhook_headers;
		no.exec_cmd = o->exec_cmd;
		no.timeout_ms = o->webhook_timeout_ms;
		no.retries = o->webhook_retries;
		no.retry_backoff_ms = o->webhook_backoff_ms;
		no.on_result = notify_result;
		no.on_result_arg = w;
		w->notify = kc_notify_new(&no, err);
		if (w->notify == NULL)
			goto fail;
	}
	if (o->state_src != NULL && strcmp(o->state_src, "-") == 0) {
		/* standard input can be read only once */
		w->state_text = kc_state_read_source("-", &o->state_opts, &w->state_len, err);
		if (w->state_text == NULL) {
			kc_err_prefix(err, "--state -");
			goto fail;
		}
	}
	if (o->state_src != NULL) {
		/* a state file that is wrong from the start is an error now (later it is reported
		 * and the last good version is kept) */
		struct kc_state *st = kc_watch_load_state(w, err);

		if (st == NULL) {
			kc_err_prefix(err, "--state");
			goto fail;
		}
		if (kc_state_ndiags(st) > 0) {
			struct kc_buf b;

			kc_buf_init(&b);
			kc_state_diags_text(st, &b);
			kc_err_set(err, KC_E_PARSE, "the state file has errors:\n%s", kc_buf_str(&b));
			kc_buf_free(&b);
			kc_state_free(st);
			goto fail;
		}
		kc_state_free(st);
	}
	if (pipe2(w->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		kc_err_set(err, KC_E_IO, "pipe: %s", strerror(errno));
		goto fail;
	}
	w->r = kc_xcalloc(o->nctxs, sizeof(*w->r));
	for (i = 0; i < o->nctxs; i++) {
		struct kc_watch_runner *r = &w->r[i];

		r->w = w;
		r->ctx = o->ctxs[i];
		pthread_mutex_init(&r->mu, NULL);
		w->nr++;
		r->client = client_for_ctx(w, r->ctx, err);
		if (r->client == NULL) {
			kc_err_prefix(err, "context %s", r->ctx->name != NULL ? r->ctx->name : "(--url)");
			goto fail;
		}
		r->name = kc_xstrdup(r->ctx->name != NULL ? r->ctx->name :
		    kc_client_url(r->client));
	}
	return w;
fail:
	kc_watch_free(w);
	return NULL;
}

/* Reopen the log file before the next event (async-signal-safe). */
void
kc_watch_reopen_log(struct kc_watch *w)
{
	w->reopen = 1;
}

/* Stop (async-signal-safe). */
void
kc_watch_stop(struct kc_watch *w)
{
	int saved = errno;
	ssize_t n;

	w->stopping = 1;
	if (w->stop_pipe[1] >= 0)
		n = write(w->stop_pipe[1], "x", 1);
	(void)n;
	errno = saved;
}

/* Run. */
int
kc_watch_run(struct kc_watch *w, struct kc_err *err)
{
	size_t i;
	int rc = 0;

	if (w->o.listen != NULL && kc_watch_serve_start(w, err) != 0)
		return -1;
	for (i = 0; i < w->nr; i++) {
		if (pthread_create(&w->r[i].thr, NULL, runner_main, &w->r[i]) == 0)
			w->r[i].started = 1;
		else {
			kc_err_set(err, KC_E_FAIL, "cannot start a thread for context %s",
			    w->r[i].name);
			kc_watch_stop(w);
			rc = -1;
			break;
		}
	}
	if (!w->o.once) {
		while (!w->stopping) {
			struct pollfd p = { w->stop_pipe[0], POLLIN, 0 };

			poll(&p, 1, 1000);
		}
	}
	for (i = 0; i < w->nr; i++) {
		if (w->r[i].started) {
			pthread_join(w->r[i].thr, NULL);
			w->r[i].started = 0;
		}
	}
	/* long polls of /events end now (they see `stopping`) */
	pthread_mutex_lock(&w->ev_mu);
	pthread_cond_broadcast(&w->ev_cv);
	pthread_mutex_unlock(&w->ev_mu);
	kc_watch_serve_stop(w);
	/* deliver what is queued, within reason */
	kc_notify_flush(w->notify, 5000);
	return rc;
}

/* Free. */
void
kc_watch_free(struct kc_watch *w)
{
	size_t i, j;

	if (w == NULL)
		return;
	kc_watch_serve_stop(w);
	kc_notify_free(w->notify, 2000);
	for (i = 0; i < w->nr; i++) {
		struct kc_watch_runner *r = &w->r[i];

		for (j = 0; j < r->ntracks; j++)
			free(r->tracks[j].name);
		free(r->tracks);
		kc_client_free(r->client);
		kc_state_free(r->st);
		free(r->state_err);
		free(r->drift_sig);
		free(r->name);
		json_decref(r->status);
		pthread_mutex_destroy(&r->mu);
	}
	free(w->r);
	for (i = 0; i < KC_WATCH_RING; i++)
		json_decref(w->ring[i]);
	kc_limiter_free(w->lim);
	kc_watch_tokens_free(w->tokens);
	free(w->state_text);
	if (w->stop_pipe[0] >= 0)
		close(w->stop_pipe[0]);
	if (w->stop_pipe[1] >= 0)
		close(w->stop_pipe[1]);
	if (w->logf != NULL)
		fclose(w->logf);
	pthread_cond_destroy(&w->ev_cv);
	pthread_mutex_destroy(&w->ev_mu);
	pthread_mutex_destroy(&w->sync_mu);
	free(w);
}

/* Contexts down at their last poll. */
size_t
kc_watch_unreachable(const struct kc_watch *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nr; i++)
		if (w->r[i].down)
			n++;
	return n;
}

/* The service port. */
int
kc_watch_port(const struct kc_watch *w)
{
	return w->port;
}

/* Status of every runner. */
json_t *
kc_watch_status_json(struct kc_watch *w)
{
	json_t *out = json_object(), *ctxs = json_array(), *n = json_object();
	struct kc_notify_stats st;
	size_t i;

	for (i = 0; i < w->nr; i++) {
		struct kc_watch_runner *r = &w->r[i];

		pthread_mutex_lock(&r->mu);
		if (r->status != NULL)
			json_array_append_new(ctxs, json_deep_copy(r->status));
		else
			json_array_append_new(ctxs, json_pack("{s:s,s:b}", "context", r->name,
			    "reachable", 0));
		pthread_mutex_unlock(&r->mu);
	}
	json_object_set_new(out, "contexts", ctxs);
	kc_notify_get_stats(w->notify, &st);
	json_object_set_new(n, "enabled", json_boolean(w->notify != NULL));
	json_object_set_new(n, "queued", json_integer(st.queued));
	json_object_set_new(n, "delivered", json_integer(st.delivered));
	json_object_set_new(n, "failed", json_integer(st.failed));
	json_object_set_new(n, "dropped", json_integer(st.dropped));
	json_object_set_new(out, "notifications", n);
	pthread_mutex_lock(&w->ev_mu);
	json_object_set_new(out, "events", json_integer(w->seq));
	pthread_mutex_unlock(&w->ev_mu);
	return out;
}

/* Recent events after `since`, waiting up to wait_ms for one. */
json_t *
kc_watch_events_json(struct kc_watch *w, int64_t since, long wait_ms)
{
	json_t *out = json_object(), *arr = json_array();
	int64_t s, first;

	pthread_mutex_lock(&w->ev_mu);
	if (wait_ms > 0 && w->seq <= since) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (w->seq <= since && !w->stopping) {
			if (pthread_cond_timedwait(&w->ev_cv, &w->ev_mu, &ts) == ETIMEDOUT)
				break;
		}
	}
	first = w->seq - KC_WATCH_RING + 1;
	if (first < 1)
		first = 1;
	s = since + 1 > first ? since + 1 : first;
	for (; s <= w->seq; s++)
		if (w->ring[s % KC_WATCH_RING] != NULL)
			json_array_append_new(arr, json_deep_copy(w->ring[s % KC_WATCH_RING]));
	json_object_set_new(out, "events", arr);
	json_object_set_new(out, "next", json_integer(w->seq));
	pthread_mutex_unlock(&w->ev_mu);
	return out;
}
