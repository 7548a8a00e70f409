/* http_sink.h - what the HTTP sink and the in-memory-queue source share.
 *
 * The sink hands finished exchanges to a named kw_queue as `struct http_qitem`. The item
 * owns the finished call (request, response, timings) so that the source renders it with
 * its own `content` setting, off the sink's thread. Its done callback is the hand-off
 * acknowledgement: it marks the input offsets the exchange covers as finished in the
 * sink's commit watermarks (reached through a refcounted `struct http_ack_target`, which
 * outlives the sink task when items are still queued).
 */
#ifndef HTTP_SINK_H
#define HTTP_SINK_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "http_exec.h"
#include "kc_kafka_watermark.h"
#include "kw_plugin.h"
#include "kw_queue.h"

/* Offsets an exchange covers (one per record of a batch). Topics are interned by the
 * ack target, so the pointers live as long as it does. */
struct http_rec_ref {
	const char	*topic;
	int32_t		 partition;
	int64_t		 offset;
};

struct http_ack_target {
	int			 refs;		/* atomic */
	struct kc_kafka_watermark *wm;
	uint64_t		 acked, abandoned;	/* atomic counters */
	int64_t			 first_ack_ms, last_ack_ms;	/* atomic; wall clock, 0: none */
	char			**topics;	/* interned names, owned */
	size_t			 ntopics;
};

struct http_ack_target *http_ack_target_new(void);
void http_ack_target_ref(struct http_ack_target *a);
void http_ack_target_unref(struct http_ack_target *a);
/* Intern a topic name (sink thread only). Borrowed; lives as long as the target. */
const char *http_ack_target_topic(struct http_ack_target *a, const char *topic);
/* Mark refs finished (ok) or just count them as abandoned (not committed). Thread-safe. */
void http_ack_target_done(struct http_ack_target *a, const struct http_rec_ref *refs, size_t n,
    int ok);

/* A queued exchange. */
struct http_qitem {
	struct kw_queue_item	 base;
	struct kw_http_call	*call;		/* owned; NULL for an error without a request */
	bool			 success;
	int			 transport_status;
	bool			 pojo_names;
	const char		*vu_id;		/* static string or NULL */
	char			*key;		/* input record key (malloc'd) or NULL */
	size_t			 keylen;
	rd_kafka_headers_t	*headers;	/* input headers + provenance, owned, or NULL */
	json_t			*extra;		/* exchange attributes to add (batch), or NULL */
	struct http_ack_target	*ack;		/* ref held */
	size_t			 nrefs;
	struct http_rec_ref	 refs[];
};

/* Render a queued item's record value (content = exchange or response). */
void http_qitem_render(const struct http_qitem *it, bool response_only, struct kc_buf *out);

/* Shared REST extension: GET /kcops/v1/queues. */
struct kw_req;
struct kw_resp;
int kw_http_rest_queues(struct kw_req *req, struct kw_resp *resp);

extern const struct kw_plugin kw_http_sink_plugin;
extern const struct kw_plugin kw_http_queue_source_plugin;

#endif
