/* kw_main.c - kcops-worker: the bundled Kafka Connect worker runtime.
 *
 *	kcops-worker [worker.properties] [--set key=value]... [--embedded-kafka] [--demo]
 *
 * Prints two stable lines on stdout that tests and scripts parse:
 *	kcops-worker embedded kafka bootstrap.servers=HOST:PORT,...	(embedded Kafka only)
 *	kcops-worker listening on http://HOST:PORT	(one line per listener, as listed)
 * then runs until SIGTERM/SIGINT, when it stops every task, flushes offsets and state, and
 * exits 0. SIGHUP re-reads rest.auth.file and the TLS certificate.
 *
 *	kcops-worker --hash-password NAME | --hash-token NAME
 * reads a password or token on stdin and prints the rest.auth.file line for it. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_kafka_mock.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"

#define LOGGER "kcops.worker"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: kcops-worker [worker.properties] [--set key=value]... [--embedded-kafka] [--demo]\n"
	    "\n"
	    "  worker.properties   Kafka Connect worker configuration (Connect key names)\n"
	    "  --set key=value     override one configuration key (repeatable)\n"
	    "  --embedded-kafka    run librdkafka's in-memory mock cluster in-process\n"
	    "                      (the default when bootstrap.servers is not configured)\n"
	    "  --demo              also create a demo HTTP cron source connector\n"
	    "  --version           print the version\n"
	    "  --hash-password NAME  read a password on stdin, print its rest.auth.file line\n"
	    "  --hash-token NAME     read a bearer token on stdin, print its rest.auth.file line\n"
	    "\n"
	    "Common keys: listeners (default http://127.0.0.1:8083; port 0 picks a free port),\n"
	    "bootstrap.servers, state.dir, key.converter, value.converter, producer.*, consumer.*;\n"
	    "REST security: listeners=https://..., listeners.https.ssl.*, rest.auth.file.\n"
	    "See kcops-worker(1).\n");
}

/* Read one line (a secret) from stdin without echo when it is a terminal. NULL on EOF. */
static char *
read_secret(const char *prompt)
{
	struct termios t, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fprintf(stderr, "\n");
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* --hash-password NAME / --hash-token NAME: print the rest.auth.file line. */
static int
hash_tool(const char *what, const char *name)
{
	bool user = strcmp(what, "--hash-password") == 0;
	char *secret, *h, err[256], tok[72];

	if (name == NULL || *name == '\0' || strpbrk(name, " \t\r\n") != NULL ||
	    (user && strchr(name, ':') != NULL)) {
		fprintf(stderr, "kcops-worker: %s needs a NAME without blanks%s\n", what,
		    user ? " or ':'" : "");
		return 2;
	}
	secret = read_secret(user ? "password: " : "token: ");
	if (secret == NULL || *secret == '\0') {
		fprintf(stderr, "kcops-worker: %s: no %s on stdin\n", what,
		    user ? "password" : "token");
		free(secret);
		return 1;
	}
	if (user) {
		h = kw_auth_hash_password(secret, err, sizeof(err));
		if (h == NULL) {
			fprintf(stderr, "kcops-worker: %s\n", err);
			explicit_bzero(secret, strlen(secret));
			free(secret);
			return 1;
		}
		printf("user %s %s\n", name, h);
		free(h);
	} else {
		kw_auth_hash_token(secret, tok);
		printf("token %s %s\n", name, tok);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	return 0;
}

static char *
default_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (x != NULL && *x == '/')
		return kc_xasprintf("%s/kcops-worker", x);
	if (home != NULL && *home != '\0')
		return kc_xasprintf("%s/.local/state/kcops-worker", home);
	return kc_xstrdup("./kcops-worker-state");
}

/* Kafka cluster id, or NULL. */
static char *
fetch_cluster_id(struct kw_worker *w)
{
	char err[512], e[256];
	rd_kafka_conf_t *conf = kw_worker_kafka_conf(w, "admin", err, sizeof(err));
	rd_kafka_t *rk;
	char *id, *out = NULL;

	if (conf == NULL)
		return NULL;
	rd_kafka_conf_set(conf, "log_level", "3", e, sizeof(e));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	id = rd_kafka_clusterid(rk, 5000);
	if (id != NULL) {
		out = kc_xstrdup(id);
		rd_kafka_mem_free(rk, id);
	}
	rd_kafka_destroy(rk);
	return out;
}

/* The demo connector (created only when missing). */
static void
create_demo(struct kw_worker *w, const char *url)
{
	json_t *config;
	int nerr;

	config = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "name", "demo-cron", "connector.class", "kcops.http.HttpCronSourceConnector",
	    "tasks.max", "1", "topic", "demo.http.requests", "jobs", "health,orders",
	    "job.health.url", url, "job.health.method", "GET", "job.health.cron", "0/5 * * * * ?",
	    "job.orders.url", "http://127.0.0.1:8080/orders", "job.orders.method", "POST",
	    "job.orders.rate", "5");
	json_object_set_new(config, "job.orders.body", json_string("{\"item\":\"book\",\"qty\":1}"));
	json_object_set_new(config, "job.orders.headers",
	    json_string("Content-Type: application/json"));
	nerr = kw_config_check(NULL, kw_plugin_find("kcops.http.HttpCronSourceConnector"),
	    config, NULL);
	pthread_mutex_lock(&w->lock);
	if (nerr == 0 && kw_conn_find_locked(w, "demo-cron") == NULL) {
		kw_conn_add_locked(w, "demo-cron", json_incref(config), KW_CT_STARTED);
		kw_herder_save_locked(w);
		kc_log(LOGGER, KC_LOG_INFO, "demo connector demo-cron created");
	}
	pthread_mutex_unlock(&w->lock);
	kw_herder_flush(w);
	json_decref(config);
}

