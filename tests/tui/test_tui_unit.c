/* test_tui_unit.c - themes, key tables and the connectors model (no terminal needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_client.h"
#include "kc_json.h"
#include "kc_util.h"
#include "tui_keys.h"
#include "tui_model.h"
#include "tui_theme.h"
#include "tui_workers.h"

static void
test_theme_builtin(void **state)
{
	struct tui_theme t;
	char err[256];

	(void)state;
	assert_int_equal(tui_theme_parse(&t, tui_theme_default_text, "x", err, sizeof(err)), 0);
	assert_int_equal(t.styles[TUI_ROLE_STATE_FAILED].fg, 1);
	assert_true(t.styles[TUI_ROLE_STATE_FAILED].attrs & A_BOLD);
	assert_int_equal(tui_theme_parse(&t, tui_theme_mono_text, "x", err, sizeof(err)), 0);
	assert_int_equal(t.styles[TUI_ROLE_SELECTION].fg, -1);
	assert_true(t.styles[TUI_ROLE_SELECTION].attrs & A_REVERSE);
}

static void
test_theme_errors(void **state)
{
	struct tui_theme t;
	char err[256];

	(void)state;
	assert_int_equal(tui_theme_parse(&t, "# c\nnormal = fg=red\nstate.faild = bold\n",
	    "my.theme", err, sizeof(err)), -1);
	assert_string_equal(err, "my.theme:3: unknown role 'state.faild' (did you mean "
	    "'state.failed'?)");
	assert_int_equal(tui_theme_parse(&t, "normal = fg=purple\n", "a", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a:1: normal: unknown colour"));
	assert_int_equal(tui_theme_parse(&t, "normal = sparkly\n", "a", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown attribute"));
	assert_int_equal(tui_theme_parse(&t, "normal\n", "a", err, sizeof(err)), -1);
	assert_string_equal(err, "a:1: expected 'role = style'");
	/* colour numbers and fallbacks to normal */
	assert_int_equal(tui_theme_parse(&t, "normal = fg=colour200,bg=3,bold\n", "a", err,
	    sizeof(err)), 0);
	assert_int_equal(t.styles[TUI_ROLE_NORMAL].fg, 200);
	assert_int_equal(t.styles[TUI_ROLE_NORMAL].bg, 3);
	assert_int_equal(t.styles[TUI_ROLE_TRACE].fg, 200);
	assert_int_equal(t.styles[TUI_ROLE_TRACE].set, 0);
}

