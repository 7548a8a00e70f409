/* kc_props.h - Java .properties files (the worker's configuration format). */
#ifndef KC_PROPS_H
#define KC_PROPS_H

#include <jansson.h>
#include <stddef.h>

#include "kc_err.h"

/* Parse properties text: `key=value`, `key: value`, `key value`, `#`/`!` comments, backslash
 * line continuation, escapes (\t \n \r \f \\ \uXXXX). Returns a new JSON object string->string
 * (later keys win), or NULL with err = "line N: message". `name` prefixes error messages. */
json_t *kc_props_parse(const char *text, size_t len, const char *name, struct kc_err *err);
/* Read and parse a file. */
json_t *kc_props_load(const char *path, struct kc_err *err);

#endif
