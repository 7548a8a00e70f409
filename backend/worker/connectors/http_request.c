/* http_request.c - HttpRequest parsing, templates and codecs for the HTTP sink.
 *
 * DESIGN
 * Parsing is lenient in the ways listed in reference/http-connectors.md §c and precise in
 * its errors: each message names the field ("headers.Accept: ..."), because it ends up in
 * an error exchange or a DLQ record that an operator reads. The wire body is built once at
 * parse time (form encoding, base64 decoding, multipart assembly) so the executor only
 * hands bytes to libcurl.
 */
#include "http_request.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_codec.h"
#include "kc_json.h"
#include "kc_util.h"

static const char *const body_type_names[] = { "STRING", "FORM", "BYTE_ARRAY", "MULTIPART" };

/* Name of a body type. */
const char *
kw_http_body_type_name(enum kw_http_body_type t)
{
	return body_type_names[t];
}

/* ---- headers ----------------------------------------------------------------------------- */

/* Add a header (copies). */
void
kw_http_headers_addn(struct kw_http_headers *h, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->v = kc_xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	h->v[h->n].name = kc_xstrndup(name, nlen);
	h->v[h->n].value = kc_xstrndup(value, vlen);
	h->n++;
}

/* Add a header (copies). */
void
kw_http_headers_add(struct kw_http_headers *h, const char *name, const char *value)
{
	kw_http_headers_addn(h, name, strlen(name), value, strlen(value));
}

/* First value of a header. */
const char *
kw_http_headers_get(const struct kw_http_headers *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

/* Free every header. */
void
kw_http_headers_clear(struct kw_http_headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

/* Headers as name -> [values]. */
json_t *
kw_http_headers_json(const struct kw_http_headers *h)
{
	json_t *o = json_object(), *a;
	size_t i;

	for (i = 0; i < h->n; i++) {
		a = json_object_get(o, h->v[i].name);
		if (a == NULL) {
			a = json_array();
			json_object_set_new(o, h->v[i].name, a);
		}
		json_array_append_new(a, json_string(h->v[i].value));
	}
	return o;
}

/* ---- request ----------------------------------------------------------------------------- */

/* Empty request. */
void
kw_http_request_init(struct kw_http_request *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->method, "GET");
}

/* Free a request's contents. */
void
kw_http_request_clear(struct kw_http_request *r)
{
	free(r->url);
	kw_http_headers_clear(&r->headers);
	free(r->body);
	json_decref(r->form);
	json_decref(r->parts);
	json_decref(r->attributes);
	kw_http_request_init(r);
}

static const char *const methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
};

/* One of the nine methods. */
bool
kw_http_method_valid(const char *m)
{
	size_t i;

	for (i = 0; i < KC_NITEMS(methods); i++)
		if (strcmp(m, methods[i]) == 0)
			return true;
	return false;
}

/* Methods that may be repeated safely. */
bool
kw_http_method_idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "DELETE") == 0 || strcmp(m, "OPTIONS") == 0 || strcmp(m, "TRACE") == 0;
}

static const char *const known_fields[] = {
	"url", "method", "headers", "bodyType", "bodyAsString", "bodyAsForm", "bodyAsByteArray",
	"parts", "attributes",
};

/* A JSON scalar as text into buf (strings as is). NULL for objects, arrays, null. */
static const char *
scalar_text(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%.17g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}

