/* fuzz_listing.c - libFuzzer target: Connect responses as the client reads them. The
 * expanded listing (GET /connectors?expand=status&expand=info) goes through both model
 * builders: the direct text parser (kc_connector_list_parse) and the JSON-tree one
 * (kc_connector_list_new); every view is then read as the CLI and the TUI read it. With
 * KCOPS_FUZZ_LISTING_DIFF=1 in the environment, when both accept the document they must agree
 * on the connectors (names, states, task counts, health). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct kc_connector_list *l)
{
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		const struct kc_connector_view *v = &l->v[i];

		if (v->name == NULL || v->state == NULL || v->type == NULL)
			abort();
		if (i > 0 && strcmp(l->v[i - 1].name, v->name) > 0)
			abort();	/* documented: sorted by name */
		if (kc_connector_list_find(l, v->name) == NULL)
			abort();
		(void)kc_connector_view_config(v, "connector.class");
		(void)kc_health_name(v->health);
		for (k = 0; k < v->nconfig; k++)
			if (v->config_keys == NULL || v->config_keys[k] == NULL)
				abort();
		for (k = 0; k < v->ntasks; k++)
			(void)strlen(v->tasks[k].state != NULL ? v->tasks[k].state : "");
		if (v->status != NULL)
			(void)kc_connector_health(v->status);
	}
}

/* Known difference (reported): with a repeated member name, at any depth, the text parser
 * keeps every copy (or the first), jansson the last one. The differential check skips
 * documents with repeated names. */
static int
has_duplicates(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);

	json_decref(j);
	return j == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_connector_list *a, *b = NULL;
	struct kc_err err;
	json_t *doc;

	a = kc_connector_list_parse((const char *)data, size, &err);
	if (a != NULL)
		walk(a);
	doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (doc != NULL && json_is_object(doc)) {
		b = kc_connector_list_new(doc);
		walk(b);
	}
	if (a != NULL && b != NULL && getenv("KCOPS_FUZZ_LISTING_DIFF") != NULL &&
	    !has_duplicates(data, size)) {
		size_t i;

		if (a->n != b->n)
			abort();
		for (i = 0; i < a->n; i++)
			if (strcmp(a->v[i].name, b->v[i].name) != 0 ||
			    strcmp(a->v[i].state, b->v[i].state) != 0 ||
			    a->v[i].ntasks != b->v[i].ntasks || a->v[i].health != b->v[i].health)
				abort();
	}
	json_decref(doc);
	kc_connector_list_free(a);
	kc_connector_list_free(b);
	return 0;
}
