/* mqtt_conn.c - an MQTT client connection with its own acknowledgement FIFO and reconnects
 * with backoff (see mqtt_conn.h). */
#include "mqtt_conn.h"

#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kc_util.h"
#include "mqtt_pattern.h"

#define NMIDS		65536
#define CONNECT_TIMEOUT_MS	10000

enum conn_state { ST_IDLE, ST_CONNECTING, ST_CONNECTED };

struct pend {
	char	*topic;
	void	*payload;
	size_t	 len;
	int	 qos;
	bool	 retain;
	void	*udata;
	int64_t	 offset;
	int	 mid;		/* 0: not sent in this session */
	bool	 acked;
};

struct kw_mqtt_conn {
	struct mosquitto	*mosq;
	struct kw_mqtt_url	 url;
	char			*client_id, *username, *password;
	char			*ca_file, *cert_file, *key_file;
	bool			 tls_insecure, clean_session;
	int			 keepalive_s, reconnect_min_ms, reconnect_max_ms;
	char			**filters;
	size_t			 nfilters;
	int			 sub_qos;
	void			(*on_message)(void *, const char *, const void *, size_t, int,
				    bool);
	void			*arg;

	enum conn_state		 state;
	int64_t			 state_since;
	int64_t			 next_attempt;
	int			 backoff_ms;
	bool			 lost;		/* the session broke: reinitialise */
	char			 last_error[256];

	struct pend		*ring;
	size_t			 cap, head, count;
	uint32_t		*mid_slot;	/* mid -> ring index + 1 (0: none) */
	size_t			 publishing;	/* ring index being published, or SIZE_MAX */

	struct kw_mqtt_conn_stats stats;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* libmosquitto's process-wide initialisation. */
static void
lib_init(void)
{
	mosquitto_lib_init();
}

/* Slot of the FIFO's i-th entry. */
static struct pend *
slot(struct kw_mqtt_conn *c, size_t i)
{
	return &c->ring[(c->head + i) % c->cap];
}

/* Mark the message with this mid acknowledged. */
static void
ack_mid(struct kw_mqtt_conn *c, int mid)
{
	uint32_t s;

	if (mid <= 0 || mid >= NMIDS)
		return;
	s = c->mid_slot[mid];
	if (s == 0) {
		/* a QoS 0 message acknowledged while mosquitto_publish was still running */
		if (c->publishing != SIZE_MAX && !c->ring[c->publishing].acked) {
			c->ring[c->publishing].acked = true;
			c->stats.acked++;
		}
		return;
	}
	c->mid_slot[mid] = 0;
	if (!c->ring[s - 1].acked && c->ring[s - 1].mid == mid) {
		c->ring[s - 1].acked = true;
		c->stats.acked++;
	}
}

/* on_publish: the broker acknowledged (QoS 1/2) or the message was written (QoS 0). */
static void
on_publish(struct mosquitto *m, void *obj, int mid)
{
	(void)m;
	ack_mid(obj, mid);
}

/* Send one FIFO entry in the current session. 0 or a mosquitto error. */
static int
send_slot(struct kw_mqtt_conn *c, size_t idx)
{
	struct pend *p = &c->ring[idx];
	int mid = 0, rc;

	c->publishing = idx;
	rc = mosquitto_publish(c->mosq, &mid, p->topic, (int)p->len, p->payload, p->qos,
	    p->retain);
	c->publishing = SIZE_MAX;
	if (rc != MOSQ_ERR_SUCCESS)
		return rc;
	c->stats.published++;
	p->mid = mid;
	if (!p->acked && mid > 0 && mid < NMIDS)
		c->mid_slot[mid] = (uint32_t)idx + 1;
	return 0;
}

/* Publish every unacknowledged entry not sent in this session (after a connect). */
static void
resend_all(struct kw_mqtt_conn *c)
{
	struct pend *p;
	size_t i;

	for (i = 0; i < c->count; i++) {
		p = slot(c, i);
		if (p->acked || p->mid != 0)
			continue;
		if (send_slot(c, (c->head + i) % c->cap) != 0)
			break;
		c->stats.resent++;
	}
}

/* on_connect: CONNACK received. */
static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct kw_mqtt_conn *c = obj;

