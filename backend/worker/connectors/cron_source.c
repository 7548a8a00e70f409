/* cron_source.c - kcops.http.HttpCronSourceConnector: writes HttpRequest records (the
 * clescot format, see docs/worker.md) to a topic on Quartz cron schedules or at a fixed rate.
 *
 * Keys follow clescot's cron source: topic, jobs (comma list of ids), job.<id>.url,
 * job.<id>.method, job.<id>.body, job.<id>.headers ("Name: value" pairs separated by
 * commas), job.<id>.cron, plus job.<id>.rate (records per second, for load). Jobs are
 * spread over min(tasks.max, number of jobs) tasks. Each record's key is the job id; its
 * value is the HttpRequest JSON through the value converter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kc_util.h"
#include "kw_cron.h"
#include "kw_plugin.h"

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
	"OPTIONS", "TRACE", "CONNECT" };

static const struct kw_cfg_def cron_defs[] = {
	{ "topic", KW_CFG_STRING, NULL, KW_HIGH, "Cron",
	  "Topic the HttpRequest records are written to (created when missing).",
	  kw_valid_nonempty, 0 },
	{ "jobs", KW_CFG_LIST, NULL, KW_HIGH, "Cron",
	  "Comma-separated job ids; each job is configured with job.<id>.url, .method, .body, "
	  ".headers, and .cron or .rate.", kw_valid_nonempty, 0 },
};

/* Split a comma list into a new JSON array of trimmed, non-empty strings. */
static json_t *
split_list(const char *s)
{
	json_t *arr = json_array();
	char *copy, *save = NULL, *tok;

	if (s == NULL)
		return arr;
	copy = kc_xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		if (*tok != '\0')
			json_array_append_new(arr, json_string(tok));
	}
	free(copy);
	return arr;
}

static const char *
job_key(char *buf, size_t len, const char *id, const char *what)
{
	snprintf(buf, len, "job.%s.%s", id, what);
	return buf;
}

/* Cross-key checks: every job has a URL, a valid method and a cron or a rate. */
static void
cron_validate(const json_t *config, struct kw_validation *v)
{
	json_t *jobs = split_list(json_string_value(json_object_get(config, "jobs"))), *j;
	size_t i, m;
	char key[256], err[256];

	json_array_foreach(jobs, i, j) {
		const char *id = json_string_value(j), *url, *method, *cron, *rate;

		url = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "url")));
		if (url == NULL || *url == '\0')
			kw_validation_error(v, key, "Missing required configuration \"%s\"", key);
		method = json_string_value(json_object_get(config,
		    job_key(key, sizeof(key), id, "method")));
		if (method != NULL) {
			for (m = 0; m < KC_NITEMS(methods); m++)
				if (strcasecmp(method, methods[m]) == 0)
					break;
			if (m == KC_NITEMS(methods))
				kw_validation_error(v, key, "Invalid HTTP method %s", method);
		}
		cron = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "cron")));
		if (cron != NULL) {
			struct kw_cron *c = kw_cron_parse(cron, err, sizeof(err));

			if (c == NULL)
				kw_validation_error(v, key, "Invalid cron expression \"%s\": %s", cron,
				    err);
			kw_cron_free(c);
		}
		rate = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "rate")));
		if (rate != NULL) {
			char *end;
			double r = strtod(rate, &end);

			if (*rate == '\0' || *end != '\0' || !(r > 0) || r > 1e7)
				kw_validation_error(v, key, "Invalid rate \"%s\": records per second, "
				    "a number > 0 and <= 10000000", rate);
		}
		if (cron == NULL && rate == NULL)
			kw_validation_error(v, job_key(key, sizeof(key), id, "cron"),
			    "Job %s needs job.%s.cron or job.%s.rate", id, id, id);
	}
	if (json_array_size(jobs) == 0)
		kw_validation_error(v, "jobs", "At least one job id is required");
	json_decref(jobs);
}

