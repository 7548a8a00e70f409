/* cmd_connect.c - the Kafka Connect commands: info, get, describe, create, apply -f, patch,
 * validate -f, pause, resume, stop, restart, delete, offsets, logger, wait.
 *
 * Every handler writes data to env->io->out and diagnostics to env->io->err; text from the
 * network reaches them through the sanitising table helpers or kc_text_sanitize(). */
#include "kc_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_props.h"
#include "kc_text.h"
#include "kc_util.h"

#define ARGV_MAX 256

/* Positional names and -e regexes collected from argv. */
struct sel {
	const char	*names[ARGV_MAX];
	size_t		 nnames;
	const char	*re[ARGV_MAX];
	size_t		 nre;
	int		 wait;		/* --wait: until the change has settled */
	int64_t		 wait_ms;	/* --wait-timeout (default 60 s) */
};

static int reached(const json_t *st, const char *target, long min_tasks);
static void sleep_ms(long ms);

/* Is s one of the optional nouns ("connector", "connectors")? */
static int
is_noun(const char *s)
{
	return strcmp(s, "connector") == 0 || strcmp(s, "connectors") == 0 ||
	    strcmp(s, "conn") == 0;
}

/* Add a positional to sel; returns -1 when full. */
static int
sel_add(struct kc_cmd_env *env, struct sel *s, const char *name, int is_re)
{
	if (*name == '\0') {
		kc_cmd_usage(env, NULL, "an empty %s", is_re ? "regex" : "connector name");
		return -1;
	}
	if ((is_re ? s->nre : s->nnames) >= ARGV_MAX) {
		kc_cmd_error(env, "too many names (at most %d)", ARGV_MAX);
		return -1;
	}
	if (is_re)
		s->re[s->nre++] = name;
	else
		s->names[s->nnames++] = name;
	return 0;
}

/* Print a sanitised line to out. */
static void
put_clean(FILE *out, const char *prefix, const char *s, const char *suffix)
{
	const unsigned char *p;
	char *c;

	for (p = (const unsigned char *)s; *p >= 0x20 && *p < 0x7f; p++)
		;
	fputs(prefix, out);
	if (*p == '\0') {	/* printable ASCII: nothing to clean */
		fputs(s, out);
	} else {
		c = kc_text_sanitize(s, 0);
		fputs(c, out);
		free(c);
	}
	fputs(suffix, out);
}

/* After a 404 for a connector name: "did you mean" from the live list (best effort). */
static void
suggest_name(struct kc_cmd_env *env, const char *name, const struct kc_err *err)
{
	struct kc_client *c = env->client;
	struct kc_err e2;
	const char **names, *best;
	json_t *all, *n;
	size_t i, k = 0;

	if (c == NULL || err->code != 404 || env->io->quiet)
		return;
	kc_err_clear(&e2);
	all = kc_client_list_names(c, &e2);
	if (all == NULL)
		return;
	names = kc_xcalloc(json_array_size(all) + 1, sizeof *names);
	json_array_foreach(all, i, n)
		if (json_is_string(n))
			names[k++] = json_string_value(n);
	best = kc_str_closest(name, names, k);
	if (best != NULL && strcmp(best, name) != 0)
		put_clean(env->io->err, "kcops: hint: did you mean '", best, "'?\n");
	free(names);
	json_decref(all);
}

/* Client or NULL (error printed). */
#define CLIENT_OR_FAIL(env, c) do {				\
	if (((c) = kc_cmd_client(env)) == NULL)			\
		return KC_EXIT_ERR;				\
} while (0)

/* ---- info ------------------------------------------------------------------------------ */

/* kcops info. */
static int
cmd_info(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *info, *out, *feat, *health = NULL;
	const char *k;
	json_t *v;
	int f;

	if (argc > 1)
		return kc_cmd_usage(env, self, "info takes no arguments");
	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	info = kc_client_info(c, &err);
	if (info == NULL)
		return kc_cmd_fail(env, kc_client_url(c), &err);
	feat = json_object();
	for (f = 0; f < KC_FEAT__COUNT; f++)
		json_object_set_new(feat, kc_feature_name((enum kc_feature)f),
		    json_boolean(kc_client_has(c, (enum kc_feature)f)));
	if (kc_client_has(c, KC_FEAT_HEALTH)) {
		health = kc_client_health(c, &err);
		if (health == NULL) {
			health = json_pack("{ss ss}", "status", "unhealthy", "message", err.msg);
		}
	}
	out = json_object();
	json_object_set_new(out, "url", json_string(kc_client_url(c)));
	if (env->ctx != NULL && env->ctx->name != NULL)
		json_object_set_new(out, "context", json_string(env->ctx->name));
	json_object_foreach(info, k, v)
		json_object_set(out, k, v);
	if (health != NULL)
		json_object_set_new(out, "health", health);
	json_object_set_new(out, "features", feat);
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, out, 0);
	} else {
		struct kc_cmd_tab *t = kc_cmd_tab_new(2, "FIELD", "VALUE");
		json_object_foreach(out, k, v) {
			if (json_is_string(v)) {
				kc_cmd_tab_cell(t, k, NULL);
				kc_cmd_tab_cell(t, json_string_value(v), NULL);
			}
		}
		if (health != NULL) {
			kc_cmd_tab_cell(t, "health", NULL);
			kc_cmd_tab_cellf(t, NULL, "%s%s%s", kc_json_str_or(health, "status", "?"),
			    kc_json_str(health, "message") ? ": " : "",
			    kc_json_str_or(health, "message", ""));
		}
		kc_cmd_tab_cell(t, "features", NULL);
		{
			struct kc_buf b;
			kc_buf_init(&b);
			for (f = 0; f < KC_FEAT__COUNT; f++)
				if (kc_client_has(c, (enum kc_feature)f))
					kc_buf_printf(&b, "%s%s", b.len ? ", " : "",
					    kc_feature_name((enum kc_feature)f));
			kc_cmd_tab_cell(t, kc_buf_str(&b), NULL);
			kc_buf_free(&b);
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	json_decref(out);
	json_decref(info);
	return KC_EXIT_OK;
}

/* ---- get ------------------------------------------------------------------------------- */

static const struct kc_cmd_opt get_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 2, 0, "state", 1 },
	{ 3, 't', "types", 1 },
	{ 4, 'a', "all", 0 },
	{ 0, 0, NULL, 0 },
};

/* Does a name pass the positional/regex filter? */
static int
name_selected(const struct sel *s, regex_t *res, const char *name)
{
	size_t i;

	if (s->nnames == 0 && s->nre == 0)
		return 1;
	for (i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i], name) == 0)
			return 1;
	for (i = 0; i < s->nre; i++)
		if (regexec(&res[i], name, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* Compile the regexes of sel; -1 after a usage error. */
static int
compile_res(struct kc_cmd_env *env, const struct sel *s, regex_t *res)
{
	size_t i;

	for (i = 0; i < s->nre; i++) {
		int rc = regcomp(&res[i], s->re[i], REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char msg[256];
			regerror(rc, &res[i], msg, sizeof msg);
			kc_cmd_usage(env, NULL, "-e '%s': %s", s->re[i], msg);
			while (i-- > 0)
				regfree(&res[i]);
			return -1;
		}
	}
	return 0;
}

/* Free the compiled regexes of a selection. */
static void
free_res(const struct sel *s, regex_t *res)
{
	size_t i;

	for (i = 0; i < s->nre; i++)
		regfree(&res[i]);
}

/* Does the view match one of the --state filters (bitmask of kc_health)? */
static int
state_selected(unsigned int mask, const struct kc_connector_view *v)
{
	int h;

	if (mask == 0)
		return 1;
	if ((mask & (1u << KC_HEALTH_FAILED)) && v->health == KC_HEALTH_FAILED)
		return 1;
	h = kc_health_parse(v->state);
	if (h < 0)
		h = KC_HEALTH_UNKNOWN;
	return (mask & (1u << h)) != 0;
}

/* Parse "--state running,paused" into a mask. */
static int
parse_states(struct kc_cmd_env *env, const struct kc_cmd *self, const char *arg,
    unsigned int *mask)
{
	char *copy = kc_xstrdup(arg), *save = NULL, *tok;
	int rc = 0;

	for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		int h = kc_health_parse(tok);
		if (h < 0 || h == KC_HEALTH_UNKNOWN) {
			kc_cmd_usage(env, self, "--state '%s': expected running, paused, stopped, "
			    "failed, unassigned or restarting", tok);
			rc = -1;
			break;
		}
		*mask |= 1u << h;
	}
	free(copy);
	return rc;
}

/* Write n in decimal so that it ends just before end; returns its first character. */
static char *
put_uint(char *end, size_t n)
{
	do {
		*--end = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	return end;
}

/* A table cell of field f of v (s), not scanned when the listing found it plain. */
static inline void
view_cell(struct kc_cmd_tab *t, const struct kc_connector_view *v, int f, const char *s,
    const char *color)
{
	if (v->plain & (1u << f))
		kc_cmd_tab_cell_plain(t, s, v->len[f], color);
	else
		kc_cmd_tab_cell_ref(t, s, color);
}

/* Task summary "2/3" for tables. */
static void
task_cell(struct kc_cmd_tab *t, const struct kc_cmd_io *io, const struct kc_connector_view *v)
{
	char buf[96];

	if (v->tasks_failed > 0) {
		snprintf(buf, sizeof buf, "%d/%zu (%d failed)", v->tasks_running, v->ntasks,
		    v->tasks_failed);
		kc_cmd_tab_cell(t, buf, kc_cmd_state_color(io, "FAILED"));
	} else {
		/* "running/total" without snprintf: one cell per connector, thousands of them */
		char *p;
		buf[sizeof buf - 1] = '\0';
		p = put_uint(buf + sizeof buf - 1, v->ntasks);
		*--p = '/';
		p = put_uint(p, (size_t)(v->tasks_running > 0 ? v->tasks_running : 0));
		kc_cmd_tab_cell(t, p, NULL);
	}
}

/* The JSON emitter's output buffer: written in 64 KiB blocks (kc_cmd_write). */
struct obuf {
	FILE	*out;
	int	 err;		/* errno of the first failed write */
	size_t	 len;
	char	 data[65536];
};

/* Write out the buffered JSON. */
static void
ob_flush(struct obuf *o)
{
	if (o->len > 0 && o->err == 0)
		o->err = kc_cmd_write(o->out, o->data, o->len);
	o->len = 0;
}

/* Append bytes. */
static inline void
ob_put(struct obuf *o, const char *s, size_t n)
{
	if (o->len + n > sizeof o->data) {
		ob_flush(o);
		if (n > sizeof o->data) {
			fwrite(s, 1, n, o->out);
			return;
		}
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

/* Append one byte. */
static inline void
ob_c(struct obuf *o, char c)
{
	if (o->len == sizeof o->data)
		ob_flush(o);
	o->data[o->len++] = c;
}

#define OB_LIT(o, lit) ob_put((o), (lit), sizeof(lit) - 1)

/* Bytes copied as they are into a JSON string: printable ASCII except '"' and '\\'. */
static const unsigned char plain_ascii[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Does any of the n bytes at p need more than a plain copy into a JSON string (a control
 * character, '"', '\\', DEL, or a byte of a multi-byte UTF-8 sequence, which is
 * validated): any byte plain_ascii refuses? */
static inline uint64_t
word_hits(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	/* A byte below 0x20, or of 0x7f and above (x + 1 reaches the high bit; a carry into
	 * the next byte only comes from 0xff, itself a hit), or equal to '"' or '\\' (zero
	 * after the XOR): each test can only misfire in a word that also holds a true hit. */
	return x | (x + ones) | ((x - ones * ' ') & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b);
}

#if defined(__SSE2__)
/* word_hits for 16 bytes: one bit per byte that needs more than a plain copy (signed
 * compare: below 0x20, or 0x80 and above; then DEL, '"' and '\\'). */
static inline int
sse_hits(__m128i x)
{
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));

	bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
	return _mm_movemask_epi8(bad);
}
#endif

/* Does any of the n bytes at p need more than a plain copy (see word_hits)? Words may
 * overlap (the last one ends at the last byte): that only tests a byte twice. */
static inline int
needs_escape(const unsigned char *p, size_t n)
{
	uint64_t x, hit = 0;
	uint32_t lo, hi;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&x, p + i, 8);
			hit |= word_hits(x);
		}
		memcpy(&x, p + n - 8, 8);
		hit |= word_hits(x);
	} else if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		x = (uint64_t)lo | (uint64_t)hi << 32;
		hit = word_hits(x);
	} else {
		for (i = 0; i < n; i++)
			if (!plain_ascii[p[i]])
				return 1;
	}
	return (hit & 0x8080808080808080ull) != 0;
}

/* Append s (n bytes) as a JSON string, the slow way: escapes, and U+FFFD for bytes that are
 * not UTF-8. */
static void
json_str_escaped(struct obuf *b, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *run;

	ob_c(b, '"');
	for (;;) {
		run = p;
		while (plain_ascii[*p])
			p++;
		if (p > run)
			ob_put(b, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			ob_c(b, '\\');
			ob_c(b, (char)*p++);
		} else if (*p < 0x20) {
			switch (*p) {
			case '\n': OB_LIT(b, "\\n"); break;
			case '\t': OB_LIT(b, "\\t"); break;
			case '\r': OB_LIT(b, "\\r"); break;
			default:
				OB_LIT(b, "\\u00");
				ob_c(b, hex[*p >> 4]);
				ob_c(b, hex[*p & 15]);
			}
			p++;
		} else {
			/* A UTF-8 sequence: copied when well-formed. */
			size_t n = *p >= 0xF0 && *p <= 0xF4 ? 4 : *p >= 0xE0 && *p <= 0xEF ? 3 :
			    *p >= 0xC2 && *p <= 0xDF ? 2 : 0, i;
			for (i = 1; i < n; i++)
				if ((p[i] & 0xC0) != 0x80)
					n = 0;
			if (n == 0) {
				OB_LIT(b, "\\ufffd");
				p++;
			} else {
				ob_put(b, (const char *)p, n);
				p += n;
			}
		}
	}
	ob_c(b, '"');
}

