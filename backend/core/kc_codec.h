/* kc_codec.h - hex digits and base64 (RFC 4648), shared by every module that meets them:
 * HTTP request bodies (bodyAsByteArray), Basic credentials, state-file secrets, binary
 * record values shown by `tail`, percent-escapes and JSON \u escapes. */
#ifndef KC_CODEC_H
#define KC_CODEC_H

#include <stddef.h>

#include "kc_buf.h"

/* Value of one hex digit (either case), -1 for any other character. */
int kc_hexval(int c);

/* Append the standard base64 (with '=' padding) of len bytes to out. */
void kc_base64_encode(const void *data, size_t len, struct kc_buf *out);

enum kc_base64_flags {
	KC_BASE64_LENIENT = 1,	/* skip ASCII white space; accept the URL-safe '-' and '_' too */
};

/* Decode len characters of base64 (padding optional; nothing but '=' may follow it) and
 * append the bytes to out. Returns 0, or -1 on a character outside the alphabet, data after
 * padding, more than two '=', or a dangling 6-bit group; out may then hold a prefix. */
int kc_base64_decode(const char *s, size_t len, int flags, struct kc_buf *out);

#endif
