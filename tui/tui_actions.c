/* tui_actions.c - connector actions from keys: pause, resume, stop, restart, delete, edit.
 *
 * Every action is a set of asynchronous REST calls (one per target connector: the marked
 * rows, else the selected one); a batch collects the answers and reports once, then asks for
 * a fresh listing so the change shows at once. Nothing here blocks except $EDITOR itself. */
#include "tui_app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

struct batch {
	struct tui_app	*app;
	char		*verb;		/* "paused" */
	int		 pending;
	int		 nok;
	int		 nfail;
	char		*first_error;
	char		*first_name;
};

json_t *
tui_targets(struct tui_app *app, const char *name)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < app->model.nrows; i++)
		if (app->model.rows[i].marked)
			json_array_append_new(a, json_string(app->model.rows[i].name));
	if (json_array_size(a) == 0 && name != NULL)
		json_array_append_new(a, json_string(name));
	return a;
}

static void
batch_finish(struct batch *b)
{
	struct tui_app *app = b->app;

	if (b->nfail == 0 && b->nok == 1)
		tui_msg(app, TUI_MSG_INFO, "%s %s", b->verb, b->first_name);
	else if (b->nfail == 0)
		tui_msg(app, TUI_MSG_INFO, "%s %d connectors", b->verb, b->nok);
	else if (b->nok == 0 && b->nfail == 1)
		tui_msg(app, TUI_MSG_ERROR, "%s: %s", b->first_name, b->first_error);
	else
		tui_msg(app, TUI_MSG_ERROR, "%s %d, %d failed (first: %s)", b->verb, b->nok,
		    b->nfail, b->first_error ? b->first_error : "?");
	tui_fetch_now(app);
	app->next_fetch_ms = 0;	/* and once more on the next pass: states settle */
	free(b->verb);
	free(b->first_error);
	free(b->first_name);
	free(b);
}

struct one {
	struct batch	*b;
	char		*name;
};

static void
one_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct one *o = arg;
	struct batch *b = o->b;

	(void)c;
	(void)resp;
	if (err == NULL)
		b->nok++;
	else {
		b->nfail++;
		if (b->first_error == NULL)
			b->first_error = kc_text_sanitize(err->msg, 0);
	}
	if (b->first_name == NULL || (err != NULL && b->nfail == 1 && b->nok == 0)) {
		free(b->first_name);
		b->first_name = kc_text_sanitize(o->name, 0);
	}
	free(o->name);
	free(o);
	if (--b->pending == 0)
		batch_finish(b);
}

/* Submit METHOD /connectors/NAME/SUFFIX for every name. */
static void
run_batch(struct tui_app *app, json_t *names, const char *method, const char *suffix,
    const char *verb)
{
	struct batch *b;
	size_t i;
	json_t *n;

	if (app->client == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "not connected to a cluster");
		return;
	}
	b = kc_xcalloc(1, sizeof(*b));
	b->app = app;
	b->verb = kc_xstrdup(verb);
	b->pending = 1;		/* held until every request is queued */
	json_array_foreach(names, i, n) {
		char *enc = kc_url_encode_segment(json_string_value(n));
		char *path = kc_xasprintf("/connectors/%s%s", enc, suffix);
		struct one *o = kc_xcalloc(1, sizeof(*o));

		o->b = b;
		o->name = kc_xstrdup(json_string_value(n));
		b->pending++;
		if (tui_submit(app, method, path, NULL, one_done, o) != 0) {
			struct kc_err e;

			kc_err_set(&e, KC_E_FAIL, "cannot queue the request");
			one_done(app->client, NULL, &e, o);
		}
		free(path);
		free(enc);
	}
	if (--b->pending == 0)
		batch_finish(b);
}

/* ---- restart ---- */

struct menu_arg {
	json_t	*names;
};

static void
restart_chosen(struct tui_app *app, int choice, void *arg)
{
	struct menu_arg *ma = arg;
	static const char *const suffix[] = {
		"/restart",
		"/restart?includeTasks=true&onlyFailed=false",
		"/restart?includeTasks=true&onlyFailed=true",
	};
	static const char *const verb[] = {
		"restarted", "restarted (with all tasks)", "restarted failed instances of",
	};

	if (choice >= 0 && choice < 3) {
		if (choice > 0 && app->version_num > 0 && app->version_num < 30000)
			tui_msg(app, TUI_MSG_WARN, "Connect %s cannot restart tasks with the "
			    "connector (needs 3.0); restarting the connector only", app->version);
		run_batch(app, ma->names, "POST", app->version_num > 0 &&
		    app->version_num < 30000 ? suffix[0] : suffix[choice], verb[choice]);
	}
	json_decref(ma->names);
	free(ma);
}