/* Append s as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8. Plain
 * strings (nearly all of them) are checked and copied in the same pass, eight bytes at a
 * time (see word_hits); the copy is only committed when nothing needed escaping. */
static inline __attribute__((always_inline)) void
json_str(struct obuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	uint64_t hit = 0;
	uint32_t lo, hi;
	char *o;

	if (b->len + n + 2 > sizeof b->data) {
		ob_flush(b);
		if (n + 2 > sizeof b->data) {	/* longer than the buffer: no fast path */
			if (needs_escape(p, n)) {
				json_str_escaped(b, p);
			} else {
				ob_c(b, '"');
				ob_put(b, s, n);
				ob_c(b, '"');
			}
			return;
		}
	}
	o = b->data + b->len + 1;
#if defined(__SSE2__)
	/* 16 bytes per check: two overlapping 8-byte halves for 8..16 bytes, overlapping
	 * 16-byte blocks above; any hit sets bit 7 of hit. */
	if (n >= 8) {
		__m128i v;
		uint64_t a, z;
		if (n <= 16) {
			memcpy(&a, p, 8);
			memcpy(&z, p + n - 8, 8);
			v = _mm_set_epi64x((long long)z, (long long)a);
			hit = (uint64_t)(sse_hits(v) != 0) << 7;
			memcpy(o, &a, 8);
			memcpy(o + n - 8, &z, 8);
		} else {
			for (i = 0; i + 16 < n; i += 16) {
				v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
				hit |= (uint64_t)(sse_hits(v) != 0) << 7;
				_mm_storeu_si128((__m128i *)(void *)(o + i), v);
			}
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
			hit |= (uint64_t)(sse_hits(v) != 0) << 7;
			_mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
		}
	}
#else
	if (n >= 8) {
		uint64_t x;
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&x, p + i, 8);
			hit |= word_hits(x);
			memcpy(o + i, &x, 8);
		}
		memcpy(&x, p + n - 8, 8);
		hit |= word_hits(x);
		memcpy(o + n - 8, &x, 8);
	}
#endif
	else if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		hit = word_hits((uint64_t)lo | (uint64_t)hi << 32);
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
	} else {
		for (i = 0; i < n; i++) {
			hit |= plain_ascii[p[i]] ? 0 : 0x80;
			o[i] = (char)p[i];
		}
	}
	if ((hit & 0x8080808080808080ull) != 0) {
		json_str_escaped(b, p);
		return;
	}
	o[-1] = '"';
	o[n] = '"';
	b->len += n + 2;
}

/* A JSON string, or null for NULL. */
static void
json_str_or_null(struct obuf *b, const char *s)
{
	if (s == NULL)
		OB_LIT(b, "null");
	else
		json_str(b, s);
}

/* `,\n<indent>"key": "value"` (no comma when first). */
static void
json_kv(struct obuf *b, const char *indent, int first, const char *k, const char *v)
{
	if (!first)
		ob_c(b, ',');
	ob_c(b, '\n');
	ob_put(b, indent, strlen(indent));
	json_str(b, k);
	OB_LIT(b, ": ");
	json_str_or_null(b, v);
}

/* kc_cmd_is_secret_key, memoised: the same few keys repeat in every connector, usually at
 * the same position of its config (pos_key: the key last seen there, borrowed). */
struct secret_memo {
	char		*key[512];
	char		 val[512];
	const char	*pos_key[64];
	size_t		 pos_len[64];	/* for secret_at_n: pos_key is not NUL-terminated */
	char		 pos_val[64];
	char		 pos_wide[64];	/* pos_key may be read 16 bytes on */
	/* for view_json: each health's name, 16 bytes each (copied at once), and length */
	char		 health[KC_HEALTH_RESTARTING + 1][16];
	unsigned char	 health_len[KC_HEALTH_RESTARTING + 1];
};

/* A new memo. */
static struct secret_memo *
secret_memo_new(void)
{
	struct secret_memo *m = kc_xcalloc(1, sizeof *m);
	size_t h, n;

	for (h = 0; h < KC_NITEMS(m->health); h++) {
		n = strlen(kc_health_name((enum kc_health)h));
		if (n > sizeof m->health[h])
			n = sizeof m->health[h];
		memcpy(m->health[h], kc_health_name((enum kc_health)h), n);
		m->health_len[h] = (unsigned char)n;
	}
	return m;
}

/* Is key secret-looking? (memoised) */
static int
secret_key(struct secret_memo *m, const char *key)
{
	uint32_t h = 2166136261u;
	const char *p;
	size_t i, n;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (n = 0, i = h & 511; n < 512; n++, i = (i + 1) & 511) {
		if (m->key[i] == NULL) {
			m->key[i] = kc_xstrdup(key);
			m->val[i] = (char)kc_cmd_is_secret_key(key);
			return m->val[i];
		}
		if (strcmp(m->key[i], key) == 0)
			return m->val[i];
	}
	return kc_cmd_is_secret_key(key);	/* table full */
}

/* Is the config key at position i secret-looking? (memoised by position, then by key) */
static int
secret_at(struct secret_memo *m, size_t i, const char *key)
{
	int r;

	if (i >= KC_NITEMS(m->pos_key))
		return secret_key(m, key);
	if (m->pos_key[i] != NULL && strcmp(m->pos_key[i], key) == 0)
		return m->pos_val[i];
	r = secret_key(m, key);
	m->pos_key[i] = key;
	m->pos_len[i] = SIZE_MAX;	/* never matched by secret_at_n */
	m->pos_val[i] = (char)r;
	return r;
}

/* secret_at_n when the memo does not have the key: look it up, remember it. */
static int
secret_at_slow(struct secret_memo *m, size_t i, const char *key, size_t klen, const char *lim)
{
	char tmp[256], *k;
	int r;

	k = klen < sizeof tmp ? tmp : kc_xmalloc(klen + 1);
	memcpy(k, key, klen);
	k[klen] = '\0';
	r = secret_key(m, k);
	if (k != tmp)
		free(k);
	if (i < KC_NITEMS(m->pos_key)) {
		m->pos_key[i] = key;
		m->pos_len[i] = klen;
		m->pos_val[i] = (char)r;
		m->pos_wide[i] = lim - key >= 16;
	}
	return r;
}

/* Is the config key (klen bytes, not NUL-terminated) at position i secret-looking? The
 * position memo holds the key seen there last (borrowed from the list) and its length.
 * lim: the key may be read up to there (16 bytes at once when it is that far). */
static int
secret_at_n(struct secret_memo *m, size_t i, const char *key, size_t klen, const char *lim)
{
	if (i < KC_NITEMS(m->pos_key) && m->pos_key[i] != NULL && m->pos_len[i] == klen) {
		const char *a = m->pos_key[i];
		size_t j = 0;
		uint64_t x, y, d = 0;
		if (klen >= 8) {
			/* eight bytes at a time, the last eight overlapping */
			for (; j + 8 < klen && d == 0; j += 8) {
				memcpy(&x, a + j, 8);
				memcpy(&y, key + j, 8);
				d = x ^ y;
			}
			memcpy(&x, a + klen - 8, 8);
			memcpy(&y, key + klen - 8, 8);
			d |= x ^ y;
		} else {
			for (; j < klen; j++)
				d |= (uint64_t)(a[j] ^ key[j]);
		}
		if (d == 0)
			return m->pos_val[i];
	}
	return secret_at_slow(m, i, key, klen, lim);
}

/* secret_at_n, inlined where the key is the one the memo has at i (the usual case: every
 * connector has the same keys in the same order): one 16-byte compare when both keys can be
 * read that far. */
static inline __attribute__((always_inline)) int
secret_at_raw(struct secret_memo *m, size_t i, const char *key, size_t klen, const char *lim)
{
#if defined(__SSE2__) && defined(__GNUC__)
	if (i < KC_NITEMS(m->pos_key) && m->pos_len[i] == klen && klen <= 16 &&
	    m->pos_wide[i] && lim - key >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)key);
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)m->pos_key[i]);
		unsigned int eq = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y));
		if (((eq | (0xffffu << klen)) & 0xffffu) == 0xffffu)
			return m->pos_val[i];
	}
#endif
	return secret_at_n(m, i, key, klen, lim);
}

/* Free the memo. */
static void
secret_memo_free(struct secret_memo *m)
{
	size_t i;

	for (i = 0; i < 512; i++)
		free(m->key[i]);
}

/* Copy n bytes from s to o, where o has room for max(n, 16) and s may be read up to lim:
 * one 16-byte move for up to 16 bytes when s is that far from lim, two overlapping ones
 * for 16 to 32 bytes, memcpy otherwise. */
static inline void
copy_short(char *o, const char *s, size_t n, const char *lim)
{
	if (n <= 16 && lim - s >= 16) {
		memcpy(o, s, 16);
	} else if (n >= 16 && n <= 32) {
		memcpy(o, s, 16);
		memcpy(o + n - 16, s + n - 16, 16);
	} else {
		memcpy(o, s, n);
	}
}

/* Is config pair i shown masked: a non-empty, non-reference value of a secret-looking key? */
static inline int
pair_masked(int masking, struct secret_memo *memo, size_t i, const char *k, size_t kl,
    const char *val, size_t vl, const char *lim)
{
	return masking && vl > 0 && !(vl >= 2 && val[0] == '$' && val[1] == '{') &&
	    secret_at_raw(memo, i, k, kl, lim);
}

/* Write one raw config pair at o (',' first: the caller turns the first into '{'),
 * unchecked: the caller made room for 9 + key + 4 + max(value, 8) + 1 bytes plus 16 of
 * slack for copy_short. Returns the end. */
static inline char *
put_pair(char *o, const char *k, size_t kl, const char *val, size_t vl, const char *lim,
    int masked)
{
	memcpy(o, ",\n      \"", 9);
	o += 9;
	copy_short(o, k, kl, lim);
	o += kl;
	memcpy(o, "\": \"", 4);
	o += 4;
	if (masked) {
		memcpy(o, "********", 8);
		o += 8;
	} else {
		copy_short(o, val, vl, lim);
		o += vl;
	}
	*o++ = '"';
	return o;
}

/* Append a literal at o (unchecked: the caller made room). */
#define PUT_LIT(o, lit)	(memcpy((o), (lit), sizeof(lit) - 1), (o) += sizeof(lit) - 1)

/* The fields before "trace" of view_json when the listing parser found them all plain
 * (see struct kc_connector_view): lengths known, room made once, nothing to escape.
 * Returns 0 when it did not apply (then view_json writes them the usual way). */
static int
view_json_head(const struct kc_connector_view *v, struct obuf *b,
    const struct secret_memo *memo)
{
	const unsigned int all = 1u << KC_VF_NAME | 1u << KC_VF_TYPE | 1u << KC_VF_STATE |
	    1u << KC_VF_WORKER | 1u << KC_VF_CLASS;
	size_t need;
	char *o;

	if ((v->plain & all) != all || (size_t)v->health >= KC_NITEMS(memo->health))
		return 0;
	need = (size_t)v->len[KC_VF_NAME] + v->len[KC_VF_TYPE] + v->len[KC_VF_STATE] +
	    v->len[KC_VF_WORKER] + v->len[KC_VF_CLASS] + 160;
	if (b->len + need > sizeof b->data) {
		ob_flush(b);
		if (need > sizeof b->data)
			return 0;
	}
	o = b->data + b->len;
	PUT_LIT(o, "  {\n    \"name\": \"");
	kc_cmd_copy_exact(o, v->name, v->len[KC_VF_NAME]);
	o += v->len[KC_VF_NAME];
	PUT_LIT(o, "\",\n    \"type\": \"");
	kc_cmd_copy_exact(o, v->type, v->len[KC_VF_TYPE]);
	o += v->len[KC_VF_TYPE];
	PUT_LIT(o, "\",\n    \"state\": \"");
	kc_cmd_copy_exact(o, v->state, v->len[KC_VF_STATE]);
	o += v->len[KC_VF_STATE];
	PUT_LIT(o, "\",\n    \"health\": \"");
	memcpy(o, memo->health[v->health], 16);
	o += memo->health_len[v->health];
	PUT_LIT(o, "\",\n    \"worker_id\": \"");
	kc_cmd_copy_exact(o, v->worker_id, v->len[KC_VF_WORKER]);
	o += v->len[KC_VF_WORKER];
	PUT_LIT(o, "\",\n    \"class\": \"");
	kc_cmd_copy_exact(o, v->class_name, v->len[KC_VF_CLASS]);
	o += v->len[KC_VF_CLASS];
	*o++ = '"';
	b->len = (size_t)(o - b->data);
	return 1;
}

/* The config of a view with config_raw (see struct kc_connector_view), as view_json writes
 * it: every string is already as json_str writes it, so each pair is copied from the
 * positions the parser recorded (no scan), with room made once per pair. */
static void
raw_config_json(const struct kc_cmd_env *env, const struct kc_connector_view *v,
    struct obuf *b, struct secret_memo *memo)
{
	const char *raw = v->config_raw, *lim = raw + v->config_raw_len, *k, *val;
	size_t i, np = v->config_raw_npairs, kl, vl;
	int masking = !env->io->show_secrets;
	char *o;