/* Every shipped theme parses and names every role. */
static void
test_theme_files(void **state)
{
	DIR *d = opendir(THEME_DIR);
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct tui_theme t;
		char err[256], *path;
		int i;

		if (!kc_str_has_suffix(e->d_name, ".theme"))
			continue;
		path = kc_xasprintf("%s/%s", THEME_DIR, e->d_name);
		if (tui_theme_load(&t, path, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		for (i = 0; i < TUI_ROLE_COUNT; i++)
			if (!t.styles[i].set)
				fail_msg("%s: role %s not set", path, tui_role_name(i));
		tui_theme_free(&t);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

static void
test_theme_not_found(void **state)
{
	struct tui_theme t;
	char err[256];

	(void)state;
	assert_int_equal(tui_theme_load(&t, "no-such-theme", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "theme 'no-such-theme' not found"));
	assert_int_equal(tui_theme_load(&t, "/nonexistent/x.theme", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.theme"));
}

static void
test_keys(void **state)
{
	char err[256], name[16];

	(void)state;
	tui_keys_init();
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, 'p'), TUI_A_PAUSE);
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, '?'), TUI_A_HELP);	/* generic */
	assert_int_equal(tui_keys_lookup(TUI_KM_HELP, 'p'), TUI_A_NONE);
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, '\r'), TUI_A_OPEN);
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, 27), TUI_A_BACK);
	/* user overrides: a plain key replaces it everywhere; MAP:KEY only there */
	assert_int_equal(tui_keys_override("P", "pause", err, sizeof(err)), 0);
	assert_int_equal(tui_keys_lookup(TUI_KM_DETAIL, 'P'), TUI_A_PAUSE);
	assert_int_equal(tui_keys_override("p", "none", err, sizeof(err)), 0);
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, 'p'), TUI_A_NONE);
	assert_int_equal(tui_keys_override("connectors:C-x", "delete", err, sizeof(err)), 0);
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, 24), TUI_A_DELETE);
	assert_int_equal(tui_keys_lookup(TUI_KM_DETAIL, 24), TUI_A_NONE);
	assert_int_equal(tui_keys_override("x", "paws", err, sizeof(err)), -1);
	assert_string_equal(err, "keys: 'x': unknown action 'paws' (did you mean 'pause'?)");
	assert_int_equal(tui_keys_override("Hyper-x", "pause", err, sizeof(err)), -1);
	assert_int_equal(tui_keys_override("nope:x", "pause", err, sizeof(err)), -1);
	assert_int_equal(tui_keys_parse("bind connectors z\n", "f", err, sizeof(err)), -1);
	assert_string_equal(err, "f:1: usage: bind MAP KEY ACTION | unbind MAP KEY");
	tui_key_name(KEY_UP, name, sizeof(name));
	assert_string_equal(name, "Up");
	tui_key_name(3, name, sizeof(name));
	assert_string_equal(name, "C-c");
	assert_int_equal(tui_key_parse("C-\\"), 28);
	/* every code the parser gives back has a name that parses to it */
	{
		static const char *const names[] = { "C-@", "C-a", "C-m", "C-j", "C-]", "C-\\",
			"Esc", "Tab", "BTab", "F12", "PgDn", "x", "~" };
		size_t i;

		for (i = 0; i < KC_NITEMS(names); i++) {
			int k = tui_key_parse(names[i]);

			assert_true(k >= 0);
			tui_key_name(k, name, sizeof(name));
			assert_int_equal(tui_key_parse(name), k);
		}
	}
	tui_keys_init();
	assert_int_equal(tui_keys_lookup(TUI_KM_CONNECTORS, 'p'), TUI_A_PAUSE);
	tui_keys_free();
}

static json_t *
listing(void)
{
	const char *text =
	    "{\"b-sink\": {\"status\": {\"name\": \"b-sink\", \"type\": \"sink\","
	    "  \"connector\": {\"state\": \"RUNNING\", \"worker_id\": \"w1\"},"
	    "  \"tasks\": [{\"id\": 0, \"state\": \"RUNNING\", \"worker_id\": \"w1\"},"
	    "             {\"id\": 1, \"state\": \"FAILED\", \"worker_id\": \"w2\", \"trace\": \"x\"}]},"
	    "  \"info\": {\"config\": {\"connector.class\": \"kcops.http.HttpSinkConnector\"}}},"
	    " \"a-src\": {\"status\": {\"name\": \"a-src\", \"type\": \"source\","
	    "  \"connector\": {\"state\": \"PAUSED\", \"worker_id\": \"w2\"},"
	    "  \"tasks\": [{\"id\": 0, \"state\": \"PAUSED\", \"worker_id\": \"w2\"}]},"
	    "  \"info\": {\"config\": {\"connector.class\": \"kcops.http.HttpCronSourceConnector\"}}},"
	    " \"c\\u001b[31mevil\": {\"status\": {\"type\": \"sink\","
	    "  \"connector\": {\"state\": \"FAILED\", \"worker_id\": \"w1\"}, \"tasks\": []}}}";
	struct kc_err err;
	json_t *j = kc_json_parse(text, strlen(text), 0, &err);

	assert_non_null(j);
	return j;
}

/* A distributed cluster: one worker answers (the connector's worker_id), the tasks run on
 * others; the header counts every worker seen. */
