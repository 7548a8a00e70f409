/* test_watch_parts.c - unit tests of kcops watch's pure pieces: back-off timing, the limiter,
 * events and trace excerpts, --exec splitting, tokens and listen addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_util.h"
#include "kc_watch_parts.h"

static const struct kc_backoff_policy pol = {
	.base_ms = 1000, .cap_ms = 8000, .max_attempts = 5, .healthy_ms = 3000,
};

/* Delays double from the base and stop at the cap, without overflowing. */
static void
test_delay(void **state)
{
	struct kc_backoff_policy huge = { .base_ms = 1000, .cap_ms = 0, .max_attempts = -1 };
	struct kc_backoff_policy small_cap = { .base_ms = 5000, .cap_ms = 2000 };

	(void)state;
	assert_int_equal(kc_backoff_delay(&pol, 1), 1000);
	assert_int_equal(kc_backoff_delay(&pol, 2), 2000);
	assert_int_equal(kc_backoff_delay(&pol, 3), 4000);
	assert_int_equal(kc_backoff_delay(&pol, 4), 8000);
	assert_int_equal(kc_backoff_delay(&pol, 5), 8000);
	assert_int_equal(kc_backoff_delay(&pol, 500), 8000);
	/* no cap: grows until int64 would overflow, then stays at the maximum */
	assert_int_equal(kc_backoff_delay(&huge, 11), 1024000);
	assert_true(kc_backoff_delay(&huge, 200) > 0);
	assert_int_equal(kc_backoff_delay(&small_cap, 1), 2000);
}

/* The restart schedule: base after the failure, then gaps that double; give up after max. */
static void
test_schedule(void **state)
{
	struct kc_backoff b;
	int64_t t = 100000, restarts[8];
	int n = 0, r, i;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = kc_backoff_failed(&b, &pol, t);
	assert_int_equal(r, KC_BO_NEW_INCIDENT);
	assert_false(kc_backoff_due(&b, &pol, t + 999));
	/* simulate: every 100 ms the connector is seen failed; restart when due */
	for (; t < 200000; t += 100) {
		r = kc_backoff_failed(&b, &pol, t);
		if (r & KC_BO_GIVE_UP)
			break;
		if (kc_backoff_due(&b, &pol, t)) {
			assert_false(kc_backoff_exhausted(&b, &pol));
			restarts[n++] = t;
			kc_backoff_restarted(&b, &pol, t);
		}
	}
	assert_int_equal(n, 5);
	assert_true(b.gave_up);
	assert_int_equal(restarts[0], 101000);
	for (i = 1; i < n; i++) {
		int64_t gap = restarts[i] - restarts[i - 1];

		assert_int_equal(gap, kc_backoff_delay(&pol, i + 1));
	}
	/* given up: seen failed again is nothing new, and nothing is due */
	assert_int_equal(kc_backoff_failed(&b, &pol, t + 100000), KC_BO_REFAILED);
	assert_false(kc_backoff_due(&b, &pol, t + 100000));
}

