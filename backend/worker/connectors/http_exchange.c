/* http_exchange.c - rendering HTTP exchanges as JSON records.
 *
 * DESIGN
 * The renderer writes JSON text directly into a kc_buf instead of building a jansson tree:
 * it runs once per request on the sink's hot path. Nested objects that came from the input
 * (bodyAsForm, parts, attributes) are dumped with jansson.
 */
#include "http_exchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_codec.h"
#include "kc_util.h"

static const char *const kind_names[] = {
	"", "timeout", "connect_refused", "dns", "tls", "protocol", "too_large",
	"invalid_request", "rate_limited", "denied",
};

/* Name of a transport error kind. */
const char *
kw_http_err_kind_name(enum kw_http_err_kind k)
{
	return kind_names[k];
}

/* Empty response. */
void
kw_http_response_init(struct kw_http_response *r)
{
	memset(r, 0, sizeof(*r));
}

/* Free a response's contents. */
void
kw_http_response_clear(struct kw_http_response *r)
{
	free(r->status_message);
	kw_http_headers_clear(&r->headers);
	kc_buf_free(&r->body);
	free(r->err_message);
	kw_http_response_init(r);
}

/* "key": */
static void
put_key(struct kc_buf *b, const char *k)
{
	kw_http_json_str(b, k, strlen(k));
	kc_buf_putc(b, ':');
}

/* Append a C string as JSON (null for NULL). */
static void
put_str(struct kc_buf *b, const char *s)
{
	if (s == NULL)
		kc_buf_puts(b, "null");
	else
		kw_http_json_str(b, s, strlen(s));
}

/* Dump a jansson value. */
static void
put_json(struct kc_buf *b, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	kc_buf_puts(b, s != NULL ? s : "null");
	free(s);
}

/* Headers as name -> [values], grouping repeated names. */
static void
put_headers(struct kc_buf *b, const struct kw_http_headers *h)
{
	size_t i, j;
	int first = 1, firstv;

	kc_buf_putc(b, '{');
	for (i = 0; i < h->n; i++) {
		for (j = 0; j < i; j++)
			if (strcasecmp(h->v[j].name, h->v[i].name) == 0)
				break;
		if (j < i)
			continue;	/* already written with its first occurrence */
		if (!first)
			kc_buf_putc(b, ',');
		first = 0;
		put_key(b, h->v[i].name);
		kc_buf_putc(b, '[');
		firstv = 1;
		for (j = i; j < h->n; j++) {
			if (strcasecmp(h->v[j].name, h->v[i].name) != 0)
				continue;
			if (!firstv)
				kc_buf_putc(b, ',');
			firstv = 0;
			put_str(b, h->v[j].value);
		}
		kc_buf_putc(b, ']');
	}
	kc_buf_putc(b, '}');
}

/* The request object. */
static void
put_request(struct kc_buf *b, const struct kw_http_request *r)
{
	kc_buf_puts(b, "{\"url\":");
	put_str(b, r->url);
	kc_buf_puts(b, ",\"method\":");
	put_str(b, r->method);
	kc_buf_puts(b, ",\"headers\":");
	put_headers(b, &r->headers);
	kc_buf_puts(b, ",\"bodyType\":");
	put_str(b, kw_http_body_type_name(r->body_type));
	switch (r->body_type) {
	case KW_HTTP_BODY_STRING:
		kc_buf_puts(b, ",\"bodyAsString\":");
		if (r->body != NULL)
			kw_http_json_str(b, r->body, r->body_len);
		else
			kc_buf_puts(b, "null");
		break;
	case KW_HTTP_BODY_FORM:
		kc_buf_puts(b, ",\"bodyAsForm\":");
		put_json(b, r->form);
		break;
	case KW_HTTP_BODY_BYTE_ARRAY:
		kc_buf_puts(b, ",\"bodyAsByteArray\":\"");
		kc_base64_encode(r->body, r->body_len, b);
		kc_buf_putc(b, '"');
		break;
	case KW_HTTP_BODY_MULTIPART:
		kc_buf_puts(b, ",\"parts\":");
		put_json(b, r->parts);
		break;
	}
	if (r->attributes != NULL) {
		kc_buf_puts(b, ",\"attributes\":");
		put_json(b, r->attributes);
	}
	kc_buf_putc(b, '}');
}

/* Whether a response body is text to keep in bodyAsString. */
static bool
body_is_text(const struct kw_http_response *r)
{
	const char *ct = kw_http_headers_get(&r->headers, "Content-Type");

	if (ct != NULL && !(strncasecmp(ct, "text/", 5) == 0 || strstr(ct, "json") != NULL ||
	    strstr(ct, "xml") != NULL || strstr(ct, "javascript") != NULL ||
	    strstr(ct, "x-www-form-urlencoded") != NULL))
		return false;
	return kw_http_utf8_valid(r->body.data ? r->body.data : "", r->body.len);
}

