/* join_core.c - key canonicalisation, value merge and round-trip JSON writing for the
 * stream-table join (see join_core.h). */
#include "join_core.h"
#include "kc_json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_codec.h"
#include "kc_util.h"


/* Text of an integral or real JSON number, for keys. */
static void
canon_number(const json_t *v, struct kc_buf *out)
{
	char buf[64];

	if (json_is_integer(v))
		kc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		kc_buf_puts(out, kc_json_fmt_real(json_real_value(v), buf, sizeof(buf)));
}

bool
kw_join_canon_json(const json_t *v, struct kc_buf *out)
{
	char *s;

	if (v == NULL || json_is_null(v))
		return false;
	if (json_is_string(v)) {
		kc_buf_append(out, json_string_value(v), json_string_length(v));
	} else if (json_is_number(v)) {
		canon_number(v, out);
	} else if (json_is_true(v)) {
		kc_buf_puts(out, "true");
	} else if (json_is_false(v)) {
		kc_buf_puts(out, "false");
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (s == NULL)
			kc_fatal("out of memory (json_dumps)");
		kc_buf_puts(out, s);
		free(s);
	}
	return true;
}

bool
kw_join_canon_bytes(const void *ptr, size_t len, struct kc_buf *out)
{
	const char *p = ptr;
	json_t *v;
	bool ok;

	if (ptr == NULL)
		return false;
	/* only scalars that look like JSON numbers or strings are decoded */
	if (len > 0 && (p[0] == '"' || p[0] == '-' || isdigit((unsigned char)p[0]))) {
		v = json_loadb(p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (v != NULL && (json_is_string(v) || json_is_number(v))) {
			ok = kw_join_canon_json(v, out);
			json_decref(v);
			return ok;
		}
		json_decref(v);
	}
	kc_buf_append(out, p, len);
	return true;
}



char **
kw_join_list_split(const char *s, size_t *n)
{
	char **list = NULL;
	const char *p, *e;
	char *item;

	*n = 0;
	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		item = kc_str_trim(kc_xstrndup(p, (size_t)(e - p)));
		if (*item == '\0') {
			free(item);
			continue;
		}
		list = kc_xrealloc(list, (*n + 1) * sizeof(*list));
		list[(*n)++] = item;
	}
	return list;
}

void
kw_join_list_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void
kw_join_spec_free(struct kw_join_spec *spec)
{
	free(spec->join_field);
	kw_join_list_free(spec->stream_fields, spec->nstream_fields);
	free(spec->stream_prefix);
	kw_join_list_free(spec->table_fields, spec->ntable_fields);
	free(spec->table_prefix);
	free(spec->table_nest);
	json_decref(spec->missing_defaults);
	memset(spec, 0, sizeof(*spec));
}

/* "" and NULL both mean unset. */
static char *
opt_dup(const char *s)
{
	return s != NULL && *s != '\0' ? kc_xstrdup(s) : NULL;
}

int
kw_join_spec_init(struct kw_join_spec *spec, const char *join_field, const char *join_type,
    const char *stream_fields, const char *stream_prefix, const char *table_fields,
    const char *table_prefix, const char *table_nest, const char *missing_defaults,
    char *err, size_t errlen)
{
	json_error_t jerr;

	memset(spec, 0, sizeof(*spec));
	spec->join_field = opt_dup(join_field);
	if (join_type == NULL || *join_type == '\0' || strcasecmp(join_type, "left") == 0)
		spec->inner = false;
	else if (strcasecmp(join_type, "inner") == 0)
		spec->inner = true;
	else {
		snprintf(err, errlen, "join.type: '%s' is not left or inner", join_type);
		goto fail;
	}
	spec->stream_fields = kw_join_list_split(stream_fields, &spec->nstream_fields);
	spec->stream_prefix = kc_xstrdup(stream_prefix != NULL ? stream_prefix : "");
	spec->table_fields = kw_join_list_split(table_fields, &spec->ntable_fields);
	spec->table_prefix = kc_xstrdup(table_prefix != NULL ? table_prefix : "");
	spec->table_nest = opt_dup(table_nest);
	if (missing_defaults != NULL && *missing_defaults != '\0') {
		spec->missing_defaults = json_loads(missing_defaults, JSON_DECODE_ANY, &jerr);
		if (spec->missing_defaults == NULL) {
			snprintf(err, errlen, "missing.defaults: column %d: %s", jerr.column,
			    jerr.text);
			goto fail;
		}
		if (!json_is_object(spec->missing_defaults)) {
			snprintf(err, errlen, "missing.defaults: must be a JSON object");
			goto fail;
		}
	}
	return 0;
fail:
	kw_join_spec_free(spec);
	return -1;
}