/* Healthy for the healthy period closes the incident and resets the counter. */
static void
test_recovery(void **state)
{
	struct kc_backoff b;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(kc_backoff_healthy(&b, &pol, 1000), 0);	/* nothing open */
	kc_backoff_failed(&b, &pol, 1000);
	assert_true(kc_backoff_due(&b, &pol, 2000));
	kc_backoff_restarted(&b, &pol, 2000);
	assert_int_equal(b.attempts, 1);
	assert_int_equal(kc_backoff_healthy(&b, &pol, 2500), 0);
	/* a healthy streak in progress holds restarts */
	assert_false(kc_backoff_due(&b, &pol, 4100));
	/* fails again before the period: streak broken, still the same incident */
	assert_int_equal(kc_backoff_failed(&b, &pol, 4200), KC_BO_REFAILED);
	assert_true(kc_backoff_due(&b, &pol, 4200));
	kc_backoff_restarted(&b, &pol, 4200);
	assert_int_equal(b.attempts, 2);
	assert_int_equal(kc_backoff_healthy(&b, &pol, 5000), 0);
	assert_int_equal(kc_backoff_healthy(&b, &pol, 7999), 0);
	assert_int_equal(kc_backoff_healthy(&b, &pol, 8000), KC_BO_RECOVERED);
	assert_int_equal(b.attempts, 0);
	assert_false(b.failing);
	/* the next failure is a new incident with base delay again */
	assert_int_equal(kc_backoff_failed(&b, &pol, 9000), KC_BO_NEW_INCIDENT);
	assert_int_equal(b.next_at, 10000);
	/* a given-up incident recovers too */
	kc_backoff_give_up(&b);
	assert_false(kc_backoff_due(&b, &pol, 20000));
	kc_backoff_healthy(&b, &pol, 21000);
	assert_int_equal(kc_backoff_healthy(&b, &pol, 24000), KC_BO_RECOVERED);
	assert_false(b.gave_up);
}

/* max_attempts 0 never restarts; -1 never gives up. */
static void
test_policy_edges(void **state)
{
	struct kc_backoff_policy off = { .base_ms = 10, .max_attempts = 0, .healthy_ms = 10 };
	struct kc_backoff_policy forever = { .base_ms = 10, .cap_ms = 40, .max_attempts = -1,
	    .healthy_ms = 10 };
	struct kc_backoff b;
	int i;

	(void)state;
	memset(&b, 0, sizeof(b));
	kc_backoff_failed(&b, &off, 0);
	assert_false(kc_backoff_due(&b, &off, 1000));
	assert_int_equal(kc_backoff_failed(&b, &off, 1000) & KC_BO_GIVE_UP, 0);
	memset(&b, 0, sizeof(b));
	kc_backoff_failed(&b, &forever, 0);
	for (i = 0; i < 100; i++) {
		int64_t t = b.next_at;

		assert_int_equal(kc_backoff_failed(&b, &forever, t) & KC_BO_GIVE_UP, 0);
		assert_true(kc_backoff_due(&b, &forever, t));
		kc_backoff_restarted(&b, &forever, t);
	}
	assert_int_equal(b.attempts, 100);
	assert_int_equal(b.next_at - b.last_restart, 40);
}

/* Duplicates within the window are held back; the token bucket limits the rest. */
static void
test_limiter(void **state)
{
	struct kc_limiter *l = kc_limiter_new(10000, 60, 3);	/* 1 per second, burst 3 */
	char key[32];
	int i, pass = 0;

	(void)state;
	assert_int_equal(kc_limiter_check(l, "a", 0), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "a", 5000), KC_LIMIT_DUPLICATE);
	assert_int_equal(kc_limiter_check(l, "b", 5000), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "c", 5000), KC_LIMIT_PASS);
	/* bucket: 3 at t=0, one taken, +5 refilled but capped at 3, then two taken -> 1 left */
	assert_int_equal(kc_limiter_check(l, "d", 5000), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "e", 5000), KC_LIMIT_RATE);
	assert_int_equal(kc_limiter_take_suppressed(l), 2);
	assert_int_equal(kc_limiter_take_suppressed(l), 0);
	/* one second later one more token */
	assert_int_equal(kc_limiter_check(l, "e", 6000), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "f", 6000), KC_LIMIT_RATE);
	/* the window passes */
	assert_int_equal(kc_limiter_check(l, "a", 10001), KC_LIMIT_PASS);
	kc_limiter_forget(l, "e");
	assert_int_equal(kc_limiter_check(l, "e", 12000), KC_LIMIT_PASS);
	kc_limiter_free(l);

	/* forgetting by prefix: one connector's keys only */
	l = kc_limiter_new(60000, 0, 0);
	assert_int_equal(kc_limiter_check(l, "failed|prod|a|0|FAILED", 0), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "failed|prod|ab|0|FAILED", 0), KC_LIMIT_PASS);
	kc_limiter_forget_prefix(l, "failed|prod|a|");
	assert_int_equal(kc_limiter_check(l, "failed|prod|a|0|FAILED", 1), KC_LIMIT_PASS);
	assert_int_equal(kc_limiter_check(l, "failed|prod|ab|0|FAILED", 1), KC_LIMIT_DUPLICATE);
	kc_limiter_free(l);

	/* many distinct keys: pruning keeps working, no rate limit */
	l = kc_limiter_new(100, 0, 0);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 2000);
		if (kc_limiter_check(l, key, i) == KC_LIMIT_PASS)
			pass++;
	}
	/* each key comes back every 2000 ms > 100 ms window: always passes */
	assert_int_equal(pass, 5000);
	kc_limiter_free(l);
	kc_limiter_free(NULL);
}

