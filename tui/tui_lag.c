/* tui_lag.c - consumer-group lag of sink connectors, measured on a helper thread.
 *
 * librdkafka calls block (metadata, OffsetFetch, watermarks), so a thread takes a snapshot of
 * the sink connectors to measure (name + topics), computes each group's total lag with
 * kc_kafka_lag_get(), and posts the totals back; the loop thread stores them in the model
 * (LAG column, queues view sparklines). At most one round runs at a time. With thousands of
 * sinks only the rows on screen are measured. */
#include "tui_app.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_kafka_lag.h"
#include "kc_util.h"

#define LAG_MAX_ALL 100		/* measure every sink up to this many */
#define LAG_TIMEOUT_MS 2000

struct lag_item {
	char		*name;
	char		*topics;
	char		*regex;
	long long	 lag;
};

struct lag_job {
	struct tui_app	*app;
	json_t		*conf;
	struct lag_item	*items;
	size_t		 n;
	unsigned int	 gen;
	char		*error;
	volatile int	 stop;
};

/* Lag threads are detached: a context switch never waits for a slow Kafka. lag_current is
 * the round of the current context (NULL when none runs); lag_live counts threads still
 * running, which the last tui_lag_stop() waits for. */
static struct lag_job *lag_current;
static int lag_live;

static void
job_free(struct lag_job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		free(j->items[i].name);
		free(j->items[i].topics);
		free(j->items[i].regex);
	}
	free(j->items);
	json_decref(j->conf);
	free(j->error);
	free(j);
}

static void
lag_apply(struct tui_app *app, void *arg)
{
	struct lag_job *j = arg;
	size_t i;

	if (j == lag_current)
		lag_current = NULL;
	if (j->gen == app->conn_gen) {
		if (app->lag_hist == NULL)
			app->lag_hist = json_object();
		for (i = 0; i < j->n; i++) {
			json_t *h;

			tui_model_set_lag(&app->model, j->items[i].name, j->items[i].lag);
			if (j->items[i].lag < 0)
				continue;
			/* history for the queues view's sparklines, last 120 rounds */
			if ((h = json_object_get(app->lag_hist, j->items[i].name)) == NULL) {
				h = json_array();
				json_object_set_new(app->lag_hist, j->items[i].name, h);
			}
			json_array_append_new(h, json_integer(j->items[i].lag));
			if (json_array_size(h) > 120)
				json_array_remove(h, 0);
		}
		free(app->lag_error);
		app->lag_error = j->error;
		j->error = NULL;
		app->dirty = 1;
	}
	job_free(j);
}

static void *
lag_main(void *arg)
{
	struct lag_job *j = arg;
	size_t i;

	for (i = 0; i < j->n && !j->stop; i++) {
		struct lag_item *it = &j->items[i];
		char *group = kc_kafka_lag_group(it->name), *copy = NULL, *save = NULL, *tok;
		const char *topics[64];
		size_t nt = 0;
		struct kc_kafka_lag *l;
		struct kc_err err;

		if (it->topics != NULL) {
			copy = kc_xstrdup(it->topics);
			for (tok = strtok_r(copy, ",", &save); tok != NULL && nt < 64;
			    tok = strtok_r(NULL, ",", &save)) {
				kc_str_trim(tok);
				if (*tok != '\0')
					topics[nt++] = tok;
			}
		}
		kc_err_clear(&err);
		l = kc_kafka_lag_get(j->conf, group, topics, nt, it->regex, LAG_TIMEOUT_MS, &err);
		it->lag = l != NULL ? (long long)l->total : -1;
		if (l == NULL && j->error == NULL)
			j->error = kc_xasprintf("lag of %s: %s", it->name, err.msg);
		kc_kafka_lag_free(l);
		free(copy);
		free(group);
	}
	tui_post(j->app, lag_apply, j);
	__atomic_sub_fetch(&lag_live, 1, __ATOMIC_ACQ_REL);
	return NULL;
}