	if (np == 0) {
		OB_LIT(b, "{}");
		return;
	}
	/* A pair takes at most 9 + key + 4 + max(value, 8) + 1 bytes, so the whole config
	 * at most its text + 24 per pair, and 16 bytes of slack for copy_short: when that fits
	 * the buffer, room is made once and the pairs written unchecked. */
	if (v->config_raw_len + np * 24 + 32 <= sizeof b->data) {
		if (b->len + v->config_raw_len + np * 24 + 32 > sizeof b->data)
			ob_flush(b);
		o = b->data + b->len;
		for (i = 0; i < np; i++) {
			k = v->config_keys[i];
			val = v->config_vals[i];
			kl = (size_t)(val - 3 - k);
			vl = (size_t)((i + 1 < np ? v->config_keys[i + 1] - 3 : lim - 2) - val);
			o = put_pair(o, k, kl, val, vl, lim, pair_masked(masking, memo, i, k, kl,
			    val, vl, lim));
		}
		b->data[b->len] = '{';
		memcpy(o, "\n    }", 6);
		b->len = (size_t)(o + 6 - b->data);
		return;
	}
	for (i = 0; i < np; i++) {
		k = v->config_keys[i];
		val = v->config_vals[i];
		kl = (size_t)(val - 3 - k);
		vl = (size_t)((i + 1 < np ? v->config_keys[i + 1] - 3 : lim - 2) - val);
		/* 9 + key + 4 + value (or 8) + 1, and 16 bytes of slack for copy_short */
		if (b->len + kl + vl + 48 > sizeof b->data) {
			ob_flush(b);
			if (kl + vl + 48 > sizeof b->data) {
				/* a pair longer than the buffer: piece by piece */
				ob_put(b, i == 0 ? "{\n      \"" : ",\n      \"", 9);
				ob_put(b, k, kl);
				OB_LIT(b, "\": \"");
				if (pair_masked(masking, memo, i, k, kl, val, vl, lim))
					OB_LIT(b, "********");
				else
					ob_put(b, val, vl);
				ob_c(b, '"');
				continue;
			}
		}
		o = put_pair(b->data + b->len, k, kl, val, vl, lim, pair_masked(masking, memo, i, k,
		    kl, val, vl, lim));
		if (i == 0)
			b->data[b->len] = '{';
		b->len = (size_t)(o - b->data);
	}
	OB_LIT(b, "\n    }");
}

/* One connector in the stable shape of `get connectors -o json`, pretty-printed like
 * jansson's JSON_INDENT(2) inside the top-level array. Written directly from the model
 * (no intermediate JSON tree: this is the hot path for thousands of connectors). */
static void
view_json(const struct kc_cmd_env *env, const struct kc_connector_view *v, struct obuf *b,
    struct secret_memo *memo)
{
	size_t i;
	char num[32];
	int n;

	if (!view_json_head(v, b, memo)) {
		OB_LIT(b, "  {\n    \"name\": ");
		json_str_or_null(b, v->name);
		OB_LIT(b, ",\n    \"type\": ");
		json_str_or_null(b, v->type);
		OB_LIT(b, ",\n    \"state\": ");
		json_str_or_null(b, v->state);
		OB_LIT(b, ",\n    \"health\": ");
		json_str(b, kc_health_name(v->health));
		OB_LIT(b, ",\n    \"worker_id\": ");
		json_str_or_null(b, v->worker_id);
		OB_LIT(b, ",\n    \"class\": ");
		json_str_or_null(b, v->class_name);
	}
	if (v->trace != NULL) {
		OB_LIT(b, ",\n    \"trace\": ");
		json_str(b, v->trace);
	}
	OB_LIT(b, ",\n    \"tasks\": [");
	for (i = 0; i < v->ntasks; i++) {
		const struct kc_task_view *t = &v->tasks[i];
		if (i > 0)
			ob_c(b, ',');
		OB_LIT(b, "\n      {\n        \"id\": ");
		n = snprintf(num, sizeof num, "%d", t->id);
		ob_put(b, num, (size_t)n);
		json_kv(b, "        ", 0, "state", t->state);
		json_kv(b, "        ", 0, "worker_id", t->worker_id);
		if (t->trace != NULL)
			json_kv(b, "        ", 0, "trace", t->trace);
		OB_LIT(b, "\n      }");
	}
	if (v->ntasks > 0)
		OB_LIT(b, "\n    ]");
	else
		ob_c(b, ']');
	OB_LIT(b, ",\n    \"config\": ");
	if (v->config_raw != NULL) {
		raw_config_json(env, v, b, memo);
	} else if (!v->has_config) {
		OB_LIT(b, "null");
	} else if (v->nconfig == 0) {
		OB_LIT(b, "{}");
	} else {
		ob_c(b, '{');
		for (i = 0; i < v->nconfig; i++) {
			const char *val = v->config_vals[i];
			if (!env->io->show_secrets && val != NULL && *val != '\0' &&
			    !(val[0] == '$' && val[1] == '{') &&
			    secret_at(memo, i, v->config_keys[i]))
				val = "********";
			if (i == 0)
				OB_LIT(b, "\n      ");
			else
				OB_LIT(b, ",\n      ");
			json_str(b, v->config_keys[i]);
			OB_LIT(b, ": ");
			json_str_or_null(b, val);
		}
		OB_LIT(b, "\n    }");
	}
	OB_LIT(b, "\n  }");
}

/* One line of -o names: the name, sanitised (copied as it is when the listing found it
 * plain). */
static void
name_line(struct obuf *b, const struct kc_connector_view *v)
{
	char *c;

	if ((v->plain & (1u << KC_VF_NAME)) && (size_t)v->len[KC_VF_NAME] + 1 <= sizeof b->data) {
		size_t n = v->len[KC_VF_NAME];
		if (b->len + n + 1 > sizeof b->data)
			ob_flush(b);
		kc_cmd_copy_exact(b->data + b->len, v->name, n);
		b->data[b->len + n] = '\n';
		b->len += n + 1;
		return;
	}
	c = kc_text_sanitize(v->name, 0);
	ob_put(b, c, strlen(c));
	ob_c(b, '\n');
	free(c);
}

/* First line of a trace. */
static char *
first_line(const char *s)
{
	const char *e;

	if (s == NULL)
		return kc_xstrdup("");
	e = strchr(s, '\n');
	return e != NULL ? kc_xstrndup(s, (size_t)(e - s)) : kc_xstrdup(s);
}

/* Load the listing (flags: KC_LIST_*), print errors. */
static struct kc_connector_list *
load_list(struct kc_cmd_env *env, unsigned int flags)
{
	struct kc_client *c = kc_cmd_client(env);
	struct kc_connector_list *l;
	struct kc_err err;

	if (c == NULL)
		return NULL;
	kc_err_clear(&err);
	l = kc_client_list_opts(c, flags, &err);
	if (l == NULL)
		kc_cmd_fail(env, "listing connectors", &err);
	return l;
}

/* get connectors / get tasks. */
static int
get_connectors(struct kc_cmd_env *env, const struct kc_cmd *self, const struct sel *s,
    unsigned int states, int tasks_view)
{
	struct kc_connector_list *l;
	regex_t res[ARGV_MAX];
	struct kc_cmd_tab *t = NULL;
	struct kc_cmd_io *io = env->io;
	json_t *arr = NULL;
	struct obuf *jb = NULL;
	struct secret_memo *memo = NULL;
	size_t i, j, shown = 0;
	int wide = io->fmt == KC_FMT_WIDE, json_out = 0, names_out = 0, missing = 0;

	(void)self;
	if (compile_res(env, s, res) != 0)
		return KC_EXIT_USAGE;
	/* Only -o json of connectors shows the config, only -o wide the class. */
	l = load_list(env, io->fmt == KC_FMT_JSON && !tasks_view ? KC_LIST_RAW_CONFIG :
	    wide && !tasks_view ? KC_LIST_NO_CONFIG : KC_LIST_NO_CONFIG | KC_LIST_NO_INFO);
	if (l == NULL) {
		free_res(s, res);
		return KC_EXIT_ERR;
	}
	for (i = 0; i < s->nnames; i++) {
		if (kc_connector_list_find(l, s->names[i]) == NULL) {
			put_clean(io->err, "kcops: error: no connector named '", s->names[i],
			    "'\n");
			missing = 1;
		}
	}
	if (io->fmt == KC_FMT_JSON && tasks_view) {
		arr = json_array();
	} else if (io->fmt == KC_FMT_JSON) {
		json_out = 1;
		jb = kc_xmalloc(sizeof *jb);
		jb->out = io->out;
		jb->err = 0;
		jb->len = 0;
		memo = secret_memo_new();
	} else if (io->fmt == KC_FMT_NAMES && !tasks_view) {
		names_out = 1;	/* one buffer, written in blocks, as for -o json */
		jb = kc_xmalloc(sizeof *jb);
		jb->out = io->out;
		jb->err = 0;
		jb->len = 0;
	}
	else if (io->fmt != KC_FMT_NAMES) {
		if (tasks_view)
			t = wide ? kc_cmd_tab_new(5, "CONNECTOR", "TASK", "STATE", "WORKER", "TRACE") :
			    kc_cmd_tab_new(4, "CONNECTOR", "TASK", "STATE", "WORKER");
		else
			t = wide ? kc_cmd_tab_new(7, "NAME", "TYPE", "STATE", "TASKS", "WORKER",
			    "CLASS", "TRACE") :
			    kc_cmd_tab_new(5, "NAME", "TYPE", "STATE", "TASKS", "WORKER");
	}
	for (i = 0; i < l->n; i++) {
		const struct kc_connector_view *v = &l->v[i];
		if (!name_selected(s, res, v->name) ||
		    (!tasks_view && !state_selected(states, v)))
			continue;
		shown++;
		if (tasks_view) {
			for (j = 0; j < v->ntasks; j++) {
				const struct kc_task_view *tv = &v->tasks[j];
				int ts = kc_health_parse(tv->state);
				/* get tasks --state: the task's own state */
				if (states != 0 && (ts < 0 || !(states & (1u << ts))))
					continue;
				if (arr != NULL) {
					json_t *o = json_pack("{ss si ss ss}", "connector", v->name,
					    "id", tv->id, "state", tv->state, "worker_id",
					    tv->worker_id);
					if (tv->trace != NULL)
						json_object_set_new(o, "trace",
						    json_string(tv->trace));
					json_array_append_new(arr, o);
				} else if (t == NULL) {
					char *n = kc_text_sanitize(v->name, 0);
					fprintf(io->out, "%s/%d\n", n, tv->id);
					free(n);
				} else {
					kc_cmd_tab_cell_ref(t, v->name, NULL);
					kc_cmd_tab_cellf(t, NULL, "%d", tv->id);
					kc_cmd_tab_cell_ref(t, tv->state, kc_cmd_state_color(io,
					    tv->state));
					kc_cmd_tab_cell_ref(t, tv->worker_id, NULL);
					if (wide) {
						char *fl = first_line(tv->trace);
						kc_cmd_tab_cell(t, fl, NULL);
						free(fl);
					}
				}
			}
			continue;
		}
		if (json_out) {
			if (shown > 1)
				OB_LIT(jb, ",\n");
			else
				OB_LIT(jb, "[\n");
			view_json(env, v, jb, memo);
		} else if (names_out) {
			name_line(jb, v);
		} else if (t == NULL) {
			put_clean(io->out, "", v->name, "\n");
		} else {
			/* the list outlives the table */
			view_cell(t, v, KC_VF_NAME, v->name, NULL);
			view_cell(t, v, KC_VF_TYPE, v->type, NULL);
			view_cell(t, v, KC_VF_STATE, v->state, kc_cmd_state_color(io, v->state));
			task_cell(t, io, v);
			view_cell(t, v, KC_VF_WORKER, v->worker_id, NULL);
			if (wide) {
				char *fl = NULL;
				kc_cmd_tab_cell_ref(t, v->class_name, NULL);
				for (j = 0; fl == NULL && j < v->ntasks; j++)
					if (v->tasks[j].trace != NULL)
						fl = first_line(v->tasks[j].trace);
				if (v->trace != NULL) {
					free(fl);
					fl = first_line(v->trace);
				}
				kc_cmd_tab_cell(t, fl != NULL ? fl : "", NULL);
				free(fl);
			}
		}
	}
	if (json_out) {
		if (shown > 0)
			OB_LIT(jb, "\n]\n");
		else
			OB_LIT(jb, "[]\n");
		ob_flush(jb);
		if (jb->err != 0) {
			if (jb->err != EPIPE)
				fprintf(io->err, "kcops: error: writing the output: %s\n",
				    strerror(jb->err));
			missing = 1;	/* exit status 1, as for a failed fflush */
		}
		secret_memo_free(memo);
		free(memo);
		free(jb);
	} else if (names_out) {
		ob_flush(jb);
		if (jb->err != 0) {
			if (jb->err != EPIPE)
				fprintf(io->err, "kcops: error: writing the output: %s\n",
				    strerror(jb->err));
			missing = 1;	/* exit status 1, as for a failed fflush */
		}
		free(jb);
	} else if (arr != NULL) {
		json_dumpf(arr, io->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', io->out);
		json_decref(arr);
	} else if (t != NULL) {
		int werr = 0;
		if (kc_cmd_tab_rows(t) > 0)
			werr = kc_cmd_tab_print(t, io);
		else if (!io->quiet)
			fprintf(io->err, "No %s found.\n", tasks_view ? "tasks" : "connectors");
		kc_cmd_tab_free(t);
		if (werr != 0) {
			if (werr != EPIPE)
				fprintf(io->err, "kcops: error: writing the output: %s\n",
				    strerror(werr));
			missing = 1;	/* exit status 1 */
		}
	}
	kc_connector_list_free(l);
	free_res(s, res);
	return missing ? KC_EXIT_ERR : KC_EXIT_OK;
}

/* get plugins. */
static int
get_plugins(struct kc_cmd_env *env, const struct kc_cmd *self, const char *types, int all)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *arr, *p, *out;
	size_t i;
	struct kc_cmd_tab *t;

	(void)self;
	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	if (types != NULL) {
		static const char *const known[] = { "source", "sink", "converter",
		    "header_converter", "transformation", "predicate" };
		char *copy = kc_xstrdup(types), *save = NULL, *tok;
		size_t k;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int ok = 0;
			for (k = 0; k < KC_NITEMS(known); k++)
				ok |= strcmp(tok, known[k]) == 0;
			if (!ok) {
				kc_cmd_usage(env, self, "-t '%s': expected source, sink, converter, "
				    "header_converter, transformation or predicate", tok);
				free(copy);
				return KC_EXIT_USAGE;
			}
			if (strcmp(tok, "source") != 0 && strcmp(tok, "sink") != 0)
				all = 1;
		}
		free(copy);
	}
	arr = kc_client_plugins(c, all, &err);
	if (arr == NULL)
		return kc_cmd_fail(env, "listing plugins", &err);
	out = json_array();
	json_array_foreach(arr, i, p) {
		const char *ty = kc_json_str_or(p, "type", "");
		if (types != NULL) {
			char *copy = kc_xstrdup(types), *save = NULL, *tok;
			int ok = 0;
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				ok |= strcmp(tok, ty) == 0;
			free(copy);
			if (!ok)
				continue;
		}
		json_array_append(out, p);
	}
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, out, 0);
	} else if (env->io->fmt == KC_FMT_NAMES) {
		json_array_foreach(out, i, p)
			put_clean(env->io->out, "", kc_json_str_or(p, "class", ""), "\n");
	} else {
		t = kc_cmd_tab_new(3, "CLASS", "TYPE", "VERSION");
		json_array_foreach(out, i, p) {
			kc_cmd_tab_cell(t, kc_json_str_or(p, "class", ""), NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(p, "type", ""), NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(p, "version", ""), NULL);
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	json_decref(out);
	json_decref(arr);
	return KC_EXIT_OK;
}

/* get loggers. */
static int
get_loggers(struct kc_cmd_env *env, const struct sel *s)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *m, *v;
	const char *k;
	size_t i;
	struct kc_cmd_tab *t;

	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	if (s->nnames > 0) {
		m = json_object();
		for (i = 0; i < s->nnames; i++) {
			json_t *one = kc_client_logger(c, s->names[i], &err);
			if (one == NULL) {
				json_decref(m);
				return kc_cmd_fail(env, s->names[i], &err);
			}
			json_object_set_new(m, s->names[i], one);
		}
	} else {
		m = kc_client_loggers(c, &err);
		if (m == NULL)
			return kc_cmd_fail(env, "listing loggers", &err);
	}
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, m, 0);
	} else if (env->io->fmt == KC_FMT_NAMES) {
		json_object_foreach(m, k, v)
			put_clean(env->io->out, "", k, "\n");
	} else {
		t = kc_cmd_tab_new(3, "LOGGER", "LEVEL", "LAST-MODIFIED");
		json_object_foreach(m, k, v) {
			json_t *lm = json_object_get(v, "last_modified");
			kc_cmd_tab_cell(t, k, NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(v, "level", "?"), NULL);
			if (json_is_integer(lm)) {
				char buf[40];
				kc_iso8601_us((int64_t)json_integer_value(lm) * 1000, buf, sizeof buf);
				kc_cmd_tab_cell(t, buf, NULL);
			} else {
				kc_cmd_tab_cell(t, "-", NULL);
			}
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	json_decref(m);
	return KC_EXIT_OK;
}

/* Exit code after resolve_sel failed: usage when nothing was named, else error. */
#define SEL_RC(sp) ((sp)->nnames == 0 && (sp)->nre == 0 ? KC_EXIT_USAGE : KC_EXIT_ERR)

/* Resolve a selection to names (regexes expanded); NULL after an error. */
static json_t *
resolve_sel(struct kc_cmd_env *env, const struct kc_cmd *self, const struct sel *s)
{
	if (s->nnames == 0 && s->nre == 0) {
		kc_cmd_usage(env, self, "name a connector (or select with -e REGEX)");
		return NULL;
	}
	return kc_cmd_select_names(env, s->names, s->nnames, s->re, s->nre);
}

/* get offsets. */
static int
get_offsets(struct kc_cmd_env *env, const struct kc_cmd *self, const struct sel *s)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *names, *n, *all;
	size_t i, j;
	int rc = KC_EXIT_OK;
	struct kc_cmd_tab *t = NULL;

	names = resolve_sel(env, self, s);
	if (names == NULL)
		return SEL_RC(s);
	c = kc_cmd_client(env);
	if (c == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	all = json_object();
	if (env->io->fmt != KC_FMT_JSON)
		t = kc_cmd_tab_new(3, "CONNECTOR", "PARTITION", "OFFSET");
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		json_t *o, *e;
		kc_err_clear(&err);
		o = kc_client_offsets(c, name, &err);
		if (o == NULL) {
			rc = kc_cmd_fail(env, name, &err);
			continue;
		}
		if (t != NULL) {
			json_array_foreach(json_object_get(o, "offsets"), j, e) {
				char *p = kc_json_dump(json_object_get(e, "partition"));
				char *f = kc_json_dump(json_object_get(e, "offset"));
				kc_cmd_tab_cell(t, name, NULL);
				kc_cmd_tab_cell(t, p, NULL);
				kc_cmd_tab_cell(t, f, NULL);
				free(p);
				free(f);
			}
		}
		json_object_set_new(all, name, o);
	}
	if (t != NULL) {
		if (kc_cmd_tab_rows(t) > 0)
			kc_cmd_tab_print(t, env->io);
		else if (rc == KC_EXIT_OK && !env->io->quiet)
			fprintf(env->io->err, "No committed offsets.\n");
		kc_cmd_tab_free(t);
	} else if (rc == KC_EXIT_OK || json_object_size(all) > 0) {
		if (json_array_size(names) == 1 && s->nre == 0 && json_object_size(all) == 1)
			kc_cmd_print_json(env, json_object_get(all, json_string_value(
			    json_array_get(names, 0))), 0);
		else
			kc_cmd_print_json(env, all, 0);
	}
	json_decref(all);
	json_decref(names);
	return rc;
}

