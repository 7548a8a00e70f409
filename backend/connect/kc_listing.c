/* kc_listing.c - the expanded connector listing parsed straight into the model.
 *
 * DESIGN: GET /connectors?expand=status&expand=info is the one large answer (megabytes for
 * thousands of connectors). Building a jansson tree of it and then the model costs several
 * times the transfer, so this file parses the text once, in place: a private copy of the
 * text is decoded where it lies (strings are unescaped over themselves and NUL-terminated),
 * and the model's strings point into it. Only the fields the model has are kept; anything
 * else is skipped with a validating skipper, so malformed text is still an error. */
#include "kc_client.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kc_client_int.h"
#include "kc_codec.h"
#include "kc_util.h"

/* Storage behind a parsed list. */
struct listing_store {
	char		*text;		/* decoded in place */
	const char	**keys;		/* every config key, document order */
	const char	**vals;		/* and its value */
	struct kc_task_view *tasks;	/* every task */
	char		**copies;	/* non-string config values, copied as text */
	size_t		 ncopies;
};

struct parser {
	char		*p;
	char		*start;
	char		*end;
	const char	*err;
	/* growing vectors; views refer to them by index until the end */
	const char	**keys;		/* config keys and values, document order */
	const char	**vals;
	size_t		 nkv, kvcap;
	struct kc_task_view *tasks;
	size_t		 ntasks, taskcap;
	struct kc_connector_view *v;
	size_t		 nv, vcap;
	/* Until the end, a view's nconfig and ntasks hold the index of its first config pair
	 * and first task: its last ones are just before the next view's first. */
	/* Per view: 0 without a status, else 2 + kc_health_parse(state) (1: no or an odd
	 * state), worked out while the state's text is still in the cache. */
	unsigned char	*status_health;
	int		 unsorted;	/* a name came after a greater one */
	unsigned int	 flags;		/* KC_LIST_* */
	char		**copies;
	size_t		 ncopies, copycap;
};

/* New capacity of a full vector of n items: at first `first`; then the count the whole text
 * will need at the rate seen so far (plus 1/8), or at least double. Sized once this way, the
 * model's arrays are neither copied nor left half empty. */
static size_t
grow(const struct parser *ps, size_t n, size_t first)
{
	double done = (double)(ps->p - ps->start), left = (double)(ps->end - ps->p), est;

	if (n == 0)
		return first;
	est = done > 0 ? (double)n + (double)n * left / done * 1.125 + 16 : 0;
	if (est > (double)(SIZE_MAX / 1024))
		est = (double)(SIZE_MAX / 1024);
	return est > (double)n * 2 ? (size_t)est : n * 2;
}

/* Prefault the part [n, cap) of a vector of items of size sz that realloc just grew (see
 * kc_client_prefault): one system call instead of a page fault per 4 KiB. */
static void
prefault_tail(void *v, size_t n, size_t cap, size_t sz)
{
	kc_client_prefault((char *)v + n * sz, (cap - n) * sz);
}

/* Skip JSON white space (the text is NUL-terminated, which ends the loop). */
static inline void
ws(struct parser *ps)
{
	if ((unsigned char)*ps->p > ' ')
		return;
	while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')
		ps->p++;
}

/* Expect one character. */
static inline int
expect(struct parser *ps, char c)
{
	ws(ps);
	if (ps->p >= ps->end || *ps->p != c) {
		ps->err = "unexpected character";
		return -1;
	}
	ps->p++;
	return 0;
}

/* Peek the next non-blank character (0 at the end). */
static inline char
peek(struct parser *ps)
{
	ws(ps);
	return ps->p < ps->end ? *ps->p : 0;
}

/* Write a code point as UTF-8 at w. */
static char *
put_utf8(char *w, uint32_t cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xC0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xE0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*w++ = (char)(0xF0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	}
	return w;
}

/* Read 4 hex digits at p. */
static int32_t
hex4(const char *p)
{
	int a = kc_hexval(p[0]), b = kc_hexval(p[1]), c = kc_hexval(p[2]), d = kc_hexval(p[3]);

	if (a < 0 || b < 0 || c < 0 || d < 0)
		return -1;
	return (a << 12) | (b << 8) | (c << 4) | d;
}

/* Bytes that end the fast scan of a string: '"', '\\', controls (and NUL). */
static const unsigned char special[256] = {
	[0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1,
	[9] = 1, [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1, [16] = 1,
	[17] = 1, [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1, [24] = 1,
	[25] = 1, [26] = 1, [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1,
	['"'] = 1, ['\\'] = 1,
};

/* The first '"' or '\\' in [p, end), or end. Sixteen bytes at a time with SSE2 (every x86-64
 * has it), else eight at a time in a 64-bit word (a zero byte of x ^ c marks c; the lowest
 * marked byte is exact, as a borrow only runs upwards); the tail byte by byte. Nothing at or
 * after end is read. */
static inline char *
scan_quote(char *p, char *end)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
		    _mm_cmpeq_epi8(x, bslash)));
		if (m != 0)
			return p + __builtin_ctz((unsigned int)m);
		p += 16;
	}
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
		const uint64_t q8 = ones * '"', b8 = ones * '\\';

		while (end - p >= 8) {
			uint64_t x, q, b, m;
			memcpy(&x, p, 8);
			q = x ^ q8;
			b = x ^ b8;
			m = (((q - ones) & ~q) | ((b - ones) & ~b)) & high;
			if (m != 0)
				return p + (__builtin_ctzll(m) >> 3);
			p += 8;
		}
	}