/* Name of a JSON type for messages. */
static const char *
type_name(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Parse a headers object into h; `where` prefixes messages. */
static int
parse_headers(const json_t *o, const char *where, struct kw_http_headers *h, char *err,
    size_t errlen)
{
	const char *name, *s;
	json_t *v, *e;
	size_t i;
	char num[64];

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: expected an object of name -> [values], got %s", where,
		    type_name(o));
		return -1;
	}
	json_object_foreach((json_t *)o, name, v) {
		if (*name == '\0' || strpbrk(name, ":\r\n") != NULL) {
			snprintf(err, errlen, "%s: invalid header name '%s'", where, name);
			return -1;
		}
		if (json_is_array(v)) {
			json_array_foreach(v, i, e) {
				s = scalar_text(e, num, sizeof(num));
				if (s == NULL) {
					snprintf(err, errlen, "%s.%s[%zu]: expected a string, got %s",
					    where, name, i, type_name(e));
					return -1;
				}
				if (strpbrk(s, "\r\n") != NULL) {
					snprintf(err, errlen, "%s.%s: line break in header value",
					    where, name);
					return -1;
				}
				kw_http_headers_add(h, name, s);
			}
		} else if ((s = scalar_text(v, num, sizeof(num))) != NULL) {
			if (strpbrk(s, "\r\n") != NULL) {
				snprintf(err, errlen, "%s.%s: line break in header value", where, name);
				return -1;
			}
			kw_http_headers_add(h, name, s);
		} else if (!json_is_null(v)) {
			snprintf(err, errlen, "%s.%s: expected an array of strings, got %s", where,
			    name, type_name(v));
			return -1;
		}
	}
	return 0;
}

