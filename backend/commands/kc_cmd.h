/* kc_cmd.h - the command table shared by the one-shot CLI and the TUI's ':' prompt.
 *
 * A command is one struct kc_cmd entry: name, aliases, usage, help, whether it mutates the
 * cluster, and a handler. Handlers never touch stdout/stderr: they write data to io->out and
 * diagnostics to io->err, so the TUI can capture both with open_memstream(). They return an
 * exit code: KC_EXIT_OK, KC_EXIT_ERR, KC_EXIT_USAGE (or KC_EXIT_CHANGES for plan).
 *
 * The table is a list of arrays (see kc_cmd_table.c): the connect/context commands live in
 * cmd_*.c files of this directory; other modules add their own array (e.g. cmd_state.c).
 *
 * Global options (parsed by kc_cmd_parse_globals, anywhere on the line before "--"):
 *   --context NAME, --url URLS, --bootstrap SERVERS, -o/--output table|wide|json|names,
 *   --show-secrets, --no-color, --color, --read-only, --config PATH, -v/--verbose, -q/--quiet,
 *   --timeout DURATION.
 */
#ifndef KC_CMD_H
#define KC_CMD_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "kc_client.h"
#include "kc_context.h"
#include "kc_err.h"

enum {
	KC_EXIT_OK = 0,
	KC_EXIT_ERR = 1,
	KC_EXIT_USAGE = 2,
	KC_EXIT_CHANGES = 3,
};

enum kc_fmt {
	KC_FMT_TABLE = 0,
	KC_FMT_WIDE,
	KC_FMT_JSON,
	KC_FMT_NAMES,
};

/* Where a command writes. tty/color describe `out`; the CLI sets them from isatty(),
 * NO_COLOR and --color/--no-color; the TUI sets tty = 0, color = 0 when capturing. */
struct kc_cmd_io {
	FILE		*out;
	FILE		*err;
	int		 tty;
	int		 color;
	enum kc_fmt	 fmt;
	int		 fmt_set;	/* -o was given */
	int		 show_secrets;
	int		 verbose;
	int		 quiet;
	int		 interactive;	/* running inside the TUI (no stdin prompts, no progress) */
};

/* What a command runs against. The context and client are made on first use
 * (kc_cmd_client), so "help" or "context list" never touch the network. */
struct kc_cmd_env {
	struct kc_cmd_io	*io;
	const char		*config_path;	/* --config, or NULL for the default */
	struct kc_ctx_overrides	 ov;		/* --url, --context, --bootstrap, --read-only */
	long			 timeout_ms;	/* --timeout (0: default) */
	const char		*prog;		/* "kcops" */

	/* Filled lazily, freed by kc_cmd_env_free(). The TUI may preset them (borrowed
	 * then: set `borrowed` so they are not freed). */
	struct kc_ctx_file	*file;
	struct kc_ctx		*ctx;
	struct kc_client	*client;
	int			 borrowed;
	int			 opt_done;	/* kc_cmd_getopt saw "--" */
};

struct kc_cmd;
typedef int (*kc_cmd_fn)(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc,
    char **argv);

enum {
	KC_CMD_MUTATES = 1 << 0,	/* refused in read-only contexts */
	KC_CMD_NO_CLUSTER = 1 << 1,	/* never needs a context (help, context, completion) */
	KC_CMD_HIDDEN = 1 << 2,		/* not listed by help (completion helpers) */
};

struct kc_cmd {
	const char	*name;		/* "get", "restart", ... */
	const char	*aliases;	/* space-separated, or NULL */
	const char	*usage;		/* "get connectors|tasks|... [NAME...] [-e REGEX]" */
	const char	*summary;	/* one line for "kcops help" */
	const char	*help;		/* full text for "kcops help CMD" (may be NULL) */
	int		 flags;		/* KC_CMD_* */
	kc_cmd_fn	 run;		/* argv[0] is the command name */
	/* Optional: with several entries of one name, the first whose accepts() returns 1 (or
	 * that has none) runs; e.g. "apply -f FILE" (connector file) vs "apply FILE"
	 * (state file). */
	int		(*accepts)(int argc, char **argv);
	/* Optional: for sub-command commands such as "get connectors", is this sub-command
	 * mutating? NULL: flags decide. */
	int		(*mutates)(int argc, char **argv);
};

/* Handlers of the entries in cmd_heavy.c: the real ones (cmd_kafka.c, cmd_watch.c) in
 * libkcops; the one-shot kcops binary links cmd_handoff.c's instead, which run kcops-full. */
int kc_cmd_lag(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv);
int kc_cmd_tail(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv);
int kc_cmd_watch(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv);

/* Every entry of every array of the table, in order; NULL-terminated iteration. */
const struct kc_cmd *kc_cmd_next(const struct kc_cmd *prev);
/* Find the entry for argv[0] (name or alias), honouring accepts(). NULL when unknown. */
const struct kc_cmd *kc_cmd_find(int argc, char **argv);
/* Run argv (argv[0] = command name) after the read-only check. Returns an exit code and
 * prints "kcops: error: ..." to io->err itself on unknown commands. */
int kc_cmd_run(struct kc_cmd_env *env, int argc, char **argv);
/* 1 when the entry mutates for these arguments. */
int kc_cmd_is_mutating(const struct kc_cmd *cmd, int argc, char **argv);

/* Parse the global options out of argv (removing them) into env/io. Returns 0, or
 * KC_EXIT_USAGE after printing the problem. */
int kc_cmd_parse_globals(struct kc_cmd_env *env, int *argc, char **argv);

/* Lazily load/resolve: the contexts file, the resolved context and its client.
 * NULL with an error printed to io->err (the caller returns KC_EXIT_ERR). */
