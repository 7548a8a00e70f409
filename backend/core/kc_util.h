/* kc_util.h - allocation that never fails, time, and small string helpers.
 *
 * The x-allocators abort the process on out-of-memory (after restoring the terminal through
 * the hook set with kc_set_fatal_hook); every other failure in the library is returned. */
#ifndef KC_UTIL_H
#define KC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_NITEMS(a) (sizeof(a) / sizeof((a)[0]))

void *kc_xmalloc(size_t n);
void *kc_xcalloc(size_t nmemb, size_t size);
void *kc_xrealloc(void *p, size_t n);
char *kc_xstrdup(const char *s);                 /* NULL in, NULL out */
char *kc_xstrndup(const char *s, size_t n);
/* Formatted allocation; caller frees. */
char *kc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called before abort() on a fatal error (the TUI sets it to endwin()). */
void kc_set_fatal_hook(void (*hook)(void));
void kc_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Monotonic milliseconds (for timeouts, ages) and wall-clock milliseconds since the epoch. */
int64_t kc_mono_ms(void);
int64_t kc_wall_ms(void);
/* ISO-8601 UTC with microseconds, e.g. 2026-03-01T10:15:30.123456Z, into buf (>= 32 bytes). */
void kc_iso8601_us(int64_t wall_us, char *buf, size_t len);
int64_t kc_wall_us(void);

bool kc_str_has_prefix(const char *s, const char *prefix);
bool kc_str_has_suffix(const char *s, const char *suffix);
bool kc_str_eq(const char *a, const char *b);    /* NULL-safe */
/* Trim ASCII white space in place; returns s. */
char *kc_str_trim(char *s);
/* Levenshtein distance (bytes), capped at 255. */
int kc_str_distance(const char *a, const char *b);
/* The candidate closest to word (distance <= max(2, strlen/3)), or NULL. Borrowed pointer. */
const char *kc_str_closest(const char *word, const char *const *candidates, size_t n);

/* Percent-encode a string as one URL path segment (RFC 3986 unreserved kept). Caller frees. */
char *kc_url_encode_segment(const char *s);
/* Percent-decode in place ('+' kept as is). Returns -1 on a malformed escape. */
int kc_url_decode_inplace(char *s);

/* Parse a duration such as "500ms", "10s", "2m", "1h", or a bare number of `unit_ms`.
 * Returns -1 on error. */
int64_t kc_parse_duration_ms(const char *s, int64_t unit_ms);

/* Read a whole file (NUL-terminated). Returns NULL and sets errno on failure. Caller frees. */
char *kc_read_file(const char *path, size_t *len_out);

/* mkdir -p with mode 0700: each component of path, then path itself (those that exist are
 * fine). 0, or -1 with errno set by the mkdir that failed. */
int kc_mkdirs(const char *path);

#endif
