/* mock_kafka.c - kcops-mock-kafka: librdkafka's mock cluster in its own process, for tests.
 *
 *	kcops-mock-kafka [--brokers N] [--topic NAME[:PARTITIONS]]...
 *
 * Prints "bootstrap.servers=HOST:PORT,..." on stdout, then reads one command per line on
 * stdin and answers "ok" or "error: MESSAGE" on stdout:
 *	topic NAME [PARTITIONS [REPLICATION]]	create a topic (existing: ok)
 *	down ID | up ID				set broker ID (1..N) down or up
 *	leader TOPIC PARTITION ID		move a partition's leader to broker ID (-1: none)
 *	coordinator GROUP ID			move a consumer group's coordinator to broker ID
 *	errors API COUNT ERR			the next COUNT requests of API (Produce, Fetch,
 *						OffsetCommit, Heartbeat, JoinGroup, SyncGroup,
 *						Metadata, or its number) fail with ERR (a Kafka
 *						error name such as NOT_LEADER_FOR_PARTITION, or
 *						its code), on whichever broker gets them
 *	produce-errors COUNT [ERR]		the same for Produce (ERR default
 *						NOT_ENOUGH_REPLICAS, which producers retry)
 *	bootstrap				print the bootstrap servers again
 *	quit					exit (also on end of input, SIGTERM, SIGINT)
 * Topics are also auto-created by producers' metadata requests (4 partitions). The cluster
 * lives as long as this process, so a kcops-worker can crash and restart and find its data. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_kafka_mock.h"
#include "kc_util.h"

static void
usage(void)
{
	fprintf(stderr, "usage: kcops-mock-kafka [--brokers N] [--topic NAME[:PARTITIONS]]...\n");
}

static int
create(struct kc_kafka_mock *m, const char *spec, int parts, int repl)
{
	char err[512], *name = kc_xstrdup(spec), *colon = strchr(name, ':');
	int r;

	if (colon != NULL) {
		*colon = '\0';
		parts = atoi(colon + 1);
	}
	r = kc_kafka_mock_topic_create(m, name, parts, repl, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "kcops-mock-kafka: %s\n", err);
	free(name);
	return r;
}

/* A Kafka error by name (NOT_LEADER_FOR_PARTITION, with or without RD_KAFKA_RESP_ERR_) or
 * by code; 0 when unknown (or NO_ERROR, which is no fault either). */
static rd_kafka_resp_err_t
parse_err(const char *s)
{
	const struct rd_kafka_err_desc *d;
	size_t n, i;
	char *end;
	long v;

	if (strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18) == 0)
		s += 18;
	v = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return v > 0 ? (rd_kafka_resp_err_t)v : RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_get_err_descs(&d, &n);
	for (i = 0; i < n; i++)
		if (d[i].name != NULL && d[i].code > 0 && strcasecmp(d[i].name, s) == 0)
			return d[i].code;
	return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* An API key by name or number; -1 when unknown. */
static int
parse_api(const char *s)
{
	static const struct { const char *name; int key; } apis[] = {
		{ "Produce", 0 }, { "Fetch", 1 }, { "ListOffsets", 2 }, { "Metadata", 3 },
		{ "OffsetCommit", 8 }, { "OffsetFetch", 9 }, { "FindCoordinator", 10 },
		{ "JoinGroup", 11 }, { "Heartbeat", 12 }, { "LeaveGroup", 13 },
		{ "SyncGroup", 14 }, { "InitProducerId", 22 },
	};
	char *end;
	long v;
	size_t i;

	v = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return v >= 0 && v < 100 ? (int)v : -1;
	for (i = 0; i < KC_NITEMS(apis); i++)
		if (strcasecmp(apis[i].name, s) == 0)
			return apis[i].key;
	return -1;
}

/* errors API COUNT ERR: push COUNT errors for API. Prints the answer. */
static void
push_errors(rd_kafka_mock_cluster_t *mc, const char *api, int count, const char *errname)
{
	rd_kafka_resp_err_t e = parse_err(errname), *errs;
	int key = parse_api(api), i;

	if (key < 0) {
		printf("error: unknown API '%s' (Produce, Fetch, OffsetCommit, Heartbeat, "
		    "JoinGroup, SyncGroup, Metadata or a number)\n", api);
		return;
	}
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		printf("error: unknown Kafka error '%s' (a name such as NOT_LEADER_FOR_PARTITION, "
		    "or a code > 0)\n", errname);
		return;
	}
	if (count < 1 || count > 100000) {
		printf("error: COUNT must be 1..100000\n");
		return;
	}
	errs = kc_xmalloc((size_t)count * sizeof(*errs));
	for (i = 0; i < count; i++)
		errs[i] = e;
	rd_kafka_mock_push_request_errors_array(mc, (int16_t)key, (size_t)count, errs);
	free(errs);
	printf("ok\n");
}

