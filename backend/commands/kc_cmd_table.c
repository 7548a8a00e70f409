/* kc_cmd_table.c - the command table: lookup, global options, lazy context/client, help.
 *
 * HOW TO ADD COMMANDS FROM ANOTHER FILE (e.g. backend/commands/cmd_state.c):
 *   1. In your file define a NULL-terminated array
 *        const struct kc_cmd kc_cmd_state_table[] = { { "plan", ... }, ..., { NULL } };
 *      (see struct kc_cmd in kc_cmd.h; set KC_CMD_MUTATES on commands that change the
 *      cluster, and `accepts` when your entry shares a name with another one).
 *   2. Add one `extern` line and one entry to `tables[]` below, and your file to
 *      backend/commands/meson.build.
 * Entries are searched in the order of tables[]; with two entries of one name (e.g. "apply"),
 * the first whose accepts() returns 1 (or that has no accepts) runs. "apply -f FILE" and
 * "validate -f FILE" are connector files (cmd_connect.c, which accepts only with -f/--file);
 * "apply FILE" / "validate FILE" without -f fall through to the state-file entries.
 */
#include "kc_cmd.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_util.h"

extern const struct kc_cmd kc_cmd_connect_table[];
extern const struct kc_cmd kc_cmd_context_table[];
extern const struct kc_cmd kc_cmd_kafka_table[];
extern const struct kc_cmd kc_cmd_misc_table[];
extern const struct kc_cmd kc_cmd_complete_table[];
extern const struct kc_cmd kc_cmd_state_table[];
extern const struct kc_cmd kc_cmd_watch_table[];

static const struct kc_cmd *const tables[] = {
	kc_cmd_connect_table,
	kc_cmd_state_table,
	kc_cmd_kafka_table,
	kc_cmd_context_table,
	kc_cmd_misc_table,
	kc_cmd_complete_table,
	kc_cmd_watch_table,
};

/* Iterate over every entry. */
const struct kc_cmd *
kc_cmd_next(const struct kc_cmd *prev)
{
	const struct kc_cmd *e;
	size_t t;
	int take = prev == NULL;

	for (t = 0; t < KC_NITEMS(tables); t++) {
		for (e = tables[t]; e->name != NULL; e++) {
			if (take)
				return e;
			if (e == prev)
				take = 1;
		}
	}
	return NULL;
}

/* Does name match the entry's name or one of its aliases? */
static int
name_matches(const struct kc_cmd *cmd, const char *name)
{
	const char *a = cmd->aliases;
	size_t l = strlen(name);

	if (strcmp(cmd->name, name) == 0)
		return 1;
	while (a != NULL && *a != '\0') {
		const char *e = strchr(a, ' ');
		size_t al = e != NULL ? (size_t)(e - a) : strlen(a);
		if (al == l && strncmp(a, name, l) == 0)
			return 1;
		a = e != NULL ? e + 1 : NULL;
	}
	return 0;
}

/* Find the entry for argv. */
const struct kc_cmd *
kc_cmd_find(int argc, char **argv)
{
	const struct kc_cmd *c, *fallback = NULL;

	if (argc < 1)
		return NULL;
	for (c = kc_cmd_next(NULL); c != NULL; c = kc_cmd_next(c)) {
		if (!name_matches(c, argv[0]))
			continue;
		if (c->accepts == NULL || c->accepts(argc, argv))
			return c;
		if (fallback == NULL)
			fallback = c;
	}
	return fallback;
}

/* Mutating for these arguments? */
int
kc_cmd_is_mutating(const struct kc_cmd *cmd, int argc, char **argv)
{
	if (cmd->mutates != NULL)
		return cmd->mutates(argc, argv);
	return (cmd->flags & KC_CMD_MUTATES) != 0;
}

