/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own route lookup (RTM_GETROUTE, as `ip route get`) on an open
 * netlink handle, in the handle's network namespace. The answer is decoded by
 * model/rtnl.c's ct_rtnl_route_reply.
 *
 * Kernel facts (6.18; LAB-NOTES.md): with an iif the lookup is the forwarding
 * decision for a packet arriving there, so it sees forwarding, rp_filter and
 * the link state: blackhole -> EINVAL, unreachable -> EHOSTUNREACH, prohibit ->
 * EACCES, throw or no route -> ENETUNREACH, forwarding off -> EHOSTUNREACH,
 * rp_filter failure -> EINVAL (EXDEV before 6.13). Without iif it is the
 * lookup for a locally sent packet. RTM_F_FIB_MATCH answers with the FIB entry
 * that matched instead of the resulting cached route.
 */
#ifndef CT_PROBES_ROUTE_GET_H
#define CT_PROBES_ROUTE_GET_H

#include <stdbool.h>
#include <stdint.h>

#include "model/lookup.h"
#include "model/model.h"
#include "probes/nl.h"

struct ct_route_query {
	struct ct_ip dst;    /* required: AF_INET or AF_INET6 */
	struct ct_ip src;    /* family 0: none */
	int iif, oif;        /* 0: none */
	uint32_t fwmark;     /* with has_fwmark */
	bool has_fwmark;
	uint8_t ip_proto;    /* RTA_IP_PROTO, 0: none */
	uint16_t sport, dport; /* host byte order, 0: none (RTA_SPORT, RTA_DPORT) */
	bool fibmatch;       /* RTM_F_FIB_MATCH: answer with the matching route */
};

struct ct_route_answer {
	int err; /* 0: route holds the answer; else the kernel's positive errno */
	/* type, table, oif (or next hops), gw, src (prefsrc), flags; with fibmatch
	 * also dst (the route's prefix), protocol, scope, priority */
	struct ct_route route;
	/* When the kernel refused and a model was given (ct_route_get_explained):
	 * the model's lookup (model/lookup.h) names the route that caused it.
	 * The kernel's err stays the truth; model.err may differ (say so). */
	bool explained;
	struct ct_lookup_result model; /* pointers into the model given */
	char explain[320];             /* ct_lookup_explain's line */
};

/* Asks the kernel. Returns 0 when it answered (a route, or an error in a->err),
 * or a negative errno when the question could not be asked or the answer was
 * unreadable (transport errors stay apart from the kernel's answer). */
int ct_route_get(struct ct_nl *nl, const struct ct_route_query *q, struct ct_route_answer *a);
void ct_route_answer_clear(struct ct_route_answer *a);

/* The same, and when the kernel answers with an errno and ns is not NULL,
 * fills explained, model and explain from ns (the model of the handle's
 * namespace). */
int ct_route_get_explained(struct ct_nl *nl, const struct ct_route_query *q,
			   const struct ct_netns *ns, struct ct_route_answer *a);
/* Fills explained, model and explain of an answer already holding the
 * kernel's errno; nothing when a->err is 0 or ns is NULL. */
void ct_route_answer_explain(const struct ct_netns *ns, const struct ct_route_query *q,
			     struct ct_route_answer *a);

#endif
