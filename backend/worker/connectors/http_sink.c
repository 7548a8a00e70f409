/* http_sink.c - kcops.http.HttpSinkConnector: HTTP requests from Kafka records, with the
 * four publish modes (NONE, DLQ, PRODUCER, IN_MEMORY_QUEUE).
 *
 * DESIGN
 * One thread per task runs everything: it takes records from the consumer in batches,
 * turns each into a call (HttpRequest JSON, or templates for plain values; optionally
 * grouped into batches), lets the executor (http_exec.c) run up to max.in.flight of them
 * on one libcurl multi handle, and publishes each finished exchange:
 *  - NONE: dropped (counted), the input is finished at once;
 *  - PRODUCER / DLQ: produced by the task's own producer; finished on the delivery report;
 *  - IN_MEMORY_QUEUE: pushed to the named kw_queue; finished when the queue source's
 *    producer has delivered it (the item's done callback, on the source's thread).
 * Every record is tracked in per-partition watermarks (kc_kafka_watermark) and committed
 * only when it and every record before it in its partition is finished, so commits stay
 * contiguous and a slow request holds back only its own partition. When too many records
 * are unfinished (the window) or the queue refuses an exchange, the task pauses its
 * partitions and keeps polling, so the group membership stays alive; it resumes when the
 * backlog drains. A record that is not a valid request becomes an error exchange (or a DLQ
 * record); it never stops the task.
 */
#include "http_sink.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"

#define LOGGER "kcops.worker.http.sink"

enum mode { MODE_NONE, MODE_DLQ, MODE_PRODUCER, MODE_QUEUE };
static const char *const mode_names[] = { "NONE", "DLQ", "PRODUCER", "IN_MEMORY_QUEUE" };

/* ---- ack target (shared with the queue source) ------------------------------------------ */

/* New ack target with its watermark tracker. */
struct http_ack_target *
http_ack_target_new(void)
{
	struct http_ack_target *a = kc_xcalloc(1, sizeof(*a));

	a->refs = 1;
	a->wm = kc_kafka_watermark_new();
	return a;
}

/* Take a reference. */
void
http_ack_target_ref(struct http_ack_target *a)
{
	__atomic_add_fetch(&a->refs, 1, __ATOMIC_ACQ_REL);
}

/* Drop a reference. */
void
http_ack_target_unref(struct http_ack_target *a)
{
	size_t i;

	if (a == NULL || __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	kc_kafka_watermark_free(a->wm);
	for (i = 0; i < a->ntopics; i++)
		free(a->topics[i]);
	free(a->topics);
	free(a);
}

/* Intern a topic name. */
const char *
http_ack_target_topic(struct http_ack_target *a, const char *topic)
{
	size_t i;

	for (i = 0; i < a->ntopics; i++)
		if (strcmp(a->topics[i], topic) == 0)
			return a->topics[i];
	/* the array may move, but the strings never do; only the sink thread reads it */
	a->topics = kc_xrealloc(a->topics, (a->ntopics + 1) * sizeof(*a->topics));
	a->topics[a->ntopics] = kc_xstrdup(topic);
	return a->topics[a->ntopics++];
}

/* Finish (ok) or abandon records. */
void
http_ack_target_done(struct http_ack_target *a, const struct http_rec_ref *refs, size_t n,
    int ok)
{
	int64_t now, zero = 0;
	size_t i;

	if (!ok) {
		__atomic_add_fetch(&a->abandoned, n, __ATOMIC_RELAXED);
		return;
	}
	now = kc_wall_ms();
	for (i = 0; i < n; i++)
		kc_kafka_watermark_done(a->wm, refs[i].topic, refs[i].partition, refs[i].offset);
	__atomic_add_fetch(&a->acked, n, __ATOMIC_RELAXED);
	__atomic_compare_exchange_n(&a->first_ack_ms, &zero, now, false, __ATOMIC_RELAXED,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&a->last_ack_ms, now, __ATOMIC_RELAXED);
}

/* Render a queued item. */
void
http_qitem_render(const struct http_qitem *it, bool response_only, struct kc_buf *out)
{
	struct kw_http_render_opts o;
	struct kw_http_exchange ex;
	const struct kw_http_call *c = it->call;

	memset(&o, 0, sizeof(o));
	o.response_only = response_only;
	o.pojo_names = it->pojo_names;
	o.transport_status = it->transport_status;
	memset(&ex, 0, sizeof(ex));
	ex.req = &c->req;
	ex.resp = &c->resp;
	ex.timings = c->attempts > 0 ? &c->timings : NULL;
	ex.attempts = c->attempts;
	ex.moment_us = c->moment_us;
	ex.duration_ms = c->duration_ms;
	ex.success = it->success;
	ex.vu_id = it->vu_id;
	ex.extra_attributes = it->extra;
	kw_http_exchange_render(&ex, &o, out);
}

/* ---- configuration ---------------------------------------------------------------------- */

/* Validators. */
static const char *
valid_mode(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "NONE", "DLQ", "PRODUCER", "IN_MEMORY_QUEUE", NULL);
}

static const char *
valid_content(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "exchange", "response", NULL);
}

static const char *
valid_names(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "struct", "pojo", NULL);
}

static const char *
valid_template(const char *v, char *buf, size_t len)
{
	struct kw_http_template *t;

	if (v == NULL || *v == '\0')
		return NULL;
	t = kw_http_template_new(v, buf, len);
	if (t == NULL)
		return buf;
	kw_http_template_free(t);
	return NULL;
}

static const char *
valid_null(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "ignore", "fail", NULL);
}

static const char *
valid_scope(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "instance", "static", NULL);
}

static const char *
valid_oauth_method(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 0, "client_secret_basic", "client_secret_post", NULL);
}

static const char *
valid_deny(const char *v, char *buf, size_t len)
{
	struct kw_http_netlist *n;

	if (v == NULL || *v == '\0')
		return NULL;
	n = kw_http_netlist_new(v, buf, len);
	kw_http_netlist_free(n);
	return buf[0] != '\0' ? buf : NULL;
}

#define OA "httpclient.authentication.oauth2.client.credentials.flow."