static int
cron_task_count(const json_t *config, int tasks_max)
{
	json_t *jobs = split_list(json_string_value(json_object_get(config, "jobs")));
	int n = (int)json_array_size(jobs);

	json_decref(jobs);
	return n < tasks_max ? (n > 0 ? n : 1) : tasks_max;
}

struct job {
	char		*id;
	json_t		*request;	/* HttpRequest JSON */
	struct kw_cron	*cron;
	double		 rate;
	int64_t		 next_s;	/* cron: next fire (s) */
	double		 rate_start_ms;
	long long	 sent;		/* records produced so far */
	long long	 rate_sent;	/* since rate_start */
	json_t		*partition;	/* {"job": id} */
};

/* The HttpRequest of a job. */
static json_t *
build_request(const json_t *config, const char *id)
{
	char key[256];
	const char *url, *method, *body, *headers;
	json_t *req, *hdrs = json_object();

	url = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "url")));
	method = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "method")));
	body = json_string_value(json_object_get(config, job_key(key, sizeof(key), id, "body")));
	headers = json_string_value(json_object_get(config,
	    job_key(key, sizeof(key), id, "headers")));
	if (headers != NULL) {
		json_t *list = split_list(headers), *h;
		size_t i;

		json_array_foreach(list, i, h) {
			const char *s = json_string_value(h), *colon = strchr(s, ':');
			char *name, *val;
			json_t *arr;

			if (colon == NULL)
				continue;
			name = kc_xstrndup(s, (size_t)(colon - s));
			val = kc_xstrdup(colon + 1);
			kc_str_trim(name);
			kc_str_trim(val);
			arr = json_object_get(hdrs, name);
			if (arr == NULL) {
				arr = json_array();
				json_object_set_new(hdrs, name, arr);
			}
			json_array_append_new(arr, json_string(val));
			free(name);
			free(val);
		}
		json_decref(list);
	}
	req = json_pack("{s:s,s:s,s:o,s:s}", "url", url != NULL ? url : "", "method",
	    method != NULL ? method : "GET", "headers", hdrs, "bodyType", "STRING");
	{
		char *up = kc_xstrdup(json_string_value(json_object_get(req, "method"))), *p;

		for (p = up; *p != '\0'; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		json_object_set_new(req, "method", json_string(up));
		free(up);
	}
	if (body != NULL)
		json_object_set_new(req, "bodyAsString", json_string(body));
	json_object_set_new(req, "attributes", json_pack("{s:s}", "cron.job", id));
	return req;
}

/* Produce one record of job j. 0, or -1 when the local queue is full. */
static int
produce(struct kw_task *t, rd_kafka_t *rk, const char *topic, struct job *j, char *err,
    size_t errlen)
{
	struct kw_data kd = { KW_DATA_BYTES, j->id, strlen(j->id), NULL, -1 };
	struct kw_data vd = { KW_DATA_JSON, NULL, 0, j->request, -1 };
	void *key = NULL, *val = NULL;
	size_t klen = 0, vlen = 0;
	rd_kafka_resp_err_t r;

	if (kw_converter_encode(kw_task_key_converter(t), &kd, &key, &klen, err, errlen) != 0 ||
	    kw_converter_encode(kw_task_value_converter(t), &vd, &val, &vlen, err, errlen) != 0) {
		free(key);
		free(val);
		return -2;
	}
	r = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
	    RD_KAFKA_V_VALUE(val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
	    RD_KAFKA_V_END);
	free(key);
	if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
		free(val);
		if (r == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return -1;
		snprintf(err, errlen, "produce to %s: %s", topic, rd_kafka_err2str(r));
		return -2;
	}
	j->sent++;
	return 0;
}