	(void)m;
	if (rc != 0) {
		snprintf(c->last_error, sizeof(c->last_error), "broker refused the connection: %s",
		    mosquitto_connack_string(rc));
		c->lost = true;
		return;
	}
	c->state = ST_CONNECTED;
	c->state_since = kc_mono_ms();
	c->backoff_ms = c->reconnect_min_ms;
	c->last_error[0] = '\0';
	c->stats.connects++;
	if (c->nfilters > 0)
		mosquitto_subscribe_multiple(c->mosq, NULL, (int)c->nfilters, c->filters,
		    c->sub_qos, 0, NULL);
	resend_all(c);
}

/* on_disconnect: the session ended. */
static void
on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct kw_mqtt_conn *c = obj;

	(void)m;
	if (rc != 0 && c->last_error[0] == '\0')
		snprintf(c->last_error, sizeof(c->last_error), "connection lost");
	c->lost = true;
}

/* on_message: source side. */
static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct kw_mqtt_conn *c = obj;

	(void)m;
	c->stats.received++;
	if (c->on_message != NULL)
		c->on_message(c->arg, msg->topic, msg->payload, (size_t)msg->payloadlen, msg->qos,
		    msg->retain);
}

/* Apply options and callbacks to a fresh or reinitialised mosquitto handle. */
static int
configure(struct kw_mqtt_conn *c, char *err, size_t errlen)
{
	int rc;

	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* libmosquitto keeps its own queue beyond this; the FIFO is the real bound */
	mosquitto_max_inflight_messages_set(c->mosq, (unsigned int)c->cap);
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	mosquitto_message_callback_set(c->mosq, on_message);
	if (c->username != NULL &&
	    (rc = mosquitto_username_pw_set(c->mosq, c->username, c->password)) != 0) {
		snprintf(err, errlen, "mqtt.username: %s", mosquitto_strerror(rc));
		return -1;
	}
	if (c->url.tls || c->ca_file != NULL) {
		rc = mosquitto_tls_set(c->mosq, c->ca_file, c->ca_file == NULL ? "/etc/ssl/certs" :
		    NULL, c->cert_file, c->key_file, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "TLS settings: %s%s", mosquitto_strerror(rc),
			    rc == MOSQ_ERR_INVAL ? " (check mqtt.tls.* files: a key needs a "
			    "certificate, and files must be readable)" : "");
			return -1;
		}
		if (c->tls_insecure)
			mosquitto_tls_insecure_set(c->mosq, true);
	}
	return 0;
}

/* Copy a string option, NULL for NULL or "". */
static char *
opt(const char *s)
{
	return s != NULL && *s != '\0' ? kc_xstrdup(s) : NULL;
}

struct kw_mqtt_conn *
kw_mqtt_conn_new(const struct kw_mqtt_conn_opts *o, char *err, size_t errlen)
{
	struct kw_mqtt_conn *c;
	size_t i;

	pthread_once(&lib_once, lib_init);
	c = kc_xcalloc(1, sizeof(*c));
	if (kw_mqtt_url_parse(o->url, &c->url, err, errlen) != 0) {
		free(c);
		return NULL;
	}
	c->client_id = opt(o->client_id);
	c->username = opt(o->username);
	c->password = opt(o->password);
	c->ca_file = opt(o->tls_ca_file);
	c->cert_file = opt(o->tls_cert_file);
	c->key_file = opt(o->tls_key_file);
	c->tls_insecure = o->tls_insecure;
	c->clean_session = o->clean_session || c->client_id == NULL;
	c->keepalive_s = o->keepalive_s > 0 ? o->keepalive_s : 30;
	c->reconnect_min_ms = o->reconnect_min_ms > 0 ? o->reconnect_min_ms : 100;
	c->reconnect_max_ms = o->reconnect_max_ms >= c->reconnect_min_ms ? o->reconnect_max_ms :
	    (c->reconnect_min_ms > 10000 ? c->reconnect_min_ms : 10000);
	c->backoff_ms = c->reconnect_min_ms;
	c->cap = o->max_inflight > 0 ? (size_t)o->max_inflight : 1000;
	if (c->cap > NMIDS - 1)
		c->cap = NMIDS - 1;
	c->ring = kc_xcalloc(c->cap, sizeof(*c->ring));
	c->mid_slot = kc_xcalloc(NMIDS, sizeof(*c->mid_slot));
	c->publishing = SIZE_MAX;
	if (o->nfilters > 0) {
		c->filters = kc_xcalloc(o->nfilters, sizeof(*c->filters));
		for (i = 0; i < o->nfilters; i++)
			c->filters[i] = kc_xstrdup(o->filters[i]);
		c->nfilters = o->nfilters;
	}
	c->sub_qos = o->sub_qos;
	c->on_message = o->on_message;
	c->arg = o->arg;
	c->mosq = mosquitto_new(c->client_id, c->clean_session, c);
	if (c->mosq == NULL) {
		snprintf(err, errlen, "cannot create an MQTT client: %s", strerror(errno));
		kw_mqtt_conn_free(c);
		return NULL;
	}
	if (configure(c, err, errlen) != 0) {
		kw_mqtt_conn_free(c);
		return NULL;
	}
	return c;
}

