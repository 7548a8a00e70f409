/* kc_json.c - jansson helpers. */
#include "kc_json.h"
#include "kc_buf.h"
#include "kc_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *
kc_json_parse(const char *text, size_t len, int strict_dupes, struct kc_err *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(text, len, (strict_dupes ? JSON_REJECT_DUPLICATES : 0) | JSON_ALLOW_NUL,
	    &jerr);
	if (v == NULL)
		kc_err_set(err, KC_E_PARSE, "line %d, column %d: %s", jerr.line, jerr.column,
		    jerr.text);
	return v;
}

const char *
kc_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
kc_json_str_or(const json_t *obj, const char *key, const char *def)
{
	const char *s = kc_json_str(obj, key);

	return s != NULL ? s : def;
}

long long
kc_json_int_or(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		n = strtoll(json_string_value(v), &end, 10);
		if (end != json_string_value(v) && *end == '\0')
			return n;
	}
	return def;
}

char *
kc_json_dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		kc_fatal("out of memory (json_dumps)");
	return s;
}

char *
kc_json_ptr_escape(const char *seg)
{
	struct kc_buf b;

	kc_buf_init(&b);
	for (; *seg != '\0'; seg++) {
		if (*seg == '~')
			kc_buf_puts(&b, "~0");
		else if (*seg == '/')
			kc_buf_puts(&b, "~1");
		else
			kc_buf_putc(&b, *seg);
	}
	return kc_buf_steal(&b);
}

json_t *
kc_json_string_map(const json_t *obj, struct kc_err *err)
{
	const char *key;
	json_t *v, *out;
	char num[64];

	if (!json_is_object(obj)) {
		kc_err_set(err, KC_E_PARSE, "expected a JSON object");
		return NULL;
	}
	out = json_object();
	json_object_foreach((json_t *)obj, key, v) {
		switch (json_typeof(v)) {
		case JSON_STRING:
			json_object_set(out, key, v);
			break;
		case JSON_INTEGER:
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			json_object_set_new(out, key, json_string(num));
			break;
		case JSON_REAL: {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			json_object_set_new(out, key, json_string(s));
			free(s);
			break;
		}
		case JSON_TRUE:
			json_object_set_new(out, key, json_string("true"));
			break;
		case JSON_FALSE:
			json_object_set_new(out, key, json_string("false"));
			break;
		case JSON_NULL:
			json_object_set_new(out, key, json_null());
			break;
		default:
			kc_err_set(err, KC_E_PARSE, "value of \"%s\" must be a string, not %s", key,
			    json_is_object(v) ? "an object" : "an array");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}
