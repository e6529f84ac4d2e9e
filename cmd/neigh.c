/* SPDX-License-Identifier: MIT */
/* caltrace neigh [IFACE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/podns.h"
#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "render/views.h"

int cmd_neigh(struct ct_ctx *c)
{
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: neigh takes at most one IFACE\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n, extra;
	struct ct_netns *ns;
	ct_node_init(&extra);
	unsigned what = CT_G_LINKS | CT_G_ROUTES_WL | CT_G_NEIGH | CT_G_FDB_TUN | CT_G_NEIGHTBL |
			CT_G_NSNAMES | CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	int only = 0;
	if (c->o.argc) {
		const struct ct_link *l = ct_link_by_name(ns, c->o.argv[0]);
		if (!l) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "no interface '%s' in network namespace '%s'",
				   c->o.argv[0], ns->name);
			ct_node_free(&n);
			return ct_report_err(c);
		}
		only = l->ifindex;
	}
	/* a pod's gateway check looks at the host side of its veth */
	const struct ct_netns *host =
		ct_netns_is_pod(ns) || ct_podns_candidate(ns, &c->o.prefixes)
			? ct_load_host_of(c, &n, ns, &extra)
			: NULL;
	struct ct_neigh_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_neigh_result_build(&n, ns, &c->o.prefixes, host, only, only ? c->o.argv[0] : NULL, &r, &f);
	/* a pod is known by its eth0's peer, not by its routes: without its default
	 * route it still gets its gateway rows, and the missing route as the cause */
	const struct ct_link *hs = NULL;
	const struct ct_link *eth0 = ct_podns_eth0(ns, host, &c->o.prefixes, &hs);
	if (eth0 && (!only || only == eth0->ifindex))
		ct_podns_neigh(ns, eth0, &r.gw[0], &r.gw[1], &f);
	ct_begin(c, &n, ns, "neigh");
	ct_views_neigh(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_neigh_result_free(&r);
	ct_findings_free(&f);
	ct_node_free(&extra);
	ct_node_free(&n);
	return rc;
}
