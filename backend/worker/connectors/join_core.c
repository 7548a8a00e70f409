/* join_core.c - key canonicalisation, value merge and round-trip JSON writing for the
 * stream-table join (see join_core.h). */
#include "join_core.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_util.h"

/* Shortest round-trip text of a double. */
char *
kw_join_fmt_real(double d, char *buf, size_t len)
{
	int prec;

	if (!isfinite(d)) {
		snprintf(buf, len, "null");
		return buf;
	}
	if (d == trunc(d) && fabs(d) < 9007199254740992.0) {
		snprintf(buf, len, "%.0f", d);
		if (strcmp(buf, "-0") == 0)
			snprintf(buf, len, "0");
		return buf;
	}
	/* %g drops trailing zeros, so the first of 15, 16, 17 digits that reads back is the
	 * shortest form: a double is within 2^-53 of any shorter decimal that reads back as
	 * it, so rounding it to 15 digits gives that decimal zero-padded */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

/* Text of an integral or real JSON number, for keys. */
static void
canon_number(const json_t *v, struct kc_buf *out)
{
	char buf[64];

	if (json_is_integer(v))
		kc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		kc_buf_puts(out, kw_join_fmt_real(json_real_value(v), buf, sizeof(buf)));
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

/* A JSON string literal (with quotes) appended to out. */
static void
dump_string(const char *s, size_t len, struct kc_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	unsigned char c;

	kc_buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kc_buf_append(out, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': kc_buf_puts(out, "\\\""); break;
		case '\\': kc_buf_puts(out, "\\\\"); break;
		case '\n': kc_buf_puts(out, "\\n"); break;
		case '\r': kc_buf_puts(out, "\\r"); break;
		case '\t': kc_buf_puts(out, "\\t"); break;
		case '\b': kc_buf_puts(out, "\\b"); break;
		case '\f': kc_buf_puts(out, "\\f"); break;
		default:
			kc_buf_puts(out, "\\u00");
			kc_buf_putc(out, hex[c >> 4]);
			kc_buf_putc(out, hex[c & 15]);
		}
	}
	kc_buf_append(out, s + start, len - start);
	kc_buf_putc(out, '"');
}

void
kw_join_dump(const json_t *v, struct kc_buf *out)
{
	const char *k;
	json_t *m;
	size_t i;
	char buf[64];
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		kc_buf_putc(out, '{');
		json_object_foreach((json_t *)v, k, m) {
			if (!first)
				kc_buf_putc(out, ',');
			first = false;
			dump_string(k, strlen(k), out);
			kc_buf_putc(out, ':');
			kw_join_dump(m, out);
		}
		kc_buf_putc(out, '}');
		break;
	case JSON_ARRAY:
		kc_buf_putc(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				kc_buf_putc(out, ',');
			kw_join_dump(json_array_get(v, i), out);
		}
		kc_buf_putc(out, ']');
		break;
	case JSON_STRING:
		dump_string(json_string_value(v), json_string_length(v), out);
		break;
	case JSON_INTEGER:
		kc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		kw_join_fmt_real(json_real_value(v), buf, sizeof(buf));
		/* keep it a real on the way back: 12.0 was a real, write 12.0 */
		if (strspn(buf, "-0123456789") == strlen(buf))
			strcat(buf, ".0");
		kc_buf_puts(out, buf);
		break;
	case JSON_TRUE:
		kc_buf_puts(out, "true");
		break;
	case JSON_FALSE:
		kc_buf_puts(out, "false");
		break;
	case JSON_NULL:
	default:
		kc_buf_puts(out, "null");
		break;
	}
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