/* Event objects, NDJSON lines and keys. */
static void
test_event(void **state)
{
	json_t *ev, *back;
	char *line, *key;
	struct kc_err err;

	(void)state;
	ev = kc_watch_event_new("failed", "prod", "orders\x1b[2J", 1700000000123456LL);
	json_object_set_new(ev, "task", json_integer(2));
	kc_watch_event_str(ev, "state", "FAILED");
	kc_watch_event_str(ev, "bad", "caf\xe9");	/* not UTF-8 */
	kc_watch_event_str(ev, "none", NULL);
	assert_string_equal(kc_json_str(ev, "time"), "2023-11-14T22:13:20.123456Z");
	assert_non_null(kc_json_str(ev, "bad"));
	assert_true(json_is_null(json_object_get(ev, "none")));
	line = kc_watch_event_line(ev);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_null(strchr(line, '\x1b'));	/* escaped, never raw */
	assert_int_equal(strchr(line, '\n') - line, (long)strlen(line) - 1);
	assert_true(kc_str_has_prefix(line, "{\"time\":"));
	back = kc_json_parse(line, strlen(line), 1, &err);
	assert_non_null(back);
	assert_string_equal(kc_json_str(back, "connector"), "orders\x1b[2J");
	json_decref(back);
	key = kc_watch_event_key(ev);
	assert_string_equal(key, "failed|prod|orders\x1b[2J|2|FAILED");
	free(key);
	free(line);
	json_decref(ev);
	ev = kc_watch_event_new("outage", "dev", NULL, 0);
	assert_null(json_object_get(ev, "connector"));
	key = kc_watch_event_key(ev);
	assert_string_equal(key, "outage|dev||-|");
	free(key);
	json_decref(ev);
}

/* The excerpt keeps the exception line and the root cause. */
static void
test_excerpt(void **state)
{
	const char *trace =
	    "org.apache.kafka.connect.errors.ConnectException: queue q1 has no consumer\n"
	    "\tat kcops.http.Sink.start(HttpSink.c:10)\n"
	    "Caused by: java.io.IOException: first cause\n"
	    "\tat x\n"
	    "Caused by: java.net.ConnectException: Connection refused\r\n"
	    "\tat y\n";
	char *e, long_line[600];

	(void)state;
	e = kc_watch_trace_excerpt(trace, 200);
	assert_string_equal(e, "org.apache.kafka.connect.errors.ConnectException: queue q1 has "
	    "no consumer\nCaused by: java.net.ConnectException: Connection refused");
	free(e);
	assert_null(kc_watch_trace_excerpt(NULL, 100));
	assert_null(kc_watch_trace_excerpt("  \n ", 100));
	e = kc_watch_trace_excerpt("single line \x1b]0;evil\x07 trace", 100);
	assert_null(strchr(e, '\x1b'));
	assert_null(strchr(e, '\x07'));
	free(e);
	/* a long line is cut on a UTF-8 boundary */
	memset(long_line, 0, sizeof(long_line));
	for (int i = 0; i < 200; i++)
		memcpy(long_line + i * 2, "\xc3\xa9", 2);	/* é */
	e = kc_watch_trace_excerpt(long_line, 101);
	assert_true(kc_str_has_suffix(e, "..."));
	assert_int_equal(strlen(e), 100 + 3);
	json_t *s = json_string(e);	/* valid UTF-8 */
	assert_non_null(s);
	json_decref(s);
	free(e);
}