static void
test_model_task_workers(void **state)
{
	static const char text[] =
	    "{\"snk\": {\"status\": {\"name\": \"snk\", \"type\": \"sink\","
	    "  \"connector\": {\"state\": \"RUNNING\", \"worker_id\": \"w1\"},"
	    "  \"tasks\": [{\"id\": 0, \"state\": \"RUNNING\", \"worker_id\": \"w1\"},"
	    "   {\"id\": 1, \"state\": \"RUNNING\", \"worker_id\": \"w2\"},"
	    "   {\"id\": 2, \"state\": \"UNASSIGNED\", \"worker_id\": \"w3\"}]}}}";
	struct tui_model m;
	struct kc_err err;
	json_t *j = kc_json_parse(text, strlen(text), 0, &err);

	(void)state;
	assert_non_null(j);
	tui_model_init(&m);
	assert_int_equal(tui_model_load(&m, j, &err), 0);
	assert_int_equal(m.n_tasks, 3);
	assert_int_equal(m.n_workers, 3);
	tui_model_free(&m);
	json_decref(j);
}

static void
test_model(void **state)
{
	struct tui_model m;
	struct kc_err err;
	json_t *j = listing();

	(void)state;
	tui_model_init(&m);
	assert_int_equal(tui_model_load(&m, j, &err), 0);
	assert_int_equal(m.nrows, 3);
	assert_int_equal(m.n_running, 1);
	assert_int_equal(m.n_paused, 1);
	assert_int_equal(m.n_failed, 1);
	assert_int_equal(m.n_degraded, 1);
	assert_int_equal(m.n_tasks, 3);
	assert_int_equal(m.n_tasks_failed, 1);
	assert_int_equal(m.n_workers, 2);
	/* sorted by name; the escape sequence is drawn as text */
	assert_string_equal(m.rows[m.order[0]].name, "a-src");
	assert_string_equal(m.rows[m.order[2]].dname, "c^[[31mevil");
	assert_null(strchr(m.rows[m.order[2]].dname, 0x1b));
	/* failed-only keeps the failed connector and the one with a failed task */
	tui_model_set_failed_only(&m, 1);
	assert_int_equal(m.norder, 2);
	assert_string_equal(m.rows[m.order[0]].name, "b-sink");
	tui_model_set_failed_only(&m, 0);
	/* regex filter on name or class, '!' inverts */
	assert_int_equal(tui_model_set_filter(&m, "sink", &err), 0);
	assert_int_equal(m.norder, 1);
	assert_int_equal(tui_model_set_filter(&m, "!sink", &err), 0);
	assert_int_equal(m.norder, 2);
	assert_int_equal(tui_model_set_filter(&m, "CRON", &err), 0);
	assert_int_equal(m.norder, 1);
	assert_int_equal(tui_model_set_filter(&m, "(", &err), -1);
	assert_non_null(strstr(err.msg, "filter '('"));
	assert_int_equal(m.norder, 1);	/* old filter kept */
	assert_int_equal(tui_model_set_filter(&m, NULL, &err), 0);
	/* sort by state: failing first */
	tui_model_set_sort(&m, TUI_COL_STATE, 0);
	assert_true(tui_conn_failed(&m.rows[m.order[0]]));
	assert_true(tui_conn_failed(&m.rows[m.order[1]]));
	tui_model_set_sort(&m, TUI_COL_NAME, 1);
	assert_string_equal(m.rows[m.order[2]].name, "a-src");
	/* marks survive a reload */
	m.rows[m.order[0]].marked = 1;
	assert_int_equal(tui_model_load(&m, j, &err), 0);
	assert_int_equal(m.rows[m.order[0]].marked, 1);
	assert_int_equal(tui_model_find(&m, "a-src"), 2);
	/* wrong shapes */
	{
		json_t *bad = json_string("x");

		assert_int_equal(tui_model_load(&m, bad, &err), -1);
		json_decref(bad);
	}
	tui_model_free(&m);
	json_decref(j);
}