void
kw_mqtt_conn_free(struct kw_mqtt_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->mosq != NULL) {
		if (c->state == ST_CONNECTED)
			mosquitto_disconnect(c->mosq);
		mosquitto_destroy(c->mosq);
	}
	for (i = 0; i < c->count; i++) {
		free(slot(c, i)->topic);
		free(slot(c, i)->payload);
	}
	for (i = 0; i < c->nfilters; i++)
		free(c->filters[i]);
	free(c->filters);
	free(c->ring);
	free(c->mid_slot);
	kw_mqtt_url_free(&c->url);
	free(c->client_id);
	free(c->username);
	free(c->password);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c);
}

/* Forget the broken session: fresh libmosquitto state, every unacked entry unsent. */
static void
reset_session(struct kw_mqtt_conn *c)
{
	char err[256];
	size_t i;

	if (c->state != ST_IDLE)
		c->stats.disconnects += c->state == ST_CONNECTED;
	c->state = ST_IDLE;
	c->lost = false;
	for (i = 0; i < c->count; i++)
		slot(c, i)->mid = 0;
	memset(c->mid_slot, 0, NMIDS * sizeof(*c->mid_slot));
	mosquitto_reinitialise(c->mosq, c->client_id, c->clean_session, c);
	if (configure(c, err, sizeof(err)) != 0)
		snprintf(c->last_error, sizeof(c->last_error), "%s", err);
	c->next_attempt = kc_mono_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > c->reconnect_max_ms ? c->reconnect_max_ms :
	    c->backoff_ms * 2;
}

/* Start a connection attempt. */
static void
try_connect(struct kw_mqtt_conn *c)
{
	int rc;

	rc = mosquitto_connect_async(c->mosq, c->url.host, c->url.port, c->keepalive_s);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(c->last_error, sizeof(c->last_error), "cannot connect to %s:%d: %s",
		    c->url.host, c->url.port, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		reset_session(c);
		return;
	}
	c->state = ST_CONNECTING;
	c->state_since = kc_mono_ms();
}

/* Read every packet already waiting on the socket (bounded). */
static int
drain(struct kw_mqtt_conn *c)
{
	int sock = mosquitto_socket(c->mosq), avail = 0, budget = 4096, rc = MOSQ_ERR_SUCCESS;

	while (budget-- > 0 && sock >= 0 && !c->lost &&
	    ioctl(sock, FIONREAD, &avail) == 0 && avail > 0) {
		rc = mosquitto_loop_read(c->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			break;
	}
	return rc;
}

void
kw_mqtt_conn_loop(struct kw_mqtt_conn *c, int timeout_ms)
{
	int64_t now = kc_mono_ms(), until = now + timeout_ms;
	int rc, wait;

	for (;;) {
		now = kc_mono_ms();
		if (c->state == ST_IDLE) {
			if (now >= c->next_attempt)
				try_connect(c);
			if (c->state == ST_IDLE) {
				wait = (int)(c->next_attempt - now);
				if (wait > until - now)
					wait = (int)(until - now);
				if (wait > 0) {
					struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };

					nanosleep(&ts, NULL);
				}
				if (kc_mono_ms() >= until)
					return;
				continue;
			}
		}
		wait = (int)(until - now);
		if (wait < 0)
			wait = 0;
		rc = mosquitto_loop(c->mosq, wait, 1);
		/* mosquitto_loop reads one packet when little QoS state is pending: drain what
		 * the socket already holds (a subscriber receives floods of PUBLISH packets) */
		if (rc == MOSQ_ERR_SUCCESS && !c->lost)
			rc = drain(c);
		if (rc != MOSQ_ERR_SUCCESS || c->lost) {
			if (c->last_error[0] == '\0' || rc == MOSQ_ERR_CONN_LOST)
				snprintf(c->last_error, sizeof(c->last_error), "connection to %s:%d "
				    "lost: %s", c->url.host, c->url.port, rc == MOSQ_ERR_ERRNO ?
				    strerror(errno) : rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc) :
				    "closed by the broker");
			reset_session(c);
		} else if (c->state == ST_CONNECTING &&
		    kc_mono_ms() - c->state_since > CONNECT_TIMEOUT_MS) {
			snprintf(c->last_error, sizeof(c->last_error), "no CONNACK from %s:%d "
			    "within %d ms", c->url.host, c->url.port, CONNECT_TIMEOUT_MS);
			reset_session(c);
		}
		if (kc_mono_ms() >= until)
			return;
	}
}

