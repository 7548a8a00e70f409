/* test_cli_async.c - the asynchronous client API as the TUI uses it: submit, then an event
 * loop of kc_client_wait (with an extra fd, as the TUI's stdin / wake-up pipe) and
 * kc_client_perform. Run by async.sh against the replay server:
 *	test_cli_async URL_2_2 URL_3_9 DEAD_URL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_client.h"
#include "kc_util.h"

static int failures;
#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "FAIL: " __VA_ARGS__); \
	fputc('\n', stderr); failures++; } } while (0)

struct job {
	int		 done;
	json_t		*doc;
	struct kc_err	 err;
};

static void
on_list(struct kc_client *c, json_t *expanded, const struct kc_err *err, void *arg)
{
	struct job *j = arg;

	(void)c;
	j->done = 1;
	if (expanded != NULL)
		j->doc = json_incref(expanded);
	else
		j->err = *err;
}

struct mjob {
	int				 done;
	struct kc_connector_list	*l;
	struct kc_err			 err;
};

static void
on_model(struct kc_client *c, struct kc_connector_list *l, const struct kc_err *err, void *arg)
{
	struct mjob *m = arg;

	(void)c;
	m->done = 1;
	m->l = l;
	if (err != NULL)
		m->err = *err;
}

/* Loop until a model job is done. */
static void
mloop(struct kc_client *c, struct mjob *m)
{
	int64_t deadline = kc_mono_ms() + 10000;

	while (!m->done && kc_mono_ms() < deadline) {
		kc_client_wait(c, NULL, 0, 50);
		kc_client_perform(c);
	}
}

static void
on_resp(struct kc_client *c, struct kc_resp *resp, const struct kc_err *err, void *arg)
{
	struct job *j = arg;

	(void)c;
	j->done = 1;
	if (err != NULL)
		j->err = *err;
	else
		j->doc = json_incref(resp->json);
}

static void
on_detect(struct kc_client *c, const struct kc_err *err, void *arg)
{
	struct job *j = arg;

	(void)c;
	j->done = 1;
	if (err != NULL)
		j->err = *err;
}

static struct kc_client *
client(const char **urls, size_t n)
{
	struct kc_client_opts o;
	struct kc_err err;
	struct kc_client *c;

	memset(&o, 0, sizeof o);
	o.urls = urls;
	o.nurls = n;
	c = kc_client_new(&o, &err);
	if (c == NULL) {
		fprintf(stderr, "kc_client_new: %s\n", err.msg);
		exit(1);
	}
	return c;
}

/* Loop like the TUI: never block longer than 50 ms, watch a pipe too. Returns the longest
 * time one iteration took (ms). */
static int64_t
loop(struct kc_client *c, struct job *j, int pipe_rd, int *pipe_seen)
{
	int64_t worst = 0, t0, deadline = kc_mono_ms() + 10000;
	struct curl_waitfd wfd;

	while (!j->done && kc_mono_ms() < deadline) {
		t0 = kc_mono_ms();
		wfd.fd = pipe_rd;
		wfd.events = CURL_WAIT_POLLIN;
		wfd.revents = 0;
		kc_client_wait(c, &wfd, 1, 50);
		if (wfd.revents & CURL_WAIT_POLLIN) {
			char b[16];
			if (read(pipe_rd, b, sizeof b) > 0)
				(*pipe_seen)++;
		}
		kc_client_perform(c);
		if (kc_mono_ms() - t0 > worst)
			worst = kc_mono_ms() - t0;
	}
	return worst;
}

