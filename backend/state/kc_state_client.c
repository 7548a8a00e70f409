/* kc_state_client.c - the state code over the Connect client: an apply executor with
 * bounded concurrency, the live snapshot, and Connect-side validation.
 *
 * DESIGN: the executor keeps its own queue and hands at most `parallel` requests at a time to
 * the client's multi handle (which reuses connections and retries rebalance 409s); as one
 * finishes the next is submitted, so the pipe stays full without a burst of thousands of
 * transfers. Completion callbacks run from kc_client_perform() on the calling thread. */
#include "kc_state_int.h"
#include "kc_client.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

#include <stdlib.h>
#include <string.h>

struct xreq {
	char			*method, *path;
	char			*body;		/* JSON text or NULL; wiped when freed */
	kc_state_done_fn	 done;
	void			*arg;
	struct cexec		*owner;
};

struct cexec {
	struct kc_state_exec	 ex;	/* first: the public part */
	struct kc_client	*c;
	int			 parallel;
	struct xreq		**q;	/* each allocated: callbacks keep pointers */
	size_t			 nq, cap, next;
	int			 inflight;
	volatile int		*cancel;
};

static void fill(struct cexec *x);

/* Client completion: report to the step. The answer of a 2xx stays text (apply reads an
 * error's message only), so a thousand creates do not parse a thousand echoed configs. */
static void
on_client_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct xreq *r = arg;
	int status = resp != NULL ? (int)resp->status : 0;

	(void)c;
	r->owner->inflight--;
	if (status == 0 && err == NULL)
		status = 200;
	r->done(r->arg, status, resp != NULL ? resp->body : NULL,
	    status == 0 ? (err != NULL ? err->msg : "no answer") : NULL);
	/* the next request (or the follow-up the step just queued) into the freed slot now:
	 * kc_client_perform starts it before it returns, without another wait and perform */
	fill(r->owner);
}

/* Drop a request's body (it may hold resolved secrets). */
static void
wipe_body(struct xreq *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, strlen(r->body));
		free(r->body);
		r->body = NULL;
	}
}

/* Queue a request. */
static int
cexec_submit(void *arg, const char *method, const char *path, const char *body,
    kc_state_done_fn done, void *done_arg)
{
	struct cexec *x = arg;

	if (x->nq == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		x->q = kc_xrealloc(x->q, x->cap * sizeof *x->q);
	}
	x->q[x->nq] = kc_xmalloc(sizeof **x->q);
	*x->q[x->nq++] = (struct xreq){ kc_xstrdup(method), kc_xstrdup(path), kc_xstrdup(body),
	    done, done_arg, x };
	return 0;
}

/* Submit queued requests until `parallel` are in flight. */
static void
fill(struct cexec *x)
{
	while (x->next < x->nq && x->cancel != NULL && *x->cancel) {
		struct xreq *r = x->q[x->next++];

		wipe_body(r);
		r->done(r->arg, 0, NULL, "not sent: interrupted");
	}
	while (x->next < x->nq && x->inflight < x->parallel) {
		struct xreq *r = x->q[x->next++];

		x->inflight++;
		if (kc_client_submit_text(x->c, r->method, r->path, r->body, 1, on_client_done,
		    r) < 0) {
			x->inflight--;
			r->done(r->arg, 0, NULL, "could not submit the request");
		}
		/* the client has its own copy: drop ours now */
		wipe_body(r);
	}
}

/* Move what was submitted forward without waiting. */
static void
cexec_poll(void *arg)
{
	struct cexec *x = arg;

	fill(x);
	kc_client_perform(x->c);
	fill(x);
}

/* Run everything queued; returns when all are done. */
static void
cexec_run(void *arg)
{
	struct cexec *x = arg;
	size_t i;

	fill(x);
	while (x->inflight > 0 || x->next < x->nq) {
		kc_client_wait(x->c, NULL, 0, 1000);
		kc_client_perform(x->c);
		fill(x);
	}
	for (i = 0; i < x->nq; i++) {
		free(x->q[i]->method);
		free(x->q[i]->path);
		wipe_body(x->q[i]);
		free(x->q[i]);
	}
	x->nq = x->next = 0;
}

