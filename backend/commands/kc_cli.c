/* kc_cli.c - one-shot command mode (being built: see issue "Connect client, contexts and the
 * one-shot command mode"). Until the command table lands every command fails loudly. */
#include "kc_cli.h"

#include <stdio.h>
#include <string.h>

int
kc_cli_wants_tui(int argc, char **argv)
{
	return argc < 2;
}

int
kc_cli_main(int argc, char **argv)
{
	fprintf(stderr, "kcops: error: unknown command '%s' (the command table is not built yet)\n",
	    argc > 1 ? argv[1] : "");
	return 2;
}
