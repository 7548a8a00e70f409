/* cmd_watch.c - `kcops watch`: the long-running auto-restart / notification / drift command
 * and its service mode. The work is done by backend/watch (kc_watch.h); this file turns the
 * command line into kc_watch_opts, resolves the contexts, wires signals, and prints events.
 *
 * Events are NDJSON on stdout by default (--log FILE appends them to a file instead;
 * --format text prints one human line per event). SIGINT/SIGTERM stop the watch cleanly
 * (exit 0), so it runs as is under systemd. */
#include "kc_cmd.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"
#include "kc_watch.h"

enum {
	O_STATE = 1, O_INTERVAL, O_CTX, O_ALL_CTX, O_BACKOFF, O_BACKOFF_MAX, O_MAX, O_HEALTHY,
	O_NO_RESTART, O_MANAGED, O_APPLY, O_PRUNE, O_WEBHOOK, O_WH_HEADER, O_WH_TIMEOUT,
	O_WH_RETRIES, O_EXEC, O_NOTIFY, O_DEDUP, O_RATE, O_BURST, O_LOG, O_FORMAT, O_LISTEN,
	O_TOKEN_FILE, O_ONCE, O_STATE_TOKEN, O_STATE_HEADER, O_FOLLOW,
};

/* The watch the signal handler acts on (any thread may receive the signal). */
static _Atomic(struct kc_watch *) running_watch;
/* --follow: stop requested. */
static atomic_int follow_stop;

/* SIGINT/SIGTERM: stop the watch; SIGHUP: reopen the --log file (after logrotate). */
static void
on_signal(int sig)
{
	struct kc_watch *w = atomic_load(&running_watch);
	int saved = errno;

	if (w != NULL) {
		if (sig == SIGHUP)
			kc_watch_reopen_log(w);
		else
			kc_watch_stop(w);
	} else if (sig != SIGHUP)
		atomic_store(&follow_stop, 1);
	errno = saved;
}

/* A duration option ("500ms", "10s", "2m"; bare numbers are seconds). -1 after an error. */
static int64_t
duration_opt(struct kc_cmd_env *env, const struct kc_cmd *cmd, const char *opt,
    const char *val, int allow_zero)
{
	int64_t ms = kc_parse_duration_ms(val, 1000);

	if (ms < 0 || (!allow_zero && ms == 0)) {
		kc_cmd_usage(env, cmd, "%s: bad duration '%s' (e.g. 500ms, 10s, 2m, 1h)", opt, val);
		return -1;
	}
	return ms;
}

/* One human line per event (--format text). */
static void
print_text(void *arg, const json_t *ev)
{
	FILE *out = arg;
	const char *kind = kc_json_str_or(ev, "event", "?");
	const char *msg = kc_json_str(ev, "message");
	const char *conn = kc_json_str(ev, "connector");
	char *safe_msg = NULL, *safe_conn;
	struct kc_buf b;

	kc_buf_init(&b);
	if (msg == NULL) {
		if (strcmp(kind, "state") == 0)
			kc_buf_printf(&b, "%s -> %s", kc_json_str_or(ev, "from", "?"),
			    kc_json_str_or(ev, "to", "?"));
		else if (strcmp(kind, "added") == 0)
			kc_buf_printf(&b, "new %s connector, %s", kc_json_str_or(ev, "type", "?"),
			    kc_json_str_or(ev, "state", "?"));
		else if (strcmp(kind, "deleted") == 0)
			kc_buf_printf(&b, "gone (was %s)", kc_json_str_or(ev, "last_state", "?"));
		else if (strcmp(kind, "resumed") == 0)
			kc_buf_printf(&b, "reachable again after %lld ms",
			    kc_json_int_or(ev, "outage_ms", 0));
		else if (strcmp(kind, "drift_cleared") == 0)
			kc_buf_printf(&b, "the cluster matches %s again",
			    kc_json_str_or(ev, "source", "the state file"));
		else if (strcmp(kind, "stopped") == 0)
			kc_buf_puts(&b, kc_json_str_or(ev, "reason", ""));
		else if (strcmp(kind, "notify_failed") == 0)
			kc_buf_printf(&b, "%s delivery of a %s event: %s",
			    kc_json_str_or(ev, "target", "?"), kc_json_str_or(ev, "for_event", "?"),
			    kc_json_str_or(ev, "error", "?"));
		else if (kc_json_str(ev, "error") != NULL)
			kc_buf_puts(&b, kc_json_str(ev, "error"));
		else if (kc_json_str(ev, "url") != NULL)
			kc_buf_puts(&b, kc_json_str(ev, "url"));
		msg = kc_buf_str(&b);
	}
	/* "NAME: text" messages: the name has its own column */
	if (conn != NULL && strncmp(msg, conn, strlen(conn)) == 0 &&
	    strncmp(msg + strlen(conn), ": ", 2) == 0)
		msg += strlen(conn) + 2;
	safe_msg = kc_text_sanitize(msg, 0);
	safe_conn = kc_text_sanitize(conn != NULL ? conn : "-", 0);
	fprintf(out, "%.19s %-13s %-12s %s  %s\n", kc_json_str_or(ev, "time", ""), kind,
	    kc_json_str_or(ev, "context", "-"), safe_conn, safe_msg);
	fflush(out);
	free(safe_msg);
	free(safe_conn);
	kc_buf_free(&b);
}

