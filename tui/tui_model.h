/* tui_model.h - the connectors table model: parse, sort, filter (no curses in here).
 *
 * DESIGN: one snapshot is parsed from the bulk listing `GET /connectors?expand=status&
 * expand=info` into an array of rows; display strings are sanitised once at parse time (the
 * raw name is kept for URLs). The visible order is an index array rebuilt on every filter or
 * sort change, so navigation costs nothing and 10,000 rows sort in a few milliseconds. Marks
 * and the cursor follow connector names across refreshes. */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>

#include "kc_err.h"

enum tui_col {
	TUI_COL_NAME,
	TUI_COL_TYPE,
	TUI_COL_STATE,
	TUI_COL_TASKS,
	TUI_COL_WORKER,
	TUI_COL_LAG,
	TUI_COL_COUNT
};

struct tui_conn {
	char	*name;		/* raw name (URLs, commands) */
	char	*dname;		/* sanitised for display */
	char	*type;		/* source / sink / unknown, sanitised */
	char	*state;		/* connector state, sanitised */
	char	*worker;	/* connector worker id, sanitised */
	char	**tworkers;	/* its tasks' worker ids, sanitised (header worker count) */
	unsigned char *tstates;	/* TUI_TS_* of the task whose worker is tworkers[i] */
	size_t	 ntworkers;
	char	*klass;		/* connector.class, sanitised */
	int	 ntasks;
	int	 nrunning;
	int	 nfailed;
	long long lag;		/* -1 unknown */
	int	 marked;
	char	*topics;	/* raw config "topics" (sinks), or NULL */
	char	*topics_regex;	/* raw config "topics.regex", or NULL */
};

/* A task's state, kept next to its worker id (the workers view counts them per worker). */
enum { TUI_TS_RUNNING, TUI_TS_FAILED, TUI_TS_UNASSIGNED, TUI_TS_OTHER };

struct tui_model {
	struct tui_conn	*rows;
	size_t		 nrows;
	size_t		*order;		/* visible rows (indexes into rows) */
	size_t		 norder;
	enum tui_col	 sort_col;
	int		 sort_desc;
	char		*filter;	/* as typed, NULL when none */
	int		 filter_inverse;
	regex_t		 re;
	int		 has_re;
	int		 failed_only;
	char		*worker;	/* only connectors running on this worker, or NULL */
	/* header counts over all rows */
	int		 n_running, n_paused, n_stopped, n_failed, n_other, n_degraded;
	int		 n_tasks, n_tasks_failed;
	int		 n_workers;
};

void tui_model_init(struct tui_model *m);
void tui_model_free(struct tui_model *m);
/* Replace the rows from a parsed expand=status&expand=info object. Marks carry over by name.
 * Returns 0, or -1 with err when the JSON is not the expected shape (rows kept). */
int tui_model_load(struct tui_model *m, const json_t *expanded, struct kc_err *err);
/* Same from a plain array of names (old Connect without expand): rows with unknown state. */
int tui_model_load_names(struct tui_model *m, const json_t *names, struct kc_err *err);
struct kc_connector_list;
/* Rows from a parsed listing (thread-safe: touches no model). *rows is a new array the caller
 * hands to tui_model_replace() or frees with tui_rows_free(). */
void tui_rows_from_list(const struct kc_connector_list *l, struct tui_conn **rows, size_t *n);
void tui_rows_free(struct tui_conn *rows, size_t n);
/* Install rows (taking them): marks and lag carry over by name; counts and order rebuilt. */
void tui_model_replace(struct tui_model *m, struct tui_conn *rows, size_t n);
/* Set the filter: a POSIX extended regex, case-insensitive; a leading '!' inverts it. NULL or
 * "" clears. Returns -1 with err on a bad regex (the old filter stays). */
int tui_model_set_filter(struct tui_model *m, const char *filter, struct kc_err *err);
void tui_model_set_sort(struct tui_model *m, enum tui_col col, int desc);
void tui_model_set_failed_only(struct tui_model *m, int on);
/* Only connectors that run on worker id (the connector instance or any task; compared with
 * the sanitised ids of the rows), NULL or "" for all. */
void tui_model_set_worker(struct tui_model *m, const char *id);
/* 1 when connector c (or one of its tasks) runs on worker id. */
int tui_conn_on_worker(const struct tui_conn *c, const char *id);
/* The TUI_TS_* code of a task state name. */
int tui_task_state_code(const char *state);
/* Rebuild `order` from the current rows, filter and sort. */
void tui_model_refresh(struct tui_model *m);
/* Index into `order` of the row named name, or -1. */
long tui_model_find(const struct tui_model *m, const char *name);
/* A row needs attention: connector FAILED or any task FAILED. */
int tui_conn_failed(const struct tui_conn *c);
/* Set the lag of the named connector (-1 unknown). */
void tui_model_set_lag(struct tui_model *m, const char *name, long long lag);
const char *tui_col_name(enum tui_col c);

#endif