bool
kw_mqtt_conn_connected(const struct kw_mqtt_conn *c)
{
	return c->state == ST_CONNECTED;
}

const char *
kw_mqtt_conn_last_error(const struct kw_mqtt_conn *c)
{
	return c->last_error;
}

int
kw_mqtt_conn_publish(struct kw_mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int qos, bool retain, void *udata, int64_t offset, char *err, size_t errlen)
{
	struct pend *p;
	size_t idx;
	int rc;

	if (c->count == c->cap) {
		snprintf(err, errlen, "too many unacknowledged messages (%zu)", c->cap);
		return -1;
	}
	if (topic == NULL) {
		/* a placeholder: nothing to send, acknowledged in its place in the FIFO */
		p = &c->ring[(c->head + c->count) % c->cap];
		memset(p, 0, sizeof(*p));
		p->udata = udata;
		p->offset = offset;
		p->acked = true;
		c->count++;
		return 0;
	}
	if (mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS ||
	    mosquitto_validate_utf8(topic, (int)strlen(topic)) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "not a valid MQTT topic name");
		return -1;
	}
	if (len > 268435455) {
		snprintf(err, errlen, "payload of %zu bytes is over MQTT's limit", len);
		return -1;
	}
	idx = (c->head + c->count) % c->cap;
	p = &c->ring[idx];
	memset(p, 0, sizeof(*p));
	p->topic = kc_xstrdup(topic);
	p->payload = len > 0 ? kc_xmalloc(len) : NULL;
	if (len > 0)
		memcpy(p->payload, payload, len);
	p->len = len;
	p->qos = qos < 0 ? 0 : qos > 2 ? 2 : qos;
	p->retain = retain;
	p->udata = udata;
	p->offset = offset;
	c->count++;
	if (c->state == ST_CONNECTED && !c->lost) {
		rc = send_slot(c, idx);
		if (rc != 0 && rc != MOSQ_ERR_NO_CONN) {
			/* the session broke while writing: it is resent after the reconnect */
			c->lost = true;
		}
	}
	return 0;
}

size_t
kw_mqtt_conn_pop_acked(struct kw_mqtt_conn *c, void (*cb)(void *, int64_t, void *), void *arg)
{
	struct pend *p;
	size_t n = 0;

	while (c->count > 0) {
		p = &c->ring[c->head];
		if (!p->acked)
			break;
		if (cb != NULL)
			cb(p->udata, p->offset, arg);
		free(p->topic);
		free(p->payload);
		memset(p, 0, sizeof(*p));
		c->head = (c->head + 1) % c->cap;
		c->count--;
		n++;
	}
	return n;
}

size_t
kw_mqtt_conn_pending(const struct kw_mqtt_conn *c)
{
	return c->count;
}

size_t
kw_mqtt_conn_capacity(const struct kw_mqtt_conn *c)
{
	return c->cap;
}

void
kw_mqtt_conn_stats(const struct kw_mqtt_conn *c, struct kw_mqtt_conn_stats *out)
{
	*out = c->stats;
}