/* get topics. */
static int
get_topics(struct kc_cmd_env *env, const struct kc_cmd *self, const struct sel *s)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *names, *n, *all, *tp;
	size_t i, j;
	int rc = KC_EXIT_OK;
	struct kc_cmd_tab *t = NULL;

	names = resolve_sel(env, self, s);
	if (names == NULL)
		return SEL_RC(s);
	c = kc_cmd_client(env);
	if (c == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	all = json_object();
	if (env->io->fmt == KC_FMT_TABLE || env->io->fmt == KC_FMT_WIDE)
		t = kc_cmd_tab_new(2, "CONNECTOR", "TOPIC");
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		json_t *o, *list;
		kc_err_clear(&err);
		o = kc_client_topics(c, name, &err);
		if (o == NULL) {
			rc = kc_cmd_fail(env, name, &err);
			continue;
		}
		list = json_object_get(json_object_get(o, name), "topics");
		json_array_foreach(list, j, tp) {
			if (t != NULL) {
				kc_cmd_tab_cell(t, name, NULL);
				kc_cmd_tab_cell(t, json_string_value(tp), NULL);
			} else if (env->io->fmt == KC_FMT_NAMES) {
				put_clean(env->io->out, "", json_string_value(tp), "\n");
			}
		}
		json_object_set_new(all, name, json_pack("{sO}", "topics", list != NULL ? list :
		    json_array()));
		json_decref(o);
	}
	if (env->io->fmt == KC_FMT_JSON)
		kc_cmd_print_json(env, all, 0);
	else if (t != NULL && kc_cmd_tab_rows(t) > 0)
		kc_cmd_tab_print(t, env->io);
	else if (t != NULL && rc == KC_EXIT_OK && !env->io->quiet)
		fprintf(env->io->err, "No topics recorded.\n");
	kc_cmd_tab_free(t);
	json_decref(all);
	json_decref(names);
	return rc;
}

/* get workers: a kcops-worker cluster's members (GET /kcops/v1/workers, a kcops-worker
 * extension; Apache Kafka Connect has no such call). */
static int
get_workers(struct kc_cmd_env *env)
{
	struct kc_client *c;
	struct kc_err err;
	struct kc_resp r;
	json_t *list, *v;
	size_t i;
	struct kc_cmd_tab *t;

	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	memset(&r, 0, sizeof r);
	if (kc_client_call(c, "GET", "/kcops/v1/workers", NULL, &r, &err) != 0) {
		int rc;

		if (r.status == 404) {
			kc_resp_free(&r);
			kc_cmd_error(env, "listing workers: this Connect cluster does not list its "
			    "workers (GET /kcops/v1/workers is a kcops-worker extension)");
			return KC_EXIT_ERR;
		}
		rc = kc_cmd_fail(env, "listing workers", &err);
		kc_resp_free(&r);
		return rc;
	}
	list = json_object_get(r.json, "workers");
	if (!json_is_array(list)) {
		kc_resp_free(&r);
		kc_cmd_error(env, "listing workers: the answer has no \"workers\" array");
		return KC_EXIT_ERR;
	}
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, r.json, 0);
	} else if (env->io->fmt == KC_FMT_NAMES) {
		json_array_foreach(list, i, v)
			put_clean(env->io->out, "", kc_json_str_or(v, "worker_id", "?"), "\n");
	} else {
		t = kc_cmd_tab_new(6, "WORKER", "STATE", "HEARTBEAT", "TASKS", "SOURCES", "URL");
		json_array_foreach(list, i, v) {
			bool alive = json_is_true(json_object_get(v, "alive"));
			bool self = json_is_true(json_object_get(v, "self"));

			kc_cmd_tab_cell(t, kc_json_str_or(v, "worker_id", "?"), NULL);
			kc_cmd_tab_cell(t, alive ? "alive" : "silent", alive ? NULL : "state.failed");
			if (self)
				kc_cmd_tab_cell(t, "(answered)", NULL);
			else
				kc_cmd_tab_cellf(t, NULL, "%.1fs ago",
				    (double)kc_json_int_or(v, "last_heartbeat_ms_ago", 0) / 1000.0);
			kc_cmd_tab_cellf(t, NULL, "%lld", (long long)kc_json_int_or(v, "tasks", 0));
			kc_cmd_tab_cell(t, json_is_true(json_object_get(v, "source_owner")) ? "yes" :
			    "-", NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(v, "url", "-"), NULL);
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	kc_resp_free(&r);
	return KC_EXIT_OK;
}

/* kcops get WHAT. */
static int
cmd_get(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct sel s;
	const char *what = NULL, *val, *types = NULL;
	unsigned int states = 0;
	int i = 0, id, all = 0;

	memset(&s, 0, sizeof s);
	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, get_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (what == NULL)
				what = val;
			else if (sel_add(env, &s, val, 0) != 0)
				return KC_EXIT_USAGE;
			break;
		case 1:
			if (sel_add(env, &s, val, 1) != 0)
				return KC_EXIT_USAGE;
			break;
		case 2:
			if (parse_states(env, self, val, &states) != 0)
				return KC_EXIT_USAGE;
			break;
		case 3:
			types = val;
			break;
		case 4:
			all = 1;
			break;
		}
	}
	if (what == NULL)
		return kc_cmd_usage(env, self, "get what? connectors, tasks, plugins, loggers, "
		    "offsets, topics or workers");
	if (strcmp(what, "connectors") == 0 || strcmp(what, "connector") == 0 ||
	    strcmp(what, "conn") == 0 || strcmp(what, "cs") == 0)
		return get_connectors(env, self, &s, states, 0);
	if (states != 0 && strcmp(what, "tasks") != 0 && strcmp(what, "task") != 0)
		return kc_cmd_usage(env, self, "--state applies to connectors and tasks (for tasks: "
		    "the task's own state)");
	if (strcmp(what, "tasks") == 0 || strcmp(what, "task") == 0)
		return get_connectors(env, self, &s, states, 1);
	if (strcmp(what, "plugins") == 0 || strcmp(what, "plugin") == 0)
		return get_plugins(env, self, types, all);
	if (strcmp(what, "loggers") == 0 || strcmp(what, "logger") == 0)
		return get_loggers(env, &s);
	if (strcmp(what, "offsets") == 0)
		return get_offsets(env, self, &s);
	if (strcmp(what, "topics") == 0)
		return get_topics(env, self, &s);
	if (strcmp(what, "workers") == 0 || strcmp(what, "worker") == 0)
		return get_workers(env);
	return kc_cmd_usage(env, self, "get '%s': expected connectors, tasks, plugins, loggers, "
	    "offsets, topics or workers", what);
}

/* ---- describe -------------------------------------------------------------------------- */

/* Indented multi-line text (traces), sanitised. */
static void
put_block(FILE *out, const char *indent, const char *text)
{
	char *c = kc_text_sanitize(text, KC_TEXT_KEEP_NL | KC_TEXT_KEEP_TAB), *p = c, *e;

	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e != NULL)
			*e = '\0';
		fprintf(out, "%s%s\n", indent, p);
		if (e == NULL)
			break;
		p = e + 1;
	}
	free(c);
}

/* Gather the describe document of one connector; NULL after printing an error. */
static json_t *
describe_one(struct kc_cmd_env *env, struct kc_client *c, const char *name)
{
	struct kc_err err;
	json_t *info, *st, *out, *tasks, *topics = NULL, *t;
	size_t i;

	kc_err_clear(&err);
	info = kc_client_connector(c, name, &err);
	if (info == NULL) {
		kc_cmd_fail(env, name, &err);
		suggest_name(env, name, &err);
		return NULL;
	}
	if (!json_is_object(info)) {
		kc_cmd_error(env, "%s: the worker did not answer with a connector", name);
		json_decref(info);
		return NULL;
	}
	st = kc_client_status(c, name, &err);
	if (st == NULL && err.code != 404) {
		kc_cmd_fail(env, name, &err);
		json_decref(info);
		return NULL;
	}
	if (kc_client_has(c, KC_FEAT_TOPICS)) {
		json_t *tp = kc_client_topics(c, name, &err);
		if (tp != NULL) {
			topics = json_incref(json_object_get(json_object_get(tp, name), "topics"));
			json_decref(tp);
		}
	}
	out = json_object();
	json_object_set_new(out, "name", json_string(name));
	json_object_set_new(out, "type", json_string(kc_json_str_or(info, "type", "unknown")));
	json_object_set_new(out, "state", json_string(kc_json_str_or(json_object_get(st,
	    "connector"), "state", "UNASSIGNED")));
	json_object_set_new(out, "health", json_string(kc_health_name(
	    kc_connector_health(st))));
	json_object_set_new(out, "worker_id", json_string(kc_json_str_or(json_object_get(st,
	    "connector"), "worker_id", "")));
	if (kc_json_str(json_object_get(st, "connector"), "trace") != NULL)
		json_object_set(out, "trace", json_object_get(json_object_get(st, "connector"),
		    "trace"));
	json_object_set(out, "config", json_object_get(info, "config"));
	tasks = json_array();
	json_array_foreach(json_object_get(st, "tasks"), i, t)
		json_array_append(tasks, t);
	json_object_set_new(out, "tasks", tasks);
	json_object_set_new(out, "topics", topics != NULL ? topics : json_null());
	json_decref(info);
	json_decref(st);
	return out;
}