int
main(int argc, char **argv)
{
	struct kc_kafka_mock *m;
	rd_kafka_mock_cluster_t *mc;
	char err[512], line[1024];
	int brokers = 1, i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
			brokers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--topic") == 0 && i + 1 < argc)
			i++;	/* after start */
		else {
			usage();
			return 2;
		}
	}
	m = kc_kafka_mock_new(brokers, err, sizeof(err));
	if (m == NULL) {
		fprintf(stderr, "kcops-mock-kafka: %s\n", err);
		return 1;
	}
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--topic") == 0 && create(m, argv[++i], 1, 1) != 0) {
			kc_kafka_mock_free(m);
			return 1;
		}
	mc = kc_kafka_mock_cluster(m);
	printf("bootstrap.servers=%s\n", kc_kafka_mock_bootstraps(m));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char cmd[32] = "", arg[512] = "";
		int a2 = 1, a3 = 1, n;

		n = sscanf(line, "%31s %511s %d %d", cmd, arg, &a2, &a3);
		if (n <= 0)
			continue;
		if (strcmp(cmd, "quit") == 0)
			break;
		if (strcmp(cmd, "bootstrap") == 0)
			printf("bootstrap.servers=%s\n", kc_kafka_mock_bootstraps(m));
		else if (strcmp(cmd, "topic") == 0 && n >= 2) {
			if (kc_kafka_mock_topic_create(m, arg, a2, a3, err, sizeof(err)) == 0)
				printf("ok\n");
			else
				printf("error: %s\n", err);
		} else if ((strcmp(cmd, "down") == 0 || strcmp(cmd, "up") == 0) && n == 2) {
			if (kc_kafka_mock_broker_set(m, atoi(arg), cmd[0] == 'u', err,
			    sizeof(err)) == 0)
				printf("ok\n");
			else
				printf("error: %s\n", err);
		} else if (strcmp(cmd, "leader") == 0) {
			char topic[512];
			int part, id;

			if (sscanf(line, "%*s %511s %d %d", topic, &part, &id) != 3)
				printf("error: usage: leader TOPIC PARTITION BROKER\n");
			else if (id != -1 && (id < 1 || id > kc_kafka_mock_broker_count(m)))
				printf("error: broker %d: the cluster has brokers 1..%d\n", id,
				    kc_kafka_mock_broker_count(m));
			else if (rd_kafka_mock_partition_set_leader(mc, topic, part, id) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR)
				printf("error: no partition %s [%d]\n", topic, part);
			else
				printf("ok\n");
		} else if (strcmp(cmd, "coordinator") == 0) {
			char group[512];
			int id;

			if (sscanf(line, "%*s %511s %d", group, &id) != 2)
				printf("error: usage: coordinator GROUP BROKER\n");
			else if (id < 1 || id > kc_kafka_mock_broker_count(m))
				printf("error: broker %d: the cluster has brokers 1..%d\n", id,
				    kc_kafka_mock_broker_count(m));
			else if (rd_kafka_mock_coordinator_set(mc, "group", group, id) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR)
				printf("error: cannot move the coordinator of %s\n", group);
			else
				printf("ok\n");
		} else if (strcmp(cmd, "errors") == 0) {
			char api[64], ename[128];
			int count;

			if (sscanf(line, "%*s %63s %d %127s", api, &count, ename) != 3)
				printf("error: usage: errors API COUNT ERR\n");
			else
				push_errors(mc, api, count, ename);
		} else if (strcmp(cmd, "produce-errors") == 0) {
			char ename[128] = "NOT_ENOUGH_REPLICAS";
			int count;

			if (sscanf(line, "%*s %d %127s", &count, ename) < 1)
				printf("error: usage: produce-errors COUNT [ERR]\n");
			else
				push_errors(mc, "Produce", count, ename);
		} else
			printf("error: unknown command (topic NAME [P [R]], down ID, up ID, "
			    "leader TOPIC P ID, coordinator GROUP ID, errors API COUNT ERR, "
			    "produce-errors COUNT [ERR], bootstrap, quit)\n");
		fflush(stdout);
	}
	kc_kafka_mock_free(m);
	return 0;
}
