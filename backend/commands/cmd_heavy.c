/* cmd_heavy.c - the table entries of the commands that need librdkafka or libmicrohttpd:
 * lag and tail (handlers in cmd_kafka.c) and watch (cmd_watch.c).
 *
 * DESIGN: the entries (names, usage, help) live apart from their handlers so that the
 * one-shot kcops binary can list them, print their help and check their arguments without
 * linking those libraries: it supplies its own kc_cmd_lag, kc_cmd_tail and kc_cmd_watch
 * (cmd_handoff.c), which hand the command line to kcops-full. Everything else links the
 * real handlers from libkcops. */
#include "kc_cmd.h"

const struct kc_cmd kc_cmd_kafka_table[] = {
	{ "lag", NULL, "lag [NAME...] [-e REGEX]",
	    "Consumer-group lag of sink connectors (group connect-NAME), from Kafka",
	    "Without names: every sink connector. Reads committed offsets and watermarks\n"
	    "with librdkafka (no group join), using the context's Kafka settings, --bootstrap,\n"
	    "or the bootstrap servers a kcops-worker reports.\n"
	    "-o wide shows every partition; -o json: [{connector, group, total, partitions}].\n",
	    0, kc_cmd_lag, NULL, NULL },
	{ "tail", NULL, "tail TOPIC [--from end|beginning|-N] [-n COUNT] [--idle D]",
	    "Print a topic's records as they arrive (like kcat -C)",
	    "  --from end|beginning|-N  where to start (default end; -N: last N per partition)\n"
	    "  -n, --count N            stop after N records\n"
	    "  --idle D                 stop after D without a record (3s by default at the\n"
	    "                           console's ':' prompt)\n"
	    "Output: PARTITION/OFFSET KEY VALUE (sanitised); -o wide adds the timestamp;\n"
	    "-o json prints one JSON object per line {topic, partition, offset, timestamp,\n"
	    "key, value, headers} (key_base64/value_base64 for binary data).\n",
	    0, kc_cmd_tail, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};

/* Never refused outright in read-only contexts: it then watches and notifies only. */
static int
watch_mutates(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

const struct kc_cmd kc_cmd_watch_table[] = {
	{ "watch", NULL,
	  "watch [--state FILE] [--interval 10s] [-c CTX,...] [--webhook URL] [--exec CMD] "
	  "[--listen ADDR --token-file FILE] [OPTIONS]",
	  "Restart failed connectors with back-off, notify owners, report drift (long-running)",
	  "Polls each context with one bulk status call per --interval (default 10s) and:\n"
	  "  - restarts failed connectors/tasks (only the failed instances) with a back-off\n"
	  "    per connector: --backoff BASE (10s), doubling, capped at --backoff-max (10m),\n"
	  "    at most --max-restarts N (5; 'unlimited'), reset after --healthy (1m) without\n"
	  "    failure. The state file's auto_restart {max, backoff} and restart_failed win;\n"
	  "    a connector it wants paused or stopped is never restarted. --no-restart only\n"
	  "    reports; --managed-only leaves connectors not in the state file alone.\n"
	  "  - sends failed, gave_up and recovered events (--notify KINDS to choose) as JSON\n"
	  "    to --webhook URL (repeatable; retried; --webhook-header 'N: v' or @FILE,\n"
	  "    --webhook-timeout, --webhook-retries) and/or to --exec CMD on stdin (run\n"
	  "    without a shell),\n"
	  "    de-duplicated (--dedup 5m) and rate limited (--rate 30/min, --burst 10).\n"
	  "  - with --state FILE (re-read every cycle), reports drift once per change and,\n"
	  "    with --apply, applies the plan (--prune allows deletes).\n"
	  "  - survives outages: reported once, last state kept, resumes on its own.\n"
	  "Events are NDJSON on stdout (--log FILE appends to a file; --format text for\n"
	  "people). Contexts: the current one, -c a,b (repeatable) or --all-contexts.\n"
	  "--listen ADDR (e.g. 127.0.0.1:8080) with --token-file FILE serves /connectors/STATE,\n"
	  "/validate, /plan, POST /sync, /events and /status, each request needing an\n"
	  "Authorization header. --once runs one cycle (restarting failed ones at once) and\n"
	  "exits. SIGINT/SIGTERM stop it cleanly.\n"
	  "-f/--follow FILE|URL shows the events of a running watch (its --log file, or its\n"
	  "service with --token-file) as text (--format json for NDJSON). See docs/watch.md.",
	  0, kc_cmd_watch, NULL, watch_mutates },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
