/* test_mqtt_conn.c - the MQTT bridge's client connection against a real mosquitto started
 * here on a free loopback port: QoS 1 acknowledgements, retained values, a broker restarted
 * mid-stream (every message acknowledged and present afterwards), QoS 0 round trip,
 * connection refused and CONNACK refusal. Suite: integration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kc_util.h"
#include "mqtt_conn.h"

static char dir[] = "/tmp/kcops-mqtt-conn-XXXXXX";
static int port;
static pid_t broker = -1;

/* A free loopback TCP port. */
static int
free_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	p = ntohs(a.sin_port);
	close(fd);
	return p;
}

/* 1 when something accepts on the port. */
static int
port_open(int p)
{
	struct sockaddr_in a = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Stop the broker gracefully (it saves retained messages on the way out). */
static void
stop_broker(void)
{
	int st;

	if (broker <= 0)
		return;
	kill(broker, SIGTERM);
	waitpid(broker, &st, 0);
	broker = -1;
}

/* Start mosquitto with the given extra config lines; wait until it listens. */
static void
start_broker(const char *extra)
{
	char conf[300], log[300];
	FILE *f;
	int i;

	stop_broker();
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", dir);
	snprintf(log, sizeof(log), "%s/mosquitto.log", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "listener %d 127.0.0.1\npersistence true\npersistence_location %s/\n"
	    "autosave_interval 0\nlog_dest stdout\nmax_queued_messages 0\n%s\n", port, dir,
	    extra != NULL ? extra : "allow_anonymous true");
	fclose(f);
	broker = fork();
	assert_true(broker >= 0);
	if (broker == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);

		/* never outlive the test, never hold its output pipes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && !port_open(port); i++)
		usleep(10000);
	assert_true(port_open(port));
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	/* mosquitto started as root drops to its own user: let it write persistence here */
	chmod(dir, 0777);
	port = free_port();
	return 0;
}

/* Per test: no broker outlives its test, even a failed one. */
static int
stop_after(void **state)
{
	(void)state;
	stop_broker();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	stop_broker();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The broker URL. */
static const char *
url(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "mqtt://127.0.0.1:%d", port);
	return buf;
}

/* Serve c until it is connected (or fail after 10 s). */
static void
wait_connected(struct kw_mqtt_conn *c)
{
	int64_t end = kc_mono_ms() + 10000;

	while (!kw_mqtt_conn_connected(c) && kc_mono_ms() < end)
		kw_mqtt_conn_loop(c, 20);
	assert_true(kw_mqtt_conn_connected(c));
}

struct recv {
	int	 n;
	char	 seen[20000];
	int	 retained;
	char	 last[128];
};

/* Source-side callback: count distinct topics ".../<i>". */
static void
on_msg(void *arg, const char *topic, const void *payload, size_t len, int qos, bool retained)
{
	struct recv *r = arg;
	const char *slash = strrchr(topic, '/');
	int i = slash != NULL ? atoi(slash + 1) : -1;

	(void)qos;
	r->n++;
	r->retained += retained;
	if (i >= 0 && i < (int)sizeof(r->seen))
		r->seen[i] = 1;
	snprintf(r->last, sizeof(r->last), "%.*s", (int)len, (const char *)payload);
}

/* Subscribe to filter and collect retained values until want distinct ones arrived. */
static int
collect_retained(const char *filter, int want)
{
	struct recv r;
	const char *filters[1] = { filter };
	struct kw_mqtt_conn_opts o = { 0 };
	struct kw_mqtt_conn *c;
	char err[256];
	int64_t end;
	int i, distinct = 0;

	memset(&r, 0, sizeof(r));
	o.url = url();
	o.clean_session = true;
	o.filters = filters;
	o.nfilters = 1;
	o.sub_qos = 0;
	o.on_message = on_msg;
	o.arg = &r;
	c = kw_mqtt_conn_new(&o, err, sizeof(err));
	assert_non_null(c);
	end = kc_mono_ms() + 15000;
	while (kc_mono_ms() < end) {
		kw_mqtt_conn_loop(c, 20);
		for (distinct = 0, i = 0; i < want; i++)
			distinct += r.seen[i];
		if (distinct == want)
			break;
	}
	kw_mqtt_conn_free(c);
	return distinct;
}

/* Publish n retained QoS-1 messages to prefix/<i>, optionally restarting the broker after
 * restart_at acknowledgements; returns when all are acknowledged. */
static void
publish_all(const char *prefix, int n, int restart_at, struct kw_mqtt_conn_stats *st)
{
	struct kw_mqtt_conn_opts o = { 0 };
	struct kw_mqtt_conn *c;
	char err[256], topic[64], payload[64];
	int64_t end, popped = 0, expect = 0;
	int i = 0, restarted = 0;

	o.url = url();
	o.clean_session = true;
	o.max_inflight = 200;
	o.reconnect_min_ms = 50;
	o.reconnect_max_ms = 400;
	c = kw_mqtt_conn_new(&o, err, sizeof(err));
	assert_non_null(c);
	wait_connected(c);
	end = kc_mono_ms() + 60000;
	while (popped < n && kc_mono_ms() < end) {
		while (i < n && kw_mqtt_conn_pending(c) < kw_mqtt_conn_capacity(c)) {
			snprintf(topic, sizeof(topic), "%s/%d", prefix, i);
			snprintf(payload, sizeof(payload), "{\"i\":%d,\"price\":3.45}", i);
			assert_int_equal(kw_mqtt_conn_publish(c, topic, payload, strlen(payload), 1,
			    true, NULL, i, err, sizeof(err)), 0);
			i++;
		}
		kw_mqtt_conn_loop(c, 5);
		/* offsets come out contiguous and in order */
		while (kw_mqtt_conn_pending(c) > 0) {
			size_t before = kw_mqtt_conn_pending(c);

			if (kw_mqtt_conn_pop_acked(c, NULL, NULL) == 0)
				break;
			popped += (int64_t)(before - kw_mqtt_conn_pending(c));
		}
		(void)expect;
		if (restart_at > 0 && !restarted && popped >= restart_at) {
			stop_broker();
			/* publishing goes on into the FIFO while the broker is away */
			kw_mqtt_conn_loop(c, 300);
			assert_false(kw_mqtt_conn_connected(c));
			assert_true(strlen(kw_mqtt_conn_last_error(c)) > 0);
			start_broker(NULL);
			restarted = 1;
		}
	}
	assert_int_equal(popped, n);
	kw_mqtt_conn_stats(c, st);
	kw_mqtt_conn_free(c);
}

static void
test_qos1_retained(void **state)
{
	struct kw_mqtt_conn_stats st;

	(void)state;
	start_broker(NULL);
	publish_all("ret", 3000, 0, &st);
	assert_int_equal(st.acked, 3000);
	assert_int_equal(st.disconnects, 0);
	assert_int_equal(collect_retained("ret/#", 3000), 3000);
	stop_broker();
}

static void
test_broker_restart(void **state)
{
	struct kw_mqtt_conn_stats st;

	(void)state;
	start_broker(NULL);
	publish_all("rs", 6000, 1500, &st);
	assert_true(st.disconnects >= 1);
	assert_true(st.connects >= 2);
	/* every message is at the broker after the restart: the retained store survived the
	 * graceful stop and the unacknowledged ones were published again */
	assert_int_equal(collect_retained("rs/#", 6000), 6000);
	stop_broker();
}

static void
test_qos0_roundtrip(void **state)
{
	struct kw_mqtt_conn_opts po = { 0 }, so = { 0 };
	struct kw_mqtt_conn *pub, *sub;
	const char *filters[] = { "q0/+/x", "other/#" };
	struct recv r;
	char err[256];
	int64_t end;
	int popped = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	start_broker(NULL);
	so.url = url();
	so.filters = filters;
	so.nfilters = 2;
	so.on_message = on_msg;
	so.arg = &r;
	so.client_id = "kcops-test-sub";
	sub = kw_mqtt_conn_new(&so, err, sizeof(err));
	assert_non_null(sub);
	wait_connected(sub);
	/* let the SUBACK arrive */
	kw_mqtt_conn_loop(sub, 200);
	po.url = url();
	pub = kw_mqtt_conn_new(&po, err, sizeof(err));
	assert_non_null(pub);
	wait_connected(pub);
	assert_int_equal(kw_mqtt_conn_publish(pub, "q0/a/x", "{\"v\":1}", 7, 0, false, NULL, 0,
	    err, sizeof(err)), 0);
	assert_int_equal(kw_mqtt_conn_publish(pub, "q0/a/y", "no", 2, 0, false, NULL, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(kw_mqtt_conn_publish(pub, "other/deep/1", "last", 4, 0, false, NULL, 2,
	    err, sizeof(err)), 0);
	/* QoS 2: acknowledged after PUBCOMP */
	assert_int_equal(kw_mqtt_conn_publish(pub, "q0/b/x", "{\"q\":2}", 7, 2, false, NULL, 3,
	    err, sizeof(err)), 0);
	/* wildcards are refused as topic names */
	assert_int_equal(kw_mqtt_conn_publish(pub, "q0/+/x", "x", 1, 0, false, NULL, 3, err,
	    sizeof(err)), -1);
	end = kc_mono_ms() + 5000;
	while ((r.n < 3 || popped < 4) && kc_mono_ms() < end) {
		kw_mqtt_conn_loop(pub, 5);
		kw_mqtt_conn_loop(sub, 5);
		popped += (int)kw_mqtt_conn_pop_acked(pub, NULL, NULL);
	}
	assert_int_equal(popped, 4);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.last, "{\"q\":2}");
	kw_mqtt_conn_free(pub);
	kw_mqtt_conn_free(sub);
	stop_broker();
}

static void
test_refused(void **state)
{
	struct kw_mqtt_conn_opts o = { 0 };
	struct kw_mqtt_conn *c;
	char err[256];

	(void)state;
	/* nothing listens */
	o.url = url();
	o.reconnect_min_ms = 20;
	c = kw_mqtt_conn_new(&o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(kw_mqtt_conn_publish(c, "a/b", "1", 1, 1, false, NULL, 0, err,
	    sizeof(err)), 0);
	kw_mqtt_conn_loop(c, 300);
	assert_false(kw_mqtt_conn_connected(c));
	assert_non_null(strstr(kw_mqtt_conn_last_error(c), "refused"));
	assert_int_equal(kw_mqtt_conn_pending(c), 1);
	kw_mqtt_conn_free(c);

	/* the broker refuses anonymous clients: CONNACK refusal is reported */
	start_broker("allow_anonymous false");
	o.username = "nobody";
	o.password = "secret";
	c = kw_mqtt_conn_new(&o, err, sizeof(err));
	assert_non_null(c);
	kw_mqtt_conn_loop(c, 500);
	assert_false(kw_mqtt_conn_connected(c));
	assert_non_null(strstr(kw_mqtt_conn_last_error(c), "refused"));
	kw_mqtt_conn_free(c);
	stop_broker();

	/* bad options */
	o.url = "ws://127.0.0.1";
	assert_null(kw_mqtt_conn_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "scheme"));
	o.url = url();
	o.tls_ca_file = "/nonexistent/ca.pem";
	assert_null(kw_mqtt_conn_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "TLS"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_qos1_retained, stop_after),
		cmocka_unit_test_teardown(test_broker_restart, stop_after),
		cmocka_unit_test_teardown(test_qos0_roundtrip, stop_after),
		cmocka_unit_test_teardown(test_refused, stop_after),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
