/* rx.h - an in-process webhook receiver for the watch unit tests (libmicrohttpd on a free
 * loopback port). Include after cmocka.h. */
#ifndef WATCH_TEST_RX_H
#define WATCH_TEST_RX_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_util.h"

/* The receiver: answers `fail_status` to the first `fail_first` requests, 200 after. */
struct rx {
	struct MHD_Daemon *d;
	int		 port;
	pthread_mutex_t	 mu;
	int		 hits;
	int		 fail_first;
	int		 fail_status;
	json_t		*bodies;	/* array of received JSON bodies */
	char		*ctype;		/* Content-Type of the last request */
	char		*xhdr;		/* X-Test header of the last request */
};

struct upload {
	char	*buf;
	size_t	 len;
};

static enum MHD_Result
rx_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct rx *rx = cls;
	struct upload *up = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int status = 200;
	const char *h;

	if (up == NULL) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_size > 0) {
		up->buf = realloc(up->buf, up->len + *data_size + 1);
		memcpy(up->buf + up->len, data, *data_size);
		up->len += *data_size;
		up->buf[up->len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&rx->mu);
	rx->hits++;
	if (rx->hits <= rx->fail_first)
		status = rx->fail_status;
	else if (up->buf != NULL) {
		struct kc_err err;
		json_t *j = kc_json_parse(up->buf, up->len, 0, &err);

		json_array_append_new(rx->bodies, j != NULL ? j : json_string(up->buf));
	}
	free(rx->ctype);
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	rx->ctype = kc_xstrdup(h);
	free(rx->xhdr);
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Test");
	rx->xhdr = kc_xstrdup(h);
	pthread_mutex_unlock(&rx->mu);
	resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	if (status == 429)
		MHD_add_response_header(resp, "Retry-After", "0");
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
rx_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct upload *up = *con_cls;

	if (up != NULL) {
		free(up->buf);
		free(up);
		*con_cls = NULL;
	}
}

static void
rx_start(struct rx *rx)
{
	const union MHD_DaemonInfo *info;

	memset(rx, 0, sizeof(*rx));
	pthread_mutex_init(&rx->mu, NULL);
	rx->bodies = json_array();
	rx->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, rx_handler, rx, MHD_OPTION_NOTIFY_COMPLETED, rx_done, NULL, MHD_OPTION_END);
	assert_non_null(rx->d);
	info = MHD_get_daemon_info(rx->d, MHD_DAEMON_INFO_BIND_PORT);
	rx->port = info->port;
	assert_true(rx->port > 0);
}

static void
rx_stop(struct rx *rx)
{
	MHD_stop_daemon(rx->d);
	json_decref(rx->bodies);
	free(rx->ctype);
	free(rx->xhdr);
	pthread_mutex_destroy(&rx->mu);
}

/* Number of bodies received so far. */
static inline size_t
rx_count(struct rx *rx)
{
	size_t n;

	pthread_mutex_lock(&rx->mu);
	n = json_array_size(rx->bodies);
	pthread_mutex_unlock(&rx->mu);
	return n;
}

#endif
