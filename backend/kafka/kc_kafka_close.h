/* kc_kafka_close.h - closing a consumer within a time limit. */
#ifndef KC_KAFKA_CLOSE_H
#define KC_KAFKA_CLOSE_H

#include <librdkafka/rdkafka.h>

/* Leave the group and destroy the consumer `rk`, spending at most timeout_ms on the close
 * (the final revocation is done here; the consumer's rebalance callback is not called for
 * it). A close that does not end in time (a coordinator that never answers, a rebalance that
 * never ends) is abandoned: the handle is destroyed without it and the group notices the
 * member gone after its session timeout. `who` names the consumer in the warning then.
 * Returns 0 when the close finished, -1 when it was abandoned. */
int kc_kafka_consumer_destroy(rd_kafka_t *rk, int timeout_ms, const char *who);

#endif