/* The response object. */
static void
put_response(struct kc_buf *b, const struct kw_http_response *r, int transport_status)
{
	char code[32];

	if (r->err_kind != KW_HTTP_ERR_NONE) {
		kc_buf_printf(b, "{\"statusCode\":%d,\"statusMessage\":", transport_status);
		put_str(b, r->err_message ? r->err_message : kw_http_err_kind_name(r->err_kind));
		kc_buf_puts(b, ",\"protocol\":");
		put_str(b, r->protocol[0] ? r->protocol : "http/1.1");
		if (r->err_kind == KW_HTTP_ERR_INVALID)
			snprintf(code, sizeof(code), "kcops:invalid_request");
		else if (r->err_kind == KW_HTTP_ERR_DENIED)
			snprintf(code, sizeof(code), "kcops:denied");
		else
			snprintf(code, sizeof(code), "curl:%d", r->err_code);
		kc_buf_puts(b, ",\"headers\":{\"throwable.class\":[");
		put_str(b, code);
		kc_buf_puts(b, "],\"throwable.message\":[");
		put_str(b, r->err_message ? r->err_message : "");
		kc_buf_puts(b, "]},\"bodyType\":\"STRING\",\"bodyAsString\":\"\"}");
		return;
	}
	kc_buf_printf(b, "{\"statusCode\":%d,\"statusMessage\":", r->status);
	put_str(b, r->status_message ? r->status_message : "");
	kc_buf_puts(b, ",\"protocol\":");
	put_str(b, r->protocol);
	kc_buf_puts(b, ",\"headers\":");
	put_headers(b, &r->headers);
	if (body_is_text(r)) {
		kc_buf_puts(b, ",\"bodyType\":\"STRING\",\"bodyAsString\":");
		kw_http_json_str(b, r->body.data ? r->body.data : "", r->body.len);
	} else {
		kc_buf_puts(b, ",\"bodyType\":\"BYTE_ARRAY\",\"bodyAsByteArray\":\"");
		kc_base64_encode(r->body.data, r->body.len, b);
		kc_buf_putc(b, '"');
	}
	if (r->truncated)
		kc_buf_puts(b, ",\"attributes\":{\"x.truncated\":\"true\"}");
	kc_buf_putc(b, '}');
}

/* Render the exchange. */
void
kw_http_exchange_render(const struct kw_http_exchange *ex, const struct kw_http_render_opts *o,
    struct kc_buf *b)
{
	const struct kw_http_timings *t = ex->timings;
	const char *k;
	json_t *v;
	char moment[40];
	int first = 1;

	if (o->response_only) {
		put_response(b, ex->resp, o->transport_status);
		return;
	}
	kc_iso8601_us(ex->moment_us, moment, sizeof(moment));
	kc_buf_printf(b, "{\"durationInMillis\":%lld,\"moment\":\"%s\",\"attempts\":%d,"
	    "\"success\":%s,", (long long)ex->duration_ms, moment, ex->attempts,
	    ex->success ? "true" : "false");
	kc_buf_puts(b, o->pojo_names ? "\"request\":" : "\"httpRequest\":");
	put_request(b, ex->req);
	kc_buf_puts(b, o->pojo_names ? ",\"response\":" : ",\"httpResponse\":");
	put_response(b, ex->resp, o->transport_status);
	kc_buf_puts(b, ",\"attributes\":{");
	if (ex->vu_id != NULL) {
		kc_buf_puts(b, "\"vu_id\":");
		put_str(b, ex->vu_id);
		first = 0;
	}
	if (ex->resp->err_kind != KW_HTTP_ERR_NONE) {
		kc_buf_puts(b, first ? "" : ",");
		kc_buf_puts(b, "\"x.error.kind\":");
		put_str(b, kw_http_err_kind_name(ex->resp->err_kind));
		first = 0;
	}
	if (ex->resp->truncated) {
		kc_buf_puts(b, first ? "" : ",");
		kc_buf_puts(b, "\"x.truncated\":\"true\"");
		first = 0;
	}
	if (ex->extra_attributes != NULL) {
		json_object_foreach((json_t *)ex->extra_attributes, k, v) {
			if (!json_is_string(v))
				continue;
			kc_buf_puts(b, first ? "" : ",");
			put_key(b, k);
			put_str(b, json_string_value(v));
			first = 0;
		}
	}
	kc_buf_putc(b, '}');
	if (t != NULL)
		kc_buf_printf(b, ",\"timings\":{\"dns\":%lld,\"connecting\":%lld,"
		    "\"secureConnecting\":%lld,\"waitingTime\":%lld,\"directElapsedTime\":%lld,"
		    "\"overallElapsedTime\":%lld,\"rateLimitingWaitingTime\":%lld}",
		    (long long)t->dns, (long long)t->connecting, (long long)t->secure_connecting,
		    (long long)t->waiting, (long long)t->direct, (long long)t->overall,
		    (long long)t->rate_wait);
	kc_buf_putc(b, '}');
}
