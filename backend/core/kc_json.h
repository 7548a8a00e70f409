/* kc_json.h - small helpers over jansson.
 *
 * Unless said otherwise, returned json_t pointers are BORROWED (owned by the object they came
 * from); functions named *_new or documented "new reference" return a reference the caller
 * must json_decref(). */
#ifndef KC_JSON_H
#define KC_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "kc_err.h"

/* Parse text. On failure fills err with "line L, column C: message" and returns NULL.
 * New reference. Rejects duplicate keys when strict_dupes is set. */
json_t *kc_json_parse(const char *text, size_t len, int strict_dupes, struct kc_err *err);

/* Borrowed string member or NULL when absent or not a string. */
const char *kc_json_str(const json_t *obj, const char *key);
/* Borrowed string member or `def`. */
const char *kc_json_str_or(const json_t *obj, const char *key, const char *def);
/* Integer member (also accepts a numeric string) or def. */
long long kc_json_int_or(const json_t *obj, const char *key, long long def);

/* Compact serialisation, keys in insertion order, numbers exact (see kc_json_write).
 * Caller frees. */
char *kc_json_dump(const json_t *v);
/* Append the compact serialisation of v to out. Reals are written in their shortest form
 * that reads back as the same double (3.45 stays 3.45, not jansson's 3.4500000000000002),
 * and keep a fraction (12.0, not 12) so they stay reals; non-finite reals become null. */
struct kc_buf;
void kc_json_write(const json_t *v, struct kc_buf *out);
/* Append s (len bytes, UTF-8) as a JSON string literal with its quotes, escaped as
 * kc_json_write does. */
void kc_json_write_string(const char *s, size_t len, struct kc_buf *out);
/* The shortest decimal text of d that reads back as d ("null" if not finite); an integral
 * value below 2^53 is written without a fraction. Returns buf (>= 32 bytes). */
char *kc_json_fmt_real(double d, char *buf, size_t len);
/* Escape one JSON Pointer segment (RFC 6901: "~" -> "~0", "/" -> "~1"). Caller frees. */
char *kc_json_ptr_escape(const char *seg);

/* A JSON object of string -> string from any object: numbers and booleans become their text,
 * null stays null. Returns a new reference, or NULL with err set (naming the key) when a value
 * is an object or array. */
json_t *kc_json_string_map(const json_t *obj, struct kc_err *err);

#endif
