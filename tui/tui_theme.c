/* tui_theme.c - theme files: parse "role = style" lines, map roles to curses attributes. */
#include "tui_theme.h"

#include <curses.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_util.h"

#ifndef KCOPS_THEME_DIR
#define KCOPS_THEME_DIR "/usr/local/share/kcops/themes"
#endif

static const char *const role_names[TUI_ROLE_COUNT] = {
#define TUI_ROLE_NAME(id, name, help) name,
	TUI_ROLES(TUI_ROLE_NAME)
#undef TUI_ROLE_NAME
};

/* The compiled-in default (dark terminals, terminal background kept). Same syntax as files. */
const char tui_theme_default_text[] =
    "# kcops built-in default theme\n"
    "normal = fg=default,bg=default\n"
    "header = fg=default\n"
    "header.label = fg=cyan\n"
    "header.value = fg=default,bold\n"
    "crumbs = fg=black,bg=cyan\n"
    "crumbs.active = fg=black,bg=yellow,bold\n"
    "status = fg=default\n"
    "status.error = fg=white,bg=red,bold\n"
    "status.warn = fg=yellow,bold\n"
    "stale = fg=black,bg=yellow,bold\n"
    "table.header = fg=default,bold,underline\n"
    "table.sort = fg=cyan,bold,underline\n"
    "selection = fg=black,bg=cyan\n"
    "marked = fg=magenta,bold\n"
    "state.running = fg=green\n"
    "state.paused = fg=yellow\n"
    "state.stopped = fg=yellow,dim\n"
    "state.failed = fg=red,bold\n"
    "state.unassigned = fg=yellow\n"
    "state.restarting = fg=blue,bold\n"
    "state.degraded = fg=red\n"
    "section = fg=cyan,bold\n"
    "key = fg=blue,bold\n"
    "secret = fg=magenta\n"
    "trace = fg=red\n"
    "diff.add = fg=green\n"
    "diff.remove = fg=red\n"
    "diff.change = fg=yellow\n"
    "http.ok = fg=green\n"
    "http.redirect = fg=cyan\n"
    "http.client-error = fg=yellow\n"
    "http.server-error = fg=red,bold\n"
    "spark = fg=cyan\n"
    "prompt = fg=default,bold\n"
    "dialog = fg=black,bg=white\n"
    "dim = dim\n";

/* Attributes only: used without colour (NO_COLOR, vt100) and as the "monochrome" theme. */
const char tui_theme_mono_text[] =
    "# kcops built-in monochrome theme: attributes only\n"
    "normal = none\n"
    "header = none\n"
    "header.label = none\n"
    "header.value = bold\n"
    "crumbs = reverse\n"
    "crumbs.active = reverse,bold\n"
    "status = none\n"
    "status.error = reverse,bold\n"
    "status.warn = bold\n"
    "stale = reverse\n"
    "table.header = underline\n"
    "table.sort = underline,bold\n"
    "selection = reverse\n"
    "marked = bold\n"
    "state.running = none\n"
    "state.paused = underline\n"
    "state.stopped = underline\n"
    "state.failed = bold,reverse\n"
    "state.unassigned = underline\n"
    "state.restarting = bold\n"
    "state.degraded = bold\n"
    "section = bold,underline\n"
    "key = bold\n"
    "secret = dim\n"
    "trace = none\n"
    "diff.add = bold\n"
    "diff.remove = reverse\n"
    "diff.change = underline\n"
    "http.ok = none\n"
    "http.redirect = none\n"
    "http.client-error = underline\n"
    "http.server-error = bold\n"
    "spark = none\n"
    "prompt = bold\n"
    "dialog = reverse\n"
    "dim = dim\n";

static const struct {
	const char *name;
	short	colour;
} colour_names[] = {
	{ "default", -1 }, { "black", 0 }, { "red", 1 }, { "green", 2 }, { "yellow", 3 },
	{ "blue", 4 }, { "magenta", 5 }, { "cyan", 6 }, { "white", 7 },
	{ "brightblack", 8 }, { "grey", 8 }, { "gray", 8 }, { "brightred", 9 },
	{ "brightgreen", 10 }, { "brightyellow", 11 }, { "brightblue", 12 },
	{ "brightmagenta", 13 }, { "brightcyan", 14 }, { "brightwhite", 15 },
};

static const struct {
	const char *name;
	unsigned int attr;
} attr_names[] = {
	{ "none", 0 }, { "bold", A_BOLD }, { "dim", A_DIM }, { "underline", A_UNDERLINE },
	{ "reverse", A_REVERSE }, { "blink", A_BLINK }, { "standout", A_STANDOUT },
	{ "italic", A_ITALIC },
};

/* Current attributes per role, set by tui_theme_apply(). */
static unsigned int role_attr[TUI_ROLE_COUNT];

