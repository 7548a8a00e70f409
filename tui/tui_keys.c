/* tui_keys.c - key tables: the compiled-in defaults, key names, user overrides. */
#include "tui_keys.h"

#include <curses.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_util.h"

static const struct {
	const char *name, *group, *help;
	int mutates;
} actions[TUI_A_COUNT] = {
#define TUI_ACTION_ROW(id, n, g, m, h) { n, g, h, m },
	TUI_ACTIONS(TUI_ACTION_ROW)
#undef TUI_ACTION_ROW
};

static const char *const keymap_names[TUI_KM_COUNT] = {
#define TUI_KEYMAP_NAME(id, n) n,
	TUI_KEYMAPS(TUI_KEYMAP_NAME)
#undef TUI_KEYMAP_NAME
};

/* The defaults, in the user syntax. Order is the order shown in help. */
const char tui_keys_default_text[] =
    "bind generic Up up\n"
    "bind generic k up\n"
    "bind generic Down down\n"
    "bind generic j down\n"
    "bind generic PgUp page-up\n"
    "bind generic C-b page-up\n"
    "bind generic PgDn page-down\n"
    "bind generic C-f page-down\n"
    "bind generic Home home\n"
    "bind generic g home\n"
    "bind generic End end\n"
    "bind generic G end\n"
    "bind generic Left left\n"
    "bind generic Right right\n"
    "bind generic Enter open\n"
    "bind generic Esc back\n"
    "bind generic q back\n"
    "bind generic Q quit\n"
    "bind generic C-c quit\n"
    "bind generic ? help\n"
    "bind generic : command\n"
    "bind generic C-r refresh\n"
    "bind generic 1 contexts\n"
    "bind generic 2 connectors\n"
    "bind generic 3 queues\n"
    "bind generic 4 plan\n"
    "bind generic 5 workers\n"
    "bind generic w events\n"
    "bind generic W watch\n"
    "bind generic Tab next-section\n"
    "bind connectors / filter\n"
    "bind connectors o sort-next\n"
    "bind connectors < sort-prev\n"
    "bind connectors > sort-next\n"
    "bind connectors O sort-reverse\n"
    "bind connectors f failed-only\n"
    "bind connectors Space mark\n"
    "bind connectors C-a mark-all\n"
    "bind connectors C-\\ clear-marks\n"
    "bind connectors p pause\n"
    "bind connectors r resume\n"
    "bind connectors s stop\n"
    "bind connectors R restart\n"
    "bind connectors d delete\n"
    "bind connectors D deploy\n"
    "bind connectors e edit\n"
    "bind connectors t tail\n"
    "bind connectors x exchanges\n"
    "bind detail p pause\n"
    "bind detail r resume\n"
    "bind detail s stop\n"
    "bind detail R restart\n"
    "bind detail d delete\n"
    "bind detail e edit\n"
    "bind detail t tail\n"
    "bind exchanges f toggle-follow\n"
    "bind plan D deploy\n"
    "bind plan Enter deploy\n"
    "bind contexts Enter open\n";

#define MAX_BINDINGS 512
static struct tui_binding bindings[MAX_BINDINGS];
static size_t nbindings;

const char *
tui_action_name(enum tui_action a)
{
	return a < TUI_A_COUNT ? actions[a].name : "?";
}

const char *
tui_action_help(enum tui_action a)
{
	return a < TUI_A_COUNT ? actions[a].help : "";
}

const char *
tui_action_group(enum tui_action a)
{
	return a < TUI_A_COUNT ? actions[a].group : "";
}

int
tui_action_mutates(enum tui_action a)
{
	return a < TUI_A_COUNT ? actions[a].mutates : 0;
}

int
tui_action_lookup(const char *name)
{
	int i;

	for (i = 0; i < TUI_A_COUNT; i++)
		if (strcmp(actions[i].name, name) == 0)
			return i;
	return -1;
}

