/* kc_state_secret.c - secret references, masking, and small codecs (SHA-256, base64).
 *
 * ${kcops:env:VAR} reads an environment variable; ${kcops:file:PATH} reads a file (one
 * trailing newline dropped). They are resolved only when a request is built or a live value
 * must be compared; error messages name the reference, never a value. Everything else in
 * ${...} is a Connect config-provider placeholder and is left alone. */
#include "kc_state_int.h"
#include "kc_buf.h"
#include "kc_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kc_state_has_ref(const char *s)
{
	return s != NULL && strstr(s, "${kcops:") != NULL;
}

/* Read one reference body ("env:VAR" or "file:PATH") into b. */
static int
resolve_one(const char *body, size_t n, struct kc_buf *b, struct kc_err *err)
{
	char *arg;

	if (n > 4 && strncmp(body, "env:", 4) == 0) {
		arg = kc_xstrndup(body + 4, n - 4);
		const char *v = getenv(arg);
		if (v == NULL) {
			kc_err_set(err, KC_E_NOTFOUND, "secret reference ${kcops:env:%s}: the "
			    "variable is not set", arg);
			free(arg);
			return -1;
		}
		kc_buf_puts(b, v);
		free(arg);
		return 0;
	}
	if (n > 5 && strncmp(body, "file:", 5) == 0) {
		size_t len = 0;
		char *data;

		arg = kc_xstrndup(body + 5, n - 5);
		data = kc_read_file(arg, &len);
		if (data == NULL) {
			kc_err_set(err, KC_E_IO, "secret reference ${kcops:file:%s}: %s", arg,
			    strerror(errno));
			free(arg);
			return -1;
		}
		if (len > 0 && data[len - 1] == '\n')
			len--;
		if (len > 0 && data[len - 1] == '\r')
			len--;
		kc_buf_append(b, data, len);
		free(data);
		free(arg);
		return 0;
	}
	kc_err_set(err, KC_E_PARSE, "bad secret reference ${kcops:%.*s} (expected env:VAR or "
	    "file:PATH)", (int)(n > 64 ? 64 : n), body);
	return -1;
}

char *
kc_state_resolve(const char *s, struct kc_err *err)
{
	struct kc_buf b;
	const char *p, *end;

	if (s == NULL)
		return NULL;
	kc_buf_init(&b);
	while ((p = strstr(s, "${kcops:")) != NULL) {
		kc_buf_append(&b, s, (size_t)(p - s));
		end = strchr(p + 8, '}');
		if (end == NULL) {
			kc_err_set(err, KC_E_PARSE, "unterminated secret reference");
			kc_buf_free(&b);
			return NULL;
		}
		if (resolve_one(p + 8, (size_t)(end - p - 8), &b, err) < 0) {
			kc_buf_free(&b);
			return NULL;
		}
		s = end + 1;
	}
	kc_buf_puts(&b, s);
	return kc_buf_steal(&b);
}

/* ASCII lower case (config keys are ASCII; no locale lookup per character). */
static inline int
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : (unsigned char)c;
}

int
kc_state_key_is_sensitive(const char *key)
{
	/* one pass over the key; at each letter that starts a word, the words starting with it
	 * (grouped by first letter) are compared case-insensitively */
	static const char *const words[] = { "access.key", "api.key", "apikey", "auth.key",
	    "basic.auth.user.info", "connection.uri", "credential", "jaas.config", "key.password",
	    "passphrase", "passwd", "password", "private.key", "secret", "token" };
	const char *k, *w, *q;
	size_t i, lo, hi;

	for (k = key; *k != '\0'; k++) {
		switch (ascii_lower(*k)) {
		case 'a': lo = 0; hi = 4; break;
		case 'b': lo = 4; hi = 5; break;
		case 'c': lo = 5; hi = 7; break;
		case 'j': lo = 7; hi = 8; break;
		case 'k': lo = 8; hi = 9; break;
		case 'p': lo = 9; hi = 13; break;
		case 's': lo = 13; hi = 14; break;
		case 't': lo = 14; hi = 15; break;
		default: continue;
		}
		for (i = lo; i < hi; i++) {
			for (w = words[i], q = k; *w != '\0' && ascii_lower(*q) == *w; w++, q++)
				;
			if (*w == '\0')
				return 1;
		}
	}
	return 0;
}

int
kc_state_value_is_masked(const char *v)
{
	const char *p;

	if (v == NULL)
		return 0;
	if (strcmp(v, "[hidden]") == 0 || strcmp(v, "<hidden>") == 0)
		return 1;
	if (strlen(v) < 3)
		return 0;
	for (p = v; *p == '*'; p++)
		;
	if (*p == '\0')
		return 1;
	/* U+2022 bullets, as some managed services return */
	for (p = v; strncmp(p, "\xe2\x80\xa2", 3) == 0; p += 3)
		;
	return *p == '\0';
}

int
kc_state_key_is_server_added(const char *key)
{
	return strcmp(key, "name") == 0 || strncmp(key, "__internal.", 11) == 0;
}

/* 1 when the whole value is one ${...} placeholder (not a secret itself). */
static int
is_placeholder(const char *v)
{
	size_t n = strlen(v);

	return n > 3 && v[0] == '$' && v[1] == '{' && v[n - 1] == '}' && strchr(v + 2, '}') ==
	    v + n - 1;
}

char *
kc_state_display_value(const char *key, const char *value)
{
	if (value == NULL)
		return kc_xstrdup("");
	if (kc_state_has_ref(value) || is_placeholder(value))
		return kc_xstrdup(value);
	if (kc_state_key_is_sensitive(key))
		return kc_xstrdup("(sensitive)");
	return kc_xstrdup(value);
}

/* ---- SHA-256 (FIPS 180-4) ---------------------------------------------------------------- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* Process one 64-byte block. */
static void
sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[i * 4] << 24 | (uint32_t)p[i * 4 + 1] << 16 |
		    (uint32_t)p[i * 4 + 2] << 8 | p[i * 4 + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] +
		    w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void
kc_state_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
	    0x1f83d9ab, 0x5be0cd19 };
	const unsigned char *p = data;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t rest, tl, i;

	for (rest = len; rest >= 64; rest -= 64, p += 64)
		sha_block(h, p);
	memset(tail, 0, sizeof tail);
	memcpy(tail, p, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha_block(h, tail);
	if (tl == 128)
		sha_block(h, tail + 64);
	for (i = 0; i < 8; i++)
		snprintf(hex + i * 8, 9, "%08x", h[i]);
}
