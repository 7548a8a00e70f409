/* join_core.h - the pure parts of the stream-table join: key canonicalisation, the merge of
 * a stream value with a table value, and a JSON writer whose numbers round-trip unchanged.
 *
 * Nothing here touches Kafka or LMDB, so it is unit-tested on its own (tests/streams).
 */
#ifndef KW_JOIN_CORE_H
#define KW_JOIN_CORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kc_buf.h"

/* ---- canonical keys ----------------------------------------------------------------------
 * Table keys and stream join fields are compared by their canonical text, so the table key
 * "1" (a JSON string), the bytes 1 and the stream field 1 (a JSON number) all join:
 *   string  -> its characters             number -> shortest text that round-trips
 *                                                   (integral reals as integers: 7.0 -> 7)
 *   true/false -> "true"/"false"          object/array -> compact JSON, keys sorted
 *   null    -> no key (the record does not join)
 */

/* Canonical text of a JSON value appended to out. Returns false for null / NULL (no key). */
bool kw_join_canon_json(const json_t *v, struct kc_buf *out);
/* Canonical text of raw key bytes (StringConverter / ByteArrayConverter keys): bytes that are
 * a JSON scalar (a number or a quoted string) are canonicalised as JSON, anything else is
 * used as it is. NULL ptr: no key. */
bool kw_join_canon_bytes(const void *ptr, size_t len, struct kc_buf *out);

/* Numbers and JSON text: kc_json_fmt_real() and kc_json_write() in core/kc_json.h write
 * reals in their shortest round-trip form (jansson's own dump prints 3.45 as
 * 3.4500000000000002). */

/* ---- the merge ----------------------------------------------------------------------------- */

/* How an output record is built (all strings owned by the spec; see kw_join_spec_free). */
struct kw_join_spec {
	char	 *join_field;		/* stream value field holding the table key; NULL: record key */
	bool	  inner;		/* inner join: drop records whose key is not in the table */
	char	**stream_fields;	/* fields copied from the stream value; NULL: all */
	size_t	  nstream_fields;
	char	 *stream_prefix;	/* prefixed to copied stream field names ("" none) */
	char	**table_fields;		/* fields copied from the table value; NULL: all */
	size_t	  ntable_fields;
	char	 *table_prefix;		/* prefixed to copied table field names */
	char	 *table_nest;		/* non-empty: table fields go under this one field instead */
	json_t	 *missing_defaults;	/* object merged in when the key is not in the table */
};

/* Fill a spec from the connector's config strings (NULL / "" meaning unset). Returns 0, or -1
 * with a message naming the key in err. On error the spec is left freed. */
int kw_join_spec_init(struct kw_join_spec *spec, const char *join_field, const char *join_type,
    const char *stream_fields, const char *stream_prefix, const char *table_fields,
    const char *table_prefix, const char *table_nest, const char *missing_defaults,
    char *err, size_t errlen);
void kw_join_spec_free(struct kw_join_spec *spec);

/* Split a comma-separated list (blank items skipped, items trimmed). *n = count; NULL when
 * the list is empty. Free with kw_join_list_free. */
char **kw_join_list_split(const char *s, size_t *n);
void kw_join_list_free(char **list, size_t n);

/* The value at `field` of a stream value: the member of that exact name, else a dotted path
 * ("customer.id"). Borrowed, NULL when absent or the value is not an object. */
json_t *kw_join_field(const json_t *value, const char *field);

/* Build the output value. stream: the stream value (any JSON; non-objects go under "value");
 * table: the table value or NULL when the key is not in the table. Stream fields win over
 * table fields and defaults of the same name. New reference. */
json_t *kw_join_merge(const struct kw_join_spec *spec, const json_t *stream, const json_t *table);

/* ---- a fast path for JSON object text ------------------------------------------------- */

/* One top-level member of a scanned object: the key's characters (between the quotes, never
 * containing escapes) and the value's text (as written, possibly with white space). */
struct kw_join_member {
	const char	*key;
	size_t		 klen;
	const char	*val;
	size_t		 vlen;
};

#define KW_JOIN_SCAN_MAX	64

/* Strictly validate s[0..len) as one JSON object (RFC 8259, valid UTF-8, nesting up to 32)
 * and record its top-level members in m (up to KW_JOIN_SCAN_MAX). Returns the member count,
 * or -1 when the text is not valid JSON, not an object, has escaped or duplicate top-level
 * keys, or more members than fit: the caller then takes the jansson path. */
int kw_join_scan_object(const char *s, size_t len, struct kw_join_member *m);
/* Append v[0..len) (valid JSON text) without the white space outside strings. */
void kw_join_compact(const char *v, size_t len, struct kc_buf *out);
/* Canonical key text of a member value given as JSON text (see kw_join_canon_json).
 * false: null (no key). */
bool kw_join_canon_text(const char *v, size_t len, struct kc_buf *out);

/* Parse record bytes as JSON when they are JSON, else as a JSON string (valid UTF-8) or
 * NULL (neither). New reference. */
json_t *kw_join_parse_lenient(const void *ptr, size_t len);

#endif
