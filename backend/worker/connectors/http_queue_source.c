/* http_queue_source.c - kcops.http.HttpQueueSourceConnector: drains a named in-memory queue
 * filled by HTTP sinks of this worker and writes each exchange to a success or error topic.
 *
 * DESIGN
 * One task (a queue has exactly one consumer). It registers itself as the queue's consumer
 * at start (failing, with the current consumer's name, when another one has it), pops
 * exchanges in batches, renders them (content = exchange | response), and produces them
 * with the sink record's key and headers. An item is acknowledged to its sink only from
 * the delivery report, so the sink commits its input offset after the exchange is really
 * in Kafka. Failed deliveries are produced again; at stop, undelivered items are abandoned
 * (their sink does not commit them, so their requests are replayed after a restart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_sink.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"

#define LOGGER "kcops.worker.http.queue"

struct qsrc {
	struct kw_task	*t;
	rd_kafka_t	*producer;
	const char	*success_topic, *error_topic;
	bool		 response_only, stopping;
	uint64_t	 popped, delivered, failed_deliveries, ok, errors;
};

static const char *
valid_content(const char *v, char *buf, size_t len)
{
	return kw_valid_choice(v, buf, len, 1, "exchange", "response", NULL);
}

static const struct kw_cfg_def qsrc_defs[] = {
	{ "queue.name", KW_CFG_STRING, "default", KW_HIGH, "Queue",
	  "The in-memory queue to drain (the sinks' queue.name).", kw_valid_nonempty, 0 },
	{ "success.topic", KW_CFG_STRING, NULL, KW_HIGH, "Queue",
	  "Topic for successful exchanges.", kw_valid_nonempty, 0 },
	{ "error.topic", KW_CFG_STRING, NULL, KW_HIGH, "Queue",
	  "Topic for failed exchanges and invalid request records.", kw_valid_nonempty, 0 },
	{ "content", KW_CFG_STRING, "exchange", KW_MEDIUM, "Queue",
	  "The record value is the whole exchange, or only the response.", valid_content, 0 },
	{ "poll.batch.max", KW_CFG_INT, "512", KW_LOW, "Queue",
	  "Most exchanges taken from the queue at once.", kw_valid_positive_int, 0 },
};

/* One source task (queues have a single consumer). */
static int
qsrc_task_count(const json_t *config, int tasks_max)
{
	(void)config;
	(void)tasks_max;
	return 1;
}

/* Produce an item; returns 0, or -1 when librdkafka refused it (item untouched). */
static int
produce_item(struct qsrc *q, struct http_qitem *it)
{
	rd_kafka_headers_t *h = it->headers ? rd_kafka_headers_copy(it->headers) : NULL;
	rd_kafka_resp_err_t err;
	struct kc_buf b;
	size_t len;
	char *v;

	kc_buf_init(&b);
	kc_buf_reserve(&b, 1024 + it->call->resp.body.len + it->call->req.body_len);
	http_qitem_render(it, q->response_only, &b);
	len = b.len;
	v = kc_buf_steal(&b);
	for (;;) {
		err = rd_kafka_producev(q->producer,
		    RD_KAFKA_V_TOPIC(it->success ? q->success_topic : q->error_topic),
		    RD_KAFKA_V_VALUE(v, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
		    RD_KAFKA_V_KEY(it->key, it->key ? it->keylen : 0), RD_KAFKA_V_HEADERS(h),
		    RD_KAFKA_V_OPAQUE(it), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || q->stopping)
			break;
		rd_kafka_poll(q->producer, 10);
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kc_log(LOGGER, KC_LOG_ERROR, "%s: cannot produce exchange: %s",
		    kw_task_connector(q->t), rd_kafka_err2str(err));
		free(v);
		if (h != NULL)
			rd_kafka_headers_destroy(h);
		return -1;
	}
	if (it->success)
		q->ok++;
	else
		q->errors++;
	return 0;
}

/* Delivery report: acknowledge the item to its sink, or produce it again. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct qsrc *q = opaque;
	struct http_qitem *it = m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		q->delivered++;
		kw_queue_item_done(&it->base, 1);
		return;
	}
	q->failed_deliveries++;
	if (q->stopping || m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || produce_item(q, it) < 0)
		kw_queue_item_done(&it->base, 0);
}

/* Metrics. */
static void
qsrc_metrics(struct qsrc *q, struct kw_queue *queue)
{
	kw_task_set_metrics(q->t, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "queue", kw_queue_name(queue),
	    "depth", (json_int_t)kw_queue_depth(queue),
	    "capacity", (json_int_t)kw_queue_capacity(queue),
	    "dequeued", (json_int_t)q->popped,
	    "delivered", (json_int_t)q->delivered,
	    "success", (json_int_t)q->ok,
	    "error", (json_int_t)q->errors,
	    "failed_deliveries", (json_int_t)q->failed_deliveries));
}

