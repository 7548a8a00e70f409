/* tui_prompt.c - the ':' command prompt: GNU readline in callback mode drawn by curses.
 *
 * readline never touches the terminal here: its input comes from our key queue
 * (rl_getc_function), its output stream is /dev/null, terminal preparation is a no-op and
 * the line is painted on the status line by tui_prompt_draw(). Completion lists are shown
 * in the line above instead of being printed. So the prompt can never leave stray output.
 *
 * A line is either a console word (connectors, contexts [NAME], exchanges NAME, queues,
 * plan, workers, help, quit) or a command of the shared command table, run on a helper thread with
 * its output captured (open_memstream) and shown in an output view when it finishes. */
#include "tui_app.h"

#include <curses.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "kc_buf.h"
#include "kc_cmd.h"
#include "kc_text.h"
#include "kc_util.h"

static struct tui_app *papp;
static int active;
static int queue[64];
static int qhead, qtail;
static FILE *null_out, *null_in;
static char *history_path;
static char *matches_text;	/* completion candidates to show, or NULL */
static int cmd_running;
struct cmd_job {
	struct tui_app	*app;
	pthread_t	 thread;
	int		 argc;
	char		**argv;
	char		*line;
	char		*config_path;
	char		*context;
	char		*url;
	char		*bootstrap;
	int		 read_only;
	char		*out;
	size_t		 outlen;
	int		 rc;
	int		 joined;
};

static struct cmd_job *running_job;

static const char *const console_words[] = {
	"connectors", "contexts", "ctx", "exchanges", "tail", "queues", "plan", "events",
	"workers", "watch", "help", "quit", "q",
};

static int
q_getc(FILE *fp)
{
	(void)fp;
	if (qhead == qtail)
		return EOF;
	return queue[qhead++ % 64];
}

static int
q_available(void)
{
	return qhead != qtail;
}

static void
q_redisplay(void)
{
	if (papp != NULL)
		papp->dirty = 1;
}

static void
q_prep(int meta)
{
	(void)meta;
}

static void
q_deprep(void)
{
}

/* ---- completion ---- */

static char **cands;
static size_t ncands;

static void
cands_free(void)
{
	size_t i;

	for (i = 0; i < ncands; i++)
		free(cands[i]);
	free(cands);
	cands = NULL;
	ncands = 0;
}

static void
cand_add(const char *s)
{
	size_t i;

	for (i = 0; i < ncands; i++)
		if (strcmp(cands[i], s) == 0)
			return;
	cands = kc_xrealloc(cands, (ncands + 1) * sizeof(*cands));
	cands[ncands++] = kc_xstrdup(s);
}

static char *
gen(const char *text, int state)
{
	static size_t idx, len;

	if (state == 0) {
		idx = 0;
		len = strlen(text);
	}
	while (idx < ncands) {
		const char *c = cands[idx++];

		if (strncmp(c, text, len) == 0)
			return strdup(c);
	}
	return NULL;
}

static void
add_command_words(void)
{
	const struct kc_cmd *c;
	size_t i;

	for (i = 0; i < KC_NITEMS(console_words); i++)
		cand_add(console_words[i]);
	for (c = kc_cmd_next(NULL); c != NULL; c = kc_cmd_next(c)) {
		if (c->flags & KC_CMD_HIDDEN)
			continue;
		cand_add(c->name);
		if (c->aliases != NULL) {
			char *a = kc_xstrdup(c->aliases), *save = NULL, *w;

			for (w = strtok_r(a, " ", &save); w; w = strtok_r(NULL, " ", &save))
				cand_add(w);
			free(a);
		}
	}
}

static char **
complete(const char *text, int start, int end)
{
	char **m;
	size_t i;

	(void)end;
	rl_attempted_completion_over = 1;
	cands_free();
	if (start == 0) {
		add_command_words();
	} else {
		/* connector names, then context names and the sub-commands commonly typed */
		static const char *const words[] = {
			"connectors", "connector", "tasks", "plugins", "offsets", "loggers",
			"--tasks", "all", "failed", "-o", "json", "wide",
		};
		const json_t *ctxs = papp->file ? kc_ctx_file_contexts(papp->file) : NULL;
		const char *k;
		json_t *v;

		for (i = 0; i < papp->model.nrows; i++)
			cand_add(papp->model.rows[i].name);
		json_object_foreach((json_t *)ctxs, k, v)
			cand_add(k);
		for (i = 0; i < KC_NITEMS(words); i++)
			cand_add(words[i]);
	}
	m = rl_completion_matches(text, gen);
	return m;
}

