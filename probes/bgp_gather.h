/* SPDX-License-Identifier: MIT */
#ifndef CT_BGP_GATHER_H
#define CT_BGP_GATHER_H

#include <stdbool.h>

#include "model/bgp.h"
#include "model/err.h"
#include "model/model.h"

struct ct_bgp_gather_opts {
	const char *netns_spec; /* -n, NULL for the current namespace */
	const char *socket;     /* --bird-socket, NULL to discover */
	const char *proc_root;
	double timeout_s;       /* overall deadline; connect and each read get min(2 s, it) */
	bool routes;            /* also `show route export <kernel> all` */
	const char *route_query; /* instead of everything else: only this `show route ... all`,
				    replacing n->bgp->routes */
};

/* Fills n->bgp (allocated when NULL): the kernel's TCP sessions on port 179,
 * then BIRD's status, protocols and (with routes) exported routes. On error
 * n->bgp keeps what was gathered before it (the sessions at least). */
int ct_bgp_gather(struct ct_node *n, const struct ct_bgp_gather_opts *o, struct ct_err *err);

#endif
