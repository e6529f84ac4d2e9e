/* SPDX-License-Identifier: MIT */
/*
 * The kernel's route to every workload address (RTM_GETROUTE, probes/route_get.c),
 * asked in the handle's namespace and recorded in ns->wlroutes for
 * analysis/shadow.c: once from the node (no iif), and once per interface that
 * remote traffic for the pods arrives on in this mode, as a packet arriving
 * there from a remote pod: the device of the routes to other nodes' blocks
 * (protocol bird or felix, or through vxlan/tunl0-like devices: the underlay in
 * BGP mode, vxlan.calico or tunl0 in the overlay modes), with a source inside
 * such a block, so the reverse-path check passes back through the same device.
 * Workload addresses are the dst of /32 (/128) unicast routes out of a workload
 * interface that is up. Cost: one request per address per ingress.
 */
#ifndef CT_PROBES_WLROUTE_H
#define CT_PROBES_WLROUTE_H

#include "model/model.h"
#include "probes/nl.h"

/* ns must hold its links and routes. Returns 0, or a negative errno when a
 * question could not be asked (the kernel's refusals are answers: in err). */
int ct_wlroute_gather(struct ct_nl *nl, struct ct_netns *ns, const struct ct_prefixes *pfx);

#endif
