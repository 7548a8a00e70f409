/* kc_client_int.h - internals shared by the files of backend/connect (not a public API). */
#ifndef KC_CLIENT_INT_H
#define KC_CLIENT_INT_H

#include "kc_client.h"

/* Store a GET / answer obtained asynchronously (takes a new reference). */
void kc_client_set_info(struct kc_client *c, json_t *info);

/* kc_client_list_expanded_async with drop(arg) when the client is freed first. */
int kc_client_list_expanded_async_drop(struct kc_client *c, kc_client_list_cb cb, void *arg,
    void (*drop)(void *));
/* Mark the request submitted last as raw (its answer is not parsed as JSON). */
void kc_client_raw_last(struct kc_client *c);
/* Prefault the whole pages of [p, p + len) when len is 256 KiB or more (best effort). */
void kc_client_prefault(void *p, size_t len);
/* Free the storage behind a list made by kc_connector_list_parse. */
void kc_listing_store_free(void *priv);

/* kc_connector_list_parse on a malloc'ed, NUL-terminated text it takes (freed on failure);
 * flags: KC_LIST_*. */
struct kc_connector_list *kc_listing_parse_owned(char *text, size_t len, unsigned int flags,
    struct kc_err *err);
/* Is every name of a plain listing text (JSON array of names, NUL-terminated at len) in l?
 * The text is decoded in place (spoilt). */
int kc_listing_has_all(const struct kc_connector_list *l, char *text, size_t len);

#endif
