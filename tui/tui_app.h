/* tui_app.h - the console's shared state: the app, the view stack and the view_ops table.
 *
 * DESIGN: one thread runs the event loop (tui.c): it waits in kc_client_wait() on the Connect
 * client's sockets plus stdin and a wake-up pipe, then runs finished requests' callbacks,
 * reads keys and redraws. Nothing on that thread blocks on the network: REST calls are
 * submitted asynchronously, and blocking work (':' commands, Kafka lag, plan apply, editor
 * validation) runs on helper threads that post results and write one byte to the wake-up
 * pipe. Views are a stack of struct tui_view, each driven by a const struct tui_view_ops;
 * key handlers return TUI_R_* flags that the loop acts on. The screen is redrawn into
 * stdscr only when something changed and refresh() lets curses send just the difference. */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "kc_client.h"
#include "kc_context.h"
#include "tui_keys.h"
#include "tui_model.h"
#include "tui_theme.h"

struct tui_app;
struct tui_view;

/* Handler results (flags). */
enum {
	TUI_R_NONE = 0,
	TUI_R_REDRAW = 1 << 0,
	TUI_R_REFETCH = 1 << 1,
	TUI_R_QUIT = 1 << 2,
	TUI_R_UNHANDLED = 1 << 3,
};

struct tui_view_ops {
	const char	*name;
	enum tui_keymap	 keymap;
	/* Start fetching what the view needs (called when pushed and on each refresh tick). */
	void		(*fetch)(struct tui_app *app, struct tui_view *v);
	/* Paint rows [top, top+height) of the body; the loop draws header, crumbs, status. */
	void		(*draw)(struct tui_app *app, struct tui_view *v, int top, int height);
	/* Act on an action; return TUI_R_* flags (TUI_R_UNHANDLED to let the loop try). */
	int		(*action)(struct tui_app *app, struct tui_view *v, enum tui_action a);
	/* Free v->priv. */
	void		(*done)(struct tui_app *app, struct tui_view *v);
	/* The selected connector name (borrowed) for key actions, or NULL. */
	const char	*(*selected)(struct tui_app *app, struct tui_view *v);
};

struct tui_view {
	const struct tui_view_ops *ops;
	char		*title;		/* breadcrumb */
	void		*priv;
	long		 cursor;	/* selected line */
	long		 scroll;	/* first shown line */
	int		 hscroll;	/* columns scrolled right */
	int		 body_height;	/* rows available at last draw */
};

#define TUI_MAX_VIEWS 16

/* A message on the status line. */
enum tui_msg_kind { TUI_MSG_INFO, TUI_MSG_WARN, TUI_MSG_ERROR };

/* Stats for the benchmark (KCOPS_TUI_STATS=FILE). */
struct tui_stats {
	FILE		*fp;
	uint64_t	 bytes_out;	/* bytes written to the terminal so far */
};

struct tui_app {
	/* configuration */
	struct kc_ctx_file	*file;
	struct kc_ctx		*ctx;
	struct kc_ctx_overrides	 ov;
	char			*config_path;
	char			*ctx_name;	/* shown in the header */
	char			*state_path;	/* --state FILE for the plan view */
	struct tui_theme	 theme;
	int			 use_colour;
	int			 read_only;
	int			 ascii;		/* non-UTF-8 locale */
	int64_t			 refresh_ms;

	/* connection */
	struct kc_client	*client;
	int			 wake_rd, wake_wr;

	/* server info */
	char			*version;	/* Connect version (sanitised) */
	char			*server_bootstrap;	/* kcops-worker's Kafka, from GET / */
	char			*lag_error;	/* last lag problem (raw) or NULL */
	json_t			*lag_hist;	/* {connector: [lag, ...]} of measured sinks */
	int64_t			 next_lag_ms;
	int			 version_num;	/* major*10000+minor*100+patch, 0 unknown */
	int			 info_inflight;

	/* the connectors snapshot */
	struct tui_model	 model;
	char			*live_text;	/* last good listing, raw JSON text */
	size_t			 live_len;
	struct listing_job	*listing_job;	/* being parsed by a helper thread */
	int64_t			 list_recv_ms;
	unsigned int		 conn_gen;	/* bumped when the client is replaced */
	int			 list_inflight;
	int64_t			 list_sent_ms;
	int64_t			 last_ok_ms;	/* mono ms of the last good listing, 0 none */
	int64_t			 next_fetch_ms;
	char			*fetch_error;	/* last listing error (sanitised), NULL when fine */
	uint64_t		 fetches;	/* listings completed */

	/* views */
	struct tui_view		*views[TUI_MAX_VIEWS];
	int			 nviews;

