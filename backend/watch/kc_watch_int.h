/* kc_watch_int.h - what kc_watch.c and kc_watch_serve.c share. Not for other modules. */
#ifndef KC_WATCH_INT_H
#define KC_WATCH_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "kc_client.h"
#include "kc_watch.h"
#include "kc_watch_notify.h"

#define KC_WATCH_RING 1000

/* One connector as the watch follows it. */
struct kc_watch_track {
	char			*name;
	struct kc_backoff	 b;
	struct kc_backoff_policy pol;		/* effective (max_attempts 0 = no restarts) */
	const char		*no_restart;	/* why restarts are off (static text) or NULL */
	enum kc_health		 health;	/* last seen */
	int			 seen;		/* in the current poll */
	int			 missing;	/* consecutive polls without it */
	int64_t			 missing_since;	/* first of those polls (monotonic ms) */
};

/* One context, polled by its own thread. */
struct kc_watch_runner {
	struct kc_watch		*w;
	struct kc_ctx		*ctx;		/* borrowed */
	char			*name;		/* context name, or its URL for --url */
	struct kc_client	*client;
	pthread_t		 thr;
	int			 started;

	struct kc_watch_track	*tracks;	/* sorted by name */
	size_t			 ntracks, cap;
	int			 polled;	/* at least one poll succeeded */

	/* outage */
	int			 down;
	int64_t			 down_since;	/* monotonic ms */
	long			 failed_polls;

	/* state file and drift */
	struct kc_state		*st;		/* last good state, or NULL */
	char			*state_err;	/* last reported state-file error, or NULL */
	char			*drift_sig;	/* last reported non-empty plan, or NULL */

	/* totals since start (runner thread only; published through `status`) */
	long			 n_incidents, n_restarts, n_gave_up, n_recovered, n_restart_errors;
	long			 n_polls, n_failed_polls, n_outages;

	/* what /status shows (rebuilt by the runner, read by the server) */
	pthread_mutex_t		 mu;
	json_t			*status;
};

struct kc_watch {
	struct kc_watch_opts	 o;		/* strings borrowed from the caller */
	struct kc_backoff_policy policy;	/* defaults filled in */
	struct kc_watch_runner	*r;
	size_t			 nr;
	struct kc_limiter	*lim;
	struct kc_notify	*notify;
	int			 stop_pipe[2];
	atomic_int		 stopping;	/* lock-free atomics: set from signal handlers */

	pthread_mutex_t		 ev_mu;		/* event log, ring, callback */
	pthread_cond_t		 ev_cv;		/* a new event (long polls of /events) */
	FILE			*logf;		/* opened from log_path */
	atomic_int		 reopen;	/* kc_watch_reopen_log() was called */
	json_t			*ring[KC_WATCH_RING];
	int64_t			 seq;		/* events emitted */

	pthread_mutex_t		 sync_mu;	/* one apply at a time (--apply, POST /sync) */
	char			*state_text;	/* --state -: read once at start */
	size_t			 state_len;

	/* service */
	void			*mhd;		/* struct MHD_Daemon * */
	int			 listen_fd;
	int			 port;
	struct kc_watch_tokens	*tokens;
};

/* Emit an event (stolen): sequence number, ring, log line, callback, and notification when
 * its kind is selected. `r` may be NULL for watch-wide events. */
void kc_watch_emit(struct kc_watch *w, enum kc_watch_kind k, json_t *ev);
/* Load the state file (--state), from the text read at start for "-". NULL with err set
 * when it can't be read. */
struct kc_state *kc_watch_load_state(struct kc_watch *w, struct kc_err *err);
/* A Connect client for one runner's context, for a server thread (caller frees). */
struct kc_client *kc_watch_client_for(struct kc_watch_runner *r, struct kc_err *err);

/* kc_watch_serve.c */
int kc_watch_serve_start(struct kc_watch *w, struct kc_err *err);
void kc_watch_serve_stop(struct kc_watch *w);

#endif