/* The console's path: text parsed by kc_connector_list_parse into rows, then installed. */
static void
test_model_rows_from_list(void **state)
{
	const char *text =
	    "{\"z\": {\"status\": {\"name\": \"z\", \"type\": \"sink\", \"connector\": {\"state\":"
	    " \"RUNNING\", \"worker_id\": \"w\"}, \"tasks\": [{\"id\": 0, \"state\": \"FAILED\","
	    " \"worker_id\": \"w\"}]}, \"info\": {\"name\": \"z\", \"type\": \"sink\", \"tasks\": [],"
	    " \"config\": {\"connector.class\": \"X\", \"topics\": \"t1,t2\"}}},"
	    " \"a\": {\"status\": {\"name\": \"a\", \"type\": \"source\", \"connector\": {\"state\":"
	    " \"PAUSED\", \"worker_id\": \"w\"}, \"tasks\": []}, \"info\": {\"name\": \"a\","
	    " \"type\": \"source\", \"tasks\": [], \"config\": {\"connector.class\": \"Y\"}}}}";
	struct kc_connector_list *l;
	struct tui_conn *rows;
	struct tui_model m;
	struct kc_err err;
	size_t n;
	int round;

	(void)state;
	tui_model_init(&m);
	for (round = 0; round < 2; round++) {
		l = kc_connector_list_parse(text, strlen(text), &err);
		assert_non_null(l);
		tui_rows_from_list(l, &rows, &n);
		kc_connector_list_free(l);
		assert_int_equal(n, 2);
		tui_model_replace(&m, rows, n);
		assert_string_equal(m.rows[m.order[0]].name, "a");
		assert_string_equal(m.rows[m.order[1]].topics, "t1,t2");
		assert_int_equal(m.n_degraded, 1);
		assert_int_equal(m.n_paused, 1);
		if (round == 0) {
			m.rows[m.order[1]].marked = 1;
			tui_model_set_lag(&m, "z", 42);
		} else {
			assert_int_equal(m.rows[m.order[1]].marked, 1);
			assert_int_equal(m.rows[m.order[1]].lag, 42);
			assert_int_equal(m.rows[m.order[0]].marked, 0);
		}
	}
	tui_model_free(&m);
}

static void
test_model_names(void **state)
{
	struct tui_model m;
	struct kc_err err;
	json_t *names = json_pack("[sss]", "x", "y", "z");

	(void)state;
	tui_model_init(&m);
	assert_int_equal(tui_model_load(&m, names, &err), 0);
	assert_int_equal(m.nrows, 3);
	assert_string_equal(m.rows[0].state, "UNKNOWN");
	tui_model_free(&m);
	json_decref(names);
}

/* Garbage into the theme and key-binding parsers: errors, never a crash (run under ASan). */
static void
test_parsers_garbage(void **state)
{
	static const char alphabet[] = "abcfgnorst=,.-:# \n\t\x1b\xc3\xa9" "Cbindunbind12";
	unsigned int seed = 12345;
	char buf[256], err[256];
	int i, k;

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct tui_theme t;
		int len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 200;

		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		buf[len] = '\0';
		(void)tui_theme_parse(&t, buf, "fuzz", err, sizeof(err));
		tui_keys_init();
		(void)tui_keys_parse(buf, "fuzz", err, sizeof(err));
		(void)tui_keys_override(buf, "pause", err, sizeof(err));
		(void)tui_key_parse(buf);
	}
	tui_keys_free();
}

/* The workers view's rows: /kcops/v1/workers merged with the task statuses. */
static const char workers_listing[] =
    "{\"snk\": {\"status\": {\"name\": \"snk\", \"type\": \"sink\","
    "  \"connector\": {\"state\": \"RUNNING\", \"worker_id\": \"w1:1\"},"
    "  \"tasks\": [{\"id\": 0, \"state\": \"RUNNING\", \"worker_id\": \"w1:1\"},"
    "   {\"id\": 1, \"state\": \"FAILED\", \"worker_id\": \"w2:2\", \"trace\": \"x\"},"
    "   {\"id\": 2, \"state\": \"UNASSIGNED\", \"worker_id\": \"w3:3\"},"
    "   {\"id\": 3, \"state\": \"RUNNING\", \"worker_id\": \"w2:2\"}]}},"
    " \"src\": {\"status\": {\"name\": \"src\", \"type\": \"source\","
    "  \"connector\": {\"state\": \"RUNNING\", \"worker_id\": \"w2:2\"},"
    "  \"tasks\": [{\"id\": 0, \"state\": \"RUNNING\", \"worker_id\": \"w\\u001b[2Jx:9\"}]}},"
    " \"idle\": {\"status\": {\"name\": \"idle\", \"type\": \"sink\","
    "  \"connector\": {\"state\": \"UNASSIGNED\", \"worker_id\": \"\"}, \"tasks\": []}}}";