#endif
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

#if defined(__SSE2__) && defined(__GNUC__)
/* Bit i set where p[i] == c, for 64 bytes. */
static inline uint64_t
mask64(const __m128i x[4], char c)
{
	const __m128i v = _mm_set1_epi8(c);

	return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[0], v)) |
	    (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[1], v)) << 16 |
	    (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[2], v)) << 32 |
	    (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[3], v)) << 48;
}

/* Bit i: parity of the set bits at or below i. */
static inline uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}
#endif

/* Skip an object without decoding it (KC_LIST_NO_INFO): braces outside strings are counted
 * until the one that closes it; strings are only followed to their end (an escape's next
 * byte skipped). Checks only what finding the end needs: strings end, braces balance.
 * 64 bytes at a time with SSE2 while a block has no backslash (the inside of strings is then
 * the prefix parity of its quotes), byte by byte otherwise. */
static int
skip_object_raw(struct parser *ps)
{
	char *p, *lim, *end = ps->end;
	long depth = 1;
	int in_str = 0;

	if (expect(ps, '{') != 0)
		return -1;
	p = ps->p;
	while (p < end) {
#if defined(__SSE2__) && defined(__GNUC__)
		if (end - p >= 64) {
			__m128i x[4];
			uint64_t bs, q, op, cl, inside, br;
			int k;
			for (k = 0; k < 4; k++)
				x[k] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
			bs = mask64(x, '\\');
			if (bs == 0) {
				q = mask64(x, '"');
				op = mask64(x, '{');
				cl = mask64(x, '}');
				inside = prefix_xor(q) ^ (in_str ? ~(uint64_t)0 : 0);
				in_str = (int)(inside >> 63);
				for (br = (op | cl) & ~inside; br != 0; br &= br - 1) {
					int i = __builtin_ctzll(br);
					if ((op >> i) & 1) {
						depth++;
					} else if (--depth == 0) {
						ps->p = p + i + 1;
						return 0;
					}
				}
				p += 64;
				continue;
			}
		}
#endif
		/* byte by byte: one block (or the tail) */
		lim = end - p > 64 ? p + 64 : end;
		while (p < lim) {
			char c = *p++;
			if (in_str) {
				if (c == '\\')
					p++;	/* may step past lim: the next block starts there */
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{') {
				depth++;
			} else if (c == '}' && --depth == 0) {
				ps->p = p;
				return 0;
			} else if (c == '\\') {
				ps->err = "backslash outside a string";
				ps->p = p - 1;
				return -1;
			}
		}
	}
	ps->err = "unterminated object";
	ps->p = end;
	return -1;
}

/* The first byte of [p, end) that a plain string cannot hold as it is: '"' (its end), '\\',
 * a control, DEL or a byte of 0x80 and above; end when there is none. Sixteen bytes at a time
 * with SSE2. */
static inline char *
scan_plain(char *p, char *end)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i one = _mm_set1_epi8(1), lim = _mm_set1_epi8(0x21);

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* x + 1 (wrapping), compared signed, is below 0x21 exactly for the controls,
		 * DEL and 0x80 and above: 0x7f becomes -128, 0xff 0 */
		int m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
		    _mm_cmplt_epi8(_mm_add_epi8(x, one), lim)));
		if (m != 0)
			return p + __builtin_ctz((unsigned int)m);
		p += 16;
	}
#endif
	while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f && *p != '"' &&
	    *p != '\\')
		p++;
	return p;
}

static inline void add_kv(struct parser *ps, const char *key, const char *val);

/* Do the n bytes at p equal lit? Eight bytes at a time (the last eight overlapping) for 8
 * bytes and more: with a literal, the compiler turns lit's words into constants. */
static inline __attribute__((always_inline)) int
same_n(const char *p, const char *lit, size_t n)
{
	uint64_t a, b, d = 0;
	size_t i;

	if (n < 8)
		return memcmp(p, lit, n) == 0;
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&a, p + i, 8);
		memcpy(&b, lit + i, 8);
		d |= a ^ b;
	}
	memcpy(&a, p + n - 8, 8);
	memcpy(&b, lit + n - 8, 8);
	return (d | (a ^ b)) == 0;
}

/* KC_LIST_RAW_CONFIG: if the config object at p is compact ({"k":"v","k2":"v2"}, no blank),
 * flat (string values only) and printable ASCII without escapes, so that every string in it
 * is already in the form kcops writes, return its end (after the '}'), with each pair's key
 * and value start added as a config pair (see config_raw in kc_client.h) and the last
 * connector.class value (*cls NULL if none). NULL otherwise, with no pair added (then it is
 * parsed the usual way). The text is not changed. One pass: the scan for a string's end
 * also checks its bytes. */