	/* status line */
	char			*msg;
	enum tui_msg_kind	 msg_kind;
	int64_t			 msg_until;

	/* prompt (':' readline, or a simple line input for '/' and confirmations) */
	int			 prompt_active;

	/* redraw bookkeeping */
	int			 dirty;
	int			 quit;
	int			 last_key;	/* the key being handled */
	int64_t			 last_second;

	/* work posted from helper threads, run on the loop thread */
	pthread_mutex_t		 post_lock;
	struct tui_post		*posts;

	struct tui_stats	 stats;
	void			*screen;	/* SCREEN * from newterm() */
	struct tui_req		*reqs;		/* outstanding tui_submit() requests */
	struct tui_events	*events;	/* the events view's list and sources, or NULL */
	const char		*watch_log;	/* --watch-log FILE|URL (argv) or NULL */
	const char		*watch_token;	/* --watch-token-file FILE (argv) or NULL */
};

struct tui_req {
	struct tui_app	*app;
	kc_client_cb	 cb;
	void		*arg;
	struct tui_req	*prev, *next;
};

/* A closure posted from a helper thread; run (and freed) on the loop thread. */
struct tui_post {
	void		(*fn)(struct tui_app *app, void *arg);
	void		*arg;
	struct tui_post	*next;
};

/* ---- tui.c ---- */
/* Submit a request on the console's client. The callback runs exactly once: with the answer,
 * or with resp NULL and err "cancelled" when the client goes away (context switch, quit). */
int tui_submit(struct tui_app *app, const char *method, const char *path, const json_t *body,
    kc_client_cb cb, void *arg);
/* The same without JSON parsing: resp->body only. */
int tui_submit_raw(struct tui_app *app, const char *method, const char *path, kc_client_cb cb,
    void *arg);