/* Parse a bodyType name (any case). -1 if unknown. */
static int
parse_body_type(const char *s)
{
	size_t i;

	for (i = 0; i < KC_NITEMS(body_type_names); i++)
		if (strcasecmp(s, body_type_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Encode a bodyAsForm object. */
static int
encode_form(const json_t *form, const char *where, struct kc_buf *out, char *err, size_t errlen)
{
	const char *k, *s;
	json_t *v;
	char num[64];
	int first = 1;

	if (!json_is_object(form)) {
		snprintf(err, errlen, "%s: expected an object of name -> string, got %s", where,
		    type_name(form));
		return -1;
	}
	json_object_foreach((json_t *)form, k, v) {
		s = scalar_text(v, num, sizeof(num));
		if (s == NULL && !json_is_null(v)) {
			snprintf(err, errlen, "%s.%s: expected a string, got %s", where, k,
			    type_name(v));
			return -1;
		}
		if (!first)
			kc_buf_putc(out, '&');
		first = 0;
		kw_http_form_encode(k, out);
		kc_buf_putc(out, '=');
		if (s != NULL)
			kw_http_form_encode(s, out);
	}
	return 0;
}

/* A member by any of two names (parts use both contentAs* and bodyAs*). */
static json_t *
get2(const json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return v != NULL ? v : json_object_get(o, b);
}

/* Build a multipart/form-data body from parts. */
static int
build_multipart(const json_t *parts, const char *boundary, struct kc_buf *out, char *err,
    size_t errlen)
{
	const char *name, *hn, *bt, *s;
	json_t *p, *hv, *v, *body;
	struct kc_buf tmp;
	char where[300];
	int type;
	bool has_cd;

	if (!json_is_object(parts)) {
		snprintf(err, errlen, "parts: expected an object of name -> part, got %s",
		    type_name(parts));
		return -1;
	}
	kc_buf_init(&tmp);
	json_object_foreach((json_t *)parts, name, p) {
		snprintf(where, sizeof(where), "parts.%s", name);
		if (!json_is_object(p)) {
			snprintf(err, errlen, "%s: expected an object, got %s", where, type_name(p));
			goto fail;
		}
		kc_buf_printf(out, "--%s\r\n", boundary);
		hv = json_object_get(p, "headers");
		has_cd = false;
		if (hv != NULL && json_is_object(hv)) {
			json_object_foreach(hv, hn, v) {
				const json_t *one = json_is_array(v) ? json_array_get(v, 0) : v;

				if (!json_is_string(one) || strpbrk(json_string_value(one), "\r\n")) {
					snprintf(err, errlen, "%s.headers.%s: expected a string", where,
					    hn);
					goto fail;
				}
				if (strcasecmp(hn, "Content-Disposition") == 0)
					has_cd = true;
				else if (strcasecmp(hn, "Content-Type") != 0 &&
				    strcasecmp(hn, "Content-Transfer-Encoding") != 0)
					continue;
				kc_buf_printf(out, "%s: %s\r\n", hn, json_string_value(one));
			}
		}
		if (!has_cd)
			kc_buf_printf(out, "Content-Disposition: form-data; name=\"%s\"\r\n", name);
		kc_buf_puts(out, "\r\n");
		bt = kc_json_str(p, "bodyType");
		type = bt != NULL ? parse_body_type(bt) : -1;
		if (bt != NULL && (type < 0 || type == KW_HTTP_BODY_MULTIPART)) {
			snprintf(err, errlen, "%s.bodyType: '%s' is not STRING, FORM or BYTE_ARRAY",
			    where, bt);
			goto fail;
		}
		if (type < 0)
			type = get2(p, "bodyAsByteArray", "contentAsByteArray") ? KW_HTTP_BODY_BYTE_ARRAY :
			    get2(p, "bodyAsForm", "contentAsForm") ? KW_HTTP_BODY_FORM :
			    KW_HTTP_BODY_STRING;
		if (type == KW_HTTP_BODY_BYTE_ARRAY) {
			body = get2(p, "bodyAsByteArray", "contentAsByteArray");
			s = json_string_value(body);
			kc_buf_reset(&tmp);
			if (s == NULL || kc_base64_decode(s, strlen(s), KC_BASE64_LENIENT, &tmp) < 0) {
				snprintf(err, errlen, "%s.bodyAsByteArray: not valid base64", where);
				goto fail;
			}
			kc_buf_append(out, tmp.data, tmp.len);
		} else if (type == KW_HTTP_BODY_FORM) {
			char w2[340];

			snprintf(w2, sizeof(w2), "%s.bodyAsForm", where);
			if (encode_form(get2(p, "bodyAsForm", "contentAsForm"), w2, out, err,
			    errlen) < 0)
				goto fail;
		} else {
			body = get2(p, "bodyAsString", "contentAsString");
			if (body != NULL && !json_is_string(body) && !json_is_null(body)) {
				snprintf(err, errlen, "%s.bodyAsString: expected a string, got %s",
				    where, type_name(body));
				goto fail;
			}
			if (json_is_string(body))
				kc_buf_append(out, json_string_value(body),
				    json_string_length(body));
		}
		kc_buf_puts(out, "\r\n");
	}
	kc_buf_printf(out, "--%s--\r\n", boundary);
	kc_buf_free(&tmp);
	return 0;
fail:
	kc_buf_free(&tmp);
	return -1;
}

/* A random multipart boundary. */
static void
make_boundary(char *buf, size_t len)
{
	static __thread unsigned long long x;
	unsigned long long v;

	if (x == 0)
		x = (unsigned long long)kc_wall_us() ^ (unsigned long long)(uintptr_t)&x;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	v = x;
	snprintf(buf, len, "kcops-%016llx", v);
}

/* Parse an HttpRequest object. */
static int
from_object(const json_t *o, bool strict, struct kw_http_request *r, char *err, size_t errlen)
{
	const char *k, *s, *ct;
	json_t *v, *body;
	struct kc_buf b;
	size_t i;
	int type;
	char boundary[40];

	if (strict) {
		json_object_foreach((json_t *)o, k, v) {
			for (i = 0; i < KC_NITEMS(known_fields); i++)
				if (strcmp(k, known_fields[i]) == 0)
					break;
			if (i == KC_NITEMS(known_fields)) {
				snprintf(err, errlen, "%s: unknown field (strict mode)", k);
				return -1;
			}
		}
	}
	v = json_object_get(o, "url");
	if (v == NULL || json_is_null(v)) {
		snprintf(err, errlen, "url: missing (an HttpRequest needs at least a url)");
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, errlen, "url: expected a non-empty string, got %s", type_name(v));
		return -1;
	}
	s = json_string_value(v);
	if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0) {
		snprintf(err, errlen, "url: '%.200s' is not an http:// or https:// URL", s);
		return -1;
	}
	if (strpbrk(s, " \r\n\t") != NULL) {
		snprintf(err, errlen, "url: white space in '%.200s'", s);
		return -1;
	}
	r->url = kc_xstrdup(s);
	v = json_object_get(o, "method");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(r->method)) {
			snprintf(err, errlen, "method: expected one of GET POST PUT PATCH DELETE "
			    "HEAD OPTIONS TRACE CONNECT");
			return -1;
		}
		s = json_string_value(v);
		for (i = 0; s[i] != '\0'; i++)
			r->method[i] = (char)toupper((unsigned char)s[i]);
		r->method[i] = '\0';
		if (!kw_http_method_valid(r->method)) {
			snprintf(err, errlen, "method: '%.20s' is not one of GET POST PUT PATCH "
			    "DELETE HEAD OPTIONS TRACE CONNECT", s);
			return -1;
		}
	}
	if (parse_headers(json_object_get(o, "headers"), "headers", &r->headers, err,
	    errlen) < 0)
		return -1;
	v = json_object_get(o, "bodyType");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || (type = parse_body_type(json_string_value(v))) < 0) {
			snprintf(err, errlen, "bodyType: expected STRING, FORM, BYTE_ARRAY or "
			    "MULTIPART");
			return -1;
		}
	} else {
		type = json_object_get(o, "bodyAsForm") ? KW_HTTP_BODY_FORM :
		    json_object_get(o, "bodyAsByteArray") ? KW_HTTP_BODY_BYTE_ARRAY :
		    json_object_get(o, "parts") ? KW_HTTP_BODY_MULTIPART : KW_HTTP_BODY_STRING;
	}
	r->body_type = (enum kw_http_body_type)type;
	kc_buf_init(&b);
	ct = NULL;
	switch (r->body_type) {
	case KW_HTTP_BODY_STRING:
		body = json_object_get(o, "bodyAsString");
		if (body != NULL && !json_is_null(body)) {
			if (!json_is_string(body)) {
				snprintf(err, errlen, "bodyAsString: expected a string, got %s",
				    type_name(body));
				return -1;
			}
			kc_buf_append(&b, json_string_value(body), json_string_length(body));
			r->body_len = b.len;
			r->body = kc_buf_steal(&b);
		}
		break;
	case KW_HTTP_BODY_FORM:
		body = json_object_get(o, "bodyAsForm");
		if (body == NULL || json_is_null(body))
			body = json_object();
		else
			json_incref(body);
		if (encode_form(body, "bodyAsForm", &b, err, errlen) < 0) {
			json_decref(body);
			kc_buf_free(&b);
			return -1;
		}
		r->form = body;
		r->body_len = b.len;
		r->body = kc_buf_steal(&b);
		ct = "application/x-www-form-urlencoded";
		break;
	case KW_HTTP_BODY_BYTE_ARRAY:
		body = json_object_get(o, "bodyAsByteArray");
		if (body != NULL && !json_is_null(body)) {
			if (!json_is_string(body) || kc_base64_decode(json_string_value(body),
			    json_string_length(body), KC_BASE64_LENIENT, &b) < 0) {
				kc_buf_free(&b);
				snprintf(err, errlen, "bodyAsByteArray: not valid base64");
				return -1;
			}
		}
		r->body_len = b.len;
		r->body = kc_buf_steal(&b);
		ct = "application/octet-stream";
		break;
	case KW_HTTP_BODY_MULTIPART:
		body = json_object_get(o, "parts");
		if (body == NULL || json_is_null(body)) {
			snprintf(err, errlen, "parts: missing (bodyType MULTIPART)");
			return -1;
		}
		s = kw_http_headers_get(&r->headers, "Content-Type");
		if (s != NULL && (k = strstr(s, "boundary=")) != NULL) {
			snprintf(boundary, sizeof(boundary), "%.*s", (int)strcspn(k + 9, "; \""),
			    k + 9 + (k[9] == '"'));
		} else {
			make_boundary(boundary, sizeof(boundary));
		}
		if (build_multipart(body, boundary, &b, err, errlen) < 0) {
			kc_buf_free(&b);
			return -1;
		}
		r->parts = json_incref(body);
		r->body_len = b.len;
		r->body = kc_buf_steal(&b);
		if (s != NULL && strstr(s, "boundary=") == NULL) {
			/* a multipart Content-Type without boundary: add ours */
			for (i = 0; i < r->headers.n; i++)
				if (strcasecmp(r->headers.v[i].name, "Content-Type") == 0) {
					char *nv = kc_xasprintf("%s; boundary=%s",
					    r->headers.v[i].value, boundary);

					free(r->headers.v[i].value);
					r->headers.v[i].value = nv;
					break;
				}
		} else if (s == NULL) {
			char *nv = kc_xasprintf("multipart/form-data; boundary=%s", boundary);

			kw_http_headers_add(&r->headers, "Content-Type", nv);
			free(nv);
		}
		break;
	}
	if (ct != NULL && kw_http_headers_get(&r->headers, "Content-Type") == NULL)
		kw_http_headers_add(&r->headers, "Content-Type", ct);
	v = json_object_get(o, "attributes");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v)) {
			snprintf(err, errlen, "attributes: expected an object, got %s", type_name(v));
			return -1;
		}
		r->attributes = json_deep_copy(v);
	}
	return 0;
}