static const struct kw_cfg_def sink_defs[] = {
	/* Publish */
	{ "publish.mode", KW_CFG_STRING, "NONE", KW_HIGH, "Publish",
	  "What happens to each HTTP exchange: NONE (dropped, counted), DLQ (every exchange and "
	  "every connector error to errors.deadletterqueue.topic.name), PRODUCER (the task's "
	  "producer writes to producer.success.topic / producer.error.topic), IN_MEMORY_QUEUE "
	  "(handed to the queue queue.name, drained by a kcops.http.HttpQueueSourceConnector "
	  "in this worker).", valid_mode, 0 },
	{ "queue.name", KW_CFG_STRING, "default", KW_MEDIUM, "Publish",
	  "IN_MEMORY_QUEUE: name of the in-memory queue; must match the queue source's "
	  "queue.name.", kw_valid_nonempty, 0 },
	{ "queue.capacity", KW_CFG_INT, "10000", KW_MEDIUM, "Publish",
	  "IN_MEMORY_QUEUE: most exchanges the queue holds; when full the sink pauses its "
	  "partitions until the source drains it. Set by the first sink that opens the queue.",
	  kw_valid_positive_int, 0 },
	{ "queue.consumer.wait.ms", KW_CFG_LONG, "60000", KW_LOW, "Publish",
	  "IN_MEMORY_QUEUE: how long the sink waits at start for the queue's consumer (a queue "
	  "source) before it fails.", kw_valid_nonneg_int, 0 },
	{ "producer.success.topic", KW_CFG_STRING, "http-success", KW_HIGH, "Publish",
	  "PRODUCER: topic for successful exchanges.", kw_valid_nonempty, 0 },
	{ "producer.error.topic", KW_CFG_STRING, "http-errors", KW_HIGH, "Publish",
	  "PRODUCER: topic for failed exchanges and invalid request records.",
	  kw_valid_nonempty, 0 },
	{ "producer.content", KW_CFG_STRING, "exchange", KW_MEDIUM, "Publish",
	  "PRODUCER and DLQ: the record value is the whole exchange, or only the response.",
	  valid_content, 0 },
	{ "exchange.field.names", KW_CFG_STRING, "struct", KW_LOW, "Publish",
	  "struct: httpRequest/httpResponse (clescot's queue source and JsonConverter names); "
	  "pojo: request/response (clescot's PRODUCER / JSON-Schema v3 names).", valid_names, 0 },
	{ "http.transport.error.status.code", KW_CFG_INT, "400", KW_LOW, "Publish",
	  "statusCode written for transport failures (timeout, refused, dns, tls, ...); 400 as "
	  "clescot, or e.g. 599 to tell them from real 400 responses.", kw_valid_nonneg_int, 0 },
	{ "commit.interval.ms", KW_CFG_INT, "1000", KW_LOW, "Publish",
	  "How often finished input offsets are committed.", kw_valid_positive_int, 0 },
	/* Request */
	{ "request.strict", KW_CFG_BOOLEAN, "false", KW_LOW, "Request",
	  "Reject HttpRequest records with unknown fields (clescot's schema forbids them).",
	  NULL, 0 },
	{ "request.template.url", KW_CFG_STRING, NULL, KW_MEDIUM, "Request",
	  "When set, records are plain values (not HttpRequest JSON) and the URL is this "
	  "template: ${topic} ${partition} ${offset} ${key} ${value} ${value.FIELD.SUB} "
	  "${header.NAME} (substitutions are percent-encoded).", valid_template,
	  KW_CFG_OPTIONAL },
	{ "request.template.method", KW_CFG_STRING, "POST", KW_LOW, "Request",
	  "Method for templated requests (may use placeholders).", valid_template, 0 },
	{ "request.template.body", KW_CFG_STRING, "${value}", KW_LOW, "Request",
	  "Body template for templated requests.", valid_template, 0 },
	{ "request.template.headers", KW_CFG_LIST, "", KW_LOW, "Request",
	  "Headers for templated requests, as 'Name: value template' entries.", NULL, 0 },
	{ "behavior.on.null.values", KW_CFG_STRING, "ignore", KW_LOW, "Request",
	  "Records with a null value: ignore (skip, counted) or fail (error exchange / DLQ).",
	  valid_null, 0 },
	{ "http.request.max.bytes", KW_CFG_LONG, "10485760", KW_LOW, "Request",
	  "Largest request body sent; a bigger one is refused before sending as an error "
	  "exchange of kind too_large.", kw_valid_positive_int, 0 },
	/* Batching */
	{ "batch.max.size", KW_CFG_INT, "1", KW_MEDIUM, "Batching",
	  "Records grouped into one request body (1: one request per record).",
	  kw_valid_positive_int, 0 },
	{ "batch.max.bytes", KW_CFG_LONG, "1048576", KW_LOW, "Batching",
	  "A batch is sent once its body reaches this size.", kw_valid_positive_int, 0 },
	{ "batch.linger.ms", KW_CFG_INT, "20", KW_LOW, "Batching",
	  "Longest a partial batch waits for more records.", kw_valid_nonneg_int, 0 },
	{ "batch.prefix", KW_CFG_STRING, "", KW_LOW, "Batching", "Text before a batch body.",
	  NULL, 0 },
	{ "batch.separator", KW_CFG_STRING, "\n", KW_LOW, "Batching",
	  "Text between records of a batch.", NULL, 0 },
	{ "batch.suffix", KW_CFG_STRING, "", KW_LOW, "Batching", "Text after a batch body.",
	  NULL, 0 },
	{ "batch.json.as.array", KW_CFG_BOOLEAN, "false", KW_LOW, "Batching",
	  "Send a batch as a JSON array (prefix '[', separator ',', suffix ']').", NULL, 0 },
	{ "batch.key.pattern", KW_CFG_STRING, "${topic}", KW_LOW, "Batching",
	  "Records whose pattern expands to the same text (and with the same method and URL) "
	  "share a batch.", valid_template, 0 },
	/* HTTP */
	{ "max.in.flight", KW_CFG_INT, "64", KW_HIGH, "HTTP",
	  "Concurrent HTTP requests per task.", kw_valid_positive_int, 0 },
	{ "max.in.flight.per.host", KW_CFG_INT, "0", KW_MEDIUM, "HTTP",
	  "Concurrent connections per host (0: only max.in.flight applies).",
	  kw_valid_nonneg_int, 0 },
	{ "max.pending.records", KW_CFG_INT, "0", KW_LOW, "HTTP",
	  "Records taken but not yet committed (in flight, retrying, awaiting publication or "
	  "the next commit) before the task stops taking more and, if that lasts, pauses its "
	  "partitions; it bounds what a crash replays. A commit is also made early when half "
	  "of it is used. 0: 4 x max.in.flight x batch.max.size, at least 5000.",
	  kw_valid_nonneg_int, 0 },
	{ "http.connect.timeout.ms", KW_CFG_LONG, "10000", KW_MEDIUM, "HTTP",
	  "Connection timeout.", kw_valid_nonneg_int, 0 },
	{ "http.request.timeout.ms", KW_CFG_LONG, "30000", KW_MEDIUM, "HTTP",
	  "Whole-request timeout (includes waiting for a connection slot).",
	  kw_valid_nonneg_int, 0 },
	{ "http.redirect.max", KW_CFG_INT, "5", KW_LOW, "HTTP",
	  "Redirects followed (0: none). https never redirects to http.", kw_valid_nonneg_int,
	  0 },
	{ "http.response.message.status.limit", KW_CFG_INT, "1024", KW_LOW, "HTTP",
	  "Longest status message kept.", kw_valid_positive_int, 0 },
	{ "http.response.message.headers.limit", KW_CFG_INT, "10000", KW_LOW, "HTTP",
	  "Response header bytes kept.", kw_valid_positive_int, 0 },
	{ "http.response.message.body.limit", KW_CFG_INT, "100000", KW_LOW, "HTTP",
	  "Response body bytes kept; beyond, the exchange says attributes[\"x.truncated\"].",
	  kw_valid_positive_int, 0 },
	{ "http.response.max.bytes", KW_CFG_LONG, "0", KW_LOW, "HTTP",
	  "Abort responses larger than this (error kind too_large, not retried); 0: off.",
	  kw_valid_nonneg_int, 0 },
	{ "http.target.deny", KW_CFG_LIST, "", KW_MEDIUM, "HTTP",
	  "Addresses requests may not connect to (server-side request forgery guard; empty: "
	  "off): loopback, private, link-local and/or IP addresses and CIDR blocks. Checked "
	  "on the address actually connected, after DNS and for every redirect hop (with a "
	  "proxy: the proxy's address). A refused request is an error exchange of kind "
	  "denied, never retried.", valid_deny, 0 },
	{ "http.user.agent", KW_CFG_STRING, "kcops-worker/" KCOPS_VERSION, KW_LOW, "HTTP",
	  "User-Agent header.", NULL, 0 },
	{ "http.ssl.ca.location", KW_CFG_STRING, NULL, KW_LOW, "TLS",
	  "PEM file of CA certificates to trust.", NULL, KW_CFG_OPTIONAL },
	{ "http.ssl.certificate.location", KW_CFG_STRING, NULL, KW_LOW, "TLS",
	  "PEM client certificate (mutual TLS).", NULL, KW_CFG_OPTIONAL },
	{ "http.ssl.key.location", KW_CFG_STRING, NULL, KW_LOW, "TLS",
	  "PEM private key of the client certificate.", NULL, KW_CFG_OPTIONAL },
	{ "http.ssl.key.password", KW_CFG_PASSWORD, NULL, KW_LOW, "TLS",
	  "Password of the private key.", NULL, KW_CFG_OPTIONAL },
	{ "httpclient.ssl.truststore.always.trust", KW_CFG_BOOLEAN, "false", KW_LOW, "TLS",
	  "Do not verify server certificates (insecure; for tests).", NULL, 0 },
	{ "proxy.httpclient.hostname", KW_CFG_STRING, NULL, KW_LOW, "HTTP",
	  "Proxy host.", NULL, KW_CFG_OPTIONAL },
	{ "proxy.httpclient.port", KW_CFG_INT, "3128", KW_LOW, "HTTP", "Proxy port.",
	  kw_valid_positive_int, 0 },
	{ "proxy.httpclient.type", KW_CFG_STRING, "HTTP", KW_LOW, "HTTP",
	  "HTTP or SOCKS.", NULL, 0 },
	/* Auth */
	{ "httpclient.authentication.basic.activate", KW_CFG_BOOLEAN, "false", KW_MEDIUM, "Auth",
	  "Basic authentication.", NULL, 0 },
	{ "httpclient.authentication.basic.username", KW_CFG_STRING, NULL, KW_MEDIUM, "Auth",
	  "Basic user.", NULL, KW_CFG_OPTIONAL },
	{ "httpclient.authentication.basic.password", KW_CFG_PASSWORD, NULL, KW_MEDIUM, "Auth",
	  "Basic password.", NULL, KW_CFG_OPTIONAL },
	{ "httpclient.authentication.bearer.token", KW_CFG_PASSWORD, NULL, KW_MEDIUM, "Auth",
	  "Static bearer token (Authorization: Bearer ...), unless the request has its own "
	  "Authorization header.", NULL, KW_CFG_OPTIONAL },
	{ OA "activate", KW_CFG_BOOLEAN, "false", KW_MEDIUM, "Auth",
	  "OAuth2 client-credentials: fetch a token, send it as a bearer token, refresh it "
	  "before expiry and once on a 401.", NULL, 0 },
	{ OA "token.url", KW_CFG_STRING, NULL, KW_MEDIUM, "Auth",
	  "OAuth2 token endpoint (or give well.known.url).", NULL, KW_CFG_OPTIONAL },
	{ OA "well.known.url", KW_CFG_STRING, NULL, KW_LOW, "Auth",
	  "OpenID discovery document; its token_endpoint is used when token.url is unset.",
	  NULL, KW_CFG_OPTIONAL },
	{ OA "client.authentication.method", KW_CFG_STRING, "client_secret_basic", KW_LOW,
	  "Auth", "client_secret_basic or client_secret_post.", valid_oauth_method, 0 },
	{ OA "client.id", KW_CFG_STRING, NULL, KW_MEDIUM, "Auth", "OAuth2 client id.", NULL,
	  KW_CFG_OPTIONAL },
	{ OA "client.secret", KW_CFG_PASSWORD, NULL, KW_MEDIUM, "Auth", "OAuth2 client secret.",
	  NULL, KW_CFG_OPTIONAL },
	{ OA "scopes", KW_CFG_STRING, NULL, KW_LOW, "Auth", "OAuth2 scope parameter.", NULL,
	  KW_CFG_OPTIONAL },
	/* Enrichment */
	{ "enrich.request.static.header.names", KW_CFG_LIST, "", KW_LOW, "Enrichment",
	  "Names of static headers added to every request; each value is "
	  "enrich.request.static.header.NAME.", NULL, 0 },
	{ "enrich.request.generate.missing.request.id", KW_CFG_BOOLEAN, "false", KW_LOW,
	  "Enrichment", "Add X-Request-ID (a UUID) when the request has none.", NULL, 0 },
	{ "enrich.request.generate.missing.correlation.id", KW_CFG_BOOLEAN, "false", KW_LOW,
	  "Enrichment", "Add X-Correlation-ID (a UUID) when the request has none.", NULL, 0 },
	/* Retry */
	{ "enrich.exchange.success.response.code.regex", KW_CFG_STRING, "^[1-2][0-9][0-9]$",
	  KW_MEDIUM, "Retry", "Status codes that count as success (POSIX ERE).",
	  kw_valid_regex, 0 },
	{ "retry.policy.response.code.regex", KW_CFG_STRING, "^5[0-9][0-9]$|^429$", KW_MEDIUM,
	  "Retry", "Non-success status codes that are retried (POSIX ERE).", kw_valid_regex,
	  0 },
	{ "retry.policy.retries", KW_CFG_INT, "3", KW_MEDIUM, "Retry",
	  "Retries after the first attempt (0: none).", kw_valid_nonneg_int, 0 },
	{ "retry.policy.retry.delay.in.ms", KW_CFG_LONG, "2000", KW_LOW, "Retry",
	  "First backoff delay.", kw_valid_nonneg_int, 0 },
	{ "retry.policy.retry.max.delay.in.ms", KW_CFG_LONG, "20000", KW_LOW, "Retry",
	  "Largest backoff delay.", kw_valid_nonneg_int, 0 },
	{ "retry.policy.retry.delay.factor", KW_CFG_DOUBLE, "1.5", KW_LOW, "Retry",
	  "Backoff growth factor.", NULL, 0 },
	{ "retry.policy.retry.jitter.in.ms", KW_CFG_LONG, "500", KW_LOW, "Retry",
	  "Random extra delay (0..jitter) added to each backoff.", kw_valid_nonneg_int, 0 },
	{ "retry.policy.retry.after.max.threshold.in.sec", KW_CFG_LONG, "60", KW_LOW, "Retry",
	  "Cap on an honoured Retry-After / X-Retry-After (seconds or HTTP date); only the "
	  "request that got it waits.", kw_valid_nonneg_int, 0 },
	{ "retry.policy.retry.after.status.code", KW_CFG_STRING, "503|429|301", KW_LOW, "Retry",
	  "Statuses whose Retry-After is honoured.", NULL, 0 },
	{ "retry.policy.retry.non.idempotent", KW_CFG_BOOLEAN, "false", KW_LOW, "Retry",
	  "Retry POST/PATCH/CONNECT after a read timeout or a dropped connection (the server "
	  "may have applied them already).", NULL, 0 },
	{ "rate.limiter.max.executions", KW_CFG_LONG, "0", KW_MEDIUM, "Retry",
	  "Requests allowed per rate.limiter.period.in.ms, evenly spaced (0: no limit).",
	  kw_valid_nonneg_int, 0 },
	{ "rate.limiter.period.in.ms", KW_CFG_LONG, "1000", KW_LOW, "Retry",
	  "Rate limiter period.", kw_valid_positive_int, 0 },
	{ "rate.limiter.scope", KW_CFG_STRING, "instance", KW_LOW, "Retry",
	  "instance: one limiter per task; static: one shared by every task of the connector.",
	  valid_scope, 0 },
};

/* Cross-key checks. */
static void
sink_validate(const json_t *config, struct kw_validation *v)
{
	const char *mode = kc_json_str(config, "publish.mode");
	const char *dlq = kc_json_str(config, "errors.deadletterqueue.topic.name");

	if (mode != NULL && strcasecmp(mode, "DLQ") == 0 && (dlq == NULL || *dlq == '\0'))
		kw_validation_error(v, "errors.deadletterqueue.topic.name",
		    "publish.mode DLQ needs a dead-letter topic name");
	if (kc_json_str(config, OA "activate") != NULL &&
	    strcmp(kc_json_str(config, OA "activate"), "true") == 0 &&
	    kc_json_str(config, OA "token.url") == NULL &&
	    kc_json_str(config, OA "well.known.url") == NULL)
		kw_validation_error(v, OA "token.url",
		    "OAuth2 client credentials need token.url or well.known.url");
	if (kc_json_str(config, "httpclient.authentication.basic.activate") != NULL &&
	    strcmp(kc_json_str(config, "httpclient.authentication.basic.activate"), "true") == 0 &&
	    kc_json_str(config, "httpclient.authentication.basic.username") == NULL)
		kw_validation_error(v, "httpclient.authentication.basic.username",
		    "basic authentication needs a username");
}

/* ---- the task --------------------------------------------------------------------------- */

/* Per-call context: the records the call covers and what their output records carry. */
struct call_ctx {
	char			*key;		/* first record's key */
	size_t			 keylen;
	rd_kafka_headers_t	*headers;	/* first record's headers (copy) or NULL */
	json_t			*extra;		/* batch attributes or NULL */
	char			*raw;		/* invalid records: the original value */
	size_t			 rawlen;
	bool			 invalid, has_raw;
	struct http_ack_target	*ack;		/* borrowed from the sink */
	size_t			 nrefs, caprefs;
	struct http_rec_ref	*refs;
};

