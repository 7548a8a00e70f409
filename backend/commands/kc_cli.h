/* kc_cli.h - the one-shot command line of kcops (owned by backend/commands).
 *
 * kc_cli_main() parses global options (--context, --url, --bootstrap, -o, ...), finds the
 * command in the command table and runs it, returning the process exit code (0 ok, 1 error,
 * 2 usage, 3 plan has changes). kc_cli_wants_tui() says whether argv names no command, so
 * main() opens the console instead.
 *
 * Two programs use it: kcops-full (tui/main.c: every command and the console) and the
 * one-shot kcops (tui/oneshot.c), a small binary without librdkafka, libmicrohttpd and
 * curses that hands the console, lag, tail and watch over to kcops-full. */
#ifndef KC_CLI_H
#define KC_CLI_H

int kc_cli_wants_tui(int argc, char **argv);
int kc_cli_main(int argc, char **argv);
/* Does the first word of argv after the global options name a command of the table (or is
 * it -h/--help/-V/--version)? 0 when it names none (kcops-full then decides: console
 * options, or an unknown command). */
int kc_cli_command_known(int argc, char **argv);
/* The argv kc_cli_main() was called with (NULL before): what a hand-off passes on. */
char **kc_cli_argv(void);

/* In the one-shot kcops binary only (cmd_handoff.c): replace this process with kcops-full
 * running argv (fflush first). Returns only on failure, with an error printed: exit code 1. */
int kc_cli_handoff(char **argv);

#endif
