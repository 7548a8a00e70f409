/* test_state.c - unit tests of backend/state: parsing, validation, plan, apply, export.
 *
 * Golden files: tests/state/validate/NAME.json -> NAME.expected (the diagnostics text) and
 * tests/state/plan/CASE/{state.json,live.json[,opts.json]} -> expected.txt / expected.json.
 * KCOPS_UPDATE_GOLDEN=1 rewrites the expected files (review the diff before committing).
 *
 * A fake Connect executor (struct fake) applies requests to an in-memory snapshot shaped like
 * GET /connectors?expand=status&expand=info, so every plan can be applied and planned again,
 * which must give no change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_state.h"
#include "kc_state_int.h"
#include "kc_util.h"

static const char *srcdir;
static int update_golden;

/* Read a file under tests/state; NULL when absent. */
static char *
slurp(const char *rel, size_t *len)
{
	char *path = kc_xasprintf("%s/tests/state/%s", srcdir, rel);
	char *s = kc_read_file(path, len);

	free(path);
	return s;
}

/* Compare text with a golden file (or rewrite it). */
static void
golden(const char *rel, const char *got)
{
	char *want = slurp(rel, NULL);

	if (update_golden) {
		char *path = kc_xasprintf("%s/tests/state/%s", srcdir, rel);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		free(path);
		free(want);
		return;
	}
	if (want == NULL)
		fail_msg("missing golden file %s (run with KCOPS_UPDATE_GOLDEN=1)", rel);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "--- %s (expected)\n%s--- got\n%s---\n", rel, want, got);
		fail_msg("%s differs", rel);
	}
	free(want);
}

/* qsort comparator for C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of a directory matching suffix (or directories when suffix is NULL). */
static char **
list_dir(const char *rel, const char *suffix, size_t *n)
{
	char *path = kc_xasprintf("%s/tests/state/%s", srcdir, rel);
	DIR *d = opendir(path);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (suffix != NULL && !kc_str_has_suffix(e->d_name, suffix))
			continue;
		if (suffix == NULL) {
			struct stat sb;
			char *p = kc_xasprintf("%s/%s", path, e->d_name);
			int isdir = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
			free(p);
			if (!isdir)
				continue;
		}
		v = kc_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = kc_xstrdup(e->d_name);
	}
	closedir(d);
	free(path);
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

/* ---- fake Connect ------------------------------------------------------------------------ */

struct fake_req {
	char			*method, *path, *body;
	kc_state_done_fn	 done;
	void			*arg;
};

struct fake {
	json_t		*live;
	struct fake_req	*q;
	size_t		 nq;
	json_t		*log;	/* "METHOD PATH" in the order run */
	int		 runs;
};

/* Queue a request. */
static int
fake_submit(void *arg, const char *method, const char *path, const char *body,
    kc_state_done_fn done, void *done_arg)
{
	struct fake *f = arg;

	f->q = kc_xrealloc(f->q, (f->nq + 1) * sizeof *f->q);
	f->q[f->nq++] = (struct fake_req){ kc_xstrdup(method), kc_xstrdup(path),
	    kc_xstrdup(body), done, done_arg };
	return 0;
}

/* A status object for a connector in a state, with one running (or paused) task. */
static json_t *
fake_status(const char *name, const char *state)
{
	json_t *tasks = json_array();

	if (strcmp(state, "STOPPED") != 0)
		json_array_append_new(tasks, json_pack("{s:i, s:s, s:s}", "id", 0, "state",
		    strcmp(state, "PAUSED") == 0 ? "PAUSED" : "RUNNING", "worker_id", "w:1"));
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:s}", "name", name, "connector", "state",
	    state, "worker_id", "w:1", "tasks", tasks, "type", "sink");
}

/* Execute one request against the snapshot; returns the HTTP status. */
static int
fake_exec(struct fake *f, const char *method, const char *path, const char *body,
    const char **msg)
{
	char name[512];
	const char *rest;
	json_t *e;

	*msg = NULL;
	if (strcmp(method, "POST") == 0 && strcmp(path, "/connectors") == 0) {
		json_t *doc = json_loads(body, 0, NULL);
		const char *n = kc_json_str(doc, "name");
		const char *init = kc_json_str(doc, "initial_state");
		if (n == NULL) {
			json_decref(doc);
			return 400;
		}
		if (strstr(n, "fail") != NULL) {
			json_decref(doc);
			*msg = "{\"error_code\":500,\"message\":\"Failed to find any class that "
			    "implements Connector\"}";
			return 500;
		}
		if (json_object_get(f->live, n) != NULL) {
			json_decref(doc);
			return 409;
		}
		json_t *cfg = json_deep_copy(json_object_get(doc, "config"));
		json_object_set_new(cfg, "name", json_string(n));
		json_object_set_new(f->live, n, json_pack("{s:o, s:{s:s, s:o, s:[], s:s}}",
		    "status", fake_status(n, init ? init : "RUNNING"), "info", "name", n, "config",
		    cfg, "tasks", "type", "sink"));
		json_decref(doc);
		return 201;
	}
	if (strncmp(path, "/connectors/", 12) != 0)
		return 404;
	rest = strchr(path + 12, '/');
	snprintf(name, sizeof name, "%.*s", (int)(rest ? rest - path - 12 : (long)strlen(path + 12)),
	    path + 12);
	assert_int_equal(kc_url_decode_inplace(name), 0);
	e = json_object_get(f->live, name);
	if (e == NULL)
		return 404;
	if (strstr(name, "fail") != NULL) {
		*msg = "{\"error_code\":500,\"message\":\"boom\"}";
		return 500;
	}
	if (rest == NULL && strcmp(method, "DELETE") == 0) {
		json_object_del(f->live, name);
		return 204;
	}
	if (rest != NULL && strcmp(rest, "/config") == 0 && strcmp(method, "PUT") == 0) {
		json_t *cfg = json_loads(body, 0, NULL);
		json_object_set_new(cfg, "name", json_string(name));
		json_object_set_new(json_object_get(e, "info"), "config", cfg);
		return 200;
	}
	if (rest != NULL && (strcmp(rest, "/pause") == 0 || strcmp(rest, "/resume") == 0 ||
	    strcmp(rest, "/stop") == 0)) {
		const char *st = rest[1] == 'p' ? "PAUSED" : rest[1] == 'r' ? "RUNNING" : "STOPPED";
		json_object_set_new(e, "status", fake_status(name, st));
		return rest[1] == 's' ? 204 : 202;
	}
	if (rest != NULL && kc_str_has_prefix(rest, "/restart?")) {
		/* like Connect: a restarted connector comes up in its target state */
		const char *now = kc_state_live_state(e);
		json_object_set_new(e, "status", fake_status(name, kc_str_eq(now, "PAUSED") ?
		    "PAUSED" : "RUNNING"));
		return 202;
	}
	return 404;
}