/* Text form of describe. */
static void
describe_text(struct kc_cmd_env *env, const json_t *d)
{
	struct kc_cmd_io *io = env->io;
	FILE *out = io->out;
	json_t *cfg = json_object_get(d, "config"), *masked, *t;
	const char *k, **keys, *state;
	size_t i, n = 0;

	state = kc_json_str_or(d, "state", "?");
	put_clean(out, "Name:      ", kc_json_str_or(d, "name", ""), "\n");
	put_clean(out, "Type:      ", kc_json_str_or(d, "type", ""), "\n");
	put_clean(out, "Class:     ", kc_json_str_or(cfg, "connector.class", ""), "\n");
	fprintf(out, "State:     %s%s%s", kc_cmd_state_color(io, state), state,
	    kc_cmd_color_reset(io));
	if (strcmp(kc_json_str_or(d, "health", ""), "failed") == 0 &&
	    strcmp(state, "FAILED") != 0)
		fprintf(out, " (%shas failed tasks%s)", kc_cmd_state_color(io, "FAILED"),
		    kc_cmd_color_reset(io));
	fputc('\n', out);
	put_clean(out, "Worker:    ", kc_json_str_or(d, "worker_id", ""), "\n");
	if (kc_json_str(d, "trace") != NULL) {
		fprintf(out, "Trace:\n");
		put_block(out, "  ", kc_json_str(d, "trace"));
	}
	fprintf(out, "Config:\n");
	masked = io->show_secrets ? json_incref(cfg) : kc_cmd_mask_config(cfg);
	keys = kc_xcalloc(json_object_size(masked) + 1, sizeof *keys);
	json_object_foreach(masked, k, t)
		keys[n++] = k;
	qsort(keys, n, sizeof *keys, kc_cmd_strcmp_p);
	for (i = 0; i < n; i++) {
		char *kk = kc_text_sanitize(keys[i], 0);
		char *vv = kc_text_sanitize(kc_json_str_or(masked, keys[i], ""), 0);
		fprintf(out, "  %s = %s\n", kk, vv);
		free(kk);
		free(vv);
	}
	free(keys);
	json_decref(masked);
	fprintf(out, "Tasks:%s\n", json_array_size(json_object_get(d, "tasks")) ? "" : " none");
	json_array_foreach(json_object_get(d, "tasks"), i, t) {
		const char *ts = kc_json_str_or(t, "state", "?");
		char *w = kc_text_sanitize(kc_json_str_or(t, "worker_id", ""), 0);
		fprintf(out, "  %lld  %s%s%s  %s\n", kc_json_int_or(t, "id", -1),
		    kc_cmd_state_color(io, ts), ts, kc_cmd_color_reset(io), w);
		free(w);
		if (kc_json_str(t, "trace") != NULL) {
			fprintf(out, "     Trace:\n");
			put_block(out, "       ", kc_json_str(t, "trace"));
		}
	}
	if (json_is_array(json_object_get(d, "topics"))) {
		fprintf(out, "Topics:   ");
		json_array_foreach(json_object_get(d, "topics"), i, t)
			put_clean(out, i ? ", " : " ", json_string_value(t), "");
		fprintf(out, "%s\n", json_array_size(json_object_get(d, "topics")) ? "" :
		    " (none yet)");
	}
}

static const struct kc_cmd_opt name_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 2, 0, "wait", 0 },
	{ 3, 0, "wait-timeout", 1 },
	{ 0, 0, NULL, 0 },
};

/* --wait / --wait-timeout D into sel; -1 after a usage error. */
static int
wait_opt(struct kc_cmd_env *env, const struct kc_cmd *self, struct sel *s, int id,
    const char *val)
{
	s->wait = 1;
	if (id == 3) {
		s->wait_ms = kc_parse_duration_ms(val, 1000);
		if (s->wait_ms <= 0) {
			kc_cmd_usage(env, self, "--wait-timeout '%s': not a duration", val);
			return -1;
		}
	}
	return 0;
}

/* After a verb: poll until every connector in names reaches target ("deleted" = gone),
 * printing each one's settled state. Returns an exit code. */
static int
settle(struct kc_cmd_env *env, struct kc_client *c, const json_t *names, const char *target,
    const struct sel *s)
{
	int64_t deadline = kc_mono_ms() + (s->wait_ms > 0 ? s->wait_ms : 60000);
	size_t k, left = json_array_size(names);
	char *done = kc_xcalloc(left + 1, 1);
	struct kc_err err;
	json_t *n;
	int rc = KC_EXIT_OK;

	while (left > 0) {
		json_array_foreach(names, k, n) {
			const char *name = json_string_value(n);
			json_t *st;
			int ok;
			if (done[k])
				continue;
			kc_err_clear(&err);
			st = kc_client_status(c, name, &err);
			ok = strcmp(target, "deleted") == 0 ? st == NULL && err.code == 404 :
			    st != NULL && reached(st, target, 0);
			if (ok) {
				done[k] = 1;
				left--;
				if (env->io->fmt != KC_FMT_JSON && !env->io->quiet) {
					put_clean(env->io->out, "connector/", name, "");
					fprintf(env->io->out, " is %s\n", target);
				}
			} else if (kc_mono_ms() >= deadline) {
				char *cn = kc_text_sanitize(name, 0);
				const char *cs = st != NULL ? kc_json_str_or(json_object_get(st,
				    "connector"), "state", "?") : err.msg;
				kc_cmd_error(env, "%s did not become %s in time (it is %s%s)", cn,
				    target, cs, st != NULL && strcmp(cs, "FAILED") != 0 &&
				    kc_connector_health(st) == KC_HEALTH_FAILED ?
				    ", with a FAILED task" : "");
				free(cn);
				done[k] = 1;
				left--;
				rc = KC_EXIT_ERR;
			}
			json_decref(st);
		}
		if (left > 0)
			sleep_ms(250);
	}
	free(done);
	return rc;
}

/* Collect names and -e from argv (skipping an optional leading noun). */
static int
collect_names(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv,
    struct sel *s)
{
	const char *val;
	int i = 0, id, first = 1;

	memset(s, 0, sizeof *s);
	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, name_opts, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR)
			return -1;
		if (id == KC_OPT_ARG && first && is_noun(val)) {
			first = 0;
			continue;
		}
		first = 0;
		if (id == 2 || id == 3) {
			if (wait_opt(env, self, s, id, val) != 0)
				return -1;
			continue;
		}
		if (sel_add(env, s, val, id == 1) != 0)
			return -1;
	}
	return 0;
}