/* Show candidates on the line above the prompt instead of printing them. */
static void
show_matches(char **matches, int n, int maxlen)
{
	struct kc_buf b;
	int i;

	(void)maxlen;
	kc_buf_init(&b);
	for (i = 1; i <= n; i++) {
		kc_buf_puts(&b, matches[i]);
		kc_buf_puts(&b, "  ");
	}
	free(matches_text);
	matches_text = kc_text_sanitize(kc_buf_str(&b), 0);
	kc_buf_free(&b);
	if (papp != NULL)
		papp->dirty = 1;
}

/* ---- lifecycle ---- */

static char *
state_dir(void)
{
	const char *s = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (s != NULL && *s == '/')
		return kc_xasprintf("%s/kcops", s);
	if (home != NULL && *home != '\0')
		return kc_xasprintf("%s/.local/state/kcops", home);
	return NULL;
}

void
tui_prompt_init(struct tui_app *app)
{
	char *dir;

	papp = app;
	null_out = fopen("/dev/null", "w");
	null_in = fopen("/dev/null", "r");
	rl_readline_name = "kcops";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_instream = null_in;
	rl_outstream = null_out;
	rl_getc_function = q_getc;
	rl_input_available_hook = q_available;
	rl_redisplay_function = q_redisplay;
	rl_prep_term_function = q_prep;
	rl_deprep_term_function = q_deprep;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	rl_inhibit_completion = 0;
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("bell-style", "none");
	using_history();
	stifle_history(1000);
	if ((dir = state_dir()) != NULL) {
		history_path = kc_xasprintf("%s/history", dir);
		read_history(history_path);
		free(dir);
	}
}

void
tui_prompt_done(struct tui_app *app)
{
	(void)app;
	/* a command still running finishes first; its result is posted to the loop */
	if (cmd_running && running_job != NULL) {
		pthread_join(running_job->thread, NULL);
		running_job->joined = 1;
	}
	if (active)
		rl_callback_handler_remove();
	active = 0;
	cands_free();
	free(matches_text);
	matches_text = NULL;
	free(history_path);
	history_path = NULL;
	clear_history();
	rl_callback_sigcleanup();
	if (null_out != NULL)
		fclose(null_out);
	if (null_in != NULL)
		fclose(null_in);
	null_out = null_in = NULL;
	rl_instream = rl_outstream = NULL;
}

int
tui_prompt_active(void)
{
	return active;
}

static void
line_done(char *line)
{
	active = 0;
	rl_callback_handler_remove();
	free(matches_text);
	matches_text = NULL;
	if (line == NULL) {
		papp->dirty = 1;
		return;
	}
	kc_str_trim(line);
	if (*line != '\0') {
		HIST_ENTRY *last = history_length > 0 ? history_get(history_base +
		    history_length - 1) : NULL;

		if (last == NULL || strcmp(last->line, line) != 0) {
			add_history(line);
			if (history_path != NULL) {
				char *dir = kc_xstrdup(history_path);

				*strrchr(dir, '/') = '\0';
				kc_mkdirs(dir);	/* best effort, as the history itself */
				free(dir);
				if (append_history(1, history_path) != 0)
					write_history(history_path);
				chmod(history_path, 0600);
			}
		}
		tui_prompt_run(papp, line);
	}
	free(line);
	papp->dirty = 1;
}

void
tui_prompt_open(struct tui_app *app)
{
	active = 1;
	qhead = qtail = 0;
	rl_callback_handler_install(":", line_done);
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
	app->dirty = 1;
}

static void
feed(int c)
{
	if (qtail - qhead < 64)
		queue[qtail++ % 64] = c;
}

int
tui_prompt_key(struct tui_app *app, int key)
{
	app->dirty = 1;
	if (key != '\t') {
		free(matches_text);
		matches_text = NULL;
	}
	switch (key) {
	case 27:	/* Esc: cancel */
	case 3:		/* C-c */
	case 7:		/* C-g */
		rl_replace_line("", 0);
		rl_point = rl_end = 0;
		active = 0;
		rl_callback_handler_remove();
		return 1;
	case KEY_LEFT: feed(2); break;		/* C-b */
	case KEY_RIGHT: feed(6); break;		/* C-f */
	case KEY_UP: feed(16); break;		/* C-p */
	case KEY_DOWN: feed(14); break;		/* C-n */
	case KEY_HOME: feed(1); break;		/* C-a */
	case KEY_END: feed(5); break;		/* C-e */
	case KEY_BACKSPACE: case 8: feed(127); break;
	case KEY_DC: feed(4); break;		/* C-d */
	case KEY_ENTER: case '\r': feed('\n'); break;
	case KEY_RESIZE: return 1;
	default:
		if (key < 0 || key > 255)
			return 1;
		if (key == 4 && rl_end == 0)	/* C-d on an empty line closes, quietly */
			key = 7;
		if (key == 7) {
			tui_prompt_key(app, 27);
			return 1;
		}
		feed(key);
	}
	while (active && q_available())
		rl_callback_read_char();
	return 1;
}