struct batch {
	char			*gkey;
	struct kw_http_call	*call;		/* request of the first record, body grows */
	struct kc_buf		 body;
	int			 count;
	int64_t			 opened_ms;
};

#define LAT_BUCKETS 160
#define RING_PER_100MS 200	/* successful exchanges streamed per 100 ms, at most */

struct sink {
	struct kw_task		*t;
	enum mode		 mode;
	rd_kafka_t		*consumer;
	rd_kafka_queue_t	*cq;
	rd_kafka_t		*producer;
	struct kw_http_exec	*x;
	struct http_ack_target	*ack;
	struct kw_queue		*queue;
	struct kw_http_headers	 static_headers;
	/* settings */
	bool			 strict, null_fail, response_only, pojo;
	int			 transport_status;
	int64_t			 max_body;
	struct kw_http_template	*t_url, *t_method, *t_body, *t_bkey;
	struct kw_http_template	**t_hdr;
	char			**t_hdr_name;
	size_t			 nt_hdr;
	const char		*success_topic, *error_topic, *dlq_topic;
	int			 batch_max, linger_ms;
	int64_t			 batch_max_bytes;
	const char		*prefix, *sep, *suffix;
	size_t			 window;
	int			 commit_ms, max_in_flight;
	char			 vu_id[32];
	/* state */
	struct batch		*batches;
	size_t			 nbatches;
	struct http_qitem	*pend_head, *pend_tail;	/* exchanges waiting for queue space */
	size_t			 npend;
	bool			 bp_paused, user_paused, mode_stopping;
	int64_t			 last_commit, last_metrics, last_pause_apply, full_since;
	rd_kafka_message_t	**held;			/* taken while full, not yet handled */
	size_t			 nheld, capheld;
	uint64_t		 assigns, revokes, lost;	/* rebalance events */
	/* metrics */
	uint64_t		 records, requests, ok, failed, bad, skipped, dropped, batches_sent;
	uint64_t		 produced, produce_errors, queue_full, commits;
	int			 commits_inflight;
	uint64_t		 commits_seen, commit_failures;
	int64_t			 commit_retry_at, commit_warned_at;
	int64_t			 last_commit_ok;
	rd_kafka_queue_t	*commitq;
	uint64_t		 status[6];		/* 1xx..5xx by class, [0] transport */
	uint64_t		 kinds[KW_HTTP_ERR_KINDS];
	uint64_t		 lat[LAT_BUCKETS];
	uint64_t		 lat_n;
	int64_t			 lat_max_us;
	uint64_t		 rate_prev_requests;
	int64_t			 rate_prev_ms;
	double			 rate;
	uint64_t		 codes[600];		/* per status code */
	int64_t			 ring_window_ms;	/* exchange stream sampling */
	int			 ring_in_window;
	uint64_t		 ring_skipped;
};

/* Latency bucket of a duration in microseconds (4 per power of two). */
static int
lat_bucket(int64_t us)
{
	int b;

	if (us < 1)
		us = 1;
	b = (int)(log2((double)us) * 4.0);
	return b < 0 ? 0 : b >= LAT_BUCKETS ? LAT_BUCKETS - 1 : b;
}

/* Percentile (0..1) of the latency histogram in milliseconds. */
static double
lat_pct(const struct sink *s, double p)
{
	uint64_t want, acc = 0;
	int i;

	if (s->lat_n == 0)
		return 0;
	want = (uint64_t)ceil(p * (double)s->lat_n);
	for (i = 0; i < LAT_BUCKETS; i++) {
		acc += s->lat[i];
		if (acc >= want)
			return pow(2.0, (i + 0.5) / 4.0) / 1000.0;
	}
	return (double)s->lat_max_us / 1000.0;
}

/* A new call context. */
static struct call_ctx *
ctx_new(struct sink *s)
{
	struct call_ctx *c = kc_xcalloc(1, sizeof(*c));

	c->ack = s->ack;
	return c;
}

/* Add a record reference. */
static void
ctx_add_ref(struct call_ctx *c, const char *topic, int32_t partition, int64_t offset)
{
	if (c->nrefs == c->caprefs) {
		c->caprefs = c->caprefs ? c->caprefs * 2 : 1;
		c->refs = kc_xrealloc(c->refs, c->caprefs * sizeof(*c->refs));
	}
	c->refs[c->nrefs].topic = topic;
	c->refs[c->nrefs].partition = partition;
	c->refs[c->nrefs].offset = offset;
	c->nrefs++;
}

/* Free a context. */
static void
ctx_free(struct call_ctx *c)
{
	if (c == NULL)
		return;
	free(c->key);
	if (c->headers != NULL)
		rd_kafka_headers_destroy(c->headers);
	json_decref(c->extra);
	free(c->raw);
	free(c->refs);
	free(c);
}

/* Free a call and its context without finishing its records. */
static void
call_drop(struct kw_http_call *c)
{
	struct call_ctx *ctx = c->user;

	if (ctx != NULL)
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 0);
	ctx_free(ctx);
	kw_http_call_free(c);
}

/* Output headers: the input's, plus provenance (and DLQ kind). New, or NULL on none. */
static rd_kafka_headers_t *
out_headers(const struct call_ctx *ctx, const char *dlq_kind)
{
	rd_kafka_headers_t *h;
	char num[32];

	h = ctx->headers != NULL ? rd_kafka_headers_copy(ctx->headers) : rd_kafka_headers_new(4);
	if (ctx->nrefs > 0) {
		rd_kafka_header_add(h, "kcops.input.topic", -1, ctx->refs[0].topic, -1);
		snprintf(num, sizeof(num), "%d", (int)ctx->refs[0].partition);
		rd_kafka_header_add(h, "kcops.input.partition", -1, num, -1);
		snprintf(num, sizeof(num), "%lld", (long long)ctx->refs[0].offset);
		rd_kafka_header_add(h, "kcops.input.offset", -1, num, -1);
		if (ctx->nrefs > 1) {
			snprintf(num, sizeof(num), "%zu", ctx->nrefs);
			rd_kafka_header_add(h, "kcops.input.count", -1, num, -1);
		}
	}
	if (dlq_kind != NULL)
		rd_kafka_header_add(h, "kcops.dlq.kind", -1, dlq_kind, -1);
	return h;
}

/* Produce one record; the value buffer is handed to librdkafka (freed by it). The ctx is
 * the delivery-report opaque. Waits (polling) while the local queue is full. */
static void
produce(struct sink *s, const char *topic, struct call_ctx *ctx, char *value, size_t len,
    rd_kafka_headers_t *h)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		err = rd_kafka_producev(s->producer, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_VALUE(value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
		    RD_KAFKA_V_KEY(ctx->key, ctx->key ? ctx->keylen : 0),
		    RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(ctx), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(s->producer, 10);
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		/* not accepted (unknown topic, message too large...): the record stays
		 * unfinished and is delivered again after a restart */
		kc_log(LOGGER, KC_LOG_ERROR, "%s: cannot produce to %s: %s",
		    kw_task_connector(s->t), topic, rd_kafka_err2str(err));
		s->produce_errors++;
		free(value);
		rd_kafka_headers_destroy(h);
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 0);
		ctx_free(ctx);
		return;
	}
	s->produced++;
}

/* Delivery report: finish the records, or try again. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink *s = opaque;
	struct call_ctx *ctx = m->_private;
	rd_kafka_headers_t *h = NULL, *hc = NULL;
	rd_kafka_resp_err_t err;
	char *copy;

	(void)rk;
	if (ctx == NULL)
		return;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 1);
		ctx_free(ctx);
		return;
	}
	s->produce_errors++;
	if (s->mode_stopping || m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 0);
		ctx_free(ctx);
		return;
	}
	kc_log(LOGGER, KC_LOG_WARN, "%s: delivery to %s failed (%s), producing again",
	    kw_task_connector(s->t), rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
	copy = kc_xmalloc(m->len + 1);
	memcpy(copy, m->payload, m->len);
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR)
		hc = rd_kafka_headers_copy(h);
	err = rd_kafka_producev(s->producer, RD_KAFKA_V_TOPIC(rd_kafka_topic_name(m->rkt)),
	    RD_KAFKA_V_VALUE(copy, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
	    RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_HEADERS(hc), RD_KAFKA_V_OPAQUE(ctx),
	    RD_KAFKA_V_END);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		free(copy);
		if (hc != NULL)
			rd_kafka_headers_destroy(hc);
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 0);
		ctx_free(ctx);
	}
}

/* Queue item done: the source delivered it (ok) or gave it up. */
static void
qitem_done(struct kw_queue_item *base, int ok)
{
	struct http_qitem *it = (struct http_qitem *)base;

	http_ack_target_done(it->ack, it->refs, it->nrefs, ok);
	http_ack_target_unref(it->ack);
	kw_http_call_free(it->call);
	free(it->key);
	if (it->headers != NULL)
		rd_kafka_headers_destroy(it->headers);
	json_decref(it->extra);
	free(it);
}

/* Push waiting exchanges into the queue while it has room. */
static void
flush_pending(struct sink *s)
{
	struct http_qitem *it;

	while ((it = s->pend_head) != NULL) {
		struct http_qitem *next = (struct http_qitem *)it->base.next;

		if (kw_queue_push(s->queue, &it->base) < 0) {
			s->queue_full++;
			return;
		}
		s->pend_head = next;
		if (next == NULL)
			s->pend_tail = NULL;
		s->npend--;
	}
}

