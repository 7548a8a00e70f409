/* cmd_kafka.c - the Kafka-side commands: lag (consumer-group lag of sink connectors,
 * group "connect-<name>") and tail (follow a topic), through librdkafka with the context's
 * Kafka settings. Bootstrap servers: --bootstrap, else the context's kafka section, else
 * what a kcops-worker reports in GET / ("bootstrap_servers"). */
#include "kc_cmd.h"

#include <inttypes.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_kafka_lag.h"
#include "kc_kafka_tail.h"
#include "kc_text.h"
#include "kc_util.h"

/* The librdkafka settings for this context (new reference), or NULL after an error. */
static json_t *
kafka_conf(struct kc_cmd_env *env)
{
	struct kc_ctx *ctx = kc_cmd_ctx(env);
	struct kc_client *c;
	const json_t *info;
	const char *bs;
	json_t *conf;

	if (ctx == NULL)
		return NULL;
	conf = json_deep_copy(ctx->kafka);
	if (kc_ctx_bootstrap(ctx) != NULL)
		return conf;
	/* kcops-worker says where its Kafka is. */
	c = kc_cmd_client(env);
	if (c != NULL && kc_client_detect(c, NULL) == 0 &&
	    (info = kc_client_server_info(c)) != NULL &&
	    (bs = kc_json_str(info, "bootstrap_servers")) != NULL && *bs != '\0') {
		json_object_set_new(conf, "bootstrap.servers", json_string(bs));
		return conf;
	}
	json_decref(conf);
	kc_cmd_error(env, "no Kafka bootstrap servers: pass --bootstrap SERVERS, or add them to "
	    "the context (kcops context add NAME --url URL --bootstrap-servers SERVERS)");
	return NULL;
}

static const struct kc_cmd_opt lag_opts[] = {
	{ 1, 'e', "regex", 1 },
	{ 0, 0, NULL, 0 },
};

/* Split a Connect list value ("a, b,c") into a NULL-terminated array (caller frees both). */
static char **
split_topics(const char *s, size_t *n, char **store)
{
	char *copy = kc_xstrdup(s), *save = NULL, *tok, **out;
	size_t cap = 8;

	*n = 0;
	out = kc_xcalloc(cap, sizeof *out);
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t",
	    &save)) {
		if (*n + 1 >= cap) {
			cap *= 2;
			out = kc_xrealloc(out, cap * sizeof *out);
		}
		out[(*n)++] = tok;
	}
	out[*n] = NULL;
	*store = copy;
	return out;
}