/* describe plugin CLASS: the plugin's config definitions (3.2). */
static int
describe_plugin(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	struct kc_cmd_tab *t;
	json_t *defs, *d;
	size_t i;

	if (argc != 3)
		return kc_cmd_usage(env, self, "describe plugin needs one plugin class or alias");
	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	defs = kc_client_plugin_config(c, argv[2], &err);
	if (defs == NULL)
		return kc_cmd_fail(env, argv[2], &err);
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, defs, 0);
	} else if (env->io->fmt == KC_FMT_NAMES) {
		json_array_foreach(defs, i, d)
			put_clean(env->io->out, "", kc_json_str_or(d, "name", ""), "\n");
	} else {
		int wide = env->io->fmt == KC_FMT_WIDE;
		t = wide ? kc_cmd_tab_new(6, "KEY", "TYPE", "REQUIRED", "DEFAULT", "IMPORTANCE",
		    "DOCUMENTATION") : kc_cmd_tab_new(5, "KEY", "TYPE", "REQUIRED", "DEFAULT",
		    "IMPORTANCE");
		json_array_foreach(defs, i, d) {
			json_t *dv = json_object_get(d, "default_value");
			kc_cmd_tab_cell(t, kc_json_str_or(d, "name", ""), NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(d, "type", ""), NULL);
			kc_cmd_tab_cell(t, json_is_true(json_object_get(d, "required")) ? "yes" : "",
			    NULL);
			kc_cmd_tab_cell(t, json_is_string(dv) ? json_string_value(dv) : "-", NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(d, "importance", ""), NULL);
			if (wide) {
				char *fl = first_line(kc_json_str(d, "documentation"));
				kc_cmd_tab_cell(t, fl, NULL);
				free(fl);
			}
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	json_decref(defs);
	return KC_EXIT_OK;
}

/* kcops describe connector NAME... | describe plugin CLASS */
static int
cmd_describe(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct sel s;
	json_t *names, *n, *arr;
	size_t i;
	int rc = KC_EXIT_OK;

	if (argc > 1 && (strcmp(argv[1], "plugin") == 0 || strcmp(argv[1], "plugins") == 0))
		return describe_plugin(env, self, argc, argv);
	if (collect_names(env, self, argc, argv, &s) != 0)
		return KC_EXIT_USAGE;
	if (s.wait)
		return kc_cmd_usage(env, self, "--wait applies to pause, resume, stop, delete and "
		    "restart");
	names = resolve_sel(env, self, &s);
	if (names == NULL)
		return SEL_RC(&s);
	c = kc_cmd_client(env);
	if (c == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	arr = json_array();
	json_array_foreach(names, i, n) {
		json_t *d = describe_one(env, c, json_string_value(n));
		if (d == NULL) {
			rc = KC_EXIT_ERR;
			continue;
		}
		if (env->io->fmt == KC_FMT_JSON) {
			json_array_append_new(arr, d);
		} else if (env->io->fmt == KC_FMT_NAMES) {
			put_clean(env->io->out, "", json_string_value(n), "\n");
			json_decref(d);
		} else {
			if (i > 0)
				fputc('\n', env->io->out);
			describe_text(env, d);
			json_decref(d);
		}
	}
	if (env->io->fmt == KC_FMT_JSON) {
		if (s.nnames == 1 && s.nre == 0)
			kc_cmd_print_json(env, json_array_size(arr) ? json_array_get(arr, 0) :
			    json_null(), 1);
		else
			kc_cmd_print_json(env, arr, 1);
	}
	json_decref(arr);
	json_decref(names);
	return rc;
}

/* ---- connector files: create, apply -f, validate -f ------------------------------------ */

/* Read one connector file: {"name", "config"} | flat config with "name" | .properties.
 * Returns {"name":..., "config":{...}} or NULL after an error. `-` reads stdin. */
static json_t *
load_connector_file(struct kc_cmd_env *env, const char *path, const char *name_override)
{
	struct kc_err err;
	json_t *doc, *cfg, *out;
	const char *name;
	char *text;
	size_t len;

	kc_err_clear(&err);
	if (strcmp(path, "-") == 0 && env->io->interactive) {
		kc_cmd_error(env, "-f -: standard input is not available inside the console");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		struct kc_buf_in { char *p; size_t n, cap; } b = { NULL, 0, 0 };
		size_t r;
		char chunk[8192];
		while ((r = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
			if (b.n + r + 1 > b.cap) {
				b.cap = (b.n + r + 1) * 2;
				b.p = kc_xrealloc(b.p, b.cap);
			}
			memcpy(b.p + b.n, chunk, r);
			b.n += r;
		}
		text = b.p != NULL ? b.p : kc_xstrdup("");
		text[b.n] = '\0';
		len = b.n;
	} else {
		text = kc_read_file(path, &len);
		if (text == NULL) {
			kc_cmd_error(env, "%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	if (kc_str_has_suffix(path, ".properties"))
		doc = kc_props_parse(text, len, path, &err);
	else
		doc = kc_json_parse(text, len, 1, &err);
	free(text);
	if (doc == NULL) {
		kc_cmd_error(env, "%s: %s", path, err.msg);
		return NULL;
	}
	if (!json_is_object(doc)) {
		kc_cmd_error(env, "%s: expected a JSON object", path);
		json_decref(doc);
		return NULL;
	}
	if (json_object_get(doc, "connectors") != NULL) {
		kc_cmd_error(env, "%s: this is a state file (it has \"connectors\"); use 'kcops "
		    "apply %s' without -f", path, path);
		json_decref(doc);
		return NULL;
	}
	cfg = json_object_get(doc, "config");
	if (cfg != NULL && !json_is_object(cfg)) {
		kc_cmd_error(env, "%s: /config: expected an object", path);
		json_decref(doc);
		return NULL;
	}
	if (cfg == NULL)
		cfg = doc;
	name = name_override != NULL ? name_override : kc_json_str(doc, "name");
	if (name == NULL)
		name = kc_json_str(cfg, "name");
	if (name == NULL || *name == '\0') {
		kc_cmd_error(env, "%s: no connector name: add \"name\" or pass --name", path);
		json_decref(doc);
		return NULL;
	}
	cfg = kc_json_string_map(cfg, &err);
	if (cfg == NULL) {
		kc_cmd_error(env, "%s: /config: %s", path, err.msg);
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(cfg, "name", json_string(name));
	out = json_pack("{sssO}", "name", name, "config", cfg);
	if (json_is_string(json_object_get(doc, "initial_state")))
		json_object_set(out, "initial_state", json_object_get(doc, "initial_state"));
	if (strchr(name, '/') != NULL && !env->io->quiet)
		put_clean(env->io->err, "kcops: warning: connector name '", name,
		    "' contains '/': some Connect versions cannot address it in REST paths\n");
	json_decref(cfg);
	json_decref(doc);
	return out;
}

static const struct kc_cmd_opt create_opts[] = {
	{ 1, 'f', "file", 1 },
	{ 2, 0, "initial-state", 1 },
	{ 3, 'n', "name", 1 },
	{ 4, 0, "dry-run", 0 },
	{ 0, 0, NULL, 0 },
};

/* Print "connector/NAME ACTION" or collect it for JSON. */
static void
report(struct kc_cmd_env *env, json_t *results, const char *name, const char *action,
    const char *note)
{
	if (results != NULL) {
		json_t *o = json_pack("{ssss}", "name", name, "result", action);
		if (note != NULL)
			json_object_set_new(o, "note", json_string(note));
		json_array_append_new(results, o);
		return;
	}
	if (env->io->fmt == KC_FMT_NAMES)
		put_clean(env->io->out, "", name, "\n");
	else
		put_clean(env->io->out, "connector/", name, "");
	if (env->io->fmt != KC_FMT_NAMES)
		fprintf(env->io->out, " %s\n", action);
	if (note != NULL && !env->io->quiet)
		fprintf(env->io->err, "kcops: note: %s\n", note);
}

/* Finish a multi-connector command: JSON results out, exit code. */
static int
report_end(struct kc_cmd_env *env, json_t *results, int rc)
{
	if (results != NULL) {
		kc_cmd_print_json(env, results, 0);
		json_decref(results);
	}
	return rc;
}

/* kcops create -f FILE. */
static int
cmd_create(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *files[ARGV_MAX], *val, *istate = NULL, *name = NULL, *note;
	size_t nfiles = 0, k;
	struct kc_client *c;
	struct kc_err err;
	json_t *results;
	int i = 0, id, rc = KC_EXIT_OK;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, create_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case 1:
			if (nfiles < ARGV_MAX)
				files[nfiles++] = val;
			break;
		case 2:
			istate = val;
			break;
		case 3:
			name = val;
			break;
		case KC_OPT_ARG:
			if (is_noun(val))
				break;
			return kc_cmd_usage(env, self, "unexpected argument '%s' (give the "
			    "connector with -f FILE)", val);
		default:
			return kc_cmd_usage(env, self, "unknown option");
		}
	}
	if (nfiles == 0)
		return kc_cmd_usage(env, self, "create needs -f FILE (or -f - for stdin)");
	if (name != NULL && nfiles > 1)
		return kc_cmd_usage(env, self, "--name works with one file only");
	if (istate != NULL && strcasecmp(istate, "running") != 0 &&
	    strcasecmp(istate, "paused") != 0 && strcasecmp(istate, "stopped") != 0)
		return kc_cmd_usage(env, self, "--initial-state '%s': expected running, paused or "
		    "stopped", istate);
	CLIENT_OR_FAIL(env, c);
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	for (k = 0; k < nfiles; k++) {
		json_t *doc = load_connector_file(env, files[k], name), *v;
		const char *st = istate;
		if (doc == NULL) {
			rc = KC_EXIT_ERR;
			continue;
		}
		if (st == NULL)
			st = kc_json_str(doc, "initial_state");
		kc_err_clear(&err);
		v = kc_client_create(c, kc_json_str(doc, "name"), json_object_get(doc, "config"),
		    st, &note, &err);
		if (v == NULL) {
			rc = kc_cmd_fail(env, kc_json_str(doc, "name"), &err);
			if (err.code == 409 && !env->io->quiet)
				fprintf(env->io->err, "kcops: hint: 'kcops apply -f %s' updates an "
				    "existing connector\n", files[k]);
		} else {
			report(env, results, kc_json_str(doc, "name"), "created", note);
			json_decref(v);
		}
		json_decref(doc);
	}
	return report_end(env, results, rc);
}

/* Config equal ignoring "name"? */
static int
config_equal(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v)
		if (strcmp(k, "name") != 0 && !json_equal(v, json_object_get(b, k)))
			return 0;
	json_object_foreach((json_t *)b, k, v)
		if (strcmp(k, "name") != 0 && json_object_get(a, k) == NULL)
			return 0;
	return 1;
}

/* Validate one config through Connect; prints problems; returns error count or -1. */
static int
validate_config(struct kc_cmd_env *env, struct kc_client *c, const char *file,
    const json_t *cfg, json_t *results)
{
	struct kc_err err;
	json_t *r, *e, *errs;
	size_t i, j;
	long n;

	kc_err_clear(&err);
	r = kc_client_validate(c, cfg, &err);
	if (r == NULL) {
		kc_cmd_fail(env, file, &err);
		return -1;
	}
	n = (long)kc_json_int_or(r, "error_count", 0);
	errs = json_object();
	json_array_foreach(json_object_get(r, "configs"), i, e) {
		json_t *val = json_object_get(e, "value"), *m;
		const char *key = kc_json_str_or(val, "name", "?");
		json_array_foreach(json_object_get(val, "errors"), j, m) {
			json_t *list = json_object_get(errs, key);
			if (list == NULL) {
				list = json_array();
				json_object_set_new(errs, key, list);
			}
			json_array_append(list, m);
			if (results == NULL) {
				char *kk = kc_text_sanitize(key, 0);
				char *mm = kc_text_sanitize(json_string_value(m), 0);
				fprintf(env->io->err, "%s: %s: %s\n", file, kk, mm);
				free(kk);
				free(mm);
			}
		}
	}
	if (results != NULL)
		json_array_append_new(results, json_pack("{sssisO}", "name",
		    kc_json_str_or(cfg, "name", ""), "error_count", (int)n, "errors", errs));
	json_decref(errs);
	json_decref(r);
	return (int)n;
}

/* Apply one connector file: create, update or nothing. Returns an exit code. */
static int
apply_one(struct kc_cmd_env *env, struct kc_client *c, const char *path, const char *name,
    int dry_run, json_t *results)
{
	struct kc_err err;
	json_t *doc, *cur, *v;
	const char *n;
	int created = 0, rc = KC_EXIT_OK;

	doc = load_connector_file(env, path, name);
	if (doc == NULL)
		return KC_EXIT_ERR;
	n = kc_json_str(doc, "name");
	kc_err_clear(&err);
	cur = kc_client_config(c, n, &err);
	if (cur == NULL && err.code != 404) {
		rc = kc_cmd_fail(env, n, &err);
	} else if (cur != NULL && config_equal(cur, json_object_get(doc, "config"))) {
		report(env, results, n, "unchanged", NULL);
	} else if (dry_run) {
		int errors = validate_config(env, c, path, json_object_get(doc, "config"), NULL);
		if (errors < 0)
			rc = KC_EXIT_ERR;
		else if (errors > 0)
			rc = KC_EXIT_ERR;
		else
			report(env, results, n, cur != NULL ? "would be configured (dry run)" :
			    "would be created (dry run)", NULL);
	} else {
		v = kc_client_put_config(c, n, json_object_get(doc, "config"), &created, &err);
		if (v == NULL) {
			rc = kc_cmd_fail(env, n, &err);
		} else {
			report(env, results, n, created ? "created" : "configured", NULL);
			json_decref(v);
		}
	}
	json_decref(cur);
	json_decref(doc);
	return rc;
}

/* Apply one connector file (for other modules). */
int
kc_cmd_apply_connector_file(struct kc_cmd_env *env, const char *path)
{
	struct kc_client *c = kc_cmd_client(env);

	if (c == NULL)
		return KC_EXIT_ERR;
	return apply_one(env, c, path, NULL, 0, NULL);
}

/* apply/validate entries take the line only with -f/--file. */
static int
accepts_file(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-f") == 0 || strncmp(argv[i], "--file", 6) == 0 ||
		    (strncmp(argv[i], "-f", 2) == 0 && argv[i][2] != '\0'))
			return 1;
	}
	return 0;
}

/* kcops apply -f FILE. */
static int
cmd_apply(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *files[ARGV_MAX], *val, *name = NULL;
	size_t nfiles = 0, k;
	struct kc_client *c;
	json_t *results;
	int i = 0, id, rc = KC_EXIT_OK, dry = 0;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, create_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case 1:
			if (nfiles < ARGV_MAX)
				files[nfiles++] = val;
			break;
		case 3:
			name = val;
			break;
		case 4:
			dry = 1;
			break;
		default:
			return kc_cmd_usage(env, self, "unexpected argument '%s'", val ? val :
			    argv[i]);
		}
	}
	if (nfiles == 0)
		return kc_cmd_usage(env, self, "apply needs -f FILE");
	if (name != NULL && nfiles > 1)
		return kc_cmd_usage(env, self, "--name works with one file only");
	CLIENT_OR_FAIL(env, c);
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	for (k = 0; k < nfiles; k++)
		if (apply_one(env, c, files[k], name, dry, results) != KC_EXIT_OK)
			rc = KC_EXIT_ERR;
	return report_end(env, results, rc);
}

/* kcops validate -f FILE. */
static int
cmd_validate(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *files[ARGV_MAX], *val, *name = NULL;
	size_t nfiles = 0, k;
	struct kc_client *c;
	json_t *results;
	int i = 0, id, rc = KC_EXIT_OK;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, create_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case 1:
			if (nfiles < ARGV_MAX)
				files[nfiles++] = val;
			break;
		case 3:
			name = val;
			break;
		default:
			return kc_cmd_usage(env, self, "unexpected argument '%s'", val ? val :
			    argv[i]);
		}
	}
	if (nfiles == 0)
		return kc_cmd_usage(env, self, "validate needs -f FILE");
	CLIENT_OR_FAIL(env, c);
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	for (k = 0; k < nfiles; k++) {
		json_t *doc = load_connector_file(env, files[k], name);
		int n;
		if (doc == NULL) {
			rc = KC_EXIT_ERR;
			continue;
		}
		n = validate_config(env, c, files[k], json_object_get(doc, "config"), results);
		if (n != 0)
			rc = KC_EXIT_ERR;
		if (n == 0 && results == NULL)
			put_clean(env->io->out, "", kc_json_str(doc, "name"), ": valid\n");
		else if (n > 0 && results == NULL)
			fprintf(env->io->out, "%s: %d error%s\n", files[k], n, n == 1 ? "" : "s");
		json_decref(doc);
	}
	return report_end(env, results, rc);
}

/* ---- patch ----------------------------------------------------------------------------- */

static const struct kc_cmd_opt patch_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 2, 's', "set", 1 },
	{ 3, 'r', "remove", 1 },
	{ 0, 0, NULL, 0 },
};

/* kcops patch NAME... --set/--remove. */
static int
cmd_patch(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct sel s;
	struct kc_client *c;
	struct kc_err err;
	json_t *set = json_object(), *names = NULL, *n, *results;
	const char *val;
	size_t k;
	int i = 0, id, rc = KC_EXIT_OK, first = 1;

	memset(&s, 0, sizeof s);
	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, patch_opts, &val)) != KC_OPT_END) {
		const char *eq;
		switch (id) {
		case KC_OPT_ERROR:
			rc = KC_EXIT_USAGE;
			goto out;
		case KC_OPT_ARG:
			if (first && is_noun(val)) {
				first = 0;
				break;
			}
			/* fallthrough */
		case 1:
			if (sel_add(env, &s, val, id == 1) != 0) {
				rc = KC_EXIT_USAGE;
				goto out;
			}
			break;
		case 2:
			eq = strchr(val, '=');
			if (eq == NULL || eq == val) {
				rc = kc_cmd_usage(env, self, "--set '%s': expected KEY=VALUE", val);
				goto out;
			}
			{
				char *key = kc_xstrndup(val, (size_t)(eq - val));
				json_object_set_new(set, key, json_string(eq + 1));
				free(key);
			}
			break;
		case 3:
			json_object_set_new(set, val, json_null());
			break;
		}
		first = 0;
	}
	if (json_object_size(set) == 0) {
		rc = kc_cmd_usage(env, self, "nothing to change: give --set KEY=VALUE or --remove "
		    "KEY");
		goto out;
	}
	if (json_object_get(set, "connector.class") != NULL && !env->io->quiet)
		fprintf(env->io->err, "kcops: warning: changing connector.class\n");
	names = resolve_sel(env, self, &s);
	if (names == NULL) {
		rc = SEL_RC(&s);
		goto out;
	}
	if ((c = kc_cmd_client(env)) == NULL) {
		rc = KC_EXIT_ERR;
		goto out;
	}
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	json_array_foreach(names, k, n) {
		json_t *v;
		kc_err_clear(&err);
		v = kc_client_patch_config(c, json_string_value(n), set, &err);
		if (v == NULL) {
			rc = kc_cmd_fail(env, json_string_value(n), &err);
			continue;
		}
		report(env, results, json_string_value(n), "patched", NULL);
		json_decref(v);
	}
	rc = report_end(env, results, rc);
out:
	json_decref(names);
	json_decref(set);
	return rc;
}

/* ---- lifecycle verbs ------------------------------------------------------------------- */

enum verb { V_PAUSE, V_RESUME, V_STOP, V_DELETE };

/* pause / resume / stop / delete over the selected connectors. */
static int
run_verb(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv,
    enum verb vb)
{
	static const char *const done[] = { "paused", "resumed", "stopped", "deleted" };
	static const char *const target[] = { "paused", "running", "stopped", "deleted" };
	struct kc_client *c;
	struct kc_err err;
	struct sel s;
	json_t *names, *n, *results, *ok;
	size_t k;
	int rc = KC_EXIT_OK, r;

