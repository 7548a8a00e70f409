/* kc_cmd_util.c - helpers for command handlers: errors, option parsing, tables, JSON
 * output, secret masking, colours and connector selection. */
#include "kc_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

/* "kcops: error: ..." */
int
kc_cmd_error(struct kc_cmd_env *env, const char *fmt, ...)
{
	va_list ap;

	fprintf(env->io->err, "%s: error: ", env->prog);
	va_start(ap, fmt);
	vfprintf(env->io->err, fmt, ap);
	va_end(ap);
	fputc('\n', env->io->err);
	return KC_EXIT_ERR;
}

/* Usage error with the command's usage line. */
int
kc_cmd_usage(struct kc_cmd_env *env, const struct kc_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(env->io->err, "%s: error: ", env->prog);
	va_start(ap, fmt);
	vfprintf(env->io->err, fmt, ap);
	va_end(ap);
	fputc('\n', env->io->err);
	if (cmd != NULL)
		fprintf(env->io->err, "usage: %s %s\n", env->prog, cmd->usage);
	return KC_EXIT_USAGE;
}

/* Report a failed client call. */
int
kc_cmd_fail(struct kc_cmd_env *env, const char *what, const struct kc_err *err)
{
	char *w = kc_text_sanitize(what, 0);
	char *m = kc_text_sanitize(err->msg, KC_TEXT_KEEP_NL);

	if (err->code >= 100 && err->code <= 599)
		fprintf(env->io->err, "%s: error: %s: %s (HTTP %d)%s\n", env->prog, w, m, err->code,
		    kc_client_is_timeout(err) ? "; the worker may still complete it: check "
		    "again before retrying" : "");
	else
		fprintf(env->io->err, "%s: error: %s: %s\n", env->prog, w, m);
	free(w);
	free(m);
	return KC_EXIT_ERR;
}

/* Option parser for handlers. */
int
kc_cmd_getopt(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv,
    int *i, const struct kc_cmd_opt *defs, const char **val)
{
	const char *a;
	const struct kc_cmd_opt *d;

	*val = NULL;
	(*i)++;
	if (*i >= argc)
		return KC_OPT_END;
	a = argv[*i];
	if (env->opt_done || a[0] != '-' || a[1] == '\0') {
		*val = a;
		return KC_OPT_ARG;
	}
	if (strcmp(a, "--") == 0) {
		env->opt_done = 1;
		return kc_cmd_getopt(env, cmd, argc, argv, i, defs, val);
	}
	for (d = defs; d != NULL && d->id != 0; d++) {
		size_t l;
		if (a[1] == '-' && d->lng != NULL) {
			l = strlen(d->lng);
			if (strncmp(a + 2, d->lng, l) != 0 || (a[2 + l] != '\0' && a[2 + l] != '='))
				continue;
			if (!d->has_arg) {
				if (a[2 + l] == '=')
					goto bad_value;
				return d->id;
			}
			if (a[2 + l] == '=') {
				*val = a + 3 + l;
				return d->id;
			}
		} else if (a[1] != '-' && d->shrt != 0 && a[1] == d->shrt) {
			if (!d->has_arg) {
				if (a[2] != '\0')
					continue;
				return d->id;
			}
			if (a[2] != '\0') {
				*val = a + 2;
				return d->id;
			}
		} else {
			continue;
		}
		if (*i + 1 >= argc) {
			kc_cmd_usage(env, cmd, "%s needs a value", a);
			return KC_OPT_ERROR;
		}
		(*i)++;
		*val = argv[*i];
		return d->id;
	}
	/* A negative number is an argument (tail --from -5 is taken above). */
	if (isdigit((unsigned char)a[1])) {
		*val = a;
		return KC_OPT_ARG;
	}
	kc_cmd_usage(env, cmd, "unknown option '%s'", a);
	return KC_OPT_ERROR;
bad_value:
	kc_cmd_usage(env, cmd, "option '%s' takes no value", a);
	return KC_OPT_ERROR;
}