/* Run every queued request (completions may not submit more in this fake). */
static void
fake_run(void *arg)
{
	struct fake *f = arg;
	size_t i, n;
	struct fake_req *q;

	f->runs++;
again:
	n = f->nq;
	q = f->q;
	f->q = NULL;
	f->nq = 0;
	for (i = 0; i < n; i++) {
		const char *msg;
		int st = fake_exec(f, q[i].method, q[i].path, q[i].body, &msg);
		char *line = kc_xasprintf("%s %s", q[i].method, q[i].path);
		json_array_append_new(f->log, json_string(line));
		free(line);
		q[i].done(q[i].arg, st, msg, NULL);
		free(q[i].method);
		free(q[i].path);
		free(q[i].body);
	}
	free(q);
	if (f->nq > 0)		/* submitted from a completion */
		goto again;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void
test_validate_golden(void **unused)
{
	char **files;
	size_t n, i;

	(void)unused;
	files = list_dir("validate", ".json", &n);
	assert_true(n >= 10);
	for (i = 0; i < n; i++) {
		char *rel = kc_xasprintf("validate/%s", files[i]);
		char *exp = kc_xasprintf("validate/%.*s.expected", (int)(strlen(files[i]) - 5),
		    files[i]);
		size_t len;
		char *text = slurp(rel, &len);
		struct kc_state *st = kc_state_parse(text, len, files[i]);
		struct kc_buf b;

		kc_buf_init(&b);
		kc_state_diags_text(st, &b);
		kc_state_warnings_text(st, &b);
		golden(exp, kc_buf_str(&b));
		if (strcmp(files[i], "valid.json") == 0)
			assert_int_equal(kc_state_ndiags(st), 0);
		else
			assert_true(kc_state_ndiags(st) > 0);
		kc_buf_free(&b);
		kc_state_free(st);
		free(text);
		free(rel);
		free(exp);
		free(files[i]);
	}
	free(files);
}

/* Load a case's state and live snapshot. */
static struct kc_state *
load_case(const char *dir, json_t **live, struct kc_state_plan_opts *o)
{
	char *rel = kc_xasprintf("plan/%s/state.json", dir);
	size_t len;
	char *text = slurp(rel, &len);
	struct kc_state *st;
	json_t *opts;

	assert_non_null(text);
	st = kc_state_parse(text, len, "state.json");
	free(text);
	free(rel);
	rel = kc_xasprintf("%s/tests/state/plan/%s/live.json", srcdir, dir);
	*live = json_load_file(rel, 0, NULL);
	assert_non_null(*live);
	free(rel);
	rel = kc_xasprintf("%s/tests/state/plan/%s/opts.json", srcdir, dir);
	opts = json_load_file(rel, 0, NULL);
	free(rel);
	memset(o, 0, sizeof *o);
	if (opts != NULL) {
		const char *k;
		json_t *v;

		o->prune = json_is_true(json_object_get(opts, "prune"));
		json_object_foreach(json_object_get(opts, "env"), k, v)
			setenv(k, json_string_value(v), 1);
		json_decref(opts);
	}
	return st;
}

static void
test_plan_golden(void **unused)
{
	char **dirs;
	size_t n, i, k;

	(void)unused;
	setenv("KCOPS_TEST_SECRET", "s3cr3t-value", 1);
	setenv("KCOPS_TEST_NEW_SECRET", "n3w-s3cr3t", 1);
	dirs = list_dir("plan", NULL, &n);
	assert_true(n >= 8);
	for (i = 0; i < n; i++) {
		struct kc_state_plan_opts o;
		struct kc_err err;
		json_t *live, *pj;
		struct kc_state *st = load_case(dirs[i], &live, &o);
		struct kc_state_plan *p;
		struct kc_buf b;
		char *rel, *js;

		kc_err_clear(&err);
		if (kc_state_ndiags(st) > 0) {
			kc_buf_init(&b);
			kc_state_diags_text(st, &b);
			fail_msg("case %s: state has errors:\n%s", dirs[i], kc_buf_str(&b));
		}
		p = kc_state_plan_new(st, live, &o, &err);
		if (p == NULL)
			fail_msg("case %s: %s", dirs[i], err.msg);
		kc_buf_init(&b);
		kc_state_plan_text(p, &b, 0);
		rel = kc_xasprintf("plan/%s/expected.txt", dirs[i]);
		golden(rel, kc_buf_str(&b));
		free(rel);
		/* secrets never appear in any rendering */
		assert_null(strstr(kc_buf_str(&b), "s3cr3t"));
		kc_buf_reset(&b);
		kc_state_plan_text(p, &b, KC_STATE_RENDER_COLOR);
		assert_null(strstr(kc_buf_str(&b), "s3cr3t"));
		kc_buf_free(&b);
		pj = kc_state_plan_json(p);
		json_object_del(pj, "fingerprint");
		js = json_dumps(pj, JSON_INDENT(2));
		json_decref(pj);
		rel = kc_xasprintf("plan/%s/expected.json", dirs[i]);
		{
			char *withnl = kc_xasprintf("%s\n", js);
			golden(rel, withnl);
			free(withnl);
		}
		assert_null(strstr(js, "s3cr3t"));
		free(js);
		free(rel);

		/* apply through the fake Connect, then the plan must be empty */
		struct fake f = { live, NULL, 0, json_array(), 0 };
		struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
		struct kc_state_report *r = kc_state_apply(p, &ex, NULL);
		json_t *rj = kc_state_report_json(r);
		size_t nf = kc_state_report_nfailed(r);
		char *rjs = kc_json_dump(rj);
		assert_null(strstr(rjs, "s3cr3t"));
		free(rjs);
		json_decref(rj);
		kc_state_report_free(r);
		kc_state_plan_free(p);
		p = kc_state_plan_new(st, live, &o, &err);
		assert_non_null(p);
		if (nf == 0 && kc_state_plan_count(p) != 0) {
			kc_buf_init(&b);
			kc_state_plan_text(p, &b, 0);
			fail_msg("case %s: plan after apply is not empty:\n%s", dirs[i],
			    kc_buf_str(&b));
		}
		for (k = 0; k < kc_state_plan_count(p); k++)	/* only failing steps remain */
			assert_non_null(strstr(kc_state_plan_step(p, k)->name, "fail"));
		kc_state_plan_free(p);
		json_decref(f.log);
		json_decref(live);
		kc_state_free(st);
		free(dirs[i]);
	}
	free(dirs);
}

/* A small state and live snapshot built in code. */
static const char *mixed_state =
    "{\"version\": 1, \"connectors\": ["
    " {\"name\": \"new-a\", \"config\": {\"connector.class\": \"X\"}},"
    " {\"name\": \"new-paused\", \"state\": \"paused\", \"config\": {\"connector.class\": \"X\"}},"
    " {\"name\": \"fail-new\", \"config\": {\"connector.class\": \"X\"}},"
    " {\"name\": \"upd\", \"config\": {\"connector.class\": \"X\", \"topics\": \"b\"}},"
    " {\"name\": \"fail-upd\", \"config\": {\"connector.class\": \"X\", \"topics\": \"b\"}},"
    " {\"name\": \"to-pause\", \"state\": \"paused\", \"config\": {\"connector.class\": \"X\"}}"
    "], \"prune\": {\"match\": [\"old-*\"]}}";

/* The live side for mixed_state. */
static json_t *
mixed_live(void)
{
	json_t *live = json_object();
	const char *names[] = { "upd", "fail-upd", "to-pause", "old-1", "keep" };
	size_t i;

	for (i = 0; i < KC_NITEMS(names); i++)
		json_object_set_new(live, names[i], json_pack("{s:o, s:{s:s, s:{s:s, s:s, s:s}}}",
		    "status", fake_status(names[i], "RUNNING"), "info", "name", names[i], "config",
		    "connector.class", "X", "topics", "a", "name", names[i]));
	/* to-pause has no topics in the file */
	json_object_del(json_object_get(json_object_get(json_object_get(live, "to-pause"), "info"),
	    "config"), "topics");
	return live;
}

static void
test_apply_order_and_partial_failure(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live(), *rj, *v;
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	struct kc_state_plan *p;
	struct kc_state_report *r;
	struct kc_buf b;
	size_t i;

	(void)unused;
	assert_int_equal(kc_state_ndiags(st), 0);
	p = kc_state_plan_new(st, live, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_CREATE), 3);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_UPDATE), 2);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_PAUSE), 1);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_DELETE), 1);
	assert_int_equal(kc_state_plan_nunmanaged(p), 1);
	assert_string_equal(kc_state_plan_unmanaged(p, 0), "keep");
	r = kc_state_apply(p, &ex, NULL);
	assert_int_equal(kc_state_report_nfailed(r), 2);
	rj = kc_state_report_json(r);
	assert_int_equal(json_array_size(json_object_get(rj, "added")), 2);
	assert_int_equal(json_array_size(json_object_get(rj, "updated")), 1);
	assert_int_equal(json_array_size(json_object_get(rj, "paused")), 1);
	assert_int_equal(json_array_size(json_object_get(rj, "removed")), 1);
	json_array_foreach(json_object_get(rj, "failed"), i, v) {
		assert_non_null(strstr(kc_json_str(v, "name"), "fail"));
		assert_non_null(strstr(kc_json_str(v, "error"), "HTTP 500"));
	}
	/* phases: creates, update, pause, delete -> 4 executor runs; order in the log */
	assert_int_equal(f.runs, 4);
	assert_string_equal(json_string_value(json_array_get(f.log, 0)), "POST /connectors");
	assert_string_equal(json_string_value(json_array_get(f.log, 3)),
	    "PUT /connectors/upd/config");
	assert_string_equal(json_string_value(json_array_get(f.log, 5)),
	    "PUT /connectors/to-pause/pause");
	assert_string_equal(json_string_value(json_array_get(f.log, 6)), "DELETE /connectors/old-1");
	/* created in the requested initial state */
	assert_string_equal(kc_state_live_state(json_object_get(live, "new-paused")), "PAUSED");
	kc_buf_init(&b);
	kc_state_report_text(r, &b);
	assert_non_null(strstr(kc_buf_str(&b), "2 added, 1 updated, 1 paused"));
	assert_non_null(strstr(kc_buf_str(&b), "failed: create fail-new: HTTP 500"));
	kc_buf_free(&b);
	json_decref(rj);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	json_decref(f.log);
	json_decref(live);
	kc_state_free(st);
}

