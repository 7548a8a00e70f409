/* kw_cron.h - Quartz-style cron expressions (with seconds), evaluated in UTC.
 *
 * Fields: seconds minutes hours day-of-month month day-of-week [year]. Each field takes
 * `*`, `?` (day fields), numbers, ranges `a-b`, lists `a,b`, steps `* /n` and `a/n` (written
 * without the space), month names JAN-DEC and day names SUN-SAT (Quartz numbering: SUN=1 ..
 * SAT=7). When both day fields are restricted, a day matches if either matches (classic cron);
 * Quartz's L, W and # are not supported and are reported as errors.
 * Example: "0/5 * * * * ?" fires every 5 seconds. */
#ifndef KW_CRON_H
#define KW_CRON_H

#include <stddef.h>
#include <stdint.h>

struct kw_cron;

/* Parse; NULL + err ("field 'hours': value 25 out of range 0-23"). */
struct kw_cron *kw_cron_parse(const char *expr, char *err, size_t errlen);
void kw_cron_free(struct kw_cron *c);
/* First fire time strictly after `after` (seconds since the epoch), or -1 when there is none
 * within the next 8 years. */
int64_t kw_cron_next(const struct kw_cron *c, int64_t after);

#endif
