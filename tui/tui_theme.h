/* tui_theme.h - semantic colour roles and the theme files that map them to curses attributes.
 *
 * DESIGN: drawing code never names a colour; it asks for tui_theme_attr(TUI_ROLE_X). A theme
 * is a text file, one "role = style" per line, style being a comma list such as
 * "fg=red,bg=default,bold". The compiled-in default is the same text parsed by the same
 * parser. Without colour (NO_COLOR, TERM=vt100, monochrome terminals) the compiled-in
 * monochrome theme is used, so every role stays distinguishable by attributes alone. */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <stddef.h>

#define TUI_ROLES(X) \
	X(NORMAL, "normal", "ordinary text") \
	X(HEADER, "header", "header lines") \
	X(HEADER_LABEL, "header.label", "labels in the header") \
	X(HEADER_VALUE, "header.value", "values in the header") \
	X(CRUMBS, "crumbs", "breadcrumbs") \
	X(CRUMBS_ACTIVE, "crumbs.active", "the current breadcrumb") \
	X(STATUS, "status", "status line") \
	X(STATUS_ERROR, "status.error", "errors on the status line") \
	X(STATUS_WARN, "status.warn", "warnings on the status line") \
	X(STALE, "stale", "stale-data marker") \
	X(TABLE_HEADER, "table.header", "column titles") \
	X(TABLE_SORT, "table.sort", "the sorted column title") \
	X(SELECTION, "selection", "the cursor row") \
	X(MARKED, "marked", "rows marked for bulk actions") \
	X(STATE_RUNNING, "state.running", "RUNNING") \
	X(STATE_PAUSED, "state.paused", "PAUSED") \
	X(STATE_STOPPED, "state.stopped", "STOPPED") \
	X(STATE_FAILED, "state.failed", "FAILED") \
	X(STATE_UNASSIGNED, "state.unassigned", "UNASSIGNED") \
	X(STATE_RESTARTING, "state.restarting", "RESTARTING") \
	X(STATE_DEGRADED, "state.degraded", "running with failed tasks") \
	X(SECTION, "section", "section titles in detail views") \
	X(KEY, "key", "config keys, key names in help") \
	X(SECRET, "secret", "masked secret values") \
	X(TRACE, "trace", "stack traces") \
	X(DIFF_ADD, "diff.add", "plan: additions") \
	X(DIFF_REMOVE, "diff.remove", "plan: removals") \
	X(DIFF_CHANGE, "diff.change", "plan: changes") \
	X(HTTP_OK, "http.ok", "2xx statuses") \
	X(HTTP_REDIRECT, "http.redirect", "3xx statuses") \
	X(HTTP_CLIENT_ERR, "http.client-error", "4xx statuses") \
	X(HTTP_SERVER_ERR, "http.server-error", "5xx statuses and transport errors") \
	X(SPARK, "spark", "sparklines") \
	X(PROMPT, "prompt", "the command prompt") \
	X(DIALOG, "dialog", "confirmation dialogs and menus") \
	X(DIM, "dim", "secondary text")

enum tui_role {
#define TUI_ROLE_ENUM(id, name, help) TUI_ROLE_##id,
	TUI_ROLES(TUI_ROLE_ENUM)
#undef TUI_ROLE_ENUM
	TUI_ROLE_COUNT
};

/* One parsed style: colours are -1 (terminal default) or 0..255, attrs are curses A_* bits. */
struct tui_style {
	short	fg;
	short	bg;
	unsigned int attrs;
	int	set;	/* the theme named this role */
};

struct tui_theme {
	char		*name;
	struct tui_style styles[TUI_ROLE_COUNT];
};

/* Parse theme text into t (roles not named fall back to "normal"). `file` names the source
 * in messages. Returns 0, or -1 with err = "FILE:LINE: message". */
int tui_theme_parse(struct tui_theme *t, const char *text, const char *file, char *err,
    size_t errlen);
/* Load a theme by name ("default", "light", ...) or path. Searches $KCOPS_THEME_DIR,
 * $XDG_CONFIG_HOME/kcops/themes, the installed and the source themes directory. "default"
 * and "monochrome" are also compiled in. Returns 0 or -1 with err. */
int tui_theme_load(struct tui_theme *t, const char *name, char *err, size_t errlen);
void tui_theme_free(struct tui_theme *t);
/* Role name <-> id. */
const char *tui_role_name(enum tui_role r);
int tui_role_lookup(const char *name);

/* Install t on the current curses screen (after initscr). use_colour = 0 switches to the
 * compiled-in monochrome theme. */
void tui_theme_apply(const struct tui_theme *t, int use_colour);
/* The curses attribute for a role (colour pair included). */
unsigned int tui_theme_attr(enum tui_role r);
/* Role for a Connect state string ("RUNNING", "FAILED", ...). */
enum tui_role tui_theme_state_role(const char *state);
/* Compiled-in theme texts. */
extern const char tui_theme_default_text[];
extern const char tui_theme_mono_text[];

#endif
