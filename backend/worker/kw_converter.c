/* kw_converter.c - Connect's StringConverter, ByteArrayConverter and JsonConverter.
 *
 * JsonConverter with schemas.enable=true reads and writes the envelope
 * {"schema": {...}, "payload": ...}; decoding accepts a bare value too (as Connect does not,
 * but a lenient reader costs nothing), and takes schema.version when the schema has one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_util.h"
#include "kw_internal.h"

/* Drop the JSON reference of a decoded value. */
void
kw_data_clear(struct kw_data *d)
{
	if (d == NULL)
		return;
	json_decref(d->json);
	memset(d, 0, sizeof(*d));
	d->schema_version = -1;
}

/* Decode key/value bytes. */
int
kw_converter_decode(const struct kw_converter *c, const void *ptr, size_t len,
    struct kw_data *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *v, *schema;

	memset(out, 0, sizeof(*out));
	out->schema_version = -1;
	if (ptr == NULL) {
		out->kind = KW_DATA_NULL;
		return 0;
	}
	if (c == NULL || c->kind != KW_CONV_JSON) {
		out->kind = KW_DATA_BYTES;
		out->ptr = ptr;
		out->len = len;
		return 0;
	}
	v = json_loadb(ptr, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (v == NULL) {
		snprintf(err, errlen, "JsonConverter: invalid JSON at position %d: %s",
		    je.position, je.text);
		return -1;
	}
	if (c->schemas_enable) {
		if (!json_is_object(v) || json_object_size(v) != 2 ||
		    (schema = json_object_get(v, "schema")) == NULL ||
		    json_object_get(v, "payload") == NULL) {
			snprintf(err, errlen, "JsonConverter with schemas.enable requires \"schema\" and "
			    "\"payload\" fields and may not contain additional fields. If you are "
			    "trying to deserialize plain JSON data, set schemas.enable=false");
			json_decref(v);
			return -1;
		}
		if (json_is_object(schema) && json_is_integer(json_object_get(schema, "version")))
			out->schema_version =
			    (int)json_integer_value(json_object_get(schema, "version"));
		out->json = json_incref(json_object_get(v, "payload"));
		json_decref(v);
	} else
		out->json = v;
	if (json_is_null(out->json)) {
		json_decref(out->json);
		out->json = NULL;
		out->kind = KW_DATA_NULL;
		return 0;
	}
	out->kind = KW_DATA_JSON;
	return 0;
}

/* A Connect schema for a JSON value (schemaless types mapped to the closest Connect type). */
static json_t *
schema_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_pack("{s:s,s:b}", "type", "string", "optional", 1);
	case JSON_INTEGER:
		return json_pack("{s:s,s:b}", "type", "int64", "optional", 1);
	case JSON_REAL:
		return json_pack("{s:s,s:b}", "type", "double", "optional", 1);
	case JSON_TRUE:
	case JSON_FALSE:
		return json_pack("{s:s,s:b}", "type", "boolean", "optional", 1);
	case JSON_OBJECT: {
		json_t *fields = json_array(), *fv;
		const char *k;

		json_object_foreach((json_t *)v, k, fv) {
			json_t *f = schema_of(fv);

			json_object_set_new(f, "field", json_string(k));
			json_array_append_new(fields, f);
		}
		return json_pack("{s:s,s:o,s:b}", "type", "struct", "fields", fields, "optional", 1);
	}
	case JSON_ARRAY: {
		json_t *items = json_array_size(v) > 0 ? schema_of(json_array_get(v, 0)) :
		    json_pack("{s:s,s:b}", "type", "string", "optional", 1);

		return json_pack("{s:s,s:o,s:b}", "type", "array", "items", items, "optional", 1);
	}
	default:
		return json_null();
	}
}

/* Encode for producing. */
int
kw_converter_encode(const struct kw_converter *c, const struct kw_data *in, void **out,
    size_t *outlen, char *err, size_t errlen)
{
	json_t *env;
	char *s;

	*out = NULL;
	*outlen = 0;
	if (in == NULL || in->kind == KW_DATA_NULL)
		return 0;
	if (in->kind == KW_DATA_BYTES) {
		if (c != NULL && c->kind == KW_CONV_JSON) {
			/* Bytes under JsonConverter: a JSON string. */
			json_t *str = json_stringn(in->ptr, in->len);

			if (str == NULL) {
				snprintf(err, errlen, "JsonConverter: value is not valid UTF-8");
				return -1;
			}
			{
				struct kw_data d = { KW_DATA_JSON, NULL, 0, str, -1 };
				int r = kw_converter_encode(c, &d, out, outlen, err, errlen);

				json_decref(str);
				return r;
			}
		}
		*out = kc_xmalloc(in->len + 1);
		memcpy(*out, in->ptr, in->len);
		((char *)*out)[in->len] = '\0';
		*outlen = in->len;
		return 0;
	}
	if (in->json == NULL)
		return 0;
	if (c != NULL && c->kind != KW_CONV_JSON && json_is_string(in->json)) {
		size_t n = json_string_length(in->json);

		*out = kc_xmalloc(n + 1);
		memcpy(*out, json_string_value(in->json), n + 1);
		*outlen = n;
		return 0;
	}
	if (c != NULL && c->kind == KW_CONV_JSON && c->schemas_enable) {
		env = json_pack("{s:o,s:O}", "schema", schema_of(in->json), "payload", in->json);
		s = kc_json_dump(env);	/* exact numbers: 3.45 stays 3.45 */
		json_decref(env);
	} else
		s = kc_json_dump(in->json);
	if (s == NULL) {
		snprintf(err, errlen, "cannot serialise JSON value");
		return -1;
	}
	*out = s;
	*outlen = strlen(s);
	return 0;
}
