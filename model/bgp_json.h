/* SPDX-License-Identifier: MIT */
/* The snapshot's "bgp" section. The snapshot writer embeds the text verbatim
 * (node->bgp_json); the loader hands it back here. */
#ifndef CT_BGP_JSON_H
#define CT_BGP_JSON_H

#include "model/bgp.h"

/* Serialises b (and, when BIRD could not be reached, the error line) as one
 * compact JSON object; *out is malloc'd. 0 or -1. */
int ct_bgp_to_json(const struct ct_bgp *b, const char *error, char **out);
/* Parses it back into b (initialised by the caller); error gets the "error"
 * key when present. src names the snapshot in messages. 0 or -1 with err. */
int ct_bgp_from_json(const char *json, const char *src, struct ct_bgp *b, char *error,
		     size_t errlen, struct ct_err *err);

#endif
