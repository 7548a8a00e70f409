/* kw_plugins.c - the table of connector plugins built into kcops-worker.
 *
 * Adding a connector: declare its plugin below and add it to kw_plugins[] (one line each). */
#include "kw_plugin.h"

/* ---- plugin declarations (one line each) ---- */
extern const struct kw_plugin kw_cron_source_plugin;
extern const struct kw_plugin kw_http_sink_plugin, kw_http_queue_source_plugin;
extern const struct kw_plugin kw_join_plugin, kw_mqtt_sink_plugin, kw_mqtt_source_plugin;

const struct kw_plugin *const kw_plugins[] = {
	&kw_cron_source_plugin,
	/* ---- other connectors (one line each) ---- */
	&kw_http_sink_plugin, &kw_http_queue_source_plugin,
	&kw_join_plugin, &kw_mqtt_sink_plugin, &kw_mqtt_source_plugin,
	NULL,
};
