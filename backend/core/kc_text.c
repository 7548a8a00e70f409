/* kc_text.c - terminal-safe text. */
#include "kc_text.h"
#include "kc_buf.h"
#include "kc_util.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Length of a valid UTF-8 sequence at s (max n bytes) and its code point, or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	size_t len, i;
	unsigned int c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* reject overlong forms, surrogates and out-of-range values */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

char *
kc_text_sanitize_n(const char *s, size_t len, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	struct kc_buf b;
	size_t i = 0;

	kc_buf_init(&b);
	kc_buf_reserve(&b, len);
	while (i < len) {
		unsigned int cp;
		size_t n = utf8_seq(p + i, len - i, &cp);

		if (n == 0) {
			kc_buf_putc(&b, '?');
			i++;
			continue;
		}
		if (cp == '\n' && (flags & KC_TEXT_KEEP_NL)) {
			kc_buf_putc(&b, '\n');
		} else if (cp == '\t') {
			kc_buf_putc(&b, (flags & KC_TEXT_KEEP_TAB) ? '\t' : ' ');
		} else if (cp < 0x20) {
			kc_buf_putc(&b, '^');
			kc_buf_putc(&b, (char)(cp + '@'));
		} else if (cp == 0x7f) {
			kc_buf_puts(&b, "^?");
		} else if (cp >= 0x80 && cp < 0xa0) {
			kc_buf_putc(&b, '?');
		} else if (cp >= 0x80 && (flags & KC_TEXT_ASCII)) {
			kc_buf_putc(&b, '?');
		} else if (cp == 0x2028 || cp == 0x2029 || cp == 0x202e || cp == 0x202d ||
		    cp == 0x2066 || cp == 0x2067 || cp == 0x2068 || cp == 0x2069 || cp == 0x200e ||
		    cp == 0x200f || cp == 0x202a || cp == 0x202b || cp == 0x202c) {
			/* bidi overrides and line separators can disguise text */
			kc_buf_putc(&b, '?');
		} else {
			kc_buf_append(&b, p + i, n);
		}
		i += n;
	}
	return kc_buf_steal(&b);
}

char *
kc_text_sanitize(const char *s, int flags)
{
	if (s == NULL)
		return kc_xstrdup("");
	return kc_text_sanitize_n(s, strlen(s), flags);
}

int
kc_text_is_clean(const char *s, int flags)
{
	char *t = kc_text_sanitize(s, flags);
	int same = strcmp(s, t) == 0;

	free(t);
	return same;
}

size_t
kc_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, w = 0;

	while (i < len) {
		unsigned int cp;
		size_t n = utf8_seq(p + i, len - i, &cp);
		int cw;

		if (n == 0) {
			w++;
			i++;
			continue;
		}
		cw = wcwidth((wchar_t)cp);
		w += cw < 0 ? 1 : (size_t)cw;
		i += n;
	}
	return w;
}
