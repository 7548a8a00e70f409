/* test_watch_notify.c - unit tests of the watch notifier: webhook delivery and retries against
 * an in-process libmicrohttpd receiver on a free loopback port, the --exec command (stdin,
 * environment, exit status, timeout), and the bounded queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_util.h"
#include "kc_watch_notify.h"
#include "kc_watch_parts.h"
#include "rx.h"

/* Results reported by the notifier. */
struct results {
	pthread_mutex_t	 mu;
	int		 ok, failed;
	char		 last[512];
};

static void
on_result(void *arg, const char *target, const json_t *ev, int ok, const char *detail)
{
	struct results *r = arg;

	pthread_mutex_lock(&r->mu);
	if (ok)
		r->ok++;
	else
		r->failed++;
	snprintf(r->last, sizeof(r->last), "%s: %s", target, detail);
	pthread_mutex_unlock(&r->mu);
}

static json_t *
sample_event(const char *kind, const char *connector)
{
	json_t *ev = kc_watch_event_new(kind, "test", connector, 0);

	json_object_set_new(ev, "task", json_integer(0));
	kc_watch_event_str(ev, "state", "FAILED");
	return ev;
}

/* Webhook: the body arrives as JSON, headers are passed, 5xx and 429 are retried. */
static void
test_webhook_retry(void **state)
{
	struct rx rx;
	struct results res = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct kc_notify_opts o = { 0 };
	struct kc_notify_stats st;
	const char *hdrs[] = { "X-Test: yes" };
	struct kc_notify *n;
	struct kc_err err;
	char url[64];
	json_t *ev;

	(void)state;
	rx_start(&rx);
	rx.fail_first = 2;
	rx.fail_status = 503;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", rx.port);
	o.webhook_urls = (const char *const[]){ url };
	o.nwebhook_urls = 1;
	o.headers = hdrs;
	o.nheaders = 1;
	o.retry_backoff_ms = 20;
	o.on_result = on_result;
	o.on_result_arg = &res;
	n = kc_notify_new(&o, &err);
	assert_non_null(n);
	ev = sample_event("failed", "orders");
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(rx.hits, 3);
	assert_int_equal(json_array_size(rx.bodies), 1);
	assert_string_equal(kc_json_str(json_array_get(rx.bodies, 0), "connector"), "orders");
	assert_string_equal(kc_json_str(json_array_get(rx.bodies, 0), "event"), "failed");
	assert_string_equal(rx.ctype, "application/json");
	assert_string_equal(rx.xhdr, "yes");
	assert_int_equal(res.ok, 1);
	assert_non_null(strstr(res.last, "3 attempts"));

	/* 429 with Retry-After: 0 is retried too */
	rx.hits = 0;
	rx.fail_first = 1;
	rx.fail_status = 429;
	ev = sample_event("gave_up", "orders");
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(rx.hits, 2);
	assert_int_equal(json_array_size(rx.bodies), 2);

	/* a 400 is not retried */
	rx.hits = 0;
	rx.fail_first = 100;
	rx.fail_status = 400;
	ev = sample_event("recovered", "orders");
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(rx.hits, 1);
	assert_int_equal(res.failed, 1);
	assert_non_null(strstr(res.last, "HTTP 400"));
	kc_notify_get_stats(n, &st);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(st.failed, 1);

	/* retries are bounded: a dead receiver gives up after 1 + retries attempts */
	rx.hits = 0;
	rx.fail_first = 100;
	rx.fail_status = 500;
	ev = sample_event("failed", "billing");
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 10000), 0);
	assert_int_equal(rx.hits, 4);
	kc_notify_free(n, 1000);
	rx_stop(&rx);
}

/* A refused connection is a transport error: retried, then given up, without blocking post. */
static void
test_webhook_down(void **state)
{
	struct results res = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct kc_notify_opts o = { 0 };
	struct kc_notify *n;
	struct kc_err err;
	struct rx rx;
	char url[64];
	json_t *ev;
	int64_t t0;

	(void)state;
	rx_start(&rx);	/* take a free port, then close it */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", rx.port);
	rx_stop(&rx);
	o.webhook_urls = (const char *const[]){ url };
	o.nwebhook_urls = 1;
	o.retries = 2;
	o.retry_backoff_ms = 10;
	o.on_result = on_result;
	o.on_result_arg = &res;
	n = kc_notify_new(&o, &err);
	ev = sample_event("failed", "x");
	t0 = kc_mono_ms();
	kc_notify_post(n, ev);
	assert_true(kc_mono_ms() - t0 < 100);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(res.failed, 1);
	assert_non_null(strstr(res.last, "after 3 attempts"));
	kc_notify_free(n, 0);
}