static void
test_dry_run(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live(), *rj;
	struct kc_state_apply_opts o = { .dry_run = 1 };
	struct kc_state_plan *p = kc_state_plan_new(st, live, NULL, NULL);
	struct kc_state_report *r;
	char *before = kc_json_dump(live), *after;

	(void)unused;
	r = kc_state_apply(p, NULL, &o);
	rj = kc_state_report_json(r);
	assert_true(json_is_true(json_object_get(rj, "dry_run")));
	assert_int_equal(json_array_size(json_object_get(rj, "added")), 3);
	after = kc_json_dump(live);
	assert_string_equal(before, after);
	free(before);
	free(after);
	json_decref(rj);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	json_decref(live);
	kc_state_free(st);
}

static void
test_apply_without_initial_state(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live(), *rj;
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	struct kc_state_apply_opts o = { .no_initial_state = 1 };
	struct kc_state_plan *p = kc_state_plan_new(st, live, NULL, NULL);
	struct kc_state_report *r;
	size_t i;
	int seen_post = 0, seen_pause = 0;

	(void)unused;
	r = kc_state_apply(p, &ex, &o);
	rj = kc_state_report_json(r);
	assert_int_equal(json_array_size(json_object_get(rj, "added")), 2);
	assert_string_equal(kc_state_live_state(json_object_get(live, "new-paused")), "PAUSED");
	for (i = 0; i < json_array_size(f.log); i++) {
		const char *l = json_string_value(json_array_get(f.log, i));
		if (strcmp(l, "POST /connectors") == 0 && seen_post == 0)
			seen_post = (int)i + 1;
		if (strcmp(l, "PUT /connectors/new-paused/pause") == 0)
			seen_pause = (int)i + 1;
	}
	assert_true(seen_post > 0 && seen_pause > seen_post);
	json_decref(rj);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	json_decref(f.log);
	json_decref(live);
	kc_state_free(st);
}