json_t *
kw_join_field(const json_t *value, const char *field)
{
	const char *dot;
	json_t *cur;
	char *seg;

	if (!json_is_object(value) || field == NULL)
		return NULL;
	cur = json_object_get(value, field);
	if (cur != NULL || strchr(field, '.') == NULL)
		return cur;
	cur = (json_t *)value;
	while (cur != NULL && *field != '\0') {
		if (!json_is_object(cur))
			return NULL;
		dot = strchr(field, '.');
		seg = kc_xstrndup(field, dot != NULL ? (size_t)(dot - field) : strlen(field));
		cur = json_object_get(cur, seg);
		free(seg);
		field = dot != NULL ? dot + 1 : field + strlen(field);
	}
	return cur;
}

/* Copy the selected fields of src into dst under prefix, never replacing a present key. */
static void
copy_fields(json_t *dst, const json_t *src, char *const *fields, size_t nfields,
    const char *prefix)
{
	struct kc_buf name;
	const char *k;
	json_t *m;
	size_t i;

	kc_buf_init(&name);
	if (!json_is_object(src)) {
		/* a scalar or array value: one field "value" */
		kc_buf_printf(&name, "%svalue", prefix);
		if (json_object_get(dst, name.data) == NULL)
			json_object_set(dst, name.data, (json_t *)src);
		kc_buf_free(&name);
		return;
	}
	if (fields == NULL) {
		json_object_foreach((json_t *)src, k, m) {
			kc_buf_reset(&name);
			kc_buf_printf(&name, "%s%s", prefix, k);
			if (json_object_get(dst, name.data) == NULL)
				json_object_set(dst, name.data, m);
		}
	} else {
		for (i = 0; i < nfields; i++) {
			m = kw_join_field(src, fields[i]);
			if (m == NULL)
				continue;
			kc_buf_reset(&name);
			kc_buf_printf(&name, "%s%s", prefix, fields[i]);
			if (json_object_get(dst, name.data) == NULL)
				json_object_set(dst, name.data, m);
		}
	}
	kc_buf_free(&name);
}

json_t *
kw_join_merge(const struct kw_join_spec *spec, const json_t *stream, const json_t *table)
{
	json_t *out = json_object(), *nest;
	const char *k;
	json_t *m;

	if (out == NULL)
		kc_fatal("out of memory (json_object)");
	if (stream != NULL)
		copy_fields(out, stream, spec->stream_fields, spec->nstream_fields,
		    spec->stream_prefix);
	if (table != NULL) {
		if (spec->table_nest != NULL) {
			if (json_object_get(out, spec->table_nest) == NULL) {
				nest = json_object();
				copy_fields(nest, table, spec->table_fields, spec->ntable_fields,
				    spec->table_prefix);
				json_object_set_new(out, spec->table_nest, nest);
			}
		} else {
			copy_fields(out, table, spec->table_fields, spec->ntable_fields,
			    spec->table_prefix);
		}
	} else if (spec->missing_defaults != NULL) {
		json_object_foreach(spec->missing_defaults, k, m) {
			if (json_object_get(out, k) == NULL)
				json_object_set(out, k, m);
		}
	}
	return out;
}