/* --exec command lines split like a shell would, with no expansion. */
static void
test_split(void **state)
{
	struct kc_err err;
	char **av;

	(void)state;
	av = kc_watch_split_command("  notify-send  -u critical 'a b' \"c \\\"d\\\" $HOME\" e\\ f ''",
	    &err);
	assert_non_null(av);
	assert_string_equal(av[0], "notify-send");
	assert_string_equal(av[1], "-u");
	assert_string_equal(av[2], "critical");
	assert_string_equal(av[3], "a b");
	assert_string_equal(av[4], "c \"d\" $HOME");
	assert_string_equal(av[5], "e f");
	assert_string_equal(av[6], "");
	assert_null(av[7]);
	kc_watch_argv_free(av);
	av = kc_watch_split_command("x'y'\"z\"", &err);
	assert_string_equal(av[0], "xyz");
	assert_null(av[1]);
	kc_watch_argv_free(av);
	assert_null(kc_watch_split_command("echo 'oops", &err));
	assert_non_null(strstr(err.msg, "unterminated '"));
	assert_null(kc_watch_split_command("echo \"oops", &err));
	assert_non_null(strstr(err.msg, "unterminated \""));
	assert_null(kc_watch_split_command("echo \\", &err));
	assert_null(kc_watch_split_command("   ", &err));
	assert_non_null(strstr(err.msg, "empty"));
	assert_null(kc_watch_split_command(NULL, &err));
}