	if (collect_names(env, self, argc, argv, &s) != 0)
		return KC_EXIT_USAGE;
	names = resolve_sel(env, self, &s);
	if (names == NULL)
		return SEL_RC(&s);
	if ((c = kc_cmd_client(env)) == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	ok = json_array();
	json_array_foreach(names, k, n) {
		const char *name = json_string_value(n);
		kc_err_clear(&err);
		switch (vb) {
		case V_PAUSE:
			r = kc_client_pause(c, name, &err);
			break;
		case V_RESUME:
			r = kc_client_resume(c, name, &err);
			break;
		case V_STOP:
			r = kc_client_stop(c, name, &err);
			break;
		default:
			r = kc_client_delete(c, name, &err);
			break;
		}
		if (r != 0) {
			rc = kc_cmd_fail(env, name, &err);
			if (err.code == KC_E_USAGE)
				break;	/* a version gate: the same for every connector */
			if (s.nre == 0)
				suggest_name(env, name, &err);
			if (results != NULL)
				json_array_append_new(results, json_pack("{ssssss}", "name", name,
				    "result", "error", "error", err.msg));
			continue;
		}
		report(env, results, name, done[vb], NULL);
		json_array_append(ok, n);
	}
	json_decref(names);
	rc = report_end(env, results, rc);
	if (s.wait && json_array_size(ok) > 0 && settle(env, c, ok, target[vb], &s) != KC_EXIT_OK)
		rc = KC_EXIT_ERR;
	json_decref(ok);
	return rc;
}

/* kcops pause. */
static int
cmd_pause(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	return run_verb(env, self, argc, argv, V_PAUSE);
}

/* kcops resume. */
static int
cmd_resume(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	return run_verb(env, self, argc, argv, V_RESUME);
}

/* kcops stop. */
static int
cmd_stop(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	return run_verb(env, self, argc, argv, V_STOP);
}

/* kcops delete. */
static int
cmd_delete(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	return run_verb(env, self, argc, argv, V_DELETE);
}

static const struct kc_cmd_opt restart_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 2, 't', "tasks", 1 },
	{ 3, 0, "wait", 0 },
	{ 4, 0, "wait-timeout", 1 },
	{ 0, 0, NULL, 0 },
};

/* "restart task NAME/ID..." */
static int
restart_tasks(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	json_t *results;
	int i, rc = KC_EXIT_OK;

	if (argc < 3)
		return kc_cmd_usage(env, self, "restart task needs NAME/ID");
	CLIENT_OR_FAIL(env, c);
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	for (i = 2; i < argc; i++) {
		const char *slash = strrchr(argv[i], '/');
		char *name, *end;
		long id;
		if (slash == NULL || slash == argv[i] || slash[1] == '\0') {
			rc = kc_cmd_usage(env, self, "'%s': expected NAME/ID, e.g. orders-sink/0",
			    argv[i]);
			continue;
		}
		id = strtol(slash + 1, &end, 10);
		if (*end != '\0' || id < 0 || id > 1000000) {
			rc = kc_cmd_usage(env, self, "'%s': the task id must be a number", argv[i]);
			continue;
		}
		name = kc_xstrndup(argv[i], (size_t)(slash - argv[i]));
		kc_err_clear(&err);
		int done = kc_client_restart_task(c, name, (int)id, &err);
		if (done < 0) {
			rc = kc_cmd_fail(env, argv[i], &err);
		} else if (results != NULL) {
			json_array_append_new(results, json_pack("{sssiss}", "name", name, "task",
			    (int)id, "result", done == 0 ? "restarted" : "requested"));
		} else if (done == 0) {
			put_clean(env->io->out, "task/", argv[i], " restarted\n");
		} else {
			put_clean(env->io->out, "task/", argv[i], " restart requested, not confirmed "
			    "yet: the worker running it has not answered (it restarts when that worker "
			    "reads the request, or starts where the task moves)\n");
		}
		free(name);
	}
	return report_end(env, results, rc);
}

/* kcops restart NAME... [--tasks all|failed] | restart task NAME/ID. */
static int
cmd_restart(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	struct sel s;
	json_t *names, *n, *results, *ok;
	enum kc_restart how = KC_RESTART_CONNECTOR;
	const char *val;
	size_t k;
	int i = 0, id, rc = KC_EXIT_OK, first = 1;

	if (argc > 1 && (strcmp(argv[1], "task") == 0 || strcmp(argv[1], "tasks") == 0))
		return restart_tasks(env, self, argc, argv);
	memset(&s, 0, sizeof s);
	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, restart_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (first && is_noun(val))
				break;
			/* fallthrough */
		case 1:
			if (sel_add(env, &s, val, id == 1) != 0)
				return KC_EXIT_USAGE;
			break;
		case 2:
			if (strcmp(val, "all") == 0)
				how = KC_RESTART_ALL;
			else if (strcmp(val, "failed") == 0)
				how = KC_RESTART_FAILED;
			else if (strcmp(val, "none") == 0)
				how = KC_RESTART_CONNECTOR;
			else
				return kc_cmd_usage(env, self, "--tasks '%s': expected all or "
				    "failed", val);
			break;
		case 3:
		case 4:
			if (wait_opt(env, self, &s, id == 3 ? 2 : 3, val) != 0)
				return KC_EXIT_USAGE;
			break;
		}
		first = 0;
	}
	names = resolve_sel(env, self, &s);
	if (names == NULL)
		return SEL_RC(&s);
	if ((c = kc_cmd_client(env)) == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	ok = json_array();
	json_array_foreach(names, k, n) {
		const char *name = json_string_value(n);
		int ntasks = 0;
		json_t *st;
		kc_err_clear(&err);
		st = kc_client_restart(c, name, how, &ntasks, &err);
		if (st == NULL) {
			rc = kc_cmd_fail(env, name, &err);
			continue;
		}
		if (results != NULL) {
			json_t *o = json_pack("{sssssi}", "name", name, "result", "restarted",
			    "tasks_restarted", ntasks);
			json_array_append_new(results, o);
		} else if (how == KC_RESTART_CONNECTOR) {
			report(env, NULL, name, "restarted", NULL);
		} else {
			char msg[96];
			snprintf(msg, sizeof msg, "restarted (%d task%s%s)", ntasks,
			    ntasks == 1 ? "" : "s", how == KC_RESTART_FAILED ? ", failed only" : "");
			report(env, NULL, name, msg, NULL);
		}
		json_decref(st);
		json_array_append(ok, n);
	}
	json_decref(names);
	rc = report_end(env, results, rc);
	if (s.wait && json_array_size(ok) > 0 && settle(env, c, ok, "running", &s) != KC_EXIT_OK)
		rc = KC_EXIT_ERR;
	json_decref(ok);
	return rc;
}

/* ---- offsets alter|reset --------------------------------------------------------------- */

static const struct kc_cmd_opt offsets_opts[] = {
	{ 1, 'f', "file", 1 },
	{ 2, 0, "topic", 1 },
	{ 3, 0, "partition", 1 },
	{ 4, 0, "offset", 1 },
	{ 5, 0, "source-partition", 1 },
	{ 6, 0, "source-offset", 1 },
	{ 0, 0, NULL, 0 },
};

/* kcops offsets alter|reset NAME. */
static int
cmd_offsets(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *sub = NULL, *name = NULL, *file = NULL, *topic = NULL, *part = NULL,
	    *off = NULL, *spart = NULL, *soff = NULL, *val;
	struct kc_client *c;
	struct kc_err err;
	json_t *body = NULL, *r;
	int i = 0, id, rc = KC_EXIT_OK;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, offsets_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (sub == NULL)
				sub = val;
			else if (name == NULL)
				name = val;
			else
				return kc_cmd_usage(env, self, "one connector at a time");
			break;
		case 1: file = val; break;
		case 2: topic = val; break;
		case 3: part = val; break;
		case 4: off = val; break;
		case 5: spart = val; break;
		case 6: soff = val; break;
		}
	}
	if (sub == NULL || name == NULL)
		return kc_cmd_usage(env, self, "offsets needs alter|reset and a connector name");
	if (strcmp(sub, "get") == 0) {
		struct sel s;
		memset(&s, 0, sizeof s);
		s.names[s.nnames++] = name;
		return get_offsets(env, self, &s);
	}
	if (strcmp(sub, "reset") == 0) {
		if (file || topic || part || off || spart || soff)
			return kc_cmd_usage(env, self, "offsets reset takes only the connector name");
	} else if (strcmp(sub, "alter") == 0) {
		kc_err_clear(&err);
		if (file != NULL) {
			size_t len;
			char *text = kc_read_file(file, &len);
			if (text == NULL)
				return kc_cmd_error(env, "%s: %s", file, strerror(errno));
			body = kc_json_parse(text, len, 1, &err);
			free(text);
			if (body == NULL || !json_is_array(json_object_get(body, "offsets"))) {
				json_decref(body);
				return kc_cmd_error(env, "%s: %s", file, body == NULL ? err.msg :
				    "expected {\"offsets\": [...]} (the shape of 'get offsets -o "
				    "json')");
			}
		} else if (topic != NULL) {
			char *end;
			long p = part != NULL ? strtol(part, &end, 10) : -1;
			long long o;
			if (part == NULL)
				return kc_cmd_usage(env, self, "--partition N is required with --topic");
			if (*end != '\0' || p < 0)
				return kc_cmd_usage(env, self, "--partition '%s': expected a number >= 0",
				    part);
			if (off == NULL)
				return kc_cmd_usage(env, self, "--offset N is required with --topic");
			o = strtoll(off, &end, 10);
			if (*end != '\0' || o < 0)
				return kc_cmd_usage(env, self, "--offset '%s': expected a number", off);
			body = json_pack("{s[{s{sssi}s{sI}}]}", "offsets", "partition",
			    "kafka_topic", topic, "kafka_partition", (int)p, "offset",
			    "kafka_offset", (json_int_t)o);
		} else if (spart != NULL && soff != NULL) {
			json_t *jp = kc_json_parse(spart, strlen(spart), 1, &err);
			json_t *jo = jp != NULL ? kc_json_parse(soff, strlen(soff), 1, &err) : NULL;
			if (jp == NULL || jo == NULL) {
				json_decref(jp);
				return kc_cmd_usage(env, self, "--source-partition/--source-offset: %s",
				    err.msg);
			}
			body = json_pack("{s[{soso}]}", "offsets", "partition", jp, "offset", jo);
		} else {
			return kc_cmd_usage(env, self, "offsets alter needs -f FILE, --topic T "
			    "--partition P --offset O (sink), or --source-partition JSON "
			    "--source-offset JSON (source)");
		}
	} else {
		return kc_cmd_usage(env, self, "offsets '%s': expected alter or reset", sub);
	}
	if ((c = kc_cmd_client(env)) == NULL) {
		json_decref(body);
		return KC_EXIT_ERR;
	}
	kc_err_clear(&err);
	r = body != NULL ? kc_client_offsets_alter(c, name, body, &err) :
	    kc_client_offsets_reset(c, name, &err);
	if (r == NULL) {
		rc = kc_cmd_fail(env, name, &err);
		if (err.code == 400 && strstr(err.msg, "STOPPED") != NULL && !env->io->quiet)
			put_clean(env->io->err, "kcops: hint: run 'kcops stop ", name,
			    "' first, and 'kcops resume' afterwards\n");
	} else if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, r, 0);
	} else {
		put_clean(env->io->out, "", kc_json_str_or(r, "message", "done"), "\n");
	}
	json_decref(r);
	json_decref(body);
	return rc;
}

/* ---- logger ---------------------------------------------------------------------------- */

static const struct kc_cmd_opt logger_opts[] = {
	{ 1, 's', "scope", 1 },
	{ 2, 'l', "level", 1 },
	{ 0, 0, NULL, 0 },
};

/* kcops logger set|get. */
static int
cmd_logger(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL }, *scope = NULL, *level = NULL, *val;
	struct kc_client *c;
	struct kc_err err;
	json_t *r, *n;
	size_t k, npos = 0;
	int i = 0, id;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, logger_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (npos >= 3)
				return kc_cmd_usage(env, self, "too many arguments");
			pos[npos++] = val;
			break;
		case 1: scope = val; break;
		case 2: level = val; break;
		}
	}
	if (npos >= 1 && strcmp(pos[0], "get") == 0) {
		struct sel s;
		memset(&s, 0, sizeof s);
		if (npos > 1)
			s.names[s.nnames++] = pos[1];
		return get_loggers(env, &s);
	}
	if (npos < 2 || strcmp(pos[0], "set") != 0)
		return kc_cmd_usage(env, self, "expected 'logger set NAME LEVEL'");
	if (level == NULL)
		level = pos[2];
	if (level == NULL)
		return kc_cmd_usage(env, self, "logger set needs a LEVEL (TRACE, DEBUG, INFO, WARN, "
		    "ERROR, FATAL, OFF)");
	if (kc_log_level_parse(level) < 0)
		return kc_cmd_usage(env, self, "level '%s': expected TRACE, DEBUG, INFO, WARN, "
		    "ERROR, FATAL or OFF", level);
	CLIENT_OR_FAIL(env, c);
	kc_err_clear(&err);
	r = kc_client_logger_set(c, pos[1], level, scope, &err);
	if (r == NULL)
		return kc_cmd_fail(env, pos[1], &err);
	if (env->io->fmt == KC_FMT_JSON) {
		kc_cmd_print_json(env, r, 0);
	} else if (json_array_size(r) == 0) {
		put_clean(env->io->out, "logger/", pos[1], "");
		fprintf(env->io->out, " set to %s (cluster-wide)\n", level);
	} else {
		json_array_foreach(r, k, n)
			put_clean(env->io->out, "logger/", json_string_value(n), " set\n");
	}
	json_decref(r);
	return KC_EXIT_OK;
}

/* kcops topics reset NAME...: forget the topics a connector has used (2.5). */
static int
cmd_topics(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	struct sel s;
	json_t *names, *n, *results;
	size_t k;
	int rc = KC_EXIT_OK;

	if (argc < 2 || (strcmp(argv[1], "reset") != 0 && strcmp(argv[1], "get") != 0))
		return kc_cmd_usage(env, self, "expected 'topics reset NAME...' or 'topics get "
		    "NAME...'");
	if (collect_names(env, self, argc - 1, argv + 1, &s) != 0)
		return KC_EXIT_USAGE;
	if (s.wait)
		return kc_cmd_usage(env, self, "--wait applies to pause, resume, stop, delete and "
		    "restart");
	if (strcmp(argv[1], "get") == 0)
		return get_topics(env, self, &s);
	names = resolve_sel(env, self, &s);
	if (names == NULL)
		return SEL_RC(&s);
	if ((c = kc_cmd_client(env)) == NULL) {
		json_decref(names);
		return KC_EXIT_ERR;
	}
	results = env->io->fmt == KC_FMT_JSON ? json_array() : NULL;
	json_array_foreach(names, k, n) {
		const char *name = json_string_value(n);
		kc_err_clear(&err);
		if (kc_client_topics_reset(c, name, &err) != 0) {
			rc = kc_cmd_fail(env, name, &err);
			if (err.code == KC_E_USAGE)
				break;
			continue;
		}
		report(env, results, name, "topics reset", NULL);
	}
	json_decref(names);
	return report_end(env, results, rc);
}

