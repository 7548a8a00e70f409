/* kc_log.c - named loggers with inherited levels. */
#include "kc_log.h"
#include "kc_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct logger {
	char		*name;
	int		 level;		/* -1: inherit */
	int64_t		 last_modified;	/* 0: never changed through the API */
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logger *loggers;
static size_t nloggers, caploggers;
static int root_level = KC_LOG_INFO;
static int64_t root_modified;
static int timestamps = 1;

static const char *level_names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF" };

const char *
kc_log_level_name(enum kc_log_level level)
{
	if ((unsigned)level >= KC_NITEMS(level_names))
		return "INFO";
	return level_names[level];
}

int
kc_log_level_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	if (strcasecmp(name, "WARNING") == 0)
		return KC_LOG_WARN;
	for (i = 0; i < KC_NITEMS(level_names); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void
kc_log_set_timestamps(int on)
{
	timestamps = on;
}

/* Find or add a logger; lock held. */
static struct logger *
find_logger(const char *name, int add)
{
	size_t i;

	for (i = 0; i < nloggers; i++)
		if (strcmp(loggers[i].name, name) == 0)
			return &loggers[i];
	if (!add)
		return NULL;
	if (nloggers == caploggers) {
		caploggers = caploggers ? caploggers * 2 : 32;
		loggers = kc_xrealloc(loggers, caploggers * sizeof *loggers);
	}
	loggers[nloggers].name = kc_xstrdup(name);
	loggers[nloggers].level = -1;
	loggers[nloggers].last_modified = 0;
	return &loggers[nloggers++];
}

/* Effective level: the most specific explicitly set ancestor; lock held. */
static int
effective_locked(const char *name)
{
	size_t i, best_len = 0;
	int level = root_level;

	for (i = 0; i < nloggers; i++) {
		size_t n = strlen(loggers[i].name);
		if (loggers[i].level < 0 || n < best_len)
			continue;
		if (strncmp(name, loggers[i].name, n) == 0 && (name[n] == '\0' || name[n] == '.')) {
			best_len = n;
			level = loggers[i].level;
		}
	}
	return level;
}

enum kc_log_level
kc_log_effective(const char *logger)
{
	int level;

	pthread_mutex_lock(&log_lock);
	level = strcmp(logger, "root") == 0 ? root_level : effective_locked(logger);
	pthread_mutex_unlock(&log_lock);
	return (enum kc_log_level)level;
}

int
kc_log_known(const char *logger)
{
	int known;

	if (strcmp(logger, "root") == 0)
		return 1;
	pthread_mutex_lock(&log_lock);
	known = find_logger(logger, 0) != NULL;
	pthread_mutex_unlock(&log_lock);
	return known;
}

int
kc_log_enabled(const char *logger, enum kc_log_level level)
{
	int ok;

	pthread_mutex_lock(&log_lock);
	if (find_logger(logger, 0) == NULL)
		find_logger(logger, 1);
	ok = (int)level >= effective_locked(logger);
	pthread_mutex_unlock(&log_lock);
	return ok;
}

void
kc_log(const char *logger, enum kc_log_level level, const char *fmt, ...)
{
	char ts[40] = "", msg[4096];
	va_list ap;

	if (!kc_log_enabled(logger, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (timestamps) {
		kc_iso8601_us(kc_wall_us(), ts, sizeof ts);
		ts[23] = 'Z';	/* millisecond precision is enough in logs */
		ts[24] = ' ';
		ts[25] = '\0';
	}
	flockfile(stderr);
	fprintf(stderr, "%s%-5s %s: %s\n", ts, kc_log_level_name(level), logger, msg);
	funlockfile(stderr);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
kc_log_set_level(const char *logger, enum kc_log_level level)
{
	json_t *out = json_array();
	const char **names;
	size_t i, n = 0, plen = strlen(logger);
	int64_t now = kc_wall_ms();

	pthread_mutex_lock(&log_lock);
	if (strcmp(logger, "root") == 0) {
		if (root_level != (int)level)
			root_modified = now;
		root_level = level;
		/* root affects every logger */
		names = kc_xcalloc(nloggers + 1, sizeof *names);
		names[n++] = "root";
		for (i = 0; i < nloggers; i++) {
			if (loggers[i].level != (int)level)
				loggers[i].last_modified = loggers[i].level >= 0 ? now : loggers[i].last_modified;
			if (loggers[i].level >= 0)
				loggers[i].level = level;
			names[n++] = loggers[i].name;
		}
	} else {
		struct logger *l = find_logger(logger, 1);
		if (l->level != (int)level)
			l->last_modified = now;
		l->level = level;
		names = kc_xcalloc(nloggers + 1, sizeof *names);
		for (i = 0; i < nloggers; i++) {
			const char *nm = loggers[i].name;
			if (strcmp(nm, logger) == 0 ||
			    (strncmp(nm, logger, plen) == 0 && nm[plen] == '.')) {
				if (loggers[i].level >= 0 && loggers[i].level != (int)level)
					loggers[i].last_modified = now;
				if (loggers[i].level >= 0 || strcmp(nm, logger) == 0)
					loggers[i].level = level;
				names[n++] = nm;
			}
		}
	}
	qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(names[i]));
	free(names);
	pthread_mutex_unlock(&log_lock);
	return out;
}

static json_t *
level_json(int level, int64_t modified)
{
	return json_pack("{s:s, s:o}", "level", kc_log_level_name((enum kc_log_level)level),
	    "last_modified", modified ? json_integer(modified) : json_null());
}

json_t *
kc_log_loggers_json(void)
{
	json_t *out = json_object();
	size_t i;

	pthread_mutex_lock(&log_lock);
	json_object_set_new(out, "root", level_json(root_level, root_modified));
	for (i = 0; i < nloggers; i++)
		if (loggers[i].level >= 0)
			json_object_set_new(out, loggers[i].name,
			    level_json(loggers[i].level, loggers[i].last_modified));
	pthread_mutex_unlock(&log_lock);
	return out;
}