/* ---- delete ---- */

static void
delete_typed(struct tui_app *app, const char *text, void *arg)
{
	json_t *names = arg;
	const char *want = json_array_size(names) == 1 ?
	    json_string_value(json_array_get(names, 0)) : "delete";

	if (text != NULL) {
		if (strcmp(text, want) == 0)
			run_batch(app, names, "DELETE", "", "deleted");
		else
			tui_msg(app, TUI_MSG_WARN, "not deleted: the text typed did not match");
	}
	json_decref(names);
}

/* ---- edit ---- */

struct edit {
	struct tui_app	*app;
	char		*name;
	char		*dir;
	char		*path;
	char		*original;	/* the text written, to detect "no change" */
	json_t		*config;	/* the edited config */
};

static void
edit_free(struct edit *e)
{
	if (e == NULL)
		return;
	if (e->path != NULL)
		unlink(e->path);
	if (e->dir != NULL)
		rmdir(e->dir);
	free(e->name);
	free(e->dir);
	free(e->path);
	free(e->original);
	json_decref(e->config);
	free(e);
}

static void edit_run(struct tui_app *app, struct edit *e);

static void
edit_again(struct tui_app *app, int choice, void *arg)
{
	struct edit *e = arg;

	if (choice == 0)
		edit_run(app, e);
	else {
		tui_msg(app, TUI_MSG_INFO, "edit of %s discarded", e->name);
		edit_free(e);
	}
}

static void
edit_retry_menu(struct tui_app *app, struct edit *e)
{
	static const char *const items[] = { "eedit again", "ddiscard" };

	tui_menu(app, "config rejected:", items, 2, edit_again, e);
}

static void
put_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct edit *e = arg;

	(void)c;
	(void)resp;
	if (err != NULL) {
		tui_msg(e->app, TUI_MSG_ERROR, "%s: config not updated: %s", e->name, err->msg);
		edit_retry_menu(e->app, e);
		return;
	}
	tui_msg(e->app, TUI_MSG_INFO, "%s: config updated", e->name);
	tui_fetch_now(e->app);
	edit_free(e);
}

static void
validate_done(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct edit *e = arg;
	struct tui_app *app = e->app;
	struct kc_buf b;
	json_t *configs, *item;
	size_t i, nerr;
	char *enc, *path;

	(void)c;
	if (err != NULL || resp->json == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s: validation failed: %s", e->name,
		    err != NULL ? err->msg : "answer is not JSON");
		edit_retry_menu(app, e);
		return;
	}
	nerr = (size_t)kc_json_int_or(resp->json, "error_count", 0);
	if (nerr > 0) {
		kc_buf_init(&b);
		kc_buf_printf(&b, "Connect rejected the edited config of %s (%zu error%s):\n\n",
		    e->name, nerr, nerr == 1 ? "" : "s");
		configs = json_object_get(resp->json, "configs");
		json_array_foreach(configs, i, item) {
			json_t *val = json_object_get(item, "value");
			json_t *errs = json_object_get(val, "errors"), *m;
			size_t j;

			json_array_foreach(errs, j, m)
				kc_buf_printf(&b, "  %s: %s\n", kc_json_str_or(val, "name", "?"),
				    json_string_value(m) ? json_string_value(m) : "?");
		}
		tui_open_text(app, "validation", kc_buf_steal(&b));
		tui_msg(app, TUI_MSG_ERROR, "%s: %zu validation error%s", e->name, nerr,
		    nerr == 1 ? "" : "s");
		edit_retry_menu(app, e);
		return;
	}
	enc = kc_url_encode_segment(e->name);
	path = kc_xasprintf("/connectors/%s/config", enc);
	if (tui_submit(app, "PUT", path, e->config, put_done, e) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "cannot queue the update");
		edit_free(e);
	}
	free(path);
	free(enc);
}

