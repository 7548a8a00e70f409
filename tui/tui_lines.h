/* tui_lines.h - a list of styled, sanitised text lines for scrolling views. */
#ifndef TUI_LINES_H
#define TUI_LINES_H

#include <stddef.h>

#include "tui_theme.h"

struct tui_line {
	char		*text;		/* sanitised, no newline */
	enum tui_role	 role;
	int		 section;	/* 1 for a section title (Tab jumps here) */
	char		*key;		/* optional left column (config key), sanitised */
	enum tui_role	 key_role;
	int		 kv_cont;	/* continuation of a key/value line */
};

struct tui_lines {
	struct tui_line	*v;
	size_t		 n, cap;
	int		 key_width;	/* width of the key column */
};

void tui_lines_init(struct tui_lines *l);
void tui_lines_free(struct tui_lines *l);
/* Add untrusted text (sanitised here). Newlines split it into several lines, each wrapped
 * to `wrap` columns (0: no wrap) with continuation lines indented by `indent` spaces. */
void tui_lines_add(struct tui_lines *l, enum tui_role role, int indent, int wrap,
    const char *text);
void tui_lines_addf(struct tui_lines *l, enum tui_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tui_lines_section(struct tui_lines *l, const char *title);
/* A "key  value" line; value wrapped at wrap columns. */
void tui_lines_kv(struct tui_lines *l, const char *key, enum tui_role key_role,
    const char *value, enum tui_role role, int wrap);
/* Draw lines [scroll, scroll+height) at top, cursor highlighted when >= 0. */
void tui_lines_draw(const struct tui_lines *l, int top, int height, long scroll, long cursor,
    int hscroll);
/* Index of the next section title after `from`, or -1. */
long tui_lines_next_section(const struct tui_lines *l, long from);

#endif