static char *
raw_config(struct parser *ps, char *p, char *end, char **cls, size_t *clslen)
{
	char *k, *q, *v, *e;
	size_t nkv0 = ps->nkv;

	*cls = NULL;
	*clslen = 0;
	if (end - p < 2 || p[0] != '{' || p[1] != '"')
		return NULL;
	p++;
	for (;;) {
		k = p + 1;	/* p is at the key's opening quote */
		q = scan_plain(k, end);
		/* `":"` and at least `"}` after it */
		if (end - q < 5 || q[0] != '"' || q[1] != ':' || q[2] != '"')
			goto fail;
		v = q + 3;
		e = scan_plain(v, end);
		if (end - e < 2)
			goto fail;
		if (q - k == 15 && same_n(k, "connector.class", 15)) {
			*cls = v;
			*clslen = (size_t)(e - v);
		}
		if (e[0] == '"' && e[1] == '}') {
			add_kv(ps, k, v);
			return e + 2;
		}
		if (end - e < 3 || e[0] != '"' || e[1] != ',' || e[2] != '"')
			goto fail;
		add_kv(ps, k, v);
		p = e + 2;
	}
fail:
	ps->nkv = nkv0;
	*cls = NULL;
	return NULL;
}

/* Parse a string in place; *out points at the decoded, NUL-terminated text and *outlen is
 * its length. An escaped NUL (\u0000) ends the C string early, which is acceptable for the
 * model's fields. */
static int str_slow(struct parser *ps, char **out, size_t *outlen) __attribute__((noinline));

static inline __attribute__((always_inline)) int
str_len(struct parser *ps, char **out, size_t *outlen)
{
	char *q;

	if (expect(ps, '"') != 0)
		return -1;
	/* Fast path: most strings have no escapes. Raw control characters, invalid in JSON,
	 * are tolerated here: the model's strings are sanitised before display. */
	q = scan_quote(ps->p, ps->end);
	if (q < ps->end && *q == '"') {
		*q = '\0';
		*out = ps->p;
		*outlen = (size_t)(q - ps->p);
		ps->p = q + 1;
		return 0;
	}
	return str_slow(ps, out, outlen);
}

/* The rest of str_len: a string with escapes (or an unterminated one); ps->p is just after
 * the opening quote. */
static int
str_slow(struct parser *ps, char **out, size_t *outlen)
{
	char *r = ps->p, *w;

	while (!special[(unsigned char)*r])
		r++;
	if (r > ps->end)
		r = ps->end;
	w = r;
	while (r < ps->end && *r != '"') {
		unsigned char c = (unsigned char)*r;
		if (c < 0x20) {
			ps->err = "control character in a string";
			return -1;
		}
		if (c != '\\') {
			*w++ = *r++;
			continue;
		}
		if (r + 1 >= ps->end)
			break;
		r++;
		switch (*r) {
		case '"': *w++ = '"'; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case '/': *w++ = '/'; r++; break;
		case 'b': *w++ = '\b'; r++; break;
		case 'f': *w++ = '\f'; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 'r': *w++ = '\r'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case 'u': {
			int32_t cp, lo;
			if (r + 5 > ps->end || (cp = hex4(r + 1)) < 0) {
				ps->err = "bad \\u escape";
				return -1;
			}
			r += 5;
			if (cp >= 0xD800 && cp <= 0xDBFF && r + 6 <= ps->end && r[0] == '\\' &&
			    r[1] == 'u' && (lo = hex4(r + 2)) >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				r += 6;
			} else if (cp >= 0xD800 && cp <= 0xDFFF) {
				cp = 0xFFFD;
			}
			w = put_utf8(w, (uint32_t)cp);	/* never longer than the escape */
			break;
		}
		default:
			ps->err = "bad escape";
			return -1;
		}
	}
	if (r >= ps->end) {
		ps->err = "unterminated string";
		return -1;
	}
	*w = '\0';
	*out = ps->p;
	*outlen = (size_t)(w - ps->p);
	ps->p = r + 1;
	return 0;
}

/* A string, without its length. */
static inline __attribute__((always_inline)) int
str(struct parser *ps, char **out)
{
	size_t n;

	return str_len(ps, out, &n);
}

static int skip(struct parser *ps, int depth);