/* Publish a finished call in the task's mode; takes the call. */
static void
publish(struct sink *s, struct kw_http_call *c)
{
	struct call_ctx *ctx = c->user;
	struct kw_http_render_opts o;
	struct kw_http_exchange ex;
	struct http_qitem *it;
	struct kc_buf b;
	char *v;

	if (s->mode == MODE_NONE && !(ctx->invalid && s->dlq_topic != NULL)) {
		s->dropped++;
		http_ack_target_done(ctx->ack, ctx->refs, ctx->nrefs, 1);
		ctx_free(ctx);
		kw_http_call_free(c);
		return;
	}
	if (s->mode == MODE_QUEUE) {
		it = kc_xcalloc(1, sizeof(*it) + ctx->nrefs * sizeof(struct http_rec_ref));
		it->base.done = qitem_done;
		it->call = c;
		it->success = c->success;
		it->transport_status = s->transport_status;
		it->pojo_names = s->pojo;
		it->vu_id = NULL;
		it->key = ctx->key;
		it->keylen = ctx->keylen;
		ctx->key = NULL;
		it->headers = out_headers(ctx, NULL);
		it->extra = ctx->extra;
		ctx->extra = NULL;
		it->ack = ctx->ack;
		http_ack_target_ref(it->ack);
		it->nrefs = ctx->nrefs;
		memcpy(it->refs, ctx->refs, ctx->nrefs * sizeof(*ctx->refs));
		c->user = NULL;
		ctx_free(ctx);
		if (s->pend_head == NULL && kw_queue_push(s->queue, &it->base) == 0)
			return;
		if (s->pend_head == NULL)
			s->queue_full++;
		it->base.next = NULL;
		if (s->pend_tail != NULL)
			s->pend_tail->base.next = &it->base;
		else
			s->pend_head = it;
		s->pend_tail = it;
		s->npend++;
		return;
	}
	/* PRODUCER, DLQ (and NONE with a DLQ for invalid records) */
	if (ctx->invalid && ctx->has_raw && s->mode != MODE_PRODUCER) {
		/* Connect-style dead letter: the original record with error headers */
		rd_kafka_headers_t *h = out_headers(ctx, "error");
		char num[32];

		rd_kafka_header_add(h, "__connect.errors.topic", -1, ctx->refs[0].topic, -1);
		snprintf(num, sizeof(num), "%d", (int)ctx->refs[0].partition);
		rd_kafka_header_add(h, "__connect.errors.partition", -1, num, -1);
		snprintf(num, sizeof(num), "%lld", (long long)ctx->refs[0].offset);
		rd_kafka_header_add(h, "__connect.errors.offset", -1, num, -1);
		rd_kafka_header_add(h, "__connect.errors.connector.name", -1,
		    kw_task_connector(s->t), -1);
		snprintf(num, sizeof(num), "%d", kw_task_id(s->t));
		rd_kafka_header_add(h, "__connect.errors.task.id", -1, num, -1);
		rd_kafka_header_add(h, "__connect.errors.stage", -1, "TASK_PUT", -1);
		rd_kafka_header_add(h, "__connect.errors.exception.class.name", -1,
		    c->resp.err_kind == KW_HTTP_ERR_TOO_LARGE ? "kcops.http.RequestTooLarge" :
		    "kcops.http.InvalidRequest", -1);
		rd_kafka_header_add(h, "__connect.errors.exception.message", -1,
		    c->resp.err_message ? c->resp.err_message : "", -1);
		v = ctx->raw;
		ctx->raw = NULL;
		produce(s, s->dlq_topic, ctx, v, ctx->rawlen, h);
		kw_http_call_free(c);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.response_only = s->response_only;
	o.pojo_names = s->pojo;
	o.transport_status = s->transport_status;
	memset(&ex, 0, sizeof(ex));
	ex.req = &c->req;
	ex.resp = &c->resp;
	ex.timings = c->attempts > 0 ? &c->timings : NULL;
	ex.attempts = c->attempts;
	ex.moment_us = c->moment_us;
	ex.duration_ms = c->duration_ms;
	ex.success = c->success;
	ex.vu_id = s->vu_id;
	ex.extra_attributes = ctx->extra;
	kc_buf_init(&b);
	kc_buf_reserve(&b, 1024 + c->resp.body.len + c->req.body_len);
	kw_http_exchange_render(&ex, &o, &b);
	{
		size_t len = b.len;

		v = kc_buf_steal(&b);
		if (s->mode == MODE_DLQ || s->mode == MODE_NONE)	/* NONE: invalid records */
			produce(s, s->dlq_topic, ctx, v, len,
			    out_headers(ctx, ctx->invalid ? "error" : "exchange"));
		else
			produce(s, c->success ? s->success_topic : s->error_topic, ctx, v, len,
			    out_headers(ctx, NULL));
	}
	kw_http_call_free(c);
}

/* Account a finished call in the metrics and the exchange stream. */
static void
account(struct sink *s, const struct kw_http_call *c)
{
	const struct call_ctx *ctx = c->user;
	const char *rid;
	json_t *sum;
	int64_t us;

	if (c->attempts > 0) {
		s->requests++;
		if (c->resp.err_kind != KW_HTTP_ERR_NONE) {
			s->status[0]++;
			s->kinds[c->resp.err_kind]++;
		} else {
			if (c->resp.status >= 100 && c->resp.status < 600)
				s->status[c->resp.status / 100]++;
			if (c->resp.status >= 100 && c->resp.status < 600)
				s->codes[c->resp.status]++;
		}
		us = c->duration_ms * 1000;
		if (c->timings.direct >= 0)
			us = c->timings.direct * 1000;
		s->lat[lat_bucket(us > 0 ? us : 1)]++;
		s->lat_n++;
		if (us > s->lat_max_us)
			s->lat_max_us = us;
	} else {
		s->kinds[c->resp.err_kind]++;
	}
	if (c->success)
		s->ok++;
	else
		s->failed++;
	/* the exchange stream shows every failure, and successes up to a rate a reader can
	 * follow (the metrics count them all) */
	if (c->success) {
		int64_t now = kc_mono_ms();

		if (now - s->ring_window_ms >= 100) {
			s->ring_window_ms = now;
			s->ring_in_window = 0;
		}
		if (++s->ring_in_window > RING_PER_100MS) {
			s->ring_skipped++;
			return;
		}
	}
	sum = json_object();
	json_object_set_new(sum, "method", json_string(c->req.method));
	json_object_set_new(sum, "url", c->req.url ? json_string(c->req.url) : json_null());
	json_object_set_new(sum, "status", c->resp.err_kind == KW_HTTP_ERR_NONE ?
	    json_integer(c->resp.status) : json_null());
	json_object_set_new(sum, "success", json_boolean(c->success));
	json_object_set_new(sum, "attempts", json_integer(c->attempts));
	json_object_set_new(sum, "latency_ms", json_integer(c->duration_ms));
	if (c->resp.err_kind != KW_HTTP_ERR_NONE) {
		json_object_set_new(sum, "error_kind",
		    json_string(kw_http_err_kind_name(c->resp.err_kind)));
		if (c->resp.err_message != NULL)
			json_object_set_new(sum, "error", json_string(c->resp.err_message));
	}
	if ((rid = kw_http_headers_get(&c->req.headers, "X-Request-ID")) != NULL)
		json_object_set_new(sum, "request_id", json_string(rid));
	if (ctx != NULL && ctx->nrefs > 0) {
		json_object_set_new(sum, "topic", json_string(ctx->refs[0].topic));
		json_object_set_new(sum, "partition", json_integer(ctx->refs[0].partition));
		json_object_set_new(sum, "offset", json_integer(ctx->refs[0].offset));
		json_object_set_new(sum, "records", json_integer((json_int_t)ctx->nrefs));
	}
	kw_task_publish_exchange(s->t, sum);
}

/* Executor callback: a call is finished. */
static void
on_done(struct kw_http_call *c, void *arg)
{
	struct sink *s = arg;

	account(s, c);
	publish(s, c);
}

/* A record that is not a valid request: an error exchange, never a task failure. */
static void
bad_record(struct sink *s, const rd_kafka_message_t *m, const char *topic,
    enum kw_http_err_kind kind, const char *why)
{
	struct kw_http_call *c = kw_http_call_new();
	struct call_ctx *ctx = ctx_new(s);

	s->bad++;
	kc_log(LOGGER, KC_LOG_WARN, "%s: record %s-%d@%lld is not a valid request: %s",
	    kw_task_connector(s->t), topic, (int)m->partition, (long long)m->offset, why);
	ctx_add_ref(ctx, topic, m->partition, m->offset);
	ctx->invalid = true;
	if (m->key != NULL) {
		ctx->key = kc_xmalloc(m->key_len + 1);
		memcpy(ctx->key, m->key, m->key_len);
		ctx->keylen = m->key_len;
	}
	if (m->payload != NULL) {
		ctx->raw = kc_xmalloc(m->len + 1);
		memcpy(ctx->raw, m->payload, m->len);
		ctx->rawlen = m->len;
		ctx->has_raw = true;
		/* keep the offending text in the error exchange (truncated) */
		c->req.body = kc_xstrndup(m->payload, m->len < 4096 ? m->len : 4096);
		c->req.body_len = strlen(c->req.body);
	}
	c->resp.err_kind = kind;
	c->resp.err_message = kc_xstrdup(why);
	c->moment_us = kc_wall_us();
	c->success = false;
	c->user = ctx;
	on_done(c, s);
}

/* Submit a call (or count it into a batch). */
static void
submit(struct sink *s, struct kw_http_call *c)
{
	kw_http_exec_submit(s->x, c);
}

/* Close a batch and send it. */
static void
batch_flush(struct sink *s, size_t i)
{
	struct batch *b = &s->batches[i];
	struct kw_http_call *c = b->call;
	struct call_ctx *ctx = c->user;
	struct kc_buf offs;
	size_t j;

	kc_buf_puts(&b->body, s->suffix);
	free(c->req.body);
	c->req.body_len = b->body.len;
	c->req.body = kc_buf_steal(&b->body);
	c->req.body_type = KW_HTTP_BODY_STRING;
	json_decref(c->req.form);
	c->req.form = NULL;
	json_decref(c->req.parts);
	c->req.parts = NULL;
	kc_buf_init(&offs);
	for (j = 0; j < ctx->nrefs; j++)
		kc_buf_printf(&offs, "%s%s/%d/%lld", j ? "," : "", ctx->refs[j].topic,
		    (int)ctx->refs[j].partition, (long long)ctx->refs[j].offset);
	ctx->extra = json_pack("{s:s%,s:s%}", "x.batch.size", "", (size_t)0, "x.batch.offsets",
	    "", (size_t)0);
	json_object_set_new(ctx->extra, "x.batch.size", json_sprintf("%zu", ctx->nrefs));
	json_object_set_new(ctx->extra, "x.batch.offsets", json_string(kc_buf_str(&offs)));
	kc_buf_free(&offs);
	free(b->gkey);
	s->batches_sent++;
	submit(s, c);
	s->batches[i] = s->batches[--s->nbatches];
}

/* Add a parsed request to its batch. */
static void
batch_add(struct sink *s, struct kw_http_call *c, const struct kw_http_tmpl_ctx *tc,
    const rd_kafka_message_t *m, const char *topic)
{
	struct kc_buf key;
	struct call_ctx *ctx;
	struct batch *b = NULL;
	char err[256];
	size_t i;

	kc_buf_init(&key);
	if (kw_http_template_expand(s->t_bkey, tc, false, &key, err, sizeof(err)) < 0)
		kc_buf_reset(&key);
	kc_buf_printf(&key, "\n%s %s", c->req.method, c->req.url);
	for (i = 0; i < s->nbatches; i++)
		if (strcmp(s->batches[i].gkey, kc_buf_str(&key)) == 0) {
			b = &s->batches[i];
			break;
		}
	if (b == NULL) {
		s->batches = kc_xrealloc(s->batches, (s->nbatches + 1) * sizeof(*s->batches));
		b = &s->batches[s->nbatches++];
		memset(b, 0, sizeof(*b));
		b->gkey = kc_buf_steal(&key);
		b->call = c;
		b->opened_ms = kc_mono_ms();
		kc_buf_init(&b->body);
		kc_buf_puts(&b->body, s->prefix);
		kc_buf_append(&b->body, c->req.body ? c->req.body : "", c->req.body_len);
		b->count = 1;
		ctx = c->user;
	} else {
		kc_buf_free(&key);
		ctx = b->call->user;
		kc_buf_puts(&b->body, s->sep);
		kc_buf_append(&b->body, c->req.body ? c->req.body : "", c->req.body_len);
		b->count++;
		ctx_add_ref(ctx, topic, m->partition, m->offset);
		ctx_free(c->user);
		c->user = NULL;
		kw_http_call_free(c);
	}
	if (b->count >= s->batch_max || (int64_t)b->body.len >= s->batch_max_bytes)
		batch_flush(s, (size_t)(b - s->batches));
}

/* Flush batches older than linger (all with force). */
static void
batch_linger(struct sink *s, bool force)
{
	int64_t now = kc_mono_ms();
	size_t i = 0;

	while (i < s->nbatches) {
		if (force || now - s->batches[i].opened_ms >= s->linger_ms)
			batch_flush(s, i);
		else
			i++;
	}
}

/* Build a request from templates. 0 or -1 with err. */
static int
from_templates(struct sink *s, const struct kw_http_tmpl_ctx *tc, struct kw_http_request *r,
    char *err, size_t errlen)
{
	struct kc_buf b;
	size_t i;

	kc_buf_init(&b);
	if (kw_http_template_expand(s->t_url, tc, true, &b, err, errlen) < 0)
		goto fail;
	if (strncasecmp(kc_buf_str(&b), "http://", 7) != 0 &&
	    strncasecmp(kc_buf_str(&b), "https://", 8) != 0) {
		snprintf(err, errlen, "url: '%.200s' is not an http:// or https:// URL",
		    kc_buf_str(&b));
		goto fail;
	}
	r->url = kc_buf_steal(&b);
	if (kw_http_template_expand(s->t_method, tc, false, &b, err, errlen) < 0)
		goto fail;
	for (i = 0; i < b.len && i < sizeof(r->method) - 1; i++)
		r->method[i] = (char)(b.data[i] >= 'a' && b.data[i] <= 'z' ? b.data[i] - 32 :
		    b.data[i]);
	r->method[i] = '\0';
	if (!kw_http_method_valid(r->method)) {
		snprintf(err, errlen, "method: '%.20s' is not an HTTP method", kc_buf_str(&b));
		goto fail;
	}
	kc_buf_reset(&b);
	if (kw_http_template_expand(s->t_body, tc, false, &b, err, errlen) < 0)
		goto fail;
	r->body_len = b.len;
	r->body = kc_buf_steal(&b);
	for (i = 0; i < s->nt_hdr; i++) {
		if (kw_http_template_expand(s->t_hdr[i], tc, false, &b, err, errlen) < 0)
			goto fail;
		if (strpbrk(kc_buf_str(&b), "\r\n") == NULL)
			kw_http_headers_add(&r->headers, s->t_hdr_name[i], kc_buf_str(&b));
		kc_buf_reset(&b);
	}
	kc_buf_free(&b);
	return 0;
fail:
	kc_buf_free(&b);
	return -1;
}

/* One consumed record. */
static void
handle_record(struct sink *s, rd_kafka_message_t *m)
{
	struct kw_http_tmpl_ctx tc;
	struct kw_http_call *c;
	struct call_ctx *ctx;
	struct kw_data d;
	const char *topic;
	json_t *vj = NULL;
	rd_kafka_headers_t *h = NULL;
	char err[512];
	int rc;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			kc_log(LOGGER, KC_LOG_WARN, "%s: consumer: %s", kw_task_connector(s->t),
			    rd_kafka_message_errstr(m));
		return;
	}
	topic = http_ack_target_topic(s->ack, rd_kafka_topic_name(m->rkt));
	kc_kafka_watermark_track(s->ack->wm, topic, m->partition, m->offset);
	s->records++;
	if (m->payload == NULL) {
		if (s->null_fail) {
			bad_record(s, m, topic, KW_HTTP_ERR_INVALID, "record value is null");
		} else {
			s->skipped++;
			kc_kafka_watermark_done(s->ack->wm, topic, m->partition, m->offset);
		}
		return;
	}
	c = kw_http_call_new();
	memset(&tc, 0, sizeof(tc));
	tc.topic = topic;
	tc.partition = m->partition;
	tc.offset = m->offset;
	tc.key = m->key;
	tc.keylen = m->key_len;
	tc.value = m->payload;
	tc.valuelen = m->len;
	tc.rkmessage = m;
	if (s->t_url != NULL) {
		if (kw_http_template_wants_json(s->t_url) || kw_http_template_wants_json(s->t_body) ||
		    kw_http_template_wants_json(s->t_method))
			vj = json_loadb(m->payload, m->len, 0, NULL);
		tc.value_json = vj;
		rc = from_templates(s, &tc, &c->req, err, sizeof(err));
	} else {
		rc = kw_converter_decode(kw_task_value_converter(s->t), m->payload, m->len, &d, err,
		    sizeof(err));
		if (rc == 0) {
			if (d.kind == KW_DATA_JSON)
				rc = kw_http_request_from_json(d.json, s->strict, &c->req, err,
				    sizeof(err));
			else
				rc = kw_http_request_from_text(d.ptr, d.len, s->strict, &c->req,
				    err, sizeof(err));
			kw_data_clear(&d);
		}
	}
	if (rc < 0) {
		json_decref(vj);
		kw_http_call_free(c);
		bad_record(s, m, topic, KW_HTTP_ERR_INVALID, err);
		return;
	}
	if ((int64_t)c->req.body_len > s->max_body) {
		snprintf(err, sizeof(err), "request body of %zu bytes exceeds http.request.max.bytes "
		    "(%lld)", c->req.body_len, (long long)s->max_body);
		json_decref(vj);
		kw_http_call_free(c);
		bad_record(s, m, topic, KW_HTTP_ERR_TOO_LARGE, err);
		return;
	}
	ctx = ctx_new(s);
	ctx_add_ref(ctx, topic, m->partition, m->offset);
	if (m->key != NULL) {
		ctx->key = kc_xmalloc(m->key_len + 1);
		memcpy(ctx->key, m->key, m->key_len);
		ctx->keylen = m->key_len;
	}
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h != NULL)
		ctx->headers = rd_kafka_headers_copy(h);
	c->user = ctx;
	if (s->batch_max > 1)
		batch_add(s, c, &tc, m, topic);
	else
		submit(s, c);
	json_decref(vj);
}

