/* oneshot.c - kcops: one-shot commands in a small program (libkcops with libcurl and jansson
 * only). The console (no command, or console options only) and the commands that need
 * librdkafka, libmicrohttpd or curses run in kcops-full (main.c), which this program
 * executes in its own place with the same argv (see backend/commands/cmd_handoff.c). */
#include <locale.h>

#include "kc_cli.h"

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* No command: the console. An unknown word: console options (--theme ...) or a typo,
	 * which kcops-full tells apart. */
	if (kc_cli_wants_tui(argc, argv) || !kc_cli_command_known(argc, argv))
		return kc_cli_handoff(argv);
	return kc_cli_main(argc, argv);
}
