/* kc_watch_event.c - watch events as JSON, trace excerpts, --exec argv splitting, service
 * tokens and listen addresses: the small pure pieces of kcops watch. */
#include "kc_watch_parts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

/* ---- events -------------------------------------------------------------------------------- */

/* New event object. */
json_t *
kc_watch_event_new(const char *kind, const char *context, const char *connector,
    int64_t wall_us)
{
	char ts[40];
	json_t *ev = json_object();

	kc_iso8601_us(wall_us != 0 ? wall_us : kc_wall_us(), ts, sizeof(ts));
	json_object_set_new(ev, "time", json_string(ts));
	kc_watch_event_str(ev, "event", kind);
	kc_watch_event_str(ev, "context", context);
	if (connector != NULL)
		kc_watch_event_str(ev, "connector", connector);
	return ev;
}

/* Set a string member, made valid UTF-8. */
void
kc_watch_event_str(json_t *ev, const char *key, const char *value)
{
	json_t *s;
	char *clean;

	if (value == NULL) {
		json_object_set_new(ev, key, json_null());
		return;
	}
	if ((s = json_string(value)) == NULL) {
		/* not UTF-8: keep what can be shown */
		clean = kc_text_sanitize(value, KC_TEXT_KEEP_NL | KC_TEXT_KEEP_TAB);
		s = json_string(clean);
		free(clean);
	}
	json_object_set_new(ev, key, s != NULL ? s : json_string(""));
}

/* Append at most max bytes of [s, s+len) to b, cut on a UTF-8 boundary. */
static void
append_capped(struct kc_buf *b, const char *s, size_t len, size_t max)
{
	char *clean;
	size_t n;

	clean = kc_text_sanitize_n(s, len, KC_TEXT_KEEP_TAB);
	n = strlen(clean);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)clean[n] & 0xC0) == 0x80)
			n--;
		kc_buf_append(b, clean, n);
		kc_buf_puts(b, "...");
	} else
		kc_buf_append(b, clean, n);
	free(clean);
}

/* First line and last "Caused by:" line of a trace. */
char *
kc_watch_trace_excerpt(const char *trace, size_t line_max)
{
	const char *p, *eol, *cause = NULL, *cause_end = NULL;
	struct kc_buf b;

	if (trace == NULL)
		return NULL;
	while (*trace == '\n' || *trace == '\r' || *trace == ' ' || *trace == '\t')
		trace++;
	if (*trace == '\0')
		return NULL;
	if (line_max < 16)
		line_max = 16;
	kc_buf_init(&b);
	eol = strchr(trace, '\n');
	if (eol == NULL)
		eol = trace + strlen(trace);
	append_capped(&b, trace, (size_t)(eol - trace) - (eol > trace && eol[-1] == '\r'),
	    line_max);
	for (p = eol; *p != '\0'; p = eol) {
		const char *line = p + 1;

		if (*p == '\n')
			p++;
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "Caused by:", 10) == 0) {
			cause = line;
			cause_end = eol;
		}
		if (*eol == '\0')
			break;
	}
	if (cause != NULL) {
		kc_buf_putc(&b, '\n');
		append_capped(&b, cause, (size_t)(cause_end - cause) -
		    (cause_end > cause && cause_end[-1] == '\r'), line_max);
	}
	return kc_buf_steal(&b);
}

/* Compact NDJSON line. */
char *
kc_watch_event_line(const json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	char *line;

	if (s == NULL)
		return kc_xstrdup("{}\n");
	line = kc_xasprintf("%s\n", s);
	free(s);
	return line;
}

/* Dedup key. */
char *
kc_watch_event_key(const json_t *ev)
{
	const json_t *task = json_object_get(ev, "task");
	char tbuf[32] = "-";

	if (json_is_integer(task))
		snprintf(tbuf, sizeof(tbuf), "%lld", (long long)json_integer_value(task));
	return kc_xasprintf("%s|%s|%s|%s|%s", kc_json_str_or(ev, "event", ""),
	    kc_json_str_or(ev, "context", ""), kc_json_str_or(ev, "connector", ""), tbuf,
	    kc_json_str_or(ev, "state", ""));
}