const char *
tui_role_name(enum tui_role r)
{
	return r < TUI_ROLE_COUNT ? role_names[r] : "?";
}

int
tui_role_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < TUI_ROLE_COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Parse a colour name, "colourN"/"colorN" or a bare number 0..255. -2 when unknown. */
static short
parse_colour(const char *s)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < KC_NITEMS(colour_names); i++)
		if (strcasecmp(s, colour_names[i].name) == 0)
			return colour_names[i].colour;
	if (strncasecmp(s, "colour", 6) == 0)
		s += 6;
	else if (strncasecmp(s, "color", 5) == 0)
		s += 5;
	if (!isdigit((unsigned char)*s))
		return -2;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 0 || n > 255 || errno != 0)
		return -2;
	return (short)n;
}

/* Parse "fg=red,bg=default,bold" into st. Returns NULL or a static message. */
static const char *
parse_style(char *spec, struct tui_style *st)
{
	char *tok, *save = NULL;
	size_t i;

	st->fg = -1;
	st->bg = -1;
	st->attrs = 0;
	st->set = 1;
	for (tok = strtok_r(spec, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		if (*tok == '\0')
			continue;
		if (strncasecmp(tok, "fg=", 3) == 0 || strncasecmp(tok, "bg=", 3) == 0) {
			short c = parse_colour(kc_str_trim(tok + 3));

			if (c == -2)
				return "unknown colour (use a name such as red, brightblue, default, "
				    "or colour0..colour255)";
			if (tolower((unsigned char)tok[0]) == 'f')
				st->fg = c;
			else
				st->bg = c;
			continue;
		}
		for (i = 0; i < KC_NITEMS(attr_names); i++)
			if (strcasecmp(tok, attr_names[i].name) == 0)
				break;
		if (i == KC_NITEMS(attr_names))
			return "unknown attribute (use fg=, bg=, bold, dim, underline, reverse, "
			    "blink, standout, italic or none)";
		st->attrs |= attr_names[i].attr;
	}
	return NULL;
}

int
tui_theme_parse(struct tui_theme *t, const char *text, const char *file, char *err,
    size_t errlen)
{
	char *copy = kc_xstrdup(text), *line, *next;
	int lineno = 0, rc = 0, i;

	memset(t->styles, 0, sizeof(t->styles));
	for (line = copy; line != NULL && rc == 0; line = next) {
		char *eq, *key, *val;
		const char *msg;
		int role;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '#')) != NULL)
			*eq = '\0';
		key = kc_str_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'role = style'", file, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		val = kc_str_trim(eq + 1);
		kc_str_trim(key);
		if ((role = tui_role_lookup(key)) < 0) {
			const char *sugg = kc_str_closest(key, role_names, TUI_ROLE_COUNT);

			snprintf(err, errlen, "%s:%d: unknown role '%s'%s%s%s", file, lineno, key,
			    sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
			rc = -1;
			break;
		}
		if ((msg = parse_style(val, &t->styles[role])) != NULL) {
			snprintf(err, errlen, "%s:%d: %s: %s", file, lineno, key, msg);
			rc = -1;
		}
	}
	free(copy);
	if (rc == 0) {
		t->styles[TUI_ROLE_NORMAL].set = 1;
		for (i = 0; i < TUI_ROLE_COUNT; i++)
			if (!t->styles[i].set) {
				t->styles[i] = t->styles[TUI_ROLE_NORMAL];
				t->styles[i].set = 0;
			}
	}
	return rc;
}

/* Try to read dir/name.theme; returns malloc'd text or NULL. */
static char *
read_theme_file(const char *dir, const char *name, char **path_out)
{
	char *path, *text;

	if (dir == NULL || *dir == '\0')
		return NULL;
	path = kc_xasprintf("%s/%s.theme", dir, name);
	text = kc_read_file(path, NULL);
	if (text == NULL) {
		free(path);
		return NULL;
	}
	*path_out = path;
	return text;
}