void tui_post(struct tui_app *app, void (*fn)(struct tui_app *, void *), void *arg);
void tui_msg(struct tui_app *app, enum tui_msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tui_push(struct tui_app *app, const struct tui_view_ops *ops, const char *title,
    void *priv);
void tui_pop(struct tui_app *app);
struct tui_view *tui_top(struct tui_app *app);
/* Replace the whole stack with the connectors view (context switch). */
void tui_reset_views(struct tui_app *app);
/* Fetch the connectors listing now (if none is in flight). */
void tui_fetch_now(struct tui_app *app);
/* Switch to another context by name; returns 0 or -1 with a status message. */
int tui_switch_context(struct tui_app *app, const char *name);
/* Leave curses temporarily (editor); tui_resume() restores the screen. */
void tui_suspend(struct tui_app *app);
void tui_resume(struct tui_app *app);
/* Refuse a mutation in a read-only context: returns 1 (and sets a message) when refused. */
int tui_refuse_readonly(struct tui_app *app, const char *what);

/* ---- tui_lag.c: consumer-group lag on a helper thread ---- */
/* Start a lag round when none runs and Kafka is reachable (context "kafka" section,
 * --bootstrap, or the bootstrap servers kcops-worker reports). */
void tui_lag_tick(struct tui_app *app);
/* librdkafka settings for the current cluster (context "kafka" section, --bootstrap, or the
 * Kafka kcops-worker reports). New reference, or NULL when no Kafka is known. */
json_t *tui_kafka_conf(struct tui_app *app);
/* Abandon the running lag round (its result is dropped); with wait, also wait until every
 * lag thread has finished (at exit). */
void tui_lag_stop(struct tui_app *app, int wait);

/* ---- tui_draw.c: sanitising drawing helpers ---- */
/* Draw s (already sanitised or not: it is sanitised here) at (y, x), clipped to `width`
 * columns, padded with spaces when pad is set. Returns columns used. */
int tui_put(int y, int x, int width, const char *s, unsigned int attr, int pad);
/* Same for text known to be clean (sanitised at parse time): no allocation. */
int tui_put_clean(int y, int x, int width, const char *s, unsigned int attr, int pad);
/* Right-align. */
void tui_put_right(int y, int x, int width, const char *s, unsigned int attr);
/* printf into a line. */
int tui_putf(int y, int x, int width, unsigned int attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Fill the rest of a line from x with spaces in attr. */
void tui_fill(int y, int x, int width, unsigned int attr);
/* A sparkline of values (block characters, or ASCII when app->ascii). */
void tui_sparkline(struct tui_app *app, int y, int x, int width, const double *v, size_t n,
    unsigned int attr);
/* Human age: "3s", "2m10s", "1h5m". */
void tui_age(int64_t ms, char *buf, size_t len);
/* Set by tui.c: draw non-ASCII as '?' (C locale). */
extern int tui_draw_ascii;

/* ---- dialogs (tui_dialog.c) ---- */
/* Ask for a line of text on the status line; cb gets the text (NULL when cancelled). */
typedef void (*tui_input_cb)(struct tui_app *app, const char *text, void *arg);
void tui_input(struct tui_app *app, const char *prompt, const char *initial, tui_input_cb cb,
    void *arg);
/* The same, with change(app, text, arg) called after every edit (live filtering). */
void tui_input_live(struct tui_app *app, const char *prompt, const char *initial,
    tui_input_cb cb, tui_input_cb change, void *arg);
/* A menu of choices (one key each); cb gets the index, or -1 when cancelled. */
typedef void (*tui_menu_cb)(struct tui_app *app, int choice, void *arg);
void tui_menu(struct tui_app *app, const char *title, const char *const *items, size_t n,
    tui_menu_cb cb, void *arg);
/* Modal state: 1 while an input or menu is open. Keys go to tui_dialog_key(). */
int tui_dialog_active(void);
int tui_dialog_key(struct tui_app *app, int key);
void tui_dialog_draw(struct tui_app *app);
void tui_dialog_cancel(struct tui_app *app);

/* ---- the ':' prompt (tui_prompt.c) ---- */
void tui_prompt_init(struct tui_app *app);
void tui_prompt_open(struct tui_app *app);
int tui_prompt_active(void);
int tui_prompt_key(struct tui_app *app, int key);
void tui_prompt_draw(struct tui_app *app);
void tui_prompt_done(struct tui_app *app);
/* Run one command line (TUI words first, then the command table). */
void tui_prompt_run(struct tui_app *app, const char *line);

/* ---- actions on connectors (tui_actions.c) ---- */
/* Run a key action that targets connectors (marked rows, else `name`). Returns TUI_R_*. */
int tui_conn_action(struct tui_app *app, enum tui_action a, const char *name);
/* POST /connectors/NAME/tasks/ID/restart. */
void tui_restart_task(struct tui_app *app, const char *name, int task);
/* The restart menu with one extra entry per task (ids 0..9; states may hold NULLs). */
void tui_restart_menu_tasks(struct tui_app *app, const char *name, const int *ids,
    const char *const *states, int n);
/* Names the action targets: marked rows, else `name`. New JSON array. */
json_t *tui_targets(struct tui_app *app, const char *name);

/* ---- views ---- */
extern const struct tui_view_ops tui_connectors_ops;
extern const struct tui_view_ops tui_detail_ops;
extern const struct tui_view_ops tui_contexts_ops;
extern const struct tui_view_ops tui_help_ops;
extern const struct tui_view_ops tui_text_ops;
extern const struct tui_view_ops tui_exchanges_ops;
extern const struct tui_view_ops tui_queues_ops;
extern const struct tui_view_ops tui_plan_ops;
extern const struct tui_view_ops tui_events_ops;
extern const struct tui_view_ops tui_workers_ops;

/* ---- watch events (tui_view_events.c) ---- */
void tui_open_events(struct tui_app *app);
/* Follow another watch on a helper thread: its NDJSON event log (a path), or its service
 * (an http(s) URL; token_file then names the service's token file). Returns 0, or -1 with a
 * message in err (bad combination, unreadable token file). */
int tui_events_follow(struct tui_app *app, const char *path, const char *token_file,
    char *err, size_t errlen);
/* Start (refused in read-only contexts) or stop a watch on the current context, run on a
 * helper thread; its events join the list. Returns TUI_R_*. */
int tui_events_toggle_watch(struct tui_app *app);
/* 1 while the in-console watch runs. */
int tui_events_watching(const struct tui_app *app);
/* Stop the sources (joins the helper threads) and free the list. */
void tui_events_free(struct tui_app *app);

void tui_open_detail(struct tui_app *app, const char *name);
void tui_open_exchanges(struct tui_app *app, const char *name);
void tui_open_help(struct tui_app *app);
void tui_open_contexts(struct tui_app *app);
void tui_open_queues(struct tui_app *app);
void tui_open_plan(struct tui_app *app);
/* The workers view (tui_view_workers.c); Enter filters the connectors view to one worker. */
void tui_open_workers(struct tui_app *app);
/* A read-only text view (command output); takes ownership of text (sanitised here). */
void tui_open_text(struct tui_app *app, const char *title, char *text);
/* Line-oriented scrolling shared by text-like views: handle move actions on nlines. */
int tui_scroll_action(struct tui_view *v, enum tui_action a, long nlines);

#endif