void
tui_prompt_draw(struct tui_app *app)
{
	int y = LINES - 1, x, cur;
	char *before, *clean;
	size_t point = (size_t)(rl_point > 0 ? rl_point : 0);

	(void)app;
	if (matches_text != NULL && LINES > 2) {
		tui_fill(y - 1, 0, COLS, tui_theme_attr(TUI_ROLE_DIALOG));
		tui_put_clean(y - 1, 1, COLS - 1, matches_text, tui_theme_attr(TUI_ROLE_DIALOG),
		    0);
	}
	tui_fill(y, 0, COLS, tui_theme_attr(TUI_ROLE_STATUS));
	x = tui_put(y, 0, 1, ":", tui_theme_attr(TUI_ROLE_PROMPT), 0);
	clean = kc_text_sanitize(rl_line_buffer != NULL ? rl_line_buffer : "", 0);
	before = kc_text_sanitize_n(rl_line_buffer != NULL ? rl_line_buffer : "",
	    rl_line_buffer != NULL && point <= strlen(rl_line_buffer) ? point : 0, 0);
	cur = x + (int)kc_text_width(before);
	if (cur >= COLS - 1) {
		/* scroll the line so the cursor stays visible */
		int shift = cur - (COLS - 2);
		const char *p = clean;

		while (*p != '\0' && shift > 0) {
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
			shift--;
		}
		tui_put_clean(y, x, COLS - x, p, tui_theme_attr(TUI_ROLE_NORMAL), 0);
		cur = COLS - 2;
	} else
		tui_put_clean(y, x, COLS - x, clean, tui_theme_attr(TUI_ROLE_NORMAL), 0);
	free(clean);
	free(before);
	move(y, cur);
	curs_set(1);
}

/* ---- running a line ---- */

/* Split a line into words: spaces separate, '...' and "..." quote, \ escapes. */
static int
split(const char *line, char ***argvp)
{
	char **argv = NULL;
	int argc = 0;
	const char *p = line;
	struct kc_buf w;

	kc_buf_init(&w);
	for (;;) {
		int inword = 0;
		char q = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		kc_buf_reset(&w);
		while (*p != '\0') {
			if (q != 0) {
				if (*p == q)
					q = 0;
				else if (*p == '\\' && q == '"' && p[1] != '\0')
					kc_buf_putc(&w, *++p);
				else
					kc_buf_putc(&w, *p);
			} else if (*p == '\'' || *p == '"')
				q = *p;
			else if (*p == '\\' && p[1] != '\0')
				kc_buf_putc(&w, *++p);
			else if (*p == ' ' || *p == '\t')
				break;
			else
				kc_buf_putc(&w, *p);
			inword = 1;
			p++;
		}
		if (inword) {
			argv = kc_xrealloc(argv, (size_t)(argc + 2) * sizeof(*argv));
			argv[argc++] = kc_xstrdup(kc_buf_str(&w));
			argv[argc] = NULL;
		}
	}
	kc_buf_free(&w);
	*argvp = argv;
	return argc;
}

static void
argv_free(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}


static void
cmd_finished(struct tui_app *app, void *arg)
{
	struct cmd_job *j = arg;
	char *title;

	if (!j->joined)
		pthread_join(j->thread, NULL);
	cmd_running = 0;
	running_job = NULL;
	title = kc_xasprintf(":%s", j->line);
	if (j->outlen > 0 && (j->outlen > 200 || strchr(j->out, '\n') != strrchr(j->out, '\n'))) {
		tui_open_text(app, title, j->out);	/* takes j->out */
		if (j->rc == 0)
			tui_msg(app, TUI_MSG_INFO, "done: %s (q closes the output)", j->line);
	} else {
		char *clean = kc_text_sanitize(j->out, 0);

		kc_str_trim(clean);
		tui_msg(app, j->rc == 0 ? TUI_MSG_INFO : TUI_MSG_ERROR, "%s%s",
		    *clean ? clean : (j->rc == 0 ? "done: " : "failed: "),
		    *clean ? "" : j->line);
		free(clean);
		free(j->out);
	}
	if (j->rc != 0 && j->outlen > 200)
		tui_msg(app, TUI_MSG_ERROR, "%s: exit status %d", j->line, j->rc);
	free(title);
	argv_free(j->argc, j->argv);
	free(j->line);
	free(j->config_path);
	free(j->context);
	free(j->url);
	free(j->bootstrap);
	free(j);
	tui_fetch_now(app);
}

