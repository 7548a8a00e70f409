/* cmd_kafka.c - the Kafka-side commands: lag (consumer-group lag of sink connectors) and
 * tail (follow a topic), through librdkafka with the context's Kafka settings. */
#include "kc_cmd.h"

const struct kc_cmd kc_cmd_kafka_table[] = {
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