static const struct tui_worker *
wfind(const struct tui_worker *w, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(w[i].id, id) == 0)
			return &w[i];
	return NULL;
}

static void
check_derived(const struct tui_model *m, const char *hint)
{
	struct tui_worker *w;
	const struct tui_worker *r;
	size_t n, i;

	tui_workers_build(NULL, m, hint, &w, &n);
	assert_int_equal(n, 4);
	/* w1: connector snk and its task 0 */
	assert_non_null(r = wfind(w, n, "w1:1"));
	assert_int_equal(r->nconn, 1);
	assert_int_equal(r->ntasks, 1);
	assert_int_equal(r->nfailed, 0);
	assert_int_equal(r->state, TUI_WS_UNKNOWN);
	assert_int_equal(r->hb_age_ms, -1);
	assert_int_equal(r->source_owner, -1);
	assert_null(r->url);
	assert_false(r->listed);
	/* w2: two tasks of snk (one failed) and the src instance: 2 connectors, 2 tasks */
	assert_non_null(r = wfind(w, n, "w2:2"));
	assert_int_equal(r->nconn, 2);
	assert_int_equal(r->ntasks, 2);
	assert_int_equal(r->nfailed, 1);
	assert_int_equal(r->nunassigned, 0);
	assert_non_null(r = wfind(w, n, "w3:3"));
	assert_int_equal(r->nunassigned, 1);
	/* a hostile worker id is drawn as text */
	assert_non_null(r = wfind(w, n, "w^[[2Jx:9"));
	for (i = 0; i < n; i++)
		assert_null(strchr(w[i].id, 0x1b));
	/* the URL the console uses names the answering worker: it comes first */
	if (hint != NULL) {
		assert_string_equal(w[0].id, hint);
		assert_true(w[0].self);
		for (i = 1; i < n; i++)
			assert_false(w[i].self);
	} else {
		assert_string_equal(w[0].id, "w1:1");	/* by id */
		for (i = 0; i < n; i++)
			assert_false(w[i].self);
	}
	tui_workers_free(w, n);
}

