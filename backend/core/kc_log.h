/* kc_log.h - leveled, named, thread-safe logging to stderr.
 *
 * Loggers are dotted names ("kcops.worker.rest"). A level set on a name applies to it and to
 * every logger below it, like Connect's /admin/loggers; "root" is the fallback. */
#ifndef KC_LOG_H
#define KC_LOG_H

#include <jansson.h>
#include <stdint.h>

enum kc_log_level {
	KC_LOG_TRACE = 0,
	KC_LOG_DEBUG,
	KC_LOG_INFO,
	KC_LOG_WARN,
	KC_LOG_ERROR,
	KC_LOG_FATAL,
	KC_LOG_OFF,
};

void kc_log(const char *logger, enum kc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int kc_log_enabled(const char *logger, enum kc_log_level level);

/* Level names are TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF (case-insensitive; WARNING too).
 * Returns -1 for an unknown name. */
int kc_log_level_parse(const char *name);
const char *kc_log_level_name(enum kc_log_level level);

/* Set the level of `logger` and every logger under it (names starting with "logger.").
 * Returns a new JSON array of the affected names, sorted (always contains `logger`). */
json_t *kc_log_set_level(const char *logger, enum kc_log_level level);
/* New JSON object {name: {"level": "INFO", "last_modified": ms|null}} of every explicitly
 * set logger plus root. */
json_t *kc_log_loggers_json(void);
/* Effective level of a logger (falls back through parents to root). */
enum kc_log_level kc_log_effective(const char *logger);
/* Returns 1 if the logger name was ever used or set (so GET /admin/loggers/NAME can 404). */
int kc_log_known(const char *logger);

/* Timestamps on (default) or off; output stream (default stderr). */
void kc_log_set_timestamps(int on);

#endif