struct kc_ctx_file *kc_cmd_file(struct kc_cmd_env *env);
struct kc_ctx *kc_cmd_ctx(struct kc_cmd_env *env);
struct kc_client *kc_cmd_client(struct kc_cmd_env *env);
void kc_cmd_env_free(struct kc_cmd_env *env);

/* ---- helpers for handlers (kc_cmd_util.c) --------------------------------------------- */

/* Write n bytes of output to out: with write(2) straight to its descriptor when it has one
 * (after flushing what stdio holds; one system call per block, where stdio would split
 * large blocks), else through stdio. 0, or the errno of the failure. */
int kc_cmd_write(FILE *out, const void *p, size_t n);

/* "kcops: error: MSG" to io->err; returns KC_EXIT_ERR (or KC_EXIT_USAGE for usage()). */
int kc_cmd_error(struct kc_cmd_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int kc_cmd_usage(struct kc_cmd_env *env, const struct kc_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report a client error with its HTTP status, sanitised. Returns KC_EXIT_ERR. */
int kc_cmd_fail(struct kc_cmd_env *env, const char *what, const struct kc_err *err);
/* Print JSON (pretty, sorted as given) followed by a newline. Masks secrets unless
 * io->show_secrets (config-like objects only: mask_configs = 1). */
void kc_cmd_print_json(struct kc_cmd_env *env, const json_t *v, int mask_configs);
/* "Looks like a secret": password, secret, token, key (not key.converter...), credentials. */
int kc_cmd_is_secret_key(const char *key);
/* A copy of a flat config map with secret values replaced by "********" (new reference). */
json_t *kc_cmd_mask_config(const json_t *config);
/* Colour a state word for a TTY (returns a static ANSI prefix or ""), and the reset. */
const char *kc_cmd_state_color(const struct kc_cmd_io *io, const char *state);
const char *kc_cmd_color_reset(const struct kc_cmd_io *io);

/* Connector names selected by positional names and/or -e REGEX (POSIX ERE, several allowed),
 * in order, without duplicates. Returns a new JSON array, or NULL after printing an error
 * (also when nothing matches a regex). */
json_t *kc_cmd_select_names(struct kc_cmd_env *env, const char *const *names, size_t nnames,
    const char *const *regexes, size_t nregex);

/* Option parsing for handlers: defs ends with id 0. Each call consumes the next argument:
 * returns the option's id (val = its value when has_arg), KC_OPT_ARG for a positional
 * (val = it), KC_OPT_END, or KC_OPT_ERROR after printing a usage error. Start with i = 0
 * (argv[0] is the command name). Accepts -x V, -xV, --long V, --long=V, and "--". */
struct kc_cmd_opt {
	int		 id;	/* > 0 */
	char		 shrt;	/* 0: none */
	const char	*lng;	/* NULL: none */
	int		 has_arg;
};
enum { KC_OPT_END = -1, KC_OPT_ERROR = -2, KC_OPT_ARG = -3 };
int kc_cmd_getopt(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv,
    int *i, const struct kc_cmd_opt *defs, const char **val);

/* Aligned tables: header cells first (kc_cmd_tab_new(3, "NAME", "TYPE", "STATE")), then
 * cells row by row. Cells are sanitised; color is an ANSI prefix (static) or NULL, used only
 * when io->color. */
struct kc_cmd_tab;
struct kc_cmd_tab *kc_cmd_tab_new(size_t ncols, ...);
void kc_cmd_tab_cell(struct kc_cmd_tab *t, const char *text, const char *color);
/* The same for text that stays valid until the table is freed (a listing's strings):
 * printable ASCII is then referred to instead of copied. */
void kc_cmd_tab_cell_ref(struct kc_cmd_tab *t, const char *text, const char *color);
/* The same for text the caller knows to be printable ASCII, of len bytes (not scanned; a
 * listing's plain fields, see struct kc_connector_view). */
void kc_cmd_tab_cell_plain(struct kc_cmd_tab *t, const char *text, size_t len,
    const char *color);
void kc_cmd_tab_cellf(struct kc_cmd_tab *t, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t kc_cmd_tab_rows(const struct kc_cmd_tab *t);
/* 0, or the errno of a failed write (callers may ignore it: kc_cli_main then still exits 1
 * when stdout failed through stdio). */
int kc_cmd_tab_print(struct kc_cmd_tab *t, struct kc_cmd_io *io);
void kc_cmd_tab_free(struct kc_cmd_tab *t);

/* qsort comparator over const char * elements. */
int kc_cmd_strcmp_p(const void *a, const void *b);

/* ---- the one-shot connector-file functions other modules may call --------------------- */

/* `kcops apply -f FILE` for one connector file ({"name", "config"} or a flat config with
 * "name"): create or update. Writes a line per connector to io->out. Returns an exit code. */
int kc_cmd_apply_connector_file(struct kc_cmd_env *env, const char *path);

/* Copy n bytes from s to o, nothing read or written outside either: overlapping moves of 16,
 * 8, 4 or 2 bytes for the short texts of the listing and the table (a memcpy call above 64
 * bytes). Shared by the -o json writer and the table printer. */
static inline void
kc_cmd_copy_exact(char *o, const char *s, size_t n)
{
	size_t i;

	if (n > 64) {
		memcpy(o, s, n);
	} else if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			memcpy(o + i, s + i, 16);
		memcpy(o + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(o, s, 8);
		memcpy(o + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(o, s, 4);
		memcpy(o + n - 4, s + n - 4, 4);
	} else if (n >= 2) {
		memcpy(o, s, 2);
		memcpy(o + n - 2, s + n - 2, 2);
	} else if (n == 1) {
		*o = *s;
	}
}

#endif