/* Parse from JSON. */
int
kw_http_request_from_json(const json_t *v, bool strict, struct kw_http_request *out, char *err,
    size_t errlen)
{
	const json_t *payload;

	kw_http_request_init(out);
	if (json_is_string(v))
		return kw_http_request_from_text(json_string_value(v), json_string_length(v),
		    strict, out, err, errlen);
	if (json_is_object(v) && json_object_get(v, "url") == NULL &&
	    (payload = json_object_get(v, "payload")) != NULL &&
	    json_object_get(v, "schema") != NULL) {
		if (json_is_string(payload))
			return kw_http_request_from_text(json_string_value(payload),
			    json_string_length(payload), strict, out, err, errlen);
		v = payload;
	}
	if (!json_is_object(v)) {
		snprintf(err, errlen, "request: expected a JSON object (HttpRequest), got %s",
		    type_name(v));
		return -1;
	}
	if (from_object(v, strict, out, err, errlen) < 0) {
		kw_http_request_clear(out);
		return -1;
	}
	return 0;
}

/* Parse from JSON text. */
int
kw_http_request_from_text(const char *text, size_t len, bool strict, struct kw_http_request *out,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *v;
	int rc;

	kw_http_request_init(out);
	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (v == NULL) {
		snprintf(err, errlen, "request: not valid JSON (line %d, column %d: %s)", je.line,
		    je.column, je.text);
		return -1;
	}
	if (json_is_string(v)) {
		/* a JSON string holding the request (double-encoded) */
		rc = kw_http_request_from_text(json_string_value(v), json_string_length(v), strict,
		    out, err, errlen);
	} else {
		rc = kw_http_request_from_json(v, strict, out, err, errlen);
	}
	json_decref(v);
	return rc;
}

