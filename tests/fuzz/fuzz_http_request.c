/* fuzz_http_request.c - libFuzzer target: the HTTP sink's HttpRequest record parser
 * (kw_http_request_from_text, lenient and strict) and its URL/body templates.
 *
 * Input: a record. When it holds a NUL byte, the text before it is also compiled as a
 * template and expanded with the text after it as the Kafka record value (the sink's
 * request.url / body templates over ${value.*}, ${key}, ...). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"
#include "kc_buf.h"
#include "kc_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse(const char *text, size_t len, bool strict)
{
	struct kw_http_request r;
	char err[512];

	kw_http_request_init(&r);
	if (kw_http_request_from_text(text, len, strict, &r, err, sizeof err) == 0) {
		json_t *h = kw_http_headers_json(&r.headers);

		if (r.url == NULL || !kw_http_method_valid(r.method))
			abort();	/* a parsed request always has a URL and a valid method */
		(void)kw_http_headers_get(&r.headers, "Content-Type");
		(void)kw_http_body_type_name(r.body_type);
		(void)kw_http_method_idempotent(r.method);
		json_decref(h);
	} else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	kw_http_request_clear(&r);
}

static void
template(const char *tmpl, const char *value, size_t vlen)
{
	struct kw_http_template *t;
	struct kw_http_tmpl_ctx c;
	struct kc_buf out = { 0 };
	char err[512];
	json_t *vj = NULL;

	if ((t = kw_http_template_new(tmpl, err, sizeof err)) == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.topic = "orders";
	c.partition = 3;
	c.offset = 42;
	c.key = value;
	c.keylen = vlen < 16 ? vlen : 16;
	c.value = value;
	c.valuelen = vlen;
	if (kw_http_template_wants_json(t))
		vj = json_loadb(value, vlen, JSON_DECODE_ANY, NULL);
	c.value_json = vj;
	(void)kw_http_template_expand(t, &c, false, &out, err, sizeof err);
	kc_buf_reset(&out);
	(void)kw_http_template_expand(t, &c, true, &out, err, sizeof err);
	kc_buf_free(&out);
	json_decref(vj);
	kw_http_template_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(data, '\0', size);

	parse(text, size, false);
	parse(text, size, true);
	if (nul != NULL) {
		/* data before the NUL is a C string */
		template(text, nul + 1, size - (size_t)(nul - text) - 1);
	} else {
		struct kc_buf b = { 0 };

		if (kc_base64_decode(text, size, KC_BASE64_LENIENT, &b) == 0) {
			struct kc_buf e = { 0 };

			kc_base64_encode(b.data, b.len, &e);
			kc_buf_free(&e);
		}
		kc_buf_reset(&b);
		kw_http_json_str(&b, text, size);
		kc_buf_free(&b);
	}
	return 0;
}