static void
test_workers_rows(void **state)
{
	static const char answer_text[] =
	    "[{\"worker_id\": \"w1:1\", \"url\": \"http://w1:1\", \"self\": true, \"alive\": true,"
	    "  \"source_owner\": false, \"tasks\": 1, \"last_heartbeat_ms_ago\": 0},"
	    " {\"worker_id\": \"w3:3\", \"url\": \"http://w3:3\\u001b]0;t\\u0007\", \"self\": false,"
	    "  \"alive\": false, \"source_owner\": true, \"tasks\": 1,"
	    "  \"last_heartbeat_ms_ago\": 4200},"
	    " {\"worker_id\": \"w4:4\", \"self\": false, \"alive\": true,"
	    "  \"last_heartbeat_ms_ago\": 300},"
	    " {\"url\": \"no id\"}, 7, {\"worker_id\": \"\"}, {\"worker_id\": 5}]";
	struct tui_model m;
	struct kc_err err;
	json_t *j = kc_json_parse(workers_listing, strlen(workers_listing), 0, &err);
	json_t *answer;
	struct tui_worker *w;
	const struct tui_worker *r;
	struct kc_connector_list *l;
	struct tui_conn *rows;
	size_t n, nrows;

	(void)state;
	assert_non_null(j);
	tui_model_init(&m);
	assert_int_equal(tui_model_load(&m, j, &err), 0);
	/* Apache Connect (no /kcops/v1/workers): everything from the statuses */
	check_derived(&m, NULL);
	check_derived(&m, "w2:2");
	/* the same from the text parser's rows */
	l = kc_connector_list_parse(workers_listing, strlen(workers_listing), &err);
	assert_non_null(l);
	tui_rows_from_list(l, &rows, &nrows);
	tui_model_replace(&m, rows, nrows);
	kc_connector_list_free(l);
	check_derived(&m, "w2:2");

	/* kcops-worker: listed workers with liveness, plus w2 and the hostile id, derived */
	answer = kc_json_parse(answer_text, strlen(answer_text), 0, &err);
	assert_non_null(answer);
	tui_workers_build(answer, &m, "w2:2", &w, &n);
	assert_int_equal(n, 5);
	assert_string_equal(w[0].id, "w1:1");	/* self (the cluster said so) first */
	assert_true(w[0].self);
	assert_true(w[0].listed);
	assert_int_equal(w[0].state, TUI_WS_ALIVE);
	assert_int_equal(w[0].source_owner, 0);
	assert_string_equal(w[0].url, "http://w1:1");
	assert_int_equal(w[0].nconn, 1);
	assert_int_equal(w[0].ntasks, 1);
	assert_non_null(r = wfind(w, n, "w3:3"));	/* stopped heartbeating */
	assert_int_equal(r->state, TUI_WS_SILENT);
	assert_string_equal(tui_worker_state_name(r->state), "silent");
	assert_int_equal(r->hb_age_ms, 4200);
	assert_int_equal(r->source_owner, 1);
	assert_int_equal(r->nunassigned, 1);
	assert_string_equal(r->url, "http://w3:3^[]0;t^G");
	assert_false(r->self);
	assert_non_null(r = wfind(w, n, "w4:4"));	/* listed, runs nothing */
	assert_int_equal(r->nconn, 0);
	assert_int_equal(r->ntasks, 0);
	assert_int_equal(r->source_owner, -1);
	assert_null(r->url);
	assert_non_null(r = wfind(w, n, "w2:2"));	/* named by the statuses only */
	assert_false(r->listed);
	assert_false(r->self);			/* the cluster named its answering worker */
	assert_int_equal(r->state, TUI_WS_UNKNOWN);
	assert_string_equal(tui_worker_state_name(r->state), "-");
	assert_int_equal(r->nconn, 2);
	tui_workers_free(w, n);

	/* Enter's filter: connectors whose instance or a task runs on the worker */
	tui_model_set_worker(&m, "w2:2");
	assert_int_equal(m.norder, 2);
	tui_model_set_worker(&m, "w1:1");
	assert_int_equal(m.norder, 1);
	assert_string_equal(m.rows[m.order[0]].name, "snk");
	tui_model_set_worker(&m, "w^[[2Jx:9");
	assert_int_equal(m.norder, 1);
	assert_string_equal(m.rows[m.order[0]].name, "src");
	tui_model_set_worker(&m, "nobody:1");
	assert_int_equal(m.norder, 0);
	tui_model_set_worker(&m, NULL);
	assert_int_equal(m.norder, 3);
	/* an empty model and no answer: no rows */
	tui_model_free(&m);
	tui_model_init(&m);
	tui_workers_build(NULL, &m, "x:1", &w, &n);
	assert_int_equal(n, 0);
	tui_workers_free(w, n);
	tui_workers_build(answer, NULL, NULL, &w, &n);
	assert_int_equal(n, 3);
	tui_workers_free(w, n);
	json_decref(answer);
	tui_model_set_worker(&m, "w1:1");
	tui_model_free(&m);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_theme_builtin),
		cmocka_unit_test(test_theme_errors),
		cmocka_unit_test(test_theme_files),
		cmocka_unit_test(test_theme_not_found),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_parsers_garbage),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_model_task_workers),
		cmocka_unit_test(test_model_rows_from_list),
		cmocka_unit_test(test_model_names),
		cmocka_unit_test(test_workers_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
