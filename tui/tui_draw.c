/* tui_draw.c - drawing helpers: every string is clipped to its cell and made terminal-safe. */
#include "tui_app.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "kc_text.h"
#include "kc_util.h"

int tui_draw_ascii;

int
tui_put_clean(int y, int x, int width, const char *s, unsigned int attr, int pad)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	mbstate_t st;
	int col = 0;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	move(y, x);
	attrset(attr);
	memset(&st, 0, sizeof(st));
	while (*p != '\0' && col < width) {
		wchar_t wc;
		size_t n;
		int w;

		if (*p < 0x80) {
			/* defence in depth: controls never reach the terminal */
			addch(*p < 0x20 || *p == 0x7f ? '?' : *p);
			p++;
			col++;
			continue;
		}
		if (tui_draw_ascii) {
			/* one '?' per UTF-8 character (the text was made valid UTF-8 upstream) */
			size_t want = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;

			for (n = 1; n < want && (p[n] & 0xc0) == 0x80; n++)
				;
			addch('?');
			p += n;
			col++;
			continue;
		}
		n = mbrtowc(&wc, (const char *)p, strnlen((const char *)p, 4), &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			addch('?');
			p++;
			col++;
			continue;
		}
		w = wcwidth(wc);
		if (w < 0 || tui_draw_ascii) {
			addch('?');
			p += n;
			col++;
			continue;
		}
		if (col + w > width)
			break;
		addnstr((const char *)p, (int)n);
		p += n;
		col += w;
	}
	if (pad)
		for (; col < width; col++)
			addch(' ');
	return col;
}

int
tui_put(int y, int x, int width, const char *s, unsigned int attr, int pad)
{
	char *clean;
	int n;

	if (s == NULL || kc_text_is_clean(s, 0))
		return tui_put_clean(y, x, width, s, attr, pad);
	clean = kc_text_sanitize(s, 0);
	n = tui_put_clean(y, x, width, clean, attr, pad);
	free(clean);
	return n;
}

void
tui_put_right(int y, int x, int width, const char *s, unsigned int attr)
{
	int w = (int)kc_text_width(s);

	if (w > width)
		w = width;
	tui_put(y, x + width - w, w, s, attr, 0);
}

int
tui_putf(int y, int x, int width, unsigned int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tui_put(y, x, width, buf, attr, 0);
}

void
tui_fill(int y, int x, int width, unsigned int attr)
{
	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	move(y, x);
	attrset(attr);
	while (width-- > 0)
		addch(' ');
}

void
tui_sparkline(struct tui_app *app, int y, int x, int width, const double *v, size_t n,
    unsigned int attr)
{
	static const char *const blocks[] = {
		"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
		"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"
	};
	static const char ascii[] = "_.-:=+*#";
	double max = 0;
	size_t i, first;
	int col = 0;

	if (width <= 0)
		return;
	first = n > (size_t)width ? n - (size_t)width : 0;
	for (i = first; i < n; i++)
		if (v[i] > max)
			max = v[i];
	move(y, x);
	attrset(attr);
	for (i = first; i < n && col < width; i++, col++) {
		int lvl = max > 0 ? (int)(v[i] / max * 7.0 + 0.5) : 0;

		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		if (app->ascii)
			addch((chtype)ascii[lvl]);
		else
			addstr(blocks[lvl]);
	}
	for (; col < width; col++)
		addch(' ');
}

void
tui_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
}
