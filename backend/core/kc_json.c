/* kc_json.c - jansson helpers. */
#include "kc_json.h"
#include "kc_buf.h"
#include "kc_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

json_t *
kc_json_parse(const char *text, size_t len, int strict_dupes, struct kc_err *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(text, len, (strict_dupes ? JSON_REJECT_DUPLICATES : 0) | JSON_ALLOW_NUL,
	    &jerr);
	if (v == NULL)
		kc_err_set(err, KC_E_PARSE, "line %d, column %d: %s", jerr.line, jerr.column,
		    jerr.text);
	return v;
}

const char *
kc_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
kc_json_str_or(const json_t *obj, const char *key, const char *def)
{
	const char *s = kc_json_str(obj, key);

	return s != NULL ? s : def;
}

long long
kc_json_int_or(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		n = strtoll(json_string_value(v), &end, 10);
		if (end != json_string_value(v) && *end == '\0')
			return n;
	}
	return def;
}

/* Shortest round-trip text of a double. */
char *
kc_json_fmt_real(double d, char *buf, size_t len)
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

/* The first byte at or after i in s[0, len) that a JSON string cannot hold as it is: '"',
 * '\\' or a control (below 0x20); len if none. Sixteen bytes at a time with SSE2 (an
 * unsigned min finds the controls), else eight in a 64-bit word; the tail byte by byte.
 * Nothing at or after len is read. */
static inline size_t
next_escape(const char *s, size_t i, size_t len)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);

	while (len - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		int m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x),
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash))));
		if (m != 0)
			return i + (size_t)__builtin_ctz((unsigned int)m);
		i += 16;
	}
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;

		while (len - i >= 8) {
			uint64_t x, q, b, m;
			memcpy(&x, s + i, 8);
			q = x ^ (ones * '"');
			b = x ^ (ones * '\\');
			/* a zero byte of q or b, or a byte below 0x20 (x - 0x20 borrows into
			 * its bit 7 while x's is clear): the lowest marked byte is exact */
			m = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) &
			    high;
			if (m != 0)
				return i + (size_t)(__builtin_ctzll(m) >> 3);
			i += 8;
		}
	}
#endif
	while (i < len && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/* A JSON string literal (with quotes) appended to out: runs without escapes are found
 * with next_escape and appended whole. */
void
kc_json_write_string(const char *s, size_t len, struct kc_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	unsigned char c;
	char u[6];

	kc_buf_reserve(out, len + 2);
	kc_buf_putc(out, '"');
	for (i = next_escape(s, 0, len); i < len; i = next_escape(s, i, len)) {
		c = (unsigned char)s[i];
		kc_buf_append(out, s + start, i - start);
		start = ++i;
		switch (c) {
		case '"': kc_buf_append(out, "\\\"", 2); break;
		case '\\': kc_buf_append(out, "\\\\", 2); break;
		case '\n': kc_buf_append(out, "\\n", 2); break;
		case '\r': kc_buf_append(out, "\\r", 2); break;
		case '\t': kc_buf_append(out, "\\t", 2); break;
		case '\b': kc_buf_append(out, "\\b", 2); break;
		case '\f': kc_buf_append(out, "\\f", 2); break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			kc_buf_append(out, u, 6);
		}
	}
	kc_buf_append(out, s + start, len - start);
	kc_buf_putc(out, '"');
}

/* Compact JSON with exact numbers. */
void
kc_json_write(const json_t *v, struct kc_buf *out)
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
			kc_json_write_string(k, strlen(k), out);
			kc_buf_putc(out, ':');
			kc_json_write(m, out);
		}
		kc_buf_putc(out, '}');
		break;
	case JSON_ARRAY:
		kc_buf_putc(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				kc_buf_putc(out, ',');
			kc_json_write(json_array_get(v, i), out);
		}
		kc_buf_putc(out, ']');
		break;
	case JSON_STRING:
		kc_json_write_string(json_string_value(v), json_string_length(v), out);
		break;
	case JSON_INTEGER:
		kc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		kc_json_fmt_real(json_real_value(v), buf, sizeof(buf));
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

char *
kc_json_dump(const json_t *v)
{
	struct kc_buf b;

	kc_buf_init(&b);
	kc_json_write(v, &b);
	return kc_buf_steal(&b);
}

char *
kc_json_ptr_escape(const char *seg)
{
	struct kc_buf b;

	kc_buf_init(&b);
	for (; *seg != '\0'; seg++) {
		if (*seg == '~')
			kc_buf_puts(&b, "~0");
		else if (*seg == '/')
			kc_buf_puts(&b, "~1");
		else
			kc_buf_putc(&b, *seg);
	}
	return kc_buf_steal(&b);
}

json_t *
kc_json_string_map(const json_t *obj, struct kc_err *err)
{
	const char *key;
	json_t *v, *out;
	char num[64];

	if (!json_is_object(obj)) {
		kc_err_set(err, KC_E_PARSE, "expected a JSON object");
		return NULL;
	}
	out = json_object();
	json_object_foreach((json_t *)obj, key, v) {
		switch (json_typeof(v)) {
		case JSON_STRING:
			json_object_set(out, key, v);
			break;
		case JSON_INTEGER:
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			json_object_set_new(out, key, json_string(num));
			break;
		case JSON_REAL: {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			json_object_set_new(out, key, json_string(s));
			free(s);
			break;
		}
		case JSON_TRUE:
			json_object_set_new(out, key, json_string("true"));
			break;
		case JSON_FALSE:
			json_object_set_new(out, key, json_string("false"));
			break;
		case JSON_NULL:
			json_object_set_new(out, key, json_null());
			break;
		default:
			kc_err_set(err, KC_E_PARSE, "value of \"%s\" must be a string, not %s", key,
			    json_is_object(v) ? "an object" : "an array");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}
