/* tui_keys.h - actions and key bindings, as data with help text attached.
 *
 * DESIGN: every action is one TUI_ACTIONS() entry (name, group, help, whether it changes the
 * cluster). Bindings live in key tables, one per view plus "generic"; a key is looked up in
 * the view's table first, then in "generic". The defaults are written in the same syntax as
 * user overrides ("bind VIEW KEY ACTION") and go through the same parser. The help view is
 * generated from these tables, so it cannot drift from what the keys do. */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <stddef.h>

/* id, name, group, mutates, help */
#define TUI_ACTIONS(X) \
	X(NONE, "none", "", 0, "Unbound") \
	X(UP, "up", "Move", 0, "Move up") \
	X(DOWN, "down", "Move", 0, "Move down") \
	X(PAGE_UP, "page-up", "Move", 0, "Page up") \
	X(PAGE_DOWN, "page-down", "Move", 0, "Page down") \
	X(HOME, "home", "Move", 0, "First row") \
	X(END, "end", "Move", 0, "Last row") \
	X(LEFT, "left", "Move", 0, "Scroll left") \
	X(RIGHT, "right", "Move", 0, "Scroll right") \
	X(OPEN, "open", "Views", 0, "Open the selected item") \
	X(BACK, "back", "Views", 0, "Go back one view (quit at the top)") \
	X(QUIT, "quit", "Views", 0, "Quit kcops") \
	X(HELP, "help", "Views", 0, "Show this help") \
	X(VIEW_CONTEXTS, "contexts", "Views", 0, "Contexts view") \
	X(VIEW_CONNECTORS, "connectors", "Views", 0, "Connectors view") \
	X(VIEW_EXCHANGES, "exchanges", "Views", 0, "Live HTTP exchanges of the connector") \
	X(VIEW_QUEUES, "queues", "Views", 0, "Queues and consumer lag") \
	X(VIEW_PLAN, "plan", "Views", 0, "State-file plan") \
	X(VIEW_WORKERS, "workers", "Views", 0, "Workers of the cluster (Enter: the connectors one runs)") \
	X(VIEW_EVENTS, "events", "Views", 0, "Watch events (--watch-log FILE, or the W watch)") \
	X(WATCH_TOGGLE, "watch", "Views", 1, "Run a watch (auto-restart) on this context (toggle)") \
	X(PROMPT, "command", "Views", 0, "Command prompt (same commands as the CLI)") \
	X(REFRESH, "refresh", "Views", 0, "Refresh now") \
	X(FILTER, "filter", "Table", 0, "Filter rows by regex ('!' inverts)") \
	X(SORT_NEXT, "sort-next", "Table", 0, "Sort by the next column") \
	X(SORT_PREV, "sort-prev", "Table", 0, "Sort by the previous column") \
	X(SORT_REVERSE, "sort-reverse", "Table", 0, "Reverse the sort order") \
	X(FAILED_ONLY, "failed-only", "Table", 0, "Only failed connectors and tasks (toggle)") \
	X(MARK, "mark", "Table", 0, "Mark the row for a bulk action") \
	X(MARK_ALL, "mark-all", "Table", 0, "Mark every visible row") \
	X(CLEAR_MARKS, "clear-marks", "Table", 0, "Clear all marks") \
	X(PAUSE, "pause", "Connector", 1, "Pause") \
	X(RESUME, "resume", "Connector", 1, "Resume") \
	X(STOP, "stop", "Connector", 1, "Stop (tasks shut down, config kept)") \
	X(RESTART, "restart", "Connector", 1, "Restart menu: connector, all tasks, failed only; one task in detail") \
	X(DELETE, "delete", "Connector", 1, "Delete (confirm by typing the name)") \
	X(DEPLOY, "deploy", "Connector", 1, "Deploy the state file: plan, confirm, apply") \
	X(EDIT, "edit", "Connector", 1, "Edit the config in $EDITOR (validated first)") \
	X(TAIL, "tail", "Connector", 0, "Tail the connector's HTTP exchanges") \
	X(TOGGLE_PAUSE, "toggle-follow", "Stream", 0, "Follow new items (toggle)") \
	X(NEXT_SECTION, "next-section", "Move", 0, "Jump to the next section")

enum tui_action {
#define TUI_ACTION_ENUM(id, name, group, mut, help) TUI_A_##id,
	TUI_ACTIONS(TUI_ACTION_ENUM)
#undef TUI_ACTION_ENUM
	TUI_A_COUNT
};

/* Key tables: one per view, plus generic. */
#define TUI_KEYMAPS(X) \
	X(GENERIC, "generic") \
	X(CONTEXTS, "contexts") \
	X(CONNECTORS, "connectors") \
	X(DETAIL, "detail") \
	X(EXCHANGES, "exchanges") \
	X(QUEUES, "queues") \
	X(PLAN, "plan") \
	X(EVENTS, "events") \
	X(WORKERS, "workers") \
	X(HELP, "help") \
	X(OUTPUT, "output")

enum tui_keymap {
#define TUI_KEYMAP_ENUM(id, name) TUI_KM_##id,
	TUI_KEYMAPS(TUI_KEYMAP_ENUM)
#undef TUI_KEYMAP_ENUM
	TUI_KM_COUNT
};

struct tui_binding {
	enum tui_keymap	 map;
	int		 key;		/* curses key code */
	enum tui_action	 action;
};

const char *tui_action_name(enum tui_action a);
const char *tui_action_help(enum tui_action a);
const char *tui_action_group(enum tui_action a);
int tui_action_mutates(enum tui_action a);
int tui_action_lookup(const char *name);
const char *tui_keymap_name(enum tui_keymap m);
int tui_keymap_lookup(const char *name);

/* Key names: "a", "A", "Enter", "Esc", "Space", "Tab", "BTab", "Up", "Down", "Left", "Right",
 * "PgUp", "PgDn", "Home", "End", "BSpace", "Delete", "F1".."F12", "C-a".."C-z". Returns the
 * curses code or -1. tui_key_name() writes the canonical name. */
int tui_key_parse(const char *name);
void tui_key_name(int key, char *buf, size_t len);

/* Install the compiled-in defaults (idempotent: resets every table). */
void tui_keys_init(void);
/* Parse binding lines ("bind MAP KEY ACTION", "unbind MAP KEY", "#" comments). `file` names
 * the source in messages. Returns 0 or -1 with err = "FILE:LINE: message". */
int tui_keys_parse(const char *text, const char *file, char *err, size_t errlen);
/* Apply one user override from the config's `keys` section: spec is "KEY" or "MAP:KEY",
 * action a name or "none". A plain KEY replaces that key in every table. */
int tui_keys_override(const char *spec, const char *action, char *err, size_t errlen);
/* The action bound to key in map (falling back to generic), or TUI_A_NONE. */
enum tui_action tui_keys_lookup(enum tui_keymap map, int key);
/* All bindings, in table order (for help). */
const struct tui_binding *tui_keys_all(size_t *n);
/* The first key bound to action in map or generic, as a name ("" if none). */
void tui_keys_for(enum tui_keymap map, enum tui_action a, char *buf, size_t len);
void tui_keys_free(void);

extern const char tui_keys_default_text[];

#endif
