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
	bool ipv6;              /* discover the IPv6 daemon's socket (bird6, BIRD 1.x) */
};

/* Fills n->bgp (allocated when NULL): the kernel's TCP sessions on port 179,
 * then BIRD's status, protocols and (with routes) exported routes. On error
 * n->bgp keeps what was gathered before it (the sessions at least). */
int ct_bgp_gather(struct ct_node *n, const struct ct_bgp_gather_opts *o, struct ct_err *err);

/* The same into b (set up with ct_bgp_init), for a second BIRD of the node: with o->ipv6 and
 * no o->socket, the socket of a bird6 process in the namespace (else bird6.ctl at its usual
 * paths), as ct_bird_find_socket finds it. `path` reads bird6 this way for an IPv6 route
 * of BIRD 1.x. 0, or -1 with err (b keeps what was gathered before the error). */
int ct_bgp_gather_bgp(struct ct_bgp *b, const struct ct_bgp_gather_opts *o, struct ct_err *err);

/* Where a streamed route dump hands its routes. */
struct ct_route_sink {
	void *arg;
	void (*reset)(void *arg); /* the dump starts again: forget every route seen */
	int (*route)(void *arg, const struct ct_route *r); /* 0, or -1: out of memory */
};

/* The kernel's routes of every table, IPv4 then IPv6, in the namespace named by
 * netns_spec (as -n takes it; NULL: the current one), handed to s one at a time
 * and never kept: `bgp routes` at 100k routes without a copy of the table. A
 * dump the kernel marks interrupted is taken again from the start (s->reset
 * first), and kept after 3 retries and counted in n->dump_intr, as ct_gather
 * does. nsname names the namespace in errors. */
int ct_bgp_kernel_routes(struct ct_node *n, const char *netns_spec, const char *nsname,
			 const struct ct_route_sink *s, struct ct_err *err);

#endif
