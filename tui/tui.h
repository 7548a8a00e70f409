/* tui.h - the ncurses console (owned by tui/). */
#ifndef TUI_H
#define TUI_H

/* Run the console with the process arguments (global options only). Returns an exit code. */
int tui_main(int argc, char **argv);
/* 1 when argv holds only console options (--context, --url, --theme, ...), no command. */
int tui_wants(int argc, char **argv);

#endif