/* --exec: the event on stdin, names in the environment, stdout kept off our stdout. */
static void
test_exec(void **state)
{
	struct results res = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct kc_notify_opts o = { 0 };
	char dir[] = "/tmp/kcops-watch-exec.XXXXXX", cmd[512], path[256];
	struct kc_notify *n;
	struct kc_err err;
	json_t *ev, *got;
	char *text;
	size_t len;
	int failed_before;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "/bin/sh -c 'cat >> \"$0\"; echo \"$KCOPS_EVENT "
	    "$KCOPS_CONNECTOR $KCOPS_CONTEXT <$KCOPS_OWNER_NAME> <$KCOPS_OWNER_EMAIL>\" >> "
	    "\"$0.env\"' %s", path);
	o.exec_cmd = cmd;
	o.on_result = on_result;
	o.on_result_arg = &res;
	n = kc_notify_new(&o, &err);
	assert_non_null(n);
	ev = sample_event("failed", "it's \"quoted\"");
	json_object_set_new(ev, "owner", json_pack("{s:s,s:s}", "name", "Orders team", "email",
	    "orders@example.com"));
	setenv("KCOPS_OWNER_EMAIL", "inherited@example.com", 1);	/* replaced, not kept */
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(res.ok, 1);
	text = kc_read_file(path, &len);
	assert_non_null(text);
	assert_int_equal(text[len - 1], '\n');
	got = kc_json_parse(text, len, 0, &err);
	assert_non_null(got);
	assert_string_equal(kc_json_str(got, "connector"), "it's \"quoted\"");
	json_decref(got);
	free(text);
	snprintf(path, sizeof(path), "%s/out.env", dir);
	text = kc_read_file(path, &len);
	assert_string_equal(text, "failed it's \"quoted\" test <Orders team> "
	    "<orders@example.com>\n");
	unsetenv("KCOPS_OWNER_EMAIL");
	free(text);
	kc_notify_free(n, 1000);

	/* exit status and a command that does not exist */
	o.exec_cmd = "/bin/sh -c 'exit 3'";
	n = kc_notify_new(&o, &err);
	ev = sample_event("failed", "a");
	kc_notify_post(n, ev);
	kc_notify_flush(n, 5000);
	assert_non_null(strstr(res.last, "exit 3"));
	kc_notify_free(n, 0);
	o.exec_cmd = "/nonexistent/kcops-notify";
	n = kc_notify_new(&o, &err);
	failed_before = res.failed;
	kc_notify_post(n, ev);
	kc_notify_flush(n, 5000);
	/* a failed delivery naming the command; the reason is "No such file" from posix_spawn,
	 * or a non-zero exit where spawn can't report a failed exec (under valgrind) */
	assert_int_equal(res.failed, failed_before + 1);
	assert_non_null(strstr(res.last, "exec: /nonexistent/kcops-notify: "));
	if (getenv("LD_PRELOAD") == NULL || strstr(getenv("LD_PRELOAD"), "vgpreload") == NULL)
		assert_non_null(strstr(res.last, "No such file"));
	kc_notify_free(n, 0);

	/* a command that hangs and never reads stdin is killed at the timeout */
	o.exec_cmd = "sleep 30";
	o.exec_timeout_ms = 200;
	n = kc_notify_new(&o, &err);
	kc_notify_post(n, ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_non_null(strstr(res.last, "killed after 200 ms"));
	kc_notify_free(n, 0);
	json_decref(ev);

	/* bad command lines are refused up front */
	o.exec_cmd = "echo 'unterminated";
	assert_null(kc_notify_new(&o, &err));
	assert_non_null(strstr(err.msg, "--exec"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/out", dir);
	unlink(path);
	rmdir(dir);
}

/* The queue is bounded: the oldest events are dropped and counted. */
static void
test_queue_bound(void **state)
{
	struct kc_notify_opts o = { 0 };
	struct kc_notify_stats st;
	struct kc_notify *n;
	struct kc_err err;
	json_t *ev;
	int i;

	(void)state;
	o.exec_cmd = "sleep 0.3";
	o.queue_max = 4;
	n = kc_notify_new(&o, &err);
	ev = sample_event("failed", "q");
	for (i = 0; i < 20; i++)
		kc_notify_post(n, ev);
	json_decref(ev);
	kc_notify_get_stats(n, &st);
	assert_true(st.dropped >= 15);
	assert_true(st.queued <= 5);
	/* free abandons what is queued, quickly */
	kc_notify_free(n, 0);
	assert_null(kc_notify_new(&(struct kc_notify_opts){ 0 }, &err));
}

/* Every webhook gets every event; one failing does not stop the other. */
static void
test_two_webhooks(void **state)
{
	struct results res = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct kc_notify_opts o = { 0 };
	struct kc_notify *n;
	struct kc_err err;
	struct rx a, b;
	char ua[64], ub[64];
	const char *urls[2];
	json_t *ev;

	(void)state;
	rx_start(&a);
	rx_start(&b);
	b.fail_first = 100;
	b.fail_status = 400;
	snprintf(ua, sizeof(ua), "http://127.0.0.1:%d/a", a.port);
	snprintf(ub, sizeof(ub), "http://127.0.0.1:%d/b", b.port);
	urls[0] = ub;
	urls[1] = ua;
	o.webhook_urls = urls;
	o.nwebhook_urls = 2;
	o.on_result = on_result;
	o.on_result_arg = &res;
	n = kc_notify_new(&o, &err);
	assert_non_null(n);
	ev = sample_event("failed", "both");
	kc_notify_post(n, ev);
	kc_notify_post(n, ev);
	json_decref(ev);
	assert_int_equal(kc_notify_flush(n, 5000), 0);
	assert_int_equal(rx_count(&a), 2);
	assert_int_equal(b.hits, 2);
	assert_int_equal(res.ok, 2);
	assert_int_equal(res.failed, 2);
	kc_notify_free(n, 0);
	rx_stop(&a);
	rx_stop(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_retry),
		cmocka_unit_test(test_webhook_down),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_two_webhooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