int
tui_theme_load(struct tui_theme *t, const char *name, char *err, size_t errlen)
{
	char *text = NULL, *path = NULL, *dir;
	const char *home;
	int rc;

	memset(t, 0, sizeof(*t));
	if (name == NULL || *name == '\0')
		name = "default";
	if (strchr(name, '/') != NULL || kc_str_has_suffix(name, ".theme")) {
		if ((text = kc_read_file(name, NULL)) == NULL) {
			snprintf(err, errlen, "theme %s: %s", name, strerror(errno));
			return -1;
		}
		path = kc_xstrdup(name);
	}
	if (text == NULL)
		text = read_theme_file(getenv("KCOPS_THEME_DIR"), name, &path);
	if (text == NULL) {
		if ((home = getenv("XDG_CONFIG_HOME")) != NULL && *home != '\0')
			dir = kc_xasprintf("%s/kcops/themes", home);
		else if ((home = getenv("HOME")) != NULL)
			dir = kc_xasprintf("%s/.config/kcops/themes", home);
		else
			dir = NULL;
		text = read_theme_file(dir, name, &path);
		free(dir);
	}
	if (text == NULL)
		text = read_theme_file(KCOPS_THEME_DIR, name, &path);
#ifdef KCOPS_SOURCE_THEME_DIR
	if (text == NULL)
		text = read_theme_file(KCOPS_SOURCE_THEME_DIR, name, &path);
#endif
	if (text == NULL) {
		if (strcmp(name, "default") == 0) {
			text = kc_xstrdup(tui_theme_default_text);
			path = kc_xstrdup("(built-in default)");
		} else if (strcmp(name, "monochrome") == 0) {
			text = kc_xstrdup(tui_theme_mono_text);
			path = kc_xstrdup("(built-in monochrome)");
		} else {
			snprintf(err, errlen, "theme '%s' not found (looked in $KCOPS_THEME_DIR, "
			    "~/.config/kcops/themes and %s)", name, KCOPS_THEME_DIR);
			return -1;
		}
	}
	rc = tui_theme_parse(t, text, path, err, errlen);
	free(text);
	free(path);
	if (rc == 0)
		t->name = kc_xstrdup(name);
	return rc;
}

void
tui_theme_free(struct tui_theme *t)
{
	if (t == NULL)
		return;
	free(t->name);
	t->name = NULL;
}

/* Nearest of the 8 basic colours for a 256-colour index (terminals with fewer colours). */
static short
down_sample(short c)
{
	int r, g, b;

	if (c < 8)
		return c;
	if (c < 16)
		return (short)(c - 8);
	if (c >= 232)
		return c >= 244 ? 7 : 0;
	c = (short)(c - 16);
	r = c / 36;
	g = c / 6 % 6;
	b = c % 6;
	return (short)((r >= 3) | (g >= 3) << 1 | (b >= 3) << 2);
}

void
tui_theme_apply(const struct tui_theme *t, int use_colour)
{
	struct tui_theme mono;
	char err[256];
	short pairs[TUI_ROLE_COUNT][2];
	int npairs = 0, i, j;

	if (!use_colour || !has_colors()) {
		if (tui_theme_parse(&mono, tui_theme_mono_text, "(mono)", err, sizeof(err)) != 0)
			kc_fatal("built-in monochrome theme: %s", err);
		for (i = 0; i < TUI_ROLE_COUNT; i++)
			role_attr[i] = mono.styles[i].attrs;
		return;
	}
	start_color();
	use_default_colors();
	for (i = 0; i < TUI_ROLE_COUNT; i++) {
		const struct tui_style *st = &t->styles[i];
		short fg = st->fg, bg = st->bg;
		int pair = 0;

		if (fg >= COLORS)
			fg = down_sample(fg);
		if (bg >= COLORS)
			bg = down_sample(bg);
		if (fg != -1 || bg != -1) {
			for (j = 0; j < npairs; j++)
				if (pairs[j][0] == fg && pairs[j][1] == bg)
					break;
			if (j == npairs && npairs + 1 < COLOR_PAIRS) {
				pairs[npairs][0] = fg;
				pairs[npairs][1] = bg;
				init_pair((short)(npairs + 1), fg, bg);
				npairs++;
			}
			if (j < npairs)
				pair = j + 1;
		}
		role_attr[i] = st->attrs | (unsigned int)COLOR_PAIR(pair);
	}
}

unsigned int
tui_theme_attr(enum tui_role r)
{
	return r < TUI_ROLE_COUNT ? role_attr[r] : 0;
}

enum tui_role
tui_theme_state_role(const char *state)
{
	if (state == NULL)
		return TUI_ROLE_NORMAL;
	if (strcmp(state, "RUNNING") == 0)
		return TUI_ROLE_STATE_RUNNING;
	if (strcmp(state, "PAUSED") == 0)
		return TUI_ROLE_STATE_PAUSED;
	if (strcmp(state, "STOPPED") == 0)
		return TUI_ROLE_STATE_STOPPED;
	if (strcmp(state, "FAILED") == 0)
		return TUI_ROLE_STATE_FAILED;
	if (strcmp(state, "UNASSIGNED") == 0)
		return TUI_ROLE_STATE_UNASSIGNED;
	if (strcmp(state, "RESTARTING") == 0)
		return TUI_ROLE_STATE_RESTARTING;
	if (strcmp(state, "DEGRADED") == 0)
		return TUI_ROLE_STATE_DEGRADED;
	return TUI_ROLE_NORMAL;
}