/* 1 if the bytes are valid UTF-8 (no NUL). */
static int
valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;
	unsigned int cp;

	while (i < len) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) { n = 1; cp = s[i] & 0x1f; }
		else if ((s[i] & 0xf0) == 0xe0) { n = 2; cp = s[i] & 0x0f; }
		else if ((s[i] & 0xf8) == 0xf0) { n = 3; cp = s[i] & 0x07; }
		else return 0;
		for (j = 1; j <= n; j++) {
			if (i + j >= len || (s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

json_t *
kw_join_parse_lenient(const void *ptr, size_t len)
{
	json_t *v;

	if (ptr == NULL)
		return NULL;
	v = json_loadb(ptr, len, JSON_DECODE_ANY, NULL);
	if (v != NULL)
		return v;
	if (!valid_utf8(ptr, len))
		return NULL;
	return json_stringn(ptr, len);
}

/* ---- fast path: a strict scanner for JSON text ------------------------------------------ */

struct scan {
	const char	*p, *end;
	int		 depth;
};

static void
skip_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' ||
	    *sc->p == '\r'))
		sc->p++;
}

/* A string at sc->p ('"'); *escaped says whether it used escapes. 0 or -1. */
static int
scan_string(struct scan *sc, bool *escaped)
{
	const unsigned char *p = (const unsigned char *)sc->p + 1;
	const unsigned char *end = (const unsigned char *)sc->end;
	unsigned int cp;
	int n, i;

	*escaped = false;
	while (p < end) {
		if (*p == '"') {
			sc->p = (const char *)p + 1;
			return 0;
		}
		if (*p < 0x20)
			return -1;
		if (*p == '\\') {
			*escaped = true;
			if (++p >= end)
				return -1;
			if (*p == 'u') {
				if (end - p < 5)
					return -1;
				for (i = 1; i <= 4; i++)
					if (kc_hexval(p[i]) < 0)
						return -1;
				p += 5;
				continue;
			}
			if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
				return -1;
			p++;
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) { n = 1; cp = *p & 0x1f; }
		else if ((*p & 0xf0) == 0xe0) { n = 2; cp = *p & 0x0f; }
		else if ((*p & 0xf8) == 0xf0) { n = 3; cp = *p & 0x07; }
		else return -1;
		if (end - p <= n)
			return -1;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		p += n + 1;
	}
	return -1;
}

/* A number per RFC 8259. */
static int
scan_number(struct scan *sc)
{
	const char *p = sc->p;

	if (p < sc->end && *p == '-')
		p++;
	if (p >= sc->end)
		return -1;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < sc->end && *p >= '0' && *p <= '9')
			p++;
	else
		return -1;
	if (p < sc->end && *p == '.') {
		p++;
		if (p >= sc->end || *p < '0' || *p > '9')
			return -1;
		while (p < sc->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < sc->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < sc->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= sc->end || *p < '0' || *p > '9')
			return -1;
		while (p < sc->end && *p >= '0' && *p <= '9')
			p++;
	}
	sc->p = p;
	return 0;
}

static int scan_value(struct scan *sc);

/* An object or array at sc->p. */
static int
scan_container(struct scan *sc)
{
	char close = *sc->p == '{' ? '}' : ']';
	bool obj = close == '}', esc;

	if (++sc->depth > 32)
		return -1;
	sc->p++;
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == close) {
		sc->p++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (sc->p >= sc->end || *sc->p != '"' || scan_string(sc, &esc) != 0)
				return -1;
			skip_ws(sc);
			if (sc->p >= sc->end || *sc->p != ':')
				return -1;
			sc->p++;
			skip_ws(sc);
		}
		if (scan_value(sc) != 0)
			return -1;
		skip_ws(sc);
		if (sc->p >= sc->end)
			return -1;
		if (*sc->p == ',') {
			sc->p++;
			skip_ws(sc);
			continue;
		}
		if (*sc->p != close)
			return -1;
		sc->p++;
		sc->depth--;
		return 0;
	}
}

