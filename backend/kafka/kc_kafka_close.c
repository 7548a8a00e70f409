/* kc_kafka_close.c - closing a consumer within a time limit (see kc_kafka_close.h). */
#include "kc_kafka_close.h"

#include <string.h>

#include "kc_log.h"
#include "kc_util.h"

#define LOGGER "kcops.kafka"

/* One event of the close queue. Polled as events, the final revocation arrives here as a
 * REBALANCE event even for a consumer with a rebalance callback (librdkafka does not call it
 * then), and is done here: nothing is left to hand over at a close. Fetched records are
 * dropped. */
static void
revoke(rd_kafka_t *rk, rd_kafka_event_t *ev)
{
	const char *proto;
	rd_kafka_error_t *e;

	if (ev == NULL)
		return;
	if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
		proto = rd_kafka_rebalance_protocol(rk);
		if (proto != NULL && strcmp(proto, "COOPERATIVE") == 0) {
			e = rd_kafka_incremental_unassign(rk, rd_kafka_event_topic_partition_list(ev));
			if (e != NULL)
				rd_kafka_error_destroy(e);
		} else
			rd_kafka_assign(rk, NULL);
	}
	rd_kafka_event_destroy(ev);
}

int
kc_kafka_consumer_destroy(rd_kafka_t *rk, int timeout_ms, const char *who)
{
	rd_kafka_queue_t *q;
	rd_kafka_error_t *e;
	int64_t deadline;
	int closed = 0;

	if (rk == NULL)
		return 0;
	if (timeout_ms < 100)
		timeout_ms = 100;
	q = rd_kafka_queue_new(rk);
	e = rd_kafka_consumer_close_queue(rk, q);
	if (e != NULL) {
		/* no group (a consumer that only assigns): nothing to leave */
		if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__UNKNOWN_GROUP)
			closed = 1;
		else
			kc_log(LOGGER, KC_LOG_WARN, "%s: cannot close the consumer: %s", who,
			    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	} else {
		deadline = kc_mono_ms() + timeout_ms;
		while (!(closed = rd_kafka_consumer_closed(rk))) {
			int64_t left = deadline - kc_mono_ms();

			if (left <= 0)
				break;
			revoke(rk, rd_kafka_queue_poll(q, left < 100 ? (int)left : 100));
		}
		if (!closed)
			kc_log(LOGGER, KC_LOG_WARN, "%s: the consumer did not leave its group "
			    "within %d ms; closing it without leaving (the group drops it after "
			    "its session timeout)", who, timeout_ms);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy_flags(rk, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	return closed ? 0 : -1;
}