/* ---- templates --------------------------------------------------------------------------- */

enum seg_kind { SEG_TEXT, SEG_TOPIC, SEG_PARTITION, SEG_OFFSET, SEG_KEY, SEG_VALUE,
	SEG_VALUE_FIELD, SEG_HEADER };

struct seg {
	enum seg_kind	 kind;
	char		*text;		/* TEXT: the text; VALUE_FIELD: the path; HEADER: name */
	size_t		 len;
};

struct kw_http_template {
	struct seg	*segs;
	size_t		 n;
	bool		 wants_json;
};

/* Add a segment. */
static void
tmpl_add(struct kw_http_template *t, enum seg_kind k, const char *s, size_t len)
{
	t->segs = kc_xrealloc(t->segs, (t->n + 1) * sizeof(*t->segs));
	t->segs[t->n].kind = k;
	t->segs[t->n].text = s ? kc_xstrndup(s, len) : NULL;
	t->segs[t->n].len = len;
	t->n++;
}

/* Compile a template. */
struct kw_http_template *
kw_http_template_new(const char *text, char *err, size_t errlen)
{
	struct kw_http_template *t = kc_xcalloc(1, sizeof(*t));
	const char *p = text, *q, *e;
	size_t nlen;

	while (*p != '\0') {
		q = strstr(p, "${");
		if (q == NULL) {
			tmpl_add(t, SEG_TEXT, p, strlen(p));
			break;
		}
		if (q > p)
			tmpl_add(t, SEG_TEXT, p, (size_t)(q - p));
		e = strchr(q + 2, '}');
		if (e == NULL) {
			snprintf(err, errlen, "unterminated '${' at column %zu",
			    (size_t)(q - text) + 1);
			kw_http_template_free(t);
			return NULL;
		}
		q += 2;
		nlen = (size_t)(e - q);
		if (nlen == 5 && strncmp(q, "topic", 5) == 0)
			tmpl_add(t, SEG_TOPIC, NULL, 0);
		else if (nlen == 9 && strncmp(q, "partition", 9) == 0)
			tmpl_add(t, SEG_PARTITION, NULL, 0);
		else if (nlen == 6 && strncmp(q, "offset", 6) == 0)
			tmpl_add(t, SEG_OFFSET, NULL, 0);
		else if (nlen == 3 && strncmp(q, "key", 3) == 0)
			tmpl_add(t, SEG_KEY, NULL, 0);
		else if (nlen == 5 && strncmp(q, "value", 5) == 0)
			tmpl_add(t, SEG_VALUE, NULL, 0);
		else if (nlen > 6 && strncmp(q, "value.", 6) == 0) {
			tmpl_add(t, SEG_VALUE_FIELD, q + 6, nlen - 6);
			t->wants_json = true;
		} else if (nlen > 7 && strncmp(q, "header.", 7) == 0)
			tmpl_add(t, SEG_HEADER, q + 7, nlen - 7);
		else {
			snprintf(err, errlen, "unknown placeholder '${%.*s}' (known: ${topic}, "
			    "${partition}, ${offset}, ${key}, ${value}, ${value.FIELD}, "
			    "${header.NAME})", (int)nlen, q);
			kw_http_template_free(t);
			return NULL;
		}
		p = e + 1;
	}
	return t;
}

