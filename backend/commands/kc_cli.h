/* kc_cli.h - the one-shot command line of kcops (owned by backend/commands).
 *
 * kc_cli_main() parses global options (--context, --url, --bootstrap, -o, ...), finds the
 * command in the command table and runs it, returning the process exit code (0 ok, 1 error,
 * 2 usage, 3 plan has changes). kc_cli_wants_tui() says whether argv names no command, so
 * main() opens the console instead. */
#ifndef KC_CLI_H
#define KC_CLI_H

int kc_cli_wants_tui(int argc, char **argv);
int kc_cli_main(int argc, char **argv);

#endif