static int
cron_run(struct kw_task *t)
{
	const json_t *config = kw_task_config(t);
	const char *topic = kw_task_cfg(t, "topic");
	json_t *ids = split_list(kw_task_cfg(t, "jobs")), *id;
	struct job *jobs = NULL;
	size_t njobs = 0, i;
	long long last_sent = 0;
	rd_kafka_t *rk = NULL;
	json_t *overrides;
	char err[512];
	int64_t last_metrics = 0, last_offsets = 0;
	int ret = 0;

	/* This task's share of the jobs. */
	json_array_foreach(ids, i, id) {
		char key[256];
		const char *cron, *rate;

		if ((int)(i % (size_t)kw_task_count(t)) != kw_task_id(t))
			continue;
		jobs = kc_xrealloc(jobs, (njobs + 1) * sizeof(*jobs));
		memset(&jobs[njobs], 0, sizeof(*jobs));
		jobs[njobs].id = kc_xstrdup(json_string_value(id));
		jobs[njobs].request = build_request(config, jobs[njobs].id);
		jobs[njobs].partition = json_pack("{s:s}", "job", jobs[njobs].id);
		cron = kw_task_cfg(t, job_key(key, sizeof(key), jobs[njobs].id, "cron"));
		rate = kw_task_cfg(t, job_key(key, sizeof(key), jobs[njobs].id, "rate"));
		if (rate != NULL)
			jobs[njobs].rate = strtod(rate, NULL);
		else if (cron != NULL) {
			jobs[njobs].cron = kw_cron_parse(cron, err, sizeof(err));
			if (jobs[njobs].cron == NULL) {
				njobs++;
				ret = kw_task_fail(t, "job %s: invalid cron: %s", jobs[njobs - 1].id, err);
				goto out;
			}
		}
		{
			json_t *off = kw_task_source_offset_get(t, jobs[njobs].partition);

			jobs[njobs].sent = off != NULL ?
			    (long long)json_integer_value(json_object_get(off, "records")) : 0;
			json_decref(off);
		}
		njobs++;
	}
	if (kw_task_ensure_topic(t, topic, err, sizeof(err)) != 0) {
		ret = kw_task_fail(t, "cannot create output topic %s: %s", topic, err);
		goto out;
	}
	/* Check the producer settings now; the producer itself is created when the first
	 * record is due, so idle schedules (nightly jobs) hold no Kafka connections. */
	overrides = json_object();
	rk = kw_task_producer(t, overrides, err, sizeof(err));
	json_decref(overrides);
	if (rk == NULL) {
		ret = kw_task_fail(t, "%s", err);
		goto out;
	}
	rd_kafka_destroy(rk);
	rk = NULL;
	for (i = 0; i < njobs; i++) {
		jobs[i].next_s = jobs[i].cron != NULL ? kw_cron_next(jobs[i].cron,
		    kc_wall_ms() / 1000) : -1;
		jobs[i].rate_start_ms = (double)kc_mono_ms();
	}
	kw_task_set_state(t, KW_TASK_RUNNING);
	for (;;) {
		enum kw_target target = kw_task_target(t);
		int64_t now_ms = kc_mono_ms(), wall_s = kc_wall_ms() / 1000;
		int sleep_ms = 1000;	/* idle jobs wake once a second (metrics, offsets) */

		if (target == KW_TARGET_STOP)
			break;
		if (target == KW_TARGET_PAUSE) {
			kw_task_set_state(t, KW_TASK_PAUSED);
			if (rk != NULL)
				rd_kafka_poll(rk, 0);
			kw_task_sleep(t, 200);
			if (kw_task_target(t) == KW_TARGET_RUN) {
				for (i = 0; i < njobs; i++) {
					jobs[i].rate_start_ms = (double)kc_mono_ms();
					jobs[i].rate_sent = 0;
					if (jobs[i].cron != NULL)
						jobs[i].next_s = kw_cron_next(jobs[i].cron,
						    kc_wall_ms() / 1000);
				}
				kw_task_set_state(t, KW_TASK_RUNNING);
			}
			continue;
		}
		for (i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];
			long long due = 0, k;
			int r = 0;

			if (j->rate > 0) {
				due = (long long)floor((now_ms - j->rate_start_ms) * j->rate / 1000.0) + 1 -
				    j->rate_sent;
				if (due > 20000)
					due = 20000;
				{
					double next_ms = j->rate_start_ms + (j->rate_sent + (due > 0 ? due : 0)) *
					    1000.0 / j->rate;
					int wait = (int)(next_ms - (double)now_ms);

					if (wait < sleep_ms)
						sleep_ms = wait < 1 ? 1 : wait;
				}
			} else if (j->next_s >= 0 && wall_s >= j->next_s) {
				due = 1;
				j->next_s = kw_cron_next(j->cron, wall_s);
			}
			if (j->cron != NULL && j->next_s >= 0) {
				int wait = (int)((j->next_s - wall_s) * 1000 - kc_wall_ms() % 1000);

				if (wait < sleep_ms)
					sleep_ms = wait < 1 ? 1 : wait;
			}
			if (due > 0 && rk == NULL) {
				rk = kw_task_producer(t, NULL, err, sizeof(err));
				if (rk == NULL) {
					ret = kw_task_fail(t, "%s", err);
					goto out;
				}
			}
			for (k = 0; k < due; k++) {
				r = produce(t, rk, topic, j, err, sizeof(err));
				if (r == -1) {
					rd_kafka_poll(rk, 10);
					break;
				}
				if (r == -2) {
					ret = kw_task_fail(t, "job %s: %s", j->id, err);
					goto out;
				}
				j->rate_sent++;
			}
		}
		if (rk != NULL)
			rd_kafka_poll(rk, 0);
		now_ms = kc_mono_ms();
		if (now_ms - last_offsets >= 1000) {
			for (i = 0; i < njobs; i++) {
				json_t *off = json_pack("{s:I,s:I}", "records", (json_int_t)jobs[i].sent,
				    "time", (json_int_t)kc_wall_ms());

				kw_task_source_offset_put(t, jobs[i].partition, off);
				json_decref(off);
			}
			last_offsets = now_ms;
		}
		if (now_ms - last_metrics >= 1000) {
			long long total = 0;

			for (i = 0; i < njobs; i++)
				total += jobs[i].sent;
			kw_task_set_metrics(t, json_pack("{s:I,s:i,s:I}", "records",
			    (json_int_t)total, "jobs", (int)njobs,
			    "records_per_s", (json_int_t)((total - last_sent) * 1000 /
			    (now_ms - last_metrics > 0 ? now_ms - last_metrics : 1))));
			last_sent = total;
			last_metrics = now_ms;
		}
		if (sleep_ms > 0)
			kw_task_sleep(t, sleep_ms);
	}
