/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Service readers (model/svc.c, model/svc_nft.c); not an API. */
#ifndef CT_SVC_INT_H
#define CT_SVC_INT_H

#include "model/svc.h"

/* A Kubernetes-like name of l bytes: letters, digits and -._/: only, shorter than CT_SVC_NAME. */
bool ct_svc__name_ok(const char *s, size_t l);
/* v->name = s[0..l) without trailing ':', or "" when it is not a plausible name. */
void ct_svc__set_name(struct ct_svc *v, const char *s, size_t l);
/* A decimal port 1..65535 in [s, end). */
bool ct_svc__port(const char *s, const char *end, uint16_t *port);
/* "IP:PORT", "[IP6]:PORT", "IP" or "IP6". */
bool ct_svc__hostport(const char *s, struct ct_svc_backend *b);
/* A new zeroed Service at the end of s, or NULL (out of memory, or past CT_SVC_MAX: then
 * s->dropped counts it and s->n == CT_SVC_MAX). */
struct ct_svc *ct_svc__add(struct ct_svcs *s);
/* Adds b (once) to v's backends; *cap is be's capacity (0 for a new Service). -1: memory. */
int ct_svc__add_backend(struct ct_svc *v, const struct ct_svc_backend *b, size_t *cap);

#endif