/* kcops lag [NAME...] (its table entry is in cmd_heavy.c). */
int
kc_cmd_lag(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *names[256], *res[64], *val;
	size_t nnames = 0, nres = 0, i, j;
	struct kc_connector_list *l = NULL;
	struct kc_client *c;
	struct kc_err err;
	struct kc_cmd_tab *t = NULL;
	json_t *conf = NULL, *sel = NULL, *out = NULL, *n;
	int k = 0, id, rc = KC_EXIT_OK, wide = env->io->fmt == KC_FMT_WIDE;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &k, lag_opts, &val)) != KC_OPT_END) {
		if (id == KC_OPT_ERROR)
			return KC_EXIT_USAGE;
		if (id == KC_OPT_ARG && nnames < KC_NITEMS(names))
			names[nnames++] = val;
		else if (id == 1 && nres < KC_NITEMS(res))
			res[nres++] = val;
	}
	if ((c = kc_cmd_client(env)) == NULL)
		return KC_EXIT_ERR;
	kc_err_clear(&err);
	l = kc_client_list(c, &err);
	if (l == NULL)
		return kc_cmd_fail(env, "listing connectors", &err);
	if (nnames > 0 || nres > 0) {
		sel = kc_cmd_select_names(env, names, nnames, res, nres);
		if (sel == NULL) {
			rc = KC_EXIT_ERR;
			goto out;
		}
	} else {
		sel = json_array();
		for (i = 0; i < l->n; i++)
			if (strcmp(l->v[i].type, "sink") == 0)
				json_array_append_new(sel, json_string(l->v[i].name));
		if (json_array_size(sel) == 0) {
			if (!env->io->quiet)
				fprintf(env->io->err, "No sink connectors.\n");
			goto out;
		}
	}
	if ((conf = kafka_conf(env)) == NULL) {
		rc = KC_EXIT_ERR;
		goto out;
	}
	if (env->io->fmt == KC_FMT_JSON)
		out = json_array();
	else if (env->io->fmt != KC_FMT_NAMES)
		t = wide ? kc_cmd_tab_new(6, "CONNECTOR", "TOPIC", "PARTITION", "COMMITTED", "END",
		    "LAG") : kc_cmd_tab_new(5, "CONNECTOR", "GROUP", "TOPICS", "PARTITIONS", "LAG");
	json_array_foreach(sel, i, n) {
		const char *name = json_string_value(n), *topics, *regex;
		const struct kc_connector_view *v = kc_connector_list_find(l, name);
		struct kc_kafka_lag *lag;
		char **list = NULL, *store = NULL, *group;
		size_t nt = 0;
		if (v == NULL) {
			rc = kc_cmd_error(env, "no connector named '%s'", name);
			continue;
		}
		if (strcmp(v->type, "sink") != 0) {
			char *cn = kc_text_sanitize(name, 0);
			fprintf(env->io->err, "kcops: note: %s is a %s connector: it has no consumer "
			    "group\n", cn, v->type);
			free(cn);
			continue;
		}
		topics = kc_connector_view_config(v, "topics");
		regex = kc_connector_view_config(v, "topics.regex");
		if (topics != NULL && *topics != '\0')
			list = split_topics(topics, &nt, &store);
		group = kc_kafka_lag_group(name);
		kc_err_clear(&err);
		lag = kc_kafka_lag_get(conf, group, (const char *const *)list, nt, regex, 10000,
		    &err);
		free(list);
		free(store);
		if (lag == NULL) {
			rc = kc_cmd_fail(env, group, &err);
			free(group);
			continue;
		}
		if (out != NULL) {
			json_t *o = kc_kafka_lag_json(lag);
			json_object_set_new(o, "connector", json_string(name));
			json_array_append_new(out, o);
		} else if (t == NULL) {
			char *cn = kc_text_sanitize(name, 0);
			fprintf(env->io->out, "%s %" PRId64 "\n", cn, lag->total);
			free(cn);
		} else if (wide) {
			for (j = 0; j < lag->n; j++) {
				const struct kc_kafka_lag_part *p = &lag->parts[j];
				kc_cmd_tab_cell(t, name, NULL);
				kc_cmd_tab_cell(t, p->topic, NULL);
				kc_cmd_tab_cellf(t, NULL, "%d", (int)p->partition);
				if (p->committed >= 0)
					kc_cmd_tab_cellf(t, NULL, "%" PRId64, p->committed);
				else
					kc_cmd_tab_cell(t, "-", NULL);
				kc_cmd_tab_cellf(t, NULL, "%" PRId64, p->high);
				kc_cmd_tab_cellf(t, NULL, "%" PRId64, p->lag);
			}
		} else {
			size_t ntop = 0;
			for (j = 0; j < lag->n; j++)
				if (j == 0 || strcmp(lag->parts[j].topic, lag->parts[j - 1].topic))
					ntop++;
			kc_cmd_tab_cell(t, name, NULL);
			kc_cmd_tab_cell(t, group, NULL);
			kc_cmd_tab_cellf(t, NULL, "%zu", ntop);
			kc_cmd_tab_cellf(t, NULL, "%zu", lag->n);
			kc_cmd_tab_cellf(t, NULL, "%" PRId64, lag->total);
		}
		kc_kafka_lag_free(lag);
		free(group);
	}
	if (out != NULL)
		kc_cmd_print_json(env, out, 0);
	else if (t != NULL && kc_cmd_tab_rows(t) > 0)
		kc_cmd_tab_print(t, env->io);