static int
scan_value(struct scan *sc)
{
	size_t left = (size_t)(sc->end - sc->p);
	bool esc;

	if (left == 0)
		return -1;
	switch (*sc->p) {
	case '{':
	case '[':
		return scan_container(sc);
	case '"':
		return scan_string(sc, &esc);
	case 't':
		if (left < 4 || memcmp(sc->p, "true", 4) != 0)
			return -1;
		sc->p += 4;
		return 0;
	case 'f':
		if (left < 5 || memcmp(sc->p, "false", 5) != 0)
			return -1;
		sc->p += 5;
		return 0;
	case 'n':
		if (left < 4 || memcmp(sc->p, "null", 4) != 0)
			return -1;
		sc->p += 4;
		return 0;
	default:
		return scan_number(sc);
	}
}

int
kw_join_scan_object(const char *s, size_t len, struct kw_join_member *m)
{
	struct scan sc = { s, s + len, 1 };
	const char *k, *v;
	bool esc;
	int n = 0, i;

	skip_ws(&sc);
	if (sc.p >= sc.end || *sc.p != '{')
		return -1;
	sc.p++;
	skip_ws(&sc);
	if (sc.p < sc.end && *sc.p == '}') {
		sc.p++;
		goto tail;
	}
	for (;;) {
		if (sc.p >= sc.end || *sc.p != '"')
			return -1;
		k = sc.p + 1;
		if (scan_string(&sc, &esc) != 0 || esc || n == KW_JOIN_SCAN_MAX)
			return -1;
		m[n].key = k;
		m[n].klen = (size_t)(sc.p - 1 - k);
		for (i = 0; i < n; i++)
			if (m[i].klen == m[n].klen && memcmp(m[i].key, k, m[n].klen) == 0)
				return -1;	/* duplicate: jansson keeps the last one */
		skip_ws(&sc);
		if (sc.p >= sc.end || *sc.p != ':')
			return -1;
		sc.p++;
		skip_ws(&sc);
		v = sc.p;
		if (scan_value(&sc) != 0)
			return -1;
		m[n].val = v;
		m[n].vlen = (size_t)(sc.p - v);
		n++;
		skip_ws(&sc);
		if (sc.p >= sc.end)
			return -1;
		if (*sc.p == ',') {
			sc.p++;
			skip_ws(&sc);
			continue;
		}
		if (*sc.p != '}')
			return -1;
		sc.p++;
		break;
	}
tail:
	skip_ws(&sc);
	return sc.p == sc.end ? n : -1;
}

void
kw_join_compact(const char *v, size_t len, struct kc_buf *out)
{
	size_t i, start = 0;
	bool in_str = false;

	kc_buf_reserve(out, len);
	for (i = 0; i < len; i++) {
		char c = v[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			kc_buf_append(out, v + start, i - start);
			start = i + 1;
		}
	}
	kc_buf_append(out, v + start, len - start);
}

bool
kw_join_canon_text(const char *v, size_t len, struct kc_buf *out)
{
	json_t *j;
	size_t i;
	bool ok;

	if (len >= 2 && v[0] == '"' && memchr(v, '\\', len) == NULL) {
		kc_buf_append(out, v + 1, len - 2);
		return true;
	}
	/* a plain integer of up to 18 digits is its own canonical text */
	i = v[0] == '-' ? 1 : 0;
	if (len > i && len - i <= 18 && (v[i] != '0' || len - i == 1)) {
		size_t d;

		for (d = i; d < len && v[d] >= '0' && v[d] <= '9'; d++)
			;
		if (d == len) {
			if (len == 2 && v[0] == '-' && v[1] == '0')
				kc_buf_putc(out, '0');
			else
				kc_buf_append(out, v, len);
			return true;
		}
	}
	if (len == 4 && memcmp(v, "null", 4) == 0)
		return false;
	j = json_loadb(v, len, JSON_DECODE_ANY, NULL);
	ok = kw_join_canon_json(j, out);
	json_decref(j);
	return ok;
}