/* Run the editor on e->path, then parse and validate. */
static void
edit_run(struct tui_app *app, struct edit *e)
{
	const char *editor = getenv("VISUAL");
	struct kc_err err;
	char *text, *enc, *path;
	int status = -1;
	pid_t pid;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	tui_suspend(app);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", "exec $KCOPS_EDITOR \"$1\"", "sh", e->path,
		    (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	tui_resume(app);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "editor '%s' failed (status %d); nothing sent",
		    editor, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		edit_free(e);
		return;
	}
	if ((text = kc_read_file(e->path, NULL)) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s: %s", e->path, strerror(errno));
		edit_free(e);
		return;
	}
	if (strcmp(text, e->original) == 0) {
		tui_msg(app, TUI_MSG_INFO, "%s: no change", e->name);
		free(text);
		edit_free(e);
		return;
	}
	json_decref(e->config);
	kc_err_clear(&err);
	e->config = kc_json_parse(text, strlen(text), 1, &err);
	free(text);
	if (e->config == NULL || !json_is_object(e->config)) {
		tui_msg(app, TUI_MSG_ERROR, "%s: %s", e->name, e->config == NULL ? err.msg :
		    "expected a JSON object of config keys");
		edit_retry_menu(app, e);
		return;
	}
	if (kc_json_str(e->config, "connector.class") == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s: connector.class is missing", e->name);
		edit_retry_menu(app, e);
		return;
	}
	/* validate with Connect before sending */
	enc = kc_url_encode_segment(kc_json_str(e->config, "connector.class"));
	path = kc_xasprintf("/connector-plugins/%s/config/validate", enc);
	if (tui_submit(app, "PUT", path, e->config, validate_done, e) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "cannot queue the validation");
		edit_free(e);
	} else
		tui_msg(app, TUI_MSG_INFO, "%s: validating...", e->name);
	free(path);
	free(enc);
}

static void
config_fetched(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct edit *e = arg;
	struct tui_app *app = e->app;
	char tmpl[] = "/tmp/kcops-edit.XXXXXX";
	char *text;
	FILE *fp;
	int fd;

	(void)c;
	if (err != NULL || resp->json == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s: cannot read the config: %s", e->name,
		    err != NULL ? err->msg : "not JSON");
		edit_free(e);
		return;
	}
	if (mkdtemp(tmpl) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "mkdtemp: %s", strerror(errno));
		edit_free(e);
		return;
	}
	e->dir = kc_xstrdup(tmpl);
	e->path = kc_xasprintf("%s/%s.json", tmpl, "config");
	text = json_dumps(resp->json, JSON_INDENT(2) | JSON_SORT_KEYS);
	e->original = kc_xasprintf("%s\n", text != NULL ? text : "{}");
	free(text);
	fd = open(e->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "%s: %s", e->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		edit_free(e);
		return;
	}
	fputs(e->original, fp);
	fclose(fp);
	edit_run(app, e);
}

static void
start_edit(struct tui_app *app, const char *name)
{
	struct edit *e = kc_xcalloc(1, sizeof(*e));
	char *enc = kc_url_encode_segment(name), *path;
	const char *ed = getenv("VISUAL");

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	setenv("KCOPS_EDITOR", ed != NULL && *ed != '\0' ? ed : "vi", 1);
	e->app = app;
	e->name = kc_xstrdup(name);
	path = kc_xasprintf("/connectors/%s/config", enc);
	if (tui_submit(app, "GET", path, NULL, config_fetched, e) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "cannot queue the request");
		edit_free(e);
	} else
		tui_msg(app, TUI_MSG_INFO, "%s: reading the config...", name);
	free(path);
	free(enc);
}

struct task_restart {
	struct tui_app	*app;
	char		*name;
	int		 task;
};

static void
task_restarted(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct task_restart *t = arg;

	(void)c;
	if (err != NULL)
		tui_msg(t->app, TUI_MSG_ERROR, "%s task %d: %s", t->name, t->task, err->msg);
	else if (resp != NULL && resp->status == 202)	/* kcops-worker cluster: not confirmed */
		tui_msg(t->app, TUI_MSG_WARN, "restart of %s task %d requested, not confirmed yet "
		    "(its worker has not answered)", t->name, t->task);
	else
		tui_msg(t->app, TUI_MSG_INFO, "restarted %s task %d", t->name, t->task);
	tui_fetch_now(t->app);
	free(t->name);
	free(t);
}

void
tui_restart_task(struct tui_app *app, const char *name, int task)
{
	struct task_restart *t;
	char *enc, *path;

	if (tui_refuse_readonly(app, "restart"))
		return;
	t = kc_xcalloc(1, sizeof(*t));
	t->app = app;
	t->name = kc_xstrdup(name);
	t->task = task;
	enc = kc_url_encode_segment(name);
	path = kc_xasprintf("/connectors/%s/tasks/%d/restart", enc, task);
	if (tui_submit(app, "POST", path, NULL, task_restarted, t) != 0) {
		tui_msg(app, TUI_MSG_ERROR, "not connected to a cluster");
		free(t->name);
		free(t);
	}
	free(path);
	free(enc);
}