out:
	kc_cmd_tab_free(t);
	json_decref(out);
	json_decref(sel);
	json_decref(conf);
	kc_connector_list_free(l);
	return rc;
}

static const struct kc_cmd_opt tail_opts[] = {
	{ 1, 0, "from", 1 },
	{ 2, 'n', "count", 1 },
	{ 3, 0, "idle", 1 },
	{ 0, 0, NULL, 0 },
};

/* Print bytes sanitised (or "null"). */
static void
put_bytes(FILE *out, const char *p, size_t n)
{
	char *s;

	if (p == NULL) {
		fputs("null", out);
		return;
	}
	s = kc_text_sanitize_n(p, n, 0);
	fputs(s, out);
	free(s);
}

/* kcops tail TOPIC (its table entry is in cmd_heavy.c). */
int
kc_cmd_tail(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	const char *topic = NULL, *from = "end", *val;
	long long count = -1, got = 0;
	int64_t idle = -1, last;
	struct kc_kafka_tail *t;
	struct kc_kafka_rec rec;
	struct kc_err err;
	json_t *conf;
	int k = 0, id, r, rc = KC_EXIT_OK;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &k, tail_opts, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			return KC_EXIT_USAGE;
		case KC_OPT_ARG:
			if (topic != NULL)
				return kc_cmd_usage(env, self, "one topic at a time");
			topic = val;
			break;
		case 1:
			from = val;
			break;
		case 2:
			count = strtoll(val, NULL, 10);
			if (count <= 0)
				return kc_cmd_usage(env, self, "--count '%s': expected a number > 0",
				    val);
			break;
		case 3:
			idle = kc_parse_duration_ms(val, 1000);
			if (idle <= 0)
				return kc_cmd_usage(env, self, "--idle '%s': not a duration", val);
			break;
		}
	}
	if (topic == NULL)
		return kc_cmd_usage(env, self, "tail needs a TOPIC");
	/* Inside the console a command must end: stop after 3 s without a record. */
	if (env->io->interactive && count < 0 && idle < 0)
		idle = 3000;
	if (strcmp(from, "end") != 0 && strcmp(from, "beginning") != 0 && from[0] != '-')
		return kc_cmd_usage(env, self, "--from '%s': expected end, beginning or -N", from);
	if ((conf = kafka_conf(env)) == NULL)
		return KC_EXIT_ERR;
	kc_err_clear(&err);
	t = kc_kafka_tail_new(conf, topic, from, 10000, &err);
	json_decref(conf);
	if (t == NULL)
		return kc_cmd_fail(env, topic, &err);
	last = kc_mono_ms();
	while (count < 0 || got < count) {
		r = kc_kafka_tail_poll(t, 200, &rec, &err);
		if (r < 0) {
			rc = kc_cmd_fail(env, topic, &err);
			break;
		}
		if (r == 0) {
			if (idle > 0 && kc_mono_ms() - last >= idle)
				break;
			continue;
		}
		last = kc_mono_ms();
		got++;
		if (env->io->fmt == KC_FMT_JSON) {
			json_t *o = kc_kafka_rec_json(&rec);
			json_dumpf(o, env->io->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', env->io->out);
			json_decref(o);
		} else {
			fprintf(env->io->out, "%d/%" PRId64 " ", (int)rec.partition, rec.offset);
			if (env->io->fmt == KC_FMT_WIDE) {
				char ts[40] = "-";
				if (rec.timestamp_ms >= 0)
					kc_iso8601_us(rec.timestamp_ms * 1000, ts, sizeof ts);
				fprintf(env->io->out, "%s ", ts);
			}
			put_bytes(env->io->out, rec.key, rec.key_len);
			fputc(' ', env->io->out);
			put_bytes(env->io->out, rec.value, rec.value_len);
			fputc('\n', env->io->out);
		}
		fflush(env->io->out);
	}
	kc_kafka_tail_free(t);
	return rc;
}
