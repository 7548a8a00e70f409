/* fuzz_props.c - libFuzzer target: worker .properties parser (kc_props_parse). */
#include <stddef.h>
#include <stdint.h>

#include "kc_props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_err err;
	json_t *p = kc_props_parse((const char *)data, size, "fuzz", &err);

	json_decref(p);
	return 0;
}