const char *
tui_keymap_name(enum tui_keymap m)
{
	return m < TUI_KM_COUNT ? keymap_names[m] : "?";
}

int
tui_keymap_lookup(const char *name)
{
	int i;

	for (i = 0; i < TUI_KM_COUNT; i++)
		if (strcmp(keymap_names[i], name) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{ "Enter", '\n' }, { "Esc", 27 }, { "Space", ' ' }, { "Tab", '\t' },
	{ "BTab", KEY_BTAB }, { "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "BSpace", KEY_BACKSPACE },
	{ "Delete", KEY_DC }, { "Insert", KEY_IC },
};

int
tui_key_parse(const char *name)
{
	size_t i;

	if (name == NULL || *name == '\0')
		return -1;
	if (name[1] == '\0' && (unsigned char)name[0] > ' ' && (unsigned char)name[0] < 127)
		return (unsigned char)name[0];
	for (i = 0; i < KC_NITEMS(named_keys); i++)
		if (strcasecmp(name, named_keys[i].name) == 0)
			return named_keys[i].key;
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] != '\0' &&
	    name[3] == '\0') {
		int c = (unsigned char)name[2];

		if (isalpha(c))
			/* C-m is the Enter key: one code, so names and codes round-trip */
			return tolower(c) == 'm' ? '\n' : tolower(c) - 'a' + 1;
		if (c == '\\')
			return 28;
		if (c == ']')
			return 29;
		if (c == ' ' || c == '@')
			return 0;
		return -1;
	}
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		int n = atoi(name + 1);

		if (n >= 1 && n <= 12)
			return KEY_F(n);
	}
	return -1;
}

void
tui_key_name(int key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < KC_NITEMS(named_keys); i++)
		if (named_keys[i].key == key) {
			snprintf(buf, len, "%s", named_keys[i].name);
			return;
		}
	if (key == '\r' || key == KEY_ENTER)
		snprintf(buf, len, "Enter");
	else if (key == 28)
		snprintf(buf, len, "C-\\");
	else if (key == 29)
		snprintf(buf, len, "C-]");
	else if (key == 0)
		snprintf(buf, len, "C-@");
	else if (key > 0 && key < 27)
		snprintf(buf, len, "C-%c", 'a' + key - 1);
	else if (key > ' ' && key < 127)
		snprintf(buf, len, "%c", key);
	else if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F(0));
	else
		snprintf(buf, len, "#%d", key);
}

static void
unbind(int map, int key)
{
	size_t i, j = 0;

	for (i = 0; i < nbindings; i++)
		if (!((map < 0 || (int)bindings[i].map == map) && bindings[i].key == key))
			bindings[j++] = bindings[i];
	nbindings = j;
}

static int
bind(enum tui_keymap map, int key, enum tui_action a, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nbindings; i++)
		if (bindings[i].map == map && bindings[i].key == key) {
			bindings[i].action = a;
			return 0;
		}
	if (nbindings == MAX_BINDINGS) {
		snprintf(err, errlen, "too many key bindings (limit %d)", MAX_BINDINGS);
		return -1;
	}
	bindings[nbindings].map = map;
	bindings[nbindings].key = key;
	bindings[nbindings].action = a;
	nbindings++;
	return 0;
}

