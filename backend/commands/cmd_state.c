/* cmd_state.c - the state-file commands: validate FILE, plan FILE, apply FILE|PLAN, export.
 *
 * Dispatch with the connector-file commands of cmd_connect.c: "apply -f FILE" and
 * "validate -f FILE" handle one connector file (that table accepts only with -f/--file and
 * comes first in the table list); "apply FILE", "apply PLAN" and "validate FILE" without
 * -f land here. A saved plan is recognised by its content ("kcops_plan"), not its name.
 *
 * Handlers write data to io->out and diagnostics to io->err; the plan and apply logic lives
 * in backend/state so the TUI's plan view uses the same code. */
#include "kc_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_state.h"
#include "kc_text.h"
#include "kc_util.h"

enum {
	O_OFFLINE = 1, O_PRUNE, O_OUT, O_EXIT_CODE, O_DRY_RUN, O_YES, O_PARALLEL, O_SECRETS,
	O_TOKEN, O_HEADER, O_GH_USER, O_GH_TOKEN, O_BRANCH, O_GH_API, O_FILE, O_SELECTOR,
	O_OWNER, O_OWNER_EMAIL,
};

#define SOURCE_OPTS \
	{ O_TOKEN, 0, "token", 1 }, { O_HEADER, 0, "header", 1 }, \
	{ O_GH_USER, 0, "github-user", 1 }, { O_GH_TOKEN, 0, "github-token", 1 }, \
	{ O_BRANCH, 0, "branch", 1 }, { O_GH_API, 0, "github-api", 1 }

/* Take a source option into o; 1 when it was one. */
static int
source_opt(int id, const char *val, struct kc_state_source_opts *o)
{
	switch (id) {
	case O_TOKEN: o->token = val; return 1;
	case O_HEADER: o->header = val; return 1;
	case O_GH_USER: o->github_user = val; return 1;
	case O_GH_TOKEN: o->github_token = val; return 1;
	case O_BRANCH: o->github_branch = val; return 1;
	case O_GH_API: o->github_api = val; return 1;
	}
	return 0;
}

/* Load and parse a state file; NULL after printing the error. */
static struct kc_state *
load_state(struct kc_cmd_env *env, const char *src, const struct kc_state_source_opts *so)
{
	struct kc_err err;
	struct kc_state *st;

	kc_err_clear(&err);
	st = kc_state_load(src, so, &err);
	if (st == NULL) {
		char *m = kc_text_sanitize(err.msg, 0);
		kc_cmd_error(env, "%s", m);
		free(m);
	}
	return st;
}

/* Print the state's diagnostics (and warnings, unless -q) to io->err; returns the number of
 * errors. */
static size_t
print_diags(struct kc_cmd_env *env, const struct kc_state *st)
{
	struct kc_buf b;

	kc_buf_init(&b);
	kc_state_diags_text(st, &b);
	if (!env->io->quiet)
		kc_state_warnings_text(st, &b);
	fputs(kc_buf_str(&b), env->io->err);
	kc_buf_free(&b);
	return kc_state_ndiags(st);
}

/* Is a cluster configured (so validate may ask Connect)? Quiet: no error when not. */
static int
cluster_configured(struct kc_cmd_env *env)
{
	const char *url = env->ov.url ? env->ov.url : getenv("KCOPS_URL");
	const char *ctx = env->ov.context ? env->ov.context : getenv("KCOPS_CONTEXT");
	struct kc_ctx_file *f;
	struct kc_err err;
	int yes;

	if ((url != NULL && *url) || (ctx != NULL && *ctx))
		return 1;
	kc_err_clear(&err);
	f = kc_ctx_file_load(env->config_path, &err);
	yes = f != NULL && kc_ctx_file_current(f) != NULL;
	kc_ctx_file_free(f);
	return yes;
}

