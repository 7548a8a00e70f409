/* tui_workers.h - rows of the workers view (no curses in here, so unit tests build them).
 *
 * DESIGN: a row per worker, merged from two sources. kcops-worker lists its cluster in
 * GET /kcops/v1/workers (id, URL, heartbeat liveness, which one answered, the source-lease
 * holder); the connectors listing the console already has names the worker of every
 * connector instance and task. Counts of connectors and tasks always come from the listing,
 * so they match what Enter filters; workers named only in the listing (an Apache Connect
 * cluster, which answers 404 to the extension, or a worker the cluster has forgotten) become
 * rows of their own, marked as derived. Every string is sanitised. */
#ifndef TUI_WORKERS_H
#define TUI_WORKERS_H

#include <jansson.h>
#include <stddef.h>

#include "tui_model.h"

enum tui_worker_state {
	TUI_WS_ALIVE,		/* heartbeats arrive (or it is the worker that answered) */
	TUI_WS_SILENT,		/* no heartbeat for 3 intervals: its tasks show UNASSIGNED */
	TUI_WS_UNKNOWN,		/* only named in task statuses: liveness not known */
};

struct tui_worker {
	char		*id;		/* worker id as in task statuses, sanitised */
	char		*url;		/* advertised REST URL, sanitised, or NULL */
	enum tui_worker_state state;
	long long	 hb_age_ms;	/* last heartbeat age, -1 unknown (0 for self) */
	int		 self;		/* the worker answering this console */
	int		 source_owner;	/* holds the source lease: 1, 0, or -1 unknown */
	int		 listed;	/* in the /kcops/v1/workers answer */
	int		 nconn;		/* connectors with the instance or a task here */
	int		 ntasks;	/* task instances here (from the statuses) */
	int		 nfailed;	/* of which FAILED */
	int		 nunassigned;	/* of which UNASSIGNED */
};

/* Build the rows: `workers` is the "workers" array of GET /kcops/v1/workers (borrowed), or
 * NULL when the cluster does not list them; `m` the connectors snapshot (its rows, not its
 * filter); `self_hint` the host:port this console talks to (marks the answering worker when
 * the cluster does not say), or NULL. Rows come sorted: the answering worker first, then by
 * id. *out is a new array (free with tui_workers_free). Malformed entries are skipped. */
void tui_workers_build(const json_t *workers, const struct tui_model *m,
    const char *self_hint, struct tui_worker **out, size_t *n);
void tui_workers_free(struct tui_worker *w, size_t n);
/* "alive", "silent" or "-". */
const char *tui_worker_state_name(enum tui_worker_state s);

#endif