/* Take up to max records from the consumer and handle them. Returns how many. */
static ssize_t
consume(struct sink *s, rd_kafka_message_t **msgs, size_t max)
{
	ssize_t n, i;

	n = rd_kafka_consume_batch_queue(s->cq, 0, msgs, max);
	for (i = 0; i < n; i++) {
		handle_record(s, msgs[i]);
		rd_kafka_message_destroy(msgs[i]);
	}
	return n < 0 ? 0 : n;
}

/* Pause or resume every assigned partition. */
static void
set_paused(struct sink *s, bool pause)
{
	rd_kafka_topic_partition_list_t *a = NULL;

	if (rd_kafka_assignment(s->consumer, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || a == NULL)
		return;
	if (a->cnt > 0) {
		if (pause)
			rd_kafka_pause_partitions(s->consumer, a);
		else
			rd_kafka_resume_partitions(s->consumer, a);
	}
	rd_kafka_topic_partition_list_destroy(a);
}

#define HOLD_MAX 512	/* records held while the window is full before pausing at once */

/* While the window is full: keep serving the consumer queue, since rebalance callbacks and
 * consumer errors arrive there (a member that stops serving them is dropped from the group,
 * its commits then fail with UNKNOWN_MEMBER_ID and the window never drains). The records that
 * come with them are held, in order, and the partitions are paused once HOLD_MAX are held
 * (a pause discards what was prefetched; fetching resumes after the last record taken). */
static void
hold(struct sink *s, int64_t now)
{
	rd_kafka_message_t *m[64];
	ssize_t n, i;

	n = rd_kafka_consume_batch_queue(s->cq, 0, m, KC_NITEMS(m));
	if (n > 0 && s->nheld + (size_t)n > s->capheld) {
		s->capheld = s->nheld + (size_t)n + HOLD_MAX;
		s->held = kc_xrealloc(s->held, s->capheld * sizeof(*s->held));
	}
	for (i = 0; i < n; i++)
		s->held[s->nheld++] = m[i];
	if (s->nheld >= HOLD_MAX && !s->bp_paused) {
		set_paused(s, true);
		s->bp_paused = true;
		s->last_pause_apply = now;
	}
}

/* Handle held records while the window has room; returns how many. */
static ssize_t
take_held(struct sink *s, size_t *pending)
{
	size_t i = 0;

	while (i < s->nheld && *pending < s->window) {
		handle_record(s, s->held[i]);
		rd_kafka_message_destroy(s->held[i]);
		(*pending)++;
		i++;
	}
	if (i > 0) {
		memmove(s->held, s->held + i, (s->nheld - i) * sizeof(*s->held));
		s->nheld -= i;
	}
	return (ssize_t)i;
}

static void commit(struct sink *s);

/* Is topic/partition in the list? */
static bool
in_list(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t partition)
{
	int i;

	for (i = 0; i < l->cnt; i++)
		if (l->elems[i].partition == partition && strcmp(l->elems[i].topic, topic) == 0)
			return true;
	return false;
}

/* Finished positions of revoked partitions, shared by the tasks of a connector in this
 * worker: a partition revoked from one task and given to another (or back) in the next
 * assignment starts there instead of at its last commit. Entries are taken once and expire
 * after RESUME_TTL_MS (a partition that went elsewhere meanwhile would only be repeated from
 * there: never skipped, since everything before a position was finished). */
struct resume_pos {
	char	*conn, *topic;
	int32_t	 partition;
	int64_t	 offset, at_ms;
};

#define RESUME_TTL_MS 60000

static pthread_mutex_t resume_mu = PTHREAD_MUTEX_INITIALIZER;
static struct resume_pos *resume_v;
static size_t resume_n;

/* Drop entry i (lock held). */
static void
resume_drop_locked(size_t i)
{
	free(resume_v[i].conn);
	free(resume_v[i].topic);
	resume_v[i] = resume_v[--resume_n];
	if (resume_n == 0) {
		free(resume_v);
		resume_v = NULL;
	}
}

/* Find a live entry (lock held), dropping expired ones; index or -1. */
static ssize_t
resume_find_locked(const char *conn, const char *topic, int32_t partition, int64_t now)
{
	size_t i = 0;

	while (i < resume_n) {
		if (now - resume_v[i].at_ms > RESUME_TTL_MS) {
			resume_drop_locked(i);
			continue;
		}
		if (resume_v[i].partition == partition && strcmp(resume_v[i].topic, topic) == 0 &&
		    strcmp(resume_v[i].conn, conn) == 0)
			return (ssize_t)i;
		i++;
	}
	return -1;
}

/* Remember a revoked partition's finished position. */
static void
resume_put(const char *conn, const char *topic, int32_t partition, int64_t offset)
{
	int64_t now = kc_mono_ms();
	ssize_t i;

	pthread_mutex_lock(&resume_mu);
	i = resume_find_locked(conn, topic, partition, now);
	if (i < 0) {
		resume_v = kc_xrealloc(resume_v, (resume_n + 1) * sizeof(*resume_v));
		i = (ssize_t)resume_n++;
		resume_v[i].conn = kc_xstrdup(conn);
		resume_v[i].topic = kc_xstrdup(topic);
		resume_v[i].partition = partition;
	}
	resume_v[i].offset = offset;
	resume_v[i].at_ms = now;
	pthread_mutex_unlock(&resume_mu);
}

/* Take a partition's position (once); -1 when none. */
static int64_t
resume_take(const char *conn, const char *topic, int32_t partition)
{
	int64_t off = -1;
	ssize_t i;

	pthread_mutex_lock(&resume_mu);
	i = resume_find_locked(conn, topic, partition, kc_mono_ms());
	if (i >= 0) {
		off = resume_v[i].offset;
		resume_drop_locked((size_t)i);
	}
	pthread_mutex_unlock(&resume_mu);
	return off;
}

/* The runtime's rebalance hook (on this task's thread, inside a consumer poll).
 * REVOKE: commit what is finished (unless the partitions are already lost), then forget the
 * partitions: their unfinished records no longer count against the window and their late
 * results change nothing (the new owner starts from the last commit, at-least-once), and
 * records held for them are dropped. ASSIGN: the partitions start afresh from their committed
 * offsets (stale bookkeeping from an earlier ownership is dropped) and get the task's pause
 * state, since librdkafka keeps an application pause across assignments and a partition
 * paused long ago would otherwise never be fetched again. */
static void
on_rebalance(struct kw_task *t, enum kw_rebalance what, rd_kafka_topic_partition_list_t *parts,
    bool lost, void *arg)
{
	struct sink *s = arg;
	size_t i, j, dropped = 0;
	int64_t pos;
	int k, resumed = 0;

	(void)t;
	if (what == KW_REBALANCE_REVOKE) {
		if (lost)
			s->lost++;
		else {
			s->revokes++;
			commit(s);
		}
		/* remember where each partition's finished prefix ends, in case the group hands
		 * it straight back to this task or a sibling (eager rebalances revoke everything,
		 * and after an outage the commits that would have recorded it were refused) */
		for (k = 0; k < parts->cnt; k++) {
			pos = kc_kafka_watermark_position(s->ack->wm, parts->elems[k].topic,
			    parts->elems[k].partition);
			if (pos >= 0)
				resume_put(kw_task_connector(s->t), parts->elems[k].topic,
				    parts->elems[k].partition, pos);
			kc_kafka_watermark_forget(s->ack->wm, parts->elems[k].topic,
			    parts->elems[k].partition);
		}
		for (i = j = 0; i < s->nheld; i++) {
			rd_kafka_message_t *m = s->held[i];

			if (m->rkt != NULL && in_list(parts, rd_kafka_topic_name(m->rkt),
			    m->partition)) {
				rd_kafka_message_destroy(m);
				dropped++;
			} else
				s->held[j++] = m;
		}
		s->nheld = j;
		if (dropped > 0)
			kc_log(LOGGER, KC_LOG_INFO, "%s task %d: dropped %zu held record(s) of "
			    "revoked partitions", kw_task_connector(s->t), kw_task_id(s->t),
			    dropped);
		return;
	}
	if (what == KW_REBALANCE_ASSIGNING) {
		/* a partition given back at once (to this task or a sibling) starts after what
		 * its last task here finished, when that is past its committed offset: every
		 * record before that point was requested and its result acknowledged, so
		 * nothing unprocessed is skipped, and if another member had it meanwhile and
		 * committed further, the commit wins. Altered offsets (offset already set) and
		 * an unanswered committed-offset query leave the default (the committed offset). */
		rd_kafka_topic_partition_list_t *cand = rd_kafka_topic_partition_list_new(4);
		int64_t *cpos = kc_xcalloc((size_t)parts->cnt + 1, sizeof(*cpos));

		for (k = 0; k < parts->cnt; k++) {
			if (parts->elems[k].offset != RD_KAFKA_OFFSET_INVALID)
				continue;
			pos = resume_take(kw_task_connector(s->t), parts->elems[k].topic,
			    parts->elems[k].partition);
			if (pos >= 0) {
				cpos[cand->cnt] = pos;
				rd_kafka_topic_partition_list_add(cand, parts->elems[k].topic,
				    parts->elems[k].partition);
			}
		}
		if (cand->cnt > 0 && s->consumer != NULL &&
		    rd_kafka_committed(s->consumer, cand, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			for (k = 0; k < cand->cnt; k++) {
				rd_kafka_topic_partition_t *tp;

				pos = cpos[k];
				if (cand->elems[k].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
				    (cand->elems[k].offset >= 0 && cand->elems[k].offset >= pos))
					continue;
				tp = rd_kafka_topic_partition_list_find(parts, cand->elems[k].topic,
				    cand->elems[k].partition);
				if (tp != NULL) {
					tp->offset = pos;
					resumed++;
				}
			}
		}
		rd_kafka_topic_partition_list_destroy(cand);
		free(cpos);
		if (resumed > 0)
			kc_log(LOGGER, KC_LOG_INFO, "%s task %d: %d partition(s) given back start "
			    "after the records finished before their revocation (past their "
			    "last commit)", kw_task_connector(s->t), kw_task_id(s->t), resumed);
		return;
	}
	s->assigns++;
	for (k = 0; k < parts->cnt; k++) {
		kc_kafka_watermark_forget(s->ack->wm, parts->elems[k].topic,
		    parts->elems[k].partition);
		/* a partition that starts at a set position (given back past its last commit,
		 * or altered) has that position committed by this task, with the usual retries:
		 * otherwise, when no later record arrives, the commit stays behind for good (the
		 * commit sent at the revocation may have been refused or lost) */
		if (parts->elems[k].offset >= 0)
			kc_kafka_watermark_start(s->ack->wm, parts->elems[k].topic,
			    parts->elems[k].partition, parts->elems[k].offset);
	}
	if (parts->cnt > 0) {
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(parts);

		if (s->user_paused || s->bp_paused)
			rd_kafka_pause_partitions(s->consumer, l);
		else
			rd_kafka_resume_partitions(s->consumer, l);
		rd_kafka_topic_partition_list_destroy(l);
	}
}

/* Commit what is finished, asynchronously: a synchronous commit on the task thread can
 * deadlock with a rebalance (the group waits for this member to serve its rebalance
 * callback, which only runs when the task polls). Results arrive on s->commitq. */
static void
commit(struct sink *s)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
	rd_kafka_topic_partition_list_t *a = NULL, *mine;
	rd_kafka_resp_err_t err;
	int i;

	if (kc_kafka_watermark_committable(s->ack->wm, l) > 0) {
		/* only partitions this task still owns: a revoked one is forgotten (its new
		 * owner starts from the last commit), so it neither blocks the window nor
		 * makes the whole commit fail */
		mine = rd_kafka_topic_partition_list_new(l->cnt);
		if (rd_kafka_assignment(s->consumer, &a) != RD_KAFKA_RESP_ERR_NO_ERROR)
			a = NULL;
		for (i = 0; i < l->cnt; i++) {
			if (a != NULL && rd_kafka_topic_partition_list_find(a, l->elems[i].topic,
			    l->elems[i].partition) == NULL) {
				kc_kafka_watermark_forget(s->ack->wm, l->elems[i].topic,
				    l->elems[i].partition);
				continue;
			}
			rd_kafka_topic_partition_list_add(mine, l->elems[i].topic,
			    l->elems[i].partition)->offset = l->elems[i].offset;
		}
		if (a != NULL)
			rd_kafka_topic_partition_list_destroy(a);
		rd_kafka_topic_partition_list_destroy(l);
		l = mine;
		if (l->cnt == 0) {
			rd_kafka_topic_partition_list_destroy(l);
			return;
		}
		err = rd_kafka_commit_queue(s->consumer, l, s->commitq, NULL, NULL);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			for (i = 0; i < l->cnt; i++)
				kc_kafka_watermark_uncommit(s->ack->wm, l->elems[i].topic,
				    l->elems[i].partition);
		} else {
			s->commits_inflight++;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
}

/* Handle commit results (waiting up to timeout_ms for the first). */
static void
commit_results(struct sink *s, int timeout_ms)
{
	const rd_kafka_topic_partition_list_t *l;
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t err;
	int i;

	while ((ev = rd_kafka_queue_poll(s->commitq, timeout_ms)) != NULL) {
		timeout_ms = 0;
		if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
			if (s->commits_inflight > 0)
				s->commits_inflight--;
			err = rd_kafka_event_error(ev);
			l = rd_kafka_event_topic_partition_list(ev);
			if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				int64_t now = kc_mono_ms();

				/* refused while the group rebalances or the coordinator is away:
				 * try again after a pause, and say so once per 5 s, not per try */
				s->commit_failures++;
				s->commit_retry_at = now + 200;
				if (now - s->commit_warned_at >= 5000) {
					kc_log(LOGGER, KC_LOG_WARN, "%s task %d: commit failed: %s (will "
					    "retry; %llu failure(s) so far)", kw_task_connector(s->t),
					    kw_task_id(s->t), rd_kafka_err2str(err),
					    (unsigned long long)s->commit_failures);
					s->commit_warned_at = now;
				}
			} else
				s->commits++;
			/* per partition: some may succeed when others fail */
			for (i = 0; l != NULL && i < l->cnt; i++) {
				if (err == RD_KAFKA_RESP_ERR_NO_ERROR &&
				    l->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
					kc_kafka_watermark_committed(s->ack->wm, l->elems[i].topic,
					    l->elems[i].partition, l->elems[i].offset);
				else
					kc_kafka_watermark_uncommit(s->ack->wm, l->elems[i].topic,
					    l->elems[i].partition);
			}
		}
		rd_kafka_event_destroy(ev);
	}
}

/* Partitions the consumer holds now. */
static json_int_t
assigned_count(struct sink *s)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	json_int_t n = 0;

	if (s->consumer != NULL && rd_kafka_assignment(s->consumer, &a) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR && a != NULL) {
		n = a->cnt;
		rd_kafka_topic_partition_list_destroy(a);
	}
	return n;
}