/* ---- JSON output and secrets ---------------------------------------------------------- */

/* Secret-looking key names. */
int
kc_cmd_is_secret_key(const char *key)
{
	static const char *const words[] = { "password", "passwd", "secret", "token",
	    "credential", "jaas.config", "api.key", "apikey", "api_key", "private.key",
	    "access.key", "auth.key", "keystore.key", "sasl.jaas", "bearer" };
	char buf[256], *low;
	size_t i, n;
	int r = 0;

	if (key == NULL)
		return 0;
	/* the whole key, however long (a word past any fixed length still counts) */
	n = strlen(key);
	low = n < sizeof buf ? buf : kc_xmalloc(n + 1);
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[n] = '\0';
	for (i = 0; i < KC_NITEMS(words) && !r; i++)
		if (strstr(low, words[i]) != NULL)
			r = 1;
	/* "...key" alone (ssl.key, aws.key) but not key.converter & co. */
	if (!r && kc_str_has_suffix(low, ".key") && !kc_str_has_suffix(low, "message.key") &&
	    !kc_str_has_suffix(low, "record.key") && !kc_str_has_suffix(low, "join.key"))
		r = 1;
	if (low != buf)
		free(low);
	return r;
}

/* Masked copy of a config map. */
json_t *
kc_cmd_mask_config(const json_t *config)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)config, k, v) {
		const char *s = json_string_value(v);
		if (kc_cmd_is_secret_key(k) && s != NULL && *s != '\0' &&
		    !(s[0] == '$' && s[1] == '{'))
			json_object_set_new(out, k, json_string("********"));
		else
			json_object_set(out, k, v);
	}
	return out;
}

/* Recursively mask every "config" object in v (new reference). */
static json_t *
mask_deep(const json_t *v)
{
	json_t *out, *x;
	const char *k;
	size_t i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			if (strcmp(k, "config") == 0 && json_is_object(x))
				json_object_set_new(out, k, kc_cmd_mask_config(x));
			else
				json_object_set_new(out, k, mask_deep(x));
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, mask_deep(x));
		return out;
	}
	return json_incref((json_t *)v);
}

