/* fuzz_tui_config.c - libFuzzer target: the TUI's data files, without a terminal: theme files
 * (tui_theme_parse), key-binding files (tui_keys_parse) and the config file's "keys" section
 * (tui_keys_override, when the input is a JSON object). Every binding left in the table must
 * be a key the key-name parser gives back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tui_keys.h"
#include "tui_theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512], name[64];
	struct tui_theme t;
	const struct tui_binding *all;
	json_t *doc;
	size_t i, n;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&t, 0, sizeof t);
	if (tui_theme_parse(&t, text, "fuzz.theme", err, sizeof err) == 0) {
		for (i = 0; i < TUI_ROLE_COUNT; i++)
			if (t.styles[i].fg < -1 || t.styles[i].fg > 255 ||
			    t.styles[i].bg < -1 || t.styles[i].bg > 255)
				abort();	/* colours are -1 or 0..255 */
	}
	tui_theme_free(&t);

	tui_keys_init();
	(void)tui_keys_parse(text, "fuzz.keys", err, sizeof err);
	doc = json_loadb(text, size, 0, NULL);
	if (json_is_object(doc)) {
		const char *k;
		json_t *v;

		json_object_foreach(doc, k, v) {
			if (json_is_string(v))
				(void)tui_keys_override(k, json_string_value(v), err, sizeof err);
		}
	}
	json_decref(doc);
	all = tui_keys_all(&n);
	for (i = 0; i < n; i++) {
		tui_key_name(all[i].key, name, sizeof name);
		if (tui_key_parse(name) != all[i].key)
			abort();	/* a bound key must survive name -> parse */
		tui_keys_for(all[i].map, all[i].action, name, sizeof name);
	}
	(void)tui_key_parse(text);
	tui_keys_free();
	free(text);
	return 0;
}
