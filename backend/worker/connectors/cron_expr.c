/* cron_expr.c - Quartz-style cron expression parser and evaluator (see kw_cron.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kc_util.h"
#include "kw_cron.h"

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, NFIELDS };

struct kw_cron {
	uint64_t	bits[NFIELDS][2];	/* years: offset from 1970, 0..127 */
	int		dom_any, dow_any;	/* '*' or '?' */
	int		year_any;
};

static const struct {
	const char	*name;
	int		 lo, hi;
} fields[NFIELDS] = {
	{ "seconds", 0, 59 }, { "minutes", 0, 59 }, { "hours", 0, 23 },
	{ "day-of-month", 1, 31 }, { "month", 1, 12 }, { "day-of-week", 1, 7 },
	{ "year", 1970, 2097 },
};

static const char *const months[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
	"SEP", "OCT", "NOV", "DEC" };
static const char *const days[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

static void
setbit_(uint64_t *b, int i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static int
getbit_(const uint64_t *b, int i)
{
	return (int)((b[i / 64] >> (i % 64)) & 1);
}

/* Parse a value (number or name) at *p. -1 on error. */
static int
parse_value(int f, const char **p)
{
	const char *s = *p;
	int v = 0, n = 0;
	size_t i;

	if (isalpha((unsigned char)*s)) {
		const char *const *names = f == F_MON ? months : f == F_DOW ? days : NULL;
		size_t nn = f == F_MON ? 12 : 7;

		if (names == NULL)
			return -1;
		for (i = 0; i < nn; i++)
			if (strncasecmp(s, names[i], 3) == 0) {
				*p = s + 3;
				return (int)i + 1;
			}
		return -1;
	}
	while (isdigit((unsigned char)*s) && n < 6) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n == 0)
		return -1;
	*p = s;
	return v;
}

/* Parse one field into its bit set. 0 or -1 + err. */
static int
parse_field(struct kw_cron *c, int f, const char *text, char *err, size_t errlen)
{
	char *copy = kc_xstrdup(text), *save = NULL, *part;
	int lo = fields[f].lo, hi = fields[f].hi, ret = 0;

	if (strcmp(text, "?") == 0 && f != F_DOM && f != F_DOW) {
		snprintf(err, errlen, "field '%s': '?' is only allowed in the day fields",
		    fields[f].name);
		free(copy);
		return -1;
	}
	if (strcmp(text, "*") == 0 || strcmp(text, "?") == 0) {
		if (f == F_DOM)
			c->dom_any = 1;
		if (f == F_DOW)
			c->dow_any = 1;
		if (f == F_YEAR)
			c->year_any = 1;
	}
	for (part = strtok_r(copy, ",", &save); part != NULL && ret == 0;
	    part = strtok_r(NULL, ",", &save)) {
		const char *p = part;
		int a, b, step = 1, v;

		if (strpbrk(part, "LW#") != NULL) {
			snprintf(err, errlen, "field '%s': '%s' uses L, W or # (not supported)",
			    fields[f].name, part);
			ret = -1;
			break;
		}
		if (*p == '*' || *p == '?') {
			a = lo;
			b = hi;
			p++;
		} else {
			if ((a = parse_value(f, &p)) < 0) {
				snprintf(err, errlen, "field '%s': bad value '%s'", fields[f].name, part);
				ret = -1;
				break;
			}
			b = a;
			if (*p == '-') {
				p++;
				if ((b = parse_value(f, &p)) < 0) {
					snprintf(err, errlen, "field '%s': bad range '%s'",
					    fields[f].name, part);
					ret = -1;
					break;
				}
			} else if (*p == '/')
				b = hi;
		}
		if (*p == '/') {
			p++;
			if ((step = parse_value(-1, &p)) <= 0) {
				snprintf(err, errlen, "field '%s': bad step in '%s'", fields[f].name, part);
				ret = -1;
				break;
			}
		}
		if (*p != '\0') {
			snprintf(err, errlen, "field '%s': unexpected '%s' in '%s'", fields[f].name, p,
			    part);
			ret = -1;
			break;
		}
		if (a < lo || a > hi || b < lo || b > hi) {
			snprintf(err, errlen, "field '%s': value in '%s' out of range %d-%d",
			    fields[f].name, part, lo, hi);
			ret = -1;
			break;
		}
		if (a > b) {
			snprintf(err, errlen, "field '%s': range '%s' goes backwards", fields[f].name,
			    part);
			ret = -1;
			break;
		}
		for (v = a; v <= b; v += step)
			setbit_(c->bits[f], f == F_YEAR ? v - 1970 : v);
	}
	free(copy);
	return ret;
}

struct kw_cron *
kw_cron_parse(const char *expr, char *err, size_t errlen)
{
	struct kw_cron *c;
	char *copy, *save = NULL, *tok, *toks[NFIELDS + 1];
	int n = 0, f;

	if (expr == NULL) {
		snprintf(err, errlen, "empty cron expression");
		return NULL;
	}
	copy = kc_xstrdup(expr);
	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (n == NFIELDS + 1)
			break;
		toks[n++] = tok;
	}
	if (n < 6 || n > NFIELDS) {
		snprintf(err, errlen, "expected 6 or 7 fields (seconds minutes hours day-of-month "
		    "month day-of-week [year]), got %d", n);
		free(copy);
		return NULL;
	}
	c = kc_xcalloc(1, sizeof(*c));
	for (f = 0; f < n; f++)
		if (parse_field(c, f, toks[f], err, errlen) != 0) {
			free(copy);
			free(c);
			return NULL;
		}
	if (n == 6)
		c->year_any = 1;
	free(copy);
	return c;
}

void
kw_cron_free(struct kw_cron *c)
{
	free(c);
}

static int
day_matches(const struct kw_cron *c, const struct tm *tm)
{
	int dom = getbit_(c->bits[F_DOM], tm->tm_mday);
	int dow = getbit_(c->bits[F_DOW], tm->tm_wday + 1);

	if (c->dom_any && c->dow_any)
		return 1;
	if (c->dom_any)
		return dow;
	if (c->dow_any)
		return dom;
	return dom || dow;
}

int64_t
kw_cron_next(const struct kw_cron *c, int64_t after)
{
	time_t t = (time_t)after + 1, limit = (time_t)after + 8LL * 366 * 86400;
	struct tm tm;

	while (t <= limit) {
		gmtime_r(&t, &tm);
		if (!c->year_any && (tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 2097 ||
		    !getbit_(c->bits[F_YEAR], tm.tm_year + 1900 - 1970))) {
			/* next year */
			tm.tm_year++;
			tm.tm_mon = 0;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!getbit_(c->bits[F_MON], tm.tm_mon + 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!day_matches(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!getbit_(c->bits[F_HOUR], tm.tm_hour)) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!getbit_(c->bits[F_MIN], tm.tm_min)) {
			tm.tm_min++;
			tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!getbit_(c->bits[F_SEC], tm.tm_sec)) {
			t++;
			continue;
		}
		return (int64_t)t;
	}
	return -1;
}