/* Skip a number, literal or nested value, validating its syntax. */
static int
skip(struct parser *ps, int depth)
{
	char c = peek(ps), *s;

	if (depth > 64) {
		ps->err = "nested too deeply";
		return -1;
	}
	switch (c) {
	case '"':
		return str(ps, &s);
	case '{':
		ps->p++;
		if (peek(ps) == '}') {
			ps->p++;
			return 0;
		}
		for (;;) {
			if (str(ps, &s) != 0 || expect(ps, ':') != 0 || skip(ps, depth + 1) != 0)
				return -1;
			c = peek(ps);
			ps->p++;
			if (c == '}')
				return 0;
			if (c != ',') {
				ps->err = "expected , or }";
				return -1;
			}
		}
	case '[':
		ps->p++;
		if (peek(ps) == ']') {
			ps->p++;
			return 0;
		}
		for (;;) {
			if (skip(ps, depth + 1) != 0)
				return -1;
			c = peek(ps);
			ps->p++;
			if (c == ']')
				return 0;
			if (c != ',') {
				ps->err = "expected , or ]";
				return -1;
			}
		}
	case 't':
		if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
			ps->p += 4;
			return 0;
		}
		break;
	case 'f':
		if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
			ps->p += 5;
			return 0;
		}
		break;
	case 'n':
		if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
			ps->p += 4;
			return 0;
		}
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			ps->p++;
			while (ps->p < ps->end && (strchr("0123456789.eE+-", *ps->p) != NULL))
				ps->p++;
			return 0;
		}
	}
	ps->err = "unexpected value";
	return -1;
}

/* Is the next value null? Consumes it when so. */
static int
is_null(struct parser *ps)
{
	if (peek(ps) == 'n' && ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
		ps->p += 4;
		return 1;
	}
	return 0;
}

/* A string value, or NULL for null / a non-string (skipped). */
static int
str_or_skip(struct parser *ps, const char **out)
{
	char *s;

	*out = NULL;
	if (peek(ps) == '"') {
		if (str(ps, &s) != 0)
			return -1;
		*out = s;
		return 0;
	}
	return skip(ps, 1);
}

/* Is the key (of length n) the literal lit? */
#define KEY_IS(key, n, lit)	\
	((n) == sizeof(lit) - 1 && memcmp((key), (lit), sizeof(lit) - 1) == 0)

/* Iterate the members of an object: calls member(ps, key, keylen, ctx) for each. Inlined
 * into every caller, so that member is a direct (or inlined) call. */
static inline __attribute__((always_inline)) int
object(struct parser *ps, int (*member)(struct parser *, const char *, size_t, void *),
    void *ctx)
{
	char *key, c;
	size_t klen;

	if (expect(ps, '{') != 0)
		return -1;
	if (peek(ps) == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (str_len(ps, &key, &klen) != 0 || expect(ps, ':') != 0 ||
		    member(ps, key, klen, ctx) != 0)
			return -1;
		c = peek(ps);
		ps->p++;
		if (c == '}')
			return 0;
		if (c != ',') {
			ps->err = "expected , or }";
			return -1;
		}
	}
}

/* The rest of an object after a member (at the ',' or the '}'): like object(). */
static inline __attribute__((always_inline)) int
object_rest(struct parser *ps, int (*member)(struct parser *, const char *, size_t, void *),
    void *ctx)
{
	char *key, c;
	size_t klen;

	for (;;) {
		c = peek(ps);
		ps->p++;
		if (c == '}')
			return 0;
		if (c != ',') {
			ps->err = "expected , or }";
			return -1;
		}
		if (str_len(ps, &key, &klen) != 0 || expect(ps, ':') != 0 ||
		    member(ps, key, klen, ctx) != 0)
			return -1;
	}
}

/* Does the text at p start with the literal? */
#define AT(p, end, lit)	\
	((end) - (p) >= (ptrdiff_t)sizeof(lit) - 1 && same_n((p), (lit), sizeof(lit) - 1))

/* ---- the listing's objects ------------------------------------------------------------- */

/* A member of status.connector. */
static int
connector_state_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v = ctx;

	if (KEY_IS(key, klen, "state")) {
		v->plain &= ~(1u << KC_VF_STATE);
		return str_or_skip(ps, &v->state);
	}
	if (KEY_IS(key, klen, "worker_id")) {
		v->plain &= ~(1u << KC_VF_WORKER);
		return str_or_skip(ps, &v->worker_id);
	}
	if (KEY_IS(key, klen, "trace"))
		return str_or_skip(ps, &v->trace);
	return skip(ps, 1);
}

/* A member of one status task. */
static int
task_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_task_view *t = ctx;

	if (KEY_IS(key, klen, "id")) {
		char *e;
		long id;
		ws(ps);
		id = strtol(ps->p, &e, 10);
		if (e == ps->p) {
			ps->err = "task id is not a number";
			return -1;
		}
		t->id = (int)id;
		ps->p = e;
		return 0;
	}
	if (KEY_IS(key, klen, "state"))
		return str_or_skip(ps, &t->state);
	if (KEY_IS(key, klen, "worker_id"))
		return str_or_skip(ps, &t->worker_id);
	if (KEY_IS(key, klen, "trace"))
		return str_or_skip(ps, &t->trace);
	return skip(ps, 1);
}