/* Publish the metrics object. */
static void
metrics(struct sink *s)
{
	struct kw_http_exec_stats st;
	json_t *m, *kinds, *codes;
	int64_t now = kc_mono_ms();
	size_t i;

	if (now > s->rate_prev_ms) {
		s->rate = (double)(s->requests - s->rate_prev_requests) * 1000.0 /
		    (double)(now - s->rate_prev_ms);
		s->rate_prev_requests = s->requests;
		s->rate_prev_ms = now;
	}
	kw_http_exec_stats(s->x, &st);
	codes = json_object();
	for (i = 100; i < 600; i++)
		if (s->codes[i] > 0) {
			char code[8];

			snprintf(code, sizeof(code), "%zu", i);
			json_object_set_new(codes, code, json_integer((json_int_t)s->codes[i]));
		}
	kinds = json_object();
	for (i = 1; i < KC_NITEMS(s->kinds); i++)
		if (s->kinds[i] > 0)
			json_object_set_new(kinds, kw_http_err_kind_name((enum kw_http_err_kind)i),
			    json_integer((json_int_t)s->kinds[i]));
	m = json_pack("{s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:o, s:o, s:{s:I,s:I,s:I,s:I,s:I}, s:{s:f,s:f,s:f,s:f}, s:b, s:I}",
	    "publish_mode", mode_names[s->mode],
	    "records", (json_int_t)s->records,
	    "requests", (json_int_t)s->requests,
	    "requests_per_sec", s->rate,
	    "success", (json_int_t)s->ok,
	    "failure", (json_int_t)s->failed,
	    "retries", (json_int_t)st.retries,
	    "attempts", (json_int_t)st.attempts,
	    "in_flight", (json_int_t)kw_http_exec_active(s->x),
	    "outstanding", (json_int_t)kw_http_exec_outstanding(s->x),
	    "pending_records", (json_int_t)kc_kafka_watermark_pending(s->ack->wm),
	    "bad_records", (json_int_t)s->bad,
	    "skipped_null", (json_int_t)s->skipped,
	    "dropped_responses", (json_int_t)s->dropped,
	    "batches", (json_int_t)s->batches_sent,
	    "produced", (json_int_t)s->produced,
	    "produce_errors", (json_int_t)s->produce_errors,
	    "status", codes,
	    "transport_errors", kinds,
	    "status_class",
	    "1xx", (json_int_t)s->status[1], "2xx", (json_int_t)s->status[2],
	    "3xx", (json_int_t)s->status[3], "4xx", (json_int_t)s->status[4],
	    "5xx", (json_int_t)s->status[5],
	    "latency_ms", "p50", lat_pct(s, 0.50), "p90", lat_pct(s, 0.90),
	    "p99", lat_pct(s, 0.99), "max", (double)s->lat_max_us / 1000.0,
	    "backpressure_paused", s->bp_paused,
	    "queue_full", (json_int_t)s->queue_full);
	if (m != NULL) {
		json_object_set_new(m, "auth_refreshes", json_integer((json_int_t)st.auth_refreshes));
		json_object_set_new(m, "rate_limited", json_integer((json_int_t)st.rate_waits));
		json_object_set_new(m, "commits", json_integer((json_int_t)s->commits));
		json_object_set_new(m, "commit_failures",
		    json_integer((json_int_t)s->commit_failures));
		json_object_set_new(m, "assigned_partitions", json_integer(assigned_count(s)));
		json_object_set_new(m, "rebalance", json_pack("{s:I,s:I,s:I}", "assigned",
		    (json_int_t)s->assigns, "revoked", (json_int_t)s->revokes, "lost",
		    (json_int_t)s->lost));
		json_object_set_new(m, "held_records", json_integer((json_int_t)s->nheld));
		json_object_set_new(m, "uncommitted_records",
		    json_integer((json_int_t)kc_kafka_watermark_uncommitted(s->ack->wm)));
		json_object_set_new(m, "stream_skipped", json_integer((json_int_t)s->ring_skipped));
		json_object_set_new(m, "acked_records",
		    json_integer((json_int_t)__atomic_load_n(&s->ack->acked, __ATOMIC_RELAXED)));
		/* wall-clock ms of the first and the latest acknowledgement (nested, so the
		 * connector totals do not add them up) */
		json_object_set_new(m, "acked_at", json_pack("{s:I,s:I}", "first_ms",
		    (json_int_t)__atomic_load_n(&s->ack->first_ack_ms, __ATOMIC_RELAXED),
		    "last_ms", (json_int_t)__atomic_load_n(&s->ack->last_ack_ms,
		    __ATOMIC_RELAXED)));
		if (s->queue != NULL) {
			json_object_set_new(m, "queue", json_string(kw_queue_name(s->queue)));
			json_object_set_new(m, "queue_waiting", json_integer((json_int_t)s->npend));
		}
		kw_task_set_metrics(s->t, m);
	}
}

