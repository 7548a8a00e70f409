/* kc_cli.c - the one-shot command line: global options, then one command-table entry. */
#include "kc_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_cmd.h"

/* Global options that take a value (so their value is not mistaken for a command). */
static int
takes_value(const char *a)
{
	static const char *const opts[] = { "--context", "--url", "--bootstrap", "--config",
	    "--timeout", "-o", "--output" };
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(a, opts[i]) == 0)
			return 1;
	return 0;
}

/* Does argv name a command (or ask for help/version)? */
int
kc_cli_wants_tui(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1 >= argc;
		if (argv[i][0] != '-')
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0)
			return 0;
		if (takes_value(argv[i]))
			i++;
	}
	return 1;
}

/* Index of the first word of argv that is not a global option (argc when none). */
static int
command_index(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (argv[i][0] != '-')
			return i;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0)
			return i;
		if (takes_value(argv[i]))
			i++;
	}
	return argc;
}

/* Does argv name a known command (or ask for help/version)? */
int
kc_cli_command_known(int argc, char **argv)
{
	int i = command_index(argc, argv);

	if (i >= argc)
		return 0;
	if (argv[i][0] == '-')
		return 1;
	return kc_cmd_find(argc - i, argv + i) != NULL;
}

static char **cli_argv;

/* The argv of kc_cli_main. */
char **
kc_cli_argv(void)
{
	return cli_argv;
}

/* Colour on stdout? */
static int
want_color(int tty)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!tty || (nc != NULL && *nc != '\0'))
		return 0;
	return term == NULL || strcmp(term, "dumb") != 0;
}

/* The one-shot command line: globals, then the command. */
int
kc_cli_main(int argc, char **argv)
{
	struct kc_cmd_io io;
	struct kc_cmd_env env;
	char **args;
	int n = argc - 1, rc, i;

	cli_argv = argv;
	memset(&io, 0, sizeof io);
	memset(&env, 0, sizeof env);
	io.out = stdout;
	io.err = stderr;
	io.tty = isatty(STDOUT_FILENO);
	io.color = want_color(io.tty);
	env.io = &io;
	env.prog = "kcops";
	args = calloc((size_t)argc + 1, sizeof *args);
	if (args == NULL)
		return KC_EXIT_ERR;
	for (i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	rc = kc_cmd_parse_globals(&env, &n, args);
	if (rc != 0) {
		free(args);
		return rc;
	}
	/* -h/--help and -V/--version anywhere before the command. */
	if (n == 0 || strcmp(args[0], "-h") == 0 || strcmp(args[0], "--help") == 0) {
		char *help[] = { "help", NULL };
		rc = kc_cmd_run(&env, 1, help);
	} else if (strcmp(args[0], "-V") == 0 || strcmp(args[0], "--version") == 0) {
		char *ver[] = { "version", NULL };
		rc = kc_cmd_run(&env, 1, ver);
	} else if (n > 1 && (strcmp(args[n - 1], "-h") == 0 ||
	    strcmp(args[n - 1], "--help") == 0)) {
		char *help[] = { "help", args[0], NULL };
		rc = kc_cmd_run(&env, 2, help);
	} else {
		rc = kc_cmd_run(&env, n, args);
	}
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
		rc = KC_EXIT_ERR;	/* a write to stdout failed (disk full, ...) */
	kc_cmd_env_free(&env);
	free(args);
	return rc;
}