/* A reference that no longer resolves when the plan runs fails that step only, by name. */
static void
test_apply_unresolvable_ref(void **unused)
{
	const char *text = "{\"version\": 1, \"connectors\": ["
	    "{\"name\": \"r1\", \"config\": {\"connector.class\": \"X\", \"pw\": "
	    "\"${kcops:env:KCOPS_T_GONE}\"}},"
	    "{\"name\": \"r2\", \"config\": {\"connector.class\": \"X\"}}]}";
	struct kc_state *st = kc_state_parse(text, strlen(text), "r.json");
	json_t *live = json_object(), *rj, *f0;
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	struct kc_state_plan *p;
	struct kc_state_report *r;

	(void)unused;
	setenv("KCOPS_T_GONE", "was-here-123", 1);
	p = kc_state_plan_new(st, live, NULL, NULL);
	assert_non_null(p);
	unsetenv("KCOPS_T_GONE");
	r = kc_state_apply(p, &ex, NULL);
	rj = kc_state_report_json(r);
	assert_int_equal(json_array_size(json_object_get(rj, "failed")), 1);
	f0 = json_array_get(json_object_get(rj, "failed"), 0);
	assert_string_equal(kc_json_str(f0, "name"), "r1");
	assert_non_null(strstr(kc_json_str(f0, "error"), "KCOPS_T_GONE"));
	assert_int_equal(json_array_size(json_object_get(rj, "added")), 1);
	assert_null(json_object_get(live, "r1"));
	json_decref(rj);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	json_decref(f.log);
	json_decref(live);
	kc_state_free(st);
}

/* Progress callback that interrupts after the first step. */
static void
cancel_after_first(void *arg, size_t done, size_t total, const struct kc_state_step *s,
    const char *error)
{
	(void)done;
	(void)total;
	(void)s;
	(void)error;
	*(volatile int *)arg = 1;
}

/* An interrupt stops steps not yet submitted; what ran is reported as done. */
static void
test_apply_cancel(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live(), *rj, *f0;
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	volatile int cancel = 0;
	struct kc_state_apply_opts o = { .progress = cancel_after_first,
	    .progress_arg = (void *)&cancel, .cancel = &cancel };
	struct kc_state_plan *p = kc_state_plan_new(st, live, NULL, NULL);
	struct kc_state_report *r;
	size_t i, nint = 0;

	(void)unused;
	r = kc_state_apply(p, &ex, &o);
	rj = kc_state_report_json(r);
	/* the create phase was submitted before the flag rose; later phases never ran */
	assert_int_equal(json_array_size(json_object_get(rj, "added")), 2);
	assert_int_equal(json_array_size(json_object_get(rj, "updated")), 0);
	assert_int_equal(json_array_size(json_object_get(rj, "removed")), 0);
	json_array_foreach(json_object_get(rj, "failed"), i, f0)
		nint += strcmp(kc_json_str(f0, "error"), "not run: interrupted") == 0;
	assert_int_equal(nint, 4);	/* 2 updates, 1 pause, 1 delete */
	assert_int_equal(f.runs, 1);
	assert_non_null(json_object_get(live, "old-1"));
	json_decref(rj);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	json_decref(f.log);
	json_decref(live);
	kc_state_free(st);
}

/* A long failure list is cut in the text report, complete in JSON. */
static void
test_report_many_failures(void **unused)
{
	struct kc_buf text;
	struct kc_state *st;
	struct kc_state_plan *p;
	struct kc_state_report *r;
	json_t *live = json_object(), *rj;
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	int i;

	(void)unused;
	kc_buf_init(&text);
	kc_buf_puts(&text, "{\"version\": 1, \"connectors\": [");
	for (i = 0; i < 30; i++)
		kc_buf_printf(&text, "%s{\"name\": \"fail-%02d\", \"config\": {\"connector.class\": "
		    "\"X\"}}", i ? "," : "", i);
	kc_buf_puts(&text, "]}");
	st = kc_state_parse(text.data, text.len, "many.json");
	p = kc_state_plan_new(st, live, NULL, NULL);
	r = kc_state_apply(p, &ex, NULL);
	kc_buf_reset(&text);
	kc_state_report_text(r, &text);
	assert_non_null(strstr(kc_buf_str(&text), "failed: create fail-19:"));
	assert_null(strstr(kc_buf_str(&text), "fail-20:"));
	assert_non_null(strstr(kc_buf_str(&text), "... and 10 more failures"));
	rj = kc_state_report_json(r);
	assert_int_equal(json_array_size(json_object_get(rj, "failed")), 30);
	json_decref(rj);
	kc_buf_free(&text);
	kc_state_report_free(r);
	kc_state_plan_free(p);
	kc_state_free(st);
	json_decref(f.log);
	json_decref(live);
}

/* Progress callback counting calls. */
static void
count_progress(void *arg, size_t done, size_t total, const struct kc_state_step *s,
    const char *error)
{
	size_t *calls = arg;

	(void)s;
	(void)error;
	assert_true(done <= total);
	(*calls)++;
}