int
main(int argc, char **argv)
{
	struct kc_client *c;
	struct job j;
	int p[2], seen = 0;
	int64_t worst, t0;
	const char *urls[2];

	if (argc != 4) {
		fprintf(stderr, "usage: test_cli_async URL_2_2 URL_3_9 DEAD_URL\n");
		return 2;
	}
	if (pipe(p) != 0)
		return 1;

	/* 2.2: detection and the per-connector fan-out run inside the event loop. */
	urls[0] = argv[1];
	c = client(urls, 1);
	memset(&j, 0, sizeof j);
	CHECK(kc_client_list_expanded_async(c, on_list, &j) == 0, "submit");
	CHECK(!j.done, "the listing completed inside submit (it must not block)");
	CHECK(kc_client_pending(c) > 0, "nothing pending after submit");
	if (write(p[1], "k", 1) != 1)
		return 1;
	worst = loop(c, &j, p[0], &seen);
	CHECK(j.done && j.doc != NULL, "2.2 listing: %s", j.err.msg);
	CHECK(json_object_size(j.doc) == 2, "2.2 listing has %zu connectors",
	    json_object_size(j.doc));
	CHECK(json_object_get(json_object_get(j.doc, "orders-sink"), "status") != NULL,
	    "orders-sink has no status");
	CHECK(json_object_get(json_object_get(j.doc, "audit-source"), "status") == NULL &&
	    json_object_get(json_object_get(j.doc, "audit-source"), "info") != NULL,
	    "audit-source: info only expected");
	CHECK(seen == 1, "the extra fd was not reported (%d)", seen);
	CHECK(worst < 1000, "one loop iteration took %lld ms", (long long)worst);
	CHECK(kc_client_version(c) == 20200, "version %d", kc_client_version(c));
	CHECK(kc_client_pending(c) == 0, "requests left pending");
	json_decref(j.doc);

	/* Detection without blocking (already detected: the callback runs at once). */
	memset(&j, 0, sizeof j);
	CHECK(kc_client_detect_async(c, on_detect, &j) == 0 && j.done && j.err.code == 0,
	    "detect_async on a detected client");

	/* The model form on 2.2 (expand ignored there: fan-out inside the loop). */
	{
		struct mjob m;
		memset(&m, 0, sizeof m);
		CHECK(kc_client_list_async(c, on_model, &m) == 0 && !m.done, "list_async blocked");
		mloop(c, &m);
		CHECK(m.done && m.l != NULL && m.l->n == 2, "2.2 model: %s", m.err.msg);
		if (m.l != NULL) {
			const struct kc_connector_view *v = kc_connector_list_find(m.l,
			    "orders-sink");
			CHECK(v != NULL && v->health == KC_HEALTH_FAILED && v->ntasks == 2,
			    "2.2 model: orders-sink");
		}
		kc_connector_list_free(m.l);
	}

	/* A raw request, and a wake-up from "another thread" interrupting a long wait. */
	memset(&j, 0, sizeof j);
	kc_client_submit(c, "GET", "/connectors/orders-sink/status", NULL, on_resp, &j);
	loop(c, &j, p[0], &seen);
	CHECK(j.done && j.doc != NULL && json_is_object(j.doc), "status request: %s", j.err.msg);
	json_decref(j.doc);
	kc_client_wakeup(c);
	t0 = kc_mono_ms();
	kc_client_wait(c, NULL, 0, 3000);
	CHECK(kc_mono_ms() - t0 < 1000, "kc_client_wakeup did not interrupt the wait");
	/* An error answer reaches the callback with the status. */
	memset(&j, 0, sizeof j);
	kc_client_submit(c, "GET", "/connectors/audit-source/status", NULL, on_resp, &j);
	loop(c, &j, p[0], &seen);
	CHECK(j.done && j.err.code == 404 && strstr(j.err.msg, "No status found") != NULL,
	    "404 error: %d %s", j.err.code, j.err.msg);
	kc_client_free(c);

	/* 3.9 behind a dead first URL: failover, async detection, one expanded call. */
	urls[0] = argv[3];
	urls[1] = argv[2];
	c = client(urls, 2);
	memset(&j, 0, sizeof j);
	CHECK(kc_client_detect_async(c, on_detect, &j) == 0 && !j.done, "detect_async blocked");
	loop(c, &j, p[0], &seen);
	CHECK(j.done && j.err.code == 0 && kc_client_version(c) == 30900,
	    "detect_async: %d %s, version %d", j.err.code, j.err.msg, kc_client_version(c));
	memset(&j, 0, sizeof j);
	kc_client_list_expanded_async(c, on_list, &j);
	loop(c, &j, p[0], &seen);
	CHECK(j.done && j.doc != NULL, "3.9 listing: %s", j.err.msg);
	CHECK(json_object_size(j.doc) == 5, "3.9 listing has %zu connectors",
	    json_object_size(j.doc));
	CHECK(strcmp(kc_client_url(c), argv[2]) == 0, "still on %s", kc_client_url(c));
	json_decref(j.doc);
	/* The model form, parsed directly (new-one has no status: general path). */
	{
		struct mjob m;
		memset(&m, 0, sizeof m);
		kc_client_list_async(c, on_model, &m);
		mloop(c, &m);
		CHECK(m.done && m.l != NULL && m.l->n == 5, "3.9 model: %s", m.err.msg);
		kc_connector_list_free(m.l);
		/* freed in flight, at both stages */
		memset(&m, 0, sizeof m);
		kc_client_list_async(c, on_model, &m);
		kc_client_perform(c);
	}
	kc_client_free(c);
	c = client(urls, 2);
	{
		struct mjob m;
		int i;
		memset(&m, 0, sizeof m);
		kc_client_list_async(c, on_model, &m);
		for (i = 0; i < 200 && kc_client_pending(c) > 0; i++) {
			kc_client_wait(c, NULL, 0, 10);
			kc_client_perform(c);
			if (m.done)
				break;
		}
		kc_connector_list_free(m.l);
	}
	/* Free with requests in flight: no callback, no leak. */
	memset(&j, 0, sizeof j);
	kc_client_list_expanded_async(c, on_list, &j);
	kc_client_perform(c);
	kc_client_free(c);
	CHECK(!j.done, "a callback ran after free");

	/* Nobody answers at all. */
	urls[0] = argv[3];
	c = client(urls, 1);
	memset(&j, 0, sizeof j);
	kc_client_list_expanded_async(c, on_list, &j);
	loop(c, &j, p[0], &seen);
	CHECK(j.done && j.doc == NULL && j.err.code == KC_E_IO, "dead worker: %d %s", j.err.code,
	    j.err.msg);
	kc_client_free(c);
	close(p[0]);
	close(p[1]);
	if (failures == 0)
		printf("ok: async client API\n");
	return failures ? 1 : 0;
}