/* kcops validate FILE */
static int
cmd_validate(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	static const struct kc_cmd_opt defs[] = { { O_OFFLINE, 0, "offline", 0 }, SOURCE_OPTS,
	    { 0, 0, NULL, 0 } };
	struct kc_state_source_opts so;
	const char *src = NULL, *val;
	struct kc_state *st;
	int i = 0, id, offline = 0, remote = 0;
	size_t n;

	memset(&so, 0, sizeof so);
	while ((id = kc_cmd_getopt(env, cmd, argc, argv, &i, defs, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR)
			return KC_EXIT_USAGE;
		if (id == KC_OPT_ARG && src == NULL)
			src = val;
		else if (id == KC_OPT_ARG)
			return kc_cmd_usage(env, cmd, "one state file at a time");
		else if (id == O_OFFLINE)
			offline = 1;
		else
			source_opt(id, val, &so);
	}
	if (src == NULL)
		return kc_cmd_usage(env, cmd, "no state file given");
	if ((st = load_state(env, src, &so)) == NULL)
		return KC_EXIT_ERR;
	if (kc_state_ndiags(st) == 0 && !offline && cluster_configured(env)) {
		struct kc_client *c = kc_cmd_client(env);
		struct kc_err err;

		kc_err_clear(&err);
		if (c == NULL || kc_state_validate_remote(st, c, 8, &err) < 0) {
			char *m = kc_text_sanitize(err.msg, 0);
			fprintf(env->io->err, "%s: warning: the cluster was not reachable (%s); checked "
			    "the file only\n", env->prog, c == NULL ? "no client" : m);
			free(m);
		} else
			remote = 1;
	}
	n = kc_state_ndiags(st);
	if (env->io->fmt == KC_FMT_JSON) {
		json_t *o = json_pack("{s:s, s:b, s:i, s:b, s:o, s:o}", "file", kc_state_name(st),
		    "valid", n == 0, "connectors", (int)kc_state_count(st), "checked_by_connect",
		    remote, "errors", kc_state_diags_json(st), "warnings",
		    kc_state_warnings_json(st));
		kc_cmd_print_json(env, o, 0);
		json_decref(o);
	} else {
		print_diags(env, st);
		size_t w = kc_state_nwarnings(st);
		char ws[64] = "";

		if (w > 0)
			snprintf(ws, sizeof ws, ", %zu warning%s", w, w == 1 ? "" : "s");
		if (n == 0 && !env->io->quiet) {
			char *name = kc_text_sanitize(kc_state_name(st), 0);
			fprintf(env->io->out, "%s: valid (%zu connector%s%s%s)\n", name,
			    kc_state_count(st), kc_state_count(st) == 1 ? "" : "s",
			    remote ? ", checked by Connect" : "", ws);
			free(name);
		} else if (n > 0)
			fprintf(env->io->err, "%zu error%s%s\n", n, n == 1 ? "" : "s", ws);
	}
	kc_state_free(st);
	return n == 0 ? KC_EXIT_OK : KC_EXIT_ERR;
}

/* Fetch the live snapshot; NULL after printing the error. */
static json_t *
fetch_live(struct kc_cmd_env *env, struct kc_client **cp)
{
	struct kc_client *c = kc_cmd_client(env);
	struct kc_err err;
	json_t *live;

	*cp = c;
	if (c == NULL)
		return NULL;
	kc_err_clear(&err);
	live = kc_state_live(c, &err);
	if (live == NULL)
		kc_cmd_fail(env, "reading the cluster", &err);
	return live;
}

/* Load a state, check it, fetch live and plan. NULL after printing the problem. */
static struct kc_state_plan *
make_plan(struct kc_cmd_env *env, const char *src, const struct kc_state_source_opts *so,
    int prune, const json_t *selector, struct kc_client **cp)
{
	struct kc_state_plan_opts po = { prune, selector };
	struct kc_state_plan *p;
	struct kc_state *st;
	struct kc_err err;
	json_t *live;

	if ((st = load_state(env, src, so)) == NULL)
		return NULL;
	if (print_diags(env, st) > 0) {
		kc_cmd_error(env, "%s has errors; nothing planned", kc_state_name(st));
		kc_state_free(st);
		return NULL;
	}
	if ((live = fetch_live(env, cp)) == NULL) {
		kc_state_free(st);
		return NULL;
	}
	kc_err_clear(&err);
	p = kc_state_plan_new(st, live, &po, &err);
	if (p == NULL) {
		char *m = kc_text_sanitize(err.msg, 0);
		kc_cmd_error(env, "%s", m);
		free(m);
	} else if (kc_state_plan_count_action(p, KC_STATE_STOP) > 0 && *cp != NULL &&
	    !kc_client_has(*cp, KC_FEAT_STOP)) {
		fprintf(env->io->err, "%s: warning: this worker predates Kafka Connect %s, which "
		    "added stop: the stop steps will fail (use paused instead)\n", env->prog,
		    kc_feature_since(KC_FEAT_STOP));
	}
	json_decref(live);
	kc_state_free(st);
	return p;
}

/* Print a plan as text or JSON. */
static void
print_plan(struct kc_cmd_env *env, const struct kc_state_plan *p)
{
	if (env->io->fmt == KC_FMT_JSON) {
		json_t *o = kc_state_plan_json(p);
		kc_cmd_print_json(env, o, 0);
		json_decref(o);
	} else {
		struct kc_buf b;
		kc_buf_init(&b);
		kc_state_plan_text(p, &b, env->io->color ? KC_STATE_RENDER_COLOR : 0);
		fputs(kc_buf_str(&b), env->io->out);
		kc_buf_free(&b);
	}
}

/* Parse a --selector value and merge it into *sel. Returns an exit code. */
static int
take_selector(struct kc_cmd_env *env, const struct kc_cmd *cmd, const char *val, json_t **sel)
{
	struct kc_err err;
	json_t *s;

	kc_err_clear(&err);
	if ((s = kc_state_selector_parse(val, &err)) == NULL) {
		json_decref(*sel);
		*sel = NULL;
		return kc_cmd_usage(env, cmd, "%s", err.msg);
	}
	if (*sel == NULL)
		*sel = s;
	else {
		json_object_update(*sel, s);
		json_decref(s);
	}
	return KC_EXIT_OK;
}

/* kcops plan FILE */
static int
cmd_plan(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	static const struct kc_cmd_opt defs[] = { { O_PRUNE, 0, "prune", 0 },
	    { O_OUT, 0, "out", 1 }, { O_EXIT_CODE, 0, "exit-code", 0 },
	    { O_SELECTOR, 'l', "selector", 1 }, SOURCE_OPTS, { 0, 0, NULL, 0 } };
	struct kc_state_source_opts so;
	const char *src = NULL, *out = NULL, *val;
	struct kc_state_plan *p;
	struct kc_client *c;
	json_t *selector = NULL;
	int i = 0, id, prune = 0, exit_code = 0, rc = KC_EXIT_OK;

	memset(&so, 0, sizeof so);
	while ((id = kc_cmd_getopt(env, cmd, argc, argv, &i, defs, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR) {
			json_decref(selector);
			return KC_EXIT_USAGE;
		}
		if (id == O_SELECTOR) {
			if ((rc = take_selector(env, cmd, val, &selector)) != KC_EXIT_OK)
				return rc;
			continue;
		}
		if (id == KC_OPT_ARG && src == NULL)
			src = val;
		else if (id == KC_OPT_ARG)
			return kc_cmd_usage(env, cmd, "one state file at a time");
		else if (id == O_PRUNE)
			prune = 1;
		else if (id == O_OUT)
			out = val;
		else if (id == O_EXIT_CODE)
			exit_code = 1;
		else
			source_opt(id, val, &so);
	}
	if (src == NULL) {
		json_decref(selector);
		return kc_cmd_usage(env, cmd, "no state file given");
	}
	p = make_plan(env, src, &so, prune, selector, &c);
	json_decref(selector);
	if (p == NULL)
		return KC_EXIT_ERR;
	print_plan(env, p);
	if (out != NULL) {
		struct kc_err err;
		kc_err_clear(&err);
		if (kc_state_plan_save(p, out, &err) < 0)
			rc = kc_cmd_error(env, "%s", err.msg);
		else if (!env->io->quiet)
			fprintf(env->io->err, "Saved the plan to %s (fingerprint %.12s); run it with: "
			    "%s apply %s\n", out, kc_state_plan_fingerprint(p), env->prog, out);
	}
	if (rc == KC_EXIT_OK && exit_code && kc_state_plan_count(p) > 0)
		rc = KC_EXIT_CHANGES;
	kc_state_plan_free(p);
	return rc;
}

/* Progress bar state for a TTY. */
struct bar {
	FILE	*f;
	int64_t	 last_ms;
	size_t	 failed;
};

/* Draw the progress bar (at most every 50 ms, and at the end). */
static void
on_progress(void *arg, size_t done, size_t total, const struct kc_state_step *s,
    const char *error)
{
	struct bar *b = arg;
	int64_t now = kc_mono_ms();
	int width = 30, fill, k;

	if (error != NULL)
		b->failed++;
	if (b->f == NULL || (done < total && now - b->last_ms < 50))
		return;
	b->last_ms = now;
	fill = total ? (int)(done * (size_t)width / total) : width;
	fputc('\r', b->f);
	fputc('[', b->f);
	for (k = 0; k < width; k++)
		fputc(k < fill ? '#' : '.', b->f);
	fprintf(b->f, "] %zu/%zu %-7s", done, total, kc_state_action_name(s->action));
	if (b->failed > 0)
		fprintf(b->f, " (%zu failed)", b->failed);
	fputs("\033[K", b->f);
	if (done == total)
		fputs("\r\033[K", b->f);
	fflush(b->f);
}

static volatile int interrupted;

/* SIGINT during apply: stop sending, report what ran (a second one exits). */
static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Ask on the terminal; 1 for yes. */
static int
confirm(struct kc_cmd_env *env, size_t n)
{
	char line[64];

	fprintf(env->io->err, "Apply %zu change%s? Only 'yes' proceeds: ", n, n == 1 ? "" : "s");
	fflush(env->io->err);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	kc_str_trim(line);
	return strcmp(line, "yes") == 0 || strcmp(line, "y") == 0;
}

/* kcops apply FILE|PLAN */
static int
cmd_apply(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	static const struct kc_cmd_opt defs[] = { { O_PRUNE, 0, "prune", 0 },
	    { O_DRY_RUN, 0, "dry-run", 0 }, { O_YES, 'y', "yes", 0 },
	    { O_PARALLEL, 0, "parallel", 1 }, { O_SELECTOR, 'l', "selector", 1 }, SOURCE_OPTS,
	    { 0, 0, NULL, 0 } };
	struct kc_state_source_opts so;
	struct kc_state_apply_opts ao;
	struct kc_state_report *r;
	struct kc_state_plan *p = NULL;
	struct kc_state_exec *ex;
	struct kc_client *c = NULL;
	const char *src = NULL, *val;
	struct bar bar = { NULL, 0, 0 };
	struct sigaction old_int;
	json_t *selector = NULL;
	int i = 0, id, prune = 0, dry = 0, yes = 0, parallel = 16, saved = 0, rc;
	size_t len = 0;
	char *text;

	memset(&so, 0, sizeof so);
	while ((id = kc_cmd_getopt(env, cmd, argc, argv, &i, defs, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR) {
			json_decref(selector);
			return KC_EXIT_USAGE;
		}
		if (id == O_SELECTOR) {
			if ((rc = take_selector(env, cmd, val, &selector)) != KC_EXIT_OK)
				return rc;
		} else if (id == KC_OPT_ARG && src == NULL)
			src = val;
		else if (id == KC_OPT_ARG) {
			json_decref(selector);
			return kc_cmd_usage(env, cmd, "one state file or plan at a time");
		} else if (id == O_PRUNE)
			prune = 1;
		else if (id == O_DRY_RUN)
			dry = 1;
		else if (id == O_YES)
			yes = 1;
		else if (id == O_PARALLEL) {
			parallel = atoi(val);
			if (parallel < 1 || parallel > 256) {
				json_decref(selector);
				return kc_cmd_usage(env, cmd, "--parallel takes 1..256");
			}
		} else
			source_opt(id, val, &so);
	}
	if (src == NULL) {
		json_decref(selector);
		return kc_cmd_usage(env, cmd, "no state file or plan given");
	}

	/* a saved plan? (only local files and stdin can be) */
	if (!kc_str_has_prefix(src, "git:") && !kc_str_has_prefix(src, "github:") &&
	    !kc_str_has_prefix(src, "http://") && !kc_str_has_prefix(src, "https://") &&
	    strcmp(src, "-") != 0 && (text = kc_read_file(src, &len)) != NULL) {
		if (kc_state_is_saved_plan(text, len)) {
			struct kc_err err;
			json_t *live;
			char *fp;

			saved = 1;
			if (prune || selector != NULL)
				fprintf(env->io->err, "%s: warning: --prune and --selector are ignored "
				    "with a saved plan (it runs exactly as reviewed)\n", env->prog);
			json_decref(selector);
			selector = NULL;
			kc_err_clear(&err);
			p = kc_state_plan_parse(text, len, src, &err);
			free(text);
			if (p == NULL)
				return kc_cmd_error(env, "%s", err.msg);
			if ((live = fetch_live(env, &c)) == NULL) {
				kc_state_plan_free(p);
				return KC_EXIT_ERR;
			}
			fp = kc_state_fingerprint(live);
			json_decref(live);
			if (strcmp(fp, kc_state_plan_fingerprint(p)) != 0) {
				kc_cmd_error(env, "the cluster changed since %s was made (fingerprint "
				    "%.12s, now %.12s); nothing applied: plan again and review", src,
				    kc_state_plan_fingerprint(p), fp);
				free(fp);
				kc_state_plan_free(p);
				return KC_EXIT_ERR;
			}
			free(fp);
		} else
			free(text);
	}
	if (p == NULL)
		p = make_plan(env, src, &so, prune, selector, &c);
	json_decref(selector);
	if (p == NULL)
		return KC_EXIT_ERR;
	if (kc_state_plan_count(p) == 0) {
		if (env->io->fmt == KC_FMT_JSON) {
			struct kc_state_apply_opts none = { .dry_run = dry };
			r = kc_state_apply(p, NULL, &none);
			json_t *o = kc_state_report_json(r);
			kc_cmd_print_json(env, o, 0);
			json_decref(o);
			kc_state_report_free(r);
		} else if (!env->io->quiet)
			print_plan(env, p);
		kc_state_plan_free(p);
		return KC_EXIT_OK;
	}
	if (env->io->fmt != KC_FMT_JSON && !env->io->quiet)
		print_plan(env, p);
	if (!dry && !yes && !saved) {
		if (env->io->interactive || !isatty(0)) {
			kc_state_plan_free(p);
			return kc_cmd_error(env, "apply changes the cluster: confirm with --yes (or "
			    "review with plan --out PLAN, then apply PLAN)");
		}
		if (env->io->fmt == KC_FMT_JSON || env->io->quiet) {
			/* the plan was not printed: show it next to the question */
			struct kc_buf b;
			kc_buf_init(&b);
			kc_state_plan_text(p, &b, 0);
			fputs(kc_buf_str(&b), env->io->err);
			kc_buf_free(&b);
		}
		if (!confirm(env, kc_state_plan_count(p))) {
			fprintf(env->io->err, "Nothing applied.\n");
			kc_state_plan_free(p);
			return KC_EXIT_ERR;
		}
	}
	memset(&ao, 0, sizeof ao);
	ao.dry_run = dry;
	ao.progress = on_progress;
	ao.progress_arg = &bar;
	if (!env->io->interactive && !env->io->quiet && isatty(fileno(env->io->err)))
		bar.f = env->io->err;
	if (!dry && !kc_client_has(c, KC_FEAT_INITIAL_STATE))
		ao.no_initial_state = 1;	/* < 3.7: create, then pause/stop at once */
	ex = dry ? NULL : kc_state_exec_client_new(c, parallel);
	if (!env->io->interactive) {
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sa.sa_flags = (int)SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		interrupted = 0;
		sigaction(SIGINT, &sa, &old_int);
		ao.cancel = &interrupted;
		if (ex != NULL)
			kc_state_exec_client_set_cancel(ex, &interrupted);
	}
	r = kc_state_apply(p, ex, &ao);
	if (!env->io->interactive)
		sigaction(SIGINT, &old_int, NULL);
	if (interrupted)
		fprintf(env->io->err, "%s: interrupted: requests already sent finished; the rest "
		    "was not sent\n", env->prog);
	kc_state_exec_client_free(ex);
	if (env->io->fmt == KC_FMT_JSON) {
		json_t *o = kc_state_report_json(r);
		kc_cmd_print_json(env, o, 0);
		json_decref(o);
	} else {
		struct kc_buf b;
		kc_buf_init(&b);
		kc_state_report_text(r, &b);
		fputs(kc_buf_str(&b), env->io->out);
		kc_buf_free(&b);
	}
	rc = kc_state_report_nfailed(r) > 0 ? KC_EXIT_ERR : KC_EXIT_OK;
	kc_state_report_free(r);
	kc_state_plan_free(p);
	return rc;
}

/* kcops export */
static int
cmd_export(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	static const struct kc_cmd_opt defs[] = { { O_SECRETS, 0, "secrets", 1 },
	    { O_OUT, 0, "out", 1 }, { O_OWNER, 0, "owner", 1 }, { O_OWNER_EMAIL, 0, "owner-email", 1 },
	    { 0, 0, NULL, 0 } };
	enum kc_state_secrets mode = KC_STATE_SECRETS_REF;
	const char *out = NULL, *val, *owner = NULL, *owner_email = NULL;
	struct kc_client *c;
	json_t *live, *doc, *refs = NULL, *names = NULL, *ref;
	int i = 0, id, rc = KC_EXIT_OK;
	size_t k;

	while ((id = kc_cmd_getopt(env, cmd, argc, argv, &i, defs, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR) {
			json_decref(names);
			return KC_EXIT_USAGE;
		}
		if (id == KC_OPT_ARG) {
			if (names == NULL)
				names = json_array();
			json_array_append_new(names, json_string(val));
		} else if (id == O_OUT)
			out = val;
		else if (id == O_OWNER)
			owner = val;
		else if (id == O_OWNER_EMAIL)
			owner_email = val;
		else if (id == O_SECRETS) {
			if (strcmp(val, "ref") == 0)
				mode = KC_STATE_SECRETS_REF;
			else if (strcmp(val, "mask") == 0)
				mode = KC_STATE_SECRETS_MASK;
			else if (strcmp(val, "plain") == 0)
				mode = KC_STATE_SECRETS_PLAIN;
			else {
				json_decref(names);
				return kc_cmd_usage(env, cmd, "--secrets takes ref, mask or plain");
			}
		}
	}
	if ((live = fetch_live(env, &c)) == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	if (names != NULL) {	/* only the named connectors */
		json_t *sel = json_object(), *n;
		json_array_foreach(names, k, n) {
			json_t *e = json_object_get(live, json_string_value(n));
			if (e == NULL) {
				char *s = kc_text_sanitize(json_string_value(n), 0);
				rc = kc_cmd_error(env, "no connector named '%s'", s);
				free(s);
				continue;
			}
			json_object_set(sel, json_string_value(n), e);
		}
		json_decref(live);
		live = sel;
		json_decref(names);
		if (rc != KC_EXIT_OK) {
			json_decref(live);
			return rc;
		}
	}
	doc = kc_state_export(live, mode, &refs);
	json_decref(live);
	if (owner != NULL || owner_email != NULL) {	/* owners for every exported connector */
		json_t *d = json_object(), *o = json_object(), *rest = json_object();
		const char *mk;
		json_t *mv;

		if (owner != NULL)
			json_object_set_new(o, "name", json_string(owner));
		if (owner_email != NULL)
			json_object_set_new(o, "email", json_string(owner_email));
		json_object_set_new(d, "owner", o);
		/* keep "version" first, then require_owner and defaults, then the rest */
		json_object_foreach(doc, mk, mv)
			json_object_set(rest, mk, mv);
		json_object_clear(doc);
		json_object_set(doc, "version", json_object_get(rest, "version"));
		json_object_set_new(doc, "require_owner", json_boolean(owner != NULL &&
		    owner_email != NULL));
		json_object_set_new(doc, "defaults", d);
		json_object_del(rest, "version");
		json_object_update(doc, rest);
		json_decref(rest);
	}
	if (out != NULL) {
		char *text = json_dumps(doc, JSON_INDENT(2));
		FILE *f = fopen(out, "w");
		int bad = f == NULL, e = errno;

		if (f != NULL) {
			bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
			e = errno;
			if (fclose(f) != 0 && !bad) {
				bad = 1;
				e = errno;
			}
		}
		if (bad)
			rc = kc_cmd_error(env, "%s: cannot write: %s", out, strerror(e));
		free(text);
	} else {
		char *s = json_dumps(doc, JSON_INDENT(2));
		fputs(s, env->io->out);
		fputc('\n', env->io->out);
		free(s);
	}
	if (json_array_size(refs) > 0 && !env->io->quiet) {
		fprintf(env->io->err, "%s: %zu secret value%s written as references; set %s before "
		    "plan or apply:\n", env->prog, json_array_size(refs), json_array_size(refs) == 1 ?
		    "" : "s", json_array_size(refs) == 1 ? "this variable" : "these variables");
		json_array_foreach(refs, k, ref) {
			char *cn = kc_text_sanitize(kc_json_str(ref, "connector"), 0);
			char *key = kc_text_sanitize(kc_json_str(ref, "key"), 0);
			fprintf(env->io->err, "  %s  (%s: %s)\n", kc_json_str(ref, "variable"), cn, key);
			free(cn);
			free(key);
		}
	}
	json_decref(refs);
	json_decref(doc);
	return rc;
}

/* The entries. validate/apply share names with cmd_connect.c's -f forms, which come first. */
const struct kc_cmd kc_cmd_state_table[] = {
	{ "validate", NULL, "validate FILE [--offline] [SOURCE OPTIONS]",
	  "Check a state file (and, with a cluster, Connect's own validation)",
	  "Reads a state file and reports every problem in one pass, one a line as\n"
	  "FILE: /json/pointer: message (syntax errors as FILE:LINE:COLUMN: message).\n"
	  "With a context or --url, each connector is also checked by Connect's validate\n"
	  "endpoint, its errors mapped to the config key; --offline skips that.\n"
	  "FILE is a path, a directory of *.json files, '-', git:REF:PATH, an http(s) URL\n"
	  "or github:OWNER/REPO/PATH.\n"
	  "Source options: --token T, --header 'Name: value', --github-user U,\n"
	  "--github-token T, --branch B, --github-api URL (also KCOPS_STATE_TOKEN,\n"
	  "KCOPS_GITHUB_USER, KCOPS_GITHUB_TOKEN, KCOPS_GITHUB_BRANCH, KCOPS_GITHUB_API).\n"
	  "Exit status 1 when there is any error. See kcops-state(5).\n",
	  0, cmd_validate, NULL, NULL },
	{ "plan", NULL, "plan FILE [--prune] [-l LABEL=VALUE] [--out PLAN] [--exit-code] [-o json]",
	  "Show what apply would change to make the cluster match a state file",
	  "Diffs the state file against the live cluster: + create, ~ update (key by key,\n"
	  "secrets masked), ~ pause/resume/stop, ~ restart (failed connector or tasks),\n"
	  "- delete (only connectors matched by the file's prune rules, or all unmanaged\n"
	  "ones with --prune). --out PLAN saves the plan with a fingerprint of the cluster;\n"
	  "'apply PLAN' later runs exactly it. --exit-code exits 3 when there are changes.\n"
	  "-l/--selector LABEL=VALUE[,...] plans only the connectors whose labels match\n"
	  "(nothing is deleted then). Source options as for validate.\n",
	  0, cmd_plan, NULL, NULL },
	{ "apply", NULL, "apply FILE|PLAN [--yes] [--dry-run] [--prune] [-l LABEL=VALUE] [--parallel N]",
	  "Make the cluster match a state file, or run a saved plan",
	  "Plans, shows the plan, asks for confirmation (--yes skips it; required without a\n"
	  "terminal) and runs it: creates (in their initial state), updates, pause/resume/\n"
	  "stop, restarts, deletes; up to --parallel requests at once (default 16). One\n"
	  "failing step does not stop the others; the report lists added, removed, updated,\n"
	  "paused, resumed, stopped, restarted and failed. Exit status 1 when a step failed.\n"
	  "With a saved PLAN (from plan --out) it refuses to run when the cluster changed\n"
	  "since the plan was made. -l/--selector limits it as for plan. 'apply -f FILE'\n"
	  "applies one connector file instead.\n",
	  KC_CMD_MUTATES, cmd_apply, NULL, NULL },
	{ "export", NULL, "export [NAME...] [--secrets ref|mask|plain] [--owner N --owner-email E] [--out FILE]",
	  "Write the live cluster as a state file",
	  "Writes every connector (or the named ones) as a state file that plans to no change.\n"
	  "Sensitive values become ${kcops:env:KCOPS_SECRET_<CONNECTOR>_<KEY>} references\n"
	  "(listed on stderr; --secrets mask writes ******** and plain the values).\n"
	  "--owner and --owner-email write a default owner for every connector (and, with\n"
	  "both, require_owner), for teams that review owners.\n",
	  0, cmd_export, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