int
tui_keys_parse(const char *text, const char *file, char *err, size_t errlen)
{
	char *copy = kc_xstrdup(text), *line, *next, msg[200];
	int lineno = 0, rc = 0;

	for (line = copy; line != NULL; line = next) {
		char *words[5], *save = NULL, *w;
		int nw = 0, map, key, act = TUI_A_NONE;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		/* a '#' starts a comment only at the beginning of a word */
		for (w = strtok_r(line, " \t", &save); w != NULL && nw < 5;
		    w = strtok_r(NULL, " \t", &save)) {
			if (*w == '#' && !(nw == 2 && w[1] == '\0'))
				break;
			words[nw++] = w;
		}
		if (nw == 0)
			continue;
		msg[0] = '\0';
		if (strcmp(words[0], "bind") != 0 && strcmp(words[0], "unbind") != 0)
			snprintf(msg, sizeof(msg), "unknown directive '%s' (bind or unbind)",
			    words[0]);
		else if (nw != (words[0][0] == 'b' ? 4 : 3))
			snprintf(msg, sizeof(msg), "usage: bind MAP KEY ACTION | unbind MAP KEY");
		else if ((map = tui_keymap_lookup(words[1])) < 0)
			snprintf(msg, sizeof(msg), "unknown key table '%s'", words[1]);
		else if ((key = tui_key_parse(words[2])) < 0)
			snprintf(msg, sizeof(msg), "unknown key '%s'", words[2]);
		else if (words[0][0] == 'b' && (act = tui_action_lookup(words[3])) < 0)
			snprintf(msg, sizeof(msg), "unknown action '%s'", words[3]);
		else if (words[0][0] == 'u' || act == TUI_A_NONE)
			unbind(map, key);
		else
			(void)bind((enum tui_keymap)map, key, (enum tui_action)act, msg,
			    sizeof(msg));
		if (msg[0] != '\0') {
			snprintf(err, errlen, "%s:%d: %s", file, lineno, msg);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

void
tui_keys_init(void)
{
	char err[256];

	nbindings = 0;
	if (tui_keys_parse(tui_keys_default_text, "(built-in keys)", err, sizeof(err)) != 0)
		kc_fatal("%s", err);
}

int
tui_keys_override(const char *spec, const char *action, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	int map = -1, key, act;

	if (colon != NULL && colon != spec && colon[1] != '\0') {
		char *mname = kc_xstrndup(spec, (size_t)(colon - spec));

		map = tui_keymap_lookup(mname);
		if (map < 0) {
			snprintf(err, errlen, "keys: '%s': unknown key table '%s'", spec, mname);
			free(mname);
			return -1;
		}
		free(mname);
		spec = colon + 1;
	}
	if ((key = tui_key_parse(spec)) < 0) {
		snprintf(err, errlen, "keys: unknown key '%s'", spec);
		return -1;
	}
	if ((act = tui_action_lookup(action)) < 0) {
		const char *names[TUI_A_COUNT], *s;
		int i;

		for (i = 0; i < TUI_A_COUNT; i++)
			names[i] = actions[i].name;
		s = kc_str_closest(action, names, TUI_A_COUNT);
		snprintf(err, errlen, "keys: '%s': unknown action '%s'%s%s%s", spec, action,
		    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
		return -1;
	}
	unbind(map, key);
	if (act == TUI_A_NONE)
		return 0;
	return bind(map < 0 ? TUI_KM_GENERIC : (enum tui_keymap)map, key,
	    (enum tui_action)act, err, errlen);
}

enum tui_action
tui_keys_lookup(enum tui_keymap map, int key)
{
	size_t i;

	if (key == '\r' || key == KEY_ENTER)
		key = '\n';
	for (i = 0; i < nbindings; i++)
		if (bindings[i].map == map && bindings[i].key == key)
			return bindings[i].action;
	for (i = 0; i < nbindings; i++)
		if (bindings[i].map == TUI_KM_GENERIC && bindings[i].key == key)
			return bindings[i].action;
	return TUI_A_NONE;
}

const struct tui_binding *
tui_keys_all(size_t *n)
{
	*n = nbindings;
	return bindings;
}

void
tui_keys_for(enum tui_keymap map, enum tui_action a, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < nbindings; i++)
		if (bindings[i].map == map && bindings[i].action == a) {
			tui_key_name(bindings[i].key, buf, len);
			return;
		}
	for (i = 0; i < nbindings; i++)
		if (bindings[i].map == TUI_KM_GENERIC && bindings[i].action == a &&
		    tui_keys_lookup(map, bindings[i].key) == a) {
			tui_key_name(bindings[i].key, buf, len);
			return;
		}
}

void
tui_keys_free(void)
{
	nbindings = 0;
}
