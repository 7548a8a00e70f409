/* fuzz_rest.c - libFuzzer target: the worker's REST API (path splitting and decoding, route
 * matching, query parameters, every handler's body parser) on a real in-process worker.
 *
 * DESIGN
 * The routing and the handlers are only reachable through libmicrohttpd, so the first input
 * starts a worker in this process the way kcops-worker's main() does (embedded mock Kafka,
 * state.dir in a temporary directory, REST on 127.0.0.1 port 0, herder running) and each
 * input becomes one HTTP/1.1 request over loopback:
 *
 *	METHOD SP REQUEST-TARGET LF BODY...      (no LF: the whole input is a GET target)
 *
 * Checked for every answer: a well-formed status line; an error (4xx/5xx) with a JSON body
 * carries {"error_code": STATUS, "message": "..."}; no error names the worker's state
 * directory (internal paths must not leak). A 500 is reported on stderr, except Connect's
 * own 500s (a body that is not JSON, an unknown connector class).
 *
 * Leaks are checked once, at exit, after the worker is shut down: libFuzzer's per-input
 * check would report memory that task threads still own while a deleted connector's tasks
 * are being torn down (LLVMFuzzerInitialize adds -detect_leaks=0 for that). After a request that
 * may have changed something, every connector is deleted so the state stays small. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_kafka_mock.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_internal.h"
#include "kw_rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct kw_worker w;
static int port;
static char state_dir[64];
static int started;

static void
stop_worker(void)
{
	char cmd[128];

	if (!started)
		return;
	kw_herder_shutdown(&w);
	kw_rest_stop(w.rest);
	w.rest = NULL;
	kw_herder_free(&w);
	kc_kafka_mock_free(w.mock);
	json_decref(w.conf);
	json_decref(w.offsets);
	free(w.state_dir);
	free(w.worker_id);
	free(w.bootstrap);
	free(w.cluster_id);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-rest: could not remove %s\n", state_dir);
	started = 0;
}

static void
start_worker(void)
{
	char err[1024], *url = NULL, *sets[2];
	const char *colon;

	signal(SIGPIPE, SIG_IGN);	/* as kcops-worker's main() does */
	/* also as main() does: libcurl and OpenSSL set up before any task thread, so their
	 * exit-time cleanup is registered before stop_worker and runs after it (an HTTP sink
	 * task initialising them lazily crashed once at exit in OpenSSL) */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(state_dir, sizeof state_dir, "/tmp/kcops-fuzz-rest-XXXXXX");
	if (mkdtemp(state_dir) == NULL)
		abort();
	json_decref(kc_log_set_level("root", KC_LOG_ERROR));
	sets[0] = kc_xasprintf("state.dir=%s", state_dir);
	sets[1] = kc_xstrdup("listeners=http://127.0.0.1:0");
	memset(&w, 0, sizeof w);
	w.start_ms = kc_mono_ms();
	w.conf = kw_config_load(NULL, sets, 2, err, sizeof err);
	free(sets[0]);
	free(sets[1]);
	if (w.conf == NULL) {
		fprintf(stderr, "fuzz-rest: %s\n", err);
		abort();
	}
	pthread_mutex_init(&w.lock, NULL);
	pthread_mutex_init(&w.save_lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.offsets = json_object();
	w.ring_size = 64;
	w.state_dir = kc_xstrdup(state_dir);
	w.rest = kw_rest_start(&w, "http://127.0.0.1:0", 2, 1048576, &url, err, sizeof err);
	if (w.rest == NULL) {
		fprintf(stderr, "fuzz-rest: %s\n", err);
		abort();
	}
	colon = strrchr(url, ':');
	port = atoi(colon + 1);
	w.worker_id = kc_xstrdup(url + strlen("http://"));
	free(url);
	w.embedded = true;
	if ((w.mock = kc_kafka_mock_new(1, err, sizeof err)) == NULL) {
		fprintf(stderr, "fuzz-rest: %s\n", err);
		abort();
	}
	w.bootstrap = kc_xstrdup(kc_kafka_mock_bootstraps(w.mock));
	w.cluster_id = kc_xstrdup("fuzz-cluster");
	if (kw_herder_load(&w, err, sizeof err) != 0 || kw_herder_start(&w, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz-rest: %s\n", err);
		abort();
	}
	pthread_mutex_lock(&w.lock);
	w.started = true;
	pthread_mutex_unlock(&w.lock);
	started = 1;
	atexit(stop_worker);
}

/* One request; the answer (status line, headers, body) lands in out. Returns the status or
 * -1 when the connection failed. */
static int
request(const char *method, size_t mlen, const char *target, size_t tlen, const char *body,
    size_t blen, struct kc_buf *out)
{
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	struct kc_buf req = { 0 };
	char buf[8192];
	ssize_t n;
	size_t off = 0;
	int fd, status = -1;

	kc_buf_reset(out);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	kc_buf_append(&req, method, mlen);
	kc_buf_putc(&req, ' ');
	kc_buf_append(&req, target, tlen);
	kc_buf_printf(&req, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", blen);
	kc_buf_append(&req, body, blen);
	while (off < req.len) {
		n = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	kc_buf_free(&req);
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		kc_buf_append(out, buf, (size_t)n);
	close(fd);
	if (out->len >= 12 && memcmp(out->data, "HTTP/1.", 7) == 0)
		status = atoi(out->data + 9);
	else if (out->len > 0) {
		fprintf(stderr, "fuzz-rest: malformed answer: %.80s\n", out->data);
		abort();
	}
	return status;
}

/* The answer's body (after the blank line) or NULL. */
static const char *
answer_body(const struct kc_buf *a, size_t *len)
{
	const char *p = a->len > 0 ? memmem(a->data, a->len, "\r\n\r\n", 4) : NULL;

	if (p == NULL)
		return NULL;
	p += 4;
	*len = a->len - (size_t)(p - a->data);
	return p;
}

static void
check(const char *input, size_t ilen, const char *target, size_t tlen, int status,
    const struct kc_buf *a)
{
	const char *body;
	size_t blen = 0;

	if (status < 100 || status > 599) {
		fprintf(stderr, "fuzz-rest: status %d\n", status);
		abort();
	}
	if (status >= 400 && memmem(a->data, a->len, state_dir, strlen(state_dir)) != NULL &&
	    memmem(input, ilen, state_dir, strlen(state_dir)) == NULL) {	/* not an echo */
		fprintf(stderr, "fuzz-rest: an error names the state directory:\n%s\n", a->data);
		abort();
	}
	if (status == 500 && strstr(a->data, "Cannot parse JSON request body") == NULL &&
	    strstr(a->data, "Request body is missing") == NULL &&
	    strstr(a->data, "Failed to find any class that implements") == NULL)
		fprintf(stderr, "fuzz-rest: 500 for %.*s: %s\n", (int)(tlen > 200 ? 200 : tlen),
		    target, a->data);
	body = answer_body(a, &blen);
	if (status >= 400 && body != NULL && blen > 0 &&
	    memmem(a->data, (size_t)(body - a->data), "application/json", 16) != NULL) {
		json_t *j = json_loadb(body, blen, 0, NULL);

		if (j == NULL || json_integer_value(json_object_get(j, "error_code")) != status ||
		    !json_is_string(json_object_get(j, "message"))) {
			fprintf(stderr, "fuzz-rest: error answer without error_code %d: %s\n",
			    status, a->data);
			abort();
		}
		json_decref(j);
	}
}

/* Delete every connector (after a request that may have created one). */
static void
reset_connectors(void)
{
	struct kc_buf a = { 0 };
	const char *body;
	size_t blen = 0, i;
	json_t *names;

	if (request("GET", 3, "/connectors", 11, "", 0, &a) != 200 ||
	    (body = answer_body(&a, &blen)) == NULL ||
	    (names = json_loadb(body, blen, 0, NULL)) == NULL) {
		kc_buf_free(&a);
		return;
	}
	for (i = 0; i < json_array_size(names); i++) {
		char *seg = kc_url_encode_segment(json_string_value(json_array_get(names, i)));
		char *path = kc_xasprintf("/connectors/%s", seg);

		(void)request("DELETE", 6, path, strlen(path), "", 0, &a);
		free(path);
		free(seg);
	}
	json_decref(names);
	kc_buf_free(&a);
}

/* libFuzzer: turn off the per-input leak check (see the top of the file). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char opt[] = "-detect_leaks=0";
	char **nargv = calloc((size_t)*argc + 2, sizeof(*nargv));
	int i;

	if (nargv == NULL)
		return 0;
	for (i = 0; i < *argc; i++)
		nargv[i] = (*argv)[i];
	nargv[(*argc)++] = opt;
	*argv = nargv;	/* kept for the life of the process */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nl, *sp, *method = "GET", *target, *body = "";
	size_t mlen = 3, tlen, blen = 0;
	struct kc_buf a = { 0 };
	int status;

	if (!started)
		start_worker();
	nl = memchr(text, '\n', size);
	if (nl == NULL) {
		target = text;
		tlen = size;
	} else {
		sp = memchr(text, ' ', (size_t)(nl - text));
		if (sp == NULL) {
			target = text;
			tlen = (size_t)(nl - text);
		} else {
			method = text;
			mlen = (size_t)(sp - text);
			target = sp + 1;
			tlen = (size_t)(nl - sp - 1);
		}
		body = nl + 1;
		blen = size - (size_t)(body - text);
	}
	if (mlen == 0 || tlen == 0)
		return 0;
	status = request(method, mlen, target, tlen, body, blen, &a);
	if (status < 0) {
		kc_buf_free(&a);
		return 0;	/* MHD closed the connection without answering (bad request line) */
	}
	check(text, size, target, tlen, status, &a);
	if (getenv("KCOPS_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz-rest: %.*s %.*s -> %d\n", (int)mlen, method,
		    (int)(tlen > 120 ? 120 : tlen), target, status);
	if (status < 300 && !(mlen == 3 && memcmp(method, "GET", 3) == 0))
		reset_connectors();
	kc_buf_free(&a);
	return 0;
}