static void *
cmd_thread(void *arg)
{
	struct cmd_job *j = arg;
	struct kc_cmd_io io;
	struct kc_cmd_env env;
	FILE *out;
	int argc = j->argc;
	char **argv = kc_xcalloc((size_t)argc + 1, sizeof(*argv));
	int i;

	for (i = 0; i < argc; i++)
		argv[i] = j->argv[i];
	out = open_memstream(&j->out, &j->outlen);
	memset(&io, 0, sizeof(io));
	memset(&env, 0, sizeof(env));
	io.out = out;
	io.err = out;
	io.interactive = 1;
	env.io = &io;
	env.prog = "kcops";
	env.config_path = j->config_path;
	env.ov.context = j->context;
	env.ov.url = j->url;
	env.ov.bootstrap = j->bootstrap;
	env.ov.read_only = j->read_only;
	if (kc_cmd_parse_globals(&env, &argc, argv) != 0)
		j->rc = KC_EXIT_USAGE;
	else if (argc == 0)
		j->rc = 0;
	else
		j->rc = kc_cmd_run(&env, argc, argv);
	kc_cmd_env_free(&env);
	fclose(out);
	free(argv);
	tui_post(j->app, cmd_finished, j);
	return NULL;
}

void
tui_prompt_run(struct tui_app *app, const char *line)
{
	char **argv;
	int argc = split(line, &argv);
	const char *w;

	if (argc == 0) {
		free(argv);
		return;
	}
	w = argv[0];
	if (strcmp(w, "q") == 0 || strcmp(w, "quit") == 0 || strcmp(w, "exit") == 0 ||
	    strcmp(w, "q!") == 0) {
		app->quit = 1;
	} else if (argc == 1 && (strcmp(w, "connectors") == 0 || strcmp(w, "co") == 0)) {
		tui_reset_views(app);
	} else if ((strcmp(w, "ctx") == 0 || strcmp(w, "contexts") == 0) && argc <= 2) {
		if (argc == 2)
			tui_switch_context(app, argv[1]);
		else
			tui_open_contexts(app);
	} else if ((strcmp(w, "exchanges") == 0 || strcmp(w, "tail") == 0) && argc == 2) {
		tui_open_exchanges(app, argv[1]);
	} else if (argc == 1 && strcmp(w, "queues") == 0) {
		tui_open_queues(app);
	} else if (argc == 1 && strcmp(w, "plan") == 0) {
		tui_open_plan(app);
	} else if (argc == 1 && strcmp(w, "workers") == 0) {
		tui_open_workers(app);
	} else if (argc == 1 && strcmp(w, "events") == 0) {
		tui_open_events(app);
	} else if (argc == 1 && strcmp(w, "watch") == 0) {
		/* bare `watch` is the console's own (W); with options it is the command */
		tui_events_toggle_watch(app);
	} else if (argc == 1 && (strcmp(w, "help") == 0 || strcmp(w, "?") == 0)) {
		tui_open_help(app);
	} else {
		struct cmd_job *j;
		const struct kc_cmd *cmd = kc_cmd_find(argc, argv);

		if (cmd == NULL) {
			tui_msg(app, TUI_MSG_ERROR, "unknown command '%s' (Tab completes, "
			    "'help' lists commands)", w);
			argv_free(argc, argv);
			return;
		}
		if (app->read_only && kc_cmd_is_mutating(cmd, argc, argv)) {
			tui_refuse_readonly(app, w);
			argv_free(argc, argv);
			return;
		}
		if (cmd_running) {
			tui_msg(app, TUI_MSG_WARN, "a command is still running");
			argv_free(argc, argv);
			return;
		}
		j = kc_xcalloc(1, sizeof(*j));
		j->app = app;
		j->argc = argc;
		j->argv = argv;
		j->line = kc_xstrdup(line);
		j->config_path = kc_xstrdup(app->config_path);
		j->context = app->ctx != NULL ? kc_xstrdup(app->ctx->name) : NULL;
		j->url = j->context == NULL ? kc_xstrdup(app->ov.url) : NULL;
		j->bootstrap = kc_xstrdup(app->ov.bootstrap);
		j->read_only = app->read_only;
		if (pthread_create(&j->thread, NULL, cmd_thread, j) != 0) {
			tui_msg(app, TUI_MSG_ERROR, "cannot start the command: %s",
			    strerror(errno));
			argv_free(argc, argv);
			free(j->line);
			free(j->config_path);
			free(j->context);
			free(j->url);
			free(j->bootstrap);
			free(j);
			return;
		}
		cmd_running = 1;
		running_job = j;
		tui_msg(app, TUI_MSG_INFO, "running: %s", line);
		return;
	}
	argv_free(argc, argv);
}
