/* mock_kafka.c - kcops-mock-kafka: librdkafka's mock cluster in its own process, for tests.
 *
 *	kcops-mock-kafka [--brokers N] [--topic NAME[:PARTITIONS]]...
 *
 * Prints "bootstrap.servers=HOST:PORT,..." on stdout, then reads one command per line on
 * stdin and answers "ok" or "error: MESSAGE" on stdout:
 *	topic NAME [PARTITIONS [REPLICATION]]	create a topic (existing: ok)
 *	down ID | up ID				set broker ID (1..N) down or up
 *	bootstrap				print the bootstrap servers again
 *	quit					exit (also on end of input, SIGTERM, SIGINT)
 * Topics are also auto-created by producers' metadata requests (4 partitions). The cluster
 * lives as long as this process, so a kcops-worker can crash and restart and find its data. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(int argc, char **argv)
{
	struct kc_kafka_mock *m;
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
		} else
			printf("error: unknown command (topic NAME [P [R]], down ID, up ID, "
			    "bootstrap, quit)\n");
		fflush(stdout);
	}
	kc_kafka_mock_free(m);
	return 0;
}
