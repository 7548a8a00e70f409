/* tui_lines.c - styled text lines: sanitise, split, wrap, draw. */
#include "tui_lines.h"
#include "tui_app.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kc_text.h"
#include "kc_util.h"

void
tui_lines_init(struct tui_lines *l)
{
	memset(l, 0, sizeof(*l));
}

void
tui_lines_free(struct tui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].text);
		free(l->v[i].key);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct tui_line *
push(struct tui_lines *l)
{
	struct tui_line *ln;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = kc_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	ln = &l->v[l->n++];
	memset(ln, 0, sizeof(*ln));
	return ln;
}

/* Byte length of the longest prefix of s that fits in `cols` columns (at least one char). */
static size_t
fit(const char *s, int cols)
{
	size_t i = 0, last = 0;
	int w = 0;

	while (s[i] != '\0') {
		size_t j = i + 1;
		char tmp[8];
		int cw;

		while ((s[j] & 0xc0) == 0x80)
			j++;
		if (j - i >= sizeof(tmp))
			cw = 1;
		else {
			memcpy(tmp, s + i, j - i);
			tmp[j - i] = '\0';
			cw = (int)kc_text_width(tmp);
		}
		if (w + cw > cols && i > 0)
			break;
		w += cw;
		last = j;
		i = j;
	}
	return last;
}

void
tui_lines_add(struct tui_lines *l, enum tui_role role, int indent, int wrap,
    const char *text)
{
	char *clean = kc_text_sanitize(text != NULL ? text : "", KC_TEXT_KEEP_NL), *line, *next;

	for (line = clean; line != NULL; line = next) {
		const char *p;
		int first = 1;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p = line;
		do {
			struct tui_line *ln = push(l);
			int room = wrap - (first ? 0 : indent);
			size_t n;

			if (wrap <= 0 || room < 10 || (int)kc_text_width(p) <= room)
				n = strlen(p);
			else {
				size_t k;

				n = fit(p, room);
				/* break after the last space when it is not too far back */
				for (k = n; k > n / 2; k--)
					if (p[k - 1] == ' ') {
						n = k;
						break;
					}
			}
			if (first)
				ln->text = kc_xstrndup(p, n);
			else
				ln->text = kc_xasprintf("%*s%.*s", indent, "", (int)n, p);
			ln->role = role;
			p += n;
			first = 0;
		} while (*p != '\0');
	}
	free(clean);
}

void
tui_lines_addf(struct tui_lines *l, enum tui_role role, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tui_lines_add(l, role, 0, 0, buf);
}

void
tui_lines_section(struct tui_lines *l, const char *title)
{
	struct tui_line *ln = push(l);

	ln->text = kc_text_sanitize(title, 0);
	ln->role = TUI_ROLE_SECTION;
	ln->section = 1;
}

void
tui_lines_kv(struct tui_lines *l, const char *key, enum tui_role key_role,
    const char *value, enum tui_role role, int wrap)
{
	size_t first = l->n, i;
	int kw;

	tui_lines_add(l, role, 2, wrap, value != NULL ? value : "");
	for (i = first + 1; i < l->n; i++)
		l->v[i].kv_cont = 1;
	if (first < l->n) {
		l->v[first].key = kc_text_sanitize(key, 0);
		l->v[first].key_role = key_role;
		kw = (int)kc_text_width(l->v[first].key);
		if (kw > l->key_width)
			l->key_width = kw;
	}
}

void
tui_lines_draw(const struct tui_lines *l, int top, int height, long scroll, long cursor,
    int hscroll)
{
	int kw = l->key_width > 0 ? (l->key_width < COLS / 2 ? l->key_width : COLS / 2) + 3 : 0;
	long i;

	for (i = 0; i < height && scroll + i < (long)l->n; i++) {
		const struct tui_line *ln = &l->v[scroll + i];
		int sel = scroll + i == cursor, x = 0;
		unsigned int base = sel ? tui_theme_attr(TUI_ROLE_SELECTION) : 0;
		const char *t = ln->text;
		int y = top + (int)i;

		tui_fill(y, 0, COLS, sel ? base : tui_theme_attr(TUI_ROLE_NORMAL));
		if (ln->key != NULL) {
			tui_put_clean(y, 2, kw - 3, ln->key,
			    sel ? base : tui_theme_attr(ln->key_role), 1);
			x = kw;
		} else if (ln->kv_cont)
			x = kw;
		else
			x = ln->section ? 0 : 2;
		/* horizontal scroll: skip hscroll columns of text */
		if (hscroll > 0) {
			int skip = hscroll;

			while (*t != '\0' && skip > 0) {
				t++;
				while ((*t & 0xc0) == 0x80)
					t++;
				skip--;
			}
		}
		tui_put_clean(y, x, COLS - x, t, sel ? base : tui_theme_attr(ln->role), 0);
	}
}

long
tui_lines_next_section(const struct tui_lines *l, long from)
{
	size_t i;

	for (i = (size_t)(from + 1); i < l->n; i++)
		if (l->v[i].section)
			return (long)i;
	for (i = 0; i < l->n && (long)i <= from; i++)
		if (l->v[i].section)
			return (long)i;
	return -1;
}
