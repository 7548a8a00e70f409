/* kc_watch_notify.c - webhook and command delivery of watch events on a background thread.
 *
 * DESIGN
 * The queue is a ring of serialised events (strings plus the three names the command gets
 * in its environment) protected by one mutex; `cv` wakes the thread on new work and on stop,
 * `idle` wakes kc_notify_flush() when the queue is empty and nothing is in flight. The thread
 * sleeps between webhook retries on `cv` too, so a stop request is noticed at once. SIGPIPE
 * is blocked in the thread (a command that exits without reading stdin must not kill kcops);
 * a pending one is consumed after each write. */
#include "kc_watch_notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kc_watch_parts.h"

extern char **environ;

#define LOGGER "kcops.watch.notify"

struct item {
	char	*body;		/* JSON text */
	json_t	*ev;		/* for the result callback */
};

struct kc_notify {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_cond_t	 idle;
	pthread_t	 thr;
	int		 started;
	int		 stop;
	int		 busy;		/* an item is being delivered */

	struct item	*q;
	size_t		 cap, head, len;

	char		**urls;
	size_t		 nurls;
	struct curl_slist *headers;
	char		**argv;		/* command or NULL */
	long		 timeout_ms;
	int		 retries;
	long		 backoff_ms;
	long		 exec_timeout_ms;
	kc_notify_result_fn on_result;
	void		*on_result_arg;

	struct kc_notify_stats st;
};

/* Sleep up to ms on the condition; returns 1 when stopping. Called with mu held. */
static int
wait_or_stop(struct kc_notify *n, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!n->stop) {
		if (pthread_cond_timedwait(&n->cv, &n->mu, &ts) == ETIMEDOUT)
			break;
	}
	return n->stop;
}

/* Collect (and ignore) a response body. */
static size_t
discard_cb(char *p, size_t sz, size_t nm, void *arg)
{
	(void)p;
	(void)arg;
	return sz * nm;
}

/* Note Retry-After: SECONDS. */
static size_t
header_cb(char *p, size_t sz, size_t nm, void *arg)
{
	long *retry_after = arg;
	size_t len = sz * nm;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char tmp[32];
		size_t n = len - 12 < sizeof(tmp) - 1 ? len - 12 : sizeof(tmp) - 1;

		memcpy(tmp, p + 12, n);
		tmp[n] = '\0';
		*retry_after = strtol(tmp, NULL, 10);
	}
	return len;
}

/* POST the body to url, retried. Returns 1 when delivered. */
static int
deliver_webhook(struct kc_notify *n, const char *url, const char *body, char *detail,
    size_t dlen)
{
	CURL *e = curl_easy_init();
	long delay = n->backoff_ms, status = 0, retry_after;
	int attempt, ok = 0;
	CURLcode rc = CURLE_OK;

	if (e == NULL) {
		snprintf(detail, dlen, "curl_easy_init failed");
		return 0;
	}
	for (attempt = 0; attempt <= n->retries; attempt++) {
		retry_after = -1;
		curl_easy_reset(e);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, n->headers);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->timeout_ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->timeout_ms);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "kcops-watch/" KCOPS_VERSION);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, &retry_after);
		rc = curl_easy_perform(e);
		status = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			ok = 1;
			snprintf(detail, dlen, "HTTP %ld after %d attempt%s", status, attempt + 1,
			    attempt ? "s" : "");
			break;
		}
		if (rc == CURLE_OK)
			snprintf(detail, dlen, "HTTP %ld after %d attempt%s", status, attempt + 1,
			    attempt ? "s" : "");
		else
			snprintf(detail, dlen, "%s after %d attempt%s", curl_easy_strerror(rc),
			    attempt + 1, attempt ? "s" : "");
		/* a client error other than 408/429 will not get better */
		if (rc == CURLE_OK && status >= 400 && status < 500 && status != 408 &&
		    status != 429)
			break;
		/* a malformed URL neither */
		if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
			break;
		if (attempt == n->retries)
			break;
		{
			long ms = delay;
			int stopping;

			if (retry_after >= 0 && retry_after <= 60)
				ms = retry_after * 1000;
			pthread_mutex_lock(&n->mu);
			stopping = wait_or_stop(n, ms);
			pthread_mutex_unlock(&n->mu);
			if (stopping) {
				snprintf(detail + strlen(detail), dlen - strlen(detail),
				    " (stopping)");
				break;
			}
		}
		delay = delay * 2 > 30000 ? 30000 : delay * 2;
	}
	curl_easy_cleanup(e);
	return ok;
}