/* Run one command line. */
int
kc_cmd_run(struct kc_cmd_env *env, int argc, char **argv)
{
	const struct kc_cmd *cmd = kc_cmd_find(argc, argv);

	if (cmd == NULL) {
		const char *names[128];
		const struct kc_cmd *c;
		const char *sug;
		size_t n = 0;
		for (c = kc_cmd_next(NULL); c != NULL && n < KC_NITEMS(names); c = kc_cmd_next(c))
			if (!(c->flags & KC_CMD_HIDDEN))
				names[n++] = c->name;
		sug = argc > 0 ? kc_str_closest(argv[0], names, n) : NULL;
		fprintf(env->io->err, "%s: error: unknown command '%s'%s%s%s (see '%s help')\n",
		    env->prog, argc > 0 ? argv[0] : "", sug ? "; did you mean '" : "",
		    sug ? sug : "", sug ? "'?" : "", env->prog);
		return KC_EXIT_USAGE;
	}
	if (kc_cmd_is_mutating(cmd, argc, argv)) {
		struct kc_ctx *ctx = kc_cmd_ctx(env);
		if (ctx == NULL)
			return KC_EXIT_ERR;
		if (ctx->read_only) {
			fprintf(env->io->err, "%s: error: '%s' changes the cluster, and context '%s' "
			    "is read-only\n", env->prog, cmd->name,
			    ctx->name != NULL ? ctx->name : "(--read-only)");
			return KC_EXIT_ERR;
		}
	}
	return cmd->run(env, cmd, argc, argv);
}