/* "logger get" and "offsets get" only read. */
static int
sub_mutates(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			return strcmp(argv[i], "get") != 0;
	return 1;
}

/* ---- wait ------------------------------------------------------------------------------ */

static const struct kc_cmd_opt wait_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 2, 0, "for", 1 },
	{ 3, 0, "interval", 1 },
	{ 4, 0, "min-tasks", 1 },
	{ 5, 0, "wait-timeout", 1 },
	{ 0, 0, NULL, 0 },
};

/* Does the status reach the target? target: a state word, "failed" or "deleted". */
static int
reached(const json_t *st, const char *target, long min_tasks)
{
	const char *cs = kc_json_str(json_object_get(st, "connector"), "state");
	json_t *t;
	size_t i, n = 0;

	if (strcasecmp(target, "failed") == 0)
		return kc_connector_health(st) == KC_HEALTH_FAILED;
	if (cs == NULL || strcasecmp(cs, target) != 0)
		return 0;
	json_array_foreach(json_object_get(st, "tasks"), i, t) {
		if (!kc_str_eq(kc_json_str(t, "state"), cs))
			return 0;
		n++;
	}
	return (long)n >= min_tasks;
}

/* Sleep ms. */
static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* kcops wait: until the worker answers or connectors reach a state. */
static int
cmd_wait(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_client *c;
	struct kc_err err;
	struct sel s;
	const char *target = "running", *val;
	long interval = 500, min_tasks = -1;
	int64_t timeout = env->timeout_ms > 0 ? env->timeout_ms : 60000, deadline;
	int i = 0, id, first = 1;
	size_t k;

	memset(&s, 0, sizeof s);
	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, wait_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (first && is_noun(val))
				break;
			/* fallthrough */
		case 1:
			if (sel_add(env, &s, val, id == 1) != 0)
				return KC_EXIT_USAGE;
			break;
		case 2:
			if (kc_health_parse(val) <= 0 && strcasecmp(val, "deleted") != 0)
				return kc_cmd_usage(env, self, "--for '%s': expected running, paused, "
				    "stopped, failed, unassigned or deleted", val);
			target = val;
			break;
		case 3:
			interval = (long)kc_parse_duration_ms(val, 1000);
			if (interval <= 0)
				return kc_cmd_usage(env, self, "--interval '%s': not a duration", val);
			break;
		case 4:
			min_tasks = strtol(val, NULL, 10);
			break;
		case 5:
			timeout = kc_parse_duration_ms(val, 1000);
			if (timeout <= 0)
				return kc_cmd_usage(env, self, "--wait-timeout '%s': not a duration",
				    val);
			break;
		}
		first = 0;
	}
	if (min_tasks < 0)
		min_tasks = strcasecmp(target, "running") == 0 ? 1 : 0;
	/* A hung worker must not hold one poll for the default 120 s: each request gets at
	 * most 5 s (or --timeout) so the overall deadline is kept. */
	if (env->client == NULL && env->timeout_ms == 0)
		env->timeout_ms = timeout < 5000 ? timeout : 5000;
	CLIENT_OR_FAIL(env, c);
	deadline = kc_mono_ms() + timeout;
	/* The worker first. */
	for (;;) {
		json_t *info;
		kc_err_clear(&err);
		info = kc_client_call(c, "GET", "/", NULL, NULL, &err) == 0 ? json_object() : NULL;
		if (info != NULL) {
			json_decref(info);
			break;
		}
		if (kc_mono_ms() >= deadline) {
			kc_cmd_fail(env, "waiting for the worker", &err);
			return KC_EXIT_ERR;
		}
		sleep_ms(interval);
	}
	if (s.nnames == 0 && s.nre == 0) {
		if (env->io->fmt == KC_FMT_JSON) {
			json_t *r = json_pack("{sbss}", "met", 1, "url", kc_client_url(c));
			kc_cmd_print_json(env, r, 0);
			json_decref(r);
		} else if (!env->io->quiet) {
			put_clean(env->io->out, "worker ", kc_client_url(c), " is answering\n");
		}
		return KC_EXIT_OK;
	}
	for (;;) {
		json_t *names = kc_cmd_select_names(env, s.names, s.nnames, s.re, s.nre), *n;
		int all = 1;
		char last[256] = "";
		if (names == NULL) {
			if (kc_mono_ms() >= deadline)
				return KC_EXIT_ERR;
			sleep_ms(interval);
			continue;
		}
		json_array_foreach(names, k, n) {
			const char *name = json_string_value(n);
			json_t *st;
			kc_err_clear(&err);
			st = kc_client_status(c, name, &err);
			if (strcasecmp(target, "deleted") == 0) {
				if (st != NULL || err.code != 404) {
					all = 0;
					snprintf(last, sizeof last, "%s still exists", name);
				}
			} else if (st == NULL || !reached(st, target, min_tasks)) {
				all = 0;
				snprintf(last, sizeof last, "%s is %s", name, st == NULL ?
				    (err.code == 404 ? "not there yet" : err.msg) :
				    kc_json_str_or(json_object_get(st, "connector"), "state", "?"));
			}
			json_decref(st);
			if (!all)
				break;
		}
		if (all) {
			if (env->io->fmt == KC_FMT_JSON) {
				json_t *r = json_pack("{sbsssO}", "met", 1, "for", target,
				    "connectors", names);
				kc_cmd_print_json(env, r, 0);
				json_decref(r);
			} else if (!env->io->quiet) {
				fprintf(env->io->out, "condition met: %s\n", target);
			}
			json_decref(names);
			return KC_EXIT_OK;
		}
		json_decref(names);
		if (kc_mono_ms() >= deadline) {
			char *l = kc_text_sanitize(last, 0);
			kc_cmd_error(env, "timed out after %lld ms waiting for %s: %s",
			    (long long)timeout, target, l);
			free(l);
			return KC_EXIT_ERR;
		}
		sleep_ms(interval);
	}
}

/* ---- table ----------------------------------------------------------------------------- */

#define GET_HELP \
"Lists from the cluster. 'get connectors' uses one expanded listing call on Kafka\n" \
"Connect 2.3+, and concurrent per-connector calls on older workers.\n" \
"  NAME...             only these connectors\n" \
"  -e, --regex REGEX   connectors whose name matches (POSIX extended regex; repeatable)\n" \
"  --state S[,S...]    running, paused, stopped, failed, unassigned, restarting;\n" \
"                      'failed' also matches a RUNNING connector with a failed task;\n" \
"                      with 'get tasks', the task's own state\n" \
"  -t, --types T,...   plugins: source, sink, converter, header_converter,\n" \
"                      transformation, predicate\n" \
"  -a, --all           plugins: every type (Connect 3.2+)\n" \
"'get workers' lists a kcops-worker cluster's workers: id, alive or silent (no\n" \
"heartbeat for 3 intervals), last heartbeat age, task instances, whether it runs the\n" \
"source connectors, URL.\n" \
"Output: -o table (default), wide (class, first trace line), json, names.\n" \
"Example: kcops get connectors --state paused -o names\n"

#define NAMES_HELP \
"Takes connector names and/or -e REGEX (repeatable); the noun 'connector' may come\n" \
"first. Each connector is handled in turn; the exit code is 1 if any failed.\n"

#define SETTLE_HELP \
"  --wait               then wait until each connector (and its tasks) has settled in\n" \
"                       the new state (deleted: gone); exit code 1 if one does not\n" \
"  --wait-timeout D     how long --wait waits (default 60s)\n"

const struct kc_cmd kc_cmd_connect_table[] = {
	{ "info", NULL, "info", "Show the worker's version, cluster id and features",
	    "Calls GET / (and GET /health on 3.9+). -o json adds the feature gates.\n", 0,
	    cmd_info, NULL, NULL },
	{ "get", "ls list", "get connectors|tasks|plugins|loggers|offsets|topics|workers [NAME...]",
	    "List connectors, tasks, plugins, loggers, offsets, topics or workers", GET_HELP, 0,
	    cmd_get, NULL, NULL },
	{ "describe", "desc show", "describe connector NAME... [-e REGEX] | describe plugin CLASS",
	    "Show one connector: config (secrets masked), tasks, traces, topics",
	    NAMES_HELP "-o json prints one object for one NAME, an array otherwise.\n"
	    "'describe plugin CLASS' lists the plugin's config keys (Connect 3.2+; -o wide adds\n"
	    "the documentation's first line).\n", 0, cmd_describe, NULL, NULL },
	{ "create", NULL, "create -f FILE [--initial-state running|paused|stopped]",
	    "Create a connector from a file (JSON {name, config}, a flat config, or .properties)",
	    "  -f, --file FILE        connector file; '-' reads stdin (repeatable)\n"
	    "  -n, --name NAME        name when the file has none\n"
	    "  --initial-state STATE  create paused or stopped (3.7+; older workers: created\n"
	    "                         and then paused or stopped at once, with a note)\n",
	    KC_CMD_MUTATES, cmd_create, NULL, NULL },
	{ "apply", NULL, "apply -f FILE [--dry-run]",
	    "Create or update one connector from a file given with -f",
	    "  -f, --file FILE   connector file (repeatable); '-' reads stdin\n"
	    "  -n, --name NAME   name when the file has none\n"
	    "  --dry-run         validate through Connect and say what would happen\n"
	    "Without -f, 'apply FILE' applies a state file (see kcops-state(5)).\n",
	    KC_CMD_MUTATES, cmd_apply, accepts_file, NULL },
	{ "validate", NULL, "validate -f FILE",
	    "Validate a connector file given with -f through Connect",
	    "Prints FILE: KEY: message for every problem; exit code 1 when any.\n"
	    "Without -f, 'validate FILE' checks a state file.\n", 0, cmd_validate,
	    accepts_file, NULL },
	{ "patch", NULL, "patch NAME... [-e REGEX] --set KEY=VALUE... --remove KEY...",
	    "Change some config keys (PATCH on 3.8+, else read, merge and PUT)", NAMES_HELP,
	    KC_CMD_MUTATES, cmd_patch, NULL, NULL },
	{ "pause", NULL, "pause NAME... [-e REGEX] [--wait]", "Pause connectors",
	    NAMES_HELP SETTLE_HELP,
	    KC_CMD_MUTATES, cmd_pause, NULL, NULL },
	{ "resume", NULL, "resume NAME... [-e REGEX] [--wait]",
	    "Resume paused or stopped connectors", NAMES_HELP SETTLE_HELP, KC_CMD_MUTATES, cmd_resume, NULL, NULL },
	{ "stop", NULL, "stop NAME... [-e REGEX] [--wait]",
	    "Stop connectors: tasks shut down, config kept (3.5+)", NAMES_HELP SETTLE_HELP,
	    KC_CMD_MUTATES,
	    cmd_stop, NULL, NULL },
	{ "restart", NULL, "restart NAME... [-e REGEX] [--tasks all|failed] | restart task NAME/ID",
	    "Restart connectors (and all or failed tasks), or single tasks",
	    NAMES_HELP "  -t, --tasks all|failed  also restart tasks (3.0+ in one call; older\n"
	    "                          workers: one restart call per task)\n" SETTLE_HELP,
	    KC_CMD_MUTATES,
	    cmd_restart, NULL, NULL },
	{ "delete", "rm", "delete NAME... [-e REGEX] [--wait]", "Delete connectors",
	    NAMES_HELP SETTLE_HELP,
	    KC_CMD_MUTATES, cmd_delete, NULL, NULL },
	{ "offsets", NULL, "offsets alter|reset NAME [...]",
	    "Alter or reset a stopped connector's offsets (3.6+)",
	    "  offsets alter NAME -f FILE              body shaped like 'get offsets -o json'\n"
	    "  offsets alter NAME --topic T --partition P --offset O      (sink connectors)\n"
	    "  offsets alter NAME --source-partition JSON --source-offset JSON   (source)\n"
	    "  offsets reset NAME                      forget every offset\n"
	    "The connector must be STOPPED first ('kcops stop NAME').\n", KC_CMD_MUTATES,
	    cmd_offsets, NULL, sub_mutates },
	{ "topics", NULL, "topics reset NAME... [-e REGEX] | topics get NAME...",
	    "Reset (or show) the topics connectors have used (2.5+)", NAMES_HELP,
	    KC_CMD_MUTATES, cmd_topics, NULL, sub_mutates },
	{ "logger", NULL, "logger set NAME LEVEL [--scope worker|cluster] | logger get [NAME]",
	    "Change a logger's level (and every logger below it)",
	    "  --scope cluster   apply on every worker (3.7+)\n", KC_CMD_MUTATES, cmd_logger,
	    NULL, sub_mutates },
	{ "wait", NULL, "wait [NAME...] [-e REGEX] [--for STATE] [--wait-timeout 60s]",
	    "Wait until the worker answers, or connectors (and tasks) reach a state",
	    "  --for STATE          running (default), paused, stopped, failed, unassigned,\n"
	    "                       deleted; 'running' needs every task RUNNING\n"
	    "  --min-tasks N        tasks that must exist (default 1 for running, else 0)\n"
	    "  --wait-timeout D     give up after D (default 60s or --timeout); exit code 1\n"
	    "  --interval D         poll interval (default 500ms)\n"
	    "Without names, waits until GET / answers.\n", 0, cmd_wait, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
