/* join_encode.c - round-trip JSON record values through the task's converter framing (see
 * join_encode.h). */
#include "kc_json.h"
#include "join_encode.h"

#include <stdlib.h>
#include <string.h>

#include "join_core.h"

void
kw_join_enc_init(struct kw_join_enc *e, const struct kw_converter *conv)
{
	struct kw_data d = { KW_DATA_JSON, NULL, 0, NULL, -1 };
	char err[256];
	void *out = NULL;
	size_t len = 0;

	e->conv = conv;
	e->envelope = 0;
	d.json = json_pack("{s:i}", "a", 1);
	if (kw_converter_encode(conv, &d, &out, &len, err, sizeof(err)) == 0 && out != NULL &&
	    len > 10 && strncmp(out, "{\"schema\":", 10) == 0)
		e->envelope = 1;
	free(out);
	json_decref(d.json);
}

int
kw_join_enc_json(const struct kw_join_enc *e, const json_t *v, struct kc_buf *out, char *err,
    size_t errlen)
{
	struct kw_data d = { KW_DATA_JSON, NULL, 0, (json_t *)v, -1 };
	json_t *env, *schema;
	void *enc = NULL;
	size_t len = 0;

	if (!e->envelope) {
		kc_json_write(v, out);
		return 0;
	}
	/* the converter's schema, our payload text */
	if (kw_converter_encode(e->conv, &d, &enc, &len, err, errlen) != 0)
		return -1;
	env = enc != NULL ? json_loadb(enc, len, 0, NULL) : NULL;
	free(enc);
	schema = json_object_get(env, "schema");
	kc_buf_puts(out, "{\"schema\":");
	if (schema != NULL)
		kc_json_write(schema, out);
	else
		kc_buf_puts(out, "null");
	kc_buf_puts(out, ",\"payload\":");
	kc_json_write(v, out);
	kc_buf_putc(out, '}');
	json_decref(env);
	return 0;
}
