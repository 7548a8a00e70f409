/* kc_client_int.h - internals shared by the files of backend/connect (not a public API). */
#ifndef KC_CLIENT_INT_H
#define KC_CLIENT_INT_H

#include "kc_client.h"

/* Store a GET / answer obtained asynchronously (takes a new reference). */
void kc_client_set_info(struct kc_client *c, json_t *info);

#endif
