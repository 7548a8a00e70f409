/* http_rest.c - REST extension of the HTTP connectors: GET /kcops/v1/queues. */
#include "http_sink.h"
#include "kw_rest.h"

/* GET /kcops/v1/queues: every in-memory queue of this worker. */
int
kw_http_rest_queues(struct kw_req *req, struct kw_resp *resp)
{
	(void)req;
	kw_resp_json(resp, 200, kw_queue_list_json());
	return 0;
}