/* "tasks": [ {...}, ... ] of a status. */
static int
tasks_array(struct parser *ps)
{
	char c;

	if (expect(ps, '[') != 0)
		return -1;
	if (peek(ps) == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct kc_task_view *t;
		if (ps->ntasks == ps->taskcap) {
			ps->taskcap = grow(ps, ps->ntasks, 256);
			ps->tasks = kc_xrealloc(ps->tasks, ps->taskcap * sizeof *ps->tasks);
			prefault_tail(ps->tasks, ps->ntasks, ps->taskcap, sizeof *ps->tasks);
		}
		t = &ps->tasks[ps->ntasks++];
		memset(t, 0, sizeof *t);
		t->id = -1;
		if (object(ps, task_member, t) != 0)
			return -1;
		if (t->state == NULL)
			t->state = "UNASSIGNED";
		if (t->worker_id == NULL)
			t->worker_id = "";
		c = peek(ps);
		ps->p++;
		if (c == ']')
			return 0;
		if (c != ',') {
			ps->err = "expected , or ]";
			return -1;
		}
	}
}

/* A member of a ConnectorStateInfo. */
static int
status_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v = ctx;

	if (KEY_IS(key, klen, "connector")) {
		if (is_null(ps))
			return 0;
		return object(ps, connector_state_member, v);
	}
	if (KEY_IS(key, klen, "tasks")) {
		if (is_null(ps))
			return 0;
		return tasks_array(ps);
	}
	if (KEY_IS(key, klen, "type")) {
		const char *t;
		if (str_or_skip(ps, &t) != 0)
			return -1;
		if (t != NULL) {
			v->type = t;
			v->plain &= ~(1u << KC_VF_TYPE);
		}
		return 0;
	}
	return skip(ps, 1);
}

/* A status in the compact form Connect writes, member by member while the text has the
 * usual order ({"name":..,"connector":{"state":..,"worker_id":..},"tasks":[..],"type":..});
 * from the first difference on (blanks, another order, a trace, an escape) the usual member
 * parser takes over at that member, so the result is the same either way. */
static int
status_object(struct parser *ps, struct kc_connector_view *v)
{
	char *p = ps->p, *end = ps->end, *st, *se, *wt, *we, *q;

	if (!AT(p, end, "{\"name\":\""))
		return object(ps, status_member, v);
	q = scan_quote(p + 9, end);
	if (q >= end || *q != '"')
		return object(ps, status_member, v);
	ps->p = p = q + 1;	/* the name is not kept */
	if (AT(p, end, ",\"connector\":{\"state\":\"")) {
		st = p + 23;
		se = scan_plain(st, end);
		if (se < end && *se == '"' && AT(se, end, "\",\"worker_id\":\"")) {
			wt = se + 15;
			we = scan_plain(wt, end);
			if (we < end && *we == '"' && AT(we, end, "\"}")) {
				*se = '\0';
				*we = '\0';
				v->state = st;
				v->worker_id = wt;
				v->plain |= 1u << KC_VF_STATE | 1u << KC_VF_WORKER;
				v->len[KC_VF_STATE] = (uint32_t)(se - st);
				v->len[KC_VF_WORKER] = (uint32_t)(we - wt);
				ps->p = p = we + 2;
			}
		}
	}
	if (!AT(p, end, ",\"tasks\":["))
		return object_rest(ps, status_member, v);
	ps->p = p + 9;
	if (tasks_array(ps) != 0)
		return -1;
	p = ps->p;
	if (AT(p, end, ",\"type\":\"")) {
		st = p + 9;
		se = scan_plain(st, end);
		if (se < end && *se == '"' && se + 1 < end && se[1] == '}') {
			*se = '\0';
			v->type = st;
			v->plain |= 1u << KC_VF_TYPE;
			v->len[KC_VF_TYPE] = (uint32_t)(se - st);
			ps->p = se + 2;
			return 0;
		}
	}
	return object_rest(ps, status_member, v);
}

/* Make room for more config pairs (add_kv's rare part). */
static void __attribute__((noinline))
grow_kv(struct parser *ps)
{
	ps->kvcap = grow(ps, ps->nkv, 1024);
	ps->keys = kc_xrealloc(ps->keys, ps->kvcap * sizeof *ps->keys);
	ps->vals = kc_xrealloc(ps->vals, ps->kvcap * sizeof *ps->vals);
	prefault_tail(ps->keys, ps->nkv, ps->kvcap, sizeof *ps->keys);
	prefault_tail(ps->vals, ps->nkv, ps->kvcap, sizeof *ps->vals);
}

/* Append one config pair. */
static inline void
add_kv(struct parser *ps, const char *key, const char *val)
{
	if (ps->nkv == ps->kvcap)
		grow_kv(ps);
	ps->keys[ps->nkv] = key;
	ps->vals[ps->nkv++] = val;
}

/* Keep a copy of a string (freed with the list). */
static char *
keep_copy(struct parser *ps, const char *s, size_t n)
{
	char *copy = kc_xstrndup(s, n);

	if (ps->ncopies == ps->copycap) {
		ps->copycap = ps->copycap ? ps->copycap * 2 : 16;
		ps->copies = kc_xrealloc(ps->copies, ps->copycap * sizeof *ps->copies);
	}
	ps->copies[ps->ncopies++] = copy;
	return copy;
}

