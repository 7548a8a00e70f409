/* test_watch_emit.c - unit tests of the watch's event pipeline without a cluster: numbering,
 * the NDJSON log, which kinds are notified, de-duplication and rate limiting as a webhook
 * (in-process receiver) sees them, the suppressed counter, the /events ring, kind parsing,
 * and option checks of kc_watch_new. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_util.h"
#include "kc_watch_int.h"
#include "rx.h"

static char *urls[] = { "http://127.0.0.1:1" };

/* A context that points nowhere (nothing is polled in these tests). */
static struct kc_ctx *
dummy_ctx(void)
{
	struct kc_ctx *c = kc_xcalloc(1, sizeof(*c));

	c->name = kc_xstrdup("unit");
	c->urls = urls;
	c->nurls = 1;
	return c;
}

static void
free_ctx(struct kc_ctx *c)
{
	free(c->name);
	free(c);
}

static json_t *
failed_event(const char *conn, int task)
{
	json_t *ev = kc_watch_event_new("failed", "unit", conn, 0);

	json_object_set_new(ev, "task", json_integer(task));
	kc_watch_event_str(ev, "state", "FAILED");
	return ev;
}

/* Parse every line of the log. */
static json_t *
log_lines(char *buf, size_t len)
{
	json_t *arr = json_array();
	char *p = buf, *nl;
	struct kc_err err;

	while (p < buf + len && (nl = strchr(p, '\n')) != NULL) {
		json_t *j = kc_json_parse(p, (size_t)(nl - p), 1, &err);

		assert_non_null(j);
		json_array_append_new(arr, j);
		p = nl + 1;
	}
	return arr;
}

/* Dedup, rate limit, log and ring, seen end to end. */
static void
test_pipeline(void **state)
{
	struct kc_ctx *ctx = dummy_ctx();
	struct kc_ctx *ctxs[1] = { ctx };
	struct kc_watch_opts o = { 0 };
	struct kc_watch *w;
	struct kc_err err;
	struct rx rx;
	char url[64], *buf = NULL;
	size_t len = 0;
	FILE *log;
	json_t *lines, *evs, *ev;

	(void)state;
	rx_start(&rx);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", rx.port);
	log = open_memstream(&buf, &len);
	o.ctxs = ctxs;
	o.nctxs = 1;
	o.webhook_urls = (const char *const[]){ url };
	o.nwebhook_urls = 1;
	o.dedup_ms = 60000;
	o.rate_per_min = 60;	/* one a second */
	o.rate_burst = 2;
	o.log = log;
	w = kc_watch_new(&o, &err);
	assert_non_null(w);

	kc_watch_emit(w, KC_WEV_FAILED, failed_event("a", 0));		/* sent (token 1 of 2) */
	kc_watch_emit(w, KC_WEV_FAILED, failed_event("a", 0));		/* duplicate */
	ev = kc_watch_event_new("state", "unit", "a", 0);		/* not a notified kind */
	kc_watch_emit(w, KC_WEV_STATE, ev);
	kc_watch_emit(w, KC_WEV_FAILED, failed_event("a", 1));		/* other task: sent */
	kc_watch_emit(w, KC_WEV_FAILED, failed_event("b", 0));		/* no token left */
	usleep(1100 * 1000);
	kc_watch_emit(w, KC_WEV_GAVE_UP, failed_event("c", 0));	/* sent, 1 held before */
	kc_watch_emit(w, KC_WEV_RESTARTED, failed_event("c", 0));	/* not notified */
	assert_int_equal(kc_notify_flush(w->notify, 5000), 0);

	fflush(log);
	lines = log_lines(buf, len);
	assert_int_equal(json_array_size(lines), 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, i),
		    "seq")), (json_int_t)i + 1);
	assert_string_equal(kc_json_str(json_array_get(lines, 0), "notify"), "sent");
	assert_string_equal(kc_json_str(json_array_get(lines, 1), "notify"), "duplicate");
	assert_null(json_object_get(json_array_get(lines, 2), "notify"));
	assert_string_equal(kc_json_str(json_array_get(lines, 3), "notify"), "sent");
	assert_string_equal(kc_json_str(json_array_get(lines, 4), "notify"), "rate_limited");
	assert_string_equal(kc_json_str(json_array_get(lines, 5), "notify"), "sent");
	assert_null(json_object_get(json_array_get(lines, 6), "notify"));

	/* the webhook saw exactly the three sent ones, the last with the held-back count */
	assert_int_equal(rx_count(&rx), 3);
	assert_string_equal(kc_json_str(json_array_get(rx.bodies, 0), "connector"), "a");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rx.bodies, 1), "task")),
	    1);
	assert_string_equal(kc_json_str(json_array_get(rx.bodies, 2), "event"), "failed");
	/* held back since the previous sent one: the duplicate, then the rate-limited one */
	assert_int_equal(kc_json_int_or(json_array_get(rx.bodies, 1), "suppressed_before", -1), 1);
	assert_int_equal(kc_json_int_or(json_array_get(rx.bodies, 2), "suppressed_before", -1), 1);
	assert_null(json_object_get(json_array_get(rx.bodies, 0), "notify"));
	assert_null(json_object_get(json_array_get(rx.bodies, 0), "suppressed_before"));

	/* the ring */
	evs = kc_watch_events_json(w, 5, 0);
	assert_int_equal(json_array_size(json_object_get(evs, "events")), 2);
	assert_int_equal(json_integer_value(json_object_get(evs, "next")), 7);
	json_decref(evs);
	evs = kc_watch_events_json(w, 0, 0);
	assert_int_equal(json_array_size(json_object_get(evs, "events")), 7);
	json_decref(evs);
	evs = kc_watch_status_json(w);
	assert_int_equal(kc_json_int_or(json_object_get(evs, "notifications"), "delivered", -1), 3);
	json_decref(evs);

	json_decref(lines);
	kc_watch_free(w);
	fclose(log);
	free(buf);
	rx_stop(&rx);
	free_ctx(ctx);
}

