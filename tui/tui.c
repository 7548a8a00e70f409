/* tui.c - the console entry point (being built: see issue "The terminal console"). */
#include "tui.h"

#include <stdio.h>

int
tui_main(int argc, char **argv)
{
	fprintf(stderr, "kcops: error: the console is not built yet; run 'kcops help'\n");
	return 1;
}