/* One config entry of info.config. */
static int
config_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v = ctx;
	const char *val = NULL;
	char *start, *s;

	if (peek(ps) == '"') {
		if (str(ps, &s) != 0)
			return -1;
		val = s;
	} else if (!is_null(ps)) {
		/* Connect configs are strings; other scalars are kept as their text (copied:
		 * the separator after the literal must stay in place). */
		start = ps->p;
		if (*start == '{' || *start == '[') {
			ps->err = "a config value is an object or array";
			return -1;
		}
		if (skip(ps, 1) != 0)
			return -1;
		val = keep_copy(ps, start, (size_t)(ps->p - start));
	}
	if (val != NULL && KEY_IS(key, klen, "connector.class")) {
		v->class_name = val;	/* the last one wins */
		v->plain &= ~(1u << KC_VF_CLASS);
	}
	add_kv(ps, key, val);
	return 0;
}

/* One config entry when the config is not kept (KC_LIST_NO_CONFIG): only connector.class. */
static int
class_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v = ctx;
	const char *val;

	if (!KEY_IS(key, klen, "connector.class"))
		return skip(ps, 1);
	if (str_or_skip(ps, &val) != 0)
		return -1;
	if (val != NULL) {
		v->class_name = val;	/* the last one wins */
		v->plain &= ~(1u << KC_VF_CLASS);
	}
	return 0;
}

/* A member of a ConnectorInfo. */
static int
info_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v = ctx;

	if (KEY_IS(key, klen, "config")) {
		if (is_null(ps))
			return 0;
		v->has_config = 1;
		/* A config seen before (a repeated member) is dropped: the last one wins, as
		 * in a JSON object, and a raw config's pairs are then its own. */
		ps->nkv = v->nconfig;
		v->config_raw = NULL;
		v->config_raw_len = 0;
		if ((ps->flags & KC_LIST_RAW_CONFIG) && peek(ps) == '{') {
			char *e, *cls;
			size_t clen;
			e = raw_config(ps, ps->p, ps->end, &cls, &clen);
			if (e != NULL) {
				v->config_raw = ps->p;
				v->config_raw_len = (size_t)(e - ps->p);
				if (cls != NULL) {
					/* class_name in place: its closing quote becomes the
					 * NUL (the only one in the raw text) */
					cls[clen] = '\0';
					v->class_name = cls;
					v->plain |= 1u << KC_VF_CLASS;
					v->len[KC_VF_CLASS] = (uint32_t)clen;
				}
				ps->p = e;
				return 0;
			}
		}
		return object(ps, (ps->flags & KC_LIST_NO_CONFIG) ? class_member : config_member,
		    v);
	}
	if (KEY_IS(key, klen, "type") && v->type == NULL) {
		v->plain &= ~(1u << KC_VF_TYPE);
		return str_or_skip(ps, &v->type);
	}
	return skip(ps, 1);
}

/* An info in Connect's compact form ({"name":..,"config":{..},"tasks":[],"type":..}), member
 * by member as status_object does; the member parser takes over at the first difference. */
static int
info_object(struct parser *ps, struct kc_connector_view *v)
{
	char *p = ps->p, *end = ps->end, *t, *te, *q;

	if (!AT(p, end, "{\"name\":\""))
		return object(ps, info_member, v);
	q = scan_quote(p + 9, end);
	if (q >= end || *q != '"')
		return object(ps, info_member, v);
	ps->p = p = q + 1;	/* the name is not kept */
	if (!AT(p, end, ",\"config\":"))
		return object_rest(ps, info_member, v);
	ps->p = p + 10;
	if (info_member(ps, "config", 6, v) != 0)
		return -1;
	p = ps->p;
	if (!AT(p, end, ",\"tasks\":[]"))
		return object_rest(ps, info_member, v);
	ps->p = p = p + 11;	/* the info's tasks are not kept */
	if (AT(p, end, ",\"type\":\"")) {
		t = p + 9;
		te = scan_plain(t, end);
		if (te < end && *te == '"' && te + 1 < end && te[1] == '}') {
			if (v->type == NULL) {
				*te = '\0';
				v->type = t;
				v->plain |= 1u << KC_VF_TYPE;
				v->len[KC_VF_TYPE] = (uint32_t)(te - t);
			}
			ps->p = te + 2;
			return 0;
		}
	}
	return object_rest(ps, info_member, v);
}

/* kc_health_parse(v->state), the states Connect writes (upper case, plain: see struct
 * kc_connector_view) told by their length and one word; others through kc_health_parse. */
static int
state_health(const struct kc_connector_view *v)
{
	const char *s = v->state;

	if (s != NULL && (v->plain & (1u << KC_VF_STATE)) && v->len[KC_VF_STATE] >= 6) {
		const char *t = s + v->len[KC_VF_STATE] - 4;	/* the last four letters */
		switch (v->len[KC_VF_STATE]) {
		case 7:
			if (memcmp(t, "NING", 4) == 0 && memcmp(s, "RUN", 3) == 0)
				return KC_HEALTH_RUNNING;
			if (memcmp(t, "PPED", 4) == 0 && memcmp(s, "STO", 3) == 0)
				return KC_HEALTH_STOPPED;
			break;
		case 6:
			if (memcmp(t, "USED", 4) == 0 && memcmp(s, "PA", 2) == 0)
				return KC_HEALTH_PAUSED;
			if (memcmp(t, "ILED", 4) == 0 && memcmp(s, "FA", 2) == 0)
				return KC_HEALTH_FAILED;
			break;
		}
	}
	return kc_health_parse(s);
}

