/* kc_text.h - making untrusted text safe to show on a terminal.
 *
 * Every string that came from the network (names, configs, traces, HTTP bodies) goes through
 * kc_text_sanitize() before it is printed to a TTY or drawn by the TUI: C0 controls, DEL, C1
 * controls and invalid UTF-8 never reach the terminal. */
#ifndef KC_TEXT_H
#define KC_TEXT_H

#include <stddef.h>

enum {
	KC_TEXT_KEEP_NL = 1 << 0,	/* keep '\n' (multi-line traces) */
	KC_TEXT_KEEP_TAB = 1 << 1,	/* keep '\t' (else a space) */
	KC_TEXT_ASCII = 1 << 2,		/* non-ASCII shown as '?' (non-UTF-8 terminals) */
};

/* New string: controls shown in caret notation (ESC -> "^["), C1 controls and invalid UTF-8
 * bytes as '?'. Caller frees. NULL in gives "". */
char *kc_text_sanitize(const char *s, int flags);
/* Same on a byte range. */
char *kc_text_sanitize_n(const char *s, size_t len, int flags);
/* 1 if s holds nothing kc_text_sanitize would change. */
int kc_text_is_clean(const char *s, int flags);
/* Display width in terminal columns of sanitized UTF-8 text (wide CJK counted as 2). */
size_t kc_text_width(const char *s);

#endif