/* Take the value of a global option: "--opt=v" or "--opt v". */
static const char *
take_value(int *i, int argc, char **argv, const char *name, int *bad)
{
	const char *a = argv[*i];
	size_t l = strlen(name);

	if (a[l] == '=')
		return a + l + 1;
	if (*i + 1 >= argc) {
		*bad = 1;
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

/* Does argv[i] name this option (exactly, or with "=value")? */
static int
is_opt(const char *a, const char *name)
{
	size_t l = strlen(name);

	return strncmp(a, name, l) == 0 && (a[l] == '\0' || (a[l] == '=' && name[1] == '-'));
}

/* Parse and remove global options. */
int
kc_cmd_parse_globals(struct kc_cmd_env *env, int *argcp, char **argv)
{
	struct kc_cmd_io *io = env->io;
	int argc = *argcp, i, o = 0, bad = 0, color = -1, ctx_cmd = 0;
	const char *v;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		/* "context add NAME --url URL --read-only": those two belong to the command. */
		if (ctx_cmd && (is_opt(a, "--url") || strcmp(a, "--read-only") == 0)) {
			argv[o++] = argv[i];
			if (strcmp(a, "--url") == 0 && i + 1 < argc)
				argv[o++] = argv[++i];
			continue;
		}
		if (a[0] != '-' && o == 0)
			ctx_cmd = strcmp(a, "context") == 0 || strcmp(a, "ctx") == 0 ||
			    strcmp(a, "contexts") == 0;
		if (strcmp(a, "--") == 0) {
			for (; i < argc; i++)
				argv[o++] = argv[i];
			break;
		}
		if (is_opt(a, "--context")) {
			env->ov.context = take_value(&i, argc, argv, "--context", &bad);
		} else if (is_opt(a, "--url")) {
			env->ov.url = take_value(&i, argc, argv, "--url", &bad);
		} else if (is_opt(a, "--bootstrap")) {
			env->ov.bootstrap = take_value(&i, argc, argv, "--bootstrap", &bad);
		} else if (is_opt(a, "--config")) {
			env->config_path = take_value(&i, argc, argv, "--config", &bad);
		} else if (is_opt(a, "--timeout")) {
			v = take_value(&i, argc, argv, "--timeout", &bad);
			if (v != NULL && (env->timeout_ms = kc_parse_duration_ms(v, 1000)) <= 0) {
				fprintf(io->err, "%s: error: --timeout '%s': expected a duration such "
				    "as 30s or 2m\n", env->prog, v);
				return KC_EXIT_USAGE;
			}
		} else if (is_opt(a, "-o") || is_opt(a, "--output") ||
		    (strncmp(a, "-o", 2) == 0 && a[2] != '\0' && a[1] != '-')) {
			if (a[1] == 'o' && a[2] != '\0')
				v = a + 2;
			else
				v = take_value(&i, argc, argv, a[1] == 'o' ? "-o" : "--output", &bad);
			if (v == NULL) {
				fprintf(io->err, "%s: error: %s needs a value (table, wide, json or "
				    "names)\n", env->prog, a);
				return KC_EXIT_USAGE;
			}
			if (strcmp(v, "json") == 0)
				io->fmt = KC_FMT_JSON;
			else if (strcmp(v, "table") == 0)
				io->fmt = KC_FMT_TABLE;
			else if (strcmp(v, "wide") == 0)
				io->fmt = KC_FMT_WIDE;
			else if (strcmp(v, "names") == 0 || strcmp(v, "name") == 0)
				io->fmt = KC_FMT_NAMES;
			else {
				fprintf(io->err, "%s: error: -o '%s': expected table, wide, json or "
				    "names\n", env->prog, v);
				return KC_EXIT_USAGE;
			}
			io->fmt_set = 1;
		} else if (strcmp(a, "--show-secrets") == 0) {
			io->show_secrets = 1;
		} else if (strcmp(a, "--no-color") == 0) {
			color = 0;
		} else if (strcmp(a, "--color") == 0) {
			color = 1;
		} else if (strcmp(a, "--read-only") == 0) {
			env->ov.read_only = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			io->verbose++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			io->quiet = 1;
		} else {
			argv[o++] = argv[i];
		}
		if (bad) {
			fprintf(io->err, "%s: error: %s needs a value\n", env->prog, a);
			return KC_EXIT_USAGE;
		}
	}
	argv[o] = NULL;
	*argcp = o;
	if (color >= 0)
		io->color = color;
	return 0;
}

/* Lazily load the contexts file. */
struct kc_ctx_file *
kc_cmd_file(struct kc_cmd_env *env)
{
	struct kc_err err;

	if (env->file != NULL)
		return env->file;
	kc_err_clear(&err);
	env->file = kc_ctx_file_load(env->config_path, &err);
	if (env->file == NULL)
		kc_cmd_error(env, "%s", err.msg);
	return env->file;
}

/* Lazily resolve the context. */
struct kc_ctx *
kc_cmd_ctx(struct kc_cmd_env *env)
{
	struct kc_ctx_file *f = NULL;
	struct kc_err err;
	const char *url;

	if (env->ctx != NULL)
		return env->ctx;
	url = env->ov.url != NULL ? env->ov.url : getenv("KCOPS_URL");
	/* An ad-hoc --url works even with a broken or missing contexts file. */
	if (url == NULL || *url == '\0' || env->ov.context != NULL) {
		f = kc_cmd_file(env);
		if (f == NULL)
			return NULL;
	}
	kc_err_clear(&err);
	env->ctx = kc_ctx_resolve(f, &env->ov, &err);
	if (env->ctx == NULL)
		kc_cmd_error(env, "%s", err.msg);
	return env->ctx;
}

/* -v: log every request to stderr. */
static void
trace_request(void *arg, const char *method, const char *path, long status)
{
	struct kc_cmd_env *env = arg;

	fprintf(env->io->err, "%s: %s %s -> %ld\n", env->prog, method, path, status);
}

/* Lazily make the client. */
struct kc_client *
kc_cmd_client(struct kc_cmd_env *env)
{
	struct kc_client_opts o;
	struct kc_ctx *ctx;
	struct kc_err err;

	if (env->client != NULL)
		return env->client;
	ctx = kc_cmd_ctx(env);
	if (ctx == NULL)
		return NULL;
	kc_ctx_client_opts(ctx, &o);
	if (env->timeout_ms > 0)
		o.timeout_ms = env->timeout_ms;
	kc_err_clear(&err);
	env->client = kc_client_new(&o, &err);
	if (env->client == NULL) {
		kc_cmd_error(env, "%s", err.msg);
		return NULL;
	}
	if (env->io->verbose)
		kc_client_set_trace(env->client, trace_request, env);
	if (getenv("KCOPS_FORCE_VERSION") != NULL)
		kc_client_force_version(env->client, getenv("KCOPS_FORCE_VERSION"));
	return env->client;
}

/* Free what the env made. */
void
kc_cmd_env_free(struct kc_cmd_env *env)
{
	if (env->borrowed)
		return;
	kc_client_free(env->client);
	kc_ctx_free(env->ctx);
	kc_ctx_file_free(env->file);
	env->client = NULL;
	env->ctx = NULL;
	env->file = NULL;
}

/* ---- help ---------------------------------------------------------------------------- */

/* "kcops help [CMD]". */
static int
cmd_help(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	FILE *out = env->io->out;
	const struct kc_cmd *c;
	int found = 0;

	(void)self;
	if (argc > 1) {
		for (c = kc_cmd_next(NULL); c != NULL; c = kc_cmd_next(c)) {
			if (!name_matches(c, argv[1]))
				continue;
			fprintf(out, "%sUsage: %s %s\n\n%s\n", found ? "\n" : "", env->prog,
			    c->usage, c->summary);
			if (c->help != NULL)
				fprintf(out, "\n%s", c->help);
			if (c->aliases != NULL)
				fprintf(out, "\nAliases: %s\n", c->aliases);
			if (c->flags & KC_CMD_MUTATES)
				fprintf(out, "\nChanges the cluster: refused in read-only contexts.\n");
			found = 1;
		}
		if (!found)
			return kc_cmd_usage(env, NULL, "help: unknown command '%s'", argv[1]);
		return KC_EXIT_OK;
	}
	fprintf(out, "Usage: %s [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	    "       %s                (no command: the interactive console)\n\n"
	    "Commands:\n", env->prog, env->prog);
	for (c = kc_cmd_next(NULL); c != NULL; c = kc_cmd_next(c)) {
		const struct kc_cmd *d, *e;
		int seen = 0;
		if (c->flags & KC_CMD_HIDDEN)
			continue;
		/* One line per name; entries sharing a name (apply -f / apply FILE) join. */
		for (d = kc_cmd_next(NULL); d != c; d = kc_cmd_next(d))
			seen |= strcmp(d->name, c->name) == 0;
		if (seen)
			continue;
		fprintf(out, "  %-11s %s", c->name, c->summary);
		for (e = kc_cmd_next(c); e != NULL; e = kc_cmd_next(e))
			if (strcmp(e->name, c->name) == 0)
				fprintf(out, "; %c%s", tolower((unsigned char)e->summary[0]),
				    e->summary + 1);
		fputc('\n', out);
	}
	fprintf(out, "\nGlobal options:\n"
	    "  --context NAME        use this context (also KCOPS_CONTEXT)\n"
	    "  --url URL[,URL...]    talk to these Connect workers, no context needed (KCOPS_URL)\n"
	    "  --bootstrap SERVERS   Kafka bootstrap servers for lag and tail\n"
	    "  -o, --output FORMAT   table (default), wide, json or names\n"
	    "  --show-secrets        do not mask passwords and keys in configs\n"
	    "  --color, --no-color   force colours on or off (NO_COLOR is honoured)\n"
	    "  --read-only           refuse every command that changes the cluster\n"
	    "  --timeout DURATION    per-request timeout (default 120s)\n"
	    "  --config PATH         contexts file (default ~/.config/kcops/config.json)\n"
	    "  -v, --verbose         log every REST request to stderr\n"
	    "  -q, --quiet           print only data and errors\n\n"
	    "Exit codes: 0 ok, 1 error, 2 usage, 3 plan has changes.\n"
	    "See '%s help COMMAND' for a command's arguments and options, and kcops(1).\n",
	    env->prog);
	return KC_EXIT_OK;
}

/* "kcops version". */
static int
cmd_version(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	(void)self;
	(void)argc;
	(void)argv;
	if (env->io->fmt == KC_FMT_JSON)
		fprintf(env->io->out, "{\"kcops_version\": \"%s\"}\n", KCOPS_VERSION);
	else
		fprintf(env->io->out, "kcops %s\n", KCOPS_VERSION);
	return KC_EXIT_OK;
}

const struct kc_cmd kc_cmd_misc_table[] = {
	{ "help", NULL, "help [COMMAND]", "Show the commands, or one command's help", NULL,
	    KC_CMD_NO_CLUSTER, cmd_help, NULL, NULL },
	{ "version", NULL, "version", "Show the kcops version", NULL, KC_CMD_NO_CLUSTER,
	    cmd_version, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