/* Check every Kafka client role's settings; 0 or -1 (message printed). */
static int
check_client_settings(struct kw_worker *w)
{
	static const char *const roles[] = { "producer", "consumer", "admin" };
	char err[1024];
	size_t r;
	int ret = 0;

	w->bootstrap = kc_xstrdup(kc_json_str_or(w->conf, "bootstrap.servers", "127.0.0.1:9092"));
	for (r = 0; r < KC_NITEMS(roles) && ret == 0; r++) {
		rd_kafka_conf_t *conf = kw_worker_kafka_conf(w, roles[r], err, sizeof(err));

		if (conf == NULL) {
			fprintf(stderr, "kcops-worker: Kafka %s settings: %s\n", roles[r], err);
			ret = -1;
		} else
			rd_kafka_conf_destroy(conf);
	}
	free(w->bootstrap);
	w->bootstrap = NULL;
	return ret;
}

/* worker_id from rest.advertised.* or the bound URL. */
static void
set_worker_id(struct kw_worker *w, const char *url)
{
	const char *host = kc_json_str(w->conf, "rest.advertised.host.name");
	const char *port = kc_json_str(w->conf, "rest.advertised.port");
	const char *hp = strstr(url, "://") + 3;
	char *id;

	if (host != NULL || port != NULL) {
		const char *colon = strrchr(hp, ':');
		char *h = kc_xstrndup(hp, (size_t)(colon - hp));

		id = kc_xasprintf("%s:%s", host != NULL ? host : h, port != NULL ? port : colon + 1);
		free(h);
	} else
		id = kc_xstrdup(hp);
	pthread_mutex_lock(&w->lock);
	free(w->worker_id);
	w->worker_id = id;
	kw_bump(w);
	pthread_mutex_unlock(&w->lock);
}

/* ---- shutdown watchdog ---------------------------------------------------------------- */
/* After SIGTERM/SIGINT the worker stops its tasks, leaves the cluster and writes its state.
 * A step that never ends (a Kafka client call that never returns, a task stuck in a plugin)
 * must not keep the process alive: the watchdog ends it (status 1) when the shutdown takes
 * longer than worker.shutdown.timeout.ms, or at a second SIGTERM/SIGINT, naming the step.
 * The state files were written at every change, so what such an exit loses is the last
 * flush of source offsets and the final compaction. */