/* Waker for queue space. */
static void
queue_waker(void *arg)
{
	kw_http_exec_wakeup(arg);
}

/* Producer config: producer.* keys minus the sink's own, with the prefix removed. */
static rd_kafka_t *
make_producer(struct sink *s, char *err, size_t errlen)
{
	static const char *const own[] = {
		"producer.success.topic", "producer.error.topic", "producer.dlq.topic",
		"producer.content", "producer.format", "producer.bootstrap.servers.check",
	};
	rd_kafka_conf_t *conf = kw_task_kafka_conf(s->t, "producer", err, errlen);
	const char *k;
	json_t *v;
	size_t i;
	char e[512];
	rd_kafka_t *rk;

	if (conf == NULL)
		return NULL;
	rd_kafka_conf_set(conf, "linger.ms", "2", e, sizeof(e));
	json_object_foreach((json_t *)kw_task_config(s->t), k, v) {
		if (!kc_str_has_prefix(k, "producer.") || kc_str_has_prefix(k, "producer.override.") ||
		    !json_is_string(v))
			continue;
		for (i = 0; i < KC_NITEMS(own); i++)
			if (strcmp(k, own[i]) == 0)
				break;
		if (i < KC_NITEMS(own))
			continue;
		if (rd_kafka_conf_set(conf, k + 9, json_string_value(v), e, sizeof(e)) !=
		    RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "%s: %s", k, e);
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, s);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (rk == NULL) {
		snprintf(err, errlen, "cannot create producer: %s", e);
		rd_kafka_conf_destroy(conf);
	}
	return rk;
}

/* Fetch the token endpoint from an OpenID discovery document. Caller frees. */
static char *
discover_token_url(const struct kw_http_exec_opts *o, const char *well_known, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *j;
	char *body, *url = NULL;
	size_t len;

	body = kw_http_fetch(o, well_known, &len, err, errlen);
	if (body == NULL)
		return NULL;
	j = json_loadb(body, len, 0, &je);
	free(body);
	if (kc_json_str(j, "token_endpoint") == NULL)
		snprintf(err, errlen, "%s: no token_endpoint in the discovery document",
		    well_known);
	else
		url = kc_xstrdup(kc_json_str(j, "token_endpoint"));
	json_decref(j);
	return url;
}

/* Split "Name: value" list entries into header templates. */
static int
setup_header_templates(struct sink *s, const char *list, char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok, *colon;
	char e[256];

	if (list == NULL || *list == '\0')
		return 0;
	copy = kc_xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		if (*tok == '\0')
			continue;
		colon = strchr(tok, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "request.template.headers: '%s' is not 'Name: value'",
			    tok);
			free(copy);
			return -1;
		}
		*colon = '\0';
		s->t_hdr = kc_xrealloc(s->t_hdr, (s->nt_hdr + 1) * sizeof(*s->t_hdr));
		s->t_hdr_name = kc_xrealloc(s->t_hdr_name, (s->nt_hdr + 1) * sizeof(char *));
		s->t_hdr[s->nt_hdr] = kw_http_template_new(kc_str_trim(colon + 1), e, sizeof(e));
		if (s->t_hdr[s->nt_hdr] == NULL) {
			snprintf(err, errlen, "request.template.headers: %s", e);
			free(copy);
			return -1;
		}
		s->t_hdr_name[s->nt_hdr++] = kc_xstrdup(kc_str_trim(tok));
	}
	free(copy);
	return 0;
}

/* Purge undelivered producer messages so their contexts come back through the delivery
 * report (as failures) and are freed. */