struct entry_ctx {
	struct kc_connector_view *v;
	int has_status;
	size_t task0;
};

/* A member of one connector's {status, info} entry. */
static int
entry_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct entry_ctx *e = ctx;

	if (KEY_IS(key, klen, "status")) {
		if (is_null(ps))
			return 0;
		e->has_status = 1;
		e->task0 = ps->ntasks;
		return peek(ps) == '{' ? status_object(ps, e->v) : object(ps, status_member, e->v);
	}
	if (KEY_IS(key, klen, "info")) {
		if (is_null(ps))
			return 0;
		/* Without config and class, info only matters for the type of a connector
		 * without a status (Connect sends status first). */
		if ((ps->flags & KC_LIST_NO_INFO) && e->v->type != NULL && peek(ps) == '{') {
			e->v->has_config = 1;
			return skip_object_raw(ps);
		}
		return peek(ps) == '{' ? info_object(ps, e->v) : object(ps, info_member, e->v);
	}
	return skip(ps, 1);
}

/* One connector of the listing. */
static int
top_member(struct parser *ps, const char *key, size_t klen, void *ctx)
{
	struct kc_connector_view *v;
	struct entry_ctx e;
	size_t kv0 = ps->nkv, t0 = ps->ntasks;

	(void)ctx;
	if (ps->nv == ps->vcap) {
		ps->vcap = grow(ps, ps->nv, 256);
		ps->v = kc_xrealloc(ps->v, ps->vcap * sizeof *ps->v);
		prefault_tail(ps->v, ps->nv, ps->vcap, sizeof *ps->v);
		ps->status_health = kc_xrealloc(ps->status_health, ps->vcap);
	}
	v = &ps->v[ps->nv];
	memset(v, 0, sizeof *v);
	v->name = key;
	/* the key is NUL-terminated in the text, and a NUL stops the scan */
	if (klen <= UINT32_MAX && scan_plain((char *)key, ps->end) == key + klen) {
		v->plain = 1u << KC_VF_NAME;
		v->len[KC_VF_NAME] = (uint32_t)klen;
	}
	v->nconfig = kv0;	/* first index (see struct parser), read by info_member */
	memset(&e, 0, sizeof e);
	e.v = v;
	if (AT(ps->p, ps->end, "{\"status\":{")) {
		/* Connect's compact {"status":{..},"info":{..}}: the members as object()
		 * would find them, the rest (another order, blanks) the usual way */
		ps->p += 10;
		if (entry_member(ps, "status", 6, &e) != 0)
			return -1;
		if (AT(ps->p, ps->end, ",\"info\":{")) {
			ps->p += 8;
			if (entry_member(ps, "info", 4, &e) != 0)
				return -1;
		}
		if (object_rest(ps, entry_member, &e) != 0)
			return -1;
	} else if (peek(ps) != '{') {
		if (skip(ps, 1) != 0)	/* e.g. null: a connector deleted meanwhile */
			return -1;
	} else if (object(ps, entry_member, &e) != 0) {
		return -1;
	}
	v->nconfig = kv0;	/* first indices, see struct parser */
	v->ntasks = t0;
	ps->status_health[ps->nv] = e.has_status ?
	    (unsigned char)(2 + state_health(v)) : 0;
	if (ps->nv > 0 && strcmp(ps->v[ps->nv - 1].name, key) > 0)
		ps->unsorted = 1;
	ps->nv++;
	return 0;
}

/* qsort: views by name. */
static int
cmp_view(const void *a, const void *b)
{
	const struct kc_connector_view *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* qsort: tasks by id. */
static int
cmp_task(const void *a, const void *b)
{
	const struct kc_task_view *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Free a parser's vectors (on failure) or the store (with the list). */
static void
parser_free(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->ncopies; i++)
		free(ps->copies[i]);
	free(ps->copies);
	free(ps->keys);
	free(ps->vals);
	free(ps->tasks);
	free(ps->v);
	free(ps->status_health);
}

/* Free the storage of a parsed list (called by kc_connector_list_free). */
void
kc_listing_store_free(void *priv)
{
	struct listing_store *st = priv;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->ncopies; i++)
		free(st->copies[i]);
	free(st->copies);
	free(st->keys);
	free(st->vals);
	free(st->tasks);
	free(st->text);
	free(st);
}

/* Parse a copy of the text (see kc_listing_parse_owned). */
struct kc_connector_list *
kc_connector_list_parse_opts(const char *text, size_t len, unsigned int flags,
    struct kc_err *err)
{
	char *copy = kc_xmalloc(len + 1);

	memcpy(copy, text, len);
	copy[len] = '\0';
	return kc_listing_parse_owned(copy, len, flags, err);
}

/* The same, keeping everything. */
struct kc_connector_list *
kc_connector_list_parse(const char *text, size_t len, struct kc_err *err)
{
	return kc_connector_list_parse_opts(text, len, 0, err);
}