static void
test_progress_and_requests(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live();
	struct fake f = { live, NULL, 0, json_array(), 0 };
	struct kc_state_exec ex = { &f, fake_submit, fake_run, NULL };
	size_t calls = 0;
	struct kc_state_apply_opts o = { .progress = count_progress, .progress_arg = &calls };
	struct kc_state_plan *p = kc_state_plan_new(st, live, NULL, NULL);
	const struct kc_state_step *s;
	char *m, *path, *body;

	(void)unused;
	kc_state_report_free(kc_state_apply(p, &ex, &o));
	assert_int_equal(calls, kc_state_plan_count(p));
	/* request shapes */
	s = kc_state_plan_step(p, 1);	/* new-paused */
	assert_string_equal(s->name, "new-paused");
	assert_int_equal(kc_state_step_request(s, &m, &path, &body, NULL), 0);
	assert_string_equal(m, "POST");
	assert_non_null(strstr(body, "\"initial_state\":\"PAUSED\""));
	free(m);
	free(path);
	free(body);
	kc_state_plan_free(p);
	json_decref(f.log);
	json_decref(live);
	kc_state_free(st);
}

static void
test_step_request_names(void **unused)
{
	struct kc_state_step s;
	char *m, *path, *body;

	(void)unused;
	memset(&s, 0, sizeof s);
	s.action = KC_STATE_RESTART;
	s.name = (char *)"a b/ü?";
	assert_int_equal(kc_state_step_request(&s, &m, &path, &body, NULL), 0);
	assert_string_equal(path, "/connectors/a%20b%2F%C3%BC%3F/restart?includeTasks=true&"
	    "onlyFailed=true");
	assert_null(body);
	free(m);
	free(path);
}

static void
test_secrets(void **unused)
{
	struct kc_err err;
	char *s, tmpl[] = "/tmp/kcops-secret-XXXXXX";
	int fd;

	(void)unused;
	setenv("KCOPS_T_PW", "hunter2", 1);
	unsetenv("KCOPS_T_UNSET");
	s = kc_state_resolve("a${kcops:env:KCOPS_T_PW}b ${file:/x:y}", NULL);
	assert_string_equal(s, "ahunter2b ${file:/x:y}");
	free(s);
	kc_err_clear(&err);
	assert_null(kc_state_resolve("${kcops:env:KCOPS_T_UNSET}", &err));
	assert_non_null(strstr(err.msg, "KCOPS_T_UNSET"));
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "filepw\n", 7), 7);
	close(fd);
	char *ref = kc_xasprintf("${kcops:file:%s}", tmpl);
	s = kc_state_resolve(ref, NULL);
	assert_string_equal(s, "filepw");
	free(s);
	free(ref);
	unlink(tmpl);
	kc_err_clear(&err);
	assert_null(kc_state_resolve("${kcops:file:/nonexistent/x}", &err));
	assert_null(strstr(err.msg, "hunter2"));

	assert_true(kc_state_key_is_sensitive("database.password"));
	assert_true(kc_state_key_is_sensitive("sasl.jaas.config"));
	assert_true(kc_state_key_is_sensitive("auth.TOKEN"));
	assert_false(kc_state_key_is_sensitive("key.converter"));
	assert_false(kc_state_key_is_sensitive("topics"));
	/* every word, anywhere in the key, any case; near misses are not */
	assert_true(kc_state_key_is_sensitive("ssl.keystore.PASSWD"));
	assert_true(kc_state_key_is_sensitive("x.PassPhrase.y"));
	assert_true(kc_state_key_is_sensitive("tls.private.key"));
	assert_true(kc_state_key_is_sensitive("client_secret"));
	assert_true(kc_state_key_is_sensitive("aws.Credential.file"));
	assert_true(kc_state_key_is_sensitive("mongodb.connection.uri"));
	assert_true(kc_state_key_is_sensitive("basic.auth.user.info"));
	assert_true(kc_state_key_is_sensitive("my.apikey"));
	assert_true(kc_state_key_is_sensitive("s3.access.key"));
	assert_true(kc_state_key_is_sensitive("hmac.auth.key"));
	assert_true(kc_state_key_is_sensitive("ssl.key.password"));
	assert_true(kc_state_key_is_sensitive("api.key"));
	assert_false(kc_state_key_is_sensitive(""));
	assert_false(kc_state_key_is_sensitive("passw"));
	assert_true(kc_state_key_is_sensitive("tokens.max"));	/* contains "token": masked */
	assert_true(kc_state_key_is_sensitive("api.keys.topic"));
	assert_false(kc_state_key_is_sensitive("access.ke"));
	assert_false(kc_state_key_is_sensitive("connection.url"));
	{	/* longer than any fixed buffer: the word near the end still counts */
		char longkey[600];
		memset(longkey, 'x', sizeof longkey);
		memcpy(longkey + 580, ".secret", 8);
		assert_true(kc_state_key_is_sensitive(longkey));
	}
	assert_true(kc_state_value_is_masked("[hidden]"));
	assert_true(kc_state_value_is_masked("********"));
	assert_true(kc_state_value_is_masked("\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"));
	assert_false(kc_state_value_is_masked("**a"));
	assert_false(kc_state_value_is_masked("x"));
}

