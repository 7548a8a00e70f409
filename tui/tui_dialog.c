/* tui_dialog.c - modal line input and one-key menus on the status line. */
#include "tui_app.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"
#include "kc_text.h"
#include "kc_util.h"

enum dialog_kind { DLG_NONE, DLG_INPUT, DLG_MENU };

static struct {
	enum dialog_kind kind;
	char		*prompt;
	struct kc_buf	 text;
	tui_input_cb	 input_cb;
	tui_input_cb	 change_cb;	/* called as the text changes (live filters) */
	tui_menu_cb	 menu_cb;
	void		*arg;
	char		**items;
	size_t		 nitems;
} dlg;

static void
dialog_clear(void)
{
	size_t i;

	free(dlg.prompt);
	kc_buf_free(&dlg.text);
	for (i = 0; i < dlg.nitems; i++)
		free(dlg.items[i]);
	free(dlg.items);
	memset(&dlg, 0, sizeof(dlg));
}

int
tui_dialog_active(void)
{
	return dlg.kind != DLG_NONE;
}

void
tui_input(struct tui_app *app, const char *prompt, const char *initial, tui_input_cb cb,
    void *arg)
{
	if (dlg.kind != DLG_NONE)
		tui_dialog_cancel(app);
	dlg.kind = DLG_INPUT;
	dlg.prompt = kc_text_sanitize(prompt, 0);
	kc_buf_init(&dlg.text);
	kc_buf_puts(&dlg.text, initial != NULL ? initial : "");
	dlg.input_cb = cb;
	dlg.arg = arg;
	app->dirty = 1;
}

void
tui_input_live(struct tui_app *app, const char *prompt, const char *initial, tui_input_cb cb,
    tui_input_cb change, void *arg)
{
	tui_input(app, prompt, initial, cb, arg);
	dlg.change_cb = change;
}

static void
changed(struct tui_app *app)
{
	if (dlg.kind == DLG_INPUT && dlg.change_cb != NULL)
		dlg.change_cb(app, kc_buf_str(&dlg.text), dlg.arg);
}

void
tui_menu(struct tui_app *app, const char *title, const char *const *items, size_t n,
    tui_menu_cb cb, void *arg)
{
	size_t i;

	if (dlg.kind != DLG_NONE)
		tui_dialog_cancel(app);
	dlg.kind = DLG_MENU;
	dlg.prompt = kc_text_sanitize(title, 0);
	dlg.items = kc_xcalloc(n + 1, sizeof(*dlg.items));
	for (i = 0; i < n; i++)
		dlg.items[i] = kc_text_sanitize(items[i], 0);
	dlg.nitems = n;
	dlg.menu_cb = cb;
	dlg.arg = arg;
	app->dirty = 1;
}

void
tui_dialog_cancel(struct tui_app *app)
{
	enum dialog_kind k = dlg.kind;
	tui_input_cb icb = dlg.input_cb;
	tui_menu_cb mcb = dlg.menu_cb;
	void *arg = dlg.arg;

	dialog_clear();
	if (k == DLG_INPUT && icb != NULL)
		icb(app, NULL, arg);
	else if (k == DLG_MENU && mcb != NULL)
		mcb(app, -1, arg);
}

/* Delete the last UTF-8 character of the buffer. */
static void
backspace(struct kc_buf *b)
{
	while (b->len > 0) {
		unsigned char c = (unsigned char)b->data[--b->len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	if (b->data != NULL)
		b->data[b->len] = '\0';
}

int
tui_dialog_key(struct tui_app *app, int key)
{
	app->dirty = 1;
	if (dlg.kind == DLG_MENU) {
		size_t i;

		if (key == 27 || key == 3 || key == 'q') {
			tui_dialog_cancel(app);
			return 1;
		}
		for (i = 0; i < dlg.nitems; i++)
			if (dlg.items[i][0] == key) {
				tui_menu_cb cb = dlg.menu_cb;
				void *arg = dlg.arg;

				dialog_clear();
				cb(app, (int)i, arg);
				return 1;
			}
		return 1;
	}
	if (dlg.kind != DLG_INPUT)
		return 0;
	switch (key) {
	case 27:
	case 3:		/* C-c */
	case 7:		/* C-g */
		tui_dialog_cancel(app);
		return 1;
	case '\n':
	case '\r':
	case KEY_ENTER: {
		char *text = kc_buf_steal(&dlg.text);
		tui_input_cb cb = dlg.input_cb;
		void *arg = dlg.arg;

		dialog_clear();
		cb(app, text, arg);
		free(text);
		return 1;
	}
	case KEY_BACKSPACE:
	case 127:
	case 8:
		backspace(&dlg.text);
		changed(app);
		return 1;
	case 21:	/* C-u */
		kc_buf_reset(&dlg.text);
		if (dlg.text.data != NULL)
			dlg.text.data[0] = '\0';
		changed(app);
		return 1;
	default:
		if (key >= ' ' && key < 256 && key != 127 && dlg.text.len < 4096) {
			kc_buf_putc(&dlg.text, (char)key);
			/* only once a UTF-8 character is complete */
			if ((key & 0xc0) != 0x80 && (key & 0x80) == 0)
				changed(app);
			else if ((key & 0xc0) == 0x80)
				changed(app);
		}
		return 1;
	}
}

void
tui_dialog_draw(struct tui_app *app)
{
	int y = LINES - 1, x = 0, w;
	unsigned int a = tui_theme_attr(TUI_ROLE_PROMPT);
	char *clean;

	(void)app;
	if (dlg.kind == DLG_MENU) {
		size_t i;

		tui_fill(y, 0, COLS, tui_theme_attr(TUI_ROLE_DIALOG));
		x += tui_put_clean(y, x, COLS - x, dlg.prompt, tui_theme_attr(TUI_ROLE_DIALOG) |
		    A_BOLD, 0);
		for (i = 0; i < dlg.nitems && x < COLS; i++) {
			char k[2] = { dlg.items[i][0], '\0' };

			x += tui_put(y, x, COLS - x, "  ", tui_theme_attr(TUI_ROLE_DIALOG), 0);
			x += tui_put(y, x, COLS - x, k, tui_theme_attr(TUI_ROLE_DIALOG) | A_BOLD |
			    A_UNDERLINE, 0);
			x += tui_put(y, x, COLS - x, ") ", tui_theme_attr(TUI_ROLE_DIALOG), 0);
			x += tui_put_clean(y, x, COLS - x, dlg.items[i] + 1,
			    tui_theme_attr(TUI_ROLE_DIALOG), 0);
		}
		tui_put(y, x, COLS - x, "  (Esc cancels)", tui_theme_attr(TUI_ROLE_DIALOG), 0);
		return;
	}
	x += tui_put_clean(y, 0, COLS, dlg.prompt, a, 0);
	clean = kc_text_sanitize(kc_buf_str(&dlg.text), 0);
	w = (int)kc_text_width(clean);
	/* keep the end of long input visible */
	if (x + w >= COLS) {
		const char *p = clean;

		while (*p != '\0' && x + (int)kc_text_width(p) >= COLS)
			p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		x += tui_put_clean(y, x, COLS - x, p, tui_theme_attr(TUI_ROLE_NORMAL), 0);
	} else
		x += tui_put_clean(y, x, COLS - x, clean, tui_theme_attr(TUI_ROLE_NORMAL), 0);
	free(clean);
	if (x < COLS) {
		move(y, x);
		curs_set(1);
	}
}
