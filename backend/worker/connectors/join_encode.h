/* join_encode.h - writing JSON record values whose numbers round-trip unchanged, through the
 * task's value converter (shared by the join and the MQTT source).
 *
 * The runtime's converter serialises reals with jansson's 17 digits (3.45 becomes
 * 3.4500000000000002). These helpers ask the converter once how it frames a JSON value
 * (plain JSON text, or the Connect envelope with a schema) and then write the value text
 * themselves with kc_json_write, taking only the schema from the converter.
 */
#ifndef KW_JOIN_ENCODE_H
#define KW_JOIN_ENCODE_H

#include <jansson.h>

#include "kc_json.h"
#include "kc_buf.h"
#include "kw_plugin.h"

struct kw_join_enc {
	const struct kw_converter	*conv;
	int				 envelope;	/* schemas.enable framing */
};

/* Probe the converter. */
void kw_join_enc_init(struct kw_join_enc *e, const struct kw_converter *conv);
/* Append the encoded form of v (not NULL) to out. 0, or -1 with err. */
int kw_join_enc_json(const struct kw_join_enc *e, const json_t *v, struct kc_buf *out,
    char *err, size_t errlen);

#endif
