/* fuzz_text.c - libFuzzer target: terminal sanitiser and JSON helpers on hostile bytes.
 * Checks the sanitiser's promise: its output never contains a control byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_err err;
	char *s = kc_text_sanitize_n((const char *)data, size, KC_TEXT_KEEP_NL);
	const unsigned char *p;
	json_t *v;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			abort();
	free(s);
	v = kc_json_parse((const char *)data, size, 1, &err);
	if (v != NULL) {
		json_t *m = kc_json_string_map(v, &err);
		json_decref(m);
		json_decref(v);
	}
	return 0;
}