/* Pretty JSON + newline. */
void
kc_cmd_print_json(struct kc_cmd_env *env, const json_t *v, int mask_configs)
{
	json_t *m = NULL;

	if (mask_configs && !env->io->show_secrets)
		v = m = mask_deep(v);
	json_dumpf(v, env->io->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	fputc('\n', env->io->out);
	json_decref(m);
}

/* ---- output ---------------------------------------------------------------------------- */

/* Write a block of output (see kc_cmd.h). */
int
kc_cmd_write(FILE *out, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;
	int fd;

	if (fflush(out) != 0 || (fd = fileno(out)) < 0) {
		if (n > 0 && fwrite(p, 1, n, out) != n)
			return errno != 0 ? errno : EIO;
		return 0;
	}
	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- colours --------------------------------------------------------------------------- */

/* ANSI colour of a state word when colour is on. */
const char *
kc_cmd_state_color(const struct kc_cmd_io *io, const char *state)
{
	if (!io->color || state == NULL)
		return "";
	if (strcasecmp(state, "RUNNING") == 0)
		return "\033[32m";
	if (strcasecmp(state, "FAILED") == 0)
		return "\033[31;1m";
	if (strcasecmp(state, "PAUSED") == 0 || strcasecmp(state, "STOPPED") == 0 ||
	    strcasecmp(state, "UNASSIGNED") == 0 || strcasecmp(state, "RESTARTING") == 0 ||
	    strcasecmp(state, "UNKNOWN") == 0)
		return "\033[33m";
	return "";
}

/* ANSI reset when colour is on. */
const char *
kc_cmd_color_reset(const struct kc_cmd_io *io)
{
	return io->color ? "\033[0m" : "";
}

/* ---- tables ---------------------------------------------------------------------------- */

/* One cell: 16 bytes, as a listing has tens of thousands of them. */
struct tab_cell {
	uintptr_t	 ref;		/* offset into text, or the borrowed text itself */
	uint32_t	 width;		/* display width (the length of a borrowed cell) */
	uint16_t	 color;		/* index into palette, 0: none */
	uint16_t	 borrowed;	/* CELL_* */
};

enum {
	CELL_STORED = 0,	/* ref is an offset into text (NUL-terminated there) */
	CELL_BORROWED = 1,	/* ref is a pointer to printable ASCII (kc_cmd_tab_cell_ref) */
	CELL_STORED_ASCII = 2,	/* stored, and printable ASCII: its length is its width */
};

struct kc_cmd_tab {
	size_t		 ncols;
	size_t		 nrows;		/* including the header */
	size_t		 cap;
	struct tab_cell	*cells;		/* nrows * ncols */
	const char	**palette;	/* the distinct colours given (borrowed), from 1 */
	size_t		 npalette;
	size_t		 fill;		/* cells filled in the current row */
	struct kc_buf	 text;		/* every cell, sanitised, NUL-separated */
};

/* A table with its header cells. */
struct kc_cmd_tab *
kc_cmd_tab_new(size_t ncols, ...)
{
	struct kc_cmd_tab *t = kc_xcalloc(1, sizeof *t);
	va_list ap;
	size_t i;

	t->ncols = ncols;
	kc_buf_init(&t->text);
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		kc_cmd_tab_cell(t, va_arg(ap, const char *), NULL);
	va_end(ap);
	return t;
}

/* Index of a colour in the table's palette (added when new); 0 for none. */
static uint16_t
palette_index(struct kc_cmd_tab *t, const char *color)
{
	size_t i;

	if (color == NULL || *color == '\0')
		return 0;
	for (i = 0; i < t->npalette; i++)
		if (t->palette[i] == color || strcmp(t->palette[i], color) == 0)
			return (uint16_t)(i + 1);
	if (t->npalette == UINT16_MAX)
		return 0;	/* that many distinct colours: the rest print plain */
	t->palette = kc_xrealloc(t->palette, (t->npalette + 1) * sizeof *t->palette);
	t->palette[t->npalette++] = color;
	return (uint16_t)t->npalette;
}

/* Add one cell; borrow: text may be referred to instead of copied (see kc_cmd_tab_cell_ref). */
static void
tab_cell(struct kc_cmd_tab *t, const char *text, const char *color, int borrow)
{
	const unsigned char *p;
	size_t idx;

	if (t->fill == 0) {
		if (t->nrows == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->cells = kc_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
		}
		t->nrows++;
	}
	idx = (t->nrows - 1) * t->ncols + t->fill;
	if (text == NULL)
		text = "";
	t->cells[idx].ref = t->text.len;
	t->cells[idx].borrowed = CELL_STORED;
	/* Printable ASCII (the usual case) is clean and one column per byte. */
	for (p = (const unsigned char *)text; *p >= 0x20 && *p < 0x7f; p++)
		;
	if (*p == '\0' && borrow && (size_t)(p - (const unsigned char *)text) < UINT32_MAX) {
		t->cells[idx].ref = (uintptr_t)text;
		t->cells[idx].borrowed = CELL_BORROWED;
		t->cells[idx].width = (uint32_t)(p - (const unsigned char *)text);
	} else if (*p == '\0') {
		size_t n = (size_t)(p - (const unsigned char *)text);
		kc_buf_append(&t->text, text, n + 1);
		t->cells[idx].width = (uint32_t)n;
		if (n < UINT32_MAX)
			t->cells[idx].borrowed = CELL_STORED_ASCII;
	} else {
		char *c = kc_text_sanitize(text, 0);
		kc_buf_append(&t->text, c, strlen(c) + 1);
		t->cells[idx].width = (uint32_t)kc_text_width(c);
		free(c);
	}
	t->cells[idx].color = palette_index(t, color);
	if (++t->fill == t->ncols)
		t->fill = 0;
}

/* Add one cell (sanitised) to the current row. */
void
kc_cmd_tab_cell(struct kc_cmd_tab *t, const char *text, const char *color)
{
	tab_cell(t, text, color, 0);
}

/* The same for text that outlives the table: printable ASCII is not copied. */
void
kc_cmd_tab_cell_ref(struct kc_cmd_tab *t, const char *text, const char *color)
{
	tab_cell(t, text, color, 1);
}

/* The same for printable ASCII of known length. */
void
kc_cmd_tab_cell_plain(struct kc_cmd_tab *t, const char *text, size_t len, const char *color)
{
	size_t idx;

	if (len >= UINT32_MAX) {
		tab_cell(t, text, color, 1);
		return;
	}
	if (t->fill == 0) {
		if (t->nrows == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->cells = kc_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
		}
		t->nrows++;
	}
	idx = (t->nrows - 1) * t->ncols + t->fill;
	t->cells[idx].ref = (uintptr_t)text;
	t->cells[idx].borrowed = CELL_BORROWED;
	t->cells[idx].width = (uint32_t)len;
	t->cells[idx].color = palette_index(t, color);
	if (++t->fill == t->ncols)
		t->fill = 0;
}

/* Add one formatted cell. */
void
kc_cmd_tab_cellf(struct kc_cmd_tab *t, const char *color, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		kc_fatal("out of memory");
	va_end(ap);
	kc_cmd_tab_cell(t, s, color);
	free(s);
}

/* Data rows so far. */
size_t
kc_cmd_tab_rows(const struct kc_cmd_tab *t)
{
	return t->nrows > 0 ? t->nrows - 1 : 0;
}

/* Byte length of cell idx (stored cells are NUL-terminated in text). */
static inline size_t
cell_len(const struct kc_cmd_tab *t, size_t idx)
{
	if (t->cells[idx].borrowed != CELL_STORED)
		return t->cells[idx].width;
	return strlen(t->text.data + t->cells[idx].ref);
}

/* Text of cell idx. */
static inline const char *
cell_text(const struct kc_cmd_tab *t, size_t idx)
{
	if (t->cells[idx].borrowed == CELL_BORROWED)
		return (const char *)t->cells[idx].ref;
	return t->text.data + t->cells[idx].ref;
}

/* Print aligned, with colours when on; no trailing blanks. Rows are assembled in one
 * buffer, reserved once per row, and written in blocks of 64 KiB or more. */
int
kc_cmd_tab_print(struct kc_cmd_tab *t, struct kc_cmd_io *io)
{
	static const char reset[] = "\033[0m";
	static const char blanks[32] = "                                ";
	size_t *w = kc_xcalloc(t->ncols, sizeof *w), r, c, pad;
	struct kc_buf line;
	char *o;
	int err = 0;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if (t->cells[r * t->ncols + c].width > w[c])
				w[c] = t->cells[r * t->ncols + c].width;
	kc_buf_init(&line);
	for (r = 0; r < t->nrows; r++) {
		size_t last = t->ncols;	/* cells from here on are empty: no padding */
		size_t need = 1;
		while (last > 0 && t->cells[r * t->ncols + last - 1].width == 0)
			last--;
		for (c = 0; c < t->ncols; c++) {
			size_t idx = r * t->ncols + c;
			need += cell_len(t, idx) + w[c] + 2;
			if (io->color && t->cells[idx].color != 0)
				need += strlen(t->palette[t->cells[idx].color - 1]) + sizeof reset - 1;
		}
		kc_buf_reserve(&line, need + sizeof blanks);	/* padding: 32 at once */
		o = line.data + line.len;
		for (c = 0; c < t->ncols; c++) {
			size_t idx = r * t->ncols + c, n = cell_len(t, idx);
			const char *col = t->cells[idx].color != 0 ?
			    t->palette[t->cells[idx].color - 1] : NULL;
			int colored = io->color && col != NULL;
			if (colored) {
				size_t cl = strlen(col);
				memcpy(o, col, cl);
				o += cl;
			}
			kc_cmd_copy_exact(o, cell_text(t, idx), n);
			o += n;
			if (colored) {
				memcpy(o, reset, sizeof reset - 1);
				o += sizeof reset - 1;
			}
			if (c + 1 < last) {
				pad = w[c] + 2 - t->cells[idx].width;
				if (pad <= sizeof blanks)
					memcpy(o, blanks, sizeof blanks);
				else
					memset(o, ' ', pad);
				o += pad;
			}
		}
		*o++ = '\n';
		line.len = (size_t)(o - line.data);
		if (line.len >= 65536) {
			if (err == 0)
				err = kc_cmd_write(io->out, line.data, line.len);
			line.len = 0;
		}
	}
	if (line.len > 0 && err == 0)
		err = kc_cmd_write(io->out, line.data, line.len);
	kc_buf_free(&line);
	free(w);
	return err;
}

/* Free a table. */
void
kc_cmd_tab_free(struct kc_cmd_tab *t)
{
	if (t == NULL)
		return;
	free(t->cells);
	free(t->palette);
	kc_buf_free(&t->text);
	free(t);
}

/* ---- connector selection --------------------------------------------------------------- */

/* Names from positionals and -e regexes, in order, without duplicates. */
json_t *
kc_cmd_select_names(struct kc_cmd_env *env, const char *const *names, size_t nnames,
    const char *const *regexes, size_t nregex)
{
	json_t *out = json_array(), *all = NULL, *seen = json_object(), *n;
	struct kc_client *c;
	struct kc_err err;
	size_t i, j;

	for (i = 0; i < nnames; i++) {
		if (json_object_get(seen, names[i]) != NULL)
			continue;
		json_object_set_new(seen, names[i], json_true());
		json_array_append_new(out, json_string(names[i]));
	}
	if (nregex > 0) {
		c = kc_cmd_client(env);
		if (c == NULL)
			goto fail;
		kc_err_clear(&err);
		all = kc_client_list_names(c, &err);
		if (all == NULL) {
			kc_cmd_fail(env, "listing connectors", &err);
			goto fail;
		}
		for (j = 0; j < nregex; j++) {
			regex_t re;
			int rc = regcomp(&re, regexes[j], REG_EXTENDED | REG_NOSUB), matched = 0;
			if (rc != 0) {
				char msg[256];
				regerror(rc, &re, msg, sizeof msg);
				kc_cmd_usage(env, NULL, "-e '%s': %s", regexes[j], msg);
				goto fail;
			}
			/* Sorted for a stable order. */
			{
				const char **v = kc_xcalloc(json_array_size(all) + 1, sizeof *v);
				size_t nv = 0, k;
				json_array_foreach(all, i, n)
					if (json_is_string(n))
						v[nv++] = json_string_value(n);
				qsort(v, nv, sizeof *v, kc_cmd_strcmp_p);
				for (k = 0; k < nv; k++) {
					if (regexec(&re, v[k], 0, NULL, 0) != 0)
						continue;
					matched = 1;
					if (json_object_get(seen, v[k]) != NULL)
						continue;
					json_object_set_new(seen, v[k], json_true());
					json_array_append_new(out, json_string(v[k]));
				}
				free(v);
			}
			regfree(&re);
			if (!matched) {
				kc_cmd_error(env, "no connector matches -e '%s'", regexes[j]);
				goto fail;
			}
		}
	}
	json_decref(all);
	json_decref(seen);
	return out;
fail:
	json_decref(all);
	json_decref(seen);
	json_decref(out);
	return NULL;
}

/* qsort helper over const char *. */
int
kc_cmd_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}