/* The ring keeps the last 1000. */
static void
test_ring(void **state)
{
	struct kc_ctx *ctx = dummy_ctx();
	struct kc_ctx *ctxs[1] = { ctx };
	struct kc_watch_opts o = { 0 };
	struct kc_watch *w;
	struct kc_err err;
	json_t *evs;
	int i;

	(void)state;
	o.ctxs = ctxs;
	o.nctxs = 1;
	w = kc_watch_new(&o, &err);
	assert_non_null(w);
	for (i = 0; i < 2500; i++)
		kc_watch_emit(w, KC_WEV_STATE, kc_watch_event_new("state", "unit", "x", 0));
	evs = kc_watch_events_json(w, 0, 0);
	assert_int_equal(json_array_size(json_object_get(evs, "events")), KC_WATCH_RING);
	assert_int_equal(kc_json_int_or(json_array_get(json_object_get(evs, "events"), 0), "seq",
	    0), 2500 - KC_WATCH_RING + 1);
	json_decref(evs);
	evs = kc_watch_events_json(w, 2499, 0);
	assert_int_equal(json_array_size(json_object_get(evs, "events")), 1);
	json_decref(evs);
	evs = kc_watch_events_json(w, 99999, 0);
	assert_int_equal(json_array_size(json_object_get(evs, "events")), 0);
	json_decref(evs);
	kc_watch_free(w);
	free_ctx(ctx);
}

/* Kind lists. */
static void
test_kinds(void **state)
{
	struct kc_err err;
	int64_t m;

	(void)state;
	m = kc_watch_kinds_parse("failed, gave_up,recovered", &err);
	assert_int_equal(m, (1 << KC_WEV_FAILED) | (1 << KC_WEV_GAVE_UP) | (1 << KC_WEV_RECOVERED));
	assert_int_equal(kc_watch_kinds_parse("all", &err), (1 << KC_WEV__COUNT) - 1);
	assert_int_equal(kc_watch_kinds_parse("none", &err), 0);
	assert_int_equal(kc_watch_kinds_parse("drift,outage", &err),
	    (1 << KC_WEV_DRIFT) | (1 << KC_WEV_OUTAGE));
	assert_int_equal(kc_watch_kinds_parse("gaveup", &err), -1);
	assert_non_null(strstr(err.msg, "did you mean \"gave_up\""));
	assert_int_equal(kc_watch_kinds_parse("zzzzzzzz", &err), -1);
	assert_null(strstr(err.msg, "did you mean"));
	for (int k = 0; k < KC_WEV__COUNT; k++)
		assert_int_equal(kc_watch_kinds_parse(kc_watch_kind_name(k), &err), 1 << k);
	assert_string_equal(kc_watch_kind_name(KC_WEV__COUNT), "unknown");
}

/* Bad option combinations are refused by kc_watch_new. */
static void
test_opts(void **state)
{
	struct kc_ctx *ctx = dummy_ctx();
	struct kc_ctx *ctxs[1] = { ctx };
	struct kc_watch_opts o = { 0 };
	struct kc_err err;

	(void)state;
	assert_null(kc_watch_new(&o, &err));
	assert_non_null(strstr(err.msg, "no context"));
	o.ctxs = ctxs;
	o.nctxs = 1;
	o.listen = "127.0.0.1:0";
	assert_null(kc_watch_new(&o, &err));
	assert_non_null(strstr(err.msg, "token-file"));
	o.listen = NULL;
	o.apply = 1;
	assert_null(kc_watch_new(&o, &err));
	assert_non_null(strstr(err.msg, "--state"));
	o.apply = 0;
	o.exec_cmd = "'";
	assert_null(kc_watch_new(&o, &err));
	o.exec_cmd = NULL;
	o.token_file = "/nonexistent/kcops.token";
	assert_null(kc_watch_new(&o, &err));
	assert_non_null(strstr(err.msg, "--token-file"));
	free_ctx(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