static _Atomic(const char *) shutdown_step = "stopping the tasks";

struct watchdog {
	pthread_t	 thread;
	long long	 ms;
	atomic_bool	 done;
};

static void *
watchdog_main(void *arg)
{
	struct watchdog *wd = arg;
	int64_t deadline = kc_mono_ms() + wd->ms;
	struct timespec ts;
	sigset_t ss;
	int sig;

	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGUSR1);	/* the main thread: shutdown done */
	for (;;) {
		int64_t left = deadline - kc_mono_ms();

		if (atomic_load(&wd->done))
			return NULL;
		if (left <= 0) {
			kc_log(LOGGER, KC_LOG_ERROR, "shutdown still not done after %lld ms (worker."
			    "shutdown.timeout.ms) while %s; exiting without finishing it", wd->ms,
			    atomic_load(&shutdown_step));
			_exit(1);
		}
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sig = sigtimedwait(&ss, NULL, &ts);
		if ((sig == SIGINT || sig == SIGTERM) && !atomic_load(&wd->done)) {
			kc_log(LOGGER, KC_LOG_ERROR, "signal %d again while %s: exiting without "
			    "finishing the shutdown", sig, atomic_load(&shutdown_step));
			_exit(1);
		}
	}
}

/* Start the watchdog (SIGUSR1 must be blocked in every thread, as SIGINT/SIGTERM are). */
static bool
watchdog_start(struct watchdog *wd, long long ms)
{
	wd->ms = ms;
	atomic_init(&wd->done, false);
	return pthread_create(&wd->thread, NULL, watchdog_main, wd) == 0;
}

static void
watchdog_stop(struct watchdog *wd)
{
	atomic_store(&wd->done, true);
	pthread_kill(wd->thread, SIGUSR1);
	pthread_join(wd->thread, NULL);
}