/* Where events go besides the log: text lines, and the service address on stderr. */
struct printer {
	FILE	*text;	/* --format text, or NULL */
	FILE	*err;
	int	 note_listen;	/* the log is a file: say where the service listens */
};

static void
on_event(void *arg, const json_t *ev)
{
	struct printer *p = arg;

	if (p->text != NULL)
		print_text(p->text, ev);
	if (p->note_listen && kc_str_eq(kc_json_str(ev, "event"), "listening"))
		fprintf(p->err, "kcops: watch: serving on %s\n", kc_json_str_or(ev, "url", "?"));
}

/* Contexts named with -c/--contexts: add each name of a comma list. */
static void
add_names(json_t *names, const char *list)
{
	char *copy = kc_xstrdup(list), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		kc_str_trim(tok);
		if (*tok != '\0')
			json_array_append_new(names, json_string(tok));
	}
	free(copy);
}

/* --webhook-header @FILE: one "Name: value" a line (blank lines and # comments skipped).
 * The lines are kept in `keep` (a JSON array) so the pointers stay valid. */
static int
read_headers(struct kc_cmd_env *env, const char *path, json_t *keep, const char ***headers,
    size_t *n)
{
	char *text, *line, *save = NULL;
	size_t len;
	int lineno = 0, rc = 0;

	if ((text = kc_read_file(path, &len)) == NULL) {
		kc_cmd_error(env, "--webhook-header @%s: %s", path, strerror(errno));
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_t *s;

		lineno++;
		kc_str_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (strchr(line, ':') == NULL || (s = json_string(line)) == NULL) {
			kc_cmd_error(env, "--webhook-header @%s: line %d is not 'Name: value'", path,
			    lineno);
			rc = -1;
			break;
		}
		json_array_append_new(keep, s);
		*headers = kc_xrealloc(*headers, (*n + 1) * sizeof(**headers));
		(*headers)[(*n)++] = json_string_value(s);
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* Collect an HTTP body. */
static size_t
collect_cb(char *p, size_t sz, size_t nm, void *arg)
{
	kc_buf_append(arg, p, sz * nm);
	return sz * nm;
}

/* One event, as JSON or as text. */
static void
follow_print(struct kc_cmd_env *env, const json_t *ev, int text)
{
	if (text)
		print_text(env->io->out, ev);
	else {
		char *line = kc_watch_event_line(ev);

		fputs(line, env->io->out);
		fflush(env->io->out);
		free(line);
	}
}

/* --follow FILE|URL: show the events of a running watch, from its --log file or from its
 * service (GET /events long polls, --token-file for the Authorization header), until
 * SIGINT/SIGTERM. The last 20 events first, like tail -f. */
static int
follow_events(struct kc_cmd_env *env, const char *src, const char *token_file, int text)
{
	struct sigaction sa, old_int, old_term;
	int url = kc_str_has_prefix(src, "http://") || kc_str_has_prefix(src, "https://");
	struct kc_watch_tokens *tok = NULL;
	struct curl_slist *hdr = NULL;
	char *token_line = NULL;
	int64_t off = 0, since = -1;
	struct kc_err err;
	int rc = KC_EXIT_OK, first = 1;
	CURL *e = NULL;

	if (url) {
		if (token_file == NULL)
			return kc_cmd_error(env, "--follow %s needs --token-file FILE", src);
		/* the first token of the file (the same file as the service's) */
		if ((tok = kc_watch_tokens_load(token_file, &err)) == NULL)
			return kc_cmd_error(env, "--token-file: %s", err.msg);
		token_line = kc_xasprintf("Authorization: Bearer %s", kc_watch_tokens_get(tok, 0));
		kc_watch_tokens_free(tok);
		hdr = curl_slist_append(NULL, token_line);
		explicit_bzero(token_line, strlen(token_line));
		e = curl_easy_init();
	}
	atomic_store(&follow_stop, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!atomic_load(&follow_stop)) {
		json_t *evs, *ev;
		size_t i, n, from = 0;

		kc_err_clear(&err);
		if (!url) {
			evs = kc_watch_log_read(src, &off, 0, &err);
			if (evs == NULL) {
				rc = kc_cmd_error(env, "--follow: %s", err.msg);
				break;
			}
		} else {
			struct kc_buf body;
			char *u;
			long status = 0;
			CURLcode cr;

			kc_buf_init(&body);
			u = kc_xasprintf("%s%sevents?since=%lld%s", src,
			    kc_str_has_suffix(src, "/") ? "" : "/", (long long)(since < 0 ? 0 : since),
			    first ? "" : "&wait=2s");
			curl_easy_reset(e);
			curl_easy_setopt(e, CURLOPT_URL, u);
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
			curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 20000L);
			curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_cb);
			curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
			cr = curl_easy_perform(e);
			free(u);
			if (cr == CURLE_OK)
				curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			if (cr != CURLE_OK || status != 200) {
				char *m = kc_text_sanitize(cr != CURLE_OK ? curl_easy_strerror(cr) :
				    kc_buf_str(&body), 0);

				rc = kc_cmd_error(env, "--follow %s: %s%s", src, cr == CURLE_OK ?
				    "HTTP error: " : "", m);
				free(m);
				kc_buf_free(&body);
				break;
			}
			ev = kc_json_parse(kc_buf_str(&body), body.len, 0, &err);
			kc_buf_free(&body);
			if (ev == NULL) {
				rc = kc_cmd_error(env, "--follow %s: %s", src, err.msg);
				break;
			}
			since = kc_json_int_or(ev, "next", since);
			evs = json_incref(json_object_get(ev, "events"));
			json_decref(ev);
			if (evs == NULL)
				evs = json_array();
		}
		n = json_array_size(evs);
		if (first && n > 20)
			from = n - 20;	/* like tail -f: the last ones, then what comes */
		for (i = from; i < n; i++)
			follow_print(env, json_array_get(evs, i), text);
		json_decref(evs);
		first = 0;
		if (!url) {
			struct timespec ts = { 0, 200 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (e != NULL)
		curl_easy_cleanup(e);
	curl_slist_free_all(hdr);
	free(token_line);
	return rc;
}

/* kcops watch (its table entry is in cmd_heavy.c). */
int
kc_cmd_watch(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	static const struct kc_cmd_opt defs[] = {
		{ O_STATE, 's', "state", 1 }, { O_INTERVAL, 'i', "interval", 1 },
		{ O_CTX, 'c', "contexts", 1 }, { O_ALL_CTX, 0, "all-contexts", 0 },
		{ O_BACKOFF, 0, "backoff", 1 }, { O_BACKOFF_MAX, 0, "backoff-max", 1 },
		{ O_MAX, 0, "max-restarts", 1 }, { O_HEALTHY, 0, "healthy", 1 },
		{ O_NO_RESTART, 0, "no-restart", 0 }, { O_MANAGED, 0, "managed-only", 0 },
		{ O_APPLY, 0, "apply", 0 }, { O_PRUNE, 0, "prune", 0 },
		{ O_WEBHOOK, 0, "webhook", 1 }, { O_WH_HEADER, 0, "webhook-header", 1 },
		{ O_WH_TIMEOUT, 0, "webhook-timeout", 1 }, { O_WH_RETRIES, 0, "webhook-retries", 1 },
		{ O_EXEC, 0, "exec", 1 }, { O_NOTIFY, 0, "notify", 1 },
		{ O_DEDUP, 0, "dedup", 1 }, { O_RATE, 0, "rate", 1 }, { O_BURST, 0, "burst", 1 },
		{ O_LOG, 0, "log", 1 }, { O_FORMAT, 0, "format", 1 },
		{ O_LISTEN, 0, "listen", 1 }, { O_TOKEN_FILE, 0, "token-file", 1 },
		{ O_ONCE, 0, "once", 0 }, { O_FOLLOW, 'f', "follow", 1 },
		{ O_STATE_TOKEN, 0, "state-token", 1 }, { O_STATE_HEADER, 0, "state-header", 1 },
		{ 0, 0, NULL, 0 },
	};
	struct kc_watch_opts o = { 0 };
	struct printer pr = { NULL, NULL, 0 };
	struct kc_watch *w = NULL;
	struct kc_err err;
	struct kc_ctx **ctxs = NULL;
	size_t nctxs = 0, owned_from = 0, i;
	json_t *names = json_array(), *hfiles = json_array();
	const char **headers = NULL, **webhooks = NULL;
	size_t nheaders = 0, nwebhooks = 0;
	const char *val, *log_path = NULL, *format = "json", *follow = NULL;
	struct sigaction sa, old_int, old_term, old_hup, old_pipe;
	int id, i_arg = 0, all_ctx = 0, log_file = 0, format_set = 0, rc = KC_EXIT_USAGE;
	int64_t ms;

	o.policy.max_attempts = 5;
	while ((id = kc_cmd_getopt(env, cmd, argc, argv, &i_arg, defs, &val)) != KC_OPT_END) {
		switch (id) {
		case KC_OPT_ERROR:
			goto out;
		case KC_OPT_ARG:
			kc_cmd_usage(env, cmd, "unexpected argument '%s'", val);
			goto out;
		case O_STATE: o.state_src = val; break;
		case O_STATE_TOKEN: o.state_opts.token = val; break;
		case O_STATE_HEADER: o.state_opts.header = val; break;
		case O_INTERVAL:
			if ((o.interval_ms = duration_opt(env, cmd, "--interval", val, 0)) < 0)
				goto out;
			break;
		case O_CTX: add_names(names, val); break;
		case O_ALL_CTX: all_ctx = 1; break;
		case O_BACKOFF:
			if ((o.policy.base_ms = duration_opt(env, cmd, "--backoff", val, 0)) < 0)
				goto out;
			break;
		case O_BACKOFF_MAX:
			if ((o.policy.cap_ms = duration_opt(env, cmd, "--backoff-max", val, 0)) < 0)
				goto out;
			break;
		case O_HEALTHY:
			if ((o.policy.healthy_ms = duration_opt(env, cmd, "--healthy", val, 0)) < 0)
				goto out;
			break;
		case O_MAX: {
			char *end;
			long v;

			if (strcmp(val, "unlimited") == 0) {
				o.policy.max_attempts = -1;
				break;
			}
			errno = 0;
			v = strtol(val, &end, 10);
			if (*val == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 1000000) {
				kc_cmd_usage(env, cmd, "--max-restarts: expected a number >= 0 or "
				    "'unlimited', not '%s'", val);
				goto out;
			}
			o.policy.max_attempts = (int)v;
			break;
		}
		case O_NO_RESTART: o.no_restart = 1; break;
		case O_MANAGED: o.managed_only = 1; break;
		case O_APPLY: o.apply = 1; break;
		case O_PRUNE: o.prune = 1; break;
		case O_WEBHOOK:
			if (!kc_str_has_prefix(val, "http://") && !kc_str_has_prefix(val, "https://")) {
				kc_cmd_usage(env, cmd, "--webhook: expected an http:// or https:// URL, "
				    "not '%s'", val);
				goto out;
			}
			webhooks = kc_xrealloc(webhooks, (nwebhooks + 1) * sizeof(*webhooks));
			webhooks[nwebhooks++] = val;
			break;
		case O_WH_HEADER:
			if (val[0] == '@') {
				/* headers from a file (secrets stay out of the process list) */
				if (read_headers(env, val + 1, hfiles, &headers, &nheaders) != 0) {
					rc = KC_EXIT_ERR;
					goto out;
				}
				break;
			}
			if (strchr(val, ':') == NULL) {
				kc_cmd_usage(env, cmd, "--webhook-header: expected 'Name: value' or "
				    "@FILE, not '%s'", val);
				goto out;
			}
			headers = kc_xrealloc(headers, (nheaders + 1) * sizeof(*headers));
			headers[nheaders++] = val;
			break;
		case O_WH_TIMEOUT:
			if ((ms = duration_opt(env, cmd, "--webhook-timeout", val, 0)) < 0)
				goto out;
			o.webhook_timeout_ms = (long)ms;
			break;
		case O_WH_RETRIES: {
			char *end;
			long v = strtol(val, &end, 10);

			if (*val == '\0' || *end != '\0' || v < 0 || v > 100) {
				kc_cmd_usage(env, cmd, "--webhook-retries: expected 0..100, not '%s'",
				    val);
				goto out;
			}
			o.webhook_retries = v == 0 ? -1 : (int)v;
			break;
		}
		case O_EXEC: o.exec_cmd = val; break;
		case O_NOTIFY:
			kc_err_clear(&err);
			if ((o.notify_kinds = kc_watch_kinds_parse(val, &err)) < 0) {
				kc_cmd_usage(env, cmd, "--notify: %s", err.msg);
				goto out;
			}
			if (o.notify_kinds == 0)
				o.notify_kinds = (int64_t)1 << KC_WEV__COUNT;	/* "none" */
			break;
		case O_DEDUP:
			if (strcmp(val, "off") == 0)
				o.dedup_ms = -1;
			else if ((o.dedup_ms = duration_opt(env, cmd, "--dedup", val, 1)) < 0)
				goto out;
			else if (o.dedup_ms == 0)
				o.dedup_ms = -1;
			break;
		case O_RATE: {
			char *end;
			double v;

			if (strcmp(val, "off") == 0) {
				o.rate_per_min = -1;
				break;
			}
			v = strtod(val, &end);
			if (end == val || (*end != '\0' && strcmp(end, "/min") != 0) || v <= 0) {
				kc_cmd_usage(env, cmd, "--rate: expected events per minute such as 30 "
				    "or 30/min, or 'off', not '%s'", val);
				goto out;
			}
			o.rate_per_min = v;
			break;
		}
		case O_BURST: {
			char *end;
			long v = strtol(val, &end, 10);

			if (*val == '\0' || *end != '\0' || v < 1 || v > 100000) {
				kc_cmd_usage(env, cmd, "--burst: expected a number >= 1, not '%s'", val);
				goto out;
			}
			o.rate_burst = (int)v;
			break;
		}
		case O_LOG: log_path = val; break;
		case O_FORMAT:
			if (strcmp(val, "json") != 0 && strcmp(val, "text") != 0) {
				kc_cmd_usage(env, cmd, "--format: json or text, not '%s'", val);
				goto out;
			}
			format = val;
			format_set = 1;
			break;
		case O_LISTEN: o.listen = val; break;
		case O_TOKEN_FILE: o.token_file = val; break;
		case O_ONCE: o.once = 1; break;
		case O_FOLLOW: follow = val; break;
		}
	}
	if (env->io->interactive) {
		rc = kc_cmd_error(env, "watch runs in the foreground until stopped; run it in a "
		    "shell (or as a service), not from the console prompt");
		goto out;
	}
	if (follow != NULL) {
		rc = follow_events(env, follow, o.token_file, strcmp(format, "json") == 0 &&
		    format_set ? 0 : 1);
		goto out;
	}
	if (o.listen != NULL && o.token_file == NULL) {
		kc_cmd_usage(env, cmd, "--listen needs --token-file FILE (one token a line)");
		goto out;
	}
	if (o.apply && o.state_src == NULL) {
		kc_cmd_usage(env, cmd, "--apply needs --state FILE");
		goto out;
	}
	if (o.prune && !o.apply && o.listen == NULL) {
		kc_cmd_usage(env, cmd, "--prune only matters with --apply or --listen");
		goto out;
	}
	if (o.policy.cap_ms > 0 && o.policy.base_ms > 0 && o.policy.cap_ms < o.policy.base_ms) {
		kc_cmd_usage(env, cmd, "--backoff-max must not be below --backoff");
		goto out;
	}
	o.request_timeout_ms = env->timeout_ms;
	o.verbose = env->io->verbose;
	o.webhook_urls = webhooks;
	o.nwebhook_urls = nwebhooks;
	o.webhook_headers = headers;
	o.nwebhook_headers = nheaders;

	/* contexts: -c names, --all-contexts, or the one the global options resolve */
	rc = KC_EXIT_ERR;
	if (all_ctx) {
		struct kc_ctx_file *f = kc_cmd_file(env);
		const char *name;
		json_t *v;

		if (f == NULL)
			goto out;
		json_object_foreach((json_t *)kc_ctx_file_contexts(f), name, v)
			json_array_append_new(names, json_string(name));
		if (json_array_size(names) == 0) {
			kc_cmd_error(env, "--all-contexts: %s has no contexts", kc_ctx_file_path(f));
			goto out;
		}
	}
	if (json_array_size(names) == 0) {
		struct kc_ctx *c = kc_cmd_ctx(env);

		if (c == NULL)
			goto out;
		ctxs = kc_xcalloc(1, sizeof(*ctxs));
		ctxs[nctxs++] = c;
		owned_from = 1;
	} else {
		struct kc_ctx_file *f = kc_cmd_file(env);
		json_t *n;
		size_t k;

		if (f == NULL)
			goto out;
		ctxs = kc_xcalloc(json_array_size(names), sizeof(*ctxs));
		json_array_foreach(names, k, n) {
			struct kc_ctx_overrides ov = env->ov;

			ov.url = NULL;
			ov.context = json_string_value(n);
			kc_err_clear(&err);
			ctxs[nctxs] = kc_ctx_resolve(f, &ov, &err);
			if (ctxs[nctxs] == NULL) {
				kc_cmd_error(env, "%s", err.msg);
				goto out;
			}
			nctxs++;
		}
	}
	for (i = 0; i < nctxs; i++) {
		if (ctxs[i]->read_only && (o.apply || !o.no_restart))
			fprintf(env->io->err, "%s: note: context %s is read-only: watching and "
			    "notifying only (no restarts, no apply)\n", env->prog,
			    ctxs[i]->name != NULL ? ctxs[i]->name : "(--read-only)");
	}
	o.ctxs = ctxs;
	o.nctxs = nctxs;

	/* where events go */
	log_file = log_path != NULL && strcmp(log_path, "-") != 0;
	if (log_file)
		o.log_path = log_path;	/* opened by the watch, reopened on SIGHUP */
	else if (strcmp(format, "json") == 0)
		o.log = env->io->out;
	if (strcmp(format, "text") == 0)
		pr.text = env->io->out;	/* stdout; a --log file still gets NDJSON */
	pr.err = env->io->err;
	pr.note_listen = log_file && !env->io->quiet;
	o.on_event = on_event;
	o.on_event_arg = &pr;

	kc_err_clear(&err);
	w = kc_watch_new(&o, &err);
	if (w == NULL) {
		char *m = kc_text_sanitize(err.msg, KC_TEXT_KEEP_NL);

		rc = err.code == KC_E_USAGE ? kc_cmd_usage(env, cmd, "%s", m) :
		    kc_cmd_error(env, "%s", m);
		free(m);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	atomic_store(&running_watch, w);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	kc_err_clear(&err);
	rc = kc_watch_run(w, &err) == 0 ? KC_EXIT_OK : KC_EXIT_ERR;
	if (rc != KC_EXIT_OK) {
		char *m = kc_text_sanitize(err.msg, 0);

		kc_cmd_error(env, "%s", m);
		free(m);
	} else if (o.once && kc_watch_unreachable(w) > 0) {
		/* a one-shot check that could not see a cluster must not look fine */
		rc = kc_cmd_error(env, "%zu of %zu context%s could not be reached (see the "
		    "outage event)", kc_watch_unreachable(w), nctxs, nctxs == 1 ? "" : "s");
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	atomic_store(&running_watch, NULL);
out:
	kc_watch_free(w);
	for (i = owned_from; i < nctxs; i++)
		kc_ctx_free(ctxs[i]);
	free(ctxs);
	free(headers);
	free(webhooks);
	json_decref(hfiles);
	json_decref(names);
	return rc;
}