/* A plan whose only secret differs shows the change without either value. */
static void
test_secret_change_masked(void **unused)
{
	const char *text = "{\"version\": 1, \"connectors\": [{\"name\": \"a\", \"config\": "
	    "{\"connector.class\": \"X\", \"conn.pw\": \"${kcops:env:KCOPS_T_PW2}\"}}]}";
	struct kc_state *st = kc_state_parse(text, strlen(text), "s.json");
	json_t *live = json_pack("{s:{s:o, s:{s:s, s:{s:s, s:s, s:s}}}}", "a", "status",
	    fake_status("a", "RUNNING"), "info", "name", "a", "config", "connector.class", "X",
	    "conn.pw", "old-value-123", "name", "a");
	struct kc_state_plan *p;
	struct kc_buf b;
	json_t *pj;
	char *js;

	(void)unused;
	setenv("KCOPS_T_PW2", "new-value-456", 1);
	p = kc_state_plan_new(st, live, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(kc_state_plan_count(p), 1);
	kc_buf_init(&b);
	kc_state_plan_text(p, &b, 0);
	assert_null(strstr(kc_buf_str(&b), "old-value"));
	assert_null(strstr(kc_buf_str(&b), "new-value"));
	assert_non_null(strstr(kc_buf_str(&b), "~ conn.pw: (sensitive) -> "
	    "\"${kcops:env:KCOPS_T_PW2}\""));
	pj = kc_state_plan_json(p);
	js = kc_json_dump(pj);
	assert_null(strstr(js, "old-value"));
	assert_null(strstr(js, "new-value"));
	free(js);
	json_decref(pj);
	kc_state_plan_free(p);
	/* same value: no change, and an unset variable fails the plan naming it */
	setenv("KCOPS_T_PW2", "old-value-123", 1);
	p = kc_state_plan_new(st, live, NULL, NULL);
	assert_int_equal(kc_state_plan_count(p), 0);
	kc_state_plan_free(p);
	unsetenv("KCOPS_T_PW2");
	struct kc_err err;
	kc_err_clear(&err);
	assert_null(kc_state_plan_new(st, live, NULL, &err));
	assert_non_null(strstr(err.msg, "KCOPS_T_PW2"));
	assert_null(strstr(err.msg, "old-value"));
	kc_buf_free(&b);
	json_decref(live);
	kc_state_free(st);
}

static void
test_saved_plan(void **unused)
{
	struct kc_state *st = kc_state_parse(mixed_state, strlen(mixed_state), "mixed.json");
	json_t *live = mixed_live();
	struct kc_state_plan *p = kc_state_plan_new(st, live, NULL, NULL), *q;
	char dir[] = "/tmp/kcops-plan-XXXXXX", *path, *fp;
	struct kc_buf a, b;
	struct kc_err err;
	struct stat sb;

	(void)unused;
	assert_non_null(mkdtemp(dir));
	path = kc_xasprintf("%s/reviewed.plan", dir);
	assert_int_equal(kc_state_plan_save(p, path, NULL), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	q = kc_state_plan_load(path, &err);
	assert_non_null(q);
	assert_string_equal(kc_state_plan_fingerprint(q), kc_state_plan_fingerprint(p));
	kc_buf_init(&a);
	kc_buf_init(&b);
	kc_state_plan_text(p, &a, 0);
	kc_state_plan_text(q, &b, 0);
	assert_string_equal(kc_buf_str(&a), kc_buf_str(&b));
	{
		size_t len;
		char *text = kc_read_file(path, &len);
		assert_true(kc_state_is_saved_plan(text, len));
		assert_false(kc_state_is_saved_plan(mixed_state, strlen(mixed_state)));
		/* only a top-level key counts; strings, nesting, escapes and junk are handled */
		static const char *const yes[] = { "{\"kcops_plan\":1}",
		    "\xef\xbb\xbf {\n \"a\": {\"kcops_plan\": 1}, \"kcops_plan\" : 1}",
		    "{\"x\": \"q\\\"}\", \"kcops_plan\": 1}", "{\"kcops\\u005fplan\": 1}",
		    "{\"a\": [\"]\", {\"b\": \"kcops_plan\"}], \"kcops_plan\": 1}" };
		static const char *const no[] = { "", "[]", "{}", "[{\"kcops_plan\": 1}]",
		    "{\"a\": {\"kcops_plan\": 1}}", "{\"a\": \"kcops_plan\"}",
		    "{\"a\": [\"kcops_plan\", 1]}", "{\"kcops_plan\"", "{\"kcops_plan",
		    "x{\"kcops_plan\": 1}", "{\"kcops_planx\": 1}", "{\"a\": 1} {\"kcops_plan\": 1}" };
		for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++)
			assert_true(kc_state_is_saved_plan(yes[k], strlen(yes[k])));
		for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
			assert_false(kc_state_is_saved_plan(no[k], strlen(no[k])));
		free(text);
	}
	/* the fingerprint follows the cluster */
	fp = kc_state_fingerprint(live);
	assert_string_equal(fp, kc_state_plan_fingerprint(p));
	free(fp);
	json_object_set_new(json_object_get(json_object_get(json_object_get(live, "keep"), "info"),
	    "config"), "topics", json_string("changed"));
	fp = kc_state_fingerprint(live);
	assert_string_not_equal(fp, kc_state_plan_fingerprint(p));
	free(fp);
	/* not a plan */
	kc_err_clear(&err);
	assert_null(kc_state_plan_parse("{\"a\":1}", 7, "x.plan", &err));
	assert_non_null(strstr(err.msg, "not a kcops saved plan"));
	unlink(path);
	rmdir(dir);
	free(path);
	kc_buf_free(&a);
	kc_buf_free(&b);
	kc_state_plan_free(p);
	kc_state_plan_free(q);
	json_decref(live);
	kc_state_free(st);
}

static void
test_export_roundtrip(void **unused)
{
	json_t *live = mixed_live(), *doc, *refs;
	struct kc_state *st;
	struct kc_state_plan *p;
	char *text;

	(void)unused;
	json_object_set_new(json_object_get(json_object_get(json_object_get(live, "upd"), "info"),
	    "config"), "db.password", json_string("pa55"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(live, "upd"), "info"),
	    "config"), "__internal.config.version", json_string("2"));
	json_object_set_new(json_object_get(live, "keep"), "status", fake_status("keep", "PAUSED"));
	doc = kc_state_export(live, KC_STATE_SECRETS_REF, &refs);
	text = json_dumps(doc, JSON_INDENT(2));
	assert_null(strstr(text, "pa55"));
	assert_null(strstr(text, "__internal"));
	assert_non_null(strstr(text, "${kcops:env:KCOPS_SECRET_UPD_DB_PASSWORD}"));
	assert_int_equal(json_array_size(refs), 1);
	setenv("KCOPS_SECRET_UPD_DB_PASSWORD", "pa55", 1);
	st = kc_state_parse(text, strlen(text), "export.json");
	assert_int_equal(kc_state_ndiags(st), 0);
	p = kc_state_plan_new(st, live, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(kc_state_plan_count(p), 0);
	assert_int_equal(kc_state_plan_nunmanaged(p), 0);
	kc_state_plan_free(p);
	kc_state_free(st);
	free(text);
	json_decref(doc);
	json_decref(refs);
	doc = kc_state_export(live, KC_STATE_SECRETS_MASK, NULL);
	text = kc_json_dump(doc);
	assert_null(strstr(text, "pa55"));
	assert_non_null(strstr(text, "\"db.password\":\"********\""));
	free(text);
	json_decref(doc);
	json_decref(live);
}

static void
test_codecs(void **unused)
{
	char hex[65];

	(void)unused;
	kc_state_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kc_state_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	kc_state_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* base64 (the GitHub contents API) is core's kc_base64_decode, tested in test_core */
}

static void
test_sources(void **unused)
{
	struct kc_err err;
	char *s;

	(void)unused;
	kc_err_clear(&err);
	assert_null(kc_state_read_source("/nonexistent/state.json", NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/state.json"));
	kc_err_clear(&err);
	assert_null(kc_state_read_source("github:justowner", NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "github:OWNER/REPO/PATH"));
	kc_err_clear(&err);
	assert_null(kc_state_read_source("git:nocolon", NULL, NULL, &err));
	/* a file path */
	char *p = kc_xasprintf("%s/tests/state/validate/valid.json", srcdir);
	s = kc_state_read_source(p, NULL, NULL, &err);
	assert_non_null(s);
	free(s);
	free(p);
}

/* --selector: steps only for matching labels, nothing deleted, the rest stays managed. */
static void
test_selector(void **unused)
{
	const char *text = "{\"version\": 1, \"defaults\": {\"config\": {\"connector.class\": "
	    "\"X\"}}, \"prune\": true, \"connectors\": ["
	    "{\"name\": \"a1\", \"labels\": {\"team\": \"a\", \"tier\": \"gold\"}},"
	    "{\"name\": \"a2\", \"labels\": {\"team\": \"a\"}},"
	    "{\"name\": \"b1\", \"labels\": {\"team\": \"b\"}}]}";
	struct kc_state *st = kc_state_parse(text, strlen(text), "sel.json");
	json_t *live = json_object(), *sel;
	struct kc_state_plan_opts o = { 0, NULL };
	struct kc_state_plan *p;
	struct kc_err err;

	(void)unused;
	json_object_set_new(live, "stray", json_pack("{s:o, s:{s:s, s:{s:s}}}", "status",
	    fake_status("stray", "RUNNING"), "info", "name", "stray", "config", "connector.class",
	    "X"));
	sel = kc_state_selector_parse("team=a", NULL);
	o.selector = sel;
	p = kc_state_plan_new(st, live, &o, NULL);
	assert_int_equal(kc_state_plan_count(p), 2);
	assert_string_equal(kc_state_plan_step(p, 0)->name, "a1");
	assert_string_equal(kc_state_plan_step(p, 1)->name, "a2");
	kc_state_plan_free(p);
	json_decref(sel);
	sel = kc_state_selector_parse("team=a, tier=gold", NULL);
	o.selector = sel;
	p = kc_state_plan_new(st, live, &o, NULL);
	assert_int_equal(kc_state_plan_count(p), 1);
	kc_state_plan_free(p);
	json_decref(sel);
	o.selector = NULL;	/* without a selector the file's prune rule deletes the stray */
	p = kc_state_plan_new(st, live, &o, NULL);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_DELETE), 1);
	kc_state_plan_free(p);
	kc_err_clear(&err);
	assert_null(kc_state_selector_parse("team", &err));
	assert_non_null(strstr(err.msg, "LABEL=VALUE"));
	assert_null(kc_state_selector_parse(",", &err));
	json_decref(live);
	kc_state_free(st);
}

/* Write text to dir/name. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char *path = kc_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* A directory of state files loads as one state; duplicates across files are named. */
static void
test_directory_source(void **unused)
{
	char dir[] = "/tmp/kcops-statedir-XXXXXX";
	struct kc_state *st;
	struct kc_state_plan *p;
	struct kc_err err;
	struct kc_buf b;
	json_t *live = json_object(), *dj;
	char *expect;

	(void)unused;
	assert_non_null(mkdtemp(dir));
	put_file(dir, "a.json", "{\"version\": 1, \"defaults\": {\"config\": {\"connector.class\": "
	    "\"X\"}},\n \"connectors\": [{\"name\": \"one\"}, {\"name\": \"two\"}]}\n");
	put_file(dir, "b.json", "{\"version\": 1,\n \"connectors\": [\n"
	    "  {\"name\": \"three\", \"config\": {\"connector.class\": \"Y\"}}],\n"
	    " \"prune\": {\"match\": [\"tmp-*\"]}}\n");
	put_file(dir, "notes.txt", "not a state file");
	kc_err_clear(&err);
	st = kc_state_load(dir, NULL, &err);
	assert_non_null(st);
	assert_int_equal(kc_state_ndiags(st), 0);
	assert_int_equal(kc_state_count(st), 3);
	assert_non_null(strstr(kc_state_connector(st, 2)->file, "/b.json"));
	json_object_set_new(live, "tmp-1", json_pack("{s:o, s:{s:s, s:{s:s}}}", "status",
	    fake_status("tmp-1", "RUNNING"), "info", "name", "tmp-1", "config", "connector.class",
	    "X"));
	p = kc_state_plan_new(st, live, NULL, &err);
	assert_non_null(p);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_CREATE), 3);
	assert_int_equal(kc_state_plan_count_action(p, KC_STATE_DELETE), 1);
	kc_state_plan_free(p);
	kc_state_free(st);

	/* a duplicate across files and an error inside one file, each named by its file */
	put_file(dir, "c.json", "{\"version\": 1,\n \"connectors\": [\n"
	    "  {\"name\": \"two\", \"config\": {\"connector.class\": \"Y\"}},\n"
	    "  {\"name\": \"four\", \"stat\": \"paused\", \"config\": {\"connector.class\": \"Y\"}}]}\n");
	st = kc_state_load(dir, NULL, &err);
	assert_int_equal(kc_state_ndiags(st), 2);
	kc_buf_init(&b);
	kc_state_diags_text(st, &b);
	expect = kc_xasprintf("%s/c.json: /connectors/1/stat: unknown field \"stat\" in a connector "
	    "(did you mean \"state\"?) (line 4)\n%s/c.json: /connectors/0/name: duplicate connector "
	    "name \"two\" (first in %s/a.json at /connectors/1) (line 3)\n", dir, dir, dir);
	assert_string_equal(kc_buf_str(&b), expect);
	dj = kc_state_diags_json(st);
	assert_non_null(strstr(kc_json_str(json_array_get(dj, 0), "file"), "/c.json"));
	json_decref(dj);
	free(expect);
	kc_buf_free(&b);
	kc_state_free(st);

	/* an empty directory is an error, not an empty state */
	char *sub = kc_xasprintf("%s/empty", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	kc_err_clear(&err);
	assert_null(kc_state_load(sub, NULL, &err));
	assert_non_null(strstr(err.msg, "no *.json state files"));
	rmdir(sub);
	free(sub);
	const char *names[] = { "a.json", "b.json", "c.json", "notes.txt" };
	for (size_t i = 0; i < KC_NITEMS(names); i++) {
		char *path = kc_xasprintf("%s/%s", dir, names[i]);
		unlink(path);
		free(path);
	}
	rmdir(dir);
	json_decref(live);
}