/* Free a template. */
void
kw_http_template_free(struct kw_http_template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->segs[i].text);
	free(t->segs);
	free(t);
}

/* Whether ${value.*} is used. */
bool
kw_http_template_wants_json(const struct kw_http_template *t)
{
	return t->wants_json;
}

/* Append a substituted value, percent-encoded when asked. */
static void
put_value(struct kc_buf *out, const char *s, size_t len, bool url_encode)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	unsigned char c;

	if (!url_encode) {
		kc_buf_append(out, s, len);
		return;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			kc_buf_putc(out, (char)c);
		} else {
			kc_buf_putc(out, '%');
			kc_buf_putc(out, hex[c >> 4]);
			kc_buf_putc(out, hex[c & 15]);
		}
	}
}

/* Expand a template. */
int
kw_http_template_expand(const struct kw_http_template *t, const struct kw_http_tmpl_ctx *c,
    bool url_encode, struct kc_buf *out, char *err, size_t errlen)
{
	const json_t *v;
	const char *s, *dot, *path;
	char num[64], seg[256];
	size_t i, n;

	for (i = 0; i < t->n; i++) {
		switch (t->segs[i].kind) {
		case SEG_TEXT:
			kc_buf_append(out, t->segs[i].text, t->segs[i].len);
			break;
		case SEG_TOPIC:
			put_value(out, c->topic ? c->topic : "", c->topic ? strlen(c->topic) : 0,
			    url_encode);
			break;
		case SEG_PARTITION:
			kc_buf_printf(out, "%d", (int)c->partition);
			break;
		case SEG_OFFSET:
			kc_buf_printf(out, "%lld", (long long)c->offset);
			break;
		case SEG_KEY:
			if (c->key != NULL)
				put_value(out, c->key, c->keylen, url_encode);
			break;
		case SEG_VALUE:
			if (c->value != NULL)
				put_value(out, c->value, c->valuelen, url_encode);
			break;
		case SEG_VALUE_FIELD:
			v = c->value_json;
			path = t->segs[i].text;
			while (v != NULL && *path != '\0') {
				dot = strchr(path, '.');
				n = dot ? (size_t)(dot - path) : strlen(path);
				snprintf(seg, sizeof(seg), "%.*s", (int)n, path);
				v = json_is_object(v) ? json_object_get(v, seg) : NULL;
				path += n + (dot != NULL);
			}
			if (v == NULL || (s = scalar_text(v, num, sizeof(num))) == NULL) {
				snprintf(err, errlen, "${value.%s}: %s", t->segs[i].text,
				    c->value_json == NULL ? "the record value is not a JSON object" :
				    v == NULL ? "no such field in the record value" :
				    "not a string, number or boolean");
				return -1;
			}
			put_value(out, s, strlen(s), url_encode);
			break;
		case SEG_HEADER: {
			const void *hv = NULL;
			size_t hlen = 0;
			rd_kafka_headers_t *hdrs = NULL;

			if (c->rkmessage != NULL &&
			    rd_kafka_message_headers(c->rkmessage, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
			    rd_kafka_header_get_last(hdrs, t->segs[i].text, &hv, &hlen) ==
			    RD_KAFKA_RESP_ERR_NO_ERROR && hv != NULL)
				put_value(out, hv, hlen, url_encode);
			break;
		}
		}
	}
	return 0;
}

/* ---- codecs ------------------------------------------------------------------------------ */

/* x-www-form-urlencoded component. */
void
kw_http_form_encode(const char *s, struct kc_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
			kc_buf_putc(out, (char)c);
		} else if (c == ' ') {
			kc_buf_putc(out, '+');
		} else {
			kc_buf_putc(out, '%');
			kc_buf_putc(out, hex[c >> 4]);
			kc_buf_putc(out, hex[c & 15]);
		}
	}
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf && len >= 2 && (s[1] & 0xc0) == 0x80)
		return 2;
	if (c >= 0xe0 && c <= 0xef && len >= 3 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4 && len >= 4 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Valid UTF-8 without NUL. */
int
kw_http_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] == 0)
			return 0;
		n = utf8_seq(p + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* JSON string literal. */
void
kw_http_json_str(struct kc_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	unsigned char c;

	kc_buf_reserve(out, len + 2);
	kc_buf_putc(out, '"');
	while (i < len) {
		c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run = i;
			while (i < len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' &&
			    p[i] != '\\')
				i++;
			kc_buf_append(out, s + run, i - run);
			continue;
		}
		if (c >= 0x80) {
			n = utf8_seq(p + i, len - i);
			if (n == 0) {
				kc_buf_puts(out, "\\ufffd");
				i++;
			} else {
				kc_buf_append(out, s + i, n);
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"': kc_buf_puts(out, "\\\""); break;
		case '\\': kc_buf_puts(out, "\\\\"); break;
		case '\n': kc_buf_puts(out, "\\n"); break;
		case '\r': kc_buf_puts(out, "\\r"); break;
		case '\t': kc_buf_puts(out, "\\t"); break;
		default:
			kc_buf_puts(out, "\\u00");
			kc_buf_putc(out, hex[c >> 4]);
			kc_buf_putc(out, hex[c & 15]);
		}
		i++;
	}
	kc_buf_putc(out, '"');
}