/* Read new complete lines of an event log. */
json_t *
kc_watch_log_read(const char *path, int64_t *offset, size_t max, struct kc_err *err)
{
	struct stat st;
	json_t *out;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && st.st_size < *offset)
		*offset = 0;
	if (fseeko(f, (off_t)*offset, SEEK_SET) != 0) {
		kc_err_set(err, KC_E_IO, "%s: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	out = json_array();
	while ((max == 0 || json_array_size(out) < max) && (n = getline(&line, &cap, f)) > 0) {
		struct kc_err perr;
		json_t *ev;

		if (line[n - 1] != '\n')
			break;	/* being written: next time */
		*offset += n;
		ev = kc_json_parse(line, (size_t)n, 0, &perr);
		if (json_is_object(ev))
			json_array_append_new(out, ev);
		else
			json_decref(ev);
	}
	free(line);
	fclose(f);
	return out;
}

/* ---- --exec command lines ------------------------------------------------------------------ */

/* Free an argv from kc_watch_split_command. */
void
kc_watch_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* Split without a shell. */
char **
kc_watch_split_command(const char *cmd, struct kc_err *err)
{
	char **argv = NULL;
	size_t n = 0;
	struct kc_buf w;
	const char *p = cmd;
	int in_word;

	if (cmd == NULL) {
		kc_err_set(err, KC_E_USAGE, "empty command");
		return NULL;
	}
	kc_buf_init(&w);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		in_word = 0;
		kc_buf_reset(&w);
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
			in_word = 1;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');

				if (q == NULL) {
					kc_err_set(err, KC_E_USAGE, "unterminated ' quote at "
					    "offset %zu of the command", (size_t)(p - cmd));
					goto fail;
				}
				kc_buf_append(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				const char *start = p;

				p++;
				while (*p != '"') {
					if (*p == '\0') {
						kc_err_set(err, KC_E_USAGE, "unterminated \" quote at "
						    "offset %zu of the command", (size_t)(start - cmd));
						goto fail;
					}
					if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1])) {
						kc_buf_putc(&w, p[1]);
						p += 2;
					} else
						kc_buf_putc(&w, *p++);
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					kc_err_set(err, KC_E_USAGE, "the command ends with a backslash");
					goto fail;
				}
				kc_buf_putc(&w, p[1]);
				p += 2;
			} else
				kc_buf_putc(&w, *p++);
		}
		if (in_word) {
			argv = kc_xrealloc(argv, (n + 2) * sizeof(*argv));
			argv[n++] = kc_xstrdup(kc_buf_str(&w));
			argv[n] = NULL;
		}
	}
	kc_buf_free(&w);
	if (n == 0) {
		kc_err_set(err, KC_E_USAGE, "empty command");
		return NULL;
	}
	return argv;
fail:
	kc_buf_free(&w);
	if (argv != NULL)
		kc_watch_argv_free(argv);
	return NULL;
}

/* ---- tokens -------------------------------------------------------------------------------- */

struct kc_watch_tokens {
	char	**tok;
	size_t	  n;
};

/* Parse a token file. */
struct kc_watch_tokens *
kc_watch_tokens_parse(const char *text, size_t len, const char *name, struct kc_err *err)
{
	struct kc_watch_tokens *t = kc_xcalloc(1, sizeof(*t));
	const char *p = text, *end = text + len, *eol;

	while (p < end) {
		char *line;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line = kc_xstrndup(p, (size_t)(eol - p));
		kc_str_trim(line);
		if (line[0] == '\0' || line[0] == '#') {
			free(line);
		} else {
			t->tok = kc_xrealloc(t->tok, (t->n + 1) * sizeof(*t->tok));
			t->tok[t->n++] = line;
		}
		p = eol + 1;
	}
	if (t->n == 0) {
		kc_err_set(err, KC_E_PARSE, "%s: no token in the file (one token a line)",
		    name != NULL ? name : "token file");
		kc_watch_tokens_free(t);
		return NULL;
	}
	return t;
}