out:
	if (rk != NULL) {
		rd_kafka_flush(rk, 5000);
		rd_kafka_destroy(rk);
	}
	for (i = 0; i < njobs; i++) {
		if (ret == 0) {
			json_t *off = json_pack("{s:I,s:I}", "records", (json_int_t)jobs[i].sent,
			    "time", (json_int_t)kc_wall_ms());

			kw_task_source_offset_put(t, jobs[i].partition, off);
			json_decref(off);
		}
		free(jobs[i].id);
		json_decref(jobs[i].request);
		json_decref(jobs[i].partition);
		kw_cron_free(jobs[i].cron);
	}
	free(jobs);
	json_decref(ids);
	return ret;
}

static const char *const cron_aliases[] = {
	"io.github.clescot.kafka.connect.http.source.cron.CronSourceConnector",
	"HttpCronSource", NULL,
};

const struct kw_plugin kw_cron_source_plugin = {
	.class_name = "kcops.http.HttpCronSourceConnector",
	.aliases = cron_aliases,
	.type = KW_PLUGIN_SOURCE,
	.version = KCOPS_VERSION,
	.defs = cron_defs,
	.ndefs = sizeof(cron_defs) / sizeof(cron_defs[0]),
	.validate = cron_validate,
	.task_count = cron_task_count,
	.task_run = cron_run,
};
