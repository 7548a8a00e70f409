/* http_request.h - the HTTP sink's request model: clescot's HttpRequest JSON, templates,
 * and the small codecs they need (base64, form encoding, JSON string escaping).
 *
 * Input format (reference/http-connectors.md §c): an object with `url` (required),
 * `method` (default GET, any case), `headers` (name -> array of strings, or a bare string),
 * `bodyType` (STRING|FORM|BYTE_ARRAY|MULTIPART, inferred from the body field when absent),
 * `bodyAsString`, `bodyAsForm`, `bodyAsByteArray` (base64, standard or MIME), `parts`,
 * `attributes`. A Connect JSON envelope {"schema":..,"payload":{..}} is unwrapped, and a JSON
 * string holding the object is parsed. Unknown fields are ignored unless strict.
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_buf.h"

enum kw_http_body_type {
	KW_HTTP_BODY_STRING, KW_HTTP_BODY_FORM, KW_HTTP_BODY_BYTE_ARRAY, KW_HTTP_BODY_MULTIPART,
};
const char *kw_http_body_type_name(enum kw_http_body_type t);

struct kw_http_header {
	char	*name;
	char	*value;
};

struct kw_http_headers {
	struct kw_http_header	*v;
	size_t			 n, cap;
};

void kw_http_headers_add(struct kw_http_headers *h, const char *name, const char *value);
void kw_http_headers_addn(struct kw_http_headers *h, const char *name, size_t nlen,
    const char *value, size_t vlen);
/* First value of `name` (case-insensitive) or NULL. Borrowed. */
const char *kw_http_headers_get(const struct kw_http_headers *h, const char *name);
void kw_http_headers_clear(struct kw_http_headers *h);
/* New JSON object name -> [values] (names in first-seen order, case kept). */
json_t *kw_http_headers_json(const struct kw_http_headers *h);

struct kw_http_request {
	char			*url;
	char			 method[16];
	struct kw_http_headers	 headers;
	enum kw_http_body_type	 body_type;
	char			*body;		/* the wire body (malloc'd, may hold NULs) */
	size_t			 body_len;
	json_t			*form;		/* FORM: the bodyAsForm object (own ref) */
	json_t			*parts;		/* MULTIPART: the parts object (own ref) */
	json_t			*attributes;	/* object (own ref) or NULL */
};

void kw_http_request_init(struct kw_http_request *r);
void kw_http_request_clear(struct kw_http_request *r);

/* Parse an HttpRequest from JSON (object, envelope, or a string holding JSON). 0, or -1 with
 * a message naming the field in err. */
int kw_http_request_from_json(const json_t *v, bool strict, struct kw_http_request *out,
    char *err, size_t errlen);
/* Parse from raw bytes (JSON text). */
int kw_http_request_from_text(const char *text, size_t len, bool strict,
    struct kw_http_request *out, char *err, size_t errlen);
/* Whether a method name is one of the nine HTTP methods (upper-case). */
bool kw_http_method_valid(const char *m);
/* GET, HEAD, PUT, DELETE, OPTIONS, TRACE. */
bool kw_http_method_idempotent(const char *m);

/* ---- templates: ${topic} ${partition} ${offset} ${key} ${value} ${value.a.b} ${header.N} -- */

struct kw_http_template;
struct kw_http_tmpl_ctx {
	const char	*topic;
	int32_t		 partition;
	int64_t		 offset;
	const char	*key;		/* may be NULL */
	size_t		 keylen;
	const char	*value;		/* raw value bytes, may be NULL */
	size_t		 valuelen;
	const json_t	*value_json;	/* parsed value when it is JSON, else NULL */
	const void	*rkmessage;	/* rd_kafka_message_t for ${header.N}, may be NULL */
};
/* Compile. NULL with err on a malformed placeholder. */
struct kw_http_template *kw_http_template_new(const char *text, char *err, size_t errlen);
void kw_http_template_free(struct kw_http_template *t);
/* Whether the template reads ${value.*} (the value must be parsed as JSON). */
bool kw_http_template_wants_json(const struct kw_http_template *t);
/* Append the expansion; url_encode percent-encodes substituted values. 0, or -1 with err
 * when a ${value.field} is missing or not a scalar. */
int kw_http_template_expand(const struct kw_http_template *t, const struct kw_http_tmpl_ctx *c,
    bool url_encode, struct kc_buf *out, char *err, size_t errlen);

/* ---- codecs ------------------------------------------------------------------------------ */

/* base64: kc_base64_encode / kc_base64_decode (KC_BASE64_LENIENT) in core's kc_codec.h */
/* application/x-www-form-urlencoded component. */
void kw_http_form_encode(const char *s, struct kc_buf *out);
/* Append s[0..len) as a JSON string literal (quotes included). Invalid UTF-8 bytes become
 * U+FFFD. */
void kw_http_json_str(struct kc_buf *out, const char *s, size_t len);
/* 1 if s[0..len) is valid UTF-8 without NUL bytes. */
int kw_http_utf8_valid(const char *s, size_t len);

#endif