/* Consume a SIGPIPE raised by our own write (SIGPIPE is blocked in this thread). */
static void
eat_sigpipe(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

#define NENV 5

/* An environment with the event's names added (KCOPS_EVENT, KCOPS_CONTEXT, KCOPS_CONNECTOR,
 * KCOPS_OWNER_NAME, KCOPS_OWNER_EMAIL; empty when absent). Caller frees the array and the
 * added strings. */
static char **
child_env(const json_t *ev, char **added)
{
	static const char *const names[NENV] = { "KCOPS_EVENT", "KCOPS_CONTEXT",
	    "KCOPS_CONNECTOR", "KCOPS_OWNER_NAME", "KCOPS_OWNER_EMAIL" };
	const json_t *owner = json_object_get(ev, "owner");
	const char *vals[NENV];
	size_t n = 0, i, j, k = 0;
	char **env;

	vals[0] = kc_json_str_or(ev, "event", "");
	vals[1] = kc_json_str_or(ev, "context", "");
	vals[2] = kc_json_str_or(ev, "connector", "");
	vals[3] = kc_json_str_or(owner, "name", "");
	vals[4] = kc_json_str_or(owner, "email", "");
	while (environ[n] != NULL)
		n++;
	env = kc_xcalloc(n + NENV + 1, sizeof(*env));
	for (i = 0; i < n; i++) {
		for (j = 0; j < NENV; j++) {
			size_t l = strlen(names[j]);

			if (strncmp(environ[i], names[j], l) == 0 && environ[i][l] == '=')
				break;
		}
		if (j == NENV)
			env[k++] = environ[i];
	}
	for (i = 0; i < NENV; i++) {
		added[i] = kc_xasprintf("%s=%s", names[i], vals[i]);
		env[k++] = added[i];
	}
	env[k] = NULL;
	return env;
}

/* Run the command with body on stdin. Returns 1 when it exited 0. */
static int
deliver_exec(struct kc_notify *n, const char *body, const json_t *ev, char *detail,
    size_t dlen)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status = 0, ok = 0, killed = 0;
	char *added[NENV] = { NULL };
	char **env;
	pid_t pid;
	size_t len = strlen(body), off = 0;
	int64_t deadline, kill_at = 0;
	int err;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(detail, dlen, "pipe: %s", strerror(errno));
		return 0;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	env = child_env(ev, added);
	err = posix_spawnp(&pid, n->argv[0], &fa, NULL, n->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	for (size_t i = 0; i < NENV; i++)
		free(added[i]);
	close(fds[0]);
	if (err != 0) {
		close(fds[1]);
		snprintf(detail, dlen, "%s: %s", n->argv[0], strerror(err));
		return 0;
	}
	/* write the event (non-blocking, so a child that never reads can't hang us) */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	deadline = kc_mono_ms() + n->exec_timeout_ms;
	while (off < len && kc_mono_ms() < deadline) {
		struct pollfd p = { fds[1], POLLOUT, 0 };
		ssize_t w;

		if (poll(&p, 1, 100) <= 0)
			continue;
		w = write(fds[1], body + off, len - off);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;	/* EPIPE: the command did not read its input; that is its business */
		}
		off += (size_t)w;
	}
	close(fds[1]);
	eat_sigpipe();
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		int64_t now;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(detail, dlen, "waitpid: %s", strerror(errno));
			return 0;
		}
		now = kc_mono_ms();
		if (!killed && now >= deadline) {
			kill(pid, SIGTERM);
			killed = 1;
			kill_at = now + 2000;
		} else if (killed == 1 && now >= kill_at) {
			kill(pid, SIGKILL);
			killed = 2;
		}
		usleep(10000);
	}
	if (killed)
		snprintf(detail, dlen, "%s: killed after %ld ms", n->argv[0], n->exec_timeout_ms);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ok = 1;
		snprintf(detail, dlen, "%s: exit 0", n->argv[0]);
	} else if (WIFEXITED(status))
		snprintf(detail, dlen, "%s: exit %d", n->argv[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(detail, dlen, "%s: killed by signal %d", n->argv[0], WTERMSIG(status));
	return ok;
}

/* Report one delivery. */
static void
result(struct kc_notify *n, const char *target, const json_t *ev, int ok, const char *detail)
{
	pthread_mutex_lock(&n->mu);
	if (ok)
		n->st.delivered++;
	else
		n->st.failed++;
	pthread_mutex_unlock(&n->mu);
	if (!ok)
		kc_log(LOGGER, KC_LOG_WARN, "%s delivery of a %s event failed: %s", target,
		    kc_json_str_or(ev, "event", "?"), detail);
	if (n->on_result != NULL)
		n->on_result(n->on_result_arg, target, ev, ok, detail);
}

/* The delivery thread. */
static void *
notify_main(void *arg)
{
	struct kc_notify *n = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&n->mu);
	for (;;) {
		struct item it;
		char detail[512];
		int ok;

		while (n->len == 0 && !n->stop)
			pthread_cond_wait(&n->cv, &n->mu);
		if (n->len == 0 && n->stop)
			break;
		it = n->q[n->head];
		n->head = (n->head + 1) % n->cap;
		n->len--;
		n->busy = 1;
		pthread_mutex_unlock(&n->mu);

		for (size_t i = 0; i < n->nurls; i++) {
			detail[0] = '\0';
			ok = deliver_webhook(n, n->urls[i], it.body, detail, sizeof(detail));
			if (n->nurls > 1) {
				/* say which one */
				char *d = kc_xasprintf("%s: %s", n->urls[i], detail);

				snprintf(detail, sizeof(detail), "%s", d);
				free(d);
			}
			result(n, "webhook", it.ev, ok, detail);
		}
		if (n->argv != NULL) {
			detail[0] = '\0';
			ok = deliver_exec(n, it.body, it.ev, detail, sizeof(detail));
			result(n, "exec", it.ev, ok, detail);
		}
		free(it.body);
		json_decref(it.ev);

		pthread_mutex_lock(&n->mu);
		n->busy = 0;
		if (n->len == 0)
			pthread_cond_broadcast(&n->idle);
	}
	n->busy = 0;
	pthread_cond_broadcast(&n->idle);
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* Start a notifier. */
struct kc_notify *
kc_notify_new(const struct kc_notify_opts *o, struct kc_err *err)
{
	struct kc_notify *n;
	size_t i;

	if (o->nwebhook_urls == 0 && o->exec_cmd == NULL) {
		kc_err_set(err, KC_E_USAGE, "no notification target (webhook or command)");
		return NULL;
	}
	n = kc_xcalloc(1, sizeof(*n));
	if (o->exec_cmd != NULL) {
		n->argv = kc_watch_split_command(o->exec_cmd, err);
		if (n->argv == NULL) {
			kc_err_prefix(err, "--exec");
			free(n);
			return NULL;
		}
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	pthread_cond_init(&n->idle, NULL);
	n->urls = kc_xcalloc(o->nwebhook_urls + 1, sizeof(*n->urls));
	for (i = 0; i < o->nwebhook_urls; i++)
		n->urls[i] = kc_xstrdup(o->webhook_urls[i]);
	n->nurls = o->nwebhook_urls;
	n->headers = curl_slist_append(NULL, "Content-Type: application/json");
	n->headers = curl_slist_append(n->headers, "Expect:");
	for (i = 0; i < o->nheaders; i++)
		n->headers = curl_slist_append(n->headers, o->headers[i]);
	n->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	n->retries = o->retries == 0 ? 3 : o->retries < 0 ? 0 : o->retries;
	n->backoff_ms = o->retry_backoff_ms > 0 ? o->retry_backoff_ms : 500;
	n->exec_timeout_ms = o->exec_timeout_ms > 0 ? o->exec_timeout_ms : 30000;
	n->cap = o->queue_max > 0 ? o->queue_max : 256;
	n->q = kc_xcalloc(n->cap, sizeof(*n->q));
	n->on_result = o->on_result;
	n->on_result_arg = o->on_result_arg;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pthread_create(&n->thr, NULL, notify_main, n) != 0) {
		kc_err_set(err, KC_E_FAIL, "cannot start the notifier thread");
		n->started = 0;
		kc_notify_free(n, 0);
		return NULL;
	}
	n->started = 1;
	return n;
}

/* Queue an event. */
void
kc_notify_post(struct kc_notify *n, const json_t *ev)
{
	struct item it;
	char *s;

	if (n == NULL || ev == NULL)
		return;
	s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL)
		return;
	it.body = kc_xasprintf("%s\n", s);
	free(s);
	it.ev = json_deep_copy(ev);
	pthread_mutex_lock(&n->mu);
	if (n->len == n->cap) {
		struct item old = n->q[n->head];

		n->head = (n->head + 1) % n->cap;
		n->len--;
		n->st.dropped++;
		free(old.body);
		json_decref(old.ev);
	}
	n->q[(n->head + n->len) % n->cap] = it;
	n->len++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

/* Wait for the queue to drain. */
int
kc_notify_flush(struct kc_notify *n, long timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	if (n == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->mu);
	while ((n->len > 0 || n->busy) && n->started) {
		if (pthread_cond_timedwait(&n->idle, &n->mu, &ts) == ETIMEDOUT) {
			rc = -1;
			break;
		}
	}
	pthread_mutex_unlock(&n->mu);
	return rc;
}

/* Counters. */
void
kc_notify_get_stats(struct kc_notify *n, struct kc_notify_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (n == NULL)
		return;
	pthread_mutex_lock(&n->mu);
	*s = n->st;
	s->queued = (long)n->len + n->busy;
	pthread_mutex_unlock(&n->mu);
}

/* Drain, stop and free. */
void
kc_notify_free(struct kc_notify *n, long grace_ms)
{
	size_t i;

	if (n == NULL)
		return;
	if (n->started) {
		if (grace_ms > 0)
			kc_notify_flush(n, grace_ms);
		pthread_mutex_lock(&n->mu);
		/* what is still queued is abandoned */
		while (n->len > 0) {
			struct item it = n->q[n->head];

			n->head = (n->head + 1) % n->cap;
			n->len--;
			n->st.dropped++;
			free(it.body);
			json_decref(it.ev);
		}
		n->stop = 1;
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thr, NULL);
	}
	for (i = 0; i < n->len; i++) {
		free(n->q[(n->head + i) % n->cap].body);
		json_decref(n->q[(n->head + i) % n->cap].ev);
	}
	free(n->q);
	curl_slist_free_all(n->headers);
	for (i = 0; i < n->nurls; i++)
		free(n->urls[i]);
	free(n->urls);
	kc_watch_argv_free(n->argv);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->idle);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
