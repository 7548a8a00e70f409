/* kc_props.c - Java properties parser. */
#include "kc_props.h"
#include "kc_buf.h"
#include "kc_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

static void
put_utf8(struct kc_buf *b, unsigned int cp)
{
	char o[4];

	if (cp < 0x80) {
		kc_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		kc_buf_append(b, o, 2);
	} else {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		kc_buf_append(b, o, 3);
	}
}

/* Unescape [s, e) into b; returns -1 on a bad \u escape. */
static int
unescape(struct kc_buf *b, const char *s, const char *e)
{
	while (s < e) {
		if (*s != '\\' || s + 1 >= e) {
			kc_buf_putc(b, *s++);
			continue;
		}
		s++;
		switch (*s) {
		case 't': kc_buf_putc(b, '\t'); s++; break;
		case 'n': kc_buf_putc(b, '\n'); s++; break;
		case 'r': kc_buf_putc(b, '\r'); s++; break;
		case 'f': kc_buf_putc(b, '\f'); s++; break;
		case 'u': {
			char hex[5];
			char *end;
			unsigned long cp;
			if (e - s < 5)
				return -1;
			memcpy(hex, s + 1, 4);
			hex[4] = '\0';
			cp = strtoul(hex, &end, 16);
			if (*end != '\0')
				return -1;
			put_utf8(b, (unsigned int)cp);
			s += 5;
			break;
		}
		default:
			kc_buf_putc(b, *s++);
		}
	}
	return 0;
}

json_t *
kc_props_parse(const char *text, size_t len, const char *name, struct kc_err *err)
{
	json_t *out = json_object();
	const char *p = text, *end = text + len;
	int lineno = 0;
	struct kc_buf logical, key, val;

	kc_buf_init(&logical);
	kc_buf_init(&key);
	kc_buf_init(&val);
	while (p < end) {
		int start_line = ++lineno;
		const char *s, *e, *k_end, *v_start;

		/* gather one logical line (continuations end in an odd number of backslashes) */
		kc_buf_reset(&logical);
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl != NULL ? nl : end;
			const char *ls = p;
			size_t nbs = 0;
			const char *q;

			if (logical.len > 0)
				while (ls < le && is_ws(*ls))
					ls++;
			q = le;
			if (q > ls && q[-1] == '\r')
				q--;
			while (q - nbs > ls && q[-1 - (long)nbs] == '\\')
				nbs++;
			p = nl != NULL ? nl + 1 : end;
			if (nbs % 2 == 1 && !(logical.len == 0 && ls < le &&
			    (*ls == '#' || *ls == '!'))) {
				kc_buf_append(&logical, ls, (size_t)(q - 1 - ls));
				if (p >= end)
					break;
				lineno++;
				continue;
			}
			kc_buf_append(&logical, ls, (size_t)(q - ls));
			break;
		}
		s = kc_buf_str(&logical);
		e = s + logical.len;
		while (s < e && is_ws(*s))
			s++;
		if (s == e || *s == '#' || *s == '!')
			continue;
		/* key ends at an unescaped '=', ':' or white space */
		k_end = s;
		while (k_end < e && !(*k_end == '=' || *k_end == ':' || is_ws(*k_end))) {
			if (*k_end == '\\' && k_end + 1 < e)
				k_end++;
			k_end++;
		}
		v_start = k_end;
		while (v_start < e && is_ws(*v_start))
			v_start++;
		if (v_start < e && (*v_start == '=' || *v_start == ':')) {
			v_start++;
			while (v_start < e && is_ws(*v_start))
				v_start++;
		}
		kc_buf_reset(&key);
		kc_buf_reset(&val);
		if (unescape(&key, s, k_end) < 0 || unescape(&val, v_start, e) < 0) {
			kc_err_set(err, KC_E_PARSE, "%s: line %d: malformed \\u escape",
			    name ? name : "properties", start_line);
			json_decref(out);
			out = NULL;
			break;
		}
		json_object_set_new(out, kc_buf_str(&key), json_string(kc_buf_str(&val)));
	}
	kc_buf_free(&logical);
	kc_buf_free(&key);
	kc_buf_free(&val);
	return out;
}

json_t *
kc_props_load(const char *path, struct kc_err *err)
{
	size_t len;
	char *text = kc_read_file(path, &len);
	json_t *out;

	if (text == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	out = kc_props_parse(text, len, path, err);
	free(text);
	return out;
}