/* Lines are found lazily (only when a diagnostic needs one), also for diagnostics added after
 * parsing, such as Connect's validate errors mapped to a key. */
static void
test_lazy_lines(void **unused)
{
	const char *text = "{\"version\": 1,\n"
	    "\"connectors\": [\n"
	    "  {\"name\": \"a\", \"state\": \"running\",\n"
	    "   \"config\": {\"connector.class\": \"X\",\n"
	    "              \"topic\": \"t\"}},\n"
	    "  {\"name\": \"b\",\n"
	    "   \"state\": \"sideways\",\n"
	    "   \"config\": {\"connector.class\": \"X\"}}]}\n";
	json_t *infos = json_loads("{\"configs\": [{\"value\": {\"name\": \"topic\", "
	    "\"errors\": [\"bad topic\"]}}]}", 0, NULL);
	struct kc_state *st;

	(void)unused;
	st = kc_state_parse(text, strlen(text), "lazy.json");
	assert_int_equal(kc_state_ndiags(st), 1);		/* the bad state, on line 7 */
	assert_int_equal(kc_state_diag(st, 0)->line, 7);
	assert_int_equal(kc_state_add_validate_result(st, 0, infos), 1);
	assert_int_equal(kc_state_diag(st, 1)->line, 5);	/* connector a's "topic" */
	kc_state_free(st);
	{	/* no diagnostic during parse: the walk happens at the first one */
		char *clean = kc_xstrdup(text);
		memcpy(strstr(clean, "sideways"), "paused\"  ", 9);
		st = kc_state_parse(clean, strlen(clean), "lazy.json");
		free(clean);	/* the state keeps what it needs */
		assert_int_equal(kc_state_ndiags(st), 0);
		assert_int_equal(kc_state_add_validate_result(st, 0, infos), 1);
		assert_int_equal(kc_state_diag(st, 0)->line, 5);
		kc_state_free(st);
	}
	json_decref(infos);
}

