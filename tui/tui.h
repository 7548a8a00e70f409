/* tui.h - the ncurses console (owned by tui/). */
#ifndef TUI_H
#define TUI_H

/* Run the console with the process arguments (global options only). Returns an exit code. */
int tui_main(int argc, char **argv);

#endif
