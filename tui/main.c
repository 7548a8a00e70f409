/* main.c - kcops: a one-shot command when argv names one, the console otherwise. */
#include <locale.h>

#include "kc_cli.h"
#include "tui.h"

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (kc_cli_wants_tui(argc, argv) || tui_wants(argc, argv))
		return tui_main(argc, argv);
	return kc_cli_main(argc, argv);
}