int
main(int argc, char **argv)
{
	struct kw_worker w;
	const char *props = NULL, *s;
	char **sets = NULL, err[1024], **urls = NULL, *lockpath;
	int nsets = 0, i, embedded_flag = 0, demo = 0, lockfd = -1, sig, rc = 1;
	bool herder_running = false, watchdog = false;
	struct watchdog wd;
	long long shutdown_ms;
	struct kw_rest_opts ro;
	sigset_t ss;

	memset(&w, 0, sizeof(w));
	w.journal_fd = -1;
	w.start_ms = kc_mono_ms();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--set") == 0 || strcmp(argv[i], "-s") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kcops-worker: --set needs key=value\n");
				free(sets);
				return 2;
			}
			sets = kc_xrealloc(sets, (size_t)(nsets + 1) * sizeof(*sets));
			sets[nsets++] = argv[++i];
		} else if (strncmp(argv[i], "--set=", 6) == 0) {
			sets = kc_xrealloc(sets, (size_t)(nsets + 1) * sizeof(*sets));
			sets[nsets++] = argv[i] + 6;
		} else if (strcmp(argv[i], "--embedded-kafka") == 0)
			embedded_flag = 1;
		else if (strcmp(argv[i], "--demo") == 0)
			demo = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			free(sets);
			return 0;
		} else if (strcmp(argv[i], "--hash-password") == 0 ||
		    strcmp(argv[i], "--hash-token") == 0) {
			free(sets);
			return hash_tool(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("kcops-worker %s (Kafka Connect REST API %s)\n", KCOPS_VERSION, "3.9.0");
			free(sets);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "kcops-worker: unknown option %s\n", argv[i]);
			usage(stderr);
			free(sets);
			return 2;
		} else if (props == NULL)
			props = argv[i];
		else {
			fprintf(stderr, "kcops-worker: only one properties file may be given "
			    "(got %s and %s)\n", props, argv[i]);
			free(sets);
			return 2;
		}
	}
	w.conf = kw_config_load(props, sets, nsets, err, sizeof(err));
	free(sets);
	if (w.conf == NULL) {
		fprintf(stderr, "kcops-worker: %s\n", err);
		return 2;
	}
	if ((s = kc_json_str(w.conf, "log.level")) != NULL) {
		int lv = kc_log_level_parse(s);

		if (lv < 0) {
			fprintf(stderr, "kcops-worker: log.level: unknown level %s\n", s);
			json_decref(w.conf);
			return 2;
		}
		json_decref(kc_log_set_level("root", (enum kc_log_level)lv));
	}
	/* Client settings are checked now, so a typo fails the start, not every task. */
	if (check_client_settings(&w) != 0) {
		json_decref(w.conf);
		return 2;
	}
	if (kw_config_int(w.conf, "worker.shutdown.timeout.ms", 60000, 100, 86400000,
	    &shutdown_ms, err, sizeof(err)) != 0) {
		fprintf(stderr, "kcops-worker: worker.shutdown.timeout.ms: must be an integer "
		    "from 100 to 86400000 (milliseconds)\n");
		json_decref(w.conf);
		return 2;
	}
	if (kw_rest_opts_from_conf(w.conf, &ro, err, sizeof(err)) != 0) {
		fprintf(stderr, "kcops-worker: %s\n", err);
		kw_rest_opts_free(&ro);
		json_decref(w.conf);
		return 2;
	}

	/* Block the signals in every thread; main waits for them with sigwait. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGUSR1);	/* the shutdown watchdog's wake-up */
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	sigdelset(&ss, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* libcurl (and the TLS library under it) initialised once, here, before any task thread:
	 * left to the first curl_easy_init of a sink task, its exit-time cleanup would be
	 * registered after ours and could run while tasks still make requests */
	curl_global_init(CURL_GLOBAL_DEFAULT);

	pthread_mutex_init(&w.lock, NULL);
	pthread_mutex_init(&w.save_lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.offsets = json_object();
	w.worker_id = kc_xstrdup("starting");
	w.ring_size = (size_t)kc_json_int_or(w.conf, "exchanges.ring.size", KW_RING_DEFAULT);
	if (w.ring_size < 16)
		w.ring_size = 16;

	/* State directory, locked against a second worker. */
	w.state_dir = kc_xstrdup(kc_json_str(w.conf, "state.dir"));
	if (w.state_dir == NULL)
		w.state_dir = default_state_dir();
	if (kc_mkdirs(w.state_dir) != 0) {
		fprintf(stderr, "kcops-worker: state.dir %s: %s\n", w.state_dir, strerror(errno));
		goto out;
	}
	lockpath = kc_xasprintf("%s/lock", w.state_dir);
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lockpath);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "kcops-worker: state.dir %s is in use by another kcops-worker (%s)\n",
		    w.state_dir, lockfd < 0 ? strerror(errno) : "locked");
		goto out;
	}

	/* REST listener first: a bad or busy listener fails before Kafka starts. */
	w.rest = kw_rest_start_opts(&w, &ro, &urls, err, sizeof(err));
	if (w.rest == NULL) {
		fprintf(stderr, "kcops-worker: %s\n", err);
		rc = strncmp(err, "cannot listen", 13) != 0 ? 2 : 1;
		goto out;
	}
	/* worker_id: the first listener, or the first of rest.advertised.listener's scheme. */
	{
		const char *adv = kc_json_str(w.conf, "rest.advertised.listener");
		const char *id_url = urls[0];

		for (i = 0; adv != NULL && urls[i] != NULL; i++)
			if (strncasecmp(urls[i], adv, strlen(adv)) == 0 &&
			    strncmp(urls[i] + strlen(adv), "://", 3) == 0) {
				id_url = urls[i];
				break;
			}
		set_worker_id(&w, id_url);
	}

	/* Kafka. */
	s = kc_json_str(w.conf, "embedded.kafka");
	w.embedded = embedded_flag || kc_json_str(w.conf, "bootstrap.servers") == NULL ||
	    (s != NULL && strcasecmp(s, "true") == 0);
	if (w.embedded) {
		int brokers = (int)kc_json_int_or(w.conf, "embedded.kafka.brokers", 1);

		w.mock = kc_kafka_mock_new(brokers, err, sizeof(err));
		if (w.mock == NULL) {
			fprintf(stderr, "kcops-worker: embedded kafka: %s\n", err);
			goto out;
		}
		w.bootstrap = kc_xstrdup(kc_kafka_mock_bootstraps(w.mock));
		printf("kcops-worker embedded kafka bootstrap.servers=%s\n", w.bootstrap);
		kc_log(LOGGER, KC_LOG_INFO, "embedded Kafka (librdkafka mock cluster, %d broker(s), "
		    "in memory only) at %s", brokers, w.bootstrap);
	} else
		w.bootstrap = kc_xstrdup(kc_json_str(w.conf, "bootstrap.servers"));
	w.cluster_id = kc_xstrdup(kc_json_str(w.conf, "worker.cluster.id"));
	if (w.cluster_id == NULL)
		w.cluster_id = fetch_cluster_id(&w);
	if (w.cluster_id == NULL) {
		kc_log(LOGGER, KC_LOG_WARN, "cannot read the Kafka cluster id from %s", w.bootstrap);
		w.cluster_id = kc_xstrdup("");
	}

	if (kw_herder_load(&w, err, sizeof(err)) != 0) {
		fprintf(stderr, "kcops-worker: %s\n", err);
		goto out;
	}
	if (kw_dist_start(&w, err, sizeof(err)) != 0) {
		fprintf(stderr, "kcops-worker: distributed mode: %s\n", err);
		kw_dist_stop(&w);
		goto out;
	}
	if (demo)
		create_demo(&w, urls[0]);
	if (kw_herder_start(&w, err, sizeof(err)) != 0) {
		fprintf(stderr, "kcops-worker: %s\n", err);
		goto out;
	}
	herder_running = true;
	pthread_mutex_lock(&w.lock);
	w.started = true;
	pthread_mutex_unlock(&w.lock);
	for (i = 0; urls[i] != NULL; i++) {
		kc_log(LOGGER, KC_LOG_INFO, "kcops-worker %s listening on %s (worker_id %s, "
		    "state.dir %s)", KCOPS_VERSION, urls[i], w.worker_id, w.state_dir);
		printf("kcops-worker listening on %s\n", urls[i]);
	}
	fflush(stdout);

	for (;;) {
		if (sigwait(&ss, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		kc_log(LOGGER, KC_LOG_INFO, "SIGHUP: re-reading rest.auth.file and the TLS "
		    "certificate");
		kw_rest_reload(w.rest);
	}
	kc_log(LOGGER, KC_LOG_INFO, "signal %d: stopping tasks and flushing state", sig);
	rc = 0;
	watchdog = watchdog_start(&wd, shutdown_ms);
out:
	/* Tasks first (they publish to the REST layer), then REST, then the connectors REST
	 * handlers read. */
	if (herder_running)
		kw_herder_shutdown(&w);
	atomic_store(&shutdown_step, "leaving the cluster (distributed mode)");
	kw_dist_stop(&w);
	atomic_store(&shutdown_step, "stopping the REST server");
	kw_rest_stop(w.rest);
	w.rest = NULL;
	atomic_store(&shutdown_step, "freeing the connectors");
	kw_herder_free(&w);
	atomic_store(&shutdown_step, "stopping the embedded Kafka cluster");
	kc_kafka_mock_free(w.mock);
	if (watchdog)
		watchdog_stop(&wd);
	if (rc == 0)
		kc_log(LOGGER, KC_LOG_INFO, "stopped");
	json_decref(w.conf);
	json_decref(w.offsets);
	free(w.state_dir);
	free(w.worker_id);
	free(w.bootstrap);
	free(w.cluster_id);
	for (i = 0; urls != NULL && urls[i] != NULL; i++)
		free(urls[i]);
	free(urls);
	kw_rest_opts_free(&ro);
	if (lockfd >= 0)
		close(lockfd);
	pthread_mutex_destroy(&w.lock);
	pthread_mutex_destroy(&w.save_lock);
	pthread_cond_destroy(&w.cond);
	curl_global_cleanup();
	return rc;
}