/* Parse text (NUL-terminated at len, malloc'ed) in place; the list owns it afterwards, and it
 * is freed on failure too. flags: KC_LIST_*. */
struct kc_connector_list *
kc_listing_parse_owned(char *text, size_t len, unsigned int flags, struct kc_err *err)
{
	struct kc_connector_list *l;
	struct listing_store *st;
	struct parser ps;
	size_t i, j;

	memset(&ps, 0, sizeof ps);
	ps.flags = flags;
	st = kc_xcalloc(1, sizeof *st);
	st->text = text;
	ps.p = ps.start = st->text;
	ps.end = st->text + len;
	if (peek(&ps) != '{') {
		kc_err_set(err, KC_E_PARSE, "expected an expanded listing (a JSON object)");
		goto fail;
	}
	if (object(&ps, top_member, NULL) != 0 || (ws(&ps), ps.p != ps.end)) {
		kc_err_set(err, KC_E_PARSE, "expanded listing: %s at byte %ld",
		    ps.err != NULL ? ps.err : "trailing text", (long)(ps.p - st->text));
		goto fail;
	}
	/* Move everything into the store; views now point into stable arrays. */
	st->keys = ps.keys != NULL ? ps.keys : kc_xcalloc(1, sizeof *st->keys);
	st->vals = ps.vals != NULL ? ps.vals : kc_xcalloc(1, sizeof *st->vals);
	ps.keys = NULL;
	ps.vals = NULL;
	st->tasks = ps.tasks;
	st->copies = ps.copies;
	st->ncopies = ps.ncopies;
	l = kc_xcalloc(1, sizeof *l);
	l->priv = st;
	l->n = ps.nv;
	l->v = ps.v != NULL ? ps.v : kc_xcalloc(1, sizeof *l->v);
	for (i = 0; i < l->n; i++) {
		struct kc_connector_view *v = &l->v[i];
		size_t k0 = v->nconfig, k1 = i + 1 < l->n ? v[1].nconfig : ps.nkv;
		size_t t0 = v->ntasks, t1 = i + 1 < l->n ? v[1].ntasks : ps.ntasks;
		int h;
		v->nconfig = k1 - k0;
		v->config_keys = st->keys + k0;
		v->config_vals = st->vals + k0;
		if (v->config_raw != NULL) {
			v->config_raw_npairs = v->nconfig;	/* positions, see kc_client.h */
			v->nconfig = 0;
		}
		if (v->class_name == NULL)
			v->class_name = "";
		v->tasks = t1 > t0 ? &st->tasks[t0] : NULL;
		v->ntasks = t1 - t0;
		if (v->ntasks > 1)
			qsort(v->tasks, v->ntasks, sizeof *v->tasks, cmp_task);
		for (j = 0; j < v->ntasks; j++) {
			if (strcmp(v->tasks[j].state, "RUNNING") == 0)
				v->tasks_running++;
			else if (strcmp(v->tasks[j].state, "FAILED") == 0)
				v->tasks_failed++;
		}
		if (v->type == NULL)
			v->type = "unknown";
		if (v->worker_id == NULL)
			v->worker_id = "";
		h = ps.status_health[i] != 0 ? ps.status_health[i] - 2 : -1;
		if (v->state == NULL)
			v->state = "UNASSIGNED";
		v->health = h < 0 ? KC_HEALTH_UNKNOWN : (enum kc_health)h;
		if (h >= 0 && v->tasks_failed > 0)
			v->health = KC_HEALTH_FAILED;
	}
	ps.tasks = NULL;
	ps.copies = NULL;
	ps.ncopies = 0;
	ps.v = NULL;
	parser_free(&ps);
	if (ps.unsorted)
		qsort(l->v, l->n, sizeof *l->v, cmp_view);
	return l;
fail:
	parser_free(&ps);
	free(st->text);
	free(st);
	return NULL;
}

/* Is every name of a plain listing (a JSON array of strings) in l? 1 yes, 0 no (or the text
 * is not such an array). The text is decoded in place. */
int
kc_listing_has_all(const struct kc_connector_list *l, char *text, size_t len)
{
	struct parser ps;
	char *name, c;
	size_t next = 0;	/* both lists are usually in name order: try the next view first */
	int ok = 0;

	memset(&ps, 0, sizeof ps);
	ps.p = ps.start = text;
	ps.end = text + len;
	if (expect(&ps, '[') != 0)
		goto out;
	if (peek(&ps) == ']') {
		ok = 1;
		goto out;
	}
	for (;;) {
		if (str(&ps, &name) != 0)
			goto out;
		if (next < l->n && strcmp(l->v[next].name, name) == 0) {
			next++;
		} else {
			const struct kc_connector_view *v = kc_connector_list_find(l, name);
			if (v == NULL)
				goto out;
			next = (size_t)(v - l->v) + 1;
		}
		c = peek(&ps);
		ps.p++;
		if (c == ']')
			break;
		if (c != ',')
			goto out;
	}
	ok = 1;
out:
	return ok;
}