/* The restart menu of the detail view: the three variants plus one entry per task. */
struct detail_menu {
	char	*name;
	int	 ids[10];
	int	 n;
};

static void
detail_restart_chosen(struct tui_app *app, int choice, void *arg)
{
	struct detail_menu *dm = arg;

	if (choice >= 0 && choice < 3) {
		struct menu_arg *ma = kc_xcalloc(1, sizeof(*ma));

		ma->names = json_pack("[s]", dm->name);
		restart_chosen(app, choice, ma);
	} else if (choice >= 3 && choice - 3 < dm->n)
		tui_restart_task(app, dm->name, dm->ids[choice - 3]);
	free(dm->name);
	free(dm);
}

void
tui_restart_menu_tasks(struct tui_app *app, const char *name, const int *ids,
    const char *const *states, int n)
{
	struct detail_menu *dm;
	char *items[13], *title;
	int i, k = 0;

	if (tui_refuse_readonly(app, "restart"))
		return;
	dm = kc_xcalloc(1, sizeof(*dm));
	dm->name = kc_xstrdup(name);
	items[k++] = kc_xstrdup("cconnector");
	items[k++] = kc_xstrdup("aall tasks");
	items[k++] = kc_xstrdup("ffailed only");
	for (i = 0; i < n && dm->n < 10; i++) {
		if (ids[i] < 0 || ids[i] > 9)
			continue;
		dm->ids[dm->n++] = ids[i];
		items[k++] = kc_xasprintf("%dtask %d%s%s", ids[i], ids[i],
		    states[i] != NULL && strcmp(states[i], "FAILED") == 0 ? " (FAILED)" : "", "");
	}
	title = kc_xasprintf("restart %s:", name);
	tui_menu(app, title, (const char *const *)items, (size_t)k, detail_restart_chosen, dm);
	free(title);
	for (i = 0; i < k; i++)
		free(items[i]);
}

int
tui_conn_action(struct tui_app *app, enum tui_action a, const char *name)
{
	json_t *names;
	size_t n;

	if (tui_refuse_readonly(app, tui_action_name(a)))
		return TUI_R_REDRAW;
	if (app->client == NULL) {
		tui_msg(app, TUI_MSG_ERROR, "not connected to a cluster");
		return TUI_R_REDRAW;
	}
	/* marks apply in the connectors view; elsewhere the action is about one connector */
	if (tui_top(app) != NULL && tui_top(app)->ops == &tui_connectors_ops)
		names = tui_targets(app, name);
	else {
		names = json_array();
		if (name != NULL)
			json_array_append_new(names, json_string(name));
	}
	n = json_array_size(names);
	if (n == 0) {
		tui_msg(app, TUI_MSG_WARN, "no connector selected");
		json_decref(names);
		return TUI_R_REDRAW;
	}
	switch (a) {
	case TUI_A_PAUSE:
		run_batch(app, names, "PUT", "/pause", "paused");
		break;
	case TUI_A_RESUME:
		run_batch(app, names, "PUT", "/resume", "resumed");
		break;
	case TUI_A_STOP:
		if (app->version_num > 0 && app->version_num < 30500) {
			tui_msg(app, TUI_MSG_WARN, "Connect %s cannot stop connectors (needs 3.5)",
			    app->version);
			break;
		}
		run_batch(app, names, "PUT", "/stop", "stopped");
		break;
	case TUI_A_RESTART: {
		static const char *const items[] = {
			"cconnector", "aall tasks", "ffailed only"
		};
		struct menu_arg *ma = kc_xcalloc(1, sizeof(*ma));
		char *title;

		ma->names = json_incref(names);
		title = n == 1 ? kc_xasprintf("restart %s:",
		    json_string_value(json_array_get(names, 0))) :
		    kc_xasprintf("restart %zu connectors:", n);
		tui_menu(app, title, items, 3, restart_chosen, ma);
		free(title);
		break;
	}
	case TUI_A_DELETE: {
		char *prompt = n == 1 ? kc_xasprintf("delete %s? type its name to confirm: ",
		    json_string_value(json_array_get(names, 0))) :
		    kc_xasprintf("delete %zu connectors? type 'delete' to confirm: ", n);

		tui_input(app, prompt, "", delete_typed, json_incref(names));
		free(prompt);
		break;
	}
	case TUI_A_EDIT:
		if (n > 1) {
			tui_msg(app, TUI_MSG_WARN, "edit works on one connector (clear marks "
			    "with C-\\)");
			break;
		}
		start_edit(app, json_string_value(json_array_get(names, 0)));
		break;
	default:
		break;
	}
	json_decref(names);
	return TUI_R_REDRAW;
}