static void
producer_drain(struct sink *s, int timeout_ms)
{
	if (s->producer == NULL)
		return;
	rd_kafka_flush(s->producer, timeout_ms);
	rd_kafka_purge(s->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* purged messages report __PURGE_QUEUE: on_delivery must not re-produce them */
	s->mode_stopping = true;
	rd_kafka_poll(s->producer, 0);
	rd_kafka_flush(s->producer, 100);
}

/* Free everything the sink holds (the exec drops its calls as unfinished). */
static void
sink_cleanup(struct sink *s)
{
	struct http_qitem *it, *next;
	size_t i;

	if (s->queue != NULL && s->x != NULL)
		kw_queue_remove_waker(s->queue, queue_waker, s->x);
	for (i = 0; i < s->nbatches; i++) {
		call_drop(s->batches[i].call);
		kc_buf_free(&s->batches[i].body);
		free(s->batches[i].gkey);
	}
	free(s->batches);
	for (i = 0; i < s->nheld; i++)
		rd_kafka_message_destroy(s->held[i]);
	free(s->held);
	kw_http_exec_free(s->x, call_drop);
	for (it = s->pend_head; it != NULL; it = next) {
		next = (struct http_qitem *)it->base.next;
		qitem_done(&it->base, 0);
	}
	if (s->producer != NULL) {
		producer_drain(s, 0);
		rd_kafka_destroy(s->producer);
	}
	if (s->consumer != NULL) {
		/* the close revokes everything: nothing left to tell the sink */
		kw_task_set_rebalance_hook(s->t, NULL, NULL);
		if (s->cq != NULL)
			rd_kafka_queue_destroy(s->cq);
		if (s->commitq != NULL)
			rd_kafka_queue_destroy(s->commitq);
		kw_task_consumer_destroy(s->t, s->consumer, "consumer");
	}
	kw_queue_close(s->queue);
	http_ack_target_unref(s->ack);
	kw_http_headers_clear(&s->static_headers);
	kw_http_template_free(s->t_url);
	kw_http_template_free(s->t_method);
	kw_http_template_free(s->t_body);
	kw_http_template_free(s->t_bkey);
	for (i = 0; i < s->nt_hdr; i++) {
		kw_http_template_free(s->t_hdr[i]);
		free(s->t_hdr_name[i]);
	}
	free(s->t_hdr);
	free(s->t_hdr_name);
}

/* The task body. */
static int
sink_run(struct kw_task *t)
{
	struct sink sk, *s = &sk;
	struct kw_http_exec_opts o;
	rd_kafka_message_t *msgs[256];
	const char *mode, *v, *names;
	char err[512], *token_url = NULL, *proxy = NULL;
	ssize_t n, i;
	int64_t now, deadline;
	enum kw_target target;
	int rc = 0, timeout;

	memset(s, 0, sizeof(*s));
	s->t = t;
	s->ack = http_ack_target_new();
	snprintf(s->vu_id, sizeof(s->vu_id), "task-%d", kw_task_id(t));
	mode = kw_task_cfg(t, "publish.mode");
	for (i = 0; i < (ssize_t)KC_NITEMS(mode_names); i++)
		if (strcasecmp(mode, mode_names[i]) == 0)
			s->mode = (enum mode)i;
	s->strict = kw_task_cfg_bool(t, "request.strict", false);
	s->null_fail = strcasecmp(kw_task_cfg(t, "behavior.on.null.values"), "fail") == 0;
	s->response_only = strcasecmp(kw_task_cfg(t, "producer.content"), "response") == 0;
	s->pojo = strcasecmp(kw_task_cfg(t, "exchange.field.names"), "pojo") == 0;
	s->transport_status = (int)kw_task_cfg_int(t, "http.transport.error.status.code", 400);
	s->max_body = kw_task_cfg_int(t, "http.request.max.bytes", 10485760);
	s->success_topic = kw_task_cfg(t, "producer.success.topic");
	s->error_topic = kw_task_cfg(t, "producer.error.topic");
	s->dlq_topic = kw_task_cfg(t, "errors.deadletterqueue.topic.name");
	if (s->dlq_topic != NULL && *s->dlq_topic == '\0')
		s->dlq_topic = NULL;
	s->batch_max = (int)kw_task_cfg_int(t, "batch.max.size", 1);
	s->batch_max_bytes = kw_task_cfg_int(t, "batch.max.bytes", 1048576);
	s->linger_ms = (int)kw_task_cfg_int(t, "batch.linger.ms", 20);
	if (kw_task_cfg_bool(t, "batch.json.as.array", false)) {
		s->prefix = "[";
		s->sep = ",";
		s->suffix = "]";
	} else {
		s->prefix = kw_task_cfg(t, "batch.prefix");
		s->sep = kw_task_cfg(t, "batch.separator");
		s->suffix = kw_task_cfg(t, "batch.suffix");
	}
	s->commit_ms = (int)kw_task_cfg_int(t, "commit.interval.ms", 1000);
	memset(&o, 0, sizeof(o));
	o.max_in_flight = (int)kw_task_cfg_int(t, "max.in.flight", 64);
	o.max_per_host = (int)kw_task_cfg_int(t, "max.in.flight.per.host", 0);
	s->max_in_flight = o.max_in_flight;
	s->window = (size_t)kw_task_cfg_int(t, "max.pending.records", 0);
	if (s->window == 0) {
		s->window = (size_t)o.max_in_flight * (size_t)s->batch_max * 4;
		if (s->window < 5000)
			s->window = 5000;
	}
	o.connect_timeout_ms = kw_task_cfg_int(t, "http.connect.timeout.ms", 10000);
	o.request_timeout_ms = kw_task_cfg_int(t, "http.request.timeout.ms", 30000);
	o.max_redirects = (int)kw_task_cfg_int(t, "http.redirect.max", 5);
	o.ca_file = kw_task_cfg(t, "http.ssl.ca.location");
	o.cert_file = kw_task_cfg(t, "http.ssl.certificate.location");
	o.key_file = kw_task_cfg(t, "http.ssl.key.location");
	o.key_password = kw_task_cfg(t, "http.ssl.key.password");
	o.insecure = kw_task_cfg_bool(t, "httpclient.ssl.truststore.always.trust", false);
	if ((v = kw_task_cfg(t, "proxy.httpclient.hostname")) != NULL && *v != '\0') {
		proxy = kc_xasprintf("%s://%s:%lld",
		    strcasecmp(kw_task_cfg(t, "proxy.httpclient.type"), "SOCKS") == 0 ?
		    "socks5h" : "http", v, kw_task_cfg_int(t, "proxy.httpclient.port", 3128));
		o.proxy = proxy;
	}
	if (kw_task_cfg_bool(t, "httpclient.authentication.basic.activate", false)) {
		o.basic_user = kw_task_cfg(t, "httpclient.authentication.basic.username");
		o.basic_password = kw_task_cfg(t, "httpclient.authentication.basic.password");
	}
	o.bearer_token = kw_task_cfg(t, "httpclient.authentication.bearer.token");
	if (o.bearer_token != NULL && *o.bearer_token == '\0')
		o.bearer_token = NULL;
	o.user_agent = kw_task_cfg(t, "http.user.agent");
	o.success_regex = kw_task_cfg(t, "enrich.exchange.success.response.code.regex");
	o.retry_regex = kw_task_cfg(t, "retry.policy.response.code.regex");
	o.retries = (int)kw_task_cfg_int(t, "retry.policy.retries", 3);
	o.retry_delay_ms = kw_task_cfg_int(t, "retry.policy.retry.delay.in.ms", 2000);
	o.retry_max_delay_ms = kw_task_cfg_int(t, "retry.policy.retry.max.delay.in.ms", 20000);
	o.retry_factor = kw_task_cfg_double(t, "retry.policy.retry.delay.factor", 1.5);
	o.retry_jitter_ms = kw_task_cfg_int(t, "retry.policy.retry.jitter.in.ms", 500);
	o.retry_after_statuses = kw_task_cfg(t, "retry.policy.retry.after.status.code");
	o.retry_after_max_ms = kw_task_cfg_int(t, "retry.policy.retry.after.max.threshold.in.sec",
	    60) * 1000;
	o.retry_non_idempotent = kw_task_cfg_bool(t, "retry.policy.retry.non.idempotent", false);
	o.rate_max = kw_task_cfg_int(t, "rate.limiter.max.executions", 0);
	o.rate_period_ms = kw_task_cfg_int(t, "rate.limiter.period.in.ms", 1000);
	if (strcasecmp(kw_task_cfg(t, "rate.limiter.scope"), "static") == 0)
		o.rate_shared_name = kw_task_connector(t);
	o.status_limit = (size_t)kw_task_cfg_int(t, "http.response.message.status.limit", 1024);
	o.headers_limit = (size_t)kw_task_cfg_int(t, "http.response.message.headers.limit",
	    10000);
	o.body_limit = (size_t)kw_task_cfg_int(t, "http.response.message.body.limit", 100000);
	o.response_max_bytes = kw_task_cfg_int(t, "http.response.max.bytes", 0);
	o.deny_targets = kw_task_cfg(t, "http.target.deny");
	o.gen_request_id = kw_task_cfg_bool(t, "enrich.request.generate.missing.request.id",
	    false);
	o.gen_correlation_id = kw_task_cfg_bool(t,
	    "enrich.request.generate.missing.correlation.id", false);
	names = kw_task_cfg(t, "enrich.request.static.header.names");
	if (names != NULL && *names != '\0') {
		char *copy = kc_xstrdup(names), *save = NULL, *tok, key[300];

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			kc_str_trim(tok);
			if (*tok == '\0')
				continue;
			snprintf(key, sizeof(key), "enrich.request.static.header.%s", tok);
			v = kc_json_str(kw_task_config(t), key);
			if (v == NULL) {
				free(copy);
				rc = kw_task_fail(t, "%s is listed in enrich.request.static.header."
				    "names but %s is not set", tok, key);
				goto out;
			}
			kw_http_headers_add(&s->static_headers, tok, v);
		}
		free(copy);
	}
	o.static_headers = &s->static_headers;
	if (kw_task_cfg_bool(t, OA "activate", false)) {
		o.oauth2_client_id = kw_task_cfg(t, OA "client.id");
		o.oauth2_client_secret = kw_task_cfg(t, OA "client.secret");
		o.oauth2_scope = kw_task_cfg(t, OA "scopes");
		o.oauth2_post = strcmp(kw_task_cfg(t, OA "client.authentication.method"),
		    "client_secret_post") == 0;
		v = kw_task_cfg(t, OA "token.url");
		if (v == NULL || *v == '\0') {
			v = kw_task_cfg(t, OA "well.known.url");
			token_url = v ? discover_token_url(&o, v, err, sizeof(err)) : NULL;
			if (token_url == NULL) {
				rc = kw_task_fail(t, "OAuth2: %s", v ? err :
				    "token.url or well.known.url is required");
				goto out;
			}
			v = token_url;
		}
		o.oauth2_token_url = v;
	}
	/* templates */
	if ((v = kw_task_cfg(t, "request.template.url")) != NULL && *v != '\0') {
		s->t_url = kw_http_template_new(v, err, sizeof(err));
		s->t_method = kw_http_template_new(kw_task_cfg(t, "request.template.method"), err,
		    sizeof(err));
		s->t_body = kw_http_template_new(kw_task_cfg(t, "request.template.body"), err,
		    sizeof(err));
		if (s->t_url == NULL || s->t_method == NULL || s->t_body == NULL) {
			rc = kw_task_fail(t, "request templates: %s", err);
			goto out;
		}
		if (setup_header_templates(s, kw_task_cfg(t, "request.template.headers"), err,
		    sizeof(err)) < 0) {
			rc = kw_task_fail(t, "%s", err);
			goto out;
		}
	}
	s->t_bkey = kw_http_template_new(kw_task_cfg(t, "batch.key.pattern"), err, sizeof(err));
	if (s->t_bkey == NULL) {
		rc = kw_task_fail(t, "batch.key.pattern: %s", err);
		goto out;
	}
	s->x = kw_http_exec_new(&o, on_done, s, err, sizeof(err));
	if (s->x == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	/* publication */
	if (s->mode == MODE_PRODUCER || s->mode == MODE_DLQ || s->dlq_topic != NULL) {
		s->producer = make_producer(s, err, sizeof(err));
		if (s->producer == NULL) {
			rc = kw_task_fail(t, "PRODUCER: %s", err);
			goto out;
		}
		if (s->mode == MODE_PRODUCER &&
		    (kw_task_ensure_topic(t, s->success_topic, err, sizeof(err)) < 0 ||
		    kw_task_ensure_topic(t, s->error_topic, err, sizeof(err)) < 0)) {
			rc = kw_task_fail(t, "PRODUCER: %s", err);
			goto out;
		}
		if (s->dlq_topic != NULL &&
		    kw_task_ensure_topic(t, s->dlq_topic, err, sizeof(err)) < 0) {
			rc = kw_task_fail(t, "dead-letter topic: %s", err);
			goto out;
		}
	}
	if (s->mode == MODE_QUEUE) {
		long long wait_ms = kw_task_cfg_int(t, "queue.consumer.wait.ms", 60000);

		s->queue = kw_queue_open(kw_task_cfg(t, "queue.name"),
		    (size_t)kw_task_cfg_int(t, "queue.capacity", 10000));
		kw_queue_add_waker(s->queue, queue_waker, s->x);
		deadline = kc_mono_ms() + wait_ms;
		while (!kw_queue_has_consumer(s->queue)) {
			if (kc_mono_ms() >= deadline) {
				rc = kw_task_fail(t, "publish.mode IN_MEMORY_QUEUE: queue '%s' has no "
				    "consumer after %lld ms (queue.consumer.wait.ms). Start a "
				    "kcops.http.HttpQueueSourceConnector with queue.name=%s in this "
				    "worker; a queue nobody drains would stall this sink",
				    kw_queue_name(s->queue), wait_ms, kw_queue_name(s->queue));
				goto out;
			}
			if (kw_task_sleep(t, 100) == KW_TARGET_STOP)
				goto out;
		}
	}
	kw_task_set_rebalance_hook(t, on_rebalance, s);
	s->consumer = kw_task_sink_consumer(t, err, sizeof(err));
	if (s->consumer == NULL) {
		rc = kw_task_fail(t, "%s", err);
		goto out;
	}
	s->cq = rd_kafka_queue_get_consumer(s->consumer);
	s->commitq = rd_kafka_queue_new(s->consumer);
	kc_log(LOGGER, KC_LOG_INFO, "%s task %d: publish.mode %s, max.in.flight %d, window %zu",
	    kw_task_connector(t), kw_task_id(t), mode_names[s->mode], o.max_in_flight, s->window);
	kw_task_set_state(t, KW_TASK_RUNNING);
	s->last_commit = s->last_metrics = s->rate_prev_ms = kc_mono_ms();
	while ((target = kw_task_target(t)) != KW_TARGET_STOP) {
		bool full, backlog;
		size_t pending;

		if (target == KW_TARGET_PAUSE && !s->user_paused) {
			set_paused(s, true);
			s->user_paused = true;
			kw_task_set_state(t, KW_TASK_PAUSED);
		} else if (target == KW_TARGET_RUN && s->user_paused) {
			s->user_paused = false;
			if (!s->bp_paused)
				set_paused(s, false);
			kw_task_set_state(t, KW_TASK_RUNNING);
		}
		if (s->producer != NULL)
			rd_kafka_poll(s->producer, 0);
		if (s->npend > 0)
			flush_pending(s);
		/* intake: stop taking records while the window is full (they wait in the
		 * consumer's prefetch queue); pause the partitions only when that lasts, since
		 * a pause drops the prefetched records and costs a refetch */
		pending = kc_kafka_watermark_uncommitted(s->ack->wm);
		full = pending >= s->window || s->npend > 0;
		now = kc_mono_ms();
		if (!full)
			s->full_since = 0;
		else if (s->full_since == 0)
			s->full_since = now;
		if (full && now - s->full_since >= 1000 &&
		    (!s->bp_paused || now - s->last_pause_apply >= 500)) {
			/* re-applied periodically: a rebalance brings unpaused partitions */
			set_paused(s, true);
			s->bp_paused = true;
			s->last_pause_apply = now;
		} else if (!full && s->bp_paused && pending < s->window * 3 / 4) {
			s->bp_paused = false;
			if (!s->user_paused)
				set_paused(s, false);
		}
		n = 0;
		if (!full) {
			n = take_held(s, &pending);
			if (s->nheld == 0 && pending < s->window)
				n += consume(s, msgs, KC_NITEMS(msgs) < s->window - pending ?
				    KC_NITEMS(msgs) : s->window - pending);
		} else
			hold(s, now);
		if (s->nbatches > 0)
			batch_linger(s, false);
		/* HTTP: don't sleep while records may wait for a free request slot; but with
		 * every slot busy and more queued, wait for the transfers (the poll returns on
		 * their I/O) instead of spinning on the consumer and the multi handle */
		backlog = kw_http_exec_outstanding(s->x) > (size_t)s->max_in_flight;
		timeout = backlog ? 5 : n > 0 ? 0 : full ? 2 : (s->nbatches > 0 ? 5 : 20);
		if (kw_http_exec_outstanding(s->x) == 0 && n == 0 && !full && s->nheld == 0) {
			/* nothing to drive: wait on the consumer queue instead (wakes on records) */
			n = rd_kafka_consume_batch_queue(s->cq, s->producer != NULL &&
			    pending > 0 ? 2 : timeout, msgs, 1);
			for (i = 0; i < n; i++) {
				handle_record(s, msgs[i]);
				rd_kafka_message_destroy(msgs[i]);
			}
			timeout = 0;
		}
		kw_http_exec_run(s->x, timeout);
		now = kc_mono_ms();
		commit_results(s, 0);
		if (now - s->last_commit >= s->commit_ms ||
		    (s->commits_inflight == 0 && pending >= s->window / 2 &&
		    now - s->last_commit >= 5 && now >= s->commit_retry_at)) {
			/* nothing committed for two intervals while records wait: a commit
			 * result was lost or refused during a rebalance; commit everything
			 * again (the same offsets are harmless) */
			if (pending > 0 && s->commits == s->commits_seen &&
			    now - s->last_commit_ok >= 2 * s->commit_ms) {
				kc_kafka_watermark_uncommit_all(s->ack->wm);
				s->commits_inflight = 0;
				s->last_commit_ok = now;
			}
			if (s->commits != s->commits_seen) {
				s->commits_seen = s->commits;
				s->last_commit_ok = now;
			}
			commit(s);
			s->last_commit = now;
		}
		if (now - s->last_metrics >= 250) {
			metrics(s);
			s->last_metrics = now;
		}
	}
	/* graceful stop: finish what is in flight for a bounded time, then commit */
	batch_linger(s, true);
	deadline = kc_mono_ms() + kw_task_cfg_int(t, "task.shutdown.graceful.timeout.ms", 5000);
	while (kc_mono_ms() < deadline &&
	    (kw_http_exec_outstanding(s->x) > 0 || s->npend > 0 ||
	    kc_kafka_watermark_pending(s->ack->wm) > 0)) {
		if (s->producer != NULL)
			rd_kafka_poll(s->producer, 0);
		if (s->npend > 0)
			flush_pending(s);
		kw_http_exec_run(s->x, 10);
	}
	producer_drain(s, 1000);
	commit(s);
	deadline = kc_mono_ms() + 2000;
	while (s->commits_inflight > 0 && kc_mono_ms() < deadline)
		commit_results(s, 100);
	metrics(s);
out:
	sink_cleanup(s);
	free(token_url);
	free(proxy);
	return rc;
}

static const char *const sink_aliases[] = {
	"io.github.clescot.kafka.connect.http.sink.HttpSinkConnector", NULL,
};

const struct kw_plugin kw_http_sink_plugin = {
	.class_name = "kcops.http.HttpSinkConnector",
	.aliases = sink_aliases,
	.type = KW_PLUGIN_SINK,
	.version = KCOPS_VERSION,
	.defs = sink_defs,
	.ndefs = KC_NITEMS(sink_defs),
	.validate = sink_validate,
	.task_count = NULL,
	.task_run = sink_run,
};