/* A byte-order mark, an empty file and a file of NULs. */
static void
test_odd_bytes(void **unused)
{
	const char *bom = "\xef\xbb\xbf{\"version\": 1, \"connectors\": []}";
	struct kc_state *st;

	(void)unused;
	st = kc_state_parse(bom, strlen(bom), "bom.json");
	assert_int_equal(kc_state_ndiags(st), 0);
	kc_state_free(st);
	st = kc_state_parse("", 0, "empty.json");
	assert_int_equal(kc_state_ndiags(st), 1);
	assert_int_equal(kc_state_diag(st, 0)->line, 1);
	kc_state_free(st);
	st = kc_state_parse("\0\0\0", 3, "nul.json");
	assert_true(kc_state_ndiags(st) > 0);
	kc_state_free(st);
}

/* Parsing never crashes on truncated input (a cheap stand-in for a fuzzer). */
static void
test_truncations(void **unused)
{
	size_t len, i;
	char *text = slurp("validate/valid.json", &len);

	(void)unused;
	for (i = 0; i + 2 < len; i++) {	/* the file ends with "}\n" */
		struct kc_state *st = kc_state_parse(text, i, "t.json");
		struct kc_buf b;
		kc_buf_init(&b);
		kc_state_diags_text(st, &b);
		assert_true(kc_state_ndiags(st) > 0);
		kc_buf_free(&b);
		kc_state_free(st);
	}
	free(text);
}

/* Random byte mutations of a valid file, then planning what still parses (fixed seed). */
static void
test_mutations(void **unused)
{
	size_t len, i;
	char *text = slurp("validate/valid.json", &len), *m = kc_xmalloc(len + 1);
	json_t *live = mixed_live();
	unsigned seed = 12345;
	static const char alphabet[] = "{}[]\",:0123456789abcdefnulltrue\\/ \n${}kcops:env";

	(void)unused;
	setenv("ORDERS_TOKEN", "t0k", 1);
	for (i = 0; i < 3000; i++) {
		int k, flips = 1 + (int)(rand_r(&seed) % 4);
		struct kc_state *st;
		struct kc_state_plan *p;
		struct kc_buf b;

		memcpy(m, text, len);
		m[len] = '\0';
		for (k = 0; k < flips; k++)
			m[rand_r(&seed) % len] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
		st = kc_state_parse(m, len, "m.json");
		kc_buf_init(&b);
		kc_state_diags_text(st, &b);
		kc_buf_free(&b);
		p = kc_state_plan_new(st, live, NULL, NULL);
		if (p != NULL) {
			json_t *pj = kc_state_plan_json(p);
			kc_buf_init(&b);
			kc_state_plan_text(p, &b, 0);
			kc_buf_free(&b);
			json_decref(pj);
			kc_state_plan_free(p);
		}
		kc_state_free(st);
	}
	json_decref(live);
	free(m);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_golden),
		cmocka_unit_test(test_plan_golden),
		cmocka_unit_test(test_apply_order_and_partial_failure),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_report_many_failures),
		cmocka_unit_test(test_apply_cancel),
		cmocka_unit_test(test_apply_unresolvable_ref),
		cmocka_unit_test(test_apply_without_initial_state),
		cmocka_unit_test(test_progress_and_requests),
		cmocka_unit_test(test_step_request_names),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_secret_change_masked),
		cmocka_unit_test(test_saved_plan),
		cmocka_unit_test(test_export_roundtrip),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_directory_source),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_lazy_lines),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
	};

	srcdir = getenv("KCOPS_SOURCE_ROOT");
	if (srcdir == NULL)
		srcdir = ".";
	update_golden = getenv("KCOPS_UPDATE_GOLDEN") != NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
