/* http_exchange.h - HTTP responses, transport error kinds, and the exchange record.
 *
 * The exchange is rendered as JSON text in clescot's Struct-path names (httpRequest,
 * httpResponse, durationInMillis, moment, attempts, attributes, timings) plus `success`
 * (reference/http-connectors.md §c), or with pojo names (request/response), or as the
 * response alone. Transport failures get clescot's synthetic status (400 by default),
 * statusMessage = the error text, and headers throwable.class ("curl:28") and
 * throwable.message, plus attributes["x.error.kind"].
 */
#ifndef HTTP_EXCHANGE_H
#define HTTP_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "http_request.h"
#include "kc_buf.h"

enum kw_http_err_kind {
	KW_HTTP_ERR_NONE,
	KW_HTTP_ERR_TIMEOUT,
	KW_HTTP_ERR_REFUSED,
	KW_HTTP_ERR_DNS,
	KW_HTTP_ERR_TLS,
	KW_HTTP_ERR_PROTOCOL,
	KW_HTTP_ERR_TOO_LARGE,
	KW_HTTP_ERR_INVALID,	/* the record is not a valid request (never sent) */
	KW_HTTP_ERR_RATE,	/* not used on exchanges; reserved */
	KW_HTTP_ERR_DENIED,	/* the target address is on http.target.deny (never retried) */
};
#define KW_HTTP_ERR_KINDS (KW_HTTP_ERR_DENIED + 1)
/* "timeout", "connect_refused", "dns", "tls", "protocol", "too_large", "invalid_request",
 * "rate_limited", "denied". */
const char *kw_http_err_kind_name(enum kw_http_err_kind k);

struct kw_http_response {
	int			 status;		/* 0: no response (transport error) */
	char			*status_message;
	char			 protocol[16];		/* "http/1.1" */
	struct kw_http_headers	 headers;
	size_t			 headers_bytes;
	struct kc_buf		 body;
	bool			 truncated;
	enum kw_http_err_kind	 err_kind;
	int			 err_code;		/* curl code */
	char			*err_message;
};

void kw_http_response_init(struct kw_http_response *r);
void kw_http_response_clear(struct kw_http_response *r);	/* frees, leaves it empty */

struct kw_http_timings {
	int64_t	dns, connecting, secure_connecting, waiting, direct, overall, rate_wait;
};

struct kw_http_exchange {
	const struct kw_http_request	*req;
	const struct kw_http_response	*resp;
	const struct kw_http_timings	*timings;
	int				 attempts;
	int64_t				 moment_us;	/* wall clock, first attempt start */
	int64_t				 duration_ms;	/* last attempt */
	bool				 success;
	const char			*vu_id;		/* attributes.vu_id, may be NULL */
	const json_t			*extra_attributes; /* string map merged in, may be NULL */
};

struct kw_http_render_opts {
	bool	response_only;		/* content = response */
	bool	pojo_names;		/* exchange.field.names = pojo */
	int	transport_status;	/* synthetic status for transport errors (400) */
};

/* Append the exchange as JSON text. */
void kw_http_exchange_render(const struct kw_http_exchange *ex,
    const struct kw_http_render_opts *o, struct kc_buf *out);

#endif
