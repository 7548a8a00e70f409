/* kc_codec.c - hex digits and base64. */
#include "kc_codec.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
kc_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
kc_base64_encode(const void *data, size_t len, struct kc_buf *out)
{
	const unsigned char *p = data;
	size_t i;
	unsigned v;
	char *o;

	kc_buf_reserve(out, (len + 2) / 3 * 4 + 1);
	o = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

/* Value of a base64 character, -1 for others. */
static int
b64_value(unsigned char c, int flags)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || (c == '-' && (flags & KC_BASE64_LENIENT)))
		return 62;
	if (c == '/' || (c == '_' && (flags & KC_BASE64_LENIENT)))
		return 63;
	return -1;
}

int
kc_base64_decode(const char *s, size_t len, int flags, struct kc_buf *out)
{
	unsigned acc = 0;
	int bits = 0, pad = 0, v;
	size_t i;
	char *o;

	kc_buf_reserve(out, len / 4 * 3 + 4);
	o = out->data + out->len;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((flags & KC_BASE64_LENIENT) &&
		    (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_value(c, flags)) < 0)
			goto bad;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6 || pad > 2)
		goto bad;
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
bad:
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return -1;
}