/* The task body. */
static int
qsrc_run(struct kw_task *t)
{
	struct kw_queue_item *items[1024];
	struct qsrc q;
	struct kw_queue *queue = NULL;
	rd_kafka_conf_t *conf;
	enum kw_target target;
	char err[512], who[300];
	size_t n, i, max;
	int64_t last_metrics = 0;
	int rc = 0;
	bool paused = false;

	memset(&q, 0, sizeof(q));
	q.t = t;
	q.success_topic = kw_task_cfg(t, "success.topic");
	q.error_topic = kw_task_cfg(t, "error.topic");
	q.response_only = strcasecmp(kw_task_cfg(t, "content"), "response") == 0;
	max = (size_t)kw_task_cfg_int(t, "poll.batch.max", 512);
	if (max > KC_NITEMS(items))
		max = KC_NITEMS(items);
	if (kw_task_ensure_topic(t, q.success_topic, err, sizeof(err)) < 0 ||
	    kw_task_ensure_topic(t, q.error_topic, err, sizeof(err)) < 0)
		return kw_task_fail(t, "%s", err);
	conf = kw_task_kafka_conf(t, "producer", err, sizeof(err));
	if (conf == NULL)
		return kw_task_fail(t, "%s", err);
	rd_kafka_conf_set(conf, "linger.ms", "2", err, sizeof(err));
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, &q);
	q.producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (q.producer == NULL) {
		rd_kafka_conf_destroy(conf);
		return kw_task_fail(t, "cannot create producer: %s", err);
	}
	queue = kw_queue_open(kw_task_cfg(t, "queue.name"), 0);
	snprintf(who, sizeof(who), "%s/%d", kw_task_connector(t), kw_task_id(t));
	if (kw_queue_set_consumer(queue, who, err, sizeof(err)) < 0) {
		rc = kw_task_fail(t, "%s", err);
		goto out_noconsumer;
	}
	kc_log(LOGGER, KC_LOG_INFO, "%s: consuming queue '%s' (capacity %zu) to %s / %s",
	    kw_task_connector(t), kw_queue_name(queue), kw_queue_capacity(queue),
	    q.success_topic, q.error_topic);
	kw_task_set_state(t, KW_TASK_RUNNING);
	while ((target = kw_task_target(t)) != KW_TARGET_STOP) {
		rd_kafka_poll(q.producer, 0);
		if (target == KW_TARGET_PAUSE) {
			if (!paused)
				kw_task_set_state(t, KW_TASK_PAUSED);
			paused = true;
			kw_task_sleep(t, 50);
			continue;
		}
		if (paused) {
			paused = false;
			kw_task_set_state(t, KW_TASK_RUNNING);
		}
		n = kw_queue_pop(queue, items, max, 50);
		q.popped += n;
		for (i = 0; i < n; i++)
			if (produce_item(&q, (struct http_qitem *)items[i]) < 0)
				kw_queue_item_done(items[i], 0);
		if (kc_mono_ms() - last_metrics >= 1000) {
			qsrc_metrics(&q, queue);
			last_metrics = kc_mono_ms();
		}
	}
	/* deliver what we took; the rest stays in the queue for the next consumer */
	rd_kafka_flush(q.producer, (int)kw_task_cfg_int(t, "task.shutdown.graceful.timeout.ms",
	    5000));
	qsrc_metrics(&q, queue);
	kw_queue_clear_consumer(queue, who);
out_noconsumer:
	q.stopping = true;
	rd_kafka_purge(q.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(q.producer, 0);
	rd_kafka_flush(q.producer, 100);
	rd_kafka_destroy(q.producer);
	kw_queue_close(queue);
	return rc;
}

static const char *const qsrc_aliases[] = {
	"io.github.clescot.kafka.connect.http.source.queue.HttpInMemoryQueueSourceConnector",
	NULL,
};

const struct kw_plugin kw_http_queue_source_plugin = {
	.class_name = "kcops.http.HttpQueueSourceConnector",
	.aliases = qsrc_aliases,
	.type = KW_PLUGIN_SOURCE,
	.version = KCOPS_VERSION,
	.defs = qsrc_defs,
	.ndefs = KC_NITEMS(qsrc_defs),
	.validate = NULL,
	.task_count = qsrc_task_count,
	.task_run = qsrc_run,
};