/* Read a token file, refusing one that others can read. */
struct kc_watch_tokens *
kc_watch_tokens_load(const char *path, struct kc_err *err)
{
	struct kc_watch_tokens *t;
	struct stat st;
	size_t len;
	char *text;

	if (stat(path, &st) != 0) {
		kc_err_set(err, KC_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
		kc_err_set(err, KC_E_USAGE, "%s: others can read or write this token file "
		    "(mode %03o); chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	if ((text = kc_read_file(path, &len)) == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = kc_watch_tokens_parse(text, len, path, err);
	free(text);
	return t;
}

/* Free tokens. */
void
kc_watch_tokens_free(struct kc_watch_tokens *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		explicit_bzero(t->tok[i], strlen(t->tok[i]));
		free(t->tok[i]);
	}
	free(t->tok);
	free(t);
}

/* Number of tokens. */
size_t
kc_watch_tokens_count(const struct kc_watch_tokens *t)
{
	return t != NULL ? t->n : 0;
}

/* Token i. */
const char *
kc_watch_tokens_get(const struct kc_watch_tokens *t, size_t i)
{
	return t != NULL && i < t->n ? t->tok[i] : NULL;
}

/* Compare in time independent of where the strings differ. */
static int
const_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char d = (unsigned char)(alen != blen);
	size_t i;

	for (i = 0; i < alen; i++)
		d |= (unsigned char)(a[i] ^ b[i < blen ? i : 0]);
	return d == 0 && blen > 0;
}

/* Check an Authorization header. */
enum kc_auth_verdict
kc_watch_tokens_check(const struct kc_watch_tokens *t, const char *header)
{
	const char *v;
	size_t i, vlen;
	int ok = 0;

	if (header == NULL)
		return KC_AUTH_MISSING;
	v = header;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return KC_AUTH_MISSING;
	if (strncasecmp(v, "Bearer ", 7) == 0)
		v += 7;
	else if (strncasecmp(v, "Token ", 6) == 0)
		v += 6;
	while (*v == ' ' || *v == '\t')
		v++;
	vlen = strlen(v);
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (t == NULL)
		return KC_AUTH_BAD;
	/* compare against every token, so timing does not tell which one matched */
	for (i = 0; i < t->n; i++)
		ok |= const_eq(t->tok[i], strlen(t->tok[i]), v, vlen);
	return ok ? KC_AUTH_OK : KC_AUTH_BAD;
}

/* ---- listen addresses ---------------------------------------------------------------------- */

/* Parse HOST:PORT. */
int
kc_watch_parse_listen(const char *addr, char **host, int *port, struct kc_err *err)
{
	const char *colon, *ps;
	char *end;
	long v;

	*host = NULL;
	if (addr == NULL || *addr == '\0') {
		kc_err_set(err, KC_E_USAGE, "empty listen address");
		return -1;
	}
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (rb == NULL || rb[1] != ':') {
			kc_err_set(err, KC_E_USAGE, "listen address \"%s\": expected [IPV6]:PORT",
			    addr);
			return -1;
		}
		*host = kc_xstrndup(addr + 1, (size_t)(rb - addr - 1));
		ps = rb + 2;
	} else if ((colon = strrchr(addr, ':')) != NULL) {
		if (strchr(addr, ':') != colon) {
			kc_err_set(err, KC_E_USAGE, "listen address \"%s\": write IPv6 hosts in "
			    "brackets, e.g. [::1]:8080", addr);
			return -1;
		}
		*host = colon == addr ? kc_xstrdup("127.0.0.1") :
		    kc_xstrndup(addr, (size_t)(colon - addr));
		ps = colon + 1;
	} else {
		*host = kc_xstrdup("127.0.0.1");
		ps = addr;
	}
	errno = 0;
	v = strtol(ps, &end, 10);
	if (*ps == '\0' || !isdigit((unsigned char)*ps) || *end != '\0' || errno != 0 ||
	    v < 0 || v > 65535) {
		kc_err_set(err, KC_E_USAGE, "listen address \"%s\": bad port \"%s\" "
		    "(0-65535)", addr, ps);
		free(*host);
		*host = NULL;
		return -1;
	}
	if (**host == '\0') {
		kc_err_set(err, KC_E_USAGE, "listen address \"%s\": empty host", addr);
		free(*host);
		*host = NULL;
		return -1;
	}
	*port = (int)v;
	return 0;
}