/* The librdkafka settings for lag: the context's "kafka" section, else the bootstrap servers
 * kcops-worker reports in GET /. New reference or NULL. */
json_t *
tui_kafka_conf(struct tui_app *app)
{
	const char *bs = app->ctx != NULL ? kc_ctx_bootstrap(app->ctx) : NULL;
	json_t *conf;

	if (app->ctx != NULL && app->ctx->kafka != NULL && json_object_size(app->ctx->kafka) > 0)
		conf = json_deep_copy(app->ctx->kafka);
	else
		conf = json_object();
	if (bs == NULL)
		bs = app->server_bootstrap;
	if (bs == NULL) {
		json_decref(conf);
		return NULL;
	}
	if (json_object_get(conf, "bootstrap.servers") == NULL)
		json_object_set_new(conf, "bootstrap.servers", json_string(bs));
	return conf;
}

void
tui_lag_tick(struct tui_app *app)
{
	struct tui_model *m = &app->model;
	struct tui_view *base = app->nviews > 0 ? app->views[0] : NULL;
	struct lag_job *j;
	size_t i, nsinks = 0, from = 0, to = m->norder;
	json_t *conf;

	if (lag_current != NULL || app->client == NULL || m->nrows == 0)
		return;
	if ((conf = tui_kafka_conf(app)) == NULL)
		return;
	for (i = 0; i < m->nrows; i++)
		if (strcmp(m->rows[i].type, "sink") == 0)
			nsinks++;
	if (nsinks == 0) {
		json_decref(conf);
		return;
	}
	if (nsinks > LAG_MAX_ALL && base != NULL) {
		from = (size_t)(base->scroll > 0 ? base->scroll : 0);
		to = from + (size_t)(base->body_height > 0 ? base->body_height : 20);
		if (to > m->norder)
			to = m->norder;
	}
	j = kc_xcalloc(1, sizeof(*j));
	j->app = app;
	j->conf = conf;
	j->gen = app->conn_gen;
	j->items = kc_xcalloc(LAG_MAX_ALL + 1, sizeof(*j->items));
	for (i = nsinks > LAG_MAX_ALL ? from : 0;
	    i < (nsinks > LAG_MAX_ALL ? to : m->nrows) && j->n < LAG_MAX_ALL; i++) {
		const struct tui_conn *c = nsinks > LAG_MAX_ALL ? &m->rows[m->order[i]] :
		    &m->rows[i];

		if (strcmp(c->type, "sink") != 0 || (c->topics == NULL && c->topics_regex == NULL))
			continue;
		j->items[j->n].name = kc_xstrdup(c->name);
		j->items[j->n].topics = kc_xstrdup(c->topics);
		j->items[j->n].regex = kc_xstrdup(c->topics_regex);
		j->items[j->n].lag = -1;
		j->n++;
	}
	if (j->n == 0) {
		job_free(j);
		return;
	}
	{
		pthread_t th;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		__atomic_add_fetch(&lag_live, 1, __ATOMIC_ACQ_REL);
		if (pthread_create(&th, &attr, lag_main, j) != 0) {
			__atomic_sub_fetch(&lag_live, 1, __ATOMIC_ACQ_REL);
			pthread_attr_destroy(&attr);
			job_free(j);
			return;
		}
		pthread_attr_destroy(&attr);
	}
	lag_current = j;
}

void
tui_lag_stop(struct tui_app *app, int wait)
{
	int i;

	(void)app;
	if (lag_current != NULL) {
		lag_current->stop = 1;	/* its result is dropped: the generation changes */
		lag_current = NULL;
	}
	/* at exit, let running threads post (within 10 s) so nothing outlives the app */
	for (i = 0; wait && i < 1000 && __atomic_load_n(&lag_live, __ATOMIC_ACQUIRE) > 0; i++)
		usleep(10000);
}