/* Tokens: parsing, checking, file modes. */
static void
test_tokens(void **state)
{
	const char *text = "# service tokens\n\n  s3cret-one  \nsecond token\n";
	struct kc_watch_tokens *t;
	struct kc_err err;
	char dir[] = "/tmp/kcops-watch-tok.XXXXXX", path[128];
	FILE *f;

	(void)state;
	t = kc_watch_tokens_parse(text, strlen(text), "t", &err);
	assert_non_null(t);
	assert_int_equal(kc_watch_tokens_count(t), 2);
	assert_string_equal(kc_watch_tokens_get(t, 0), "s3cret-one");
	assert_string_equal(kc_watch_tokens_get(t, 1), "second token");
	assert_null(kc_watch_tokens_get(t, 2));
	assert_int_equal(kc_watch_tokens_check(t, NULL), KC_AUTH_MISSING);
	assert_int_equal(kc_watch_tokens_check(t, "   "), KC_AUTH_MISSING);
	assert_int_equal(kc_watch_tokens_check(t, "s3cret-one"), KC_AUTH_OK);
	assert_int_equal(kc_watch_tokens_check(t, "Bearer s3cret-one"), KC_AUTH_OK);
	assert_int_equal(kc_watch_tokens_check(t, "bearer  s3cret-one "), KC_AUTH_OK);
	assert_int_equal(kc_watch_tokens_check(t, "Token second token"), KC_AUTH_OK);
	assert_int_equal(kc_watch_tokens_check(t, "s3cret-on"), KC_AUTH_BAD);
	assert_int_equal(kc_watch_tokens_check(t, "s3cret-one1"), KC_AUTH_BAD);
	assert_int_equal(kc_watch_tokens_check(t, "Bearer "), KC_AUTH_BAD);
	assert_int_equal(kc_watch_tokens_check(t, "Basic czNjcmV0LW9uZQ=="), KC_AUTH_BAD);
	kc_watch_tokens_free(t);
	assert_null(kc_watch_tokens_parse("# only\n\n", 9, "empty.tok", &err));
	assert_non_null(strstr(err.msg, "empty.tok: no token"));

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tok", dir);
	f = fopen(path, "w");
	fputs("abc\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_null(kc_watch_tokens_load(path, &err));
	assert_non_null(strstr(err.msg, "chmod 600"));
	chmod(path, 0600);
	t = kc_watch_tokens_load(path, &err);
	assert_non_null(t);
	assert_int_equal(kc_watch_tokens_check(t, "Bearer abc"), KC_AUTH_OK);
	kc_watch_tokens_free(t);
	unlink(path);
	assert_null(kc_watch_tokens_load(path, &err));
	assert_non_null(strstr(err.msg, "No such file"));
	rmdir(dir);
}

/* Listen addresses. */
static void
test_listen(void **state)
{
	struct kc_err err;
	char *host;
	int port;

	(void)state;
	assert_int_equal(kc_watch_parse_listen("127.0.0.1:8080", &host, &port, &err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	free(host);
	assert_int_equal(kc_watch_parse_listen(":0", &host, &port, &err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 0);
	free(host);
	assert_int_equal(kc_watch_parse_listen("9000", &host, &port, &err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9000);
	free(host);
	assert_int_equal(kc_watch_parse_listen("[::1]:81", &host, &port, &err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 81);
	free(host);
	assert_int_equal(kc_watch_parse_listen("localhost:65536", &host, &port, &err), -1);
	assert_non_null(strstr(err.msg, "bad port"));
	assert_null(host);
	assert_int_equal(kc_watch_parse_listen("::1:80", &host, &port, &err), -1);
	assert_non_null(strstr(err.msg, "brackets"));
	assert_int_equal(kc_watch_parse_listen("host:", &host, &port, &err), -1);
	assert_int_equal(kc_watch_parse_listen("[::1]80", &host, &port, &err), -1);
	assert_int_equal(kc_watch_parse_listen("", &host, &port, &err), -1);
	assert_int_equal(kc_watch_parse_listen("h:8x", &host, &port, &err), -1);
}

/* Following an event log: complete lines only, offsets, truncation. */
static void
test_log_read(void **state)
{
	char dir[] = "/tmp/kcops-watch-log.XXXXXX", path[128];
	struct kc_err err;
	int64_t off = 0;
	json_t *evs;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.ndjson", dir);
	assert_null(kc_watch_log_read(path, &off, 0, &err));
	assert_non_null(strstr(err.msg, "No such file"));
	f = fopen(path, "w");
	fputs("{\"event\":\"started\",\"seq\":1}\nnot json\n[1]\n{\"event\":\"failed\",\"seq\":2}\n"
	    "{\"event\":\"half", f);
	fflush(f);
	evs = kc_watch_log_read(path, &off, 0, &err);
	assert_int_equal(json_array_size(evs), 2);
	assert_string_equal(kc_json_str(json_array_get(evs, 1), "event"), "failed");
	json_decref(evs);
	/* the incomplete line is not consumed */
	fputs("\",\"seq\":3}\n", f);
	fflush(f);
	evs = kc_watch_log_read(path, &off, 0, &err);
	assert_int_equal(json_array_size(evs), 1);
	assert_string_equal(kc_json_str(json_array_get(evs, 0), "event"), "half");
	json_decref(evs);
	evs = kc_watch_log_read(path, &off, 0, &err);
	assert_int_equal(json_array_size(evs), 0);
	json_decref(evs);
	fclose(f);
	/* truncated (copytruncate): read from the start again; max honoured */
	f = fopen(path, "w");
	fputs("{\"seq\":1}\n{\"seq\":2}\n{\"seq\":3}\n", f);
	fclose(f);
	evs = kc_watch_log_read(path, &off, 2, &err);
	assert_int_equal(json_array_size(evs), 2);
	json_decref(evs);
	evs = kc_watch_log_read(path, &off, 2, &err);
	assert_int_equal(json_array_size(evs), 1);
	assert_int_equal(kc_json_int_or(json_array_get(evs, 0), "seq", 0), 3);
	json_decref(evs);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_policy_edges),
		cmocka_unit_test(test_limiter),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_log_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