struct kc_state_exec *
kc_state_exec_client_new(struct kc_client *c, int parallel)
{
	struct cexec *x = kc_xcalloc(1, sizeof *x);

	x->c = c;
	x->parallel = parallel > 0 ? parallel : 16;
	x->ex.arg = x;
	x->ex.submit = cexec_submit;
	x->ex.run = cexec_run;
	x->ex.poll = cexec_poll;
	return &x->ex;
}

void
kc_state_exec_client_set_cancel(struct kc_state_exec *ex, volatile int *cancel)
{
	((struct cexec *)ex)->cancel = cancel;
}

void
kc_state_exec_client_free(struct kc_state_exec *ex)
{
	struct cexec *x = (struct cexec *)ex;

	if (x == NULL)
		return;
	free(x->q);
	free(x);
}

json_t *
kc_state_live(struct kc_client *c, struct kc_err *err)
{
	return kc_client_list_expanded(c, err);
}

/* One validate call in flight. */
struct vreq {
	struct kc_state	*st;
	size_t		 idx;
	int		*added;
	int		*inflight;
	int		*transport_errors;
	char		 last_error[256];
};

/* Validate completion: map Connect's answer onto diagnostics. */
static void
on_validate(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct vreq *v = arg;
	const struct kc_state_connector *conn = kc_state_connector(v->st, v->idx);

	(void)c;
	(*v->inflight)--;
	if (err == NULL && resp != NULL && resp->json != NULL) {
		*v->added += kc_state_add_validate_result(v->st, v->idx, resp->json);
		return;
	}
	if (resp == NULL || resp->status == 0) {
		(*v->transport_errors)++;
		snprintf(v->last_error, sizeof v->last_error, "%s", err ? err->msg : "no answer");
		return;
	}
	/* 400/500: unknown class, missing class, ... reported at connector.class */
	const char *origin = kc_state_key_origin(v->st, v->idx, "connector.class");
	char *ptr = origin[0] ? kc_xstrdup(origin) : kc_xasprintf("%s/config", conn->ptr);
	char *msg = kc_text_sanitize(err != NULL ? err->msg : "validation failed", 0);
	if (strlen(msg) > 400)
		strcpy(msg + 397, "...");
	kc_state_add_diag_file(v->st, conn->file, ptr, "Connect: HTTP %ld: %s", resp->status, msg);
	(*v->added)++;
	free(msg);
	free(ptr);
}

int
kc_state_validate_remote(struct kc_state *st, struct kc_client *c, int parallel,
    struct kc_err *err)
{
	size_t n = kc_state_count(st), i, next = 0;
	struct vreq *reqs = kc_xcalloc(n + 1, sizeof *reqs);
	int added = 0, inflight = 0, transport = 0;

	if (kc_client_detect(c, err) < 0) {
		free(reqs);
		return -1;
	}
	if (parallel <= 0)
		parallel = 8;
	for (;;) {
		while (next < n && inflight < parallel) {
			i = next++;
			const struct kc_state_connector *conn = kc_state_connector(st, i);
			const char *cls = kc_json_str(conn->config, "connector.class");
			struct kc_err rerr;
			json_t *cfg;

			if (cls == NULL || *cls == '\0' || conn->name == NULL)
				continue;
			kc_err_clear(&rerr);
			cfg = kc_state_resolved_config(st, i, &rerr);
			if (cfg == NULL) {
				kc_state_add_diag_file(st, conn->file, conn->ptr, "not checked against "
				    "the cluster: %s",
				    rerr.msg);
				added++;
				continue;
			}
			char *enc = kc_url_encode_segment(cls);
			char *path = kc_xasprintf("/connector-plugins/%s/config/validate", enc);
			reqs[i] = (struct vreq){ st, i, &added, &inflight, &transport, "" };
			inflight++;
			if (kc_client_submit(c, "PUT", path, cfg, on_validate, &reqs[i]) < 0)
				inflight--;
			free(path);
			free(enc);
			json_decref(cfg);
		}
		if (inflight == 0 && next >= n)
			break;
		kc_client_wait(c, NULL, 0, 1000);
		kc_client_perform(c);
	}
	if (transport > 0) {
		for (i = 0; i < n; i++)
			if (reqs[i].last_error[0]) {
				kc_err_set(err, KC_E_IO, "%s", reqs[i].last_error);
				break;
			}
		free(reqs);
		return -1;
	}
	free(reqs);
	return added;
}
