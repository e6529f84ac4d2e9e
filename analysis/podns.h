/* SPDX-License-Identifier: MIT */
/*
 * A pod's own namespace: recognised by its interface being the peer of a
 * workload interface (not by its routes), and checked for what a pod needs
 * instead of the node checks. Pure.
 */
#ifndef CT_ANALYSIS_PODNS_H
#define CT_ANALYSIS_PODNS_H

#include "analysis/analysis.h"
#include "analysis/findings.h"
#include "analysis/results.h"
#include "model/model.h"

/* The link of ns that is a candidate pod interface: a veth that is not itself a
 * workload interface, eth0 first; NULL when ns holds a workload interface (a
 * node) or no such veth. */
const struct ct_link *ct_podns_candidate(const struct ct_netns *ns, const struct ct_prefixes *p);
/* The pod interface of ns (its eth0) when its veth peer is a workload interface
 * of host; that host-side link in *host_side. NULL when ns is not a pod's
 * namespace as far as host tells (host NULL: not known). */
const struct ct_link *ct_podns_eth0(const struct ct_netns *ns, const struct ct_netns *host,
				    const struct ct_prefixes *p, const struct ct_link **host_side);
/* The pod checks of eth0 (host_side NULL: the host side is not known, so no MTU
 * or address comparison): pod_eth0_down, pod_eth0_no_address, pod_mtu_mismatch
 * in f_if; pod_no_default_route in f_rt. Returns 0. */
int ct_analyze_podns(const struct ct_netns *ns, const struct ct_link *eth0,
		     const struct ct_netns *host, const struct ct_link *host_side,
		     struct ct_findings *f_if, struct ct_findings *f_rt);
/* neigh in a pod's namespace: when the pod has no route via its gateway (so
 * ct_analyze_neigh found none), the gateway rows from eth0 and its entries, and
 * pod_no_default_route in f; nothing when eth0 is down. Returns 0. */
int ct_podns_neigh(const struct ct_netns *ns, const struct ct_link *eth0,
		   struct ct_pod_gateway *gw4, struct ct_pod_gateway *gw6, struct ct_findings *f);
/* doctor in a pod's namespace: the pod checks only, no node checks. host may be
 * NULL (the host side could not be read). */
int ct_doctor_pod_result_build(const struct ct_node *n, const struct ct_netns *ns,
			       const struct ct_link *eth0, const struct ct_netns *host,
			       const struct ct_link *host_side, const struct ct_prefixes *p,
			       struct ct_doctor_result *r, struct ct_findings *all);

#endif
