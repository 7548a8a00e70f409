/* fuzz_state.c - libFuzzer target: the state file (kc_state_parse, diagnostics, saved plans)
 * and, for a file without errors, a plan against a fixed live snapshot, rendered as text and
 * JSON. ${kcops:file:...} references are not resolved here (a fuzzer-chosen path such as
 * /dev/zero would only measure the disk); ${kcops:env:...} references are. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"
#include "kc_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A cluster with running, paused, stopped and failed connectors, a masked secret and a
 * server-added key, shaped like GET /connectors?expand=status&expand=info. */
static const char live_text[] =
    "{\"orders-http\":{\"status\":{\"name\":\"orders-http\",\"connector\":{\"state\":\"RUNNING\","
    "\"worker_id\":\"w1\"},\"tasks\":[{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"w1\"},"
    "{\"id\":1,\"state\":\"FAILED\",\"worker_id\":\"w1\",\"trace\":\"boom\"}],\"type\":\"sink\"},"
    "\"info\":{\"name\":\"orders-http\",\"config\":{\"connector.class\":"
    "\"kcops.http.HttpSinkConnector\",\"topics\":\"orders\",\"name\":\"orders-http\","
    "\"__internal.config.version\":\"1\"},\"tasks\":[{\"connector\":\"orders-http\",\"task\":0}],"
    "\"type\":\"sink\"}},"
    "\"billing\":{\"status\":{\"name\":\"billing\",\"connector\":{\"state\":\"PAUSED\","
    "\"worker_id\":\"w1\"},\"tasks\":[],\"type\":\"source\"},\"info\":{\"name\":\"billing\","
    "\"config\":{\"connector.class\":\"X\",\"db.password\":\"[hidden]\",\"name\":\"billing\"},"
    "\"tasks\":[],\"type\":\"source\"}},"
    "\"audit\":{\"status\":{\"name\":\"audit\",\"connector\":{\"state\":\"STOPPED\","
    "\"worker_id\":\"w2\"},\"tasks\":[],\"type\":\"sink\"},\"info\":{\"name\":\"audit\","
    "\"config\":{\"connector.class\":\"Y\",\"name\":\"audit\",\"labels\":\"a=b\"},"
    "\"tasks\":[],\"type\":\"sink\"}},"
    "\"broken\":{\"status\":{\"name\":\"broken\",\"connector\":{\"state\":\"FAILED\","
    "\"worker_id\":\"w2\",\"trace\":\"x\"},\"tasks\":[{\"id\":0,\"state\":\"FAILED\"}],"
    "\"type\":\"sink\"},\"info\":{\"name\":\"broken\",\"config\":{\"connector.class\":\"Z\"},"
    "\"tasks\":[],\"type\":\"sink\"}},"
    "\"odd\":{\"status\":7,\"info\":null}}";

static json_t *live;

static void
render_plan(struct kc_state_plan *p)
{
	struct kc_buf b = { 0 };
	json_t *j;
	size_t i;

	kc_state_plan_text(p, &b, 0);
	kc_state_plan_text(p, &b, KC_STATE_RENDER_COLOR);
	for (i = 0; i < kc_state_plan_count(p); i++)
		kc_state_step_line(kc_state_plan_step(p, i), &b);
	j = kc_state_plan_json(p);
	json_decref(j);
	kc_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct kc_state *st;
	struct kc_buf b = { 0 };
	struct kc_err err;
	json_t *j;
	size_t i;

	if (live == NULL) {
		live = json_loads(live_text, 0, NULL);
		if (live == NULL)
			abort();
		setenv("KCOPS_FUZZ_SECRET", "fuzz-secret", 1);
	}
	if (kc_state_is_saved_plan(text, size)) {
		struct kc_state_plan *p = kc_state_plan_parse(text, size, "fuzz.plan", &err);

		if (p != NULL) {
			render_plan(p);
			kc_state_plan_free(p);
		}
		return 0;
	}
	st = kc_state_parse(text, size, "fuzz.json");
	kc_state_diags_text(st, &b);
	kc_state_warnings_text(st, &b);
	j = kc_state_diags_json(st);
	json_decref(j);
	j = kc_state_warnings_json(st);
	json_decref(j);
	for (i = 0; i < kc_state_count(st); i++) {
		const struct kc_state_connector *c = kc_state_connector(st, i);

		if (kc_state_find(st, c->name) == NULL)
			abort();	/* every parsed connector must be found by its name */
		(void)kc_state_key_origin(st, i, "connector.class");
	}
	if (kc_state_ndiags(st) == 0 && memmem(data, size, "kcops:file", 10) == NULL) {
		struct kc_state_plan_opts o = { 0 };
		struct kc_state_plan *p;

		for (o.prune = 0; o.prune <= 1; o.prune++) {
			p = kc_state_plan_new(st, live, &o, &err);
			if (p != NULL) {
				render_plan(p);
				kc_state_plan_free(p);
			}
		}
	}
	kc_buf_free(&b);
	kc_state_free(st);
	return 0;
}
